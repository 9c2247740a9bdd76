"""Finding and loading the fruits: real Fruits-360 photos when present, generated otherwise.

Every lesson loads its data with two calls::

    source = datasets.locate_fruits()          # prints which data it uses
    data = datasets.load_fruits(source.root, image_size=(32, 32))

:func:`load_fruits` reads any folder in the Fruits-360 layout::

    <root>/Training/<Class>/*.jpg
    <root>/Test/<Class>/*.jpg

It decodes every image once with Pillow (repairing what can be repaired: grayscale,
transparent, palette, 16-bit and CMYK images become RGB on white, other sizes are
resized), skips what cannot be read with a warning that names each file, and
returns NumPy arrays plus ``tf.data`` pipelines. Class labels follow one fixed list,
so a split that lacks a class (the real Test split has no Peach) keeps every label
in place.
"""

from __future__ import annotations

import operator
import os
import warnings
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_utils import WORKSHOP_CLASSES, paths
from course_utils.fruit_folders import (
    SkippedFile,
    list_class_images,
    list_split,
    natural_key,
    resolve_classes,
    unused_folders,
    visible_entries,
)
from course_utils.image_reader import IMAGE_SUFFIXES, UnusableImage, read_image

SPLITS = paths.SPLITS
REAL_FOLDER = paths.REAL_FRUITS_FOLDER
VERIFIED_STAMP = ".verified.json"

__all__ = [
    "IMAGE_SUFFIXES",
    "SPLITS",
    "DataWarning",
    "FruitsData",
    "FruitsSource",
    "SkippedFile",
    "UnusableImage",
    "available_fruit_sources",
    "check_layout",
    "find_real_fruits",
    "list_class_images",
    "load_fruits",
    "locate_fruits",
    "read_image",
    "real_data_hint",
]

EXPECTED_LAYOUT = (
    "Expected the Fruits-360 layout:\n"
    "    <folder>/Training/<Class>/<image>.jpg\n"
    "    <folder>/Test/<Class>/<image>.jpg\n"
    "with one sub-folder per class (Apricot, Avocado, Banana, ...)."
)
GET_REAL_DATA_HINT = (
    "For the real photos run `python -m course_utils download-fruits` (needs internet), "
    "install an instructor bundle (`python -m course_utils bundle install FILE`), or set "
    "COURSE_FRUITS_DIR to a Fruits-360 folder you already have."
)
"""How to get the real photos when ``COURSE_FRUITS_DIR`` is not set (:func:`real_data_hint`)."""


def real_data_hint() -> str:
    """Say how to get the real photos; never advise setting ``COURSE_FRUITS_DIR`` when it is set.

    Examples
    --------
    >>> "download-fruits" in real_data_hint()
    True
    """
    value = os.environ.get(paths.FRUITS_ENV)
    if not value:
        return GET_REAL_DATA_HINT
    return (
        "For the real photos run `python -m course_utils download-fruits` (needs internet) or "
        "install an instructor bundle (`python -m course_utils bundle install FILE`); "
        f"{_override_note(value)}"
    )


def _override_note(value: str) -> str:
    return (
        f"{paths.FRUITS_ENV} is set and points to {paths.resolve_setting(value)}: point it at "
        "the folder that holds Training/ and Test/, or unset it to use the course's own data."
    )


def _what_to_do(root: Path) -> str:
    """Advice for a folder that is not in the Fruits-360 layout, aware of ``COURSE_FRUITS_DIR``."""
    value = os.environ.get(paths.FRUITS_ENV)
    if value:
        return _override_note(value)
    return (
        "Pass the folder that holds Training/ and Test/ (to use your own copy in every "
        f"lesson, set {paths.FRUITS_ENV} to it)."
    )


class DataWarning(UserWarning):
    """A problem with the data that the loader worked around (a skipped file, a missing class)."""


# Keras 3.15 warns that `shuffle=True` "will be ignored" on every `fit` with a tf.data
# dataset, because True is fit's default. The pipelines made here shuffle the training
# set themselves (a new order each epoch), so the warning is a false alarm that students
# would read as a mistake in the lesson: hide exactly that message, nothing else.
warnings.filterwarnings(
    "ignore", message=r"`shuffle=True` was passed, but will be ignored", category=UserWarning
)

# A lesson loads the same folder many times (once per size, per exercise); the same
# problem is worth one warning per process, not one per load.
_WARNED: set[str] = set()


