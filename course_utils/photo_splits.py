"""Split a checked folder of photos into train, validation and test, and load the splits.

:func:`split_folder` is seeded and stratified (each class is split in the same
proportions) and keeps every group of near-duplicate photos (found by
:func:`~course_utils.folder_check.check_folder`) on one side, so the test never scores
a copy of a training photo. :func:`load_split` decodes the photos once, with
:func:`~course_utils.image_reader.read_image` (EXIF orientation applied, large JPEGs
decoded at a reduced scale), into the same :class:`~course_utils.datasets.FruitsData`
the other lessons use (arrays and ``tf.data`` pipelines).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.folder_check import MIN_TO_SPLIT, FolderReport, check_folder
from course_utils.image_reader import UnusableImage, read_image

SPLIT_NAMES = ("train", "validation", "test")


@dataclass
class FolderSplit:
    """Which photo goes where.

    Attributes
    ----------
    root : Path
    class_names : list of str
        Label order.
    files : dict
        ``{"train": [...], "validation": [...], "test": [...]}``: lists of paths.
    labels : dict
        The same keys: integer labels aligned with ``files``.
    seed : int
    """

    root: Path
    class_names: list[str]
    files: dict[str, list[Path]]
    labels: dict[str, np.ndarray]
    seed: int

    def counts(self) -> dict[str, dict[str, int]]:
        """Photos per split and class."""
        return {
            split: {
                name: int(np.sum(self.labels[split] == i))
                for i, name in enumerate(self.class_names)
            }
            for split in SPLIT_NAMES
        }

    def split_of(self, path: Path) -> str:
        """The split a file was put in."""
        for split in SPLIT_NAMES:
            if Path(path) in self.files[split]:
                return split
        raise ValueError(f"{path} is in no split (unusable, or not in {self.root}).")

    def summary(self) -> str:
        """One line per split: how many photos of each class."""
        lines = []
        for split, per_class in self.counts().items():
            shown = ", ".join(f"{name} {n}" for name, n in per_class.items())
            lines.append(f"{split:>10}: {sum(per_class.values()):4d} photos ({shown})")
        return "\n".join(lines)


def _groups_of(report: FolderReport) -> list[list[int]]:
    """Indices of ``report.photos`` grouped: near-duplicates together, others alone."""
    index = {photo.path: i for i, photo in enumerate(report.photos)}
    grouped, groups = set(), []
    for group in report.duplicate_groups:
        members = [index[path] for path in group]
        groups.append(members)
        grouped.update(members)
    groups += [[i] for i in range(len(report.photos)) if i not in grouped]
    return groups


def split_folder(
    folder: str | Path | FolderReport,
    *,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> FolderSplit:
    """Seeded, stratified train/validation/test split that keeps near-duplicates together.

    Within each class, the groups (a near-duplicate group, or one photo alone) are
    shuffled with the seed and each goes to the split that is furthest below its share,
    so every split gets its fraction of each class (up to the size of the groups) and no
    group is cut. A group whose photos are filed under two classes goes with the class
    of its first photo (the check reports it as an error).

    Parameters
    ----------
    folder : path or FolderReport
        The folder, or its :func:`~course_utils.folder_check.check_folder` report.
    fractions : (train, validation, test)
        Shares of each class; they must add up to 1.
    seed : int

    Returns
    -------
    FolderSplit

    Raises
    ------
    ValueError
        When the fractions are wrong or a class has too few photos (or groups) to give
        each split at least one.
    """
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(
            f"fractions must be three positive shares adding up to 1, e.g. (0.7, 0.15, 0.15), "
            f"not {fractions}."
        )
    report = folder if isinstance(folder, FolderReport) else check_folder(folder, seed=seed)
    names = report.class_names
    groups = _groups_of(report)
    by_class: dict[int, list[list[int]]] = {i: [] for i in range(len(names))}
    for group in groups:
        by_class[names.index(report.photos[group[0]].class_name)].append(group)
    rng = np.random.default_rng(seed)
    chosen: dict[str, list[int]] = {split: [] for split in SPLIT_NAMES}
    too_small = []
    for label, class_groups in by_class.items():
        total = sum(len(g) for g in class_groups)
        if len(class_groups) < 3 or total < MIN_TO_SPLIT:
            too_small.append(f"{names[label]} ({total} photos, {len(class_groups)} distinct)")
            continue
        order = rng.permutation(len(class_groups))
        shuffled = sorted((class_groups[i] for i in order), key=len, reverse=True)
        filled = np.zeros(3)
        targets = np.asarray(fractions) * total
        for position, group in enumerate(shuffled):
            empty = np.flatnonzero(filled == 0)
            left = len(shuffled) - position
            if len(empty) and left <= len(empty):
                split = int(empty[0])  # the last groups make sure no split stays empty
            else:
                split = int(np.argmax(targets - filled))
            filled[split] += len(group)
            chosen[SPLIT_NAMES[split]].extend(group)
    if too_small:
        raise ValueError(
            f"These classes cannot be split into train, validation and test: "
            f"{', '.join(too_small)}. Each needs at least {MIN_TO_SPLIT} photos that are not "
            "near-copies of each other: add photos, or remove the class folder."
        )
    files, labels = {}, {}
    for split, members in chosen.items():
        members = sorted(members, key=lambda i: str(report.photos[i].path))
        files[split] = [report.photos[i].path for i in members]
        labels[split] = np.array(
            [names.index(report.photos[i].class_name) for i in members], dtype=np.int32
        )
    return FolderSplit(report.root, list(names), files, labels, seed)


def _read_all(files: list[Path], image_size: tuple[int, int]) -> tuple[np.ndarray, list[int]]:
    def work(path: Path):
        try:
            return read_image(path, image_size)[0]
        except UnusableImage:
            return None

    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) + 2)) as pool:
        arrays = list(pool.map(work, files))
    kept = [i for i, array in enumerate(arrays) if array is not None]
    if not kept:
        return np.zeros((0, *image_size, 3), np.uint8), kept
    return np.stack([arrays[i] for i in kept]), kept


def load_split(split: FolderSplit, *, image_size: tuple[int, int] = (96, 96), batch_size: int = 32):
    """Decode the photos of a split into arrays and pipelines at ``image_size`` (height, width).

    Every photo is read with :func:`~course_utils.image_reader.read_image`: EXIF
    orientation applied, grayscale/transparent/16-bit converted to RGB, large JPEGs
    decoded at a reduced scale, then resized (the aspect ratio is not kept: a 4:3 photo
    is squeezed into the square, as ``image_dataset_from_directory`` does). A file that
    became unreadable since the check is left out.

    Returns
    -------
    course_utils.datasets.FruitsData
        ``x_train``/``x_val``/``x_test`` uint8 arrays, labels, ``.train``,
        ``.validation`` and ``.test`` pipelines, ``class_names``.
    """
    from course_utils.datasets import FruitsData

    arrays, labels = {}, {}
    for name in SPLIT_NAMES:
        images, kept = _read_all(split.files[name], tuple(image_size))
        arrays[name], labels[name] = images, split.labels[name][kept]
    return FruitsData(
        class_names=list(split.class_names),
        x_train=arrays["train"],
        y_train=labels["train"],
        x_val=arrays["validation"],
        y_val=labels["validation"],
        x_test=arrays["test"],
        y_test=labels["test"],
        root=split.root,
        image_size=tuple(image_size),
        batch_size=batch_size,
        seed=split.seed,
    )
