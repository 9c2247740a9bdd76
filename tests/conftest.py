"""Shared fixtures. Tests never touch the user's data folder or Keras cache.

Real data is read only through the overrides a user would set:
``COURSE_FRUITS_DIR`` (the Fruits-360 sample) and, for the hash listing of the full
subset, ``COURSE_FRUITS_SHA256``. ``.ci/run`` sets both when ``../shared/data`` exists;
tests that need them are skipped with a reason otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_utils import WORKSHOP_CLASSES


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Point the data folder and the Keras cache at empty temporary folders."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("COURSE_FRUITS_DIR", raising=False)
    return tmp_path


@pytest.fixture
def real_sample() -> Path:
    """The real Fruits-360 sample, through the user's override (skipped when absent)."""
    value = os.environ.get("COURSE_FRUITS_DIR")
    if not value or not (Path(value) / "Training").is_dir():
        pytest.skip("COURSE_FRUITS_DIR does not point at a Fruits-360 sample (.ci/run sets it)")
    return Path(value)


@pytest.fixture
def sha256_listing() -> Path:
    """The SHA-256 listing of the full real subset (skipped when absent)."""
    value = os.environ.get("COURSE_FRUITS_SHA256")
    if not value or not Path(value).is_file():
        pytest.skip("COURSE_FRUITS_SHA256 is not set to the subset's listing (.ci/run sets it)")
    return Path(value)


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


@pytest.fixture
def fruits_tree(tmp_path) -> Path:
    """A tiny valid tree with all 16 classes; Test lacks Peach, like the real subset."""
    return make_fruits_tree(tmp_path / "fruits", skip_test=("Peach",))
