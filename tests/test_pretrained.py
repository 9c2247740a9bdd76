"""Pretrained models: the real constructors, the real weight path, the offline fallback."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re

import h5py
import keras
import numpy as np
import pytest
from fruit_fixtures import LoopbackServer

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


def test_lesson_09_bases_match_keras_own_urls_and_hashes():
    # Keras builds these names and takes the hashes from a table (no file_hash="..." literal):
    # mobilenet_v3.py "weights_mobilenet_v3_{model}_no_top_v2.h5", efficientnet.py
    # name + "_notop.h5"; the second hash of each pair is the one without the classifier.
    from keras.src.applications import efficientnet, mobilenet_v3

    small = pretrained.MOBILENET_V3_SMALL_NOTOP
    assert small.filename == "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"
    assert small.url == mobilenet_v3.BASE_WEIGHT_PATH + small.filename
    assert small.md5 == mobilenet_v3.WEIGHTS_HASHES["small_224_1.0_float"][1]
    b0 = pretrained.EFFICIENTNET_B0_NOTOP
    assert b0.filename == "efficientnetb0_notop.h5"
    assert b0.url == efficientnet.BASE_WEIGHTS_PATH + b0.filename
    assert b0.md5 == efficientnet.WEIGHTS_HASHES["b0"][1]
    assert {small, b0} <= set(pretrained.COURSE_FILES), "fetch-weights and bundles carry them"
    names = [item.filename for item in pretrained.COURSE_FILES]
    assert len(names) == len(set(names))


def test_lesson_09_bases_use_the_registry():
    from course_utils import cpu_bases

    by_name = {spec.name: spec.weights for spec in cpu_bases.SMALL_BASES.values()}
    assert by_name["MobileNetV3Small"] is pretrained.MOBILENET_V3_SMALL_NOTOP
    assert by_name["EfficientNetB0"] is pretrained.EFFICIENTNET_B0_NOTOP


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
    with LoopbackServer({"/" + stand_in.filename: served.read_bytes()}) as server:
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


# --------------------------------------------------------------------------- faults


@pytest.fixture(autouse=True)
def fresh_reports(monkeypatch):
    """Each test sees its own 'once per process' notices and hash memo."""
    monkeypatch.setattr(pretrained, "_REPORTED", set())
    monkeypatch.setattr(pretrained, "_VERIFIED", {})


def read_only_cache(monkeypatch, keras_home):
    """Make every write below ``keras_home`` fail as on a read-only mount.

    Tests run as root, for whom chmod does not stop writes, so the refusal is simulated
    where the package creates files and folders.
    """
    from course_utils import fileio

    def refuse_under(real):
        def wrapper(*args, dir=None, **kwargs):
            if dir is not None and str(dir).startswith(str(keras_home)):
                raise OSError(30, "Read-only file system")
            return real(*args, dir=dir, **kwargs)

        return wrapper

    real_mkdir = fileio.Path.mkdir

    def mkdir(self, *args, **kwargs):
        if str(self).startswith(str(keras_home)) and not self.exists():
            raise OSError(30, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(fileio.tempfile, "mkdtemp", refuse_under(fileio.tempfile.mkdtemp))
    monkeypatch.setattr(fileio.tempfile, "mkstemp", refuse_under(fileio.tempfile.mkstemp))
    monkeypatch.setattr(fileio.Path, "mkdir", mkdir)


@pytest.mark.parametrize("with_models_folder", [False, True])
def test_read_only_keras_home_falls_back_to_random_weights(
    isolated, monkeypatch, capsys, with_models_folder
):
    if with_models_folder:
        (isolated / "keras" / "models").mkdir(parents=True)
    read_only_cache(monkeypatch, isolated / "keras")
    model = pretrained.load("vgg16", include_top=False, input_shape=(32, 32, 3), progress=False)
    assert not model.has_imagenet_weights
    err = capsys.readouterr().err
    assert "RANDOM WEIGHTS" in err
    assert "read-only" in err and "set KERAS_HOME to a folder you can write to" in err
    assert "Traceback" not in err
    decoded = pretrained.decode(np.eye(1000, dtype="float32")[:1], top=1)
    assert decoded[0][0][1] == "class 0"


def test_fetch_weights_with_a_read_only_cache(isolated, monkeypatch, capsys):
    from course_utils import __main__

    read_only_cache(monkeypatch, isolated / "keras")
    assert __main__.main(["fetch-weights"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if "unavailable" in line]
    assert len(lines) == len(pretrained.COURSE_FILES), "one line per file"
    assert all("read-only" in line for line in lines)
    assert "Traceback" not in captured.err


def fake_class_index(folder):
    index = {str(i): [f"n{i:08d}", f"name_{i}"] for i in range(1000)}
    path = folder / pretrained.CLASS_INDEX.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index))
    return path


def test_read_only_cache_with_the_class_index_still_decodes(isolated, monkeypatch, capsys):
    path = fake_class_index(isolated / "keras" / "models")
    stand_in = dataclasses.replace(pretrained.CLASS_INDEX, md5=fileio.file_hash(path, alg="md5"))
    monkeypatch.setattr(pretrained, "CLASS_INDEX", stand_in)
    read_only_cache(monkeypatch, isolated / "keras")

    def no_keras_download(*args, **kwargs):
        raise AssertionError("Keras's get_file must not be asked (it would leave the cache)")

    monkeypatch.setattr(keras.utils, "get_file", no_keras_download)
    predictions = np.zeros((2, 1000), dtype="float32")
    predictions[0, [954, 3]] = [0.9, 0.1]
    predictions[1, 7] = 1.0
    decoded = pretrained.decode(predictions, top=2)
    assert decoded[0] == [
        ("n00000954", "name_954", pytest.approx(0.9)),
        ("n00000003", "name_3", pytest.approx(0.1)),
    ]
    assert decoded[1][0][:2] == ("n00000007", "name_7")
    assert pretrained.imagenet_class_names()[954] == "name_954"
    assert "class numbers" not in capsys.readouterr().err


def test_a_damaged_cached_file_is_named_once(isolated, capsys):
    cache = isolated / "keras" / "models"
    cache.mkdir(parents=True)
    damaged = cache / pretrained.VGG16_NOTOP.filename
    damaged.write_bytes(b"\0" * 30_000)
    assert pretrained.file_status(pretrained.VGG16_NOTOP) == "damaged"
    for _ in range(2):
        model = pretrained.load("vgg16", include_top=False, input_shape=(32, 32, 3), progress=False)
        assert not model.has_imagenet_weights
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "unavailable" in line]
    assert len(lines) == 1, "one notice per file and process"
    assert f"the cached file {damaged} is damaged" in lines[0]
    assert "fetch-weights" in lines[0]
    assert "ConnectionError" not in err and "Traceback" not in err
    assert len(lines[0]) < 800, "a short notice (a few lines), not a traceback"


def test_file_status(isolated, tmp_path, monkeypatch):
    good = tmp_path / "x.h5"
    good.write_bytes(b"weights" * 1000)
    item = dataclasses.replace(pretrained.VGG16_NOTOP, md5=fileio.file_hash(good, alg="md5"))
    assert pretrained.file_status(item) == "missing"
    cache = isolated / "keras" / "models"
    cache.mkdir(parents=True)
    (cache / item.filename).write_bytes(good.read_bytes())
    assert pretrained.file_status(item) == "ok"
    assert pretrained.cached_path(item, verify=True) == cache / item.filename
    (cache / item.filename).write_bytes(good.read_bytes()[:3000])  # cut off
    assert pretrained.file_status(item) == "damaged"
    assert pretrained.cached_path(item, verify=True) is None


def test_xception_without_classifier_is_fetched_and_bundled():
    assert pretrained.XCEPTION_NOTOP in pretrained.COURSE_FILES
    assert pretrained.MODELS["xception"].notop is pretrained.XCEPTION_NOTOP
    from course_utils import bundle

    assert pretrained.XCEPTION_NOTOP in bundle._select_files(["weights"], pretrained.COURSE_FILES)
