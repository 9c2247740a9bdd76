"""Export a trained classifier (.keras, SavedModel, LiteRT float and int8) and check the copies.

:func:`export_model` writes, into one folder, all or nothing:

``model.keras``
    The whole Keras model (architecture, weights, optimizer state): for Keras and the app.
``saved_model/``
    An inference-only TensorFlow SavedModel (``model.export``), with one ``serve``
    signature: for TensorFlow Serving and other TensorFlow programs, no Keras needed.
``model_float.tflite``
    A TensorFlow Lite (now *LiteRT*) flatbuffer with float32 weights, for phones and
    small boards.
``model_int8.tflite`` (optional)
    The same with int8 weights and activations, calibrated on a *representative dataset*
    (a hundred or so training images); about 4 times smaller, usually a little less accurate.
``labels.json``
    Class names and the input image size: what an app needs besides the model.

:func:`compare_exports` runs every copy on the same images and reports, per copy, the
largest difference of the probabilities from the Keras model, the share of images whose
top class agrees, the file size and the time per image; float copies must match within
``1e-3``.

LiteRT interpreter: TensorFlow 2.21 still ships ``tf.lite.TFLiteConverter`` and
``tf.lite.Interpreter``, but the interpreter warns that it is deprecated in favour of the
``ai-edge-litert`` package (``from ai_edge_litert.interpreter import Interpreter``, the
same API). :func:`interpreter` uses ``ai_edge_litert`` when it is installed and
TensorFlow's own interpreter (with that warning hidden) otherwise.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils import fileio

LABELS_FILE = "labels.json"
KERAS_FILE = "model.keras"
SAVED_MODEL_DIR = "saved_model"
TFLITE_FLOAT = "model_float.tflite"
TFLITE_INT8 = "model_int8.tflite"
FLOAT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Exported:
    """One exported copy: what it is, where, and its size on disk."""

    kind: str
    path: Path

    @property
    def size_bytes(self) -> int:
        """Bytes on disk (a folder: all its files)."""
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        return self.path.stat().st_size


def _folder_size(path: Path) -> int:
    return Exported("", path).size_bytes


def write_labels(folder: Path, class_names: Sequence[str], image_size: Sequence[int]) -> Path:
    """Write ``labels.json``: class names in label order, image size, what the input is."""
    info = {
        "class_names": [str(name) for name in class_names],
        "image_size": [int(side) for side in image_size],
        "input": "RGB pixels 0-255, float32, shape (batch, height, width, 3)",
    }
    return fileio.atomic_write_text(Path(folder) / LABELS_FILE, json.dumps(info, indent=1))


def read_labels(folder_or_file: str | Path) -> dict:
    """Read ``labels.json`` (given the file or its folder); check its fields.

    Raises
    ------
    FileNotFoundError, ValueError
        When it is missing or does not hold ``class_names`` and ``image_size``.
    """
    path = Path(folder_or_file)
    path = path / LABELS_FILE if path.is_dir() else path
    if not path.is_file():
        raise FileNotFoundError(
            f"No {path.name} at {path}: export the model with course_utils.export.export_model, "
            "which writes it beside model.keras."
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        names, size = list(info["class_names"]), [int(s) for s in info["image_size"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path} is not a labels file ({error}): export the model again."
        ) from error
    if len(names) < 2 or len(size) != 2 or min(size) < 1:
        raise ValueError(f"{path} needs two or more class names and an image size (height, width).")
    return {"class_names": names, "image_size": tuple(size)}


def _convert(saved_model: Path, representative: np.ndarray | None) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    if representative is not None:
        samples = np.asarray(representative, dtype=np.float32)

        def calibration() -> Iterable[list[np.ndarray]]:
            for image in samples:
                yield [image[None]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
    return converter.convert()


def export_model(
    model,
    folder: str | Path,
    *,
    class_names: Sequence[str],
    image_size: Sequence[int],
    representative: np.ndarray | None = None,
) -> dict[str, Exported]:
    """Write every export of ``model`` into ``folder`` (replaced as a whole, atomically).

    Parameters
    ----------
    model : keras.Model
        Takes float32 images (n, height, width, 3) with 0-255 values (put any
        preprocessing inside the model), returns class probabilities.
    folder : path
    class_names : sequence of str
    image_size : (height, width)
    representative : array (n, height, width, 3), optional
        Calibration images for the int8 LiteRT copy (about 100 training images);
        without it no int8 copy is made.

    Returns
    -------
    dict
        ``{"keras": Exported, "saved_model": ..., "tflite_float": ..., "tflite_int8": ...}``.
    """
    import logging

    folder = Path(folder)
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.WARNING)  # no "INFO: Assets written to <temporary folder>"
    try:
        return _export_all(model, folder, class_names, image_size, representative)
    finally:
        logger.setLevel(level)


def _export_all(
    model, folder: Path, class_names, image_size, representative
) -> dict[str, Exported]:
    with fileio.atomic_folder(folder) as staging:
        model.save(staging / KERAS_FILE)
        model.export(str(staging / SAVED_MODEL_DIR), format="tf_saved_model", verbose=False)
        (staging / TFLITE_FLOAT).write_bytes(_convert(staging / SAVED_MODEL_DIR, None))
        if representative is not None:
            (staging / TFLITE_INT8).write_bytes(_convert(staging / SAVED_MODEL_DIR, representative))
        write_labels(staging, class_names, image_size)
    found = {
        "keras": Exported(".keras", folder / KERAS_FILE),
        "saved_model": Exported("SavedModel", folder / SAVED_MODEL_DIR),
        "tflite_float": Exported("LiteRT float32", folder / TFLITE_FLOAT),
    }
    if representative is not None:
        found["tflite_int8"] = Exported("LiteRT int8", folder / TFLITE_INT8)
    return found


# --------------------------------------------------------------------------- running copies


def interpreter(path: str | Path):
    """A LiteRT interpreter for a ``.tflite`` file (``ai_edge_litert`` if installed)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*tf\.lite\.Interpreter is deprecated")
            return tf.lite.Interpreter(model_path=str(path))
    return Interpreter(model_path=str(path))


