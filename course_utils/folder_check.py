"""Check a folder of your own photos before training on it, and say what to fix.

The folder holds one sub-folder per class (``<root>/<class>/*.jpg``). :func:`check_folder`
opens every file once and returns a :class:`FolderReport`: one row per problem, with the
files named and what to do, shown as a table (HTML in JupyterLab, aligned text elsewhere)
and, with :meth:`FolderReport.show_offenders`, as a picture grid of the files concerned.

What it looks for (severity ``error``: fix it before training; ``warning``: it will hurt
the results or their honesty; ``note``: handled for you, but you should know):

- fewer than two classes, files outside class folders, sub-folders inside a class;
- hidden and system files (``.DS_Store``, ``Thumbs.db``), files that are not images,
  unreadable or damaged images;
- photos stored sideways with an EXIF orientation (the loader turns them upright),
  grayscale and transparent images (converted to RGB, transparent parts become white);
- classes with too few photos, against rules of thumb (:data:`MIN_TO_SPLIT`,
  :data:`NOISY_BELOW`, :data:`SOLID_RESULT`), and class imbalance;
- near-duplicate photos by a perceptual hash (:mod:`course_utils.image_hash`): how many
  groups a plain random split would put on both sides of train/test, and the same photo
  filed under two classes;
- wildly different sizes and tiny images.

The numbers in the rules of thumb are experience, not laws: they are what transfer
learning from an ImageNet base typically needs for photos of everyday objects.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from course_utils import image_hash
from course_utils.image_reader import IMAGE_SUFFIXES, UnusableImage, read_image

MIN_TO_SPLIT = 5
"""Fewer photos than this in a class: it cannot be split into train, validation and test."""
NOISY_BELOW = 20
"""Fewer than this: validation and test hold a handful of photos, so accuracy jumps by
large steps (one photo of 4 is 25%)."""
SOLID_RESULT = 100
"""About this many photos per class give a solid transfer-learning result (rule of thumb)."""
IMBALANCE_RATIO = 1.5
"""Largest class / smallest class at or above this: a model can favour the large class."""
SIZE_SPREAD = 4.0
"""Longest shorter side / smallest shorter side at or above this: wildly different sizes."""
TINY_SIDE = 32
"""Images whose shorter side is below this many pixels are too small to show much."""
THUMBNAIL = 64
SYSTEM_FILES = {"thumbs.db", "desktop.ini", "icon\r"}
SEVERITIES = ("error", "warning", "note")

_ORIENTATION_TAG = 0x0112
_TURNS = {
    3: "upside down",
    6: "turned 90 degrees",
    8: "turned 90 degrees",
    5: "mirrored",
    7: "mirrored",
}


@dataclass
class Problem:
    """One kind of problem found in the folder.

    Attributes
    ----------
    kind : str
        A short name (``"near-duplicates"``, ``"unreadable"``, ...).
    severity : {"error", "warning", "note"}
    summary : str
        What was found, with numbers.
    files : list of Path
        The files (or folders) concerned.
    advice : str
        What to do about it.
    """

    kind: str
    severity: str
    summary: str
    files: list[Path]
    advice: str


@dataclass
class PhotoInfo:
    """What the check learned about one usable photo."""

    path: Path
    class_name: str
    width: int
    height: int
    mode: str
    orientation: int
    hash: int
    thumbnail: np.ndarray = field(repr=False)


@dataclass
class FolderReport:
    """The result of :func:`check_folder`: usable photos, problems, duplicate groups.

    Attributes
    ----------
    root : Path
    class_names : list of str
        The class folders, sorted (label order).
    photos : list of PhotoInfo
        Every usable photo (readable images inside class folders).
    problems : list of Problem
        Sorted by severity (errors first).
    duplicate_groups : list of list of Path
        Near-duplicate groups (two or more photos each).
    """

    root: Path
    class_names: list[str]
    photos: list[PhotoInfo]
    problems: list[Problem]
    duplicate_groups: list[list[Path]]
    unreadable: dict[Path, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Usable photos per class."""
        found = Counter(photo.class_name for photo in self.photos)
        return {name: found.get(name, 0) for name in self.class_names}

    @property
    def ok(self) -> bool:
        """True when nothing of severity ``error`` was found."""
        return not any(problem.severity == "error" for problem in self.problems)

    def kinds(self, severity: str | None = None) -> list[str]:
        """The kinds of problem found (optionally of one severity)."""
        return [p.kind for p in self.problems if severity in (None, p.severity)]

    def problem(self, kind: str) -> Problem | None:
        """The problem of this kind, or ``None``."""
        return next((p for p in self.problems if p.kind == kind), None)

    def summary(self) -> str:
        """One line: classes, photos per class, and how many problems of each severity."""
        counts = ", ".join(f"{name} {n}" for name, n in self.counts.items())
        found = Counter(p.severity for p in self.problems)
        issues = ", ".join(f"{found[s]} {s}{'s' if found[s] != 1 else ''}" for s in SEVERITIES)
        return (
            f"{self.root}: {len(self.class_names)} classes, {len(self.photos)} usable photos "
            f"({counts or 'none'}); {issues}"
        )

    def rows(self, *, max_names: int = 3) -> list[list[str]]:
        """Table rows: severity, problem, summary, files (a few named), what to do."""
        rows = []
        for problem in self.problems:
            names = [self._short(path) for path in problem.files[:max_names]]
            more = len(problem.files) - len(names)
            listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
            rows.append([problem.severity, problem.kind, problem.summary, listed, problem.advice])
        return rows

    def _short(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def to_text(self) -> str:
        """The report as aligned plain text."""
        from course_utils.tables import Table

        if not self.problems:
            return f"{self.summary()}\nNo problems found."
        headers = ["severity", "problem", "found", "files", "what to do"]
        return f"{self.summary()}\n{Table(self.rows(), headers).to_text()}"

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        colours = {"error": "#b2182b", "warning": "#8c510a", "note": "#2166ac"}
        head = f"<p><b>{html.escape(self.summary())}</b></p>"
        if not self.problems:
            return head + "<p>No problems found.</p>"
        cells = "".join(f"<th style='text-align:left'>{h}</th>" for h in _HEADERS)
        body = []
        for row in self.rows(max_names=4):
            colour = colours.get(row[0], "black")
            first = f"<td style='color:{colour};font-weight:bold'>{html.escape(row[0])}</td>"
            rest = "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in row[1:])
            body.append(f"<tr>{first}{rest}</tr>")
        return f"{head}<table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def offenders(self, kinds: Sequence[str] | None = None) -> list[tuple[str, Path]]:
        """``(kind, file)`` pairs of the problems that name files (not folders), in order."""
        pairs = []
        for problem in self.problems:
            if kinds is not None and problem.kind not in kinds:
                continue
            pairs.extend((problem.kind, path) for path in problem.files if not path.is_dir())
        return pairs

    def show_offenders(
        self, kinds: Sequence[str] | None = None, *, limit: int = 24, ncols: int = 6
    ):
        """Draw the files concerned in a grid, titled with the problem and the file name.

        Files that cannot be shown (not an image, damaged) appear as a gray tile saying so.
        Returns the matplotlib figure (``None`` when no file is concerned).
        """
        import matplotlib.pyplot as plt

        pairs = self.offenders(kinds)[:limit]
        if not pairs:
            return None
        thumbnails = {photo.path: photo.thumbnail for photo in self.photos}
        rows = -(-len(pairs) // ncols)
        figure, axes = plt.subplots(rows, ncols, figsize=(1.9 * ncols, 2.2 * rows), squeeze=False)
        for axis in axes.ravel():
            axis.axis("off")
        for axis, (kind, path) in zip(axes.ravel(), pairs, strict=False):
            picture = thumbnails.get(path)
            if picture is None:
                axis.imshow(np.full((THUMBNAIL, THUMBNAIL, 3), 200, np.uint8))
                axis.text(
                    THUMBNAIL / 2,
                    THUMBNAIL / 2,
                    "cannot\nbe shown",
                    ha="center",
                    va="center",
                    fontsize=8,
                )
            else:
                axis.imshow(picture)
            name = path.name if len(path.name) <= 22 else path.name[:19] + "..."
            axis.set_title(f"{kind}\n{name}", fontsize=7)
        figure.tight_layout()
        return figure


_HEADERS = ("severity", "problem", "found", "files", "what to do")


# --------------------------------------------------------------------------- reading


def _is_hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name.lower() in SYSTEM_FILES


def _header(path: Path) -> tuple[int, int, str, int, bool]:
    """Width, height, mode, EXIF orientation and whether any pixel is transparent."""
    with Image.open(path) as image:
        try:
            orientation = image.getexif().get(_ORIENTATION_TAG, 1)
        except (OSError, ValueError, SyntaxError, KeyError, TypeError):
            orientation = 1
        has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        transparent = False
        if has_alpha:
            alpha = image.convert("RGBA").getchannel("A")
            transparent = alpha.getextrema()[0] < 255
        orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
        return image.width, image.height, image.mode, orientation, transparent


def _read_photo(path: Path, class_name: str) -> tuple[PhotoInfo | None, str | None, bool]:
    """Return the photo's info (or None and why it cannot be used) and its transparency."""
    try:
        thumbnail, _ = read_image(path, (THUMBNAIL, THUMBNAIL))
        width, height, mode, orientation, transparent = _header(path)
    except UnusableImage as error:
        return None, str(error), False
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        return None, f"damaged image ({error})", False
    info = PhotoInfo(
        path, class_name, width, height, mode, orientation, image_hash.dhash(thumbnail), thumbnail
    )
    return info, None, transparent


def _is_gray(photo: PhotoInfo) -> bool:
    if photo.mode in ("L", "LA", "1", "I", "I;16", "F"):
        return True
    channels = photo.thumbnail.astype(np.int16)
    return int(np.abs(channels - channels[..., :1]).max()) <= 3


# --------------------------------------------------------------------------- check


def list_classes(root: Path) -> list[Path]:
    """The class folders of ``root`` (visible sub-folders), sorted by name."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not _is_hidden(p))


def check_folder(
    root: str | Path,
    *,
    max_duplicate_bits: int = image_hash.NEAR_DUPLICATE_BITS,
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> FolderReport:
    """Check a folder of photos (``<root>/<class>/<files>``) and report what to fix.

    Parameters
    ----------
    root : path
        The folder with one sub-folder per class.
    max_duplicate_bits : int
        Photos whose perceptual hashes differ in at most this many of 64 bits count as
        near-duplicates.
    split_fractions : (train, validation, test)
        The plain random split against which duplicates across splits are counted.
    seed : int
        Seeds that plain random split.

    Returns
    -------
    FolderReport

    Raises
    ------
    FileNotFoundError
        When ``root`` is not a folder.

    Examples
    --------
    >>> report = check_folder("my-photos")          # doctest: +SKIP
    >>> report                                      # a table in JupyterLab  # doctest: +SKIP
    >>> report.show_offenders()                     # the files concerned     # doctest: +SKIP
    """
    root = Path(root)
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise FileNotFoundError(
            f"{root} {what}. Make a folder with one sub-folder of photos per class, e.g. "
            f"{root}/cat/*.jpg and {root}/dog/*.jpg, and point the lesson at it."
        )
    found: dict[str, list[Path]] = {}
    photos: list[PhotoInfo] = []
    unreadable: dict[Path, str] = {}
    transparent: list[Path] = []
    classes = list_classes(root)
    for entry in sorted(root.iterdir()):
        if entry.is_file():
            found.setdefault("hidden file" if _is_hidden(entry) else "loose file", []).append(entry)
    for folder in classes:
        for entry in sorted(folder.iterdir()):
            if _is_hidden(entry):
                found.setdefault("hidden file", []).append(entry)
            elif entry.is_dir():
                found.setdefault("sub-folder", []).append(entry)
            elif entry.suffix.lower() not in IMAGE_SUFFIXES:
                found.setdefault("not an image", []).append(entry)
            else:
                info, why, clear = _read_photo(entry, folder.name)
                if info is None:
                    unreadable[entry] = why
                    continue
                photos.append(info)
                if clear:
                    transparent.append(entry)
    report = FolderReport(root, [c.name for c in classes], photos, [], [], unreadable)
    problems = _file_problems(found, unreadable)
    problems += _photo_problems(photos, transparent)
    problems += _count_problems(report)
    groups = image_hash.near_duplicate_groups([p.hash for p in photos], max_bits=max_duplicate_bits)
    report.duplicate_groups = [[photos[i].path for i in group] for group in groups]
    problems += _duplicate_problems(photos, groups, split_fractions, seed)
    problems += _size_problems(photos)
    order = {severity: i for i, severity in enumerate(SEVERITIES)}
    report.problems = sorted(problems, key=lambda p: order[p.severity])
    return report


def _endings(files: Sequence[Path] | None = None) -> str:
    """The file endings of ``files`` (default: the image endings), sorted, comma-separated."""
    if files is None:
        return ", ".join(sorted(IMAGE_SUFFIXES))
    return ", ".join(sorted({f.suffix or "(none)" for f in files}))


def _file_problems(found: dict[str, list[Path]], unreadable: dict[Path, str]) -> list[Problem]:
    problems = []
    if found.get("loose file"):
        files = found["loose file"]
        problems.append(
            Problem(
                "loose file",
                "warning",
                f"{len(files)} file(s) outside any class folder (not used)",
                files,
                "Move each into the folder of its class, or delete it.",
            )
        )
    if found.get("sub-folder"):
        folders = found["sub-folder"]
        problems.append(
            Problem(
                "sub-folder",
                "warning",
                f"{len(folders)} folder(s) inside class folders (not used)",
                folders,
                "Move their photos up into the class folder, or make them classes of their own.",
            )
        )
    if found.get("hidden file"):
        files = found["hidden file"]
        problems.append(
            Problem(
                "hidden file",
                "note",
                f"{len(files)} hidden or system file(s), ignored",
                files,
                "Nothing to do (the loader skips them); delete them to tidy up.",
            )
        )
    if found.get("not an image"):
        files = found["not an image"]
        problems.append(
            Problem(
                "not an image",
                "warning",
                f"{len(files)} file(s) whose name is not an image's ({_endings(files)}): ignored",
                files,
                f"Move them out of the class folders. Images end in {_endings()}.",
            )
        )
    if unreadable:
        reasons = Counter(why.split(" (")[0] for why in unreadable.values())
        problems.append(
            Problem(
                "unreadable",
                "warning",
                f"{len(unreadable)} image file(s) that cannot be used: "
                + ", ".join(f"{n} {why}" for why, n in reasons.most_common()),
                list(unreadable),
                "Copy them again from the camera or phone, or delete them (they are skipped).",
            )
        )
    return problems


def _photo_problems(photos: Sequence[PhotoInfo], transparent: Sequence[Path]) -> list[Problem]:
    problems = []
    rotated = [p for p in photos if p.orientation != 1]
    if rotated:
        turns = Counter(_TURNS.get(p.orientation, "rotated") for p in rotated)
        problems.append(
            Problem(
                "EXIF rotation",
                "note",
                f"{len(rotated)} photo(s) stored sideways with an EXIF orientation tag ("
                + ", ".join(f"{n} {t}" for t, n in turns.items())
                + "); turned upright when loaded",
                [p.path for p in rotated],
                "Nothing to do: the course's loader applies the tag. Other tools may not: check "
                "that these look upright in the grid.",
            )
        )
    gray = [p for p in photos if _is_gray(p)]
    if gray:
        problems.append(
            Problem(
                "grayscale",
                "note",
                f"{len(gray)} grayscale photo(s), converted to RGB (three equal channels)",
                [p.path for p in gray],
                "Fine if a few; if a whole class is gray and the others in colour, the model can "
                "learn 'gray' instead of the object: photograph it in colour.",
            )
        )
    if transparent:
        problems.append(
            Problem(
                "transparent",
                "note",
                f"{len(transparent)} image(s) with transparent parts, put on white",
                list(transparent),
                "Fine for cut-outs; photos from a camera have no transparency, so check they "
                "belong.",
            )
        )
    return problems


def _count_problems(report: FolderReport) -> list[Problem]:
    counts = report.counts
    problems = []
    if len(counts) < 2:
        problems.append(
            Problem(
                "fewer than two classes",
                "error",
                f"{len(counts)} class folder(s): a classifier needs at least two",
                [report.root],
                "Make one sub-folder per class, e.g. cat/ and dog/, each with its photos.",
            )
        )
    tiers = (
        (
            MIN_TO_SPLIT,
            "error",
            f"fewer than {MIN_TO_SPLIT}: cannot be split into train, validation and test",
        ),
        (
            NOISY_BELOW,
            "warning",
            f"fewer than {NOISY_BELOW}: validation and test accuracy will jump in large steps",
        ),
        (
            SOLID_RESULT,
            "note",
            f"fewer than about {SOLID_RESULT}, what a solid transfer-learning result needs "
            "(rule of thumb)",
        ),
    )
    for limit, severity, why in tiers:
        small = [name for name, n in counts.items() if n < limit]
        if not small:
            continue
        shown = ", ".join(f"{name} ({counts[name]})" for name in small)
        problems.append(
            Problem(
                "too few photos",
                severity,
                f"{shown}: {why}",
                [report.root / name for name in small],
                f"Add photos: at least {MIN_TO_SPLIT} per class to run at all, {NOISY_BELOW}+ for "
                f"a readable validation score, about {SOLID_RESULT} for a solid result.",
            )
        )
        break
    if len(counts) >= 2 and min(counts.values()) > 0:
        largest, smallest = max(counts, key=counts.get), min(counts, key=counts.get)
        ratio = counts[largest] / counts[smallest]
        if ratio >= IMBALANCE_RATIO:
            problems.append(
                Problem(
                    "class imbalance",
                    "warning",
                    f"{largest} has {ratio:.1f} times as many photos as {smallest} "
                    f"({counts[largest]} vs {counts[smallest]})",
                    [report.root / largest, report.root / smallest],
                    f"Add photos of {smallest} (best), or leave some of {largest} out; then "
                    "look at the accuracy of each class, not only the overall one.",
                )
            )
    return problems


def plain_random_split(labels: Sequence[int], fractions, seed: int) -> np.ndarray:
    """A stratified random split that ignores duplicates: split number (0, 1, 2) per item."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    where = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_train = round(len(members) * fractions[0])
        n_val = round(len(members) * fractions[1])
        where[members[n_train : n_train + n_val]] = 1
        where[members[n_train + n_val :]] = 2
    return where


def _duplicate_problems(photos, groups, fractions, seed) -> list[Problem]:
    if not groups:
        return []
    problems = []
    names = sorted({p.class_name for p in photos})
    labels = [names.index(p.class_name) for p in photos]
    where = plain_random_split(labels, fractions, seed)
    crossing = sum(len({int(where[i]) for i in group}) > 1 for group in groups)
    members = sum(len(group) for group in groups)
    problems.append(
        Problem(
            "near-duplicates",
            "warning",
            f"{len(groups)} group(s) of near-identical photos ({members} photos); a plain random "
            f"split would put {crossing} of these groups on both sides of train/validation/test, "
            "so the test would score photos the model has already seen",
            [photos[i].path for group in groups for i in group],
            "Delete the extra copies, or keep them and split with split_folder, which keeps each "
            "group on one side.",
        )
    )
    mixed = [g for g in groups if len({photos[i].class_name for i in g}) > 1]
    if mixed:
        problems.append(
            Problem(
                "same photo in two classes",
                "error",
                f"{len(mixed)} group(s) of near-identical photos filed under different classes",
                [photos[i].path for group in mixed for i in group],
                "Decide which class each belongs to and delete the other copy: the model cannot "
                "learn two answers for one picture.",
            )
        )
    return problems


def _size_problems(photos: Sequence[PhotoInfo]) -> list[Problem]:
    if not photos:
        return []
    problems = []
    sides = np.array([min(p.width, p.height) for p in photos])
    tiny = [p for p in photos if min(p.width, p.height) < TINY_SIDE]
    if tiny:
        problems.append(
            Problem(
                "tiny image",
                "warning",
                f"{len(tiny)} image(s) with a side under {TINY_SIDE} pixels (icons, thumbnails?)",
                [p.path for p in tiny],
                "Replace them with the full-size photos.",
            )
        )
    typical = float(np.median(sides))
    odd = [
        p
        for p in photos
        if max(min(p.width, p.height) / typical, typical / min(p.width, p.height)) >= SIZE_SPREAD
    ]
    if odd:
        extremes = sorted(odd, key=lambda p: min(p.width, p.height))
        ends = dict.fromkeys(f"{p.width}x{p.height}" for p in (extremes[0], extremes[-1]))
        shown = ", ".join(ends)
        problems.append(
            Problem(
                "wildly different sizes",
                "warning",
                f"{len(odd)} image(s) at least {SIZE_SPREAD:.0f} times larger or smaller (shorter "
                f"side) than the typical {typical:.0f} pixels ({shown})",
                [p.path for p in odd],
                "Everything is resized to one size for training, but a class photographed at "
                "another resolution can be recognised by its sharpness: take all classes the "
                "same way.",
            )
        )
    return problems
