"""Finding the image files of each class in a Fruits-360 style folder.

The loader (:mod:`course_utils.datasets`) and the dataset browser list files through
this module, so both see the same classes and the same files:

- a class is its folder of the same name, else a folder whose name differs only in
  case, else all its numbered variety folders together (``Banana 1`` + ``Banana 2``,
  as newer Fruits-360 versions name them);
- files are in natural order (``2_100.jpg`` before ``10_100.jpg``);
- hidden files, non-images, folders inside a class folder, broken symbolic links and
  files outside any class folder are set aside as :class:`SkippedFile` with a reason.

Nothing here opens an image (that is :mod:`course_utils.image_reader`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_utils.image_reader import IMAGE_SUFFIXES


def visible_entries(folder: Path) -> list[Path]:
    """The entries of ``folder`` that are not hidden, sorted (``[]`` if it vanished)."""
    try:
        return sorted(p for p in folder.iterdir() if not _is_hidden(p))
    except OSError:
        return []


@dataclass(frozen=True)
class SkippedFile:
    """A file the loader could not use, and why."""

    path: Path
    reason: str


def _is_hidden(path: Path) -> bool:
    return path.name.startswith(".")


def _variety_of(folder_name: str) -> str | None:
    """``"banana"`` for a numbered variety folder such as ``Banana 2``, else None."""
    head, _, tail = folder_name.rpartition(" ")
    return head.lower() if head and tail.isdigit() else None


def class_folders(split_dir: Path, class_name: str) -> list[Path]:
    """Find the folders of a class: its exact name, else another case, else every variety.

    Newer Fruits-360 versions number the varieties of a fruit (``Banana 1``,
    ``Banana 3``): without a folder named like the class, all of them together are the
    class (in natural order), and the loader says so in its summary.
    """
    exact = split_dir / class_name
    if exact.is_dir():
        return [exact]
    folders = sorted((p for p in visible_entries(split_dir) if p.is_dir()), key=_natural_key)
    lowered = class_name.lower()
    same = [folder for folder in folders if folder.name.lower() == lowered]
    if same:
        return same[:1]
    return [folder for folder in folders if _variety_of(folder.name) == lowered]


def _select(files: list[Path], limit: int | None, rng: np.random.Generator) -> list[Path]:
    if limit is None or len(files) <= limit:
        return files
    keep = np.sort(rng.choice(len(files), size=limit, replace=False))
    return [files[i] for i in keep]


def natural_key(name: str) -> list:
    """Sort key that puts ``2_100.jpg`` before ``10_100.jpg``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _natural_key(path: Path) -> list:
    return natural_key(path.name)


def _scan_class_folder(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Split a class folder into image files (natural order) and files to skip, with reasons."""
    images, skipped = [], []
    try:
        entries = sorted(folder.iterdir(), key=_natural_key)
    except OSError as error:
        return [], [SkippedFile(folder, f"class folder cannot be read ({error.strerror})")]
    for path in entries:
        if path.is_symlink() and not path.exists():
            skipped.append(SkippedFile(path, "missing (a broken symbolic link)"))
        elif path.is_dir():
            skipped.append(SkippedFile(path, "a folder inside a class folder"))
        elif _is_hidden(path):
            skipped.append(SkippedFile(path, "hidden file"))
        elif path.suffix.lower() not in IMAGE_SUFFIXES:
            skipped.append(SkippedFile(path, f"not an image file ({path.suffix or 'no suffix'})"))
        else:
            images.append(path)
    return images, skipped


def _scan_class(folders: Sequence[Path]) -> tuple[list[Path], list[SkippedFile]]:
    images, skipped = [], []
    for folder in folders:
        found, bad = _scan_class_folder(folder)
        images += found
        skipped += bad
    return images, skipped


def list_class_images(root: Path | str, split: str, class_name: str) -> list[Path]:
    """Return the image files of one class in one split, in natural order (``[]`` if none).

    The class folder is found as the loader finds it (exact name, another case, or the
    numbered varieties such as ``Banana 1`` and ``Banana 2`` together); hidden files and
    non-images are left out.

    Examples
    --------
    >>> list_class_images("no-such-folder", "Test", "Peach")
    []
    """
    split_dir = Path(root) / split
    if not split_dir.is_dir():
        return []
    return _scan_class(class_folders(split_dir, class_name))[0]


@dataclass
class SplitFiles:
    files: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    missing_classes: list[str] = field(default_factory=list)
    empty_classes: list[str] = field(default_factory=list)
    merged: dict[str, list[str]] = field(default_factory=dict)


def list_split(split_dir: Path, classes: Sequence[str], limit: int | None, seed: int) -> SplitFiles:
    found = SplitFiles()
    rng = np.random.default_rng(seed)
    for path in visible_entries(split_dir):
        if path.is_file():
            found.skipped.append(SkippedFile(path, "a file outside any class folder"))
    for label, class_name in enumerate(classes):
        folders = class_folders(split_dir, class_name)
        if not folders:
            found.missing_classes.append(class_name)
            continue
        if len(folders) > 1:
            found.merged[class_name] = [folder.name for folder in folders]
        images, skipped = _scan_class(folders)
        found.skipped += skipped
        if not images:
            found.empty_classes.append(class_name)
        images = _select(images, limit, rng)
        found.files += images
        found.labels += [label] * len(images)
    return found


def resolve_classes(training: Path, classes: Sequence[str] | str) -> list[str]:
    if classes == "all":
        return [p.name for p in visible_entries(training) if p.is_dir()]
    if isinstance(classes, str):
        raise ValueError('classes must be a list of class names or "all".')
    return list(classes)


def unused_folders(training: Path, class_names: Sequence[str]) -> list[str]:
    used = {folder for name in class_names for folder in class_folders(training, name)}
    return [p.name for p in visible_entries(training) if p.is_dir() and p not in used]
