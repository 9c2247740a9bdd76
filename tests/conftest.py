"""Shared fixtures. Tests never touch the user's data folder or Keras cache.

Real data is read only through the overrides a user would set:
``COURSE_FRUITS_DIR`` (the Fruits-360 sample) and, for the hash listing of the full
subset, ``COURSE_FRUITS_SHA256``. ``.ci/run`` sets both when ``../shared/data`` exists;
tests that need them are skipped with a reason otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fruit_fixtures import make_fruits_tree

from course_utils import datasets


@pytest.fixture(autouse=True)
def _fresh_data_warnings():
    """Each test sees the loader's warnings anew (the loader shows each once per process)."""
    datasets._WARNED.clear()
    yield
    datasets._WARNED.clear()


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


@pytest.fixture
def fruits_tree(tmp_path) -> Path:
    """A tiny valid tree with all 16 classes; Test lacks Peach, like the real subset."""
    return make_fruits_tree(tmp_path / "fruits", skip_test=("Peach",))
