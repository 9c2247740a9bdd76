"""The models later lessons reuse: the lesson-04 CNN, its checkpoints, a transfer model.

Lesson 04 *teaches* the fruits CNN and writes it out cell by cell; lessons 06, 07 and 08
only *use* it (as a baseline, to look inside it, to explain it), so they build it from
here. A check cell in lesson 04 compares its own model with :func:`build_fruits_cnn`
layer by layer, so the two cannot drift apart.

Checkpoints: lesson 04 saves its trained model with :func:`save_checkpoint` (a ``.keras``
file and a small JSON file saying what data, image size, settings and Keras version it was
trained with, and how well it did); :func:`load_or_train_fruits_cnn` reuses it only when
all of these match and its file is intact, and otherwise trains again and says why.

:func:`build_transfer_model` joins a frozen pretrained base and a new head (lessons 07, 08).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from course_utils import fileio


def build_fruits_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 16,
    *,
    filters: Sequence[int] = (32, 64, 128),
    dropout: float = 0.3,
    name: str = "fruits_cnn",
):
    """Build the lesson-04 CNN with the functional API (inputs are 0-255 RGB images).

    Each block is Conv2D -> BatchNormalization -> LeakyReLU -> MaxPooling2D; the layers
    are named ``conv1``, ``bn1``, ``act1``, ``pool1``, ... so that later lessons can pick
    feature maps (``act<k>``) and the last convolutional block for Grad-CAM.

    Parameters
    ----------
    input_shape : (height, width, 3)
    num_classes : int
    filters : sequence of int
        Filters of each convolutional block.
    dropout : float
        Dropout before the classifier.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled; outputs class probabilities (softmax).

    Examples
    --------
    >>> model = build_fruits_cnn((32, 32, 3), 16)
    >>> model.output_shape, model.get_layer("act3").output.shape
    ((None, 16), (None, 8, 8, 128))
    """
    import keras
    from keras import layers

    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"input_shape must be (height, width, 3), not {input_shape}.")
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for block, count in enumerate(filters, start=1):
        x = layers.Conv2D(count, 3, padding="same", name=f"conv{block}")(x)
        # momentum 0.9 (Keras's default is 0.99): with a few hundred training steps, the
        # default moving averages lag far behind and inference-mode accuracy collapses.
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{block}")(x)
        x = layers.LeakyReLU(negative_slope=0.1, name=f"act{block}")(x)
        x = layers.MaxPooling2D(name=f"pool{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def train_fruits_cnn(data, *, epochs: int = 10, learning_rate: float = 1e-3, verbose: int = 0):
    """Build and train the lesson-04 CNN on a :class:`~course_utils.datasets.FruitsData`.

    Trains on the plain training batches (no augmentation) and validates after every
    epoch, as lesson 04 does. For reference, lesson 04 (12 epochs at 32x32 pixels, full
    mode, 2 CPU cores) measured 100% test accuracy on the real Fruits-360 sample after
    about 20 s of training and 93% on the generated fruits after about 60 s.

    Parameters
    ----------
    data : FruitsData
        From :func:`course_utils.datasets.load_fruits`; its image size sets the input.
    epochs : int
    learning_rate : float
        Adam's learning rate.
    verbose : int
        Passed to ``model.fit`` (0: silent, 2: one line per epoch).

    Returns
    -------
    model : keras.Model
        Trained and compiled (sparse categorical cross-entropy, accuracy).
    history : keras.callbacks.History
    """
    import keras

    height, width = data.image_size
    model = build_fruits_cnn((height, width, 3), len(data.class_names))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(data.train, validation_data=data.validation, epochs=epochs, verbose=verbose)
    return model, history


# --------------------------------------------------------------------------- transfer model


def build_transfer_model(
    base,
    num_classes: int,
    *,
    head=None,
    pooling_name: str = "pooling",
    head_name: str = "fruit_probabilities",
    name: str = "transfer",
):
    """Put a frozen pretrained base and a new softmax head into one functional model.

    ``image -> base(training=False) -> GlobalAveragePooling2D -> Dense(softmax)``: the
    model lessons 07 and 08 explain. The base is frozen (``trainable = False``) and
    called in inference mode, so its BatchNormalization statistics (if any) stay as
    they were learned.

    Parameters
    ----------
    base : keras.Model
        A convolutional base without its classifier, e.g. ``pretrained.load("vgg16",
        include_top=False, input_shape=(64, 64, 3)).model``; it needs a fixed input shape.
    num_classes : int
        Classes of the new head (ignored when ``head`` is given).
    head : keras.layers.Dense, optional
        An already trained head (e.g. trained on cached features); default a new
        ``Dense(num_classes, activation="softmax")``.
    pooling_name, head_name, name : str
        Names of the pooling layer, the head and the model.

    Returns
    -------
    keras.Model
        Uncompiled; inputs are whatever the base expects (after its ``preprocess_input``).

    Examples
    --------
    >>> import keras
    >>> base = keras.Sequential(
    ...     [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)], name="tiny_base"
    ... )
    >>> model = build_transfer_model(base, 5)
    >>> model.output_shape, base.trainable
    ((None, 5), False)
    """
    import keras
    from keras import layers

    shape = tuple(base.input_shape[1:]) if hasattr(base, "input_shape") else ()
    if len(shape) != 3 or None in shape:
        raise ValueError(
            f"The base needs a fixed input shape (height, width, channels), not {shape}: "
            "build it with input_shape=(64, 64, 3), for example."
        )
    if head is None:
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be at least 2, not {num_classes}.")
        head = layers.Dense(int(num_classes), activation="softmax", name=head_name)
    base.trainable = False
    inputs = keras.Input(shape, name="image")
    features = base(inputs, training=False)
    pooled = layers.GlobalAveragePooling2D(name=pooling_name)(features)
    return keras.Model(inputs, head(pooled), name=name)


# --------------------------------------------------------------------------- checkpoints

CHECKPOINT_PREFIX = "fruits_cnn-"
_METADATA_VERSION = 1


def checkpoint_dir() -> Path:
    """The folder of the saved lesson-04 models: :func:`course_utils.paths.models_dir`."""
    from course_utils import paths

    return paths.models_dir()


def data_fingerprint(data) -> dict:
    """Describe the images a model is trained on, stably enough to recognise them again.

    The class list, the number of images in each split, the image size, and a SHA-256
    over the training and validation pixels and labels: another source, another
    subsample (quick mode), another seed or another image size changes it; the folder
    it was read from is kept for the messages only.

    Parameters
    ----------
    data : FruitsData

    Returns
    -------
    dict
        JSON-ready: ``root``, ``classes``, ``counts``, ``image_size``, ``sha256``.
    """
    digest = hashlib.sha256()
    digest.update("\n".join(data.class_names).encode())
    for array in (data.x_train, data.y_train, data.x_val, data.y_val):
        contiguous = np.ascontiguousarray(array)
        digest.update(f"{contiguous.dtype}{contiguous.shape}".encode())
        digest.update(contiguous.tobytes())
    test_count = 0 if data.x_test is None else len(data.x_test)
    return {
        "root": str(data.root),
        "classes": list(data.class_names),
        "counts": {"train": len(data.x_train), "validation": len(data.x_val), "test": test_count},
        "image_size": [int(side) for side in data.image_size],
        "sha256": digest.hexdigest(),
    }


def checkpoint_metadata(
    data,
    *,
    epochs: int,
    quick: bool,
    learning_rate: float = 1e-3,
    augment: bool = False,
) -> dict:
    """What a saved lesson-04 CNN must agree with before a lesson may reuse it.

    ``data`` (:func:`data_fingerprint`), the training settings and the Keras version.
    ``quick`` is part of the settings, so a quick-mode model is never used in full mode
    or the other way round.
    """
    import keras

    return {
        "data": data_fingerprint(data),
        "settings": {
            "model": "fruits_cnn",
            "epochs": int(epochs),
            "learning_rate": float(learning_rate),
            "batch_size": int(data.batch_size),
            "augment": bool(augment),
            "seed": int(data.seed),
            "quick": bool(quick),
        },
        "keras_version": keras.__version__,
    }


def _key(metadata: Mapping) -> str:
    wanted = {part: metadata[part] for part in ("data", "settings", "keras_version")}
    wanted["data"] = {k: v for k, v in wanted["data"].items() if k != "root"}
    text = json.dumps(wanted, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _paths_for(metadata: Mapping, folder: Path | None) -> tuple[Path, Path]:
    folder = checkpoint_dir() if folder is None else Path(folder)
    stem = CHECKPOINT_PREFIX + _key(metadata)
    return folder / f"{stem}.keras", folder / f"{stem}.json"


def _save_model_atomically(model, target: Path) -> None:
    """``model.save`` into a staging folder beside ``target``, then copy it into place atomically.

    Keras writes a ``.keras`` file only to a path ending in ``.keras``, so the model is
    saved under its own name in a staging folder (removed afterwards; one left by a
    killed process is removed the next time) and moved into place with
    :func:`course_utils.fileio.atomic_copy`: a reader sees the old file or the new one.
    """
    staging = fileio.make_staging_folder(target)
    try:
        written = staging / target.name
        model.save(written)
        fileio.atomic_copy(written, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_checkpoint(
    model,
    data,
    *,
    epochs: int,
    quick: bool,
    learning_rate: float = 1e-3,
    augment: bool = False,
    test_accuracy: float | None = None,
    train_seconds: float | None = None,
    history=None,
    folder: Path | str | None = None,
) -> Path:
    """Save a trained lesson-04 CNN with a metadata file, for later lessons to reuse.

    Writes ``fruits_cnn-<key>.keras`` (``model.save``) and, last, ``fruits_cnn-<key>.json``
    holding :func:`checkpoint_metadata`, the SHA-256 of the ``.keras`` file, the accuracy
    and the training curves. The key is a hash of the data and settings, so models trained
    differently (quick and full mode, other data) sit side by side. Each file is written to
    a temporary name and renamed, so an interrupted save leaves no half-written checkpoint
    that could be taken for a good one.

    Parameters
    ----------
    model : keras.Model
        Trained on ``data`` with these settings.
    data : FruitsData
    epochs, quick, learning_rate, augment
        How it was trained (see :func:`checkpoint_metadata`).
    test_accuracy, train_seconds : float, optional
        Recorded for the lessons that load it.
    history : keras.callbacks.History or dict, optional
        The training curves, so a lesson that loads the model can still plot them.
    folder : path, optional
        Default :func:`checkpoint_dir`.

    Returns
    -------
    pathlib.Path
        The ``.keras`` file.
    """
    metadata = checkpoint_metadata(
        data, epochs=epochs, quick=quick, learning_rate=learning_rate, augment=augment
    )
    model_path, meta_path = _paths_for(metadata, None if folder is None else Path(folder))
    _save_model_atomically(model, model_path)
    logs = getattr(history, "history", history) or {}
    metadata.update(
        format=_METADATA_VERSION,
        model_file=model_path.name,
        model_sha256=fileio.file_hash(model_path),
        saved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        test_accuracy=None if test_accuracy is None else float(test_accuracy),
        train_seconds=None if train_seconds is None else float(train_seconds),
        history={name: [float(v) for v in values] for name, values in logs.items()},
    )
    fileio.atomic_write_text(meta_path, json.dumps(metadata, indent=1))
    return model_path


@dataclass
class TrainedCNN:
    """What :func:`load_or_train_fruits_cnn` returns.

    Attributes
    ----------
    model : keras.Model
        Compiled, ready to evaluate and predict.
    reason : str
        Why it was loaded or trained, in one sentence (the lessons print it).
    loaded : bool
        True when it came from a checkpoint.
    history : dict
        Training curves (metric -> values per epoch), also for a loaded model.
    train_seconds : float or None
        How long its training took (when it was saved, for a loaded model).
    path : pathlib.Path or None
        Its checkpoint file.
    """

    model: object
    reason: str
    loaded: bool
    history: dict
    train_seconds: float | None
    path: Path | None


def _read_metadata(path: Path) -> dict:
    """The metadata in ``path``; ValueError when it is not a checkpoint's metadata."""
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"its metadata file {path.name} is unreadable ({error})") from error
    needed = {"data", "settings", "keras_version", "model_file", "model_sha256"}
    if not isinstance(metadata, dict) or not needed <= set(metadata):
        raise ValueError(f"its metadata file {path.name} lacks the checkpoint's fields")
    return metadata


