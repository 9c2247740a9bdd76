"""Classify one photo with an exported model: top classes and a Grad-CAM overlay as PNG."""

from __future__ import annotations

import base64
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils import export
from course_utils.image_reader import read_image

SHOW_SIZE = 256
"""Side of the overlay picture the app returns."""


@dataclass
class Prediction:
    """What the app answers for one photo.

    Attributes
    ----------
    top : list of (class name, probability)
        The best classes, most likely first.
    overlay_png : bytes
        The photo with the Grad-CAM heatmap of the top class blended over it.
    note : str or None
        What the reader had to repair (e.g. ``"EXIF-rotated"``).
    """

    top: list[tuple[str, float]]
    overlay_png: bytes
    note: str | None

    def as_json(self) -> dict:
        """JSON-ready: ``top`` as ``[{"label", "probability"}]``, the overlay as a data URL."""
        encoded = base64.b64encode(self.overlay_png).decode("ascii")
        return {
            "top": [{"label": name, "probability": round(p, 6)} for name, p in self.top],
            "heatmap": f"data:image/png;base64,{encoded}",
            "note": self.note,
        }


class Classifier:
    """An exported model with its class names, ready to classify photos.

    Parameters
    ----------
    path : path
        The export folder (``model.keras`` and ``labels.json``), or the ``.keras`` file
        with ``labels.json`` beside it.
    top : int
        How many classes to return.

    Raises
    ------
    FileNotFoundError, ValueError
        When the model or its labels are missing or do not fit together.
    """

    def __init__(self, path: str | Path, *, top: int = 3):
        import keras

        path = Path(path)
        model_file = path / export.KERAS_FILE if path.is_dir() else path
        if not model_file.is_file():
            raise FileNotFoundError(
                f"No model at {model_file}: give the folder that export_model wrote (it holds "
                f"{export.KERAS_FILE} and {export.LABELS_FILE}), or the .keras file."
            )
        info = export.read_labels(model_file.parent)
        self.class_names = info["class_names"]
        self.image_size = info["image_size"]
        self.model = keras.models.load_model(model_file)
        outputs = self.model.output_shape[-1]
        if outputs != len(self.class_names):
            raise ValueError(
                f"{model_file} has {outputs} outputs but {export.LABELS_FILE} names "
                f"{len(self.class_names)} classes: export the model and its labels together."
            )
        self.top = min(int(top), len(self.class_names))
        from course_utils import explain

        height, width = self.image_size
        explain.split_model(self.model).check(np.zeros((1, height, width, 3), "float32"))
        self._lock = threading.Lock()  # one prediction at a time (TensorFlow state, memory)

    def _read(self, data: bytes) -> tuple[np.ndarray, np.ndarray, str | None]:
        """The photo at the model's size and at the display size (EXIF applied)."""
        descriptor, name = tempfile.mkstemp(suffix=".upload")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            pixels, note = read_image(name, self.image_size)
            shown, _ = read_image(name, (SHOW_SIZE, SHOW_SIZE))
        finally:
            Path(name).unlink()
        return pixels, shown, note

    def predict_bytes(self, data: bytes) -> Prediction:
        """Classify the photo in ``data`` (the bytes of a JPEG, PNG, ... file).

        Raises
        ------
        ValueError
            When the bytes are not an image the course's reader can use (the message says why).
        """
        import keras
        from PIL import Image

        from course_utils import explain, plotting

        if not data:
            raise ValueError("The upload is empty: choose a photo file.")
        pixels, shown, note = self._read(data)
        batch = pixels[None].astype("float32")
        with self._lock:
            probabilities = keras.ops.convert_to_numpy(self.model(batch, training=False))[0]
            best = int(np.argmax(probabilities))
            heatmap = explain.grad_cam(self.model, batch, class_index=best, check=False)[0]
        order = np.argsort(-probabilities, kind="stable")[: self.top]
        top = [(self.class_names[i], float(probabilities[i])) for i in order]
        overlay = plotting.overlay_heatmap(shown, heatmap)
        buffer = io.BytesIO()
        Image.fromarray(overlay).save(buffer, "PNG")
        return Prediction(top, buffer.getvalue(), note)
