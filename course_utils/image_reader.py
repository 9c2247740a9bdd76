"""Reading one image file as 8-bit RGB of a given size, whatever the file holds.

:func:`read_image` is the loader's only door to Pillow. It either returns the pixels and a
short note of what it had to repair, or raises a ``ValueError`` whose message says what
is wrong with the file (the loader skips the file and names it in one warning). No
exception of Pillow, of the file system or of a damaged header gets through otherwise:

- a missing file (a dangling symbolic link, a file deleted while loading) or one that
  cannot be read;
- an empty file, a file that is not an image, a damaged or truncated image;
- an image that declares more pixels than :data:`MAX_DECODED_PIXELS` (a decompression
  bomb, or one flipped header byte): refused from the header, before decoding. Large
  JPEG photos are decoded at a reduced scale (``Image.draft``) instead of in full.

What can be repaired is: grayscale, black-and-white, palette, transparent (flattened onto
white, the Fruits-360 background), CMYK, 16-bit, 32-bit integer and 32-bit float images
become RGB; EXIF orientation is applied (phone photos are stored sideways); other sizes
are resized.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
"""File name endings the loader treats as images (any case)."""

MAX_DECODED_PIXELS = 64_000_000
"""Largest image the loader decodes (width x height after any JPEG draft): 64 megapixels."""

DRAFT_ABOVE_PIXELS = 2_000_000
"""JPEGs larger than this are decoded at a reduced scale (still at least twice the target)."""

_ORIENTATION_TAG = 0x0112
# What Pillow's decoders raise for damaged data besides OSError (fuzzed headers give all
# of these); none of them means anything but "this file is damaged".
_DAMAGED = (OSError, SyntaxError, EOFError, struct.error, IndexError, TypeError, ValueError)
_DAMAGED += (ZeroDivisionError, KeyError, OverflowError)


class UnusableImage(ValueError):
    """A file the loader cannot use; the message says why (and is what the warning shows)."""


def _flatten_on_white(image: Image.Image) -> Image.Image:
    """Composite an image with transparency onto white (the Fruits-360 background)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _deep_to_gray(image: Image.Image) -> tuple[Image.Image, str]:
    """Scale a 16-bit, 32-bit integer or float single-channel image to 8-bit RGB.

    16-bit images use their full range (0-65535). 32-bit integers and floats have no
    fixed range: values within 0-1 (floats) are scaled by 255, values within 0-255 are
    kept, anything larger is scaled so that the brightest pixel is 255.
    """
    mode = image.mode
    values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low = min(0.0, float(values.min())) if values.size else 0.0
    high = float(values.max()) if values.size else 0.0
    if mode.startswith("I;16"):
        low, peak, note = 0.0, 65535.0, "16-bit"
    elif mode == "F":
        peak = 1.0 if low >= 0 and high <= 1.0 else (255.0 if low >= 0 and high <= 255 else high)
        note = "32-bit float"
    else:
        peak = 255.0 if low >= 0 and high <= 255 else high
        note = "32-bit integer"
    span = max(peak - low, 1e-12)
    gray = np.clip((values - low) / span * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(gray).convert("RGB"), note


def _to_rgb(image: Image.Image) -> tuple[Image.Image, str | None]:
    """Convert any Pillow image to 8-bit RGB; return it and what was converted (or None)."""
    mode = image.mode
    if mode == "RGB":
        return image, None
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _deep_to_gray(image)
    if mode == "P" and "transparency" in image.info:
        return _flatten_on_white(image), "palette"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return _flatten_on_white(image), "transparent"
    names = {"L": "grayscale", "1": "black-and-white", "P": "palette", "CMYK": "CMYK"}
    return image.convert("RGB"), names.get(mode, mode)


def _orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1 = upright); a damaged EXIF block counts as upright."""
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except _DAMAGED:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _bound_pixels(image: Image.Image, image_size: tuple[int, int]) -> None:
    """Shrink a large JPEG while decoding; refuse any image that would still be too large."""
    height, width = image_size
    if image.format == "JPEG" and image.width * image.height > DRAFT_ABOVE_PIXELS:
        image.draft("RGB", (2 * width, 2 * height))
    pixels = image.width * image.height
    if pixels > MAX_DECODED_PIXELS:
        raise UnusableImage(
            f"too large ({image.width}x{image.height} pixels, more than "
            f"{MAX_DECODED_PIXELS // 1_000_000} megapixels; a damaged header can claim this "
            "too): shrink it or delete it"
        )


def _open_and_convert(path: Path, image_size: tuple[int, int]) -> tuple[Image.Image, str | None]:
    with Image.open(path) as image:
        _bound_pixels(image, image_size)
        image.load()
        orientation = _orientation(image)
        upright = ImageOps.exif_transpose(image) if orientation != 1 else image
        rgb, note = _to_rgb(upright)  # leaving `with` closes the file, not the pixels
    if orientation != 1 and note is None:
        note = "EXIF-rotated"
    return rgb, note


def read_image(path: str | Path, image_size: tuple[int, int]) -> tuple[np.ndarray, str | None]:
    """Read one image as ``uint8`` RGB of ``image_size`` (height, width).

    Returns the array and a note of what had to be converted (``None`` if nothing).

    Raises
    ------
    ValueError
        (:class:`UnusableImage`) when the file is missing, unreadable, empty, not an image,
        damaged (e.g. a truncated JPEG) or too large; the message says which.

    Examples
    --------
    >>> read_image("no-such-file.jpg", (32, 32))
    Traceback (most recent call last):
    ...
    course_utils.image_reader.UnusableImage: missing (the file was deleted while loading)
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as error:
        link = path.is_symlink()
        why = "a broken symbolic link" if link else "the file was deleted while loading"
        raise UnusableImage(f"missing ({why})") from error
    except OSError as error:
        raise UnusableImage(f"cannot be read ({error.strerror or error})") from error
    if size == 0:
        raise UnusableImage("empty file (0 bytes)")
    try:
        rgb, note = _open_and_convert(path, image_size)
    except UnusableImage:
        raise
    except Image.DecompressionBombError as error:
        raise UnusableImage(f"too large, refused before decoding ({error})") from error
    except UnidentifiedImageError as error:
        raise UnusableImage("not an image Pillow can read") from error
    except FileNotFoundError as error:
        raise UnusableImage("missing (the file was deleted while loading)") from error
    except PermissionError as error:
        raise UnusableImage(f"cannot be read ({error.strerror or error})") from error
    except _DAMAGED as error:
        raise UnusableImage(f"damaged image ({error})") from error
    height, width = image_size
    if rgb.size != (width, height):
        if note is None and rgb.size != (100, 100):
            note = "other size"
        rgb = rgb.resize((width, height), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return np.asarray(rgb, dtype=np.uint8), note