def _difference(saved: Mapping, wanted: Mapping) -> str:
    """Say in words how a saved checkpoint differs from what a lesson needs."""
    old, new = saved["data"], wanted["data"]
    if old.get("image_size") != new["image_size"]:
        size = "x".join(map(str, old.get("image_size", ["?"])))
        return (
            f"different image size: the saved model takes {size} pixels, "
            f"this lesson uses {'x'.join(map(str, new['image_size']))}"
        )
    if old.get("sha256") != new["sha256"] or old.get("classes") != new["classes"]:
        counts = old.get("counts", {})
        return (
            f"different data: the saved model was trained on {counts.get('train', '?')} images "
            f"from {old.get('root', '?')}, this lesson has {new['counts']['train']} from "
            f"{new['root']}"
        )
    changed = [
        f"{name} {old_value} -> {wanted['settings'].get(name)}"
        for name, old_value in saved["settings"].items()
        if wanted["settings"].get(name) != old_value
    ]
    changed += [
        f"{name} (new) {value}"
        for name, value in wanted["settings"].items()
        if name not in saved["settings"]
    ]
    if changed:
        return f"different settings: {', '.join(changed)}"
    if saved["keras_version"] != wanted["keras_version"]:
        return (
            f"different Keras version: saved with {saved['keras_version']}, "
            f"this is {wanted['keras_version']}"
        )
    return "the saved model does not match"


