"""Exports of a tiny classifier agree with the Keras model (float within 1e-3, int8 reported)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_utils import export


def tiny_model(size=24, classes=3):
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.Conv2D(8, 3, activation="relu", name="conv")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    images = np.random.default_rng(0).uniform(0, 255, (40, 24, 24, 3)).astype("float32")
    model = tiny_model()
    folder = tmp_path_factory.mktemp("export") / "classifier"
    exports = export.export_model(
        model, folder, class_names=["a", "b", "c"], image_size=(24, 24), representative=images[:16]
    )
    return model, exports, images, folder


def test_every_copy_is_written_with_its_labels(exported):
    model, exports, images, folder = exported
    assert set(exports) == {"keras", "saved_model", "tflite_float", "tflite_int8"}
    assert all(item.size_bytes > 0 for item in exports.values())
    labels = json.loads((folder / export.LABELS_FILE).read_text())
    assert labels["class_names"] == ["a", "b", "c"] and labels["image_size"] == [24, 24]
    assert export.read_labels(folder)["image_size"] == (24, 24)
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_float_copies_agree_within_1e3_and_int8_is_reported(exported):
    model, exports, images, _ = exported
    labels = model.predict(images, verbose=0).argmax(axis=1)
    checks = export.compare_exports(model, exports, images, labels=labels, timing_images=4)
    by_kind = {check.kind: check for check in checks}
    for kind in (".keras", "SavedModel", "LiteRT float32"):
        assert by_kind[kind].ok and by_kind[kind].max_difference <= 1e-3
        assert by_kind[kind].top1_agreement == 1.0 and by_kind[kind].accuracy == 1.0
    int8 = by_kind["LiteRT int8"]
    assert not int8.must_match and 0 < int8.max_difference < 0.5 and int8.top1_agreement >= 0.5
    assert all(check.ms_per_image > 0 for check in checks)
    rows, headers = export.check_rows(checks)
    assert len(rows) == 5 and "within 1e-3" in rows[1] and "reported" in rows[-1]


def test_a_copy_that_differs_fails_the_check(exported):
    model, exports, images, _ = exported
    other = tiny_model()
    other.set_weights([w + 0.05 for w in model.get_weights()])
    checks = export.compare_exports(other, {"keras": exports["keras"]}, images, timing_images=2)
    assert not checks[1].ok and checks[1].max_difference > 1e-3


def test_fewer_than_32_images_are_refused(exported):
    model, exports, images, _ = exported
    with pytest.raises(ValueError, match="at least 32"):
        export.compare_exports(model, exports, images[:10])


def test_missing_labels_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_model"):
        export.read_labels(tmp_path)
    (tmp_path / export.LABELS_FILE).write_text('{"class_names": ["only"], "image_size": [4, 4]}')
    with pytest.raises(ValueError, match="two or more"):
        export.read_labels(tmp_path)
