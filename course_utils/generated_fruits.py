"""The generated fruits dataset on disk: write it atomically, stamp it, check it, repair it.

:mod:`course_utils.synthetic` draws one fruit picture; this module writes thousands of
them in the Fruits-360 layout (in parallel, byte-identical for the same settings)::

    generated-fruits/
        generator.json                  how the folder was made (version and settings)
        Training/Apricot/0_100.jpg      100x100 RGB JPEG, one fruit on white
        ...
        Test/Strawberry/49_100.jpg

The folder is built in a staging folder beside the target and renamed into place only
when complete (:func:`course_utils.fileio.atomic_folder`), so an interrupted, killed or
failed run (full disk, read-only folder) never leaves half a dataset where the lessons
look; what a killed run left behind is removed by the next run. The stamp is not
trusted alone: :func:`ensure_generated_fruits` also checks that every expected picture
is there (a cheap listing of 32 folders) and draws the dataset again when one is missing.
"""

from __future__ import annotations

import inspect
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

from course_utils import WORKSHOP_CLASSES, fileio, paths
from course_utils.synthetic import (
    DEFAULT_DIFFICULTY,
    GENERATOR_VERSION,
    IMAGE_SIZE,
    Difficulty,
    render_fruit,
)

FOLDER_NAME = paths.GENERATED_FRUITS_FOLDER
"""Name of the generated dataset folder inside the data folder."""

STAMP_NAME = "generator.json"
"""The file inside the dataset folder that records how it was generated."""

SPLITS = paths.SPLITS
"""The two split folders, named as in Fruits-360."""

JPEG_QUALITY = 95
_MAX_WORKERS = 8  # more processes than this only add start-up cost for 4,000 images
_LEGACY_BUILDING = ".building-"  # staging folders of versions before fileio
_LEGACY_AGE_SECONDS = 600  # ... removed once this old (no live run of an old version)

WRITE_HINT = (
    f"Set {paths.DATA_ENV} to a folder you can write to (for example "
    "export COURSE_DATA_DIR=~/course-data), or free some space, then run "
    "`python -m course_utils generate-fruits` again."
)


def _image_rng(seed: int, split: int, label: int, index: int) -> np.random.Generator:
    """Return the random generator of one picture; it depends on nothing else."""
    return np.random.default_rng(np.random.SeedSequence([seed, split, label, index]))


def _file_name(index: int) -> str:
    return f"{index}_100.jpg"


def _save_jpeg(picture: np.ndarray, path: Path) -> None:
    """Write ``picture`` as a baseline JPEG with fixed settings (same pixels, same bytes)."""
    Image.fromarray(picture, mode="RGB").save(
        path,
        format="JPEG",
        quality=JPEG_QUALITY,
        subsampling="4:2:0",
        optimize=False,
        progressive=False,
    )


def _draw_and_save(job: tuple) -> None:
    """Draw and save one picture (runs in a worker process)."""
    folder, seed, split, label, index, knobs = job
    rng = _image_rng(seed, split, label, index)
    picture = render_fruit(WORKSHOP_CLASSES[label], rng, Difficulty(**knobs))
    target = Path(folder) / SPLITS[split] / WORKSHOP_CLASSES[label] / _file_name(index)
    _save_jpeg(picture, target)


def _settings(train_per_class: int, test_per_class: int, seed: int, difficulty: Difficulty) -> dict:
    """Return the settings that decide the generated files (what the stamp records)."""
    return {
        "train_per_class": train_per_class,
        "test_per_class": test_per_class,
        "seed": seed,
        "image_size": IMAGE_SIZE,
        "difficulty": difficulty.as_dict(),
    }


def _stamp(settings: dict) -> dict:
    """Return the content of ``generator.json`` for ``settings``."""
    return {
        "generator": "course_utils.synthetic",
        "version": GENERATOR_VERSION,
        "settings": settings,
        "classes": list(WORKSHOP_CLASSES),
        "layout": "<split>/<class>/<index>_100.jpg, splits Training and Test",
    }


def _check_count(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int, or raise a ValueError that says what is expected."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}.")
    return int(value)