def _nearest_other(folder: Path, exclude: Path) -> dict | None:
    """The most recently saved readable checkpoint metadata in ``folder`` other than ``exclude``."""
    found = []
    for path in folder.glob(f"{CHECKPOINT_PREFIX}*.json"):
        if path == exclude:
            continue
        try:
            metadata = _read_metadata(path)
        except ValueError:
            continue
        found.append((str(metadata.get("saved_at", "")), metadata))
    return max(found, key=lambda item: item[0])[1] if found else None


def _load_checked(model_path: Path, meta_path: Path, wanted: Mapping):
    """Return ``(model, metadata, None)`` for a usable checkpoint, else ``(None, None, why)``."""
    import keras

    if not meta_path.exists():
        other = _nearest_other(meta_path.parent, meta_path) if meta_path.parent.is_dir() else None
        if other is None:
            return None, None, f"no saved model in {meta_path.parent} (run lesson 04 to save one)"
        return None, None, _difference(other, wanted)
    try:
        metadata = _read_metadata(meta_path)
    except ValueError as error:
        return None, None, f"damaged checkpoint: {error}"
    if _key(metadata) != _key(wanted):
        return None, None, _difference(metadata, wanted)
    if not model_path.is_file():
        return None, None, f"damaged checkpoint: its model file {model_path.name} is missing"
    if fileio.file_hash(model_path) != metadata["model_sha256"]:
        return (
            None,
            None,
            (
                f"damaged checkpoint: {model_path.name} is not the file that was saved "
                "(its SHA-256 differs: truncated or changed)"
            ),
        )
    try:
        model = keras.models.load_model(model_path)
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
        return None, None, f"damaged checkpoint: Keras cannot load {model_path.name} ({error})"
    if not getattr(model, "compiled", True):  # saved before compile: compile as trained
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=wanted["settings"]["learning_rate"]),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    height, width = wanted["data"]["image_size"]
    expected = ((None, height, width, 3), (None, len(wanted["data"]["classes"])))
    if (tuple(model.input_shape), tuple(model.output_shape)) != expected:
        return (
            None,
            None,
            (
                f"damaged checkpoint: the model maps {model.input_shape} to {model.output_shape}, "
                f"not {expected[0]} to {expected[1]}"
            ),
        )
    return model, metadata, None