def _warn_once(message: str, stacklevel: int = 2) -> None:
    """Emit a DataWarning, unless this process already showed the same message."""
    if message in _WARNED:
        return
    _WARNED.add(message)
    warnings.warn(message, DataWarning, stacklevel=stacklevel + 1)


# --------------------------------------------------------------------------- where


def batches(images, labels, *, batch_size: int, shuffle_seed: int | None = None):
    """Batched, prefetched ``tf.data.Dataset`` of ``(float32 images 0-255, int32 labels)``.

    The one way the course turns arrays into batches (the plain splits here, the hard sets
    of :mod:`course_utils.contexts`): cached after the first pass, shuffled every epoch with
    ``shuffle_seed`` when one is given, cast to float32 per batch.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, np.asarray(labels).astype(np.int32)))
    dataset = dataset.cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(images), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(
        lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


@dataclass(frozen=True)
class FruitsSource:
    """Which fruits data the course uses.

    Attributes
    ----------
    root : Path
        The folder holding ``Training/`` and ``Test/``.
    kind : str
        ``"real"`` (the verified Fruits-360 download or bundle), ``"custom"`` (a
        folder named by ``COURSE_FRUITS_DIR``) or ``"generated"``.
    """

    root: Path
    kind: str

    @property
    def is_real(self) -> bool:
        """True for real photos (downloaded or your own copy)."""
        return self.kind in ("real", "custom")

    @property
    def description(self) -> str:
        """One line that says which data this is."""
        if self.kind == "real":
            return f"real Fruits-360 photos (verified workshop subset) in {self.root}"
        if self.kind == "custom":
            return f"real Fruits-360 photos from {paths.FRUITS_ENV}={self.root}"
        return f"GENERATED fruits (drawn by course_utils.synthetic) in {self.root}"


def check_layout(root: Path | str) -> Path:
    """Check that ``root`` looks like Fruits-360 and return it.

    Raises
    ------
    FileNotFoundError
        When ``root`` or its ``Training/`` folder is missing, or either is a file.
    ValueError
        When ``Training/`` holds images directly instead of class folders.
    """
    root = Path(root)
    if not root.is_dir():
        what = "a file, not a folder" if root.exists() else "not a folder (it does not exist)"
        raise FileNotFoundError(f"{root} is {what}. {_what_to_do(root)}\n{EXPECTED_LAYOUT}")
    training = root / "Training"
    if training.exists() and not training.is_dir():
        raise FileNotFoundError(
            f"{training} is a file, not a folder: Training/ must be a folder with one "
            f"sub-folder of images per class. {_what_to_do(root)}\n{EXPECTED_LAYOUT}"
        )
    if not training.is_dir():
        nested = [p for p in root.glob("*/Training") if p.is_dir()]
        hint = f" Did you mean {nested[0].parent}?" if nested else ""
        present = [p.name for p in visible_entries(root)][:8]
        raise FileNotFoundError(
            f"No Training/ folder in {root} (it holds: {', '.join(present) or 'nothing'}).{hint} "
            f"{_what_to_do(root)}\n{EXPECTED_LAYOUT}"
        )
    entries = visible_entries(training)
    loose = [p.name for p in entries if p.is_file()]
    if loose and not any(p.is_dir() for p in entries):
        raise ValueError(
            f"{training} holds {len(loose)} files (e.g. {loose[0]}) but no class folders. "
            f"Put each class in its own folder, e.g. Training/Banana/.\n{EXPECTED_LAYOUT}"
        )
    return root


def find_real_fruits() -> FruitsSource | None:
    """Return the real photos if present: ``COURSE_FRUITS_DIR``, then the verified download.

    The download in the data folder is trusted only when
    :func:`course_utils.fruits360.is_verified` says its stamp still describes its
    files: a stamp alone (copied, hand-written, or left after files were added or
    removed) is not enough.
    """
    from course_utils import fruits360  # fruits360 imports this module

    override = paths.fruits_override()
    if override is not None:
        return FruitsSource(check_layout(override), "custom")
    real = paths.real_fruits_dir()
    if fruits360.is_verified(real):
        return FruitsSource(real, "real")
    return None


def locate_fruits(verbose: bool = True) -> FruitsSource:
    """Return the fruits the lessons should use, generating them when no real photos exist.

    Prints one line saying which data is used and, for generated data, how to get
    the real photos.
    """
    source = find_real_fruits()
    if source is None:
        from course_utils import generated_fruits

        source = FruitsSource(generated_fruits.ensure_generated_fruits(), "generated")
    if verbose:
        print(f"Using {source.description}.")
        if source.is_real:
            print(
                "Fruits-360 by Horea Muresan and Mihai Oltean (MIT licence): "
                "https://github.com/Horea94/Fruit-Images-Dataset"
            )
        else:
            print(real_data_hint())
    return source


# --------------------------------------------------------------------------- list


def available_fruit_sources() -> dict[str, Path]:
    """Return the fruits folders on this computer, without downloading or generating anything.

    Returns
    -------
    dict
        ``{"real": folder, "generated": folder}`` with only the sources that exist:
        the real photos (see :func:`find_real_fruits`) and the generated fruits in the
        data folder (made by :func:`locate_fruits` when no real photos exist).
    """
    found = {}
    real = find_real_fruits()
    if real is not None:
        found["real"] = real.root
    generated = paths.generated_fruits_dir()
    if (generated / "Training").is_dir():
        found["generated"] = generated
    return found


def _decode_all(
    files: Sequence[Path], image_size: tuple[int, int], workers: int | None
) -> tuple[np.ndarray, list[int], list[SkippedFile], Counter]:
    """Decode files in parallel; return the images, kept indices, skipped files and conversions."""

    def work(path: Path):
        try:
            return read_image(path, image_size)
        except UnusableImage as error:
            return error

    workers = workers or min(8, (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(work, files, chunksize=64))
    images, kept, skipped, converted = [], [], [], Counter()
    for index, (path, result) in enumerate(zip(files, results, strict=True)):
        if isinstance(result, UnusableImage):
            skipped.append(SkippedFile(path, str(result)))
            continue
        array, note = result
        if note:
            converted[note] += 1
        images.append(array)
        kept.append(index)
    shape = (0, *image_size, 3)
    stacked = np.stack(images) if images else np.zeros(shape, dtype=np.uint8)
    return stacked, kept, skipped, converted


def _warn_skipped(skipped: Sequence[SkippedFile], root: Path) -> None:
    if not skipped:
        return
    by_reason = Counter(item.reason.split(" (")[0] for item in skipped)
    summary = ", ".join(f"{count} {reason}" for reason, count in by_reason.most_common())

    def shown(path: Path) -> Path:
        return path.relative_to(root) if path.is_relative_to(root) else path

    listing = "\n".join(f"  {shown(item.path)}: {item.reason}" for item in skipped)
    _warn_once(
        f"Skipped {len(skipped)} file(s) in {root} that are not usable images ({summary}):\n"
        f"{listing}\nDelete or replace them to silence this warning.",
        stacklevel=3,
    )


# --------------------------------------------------------------------------- load


@dataclass
class FruitsData:
    """Fruits loaded for a lesson: NumPy arrays, ``tf.data`` pipelines and class names.

    Images are ``uint8`` arrays of shape ``(n, height, width, 3)`` with values 0-255;
    the pipelines yield ``float32`` batches with the same 0-255 values (as
    ``keras.utils.image_dataset_from_directory`` does) and integer labels.
    ``test`` is ``None`` when the folder has no ``Test/`` split.
    """

    class_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    root: Path
    image_size: tuple[int, int]
    batch_size: int
    seed: int
    skipped: list[SkippedFile] = field(default_factory=list)
    converted: dict[str, int] = field(default_factory=dict)
    classes_missing_from_test: list[str] = field(default_factory=list)
    unused_class_folders: list[str] = field(default_factory=list)
    merged_class_folders: dict[str, list[str]] = field(default_factory=dict)

    def pipeline(self, split: str, shuffle: bool | None = None, batch_size: int | None = None):
        """Return a batched, prefetched ``tf.data.Dataset`` of ``(images, labels)`` for a split.

        Parameters
        ----------
        split : {"train", "validation", "test"}
        shuffle : bool, optional
            Shuffle every epoch; default True for ``"train"`` only.
        batch_size : int, optional
            Default: the batch size given to :func:`load_fruits`.
        """
        arrays = {
            "train": (self.x_train, self.y_train),
            "validation": (self.x_val, self.y_val),
            "test": (self.x_test, self.y_test),
        }
        if split not in arrays:
            raise ValueError(f"split must be one of {sorted(arrays)}, not {split!r}.")
        images, labels = arrays[split]
        if images is None:
            raise FileNotFoundError(
                f"This data has no {split} split (no Test/ folder in {self.root})."
            )
        shuffle = (split == "train") if shuffle is None else shuffle
        return batches(
            images,
            labels,
            batch_size=batch_size or self.batch_size,
            shuffle_seed=self.seed if shuffle else None,
        )

    @property
    def train(self):
        """Shuffled training batches (``tf.data.Dataset``)."""
        return self.pipeline("train")

    @property
    def validation(self):
        """Validation batches (``tf.data.Dataset``), split from ``Training/`` with the seed."""
        return self.pipeline("validation")

    @property
    def test(self):
        """Test batches (``tf.data.Dataset``), or ``None`` without a ``Test/`` folder."""
        return None if self.x_test is None else self.pipeline("test")

    def summary(self) -> str:
        """A few lines: sizes of each split, conversions and skipped files."""
        test = "no Test split" if self.x_test is None else f"{len(self.x_test)} test"
        lines = [
            f"{len(self.class_names)} classes, {len(self.x_train)} training, "
            f"{len(self.x_val)} validation, {test} images at "
            f"{self.image_size[0]}x{self.image_size[1]} pixels"
        ]
        if self.converted:
            done = ", ".join(f"{n} {what}" for what, n in sorted(self.converted.items()))
            lines.append(f"converted to RGB {self.image_size[0]}x{self.image_size[1]}: {done}")
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} unusable file(s) (listed in data.skipped)")
        for name, folders in self.merged_class_folders.items():
            lines.append(
                f"{name}: the variety folders {' + '.join(folders)} together (pass "
                "classes=[...] with folder names to keep them apart)"
            )
        if self.unused_class_folders:
            lines.append(
                f"not used: {len(self.unused_class_folders)} other class folder(s) in Training/ "
                f"(e.g. {', '.join(self.unused_class_folders[:3])})"
            )
        if self.classes_missing_from_test:
            lines.append(f"Test has no images of: {', '.join(self.classes_missing_from_test)}")
        return "\n".join(lines)


def _split_validation(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: the same fraction of every class goes to validation."""
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        members = rng.permutation(members)
        n_val = round(len(members) * fraction)
        if fraction > 0 and len(members) > 1:
            n_val = max(n_val, 1)
        val_idx.append(members[:n_val])
        train_idx.append(members[n_val:])
    return np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(val_idx))


