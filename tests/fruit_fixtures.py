"""Small image fixtures written on the fly: valid JPEG trees in the Fruits-360 layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from course_utils import WORKSHOP_CLASSES


def fruit_image(colour, size=100, seed=0) -> Image.Image:
    """A simple test image: a coloured disc with noise on white."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size * 0.4) ** 2
    image = np.full((size, size, 3), 255, dtype=np.uint8)
    noise = rng.integers(-20, 20, size=(size, size, 3))
    image[disc] = np.clip(np.array(colour) + noise[disc], 0, 255)
    return Image.fromarray(image)


def make_fruits_tree(root: Path, classes=WORKSHOP_CLASSES, train=4, test=2, skip_test=()) -> Path:
    """Write a tiny Fruits-360 style tree of valid JPEGs; return ``root``."""
    rng = np.random.default_rng(0)
    for index, name in enumerate(classes):
        colour = rng.integers(0, 230, size=3)
        for split, count in (("Training", train), ("Test", test)):
            if split == "Test" and name in skip_test:
                continue
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                fruit_image(colour, seed=index * 100 + i).save(folder / f"{i}_100.jpg", quality=90)
    return root


# --------------------------------------------------------------------------- LIME


def red_patch_image(size: int = 40):
    """Grey image with a red square in the top-left quarter (a known answer for LIME)."""
    image = np.full((size, size, 3), 128, dtype="uint8")
    image[size // 10 : size * 2 // 5, size // 10 : size * 2 // 5] = (230, 20, 20)
    return image


def redness_classifier(images):
    """Class 1 = share of red pixels in the top-left quarter; class 0 = the rest."""
    images = np.asarray(images, dtype="float32")
    half = images.shape[1] // 2
    quarter = images[:, :half, :half]
    red = (quarter[..., 0] > 180) & (quarter[..., 1] < 80)
    score = np.clip(red.mean(axis=(1, 2)) * 4, 0, 1)
    return np.stack([1 - score, score], axis=1)


class LoopbackServer:
    """Serve byte strings at paths on 127.0.0.1, for download tests (``with ... as server``).

    ``/cut/<name>`` sends half of the file and closes the connection (an interrupted
    transfer); ``/slow/<name>`` sends 1 kB, then waits until the server stops (a transfer
    to kill). Any other path not in ``files`` answers 404.
    """

    def __init__(self, files: dict[str, bytes]):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files = files
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                mode = next((m for m in ("cut", "slow") if self.path.startswith(f"/{m}/")), None)
                name = self.path.removeprefix(f"/{mode}") if mode else self.path
                if name not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "cut":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif mode == "slow":
                    self.wfile.write(body[:1024])
                    self.wfile.flush()
                    outer.release.wait(20)
                else:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def run_course(*args: str):
    """``python -m course_utils ARGS`` in a subprocess: the completed process (text output)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "course_utils", *args], capture_output=True, text=True, check=False
    )