def load_or_train_fruits_cnn(
    data,
    *,
    epochs: int,
    quick: bool,
    learning_rate: float = 1e-3,
    folder: Path | str | None = None,
    save: bool = True,
    verbose: int = 2,
) -> TrainedCNN:
    """Reuse lesson 04's saved CNN when it was trained on this data with these settings.

    Otherwise train it again (one line per epoch with ``verbose=2``) and, with ``save``,
    save it for next time. Either way one printed line says why: loaded; no saved model;
    different image size, data, settings or Keras version; or a damaged checkpoint (an
    unreadable metadata file, a model file whose hash differs, a file Keras cannot
    load), which is never used.

    Parameters
    ----------
    data : FruitsData
        The images to train on; its size, classes and content must match the checkpoint.
    epochs : int
    quick : bool
        The notebook's quick mode: a quick-mode model is never reused in full mode.
    learning_rate : float
    folder : path, optional
        Where checkpoints are kept; default :func:`checkpoint_dir`.
    save : bool
        Save a model trained here.
    verbose : int
        0: silent; 1 or 2: print the reason, and ``model.fit``'s progress (2: one line
        per epoch).

    Returns
    -------
    TrainedCNN
        ``.model``, ``.reason``, ``.loaded``, ``.history``, ``.train_seconds``, ``.path``.

    Examples
    --------
    >>> cnn = load_or_train_fruits_cnn(data, epochs=EPOCHS, quick=QUICK)  # doctest: +SKIP
    Lesson-04 CNN: loaded fruits_cnn-3f2a9c1d04be.keras (saved 2026-12-01T10:02:11+00:00, ...)
    """
    wanted = checkpoint_metadata(data, epochs=epochs, quick=quick, learning_rate=learning_rate)
    model_path, meta_path = _paths_for(wanted, None if folder is None else Path(folder))
    model, metadata, why = _load_checked(model_path, meta_path, wanted)
    if model is not None:
        accuracy = metadata.get("test_accuracy")
        shown = "" if accuracy is None else f", test accuracy {accuracy:.1%}"
        reason = (
            f"loaded {model_path.name} (saved {metadata.get('saved_at', '?')}{shown}): "
            "same data and settings"
        )
        if verbose:
            print(f"Lesson-04 CNN: {reason}")
        return TrainedCNN(
            model,
            reason,
            True,
            metadata.get("history", {}),
            metadata.get("train_seconds"),
            model_path,
        )
    reason = f"{why}; training it again ({epochs} epoch{'' if epochs == 1 else 's'})"
    if verbose:
        print(f"Lesson-04 CNN: {reason}", flush=True)
    start = time.perf_counter()
    model, history = train_fruits_cnn(
        data, epochs=epochs, learning_rate=learning_rate, verbose=verbose
    )
    seconds = time.perf_counter() - start
    saved = None
    if save:
        accuracy = None if data.x_test is None else model.evaluate(data.test, verbose=0)[1]
        saved = save_checkpoint(
            model,
            data,
            epochs=epochs,
            quick=quick,
            learning_rate=learning_rate,
            test_accuracy=accuracy,
            train_seconds=seconds,
            history=history,
            folder=model_path.parent,
        )
    return TrainedCNN(model, reason, False, dict(history.history), seconds, saved)