def _image_size(value) -> tuple[int, int]:
    """Check ``image_size``: a pair of whole numbers (height, width); say how to fix it."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        raise ValueError(
            f"image_size must be a pair (height, width), not the single number {value}: "
            f"pass image_size=({value}, {value}) for {value}x{value} pixels."
        )
    try:
        height, width = value
        sides = (operator.index(height), operator.index(width))
    except (TypeError, ValueError):
        raise ValueError(
            f"image_size must be a pair of whole numbers (height, width), such as (32, 32), "
            f"not {value!r}."
        ) from None
    return sides


def load_fruits(
    root: Path | str | None = None,
    *,
    image_size: tuple[int, int] = (32, 32),
    batch_size: int = 32,
    validation_fraction: float = 0.2,
    seed: int = 42,
    classes: Sequence[str] | str = WORKSHOP_CLASSES,
    max_per_class: int | None = None,
    verbose: bool = True,
    workers: int | None = None,
) -> FruitsData:
    """Load a Fruits-360 style folder as arrays and ``tf.data`` pipelines.

    Parameters
    ----------
    root : path, optional
        Folder holding ``Training/`` and ``Test/``. Default: :func:`locate_fruits`.
    image_size : (height, width)
        Every image is resized to this size.
    batch_size : int
        Batch size of the pipelines.
    validation_fraction : float
        Share of each class of ``Training/`` held out for validation (0 to 0.9).
    seed : int
        Seeds the validation split, the subsampling and the shuffling.
    classes : list of str or "all"
        Class names in label order. Default: the 16 workshop classes, so a full
        Fruits-360 download works too. ``"all"`` takes every folder in ``Training/``.
    max_per_class : int, optional
        Keep at most this many images per class and split (quick mode).
    verbose : bool
        Print the summary.
    workers : int, optional
        Threads used to decode images.

    Returns
    -------
    FruitsData

    Raises
    ------
    FileNotFoundError, ValueError
        For a wrong layout, or classes missing from ``Training/``, with what to do.

    Examples
    --------
    >>> data = load_fruits(image_size=(32, 32))          # doctest: +SKIP
    >>> model.fit(data.train, validation_data=data.validation, epochs=5)  # doctest: +SKIP
    """
    if not 0 <= validation_fraction < 0.9:
        raise ValueError(f"validation_fraction must be in [0, 0.9), not {validation_fraction}.")
    height, width = _image_size(image_size)
    if min(height, width) < 1:
        raise ValueError(f"image_size must be positive, not {image_size}.")
    root = Path(root) if root is not None else locate_fruits(verbose=verbose).root
    check_layout(root)
    training = root / "Training"
    class_names = resolve_classes(training, classes)
    train_files = list_split(training, class_names, max_per_class, seed)
    if train_files.missing_classes:
        available = [p.name for p in visible_entries(training) if p.is_dir()]
        note = os.environ.get(paths.FRUITS_ENV)
        raise ValueError(
            f"Training/ in {root} has no folder for: {', '.join(train_files.missing_classes)}. "
            f"It has: {', '.join(available[:20]) or 'no class folders'}"
            f"{' ...' if len(available) > 20 else ''}. Pass classes=[...] with names that "
            "exist, or use a folder with every workshop class."
            + (f" ({_override_note(note)})" if note else "")
        )
    skipped = list(train_files.skipped)
    x_all, kept, bad, converted = _decode_all(train_files.files, (height, width), workers)
    skipped += bad
    if not kept:
        _warn_skipped(skipped, root)
        raise ValueError(
            f"Training/ in {root} has no usable images of any of the {len(class_names)} "
            f"classes ({len(skipped)} file(s) skipped, listed in the warning). Put images in "
            "Training/<Class>/ or point the loader at another folder."
        )
    y_all = np.asarray(train_files.labels, dtype=np.int32)[kept]
    train_idx, val_idx = _split_validation(y_all, validation_fraction, seed)
    merged = dict(train_files.merged)

    test_dir = root / "Test"
    x_test = y_test = None
    missing_test: list[str] = []
    if test_dir.is_dir():
        test_files = list_split(test_dir, class_names, max_per_class, seed + 1)
        skipped += test_files.skipped
        x_test, kept_test, bad_test, converted_test = _decode_all(
            test_files.files, (height, width), workers
        )
        skipped += bad_test
        converted += converted_test
        y_test = np.asarray(test_files.labels, dtype=np.int32)[kept_test]
        missing_test = sorted(set(class_names) - {class_names[i] for i in np.unique(y_test)})
        for name, folders in test_files.merged.items():
            merged[name] = sorted({*merged.get(name, []), *folders}, key=natural_key)
    else:
        what = " (Test is a file, not a folder)" if test_dir.exists() else ""
        _warn_once(
            f"{root} has no Test/ folder{what}: data.test is None, so evaluate on "
            "data.validation, or "
            f"add a Test/ folder with the same class folders as Training/.\n{EXPECTED_LAYOUT}"
        )
    empty_train = sorted(set(class_names) - {class_names[i] for i in np.unique(y_all)})
    if empty_train:
        _warn_once(
            f"Training/ in {root} has no usable images of: {', '.join(empty_train)}. Their "
            "labels are kept, but no model can learn them: add images to "
            f"Training/{empty_train[0]}/ (and the others), or leave these classes out with "
            "classes=[...]."
        )
    if missing_test and x_test is not None:
        _warn_once(
            f"Test/ has no images of {', '.join(missing_test)} (in {root}). Labels stay aligned "
            "with the class list (no shifting); test accuracy covers the other classes only."
        )
    _warn_skipped(skipped, root)
    data = FruitsData(
        class_names=class_names,
        x_train=x_all[train_idx],
        y_train=y_all[train_idx],
        x_val=x_all[val_idx],
        y_val=y_all[val_idx],
        x_test=x_test,
        y_test=y_test,
        root=root,
        image_size=(height, width),
        batch_size=batch_size,
        seed=seed,
        skipped=skipped,
        converted=dict(converted),
        classes_missing_from_test=missing_test,
        unused_class_folders=unused_folders(training, class_names),
        merged_class_folders=merged,
    )
    if verbose:
        print(data.summary())
    return data
