"""The on-disk cache of the hard sets: its folder, the stamp, reading, writing, clearing.

A cached file ``<data folder>/contexts/fruits-in-context-<key>.npz`` holds the pictures
and the stamp they were built with (code version, settings, seed, a SHA-256 of the plain
pixels, labels and class names, image size, each photo's hash and pool); ``key`` is a
hash of the stamp. A file is used only when its stored stamp equals the wanted one; a
damaged file is reported in one line and rebuilt. Files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from course_utils import fileio, paths
from course_utils.contexts.photos import background_photos
from course_utils.contexts.scenes import CONTEXTS_VERSION
from course_utils.contexts.settings import ContextSettings

CACHE_FOLDER = "contexts"
"""Name of the cache folder inside the course's data folder."""


def _fingerprint(data) -> str:
    """SHA-256 of what the hard sets are made from: the plain pixels, labels and classes."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(data.class_names)).encode())
    for array in (data.x_val, data.y_val, data.x_test, data.y_test):
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _stamp(data, settings: ContextSettings, difficulty: str, seed: int) -> dict:
    return {
        "version": CONTEXTS_VERSION,
        "difficulty": difficulty,
        "settings": settings.as_dict(),
        "seed": seed,
        "source_sha256": _fingerprint(data),
        "image_size": list(data.image_size),
        "photos": {photo.name: photo.sha256 for photo in background_photos()},
        "pools": {photo.name: photo.pool for photo in background_photos()},
    }


def cache_folder() -> Path:
    """Where the hard sets are cached: ``<data folder>/contexts``."""
    return paths.data_dir() / CACHE_FOLDER


def _cache_path(stamp: dict) -> Path:
    key = hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:20]
    return cache_folder() / f"fruits-in-context-{key}.npz"


def _read_cache(path: Path, stamp: dict) -> dict | None:
    """The cached arrays if ``path`` holds a complete set with exactly this stamp, else None."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            if json.loads(str(stored["stamp"])) != stamp:
                return None
            return {key: stored[key] for key in stored.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        print(f"The cached hard sets in {path} are damaged ({error}); building them again.")
        return None


def _write_cache(path: Path, stamp: dict, arrays: dict) -> None:
    hint = f"Set {paths.DATA_ENV} to a folder you can write to, or pass cache=False."
    with fileio.atomic_file(path, "wb", hint=hint) as handle:
        np.savez(handle, stamp=np.array(json.dumps(stamp)), **arrays)


def clear_cache() -> list[Path]:
    """Delete every cached hard set; return the files removed."""
    folder = paths.data_dir(create=False) / CACHE_FOLDER
    removed = sorted(folder.glob("fruits-in-context-*.npz")) if folder.is_dir() else []
    for path in removed:
        path.unlink()
    return removed
