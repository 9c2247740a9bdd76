"""The offline stand-in for "a folder of your own photos" in lesson 09.

Lesson 09 trains on the learner's folder, named by ``COURSE_OWN_PHOTOS`` or the lesson's
``OWN_PHOTOS`` setting (:func:`course_utils.paths.own_photos_dir` reads them). Without
one, :func:`make_example_folder` writes a folder that looks like a first project: a few
fruit classes of the course's data (real Fruits-360 photos or the generated fruits,
whichever is active) set into real photo backgrounds by :mod:`course_utils.contexts`
(backgrounds of its ``"train"`` pool), saved as JPEG files, one folder per class, **with
the usual problems planted on purpose** (listed in :data:`PLANTED`): copies of a photo,
sideways phone photos, a gray and a transparent picture, a damaged file, a note, a hidden
file, a huge photo and a smaller class. It stands in for a learner's photos; it is not
one: the objects are the course's fruits, cut out of their white background.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from course_utils import fileio, paths

EXAMPLE_CLASSES = ("Banana", "Kiwi", "Raspberry", "Lemon")
"""Four fruits that look different; the last one gets half as many photos (imbalance)."""
EXAMPLE_VERSION = "1"

PLANTED = {
    "near-duplicates": [
        "Banana/banana_003_copy.jpg",
        "Kiwi/kiwi_005_copy.jpg",
        "Raspberry/raspberry_007_copy.jpg",
        "Kiwi/kiwi_011_copy.jpg",
    ],
    "EXIF rotation": ["Banana/banana_phone_1.jpg", "Raspberry/raspberry_phone_2.jpg"],
    "grayscale": ["Kiwi/kiwi_gray.jpg"],
    "transparent": ["Lemon/lemon_cutout.png"],
    "unreadable": ["Banana/banana_damaged.jpg"],
    "not an image": ["Kiwi/notes.txt"],
    "hidden file": ["Raspberry/.DS_Store"],
    "wildly different sizes": ["Lemon/lemon_huge.jpg"],
    "class imbalance": ["Lemon"],
}
"""The problems planted in the example folder: kind -> files (relative to the folder)."""


def _jpeg(array: np.ndarray, quality: int = 90, exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array) if isinstance(array, np.ndarray) else array
    image.save(buffer, "JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def _sideways(array: np.ndarray) -> bytes:
    """A phone photo: pixels stored turned left, EXIF orientation 6 says 'turn right'."""
    image = Image.fromarray(array).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return _jpeg(np.asarray(image), exif=exif.tobytes())


def _fruit_pictures(
    per_class: int, seed: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fruits on white and the same fruits in context, per class (uint8, 100x100)."""
    from course_utils import contexts, datasets

    source = datasets.locate_fruits(verbose=False)
    data = datasets.load_fruits(
        source.root,
        image_size=(100, 100),
        classes=list(EXAMPLE_CLASSES),
        max_per_class=per_class,
        validation_fraction=0.0,
        seed=seed,
        verbose=False,
    )
    plain, scenes = {}, {}
    for label, name in enumerate(data.class_names):
        images = data.x_train[data.y_train == label]
        keep = per_class if label < len(EXAMPLE_CLASSES) - 1 else max(per_class // 2, 6)
        images = images[:keep]
        pictures, _ = contexts.compose_in_context(images, pool="train", seed=seed + label)
        plain[name], scenes[name] = images, pictures
    return plain, scenes


def _write_example(folder: Path, per_class: int, seed: int) -> None:
    from course_utils.contexts import fruit_masks

    plain, scenes = _fruit_pictures(per_class, seed)
    for name, pictures in scenes.items():
        (folder / name).mkdir()
        for i, picture in enumerate(pictures):
            (folder / name / f"{name.lower()}_{i:03d}.jpg").write_bytes(_jpeg(picture))
    for relative in PLANTED["near-duplicates"]:  # recompressed and a little brighter
        original = folder / relative.replace("_copy", "")
        with Image.open(original) as image:
            brighter = np.clip(np.asarray(image, np.int16) + 8, 0, 255).astype(np.uint8)
        (folder / relative).write_bytes(_jpeg(brighter, quality=60))
    for relative, picture in zip(
        PLANTED["EXIF rotation"], (scenes["Banana"][-1], scenes["Raspberry"][-2]), strict=True
    ):
        (folder / relative).write_bytes(_sideways(picture))
    gray = Image.fromarray(scenes["Kiwi"][-3]).convert("L")
    (folder / PLANTED["grayscale"][0]).write_bytes(_jpeg(gray))
    alpha = (fruit_masks(plain["Lemon"][:1])[0] * 255).astype(np.uint8)
    cutout = Image.fromarray(np.dstack([plain["Lemon"][0], alpha]), "RGBA")
    cutout.save(folder / PLANTED["transparent"][0])
    damaged = _jpeg(scenes["Banana"][-4])
    (folder / PLANTED["unreadable"][0]).write_bytes(damaged[: len(damaged) // 3])
    (folder / PLANTED["not an image"][0]).write_text("kiwis from the market, Saturday\n")
    (folder / PLANTED["hidden file"][0]).write_bytes(b"\x00\x00\x00\x01Bud1")
    huge = Image.fromarray(scenes["Lemon"][-1]).resize((800, 800), Image.Resampling.BICUBIC)
    (folder / PLANTED["wildly different sizes"][0]).write_bytes(_jpeg(np.asarray(huge)))


def make_example_folder(*, per_class: int = 60, seed: int = 0, verbose: bool = True) -> Path:
    """Write (once) and return the example folder of "own photos" with planted problems.

    It lands in ``<data folder>/own-photos-example-<source>-<per_class>/`` (``source``: the
    kind of fruits it is made from, so that runs on different sources do not rebuild or
    replace each other's folder): four fruit classes
    (:data:`EXAMPLE_CLASSES`) of ``per_class`` photos each (the last one half as many),
    plus the files of :data:`PLANTED`. Written atomically; rebuilt when its stamp (the
    settings and the fruits source) does not match.

    Parameters
    ----------
    per_class : int
        Photos per class (at least 12).
    seed : int
    verbose : bool
        Print one line saying what the folder is.
    """
    from course_utils import datasets

    if per_class < 12:
        raise ValueError(
            f"per_class must be at least 12 (the planted files need them), not {per_class}."
        )
    source = datasets.locate_fruits(verbose=False)
    folder = paths.data_dir() / f"own-photos-example-{source.kind}-{per_class}"
    stamp_path = folder.with_suffix(".json")
    stamp = {
        "version": EXAMPLE_VERSION,
        "per_class": per_class,
        "seed": seed,
        "source": source.kind,
        "root": str(source.root),
    }
    current = None
    if stamp_path.is_file():
        try:
            current = json.loads(stamp_path.read_text(encoding="utf-8"))
        except ValueError:
            current = None
    if current != stamp or not folder.is_dir():
        with fileio.atomic_folder(folder) as staging:
            _write_example(staging, per_class, seed)
        fileio.atomic_write_text(stamp_path, json.dumps(stamp, indent=1))
    if verbose:
        kind = "real Fruits-360 photos" if source.is_real else "GENERATED fruits"
        print(
            f"No {paths.OWN_PHOTOS_ENV} folder set: using the example folder {folder}\n"
            f"  ({', '.join(EXAMPLE_CLASSES)}: {kind} set into real background photos, "
            "with typical problems planted on purpose)"
        )
    return folder