def tflite_predictor(path: str | Path) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> probabilities`` through a LiteRT file, one image per call of the interpreter."""
    runner = interpreter(path)
    runner.allocate_tensors()
    given = runner.get_input_details()[0]
    wanted = runner.get_output_details()[0]

    def predict(images: np.ndarray) -> np.ndarray:
        rows = []
        for image in np.asarray(images, dtype=np.float32):
            runner.set_tensor(given["index"], image[None].astype(given["dtype"]))
            runner.invoke()
            rows.append(np.array(runner.get_tensor(wanted["index"])[0], dtype=np.float32))
        return np.stack(rows)

    return predict


def saved_model_predictor(path: str | Path) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> probabilities`` through the ``serve`` signature of a SavedModel."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))

    def predict(images: np.ndarray) -> np.ndarray:
        return loaded.serve(tf.constant(np.asarray(images, dtype=np.float32))).numpy()

    predict.loaded = loaded  # keep the object (and its variables) alive
    return predict


def keras_predictor(model) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> probabilities``: the Keras model in inference mode, as one compiled graph.

    Compiled with ``tf.function`` (once for any batch size), as ``model.predict`` does,
    so that its time per image compares fairly with the other copies.
    """
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
    compiled = tf.function(lambda x: model(x, training=False), input_signature=[spec])

    def predict(images: np.ndarray) -> np.ndarray:
        return compiled(tf.constant(np.asarray(images, dtype=np.float32))).numpy()

    return predict