def _worker_count(workers: int | None, jobs: int) -> int:
    """Return how many processes to use: the CPU count by default, capped sensibly."""
    if workers is None:
        workers = min(os.cpu_count() or 1, _MAX_WORKERS)
    workers = _check_count("workers", workers, 1)
    return max(1, min(workers, jobs // 20 or 1))


def _run_jobs(jobs: list[tuple], workers: int, progress: bool) -> None:
    """Draw all pictures, in this process or in a pool, with an optional progress bar."""
    from tqdm.auto import tqdm

    with tqdm(total=len(jobs), desc="Drawing fruits", unit="img", disable=not progress) as bar:
        if workers == 1:
            for job in jobs:
                _draw_and_save(job)
                bar.update(1)
            return
        # Forked children of a Jupyter kernel inherit its messaging sockets and threads
        # (and TensorFlow's, once imported), which can hang the kernel: start fresh
        # interpreters there. Plain scripts keep the platform's faster default.
        risky = {"ipykernel", "tensorflow"} & set(sys.modules)
        method = "spawn" if risky else None
        context = multiprocessing.get_context(method)
        with context.Pool(workers) as pool:
            for _ in pool.imap_unordered(_draw_and_save, jobs, chunksize=16):
                bar.update(1)


def _plan(folder: Path, settings: dict) -> list[tuple]:
    """Create the class folders and return one job per picture."""
    counts = (settings["train_per_class"], settings["test_per_class"])
    knobs = settings["difficulty"]
    jobs = []
    for split, count in enumerate(counts):
        for label, name in enumerate(WORKSHOP_CLASSES):
            (folder / SPLITS[split] / name).mkdir(parents=True)
            jobs += [(str(folder), settings["seed"], split, label, i, knobs) for i in range(count)]
    return jobs


def _remove_legacy_leftovers(target: Path) -> list[Path]:
    """Remove ``.<name>.building-*`` folders that killed runs of older versions left."""
    removed = []
    prefix = f".{target.name}{_LEGACY_BUILDING}"
    try:
        entries = [p for p in target.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            old = now - entry.stat().st_mtime > _LEGACY_AGE_SECONDS
        except OSError:
            continue
        if old and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def generate_fruits(
    target: str | os.PathLike,
    *,
    train_per_class: int = 200,
    test_per_class: int = 50,
    seed: int = 0,
    difficulty: Difficulty | Mapping[str, float] = DEFAULT_DIFFICULTY,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Write a generated fruits dataset with the Fruits-360 layout to ``target``.

    The folder is built next to ``target`` under a temporary name and renamed into place
    only when complete, so an interrupted run never leaves a half dataset behind; an
    existing ``target`` is replaced. ``generator.json`` records the version and settings.
    Folders and files get the permissions of the umask (a shared data folder stays
    readable for others).

    Parameters
    ----------
    target : path
        The dataset folder to create, e.g. ``data/generated-fruits``.
    train_per_class, test_per_class : int
        Pictures per class in ``Training/`` and ``Test/`` (Test keeps Peach, unlike
        the real Fruits-360 sample).
    seed : int
        Base seed; the same seed and settings give byte-identical files.
    difficulty : Difficulty or dict
        The difficulty knobs (see :class:`course_utils.synthetic.Difficulty`).
    workers : int, optional
        Worker processes; default: the number of CPUs (at most 8). It does not change
        the pictures.
    progress : bool
        Show a progress bar.

    Returns
    -------
    pathlib.Path
        The dataset folder.

    Raises
    ------
    ValueError
        For a negative count, a bad seed or worker count, or a knob outside 0-1.
    course_utils.fileio.WriteError
        (an ``OSError``) when the disk is full or the folder is read-only; the message
        says what to do, and ``target`` is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> folder = generate_fruits(tempfile.mkdtemp() + "/fruits", train_per_class=1,
    ...                          test_per_class=1, workers=1, progress=False)
    >>> sorted(path.name for path in folder.iterdir())
    ['Test', 'Training', 'generator.json']
    """
    settings = _settings(
        _check_count("train_per_class", train_per_class, 0),
        _check_count("test_per_class", test_per_class, 0),
        _check_count("seed", seed, 0),
        Difficulty.from_value(difficulty),
    )
    target = Path(target).expanduser().resolve()
    fileio.ensure_folder(target.parent, hint=WRITE_HINT)
    _remove_legacy_leftovers(target)
    stamp = json.dumps(_stamp(settings), indent=2, sort_keys=True) + "\n"
    with fileio.atomic_folder(target, hint=WRITE_HINT) as building:
        jobs = _plan(building, settings)
        _run_jobs(jobs, _worker_count(workers, len(jobs)), progress)
        fileio.atomic_write_text(building / STAMP_NAME, stamp, hint=WRITE_HINT)
    return target


def read_stamp(folder: str | os.PathLike) -> dict | None:
    """Return the content of ``generator.json`` in ``folder``, or None if missing or broken."""
    path = Path(folder) / STAMP_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def missing_pictures(folder: str | os.PathLike, settings: Mapping) -> str | None:
    """Say what is missing from a generated dataset, or return None when it is complete.

    Cheap: it lists the 32 class folders and compares the file names (and that no file
    is empty) with what ``settings`` (the stamp's ``settings``) promise; it opens no image.

    Examples
    --------
    >>> missing_pictures("no-such-folder", {"train_per_class": 1, "test_per_class": 1})
    'Training/Apricot/ is missing'
    """
    folder = Path(folder)
    counts = (settings["train_per_class"], settings["test_per_class"])
    for split, count in zip(SPLITS, counts, strict=True):
        for name in WORKSHOP_CLASSES:
            class_dir = folder / split / name
            try:
                with os.scandir(class_dir) as entries:
                    present = {entry.name for entry in entries if entry.stat().st_size > 0}
            except OSError:
                return f"{split}/{name}/ is missing"
            expected = {_file_name(index) for index in range(count)}
            if not expected <= present:
                lost = len(expected - present)
                return f"{split}/{name}/ lacks {lost} of its {count} pictures"
            if present - expected:
                return f"{split}/{name}/ holds {len(present - expected)} file(s) it should not"
    return None


def ensure_generated_fruits(data_dir: str | os.PathLike | None = None, **settings) -> Path:
    """Return ``<data_dir>/generated-fruits``, generating it when missing, damaged or out of date.

    The folder is (re)generated when it does not exist, when its ``generator.json``
    records another generator version or other settings than requested, or when a
    picture or a folder is missing (someone deleted part of it). Otherwise it is used
    as it is, which takes a few milliseconds.

    Parameters
    ----------
    data_dir : path, optional
        Where the dataset lives; default :func:`course_utils.paths.data_dir`.
    **settings
        Any keyword of :func:`generate_fruits`: ``train_per_class``, ``test_per_class``,
        ``seed``, ``difficulty`` (decide the pictures), ``workers``, ``progress``.

    Returns
    -------
    pathlib.Path
        The dataset folder, with ``Training/`` and ``Test/``.

    Raises
    ------
    ValueError
        For an unknown setting name or an invalid value.
    course_utils.fileio.WriteError
        When the dataset must be written but the disk is full or the folder read-only.
    """
    allowed = {"train_per_class", "test_per_class", "seed", "difficulty", "workers", "progress"}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown}; valid settings: {sorted(allowed)}.")
    wanted = _requested_settings(settings)
    base = paths.data_dir() if data_dir is None else Path(data_dir).expanduser().resolve()
    target = base / FOLDER_NAME
    stamp = read_stamp(target)
    if stamp is not None and stamp == _stamp(wanted):
        damage = missing_pictures(target, wanted)
        if damage is None:
            return target
        print(f"The generated fruits in {target} are incomplete ({damage}): drawing them again.")
    started = time.perf_counter()
    generate_fruits(target, **settings)
    total = (wanted["train_per_class"] + wanted["test_per_class"]) * len(WORKSHOP_CLASSES)
    seconds = time.perf_counter() - started
    print(f"Generated {total:,} fruit images in {seconds:.0f} s: {target}")
    return target


def _requested_settings(settings: Mapping) -> dict:
    """Return the file-deciding settings that :func:`generate_fruits` would use."""
    defaults = inspect.signature(generate_fruits).parameters
    names = ("train_per_class", "test_per_class", "seed", "difficulty")
    chosen = {name: settings.get(name, defaults[name].default) for name in names}
    return _settings(
        _check_count("train_per_class", chosen["train_per_class"], 0),
        _check_count("test_per_class", chosen["test_per_class"], 0),
        _check_count("seed", chosen["seed"], 0),
        Difficulty.from_value(chosen["difficulty"]),
    )
