"""The photo uploader of lesson 09: add photos from the browser to a class folder.

Photos copied from a phone to the laptop can be added to ``<root>/<class>/`` without a
file manager: type or choose a class, pick the files, and they are saved (see
:func:`save_upload`) and shown as thumbnails, turned upright as the loader will see them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils import fileio
from course_utils.image_reader import IMAGE_SUFFIXES, UnusableImage, read_image
from course_utils.widgets.base import Explorer

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
THUMBNAIL = 96


def safe_name(name: str, *, fallback: str = "photo") -> str:
    """A file or folder name without paths, accents, spaces or hidden dots.

    Examples
    --------
    >>> safe_name("../Photos/Café au lait 1.JPG")
    'Cafe_au_lait_1.JPG'
    >>> safe_name(".hidden")
    'hidden'
    """
    base = Path(str(name).replace("\\", "/")).name
    plain = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", plain).strip("._-")
    return cleaned[:120] or fallback


def _free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3`` ... when taken (never overwrite)."""
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def save_upload(root: str | Path, class_name: str, filename: str, data: bytes) -> Path:
    """Save one uploaded photo into ``<root>/<class_name>/``; return where it went.

    The class and file names are made safe (:func:`safe_name`); an existing file is never
    overwritten (``name-2.jpg`` instead); the bytes are checked to be a readable image
    first and written atomically, unchanged (the EXIF orientation stays in the file and
    the loader applies it).

    Raises
    ------
    ValueError
        For an empty class name, a file that is not an image or cannot be read.
    """
    folder_name = safe_name(class_name, fallback="")
    if not folder_name:
        raise ValueError("Type a class name first (letters, digits, - or _).")
    name = safe_name(filename)
    if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(
            f"{filename} is not an image file name (images end in "
            f"{', '.join(sorted(IMAGE_SUFFIXES))})."
        )
    folder = Path(root) / folder_name
    fileio.ensure_folder(folder)
    target = _free_path(folder, name)
    staging = target.with_name(f".{target.name}.checking")
    try:
        staging.write_bytes(bytes(data))
        read_image(staging, (THUMBNAIL, THUMBNAIL))
    except UnusableImage as error:
        raise ValueError(f"{filename} cannot be used: {error}.") from error
    finally:
        staging.unlink(missing_ok=True)
    return fileio.atomic_write_bytes(target, bytes(data))


class PhotoUploader(Explorer):
    """Upload photos into a class folder of ``root`` and see what was added.

    Parameters
    ----------
    root : path
        The folder with one sub-folder per class (created if missing).
    class_name : str, optional
        The class shown first (default: the first existing class folder).

    Examples
    --------
    >>> uploader = PhotoUploader("my-photos")              # doctest: +SKIP
    >>> uploader                                            # doctest: +SKIP
    """

    def __init__(self, root: str | Path, *, class_name: str | None = None):
        self.root = Path(root)
        fileio.ensure_folder(self.root)
        existing = self.existing_classes()
        self.added: list[tuple[Path, np.ndarray]] = []
        self.messages: list[str] = []
        controls = {
            "class_name": widgets.Combobox(
                value=class_name or (existing[0] if existing else ""),
                options=existing,
                placeholder="type or choose a class",
                description="class",
                ensure_option=False,
            ),
            "upload": widgets.FileUpload(accept="image/*", multiple=True, description="add photos"),
        }
        super().__init__(controls, columns=2)

    def existing_classes(self) -> list[str]:
        """The class folders in ``root`` so far."""
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def add(self, class_name: str, files: Sequence[dict]) -> list[Path]:
        """Save uploaded files (dicts with ``name`` and ``content``, as FileUpload gives)."""
        saved = []
        for item in files:
            try:
                path = save_upload(self.root, class_name, item["name"], bytes(item["content"]))
            except ValueError as error:
                self.messages.append(str(error))
                continue
            thumbnail, note = read_image(path, (THUMBNAIL, THUMBNAIL))
            self.added.append((path, thumbnail))
            self.messages.append(
                f"saved {path.relative_to(self.root)}" + (f" ({note})" if note else "")
            )
            saved.append(path)
        return saved

    def adjust(self, change) -> None:
        if change["owner"] is self.controls["upload"] and change["new"]:
            self.add(self.controls["class_name"].value, change["new"])
            self.controls["upload"].value = ()
            self.controls["class_name"].options = self.existing_classes()

    def compute(self, class_name: str, upload) -> dict:
        counts = {
            name: sum(1 for _ in (self.root / name).iterdir()) for name in self.existing_classes()
        }
        return {
            "class_name": class_name,
            "counts": counts,
            "added": self.added[-12:],
            "messages": self.messages[-4:],
        }

    def draw(self, result: dict):
        added = result["added"]
        columns = max(len(added), 1)
        figure, axes = plt.subplots(1, columns, figsize=(1.5 * max(columns, 4), 2.1), squeeze=False)
        for axis in axes.ravel():
            axis.axis("off")
        for axis, (path, picture) in zip(axes.ravel(), added, strict=False):
            axis.imshow(picture)
            axis.set_title(f"{path.parent.name}\n{path.name[:18]}", fontsize=7)
        counts = (
            ", ".join(f"{name}: {n}" for name, n in result["counts"].items()) or "no classes yet"
        )
        last = "; ".join(result["messages"]) or "choose a class, then add photos"
        figure.suptitle(f"{counts}\n{last}", fontsize=8)
        figure.tight_layout()
        return figure