def predictor_for(exported: Exported) -> Callable[[np.ndarray], np.ndarray]:
    """The predictor that runs one exported copy."""
    if exported.kind == ".keras":
        import keras

        return keras_predictor(keras.models.load_model(exported.path))
    if exported.kind == "SavedModel":
        return saved_model_predictor(exported.path)
    return tflite_predictor(exported.path)


@dataclass
class ExportCheck:
    """How one exported copy compares with the Keras model on the same images."""

    kind: str
    size_mb: float
    max_difference: float
    top1_agreement: float
    accuracy: float | None
    ms_per_image: float
    must_match: bool

    @property
    def ok(self) -> bool:
        """Float copies match within :data:`FLOAT_TOLERANCE`; int8 copies are only reported."""
        return not self.must_match or self.max_difference <= FLOAT_TOLERANCE


def _ms_per_image(predict: Callable, images: np.ndarray, count: int) -> float:
    predict(images[:1])  # warm up (graph building, allocation)
    times = []
    for image in images[:count]:
        start = time.perf_counter()
        predict(image[None])
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def compare_exports(
    model,
    exports: dict[str, Exported],
    images: np.ndarray,
    *,
    labels: np.ndarray | None = None,
    timing_images: int = 16,
) -> list[ExportCheck]:
    """Run the Keras model and every exported copy on ``images``; compare and time them.

    Parameters
    ----------
    model : keras.Model
        The model that was exported (the reference).
    exports : dict
        From :func:`export_model`.
    images : array (n, height, width, 3)
        At least 32 images, 0-255.
    labels : array (n,), optional
        True labels, for each copy's accuracy.
    timing_images : int
        Images timed one at a time (median milliseconds per image).

    Returns
    -------
    list of ExportCheck
        The Keras model in memory first, then one per copy.

    Raises
    ------
    ValueError
        With fewer than 32 images.
    """
    images = np.asarray(images, dtype=np.float32)
    if len(images) < 32:
        raise ValueError(f"Compare on at least 32 images (got {len(images)}): a few agree by luck.")
    reference_predict = keras_predictor(model)
    reference = np.concatenate(
        [reference_predict(images[i : i + 32]) for i in range(0, len(images), 32)]
    )
    top = reference.argmax(axis=1)
    checks = []
    runners = [("Keras (in memory)", reference_predict, None, False)]
    for exported in exports.values():
        runners.append(
            (exported.kind, predictor_for(exported), exported, "int8" not in exported.kind)
        )
    for kind, predict, exported, must_match in runners:
        output = (
            reference
            if exported is None
            else np.concatenate([predict(images[i : i + 32]) for i in range(0, len(images), 32)])
        )
        size = 0.0 if exported is None else exported.size_bytes / 1e6
        accuracy = None if labels is None else float(np.mean(output.argmax(axis=1) == labels))
        checks.append(
            ExportCheck(
                kind,
                size,
                float(np.abs(output - reference).max()),
                float(np.mean(output.argmax(axis=1) == top)),
                accuracy,
                _ms_per_image(predict, images, timing_images),
                must_match,
            )
        )
    return checks


def check_rows(checks: Sequence[ExportCheck]) -> tuple[list[list], list[str]]:
    """Rows and headers for :func:`course_utils.tables.show_table`."""
    headers = [
        "copy",
        "size",
        "largest difference",
        "same top class",
        "accuracy",
        "time per image",
        "check",
    ]
    rows = []
    for c in checks:
        verdict = (
            ("within 1e-3" if c.ok else "DIFFERS")
            if c.must_match
            else ("reference" if c.size_mb == 0 else "reported")
        )
        rows.append(
            [
                c.kind,
                "-" if c.size_mb == 0 else f"{c.size_mb:.2f} MB",
                f"{c.max_difference:.1e}",
                f"{c.top1_agreement:.0%}",
                "-" if c.accuracy is None else f"{c.accuracy:.0%}",
                f"{c.ms_per_image:.1f} ms",
                verdict,
            ]
        )
    return rows, headers
