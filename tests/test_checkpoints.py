"""Checkpoints of the lesson-04 CNN: reused only when data, size and settings match and the
files are intact; otherwise trained again, with the reason said (course_utils.models)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fruit_fixtures import make_fruits_tree  # noqa: E402

from course_utils import fileio, models  # noqa: E402
from course_utils.datasets import DataWarning, load_fruits  # noqa: E402

SIZE = (16, 16)


def load(root, image_size=SIZE, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_fruits(root, image_size=image_size, batch_size=8, verbose=False, **options)


@pytest.fixture
def data(fruits_tree):
    return load(fruits_tree)


@pytest.fixture
def saved(data, tmp_path):
    """An untrained, uncompiled CNN saved as a checkpoint of ``data``, 1 epoch, full mode."""
    keras.utils.set_random_seed(3)
    model = models.build_fruits_cnn((*SIZE, 3), len(data.class_names))
    path = models.save_checkpoint(
        model,
        data,
        epochs=1,
        quick=False,
        test_accuracy=0.5,
        train_seconds=1.5,
        history={"loss": [2.0], "accuracy": [0.25]},
        folder=tmp_path / "models",
    )
    return model, path


def reuse(data, tmp_path, **options):
    settings = {"epochs": 1, "quick": False, "folder": tmp_path / "models", "verbose": 0}
    settings.update(options)
    return models.load_or_train_fruits_cnn(data, **settings)


def predictions(model, data):
    return model.predict(data.x_val.astype("float32"), verbose=0)


def test_saving_writes_the_model_and_its_metadata(data, saved):
    model, path = saved
    assert path.suffix == ".keras" and path.is_file()
    metadata = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert metadata["data"]["image_size"] == list(SIZE)
    assert metadata["data"]["classes"] == data.class_names
    assert metadata["data"]["counts"]["train"] == len(data.x_train)
    assert metadata["settings"]["epochs"] == 1 and metadata["settings"]["quick"] is False
    assert metadata["keras_version"] == keras.__version__
    assert metadata["test_accuracy"] == 0.5
    hidden = [entry.name for entry in path.parent.iterdir() if entry.name.startswith(".")]
    assert hidden == [], "a temporary file or staging folder was left behind"


def test_a_matching_checkpoint_is_loaded_without_training(data, saved, tmp_path, capsys):
    model, path = saved
    result = reuse(data, tmp_path, verbose=2)
    assert result.loaded and result.path == path
    assert result.reason.startswith("loaded") and "same data and settings" in result.reason
    assert "Epoch" not in capsys.readouterr().out, "it trained"
    np.testing.assert_array_equal(predictions(result.model, data), predictions(model, data))
    assert result.model.evaluate(data.validation, verbose=0)[1] >= 0, "not compiled"
    assert result.history == {"loss": [2.0], "accuracy": [0.25]}
    assert result.train_seconds == 1.5
    # the same data loaded again (another kernel) is recognised too
    assert reuse(load(data.root), tmp_path).loaded


def test_no_checkpoint_trains_with_visible_progress_and_saves(data, tmp_path, capsys):
    result = reuse(data, tmp_path, verbose=2)
    out = capsys.readouterr().out
    assert not result.loaded and result.reason.startswith("no saved model")
    assert "training it again (1 epoch)" in out
    assert "val_accuracy" in out, "no per-epoch progress line"
    assert set(result.history) >= {"loss", "val_loss"}
    assert result.path is not None and result.path.is_file()
    again = reuse(data, tmp_path)
    assert again.loaded
    np.testing.assert_array_equal(predictions(again.model, data), predictions(result.model, data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"image_size": (24, 24)}, "different image size: the saved model takes 16x16"),
        ({"max_per_class": 2}, "different data"),
        ({"seed": 7}, "different data"),
    ],
)
def test_other_data_or_size_is_retrained_with_the_reason(
    saved, fruits_tree, tmp_path, change, expected
):
    other = load(fruits_tree, **change)
    result = reuse(other, tmp_path)
    assert not result.loaded
    assert result.reason.startswith(expected), result.reason
    assert result.model.input_shape[1:3] == other.image_size


def test_another_source_is_other_data(saved, tmp_path):
    elsewhere = make_fruits_tree(tmp_path / "elsewhere", train=5)
    result = reuse(load(elsewhere), tmp_path)
    assert not result.loaded
    assert result.reason.startswith("different data") and "elsewhere" in result.reason


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"epochs": 2}, "different settings: epochs 1 -> 2"),
        ({"quick": True}, "different settings: quick False -> True"),
        ({"learning_rate": 3e-3}, "different settings: learning_rate"),
    ],
)
def test_other_settings_are_retrained_and_quick_never_loads_full(
    data, saved, tmp_path, options, expected
):
    result = reuse(data, tmp_path, **options)
    assert not result.loaded
    assert result.reason.startswith(expected), result.reason
    # both checkpoints now sit side by side; each mode loads its own
    assert reuse(data, tmp_path).loaded
    assert reuse(data, tmp_path, **options).loaded


def test_a_truncated_model_file_is_retrained_never_used(data, saved, tmp_path):
    _, path = saved
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    result = reuse(data, tmp_path)
    assert not result.loaded
    assert result.reason.startswith("damaged checkpoint") and "SHA-256" in result.reason
    assert reuse(data, tmp_path).loaded, "the retrained model was not saved in its place"


def test_a_model_file_keras_cannot_read_is_retrained(data, saved, tmp_path):
    """Even with a matching hash (e.g. saved broken), a file Keras refuses is not used."""
    _, path = saved
    path.write_bytes(b"not a zip archive")
    meta_path = path.with_suffix(".json")
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    metadata["model_sha256"] = fileio.file_hash(path)
    meta_path.write_text(json.dumps(metadata), encoding="utf-8")
    result = reuse(data, tmp_path)
    assert not result.loaded
    assert result.reason.startswith("damaged checkpoint: Keras cannot load"), result.reason


@pytest.mark.parametrize("garbage", ["{not json", '{"data": 1}', "[]", "\udcff"])
def test_garbage_metadata_is_retrained_never_used(data, saved, tmp_path, garbage):
    _, path = saved
    path.with_suffix(".json").write_text(garbage, encoding="utf-8", errors="surrogateescape")
    result = reuse(data, tmp_path)
    assert not result.loaded
    assert result.reason.startswith("damaged checkpoint: its metadata file"), result.reason
    assert reuse(data, tmp_path).loaded


def test_a_missing_model_file_is_damage(data, saved, tmp_path):
    _, path = saved
    path.unlink()
    result = reuse(data, tmp_path, save=False)
    assert result.reason.startswith("damaged checkpoint") and "missing" in result.reason
    assert result.path is None
    assert not path.exists(), "save=False saved"


def test_fingerprint_changes_with_the_pixels(data):
    before = models.data_fingerprint(data)
    data.x_train[0, 0, 0, 0] ^= 1
    after = models.data_fingerprint(data)
    assert before["sha256"] != after["sha256"]
    assert before["counts"] == after["counts"]


def test_the_default_folder_is_the_models_folder_of_the_data_folder(data, isolated):
    from course_utils import paths

    keras.utils.set_random_seed(3)
    model = models.build_fruits_cnn((*SIZE, 3), len(data.class_names))
    path = models.save_checkpoint(model, data, epochs=1, quick=False)
    assert path.parent == paths.models_dir() == isolated / "data" / "models"
    assert models.checkpoint_dir() == paths.models_dir()


def test_a_save_that_fails_keeps_the_old_checkpoint_and_leaves_nothing(data, saved, tmp_path):
    model, path = saved
    before = path.read_bytes()

    class Broken:
        def save(self, filepath):
            with open(filepath, "wb") as handle:
                handle.write(b"half a model")
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        models.save_checkpoint(Broken(), data, epochs=1, quick=False, folder=path.parent)
    assert path.read_bytes() == before, "the good checkpoint was damaged by a failed save"
    assert reuse(data, tmp_path).loaded
    hidden = [entry.name for entry in path.parent.iterdir() if entry.name.startswith(".")]
    assert hidden == [], "a staging folder or temporary file was left behind"
