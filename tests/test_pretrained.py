"""Pretrained models: the real constructors, the real weight path, the offline fallback."""

from __future__ import annotations

import dataclasses
import inspect
import re

import h5py
import keras
import numpy as np
import pytest
from test_fruits360 import ArchiveServer

from course_utils import fileio, pretrained


def keras_hashes(module) -> list[str]:
    source = inspect.getsource(module)
    return re.findall(r'file_hash="(\w+)"', source)


def test_registry_matches_keras_own_urls_and_hashes():
    from keras.src.applications import imagenet_utils, vgg16, xception

    assert pretrained.VGG16_TOP.url == vgg16.WEIGHTS_PATH
    assert pretrained.VGG16_NOTOP.url == vgg16.WEIGHTS_PATH_NO_TOP
    assert pretrained.XCEPTION_TOP.url == xception.WEIGHTS_PATH
    assert pretrained.XCEPTION_NOTOP.url == xception.WEIGHTS_PATH_NO_TOP
    assert pretrained.CLASS_INDEX.url == imagenet_utils.CLASS_INDEX_PATH
    assert keras_hashes(vgg16) == [pretrained.VGG16_TOP.md5, pretrained.VGG16_NOTOP.md5]
    assert keras_hashes(xception) == [pretrained.XCEPTION_TOP.md5, pretrained.XCEPTION_NOTOP.md5]
    assert keras_hashes(imagenet_utils.decode_predictions) == [pretrained.CLASS_INDEX.md5]
    for item in pretrained.COURSE_FILES:
        assert item.url.endswith(item.filename)


def test_each_model_gets_its_own_preprocessing():
    red = np.zeros((1, 4, 4, 3), dtype="float32")
    red[..., 0] = 255.0
    assert pretrained.preprocess_function("vgg16") is keras.applications.vgg16.preprocess_input
    assert (
        pretrained.preprocess_function("Xception") is keras.applications.xception.preprocess_input
    )
    vgg = pretrained.preprocess_function("vgg16")(red.copy())
    # "caffe" mode: RGB -> BGR, ImageNet channel means subtracted, no scaling.
    assert np.allclose(vgg[0, 0, 0], [-103.939, -116.779, 255 - 123.68], atol=1e-3)
    xception = pretrained.preprocess_function("xception")(red.copy())
    # "tf" mode: RGB kept, scaled to [-1, 1].
    assert np.allclose(xception[0, 0, 0], [1, -1, -1])
    with pytest.raises(ValueError, match="Unknown model"):
        pretrained.preprocess_function("resnet")


def test_offline_fallback_is_random_weights_with_a_loud_notice(isolated, capsys):
    model = pretrained.load("vgg16", include_top=False, input_shape=(32, 32, 3), progress=False)
    assert model.has_imagenet_weights is False and model.weights_file is None
    assert model.name == "VGG16" and model.input_size == 32
    assert model.model.output_shape == (None, 1, 1, 512)
    err = capsys.readouterr().err
    assert "RANDOM WEIGHTS - predictions are meaningless" in err and "fetch-weights" in err
    images = np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 3)).astype("uint8")
    before = images.copy()
    assert model.predict(images).shape == (2, 1, 1, 512)
    assert np.array_equal(images, before), "preprocessing must not change the caller's images"


def write_legacy_weights(model, path):
    """Save weights in the legacy HDF5 layout that Keras's published weight files use."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, model)


def test_weights_are_downloaded_into_the_keras_cache_and_loaded(
    isolated, tmp_path, monkeypatch, capsys
):
    # A stand-in for the real file: VGG16's convolutional base with recognisable weights.
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    first = base.get_layer("block1_conv1")
    first.set_weights([np.full_like(w, 0.125) for w in first.get_weights()])
    served = tmp_path / "served.h5"
    write_legacy_weights(base, served)
    stand_in = dataclasses.replace(
        pretrained.VGG16_NOTOP, url="placeholder", md5=fileio.file_hash(served, alg="md5")
    )
    with ArchiveServer({"/" + stand_in.filename: served.read_bytes()}) as server:
        stand_in = dataclasses.replace(stand_in, url=server.url("/" + stand_in.filename))
        spec = dataclasses.replace(pretrained.MODELS["vgg16"], notop=stand_in)
        monkeypatch.setitem(pretrained.MODELS, "vgg16", spec)
        loaded = pretrained.load(
            "vgg16", include_top=False, input_shape=(48, 48, 3), progress=False
        )
    cached = isolated / "keras" / "models" / stand_in.filename
    assert loaded.has_imagenet_weights and loaded.weights_file == cached
    kernel = loaded.model.get_layer("block1_conv1").get_weights()[0]
    assert np.all(kernel == 0.125), "the downloaded weights were loaded"
    assert "RANDOM WEIGHTS" not in capsys.readouterr().err
    # Second time: no server, the cached file is used (and its hash checked).
    again = pretrained.load("vgg16", include_top=False, input_shape=(32, 32, 3), progress=False)
    assert again.has_imagenet_weights
    # A damaged cached file is not used: the download is retried, fails offline, random weights.
    cached.write_bytes(cached.read_bytes()[:1000])
    damaged = pretrained.load("vgg16", include_top=False, input_shape=(32, 32, 3), progress=False)
    assert not damaged.has_imagenet_weights


def test_decode_without_class_index_shows_numbers(isolated, capsys):
    predictions = np.zeros((1, 1000), dtype="float32")
    predictions[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    decoded = pretrained.decode(predictions, top=3)
    assert decoded == [
        [
            ("?", "class 7", 0.5),
            ("?", "class 3", pytest.approx(0.3)),
            ("?", "class 999", pytest.approx(0.2)),
        ]
    ]
    assert "class numbers" in capsys.readouterr().err
    with pytest.raises(ValueError, match="shape"):
        pretrained.decode(np.zeros((1, 10)))


def test_decode_with_the_installed_class_index():
    # CI installs the real class index through the bundle path into KERAS_HOME.
    if pretrained.cached_path(pretrained.CLASS_INDEX, verify=True) is None:
        pytest.skip(
            "the ImageNet class index is not installed in the Keras cache (.ci/run installs it)"
        )
    predictions = np.zeros((2, 1000), dtype="float32")
    predictions[0, 0] = 1.0  # tench
    predictions[1, 285] = 1.0  # Egyptian cat
    decoded = pretrained.decode(predictions, top=1)
    assert decoded[0][0][:2] == ("n01440764", "tench")
    assert decoded[1][0][1] == "Egyptian_cat"
