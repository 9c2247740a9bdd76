"""A tiny exported classifier and a running app on 127.0.0.1, for the app tests."""

from __future__ import annotations

import io
import threading

import numpy as np
from PIL import Image

from course_utils import export

CLASSES = ["red", "green", "blue"]


def colour_photo(channel: int, size=(120, 90)) -> bytes:
    """A JPEG that is mostly one colour."""
    pixels = np.full((size[1], size[0], 3), 30, np.uint8)
    pixels[..., channel] = 220
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG")
    return buffer.getvalue()


def export_colour_model(folder):
    """Export a small CNN whose head is set by hand to name the dominant colour."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    conv = layers.Conv2D(3, 1, name="colour_conv")
    x = layers.GlobalAveragePooling2D()(conv(x))
    dense = layers.Dense(3, activation="softmax")
    model = keras.Model(inputs, dense(x))
    conv.set_weights([np.eye(3, dtype="float32").reshape(1, 1, 3, 3), np.zeros(3, "float32")])
    dense.set_weights([10 * np.eye(3, dtype="float32"), np.zeros(3, "float32")])
    export.export_model(model, folder, class_names=CLASSES, image_size=(32, 32))
    return folder


def start_app(folder):
    """Start the app on a free port in a thread; return (server, base URL)."""
    from course_utils.app import make_server

    server = make_server(folder, port=0, log=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
