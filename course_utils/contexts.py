"""Fruits in context: the hard test, its validation twin, and background-replacement augmentation.

Fruits-360's Test photos are frames of the same fruits, on the same turntable, against
the same white background as Training, so a model can score 100% there by memory.
This module builds the test that teaches something: the **same** Test fruits, cut out
of their white background and set into real photos, at another size, position and
angle, under another light, with a soft shadow, a little blur and JPEG noise, and
sometimes partly hidden::

    data = datasets.load_fruits(source.root, image_size=(32, 32))
    hard = contexts.load_fruits_in_context(data)        # built once, then cached
    model.evaluate(hard.test)                            # the hard Test
    model.evaluate(hard.validation)                      # choose settings on this one
    contexts.show_in_context(hard, plain=data)           # plain and hard side by side

How it is made
--------------
1. **Mask** (:func:`fruit_masks`): the distance of every pixel from the photo's own
   white, measured in CIE Lab (so pale yellow and cream read as far from white, JPEG
   noise on the white as near), hysteresis thresholds (weak pixels are kept when they
   touch strong ones: pale stems and highlights survive), a closing, the largest
   connected pieces, holes filled, and a soft one-pixel edge.
2. **Background** (:func:`background_photos`): a crop, at a random place and zoom and
   sometimes mirrored, of one of the real photos that ship with scikit-image and
   scikit-learn (no download). The photos are split into three disjoint **pools**:
   ``"test"`` builds the hard Test, ``"validation"`` the hard validation set and
   ``"train"`` is the only pool that :func:`replace_backgrounds` (training-time
   augmentation) may use, so no test background is ever seen in training.
3. **Scene**: fruit scaled, moved and rotated; a soft shadow; sometimes an occluder
   (an ellipse cut from another photo of the same pool); one light for the whole
   scene (colour cast, brightness, contrast, saturation, a gradient); blur, sensor
   noise and JPEG compression. Every knob is a field of :class:`ContextSettings`;
   :data:`PRESETS` holds ``"easy"``, ``"medium"`` (the default) and ``"hard"``.

Labels and order are those of the plain splits (``hard.y_test`` equals
``data.y_test``): a class missing from Test (Peach, in the real data) stays missing
and no label shifts. Everything is seeded: the same data and settings give the same
bytes. The result is cached in ``<data folder>/contexts/`` with a stamp of the
settings, the source's fingerprint and the photos' hashes; other settings or other
data build (and cache) a new set.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_utils import fileio, paths

CONTEXTS_VERSION = "2"
"""Version of the building code; bumped whenever the pictures it makes change."""

CACHE_FOLDER = "contexts"
SPLITS = ("validation", "test")
POOLS = ("train", "validation", "test")
_SPLIT_CODES = {"validation": 1, "test": 2, "train": 3}
_CHUNK = 512  # images composed at a time (bounds memory; results do not depend on it)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ContextSettings:
    """The knobs of a scene. Ranges are drawn uniformly, one value per image.

    Sizes and distances are shares of the picture's side, so a setting means the same
    at 32x32 and at 100x100 pixels.

    Attributes
    ----------
    fruit_scale : (min, max)
        Side of the fruit's (square) photo as a share of the picture's side; Fruits-360
        fruits fill their photo, so 0.5 leaves a fruit about half as wide as the picture.
    rotation : float
        Largest in-plane rotation in degrees (either way); 180 allows any angle.
    position : float
        How far the fruit may move from the centre, 0 (centred) to 1 (to the edge).
    background_zoom : (min, max)
        Side of the background crop as a share of the photo's shorter side: small values
        zoom into a texture, large ones show a scene.
    colour_cast : float
        Largest white-balance error: red and blue gains move by up to this share in
        opposite directions (warm or cool light), green by half of it.
    brightness : float
        Largest exposure change, as a factor ``exp(+-brightness)``.
    contrast : float
        Largest contrast change (share, either way).
    saturation : float
        Largest saturation change (share, either way).
    light_gradient : float
        Strength of light falling off across the scene from a random side (0: even).
    shadow : float
        Darkness of the soft shadow under the fruit (0: none, 1: black at its core).
    blur : float
        Largest Gaussian blur, in pixels of a 100-pixel picture (0: sharp).
    noise : float
        Largest sensor noise, standard deviation in 0-255 units.
    jpeg_quality : (min, max) or None
        JPEG quality range used to compress each picture; ``None`` for no JPEG.
    occlusion : float
        Share of pictures in which an object hides part of the fruit.
    occlusion_size : (min, max)
        Area of the occluder as a share of the fruit's area (about how much it hides).
    """

    fruit_scale: tuple[float, float] = (0.45, 0.8)
    rotation: float = 45.0
    position: float = 0.7
    background_zoom: tuple[float, float] = (0.2, 0.55)
    colour_cast: float = 0.12
    brightness: float = 0.25
    contrast: float = 0.2
    saturation: float = 0.2
    light_gradient: float = 0.25
    shadow: float = 0.5
    blur: float = 0.8
    noise: float = 4.0
    jpeg_quality: tuple[int, int] | None = (55, 90)
    occlusion: float = 0.3
    occlusion_size: tuple[float, float] = (0.1, 0.25)

    def __post_init__(self):
        _check_range("fruit_scale", self.fruit_scale, 0.1, 1.0)
        _check_range("background_zoom", self.background_zoom, 0.02, 1.0)
        _check_range("occlusion_size", self.occlusion_size, 0.0, 0.8)
        _check_value("rotation", self.rotation, 0.0, 180.0)
        for name in ("position", "light_gradient", "shadow", "occlusion"):
            _check_value(name, getattr(self, name), 0.0, 1.0)
        for name in ("colour_cast", "brightness", "contrast", "saturation"):
            _check_value(name, getattr(self, name), 0.0, 0.9)
        _check_value("blur", self.blur, 0.0, 5.0)
        _check_value("noise", self.noise, 0.0, 50.0)
        if self.jpeg_quality is not None:
            _check_range("jpeg_quality", self.jpeg_quality, 5, 100)

    def as_dict(self) -> dict:
        """The settings as plain JSON-ready values."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in self._items()}

    def _items(self):
        return ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))


def _check_value(name: str, value, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low} to {high}, not {value!r}.")


def _check_range(name: str, value, low: float, high: float) -> None:
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        or not low <= value[0] <= value[1] <= high
    ):
        raise ValueError(
            f"{name} must be a pair (min, max) with {low} <= min <= max <= {high}, not {value!r}."
        )


PRESETS: dict[str, ContextSettings] = {
    "easy": ContextSettings(
        fruit_scale=(0.6, 0.85),
        rotation=15.0,
        position=0.4,
        background_zoom=(0.3, 0.7),
        colour_cast=0.05,
        brightness=0.1,
        contrast=0.1,
        saturation=0.1,
        light_gradient=0.1,
        shadow=0.3,
        blur=0.3,
        noise=2.0,
        jpeg_quality=(80, 95),
        occlusion=0.0,
        occlusion_size=(0.1, 0.2),
    ),
    "medium": ContextSettings(),
    "hard": ContextSettings(
        fruit_scale=(0.35, 0.75),
        rotation=180.0,
        position=1.0,
        background_zoom=(0.1, 0.45),
        colour_cast=0.25,
        brightness=0.4,
        contrast=0.3,
        saturation=0.35,
        light_gradient=0.4,
        shadow=0.7,
        blur=1.5,
        noise=8.0,
        jpeg_quality=(35, 80),
        occlusion=0.6,
        occlusion_size=(0.15, 0.4),
    ),
}
"""Three difficulties. ``"medium"`` is the default of every function here."""

DEFAULT_DIFFICULTY = "medium"


def context_settings(difficulty: str | ContextSettings = DEFAULT_DIFFICULTY, **overrides):
    """Return the settings of a preset, with some knobs changed.

    Parameters
    ----------
    difficulty : {"easy", "medium", "hard"} or ContextSettings
    **overrides
        Any field of :class:`ContextSettings`, e.g. ``occlusion=0``.

    Raises
    ------
    ValueError
        For an unknown preset, an unknown knob or a value out of range.

    Examples
    --------
    >>> context_settings("hard", occlusion=0.0).occlusion
    0.0
    """
    if isinstance(difficulty, ContextSettings):
        base = difficulty
    elif difficulty in PRESETS:
        base = PRESETS[difficulty]
    else:
        raise ValueError(
            f"difficulty must be one of {sorted(PRESETS)} or a ContextSettings, not {difficulty!r}."
        )
    known = {f.name for f in dataclasses.fields(ContextSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown}; the knobs are: {sorted(known)}.")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return dataclasses.replace(base, **overrides)


# --------------------------------------------------------------------------- masks


def _per_image(connectivity: int) -> np.ndarray:
    """A 3-D structuring element that connects pixels within an image, never across images."""
    from scipy import ndimage

    structure = np.zeros((3, 3, 3), dtype=bool)
    structure[1] = ndimage.generate_binary_structure(2, connectivity)
    return structure


def _image_of_labels(labels: np.ndarray, count: int) -> np.ndarray:
    """Which image each label 1..count belongs to (labels are numbered image by image)."""
    last = np.maximum.accumulate(labels.reshape(len(labels), -1).max(axis=1))
    return np.searchsorted(last, np.arange(1, count + 1), side="left")


def distance_from_white(images: np.ndarray) -> np.ndarray:
    """Colour distance (CIE Lab, Delta E 1976) of every pixel from its photo's white.

    The white is measured on each photo's border (its bright pixels), so a slightly
    grey or tinted studio background reads as zero too.

    Parameters
    ----------
    images : array (n, height, width, 3)
        RGB, 0-255.

    Returns
    -------
    numpy.ndarray (n, height, width), float32
    """
    from skimage import color

    images = np.asarray(images)
    lab = color.rgb2lab(images.astype(np.float32) / 255.0).astype(np.float32)
    border = np.concatenate([lab[:, 0], lab[:, -1], lab[:, :, 0], lab[:, :, -1]], axis=1)
    bright = border[..., 0] > 85.0
    counts = bright.sum(axis=1)
    sums = (border * bright[..., None]).sum(axis=1)
    white = np.where(
        counts[:, None] >= 4,
        sums / np.maximum(counts, 1)[:, None],
        np.array([100.0, 0.0, 0.0], dtype=np.float32),
    )
    return np.sqrt(((lab - white[:, None, None, :].astype(np.float32)) ** 2).sum(axis=-1))


def fruit_masks(
    images: np.ndarray,
    *,
    weak: float = 6.0,
    strong: float = 15.0,
    keep_share: float = 0.15,
    soft: bool = True,
) -> np.ndarray:
    """Find the fruit in photos on a white background.

    Parameters
    ----------
    images : array (n, height, width, 3)
        RGB, 0-255 (``uint8`` or float), fruits on white.
    weak, strong : float
        Colour distances from white (Delta E, see :func:`distance_from_white`): pixels
        above ``strong`` are fruit; pixels above ``weak`` are fruit when they touch
        such pixels (pale stems, highlights). JPEG noise on the white stays below 3.
    keep_share : float
        Keep every connected piece at least this share of the image's largest piece
        (a detached stem or leaf survives, specks do not).
    soft : bool
        Give the outline a soft one-pixel edge whose opacity follows the distance from
        white (no white halo on a dark background). ``False`` returns a 0/1 mask.

    Returns
    -------
    numpy.ndarray (n, height, width), float32 in [0, 1]

    Examples
    --------
    >>> disc = np.full((1, 20, 20, 3), 255, dtype=np.uint8)
    >>> disc[0, 5:15, 5:15] = (200, 60, 30)
    >>> mask = fruit_masks(disc, soft=False)
    >>> int(mask.sum()), float(mask[0, 0, 0])
    (100, 0.0)
    """
    from scipy import ndimage

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (n, height, width, 3), not {images.shape}.")
    if not 0 < weak <= strong:
        raise ValueError(f"Need 0 < weak <= strong, not weak={weak}, strong={strong}.")
    if len(images) == 0:
        return np.zeros(images.shape[:3], dtype=np.float32)
    distance = distance_from_white(images)
    eight, four = _per_image(2), _per_image(1)

    # Hysteresis: weak pixels are kept when their piece holds a strong pixel.
    labels, count = ndimage.label(distance > weak, structure=eight)
    keep = np.zeros(count + 1, dtype=bool)
    keep[np.unique(labels[distance > strong])] = True
    keep[0] = False
    mask = keep[labels]
    mask = ndimage.binary_closing(mask, structure=eight, border_value=0) | mask

    # The largest pieces of each image (specks of dust or JPEG ringing go).
    labels, count = ndimage.label(mask, structure=eight)
    if count:
        sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
        owner = _image_of_labels(labels, count)
        largest = np.zeros(len(images), dtype=np.int64)
        np.maximum.at(largest, owner, sizes)
        keep = np.concatenate([[False], sizes >= keep_share * largest[owner]])
        mask = keep[labels]

    # Holes: background pieces that do not reach the picture's border.
    labels, count = ndimage.label(~mask, structure=four)
    outside = np.zeros(count + 1, dtype=bool)
    for edge in (labels[:, 0], labels[:, -1], labels[:, :, 0], labels[:, :, -1]):
        outside[edge] = True
    outside[0] = True
    mask = mask | ~outside[labels]

    if not soft:
        return mask.astype(np.float32)
    inner = ndimage.binary_erosion(mask, structure=four, border_value=1)
    edge = mask & ~inner
    alpha = mask.astype(np.float32)
    alpha[edge] = np.clip(distance[edge] / (2.0 * strong), 0.35, 1.0)
    return alpha


def _edge_colours(images: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Give the fruit's outline pixels the colour of their inner neighbours.

    Outline pixels are part fruit, part white; composited on a dark background they
    would draw a light ring. Their colour becomes the mean of the fully opaque pixels
    around them (3x3), so only their opacity carries the edge.
    """
    from scipy import ndimage

    inner = (alpha >= 1.0).astype(np.float32)
    total = ndimage.uniform_filter(images * inner[..., None], size=(1, 3, 3, 1), mode="constant")
    count = ndimage.uniform_filter(inner, size=(1, 3, 3), mode="constant")[..., None]
    edge = ((alpha > 0) & (alpha < 1))[..., None] & (count > 0)
    return np.where(edge, total / np.maximum(count, 1e-6), images)


# --------------------------------------------------------------------------- backgrounds


@dataclass(frozen=True)
class BackgroundPhoto:
    """A real photo used as background, where it comes from and under which licence."""

    name: str
    pool: str
    pixels: np.ndarray = field(repr=False)
    source: str
    licence: str

    @property
    def sha256(self) -> str:
        """Hash of the pixels: the photo's identity (whatever its name)."""
        return hashlib.sha256(np.ascontiguousarray(self.pixels).tobytes()).hexdigest()


# name, pool, loader, tint for grey photos (None: colour), source, licence
_PHOTOS = (
    (
        "coffee",
        "test",
        ("skimage", "coffee"),
        None,
        "scikit-image data.coffee(): coffee cup, Pikolo Espresso Bar, photo Rachel Michetti",
        "CC0",
    ),
    (
        "china",
        "test",
        ("sklearn", "china.jpg"),
        None,
        "scikit-learn load_sample_image('china.jpg'): Summer Palace, Beijing, "
        "Flickr user danielbuechele (flickr.com/photos/danielbuechele/6061409035)",
        "CC BY 2.0",
    ),
    (
        "brick",
        "test",
        ("skimage", "brick"),
        (0.93, 0.62, 0.5),
        "scikit-image data.brick(): brick wall, CC0Textures Bricks25 (grey, tinted here)",
        "CC0",
    ),
    (
        "gravel",
        "test",
        ("skimage", "gravel"),
        (0.95, 0.9, 0.8),
        "scikit-image data.gravel(): gravel, CC0Textures Gravel04 (grey, tinted here)",
        "CC0",
    ),
    (
        "chelsea",
        "validation",
        ("skimage", "chelsea"),
        None,
        "scikit-image data.chelsea(): Chelsea the cat, photo Stefan van der Walt",
        "CC0",
    ),
    (
        "rocket",
        "validation",
        ("skimage", "rocket"),
        None,
        "scikit-image data.rocket(): DSCOVR launch on Falcon 9, SpaceX "
        "(flickr.com/photos/spacexphotos/16511594820)",
        "public domain",
    ),
    (
        "grass",
        "validation",
        ("skimage", "grass"),
        (0.6, 0.9, 0.45),
        "scikit-image data.grass(): grass, DeviantArt user linolafett (grey, tinted here)",
        "CC0",
    ),
    (
        "coins",
        "validation",
        ("skimage", "coins"),
        (0.85, 0.8, 0.7),
        "scikit-image data.coins(): Greek coins from Pompeii, Brooklyn Museum collection",
        "no known copyright restrictions",
    ),
    (
        "astronaut",
        "train",
        ("skimage", "astronaut"),
        None,
        "scikit-image data.astronaut(): Eileen Collins, NASA (flic.kr/p/r9qvLn)",
        "public domain",
    ),
    (
        "flower",
        "train",
        ("sklearn", "flower.jpg"),
        None,
        "scikit-learn load_sample_image('flower.jpg'): dahlia, Flickr user vultilion "
        "(flickr.com/photos/vultilion/6056698931)",
        "CC BY 2.0",
    ),
    (
        "camera",
        "train",
        ("skimage", "camera"),
        None,
        "scikit-image data.camera(): man with a camera, photo Lav Varshney",
        "CC0",
    ),
    (
        "clock",
        "train",
        ("skimage", "clock"),
        (0.9, 0.85, 0.75),
        "scikit-image data.clock(): motion-blurred wall clock, photo Stefan van der Walt",
        "public domain",
    ),
    (
        "text",
        "train",
        ("skimage", "text"),
        (1.0, 0.96, 0.88),
        "scikit-image data.text(): corners and letters, Wikipedia File:Corner.png "
        "(grey, tinted here)",
        "public domain",
    ),
    (
        "tissue",
        "train",
        ("skimage", "immunohistochemistry"),
        None,
        "scikit-image data.immunohistochemistry(): stained colonic glands, Center for "
        "Microscopy And Molecular Imaging (CMMI)",
        "no known copyright restrictions",
    ),
    (
        "hubble",
        "train",
        ("skimage", "hubble_deep_field"),
        None,
        "scikit-image data.hubble_deep_field(): Hubble eXtreme Deep Field, NASA",
        "public domain",
    ),
)


def _load_pixels(loader: tuple[str, str]) -> np.ndarray:
    package, name = loader
    if package == "sklearn":
        from sklearn.datasets import load_sample_image

        return load_sample_image(name)
    from skimage import data

    return getattr(data, name)()


@functools.lru_cache(maxsize=1)
def _all_photos() -> tuple[BackgroundPhoto, ...]:
    photos = []
    for name, pool, loader, tint, source, licence in _PHOTOS:
        pixels = np.asarray(_load_pixels(loader))
        if pixels.ndim == 2:
            grey = pixels.astype(np.float32)
            tint = np.asarray(tint or (1.0, 1.0, 1.0), dtype=np.float32)
            pixels = np.clip(grey[..., None] * tint + 0.5, 0, 255).astype(np.uint8)
        pixels = np.ascontiguousarray(pixels[..., :3])
        pixels.setflags(write=False)
        photos.append(BackgroundPhoto(name, pool, pixels, source, licence))
    return tuple(photos)


def background_photos(pool: str | None = None) -> list[BackgroundPhoto]:
    """Return the background photos of a pool (``"train"``, ``"validation"``, ``"test"``).

    The photos ship with scikit-image and scikit-learn (nothing is downloaded). Grey
    photos are given a fixed plausible tint (terracotta bricks, green grass). ``None``
    returns every photo.

    Raises
    ------
    ValueError
        For an unknown pool.
    """
    if pool is not None and pool not in POOLS:
        raise ValueError(f"pool must be one of {POOLS} or None, not {pool!r}.")
    return [photo for photo in _all_photos() if pool is None or photo.pool == pool]


@functools.cache
def _pyramid(name: str) -> tuple[np.ndarray, ...]:
    """The photo as float32 at full, half, quarter ... size (2x2 means), down to ~24 pixels."""
    photo = next(p for p in _all_photos() if p.name == name)
    levels = [photo.pixels.astype(np.float32)]
    while min(levels[-1].shape[:2]) >= 48:
        top = levels[-1]
        h, w = (top.shape[0] // 2) * 2, (top.shape[1] // 2) * 2
        top = top[:h, :w]
        levels.append(
            0.25 * (top[0::2, 0::2] + top[1::2, 0::2] + top[0::2, 1::2] + top[1::2, 1::2])
        )
    return tuple(levels)


# --------------------------------------------------------------------------- sampling


def _bilinear(source: np.ndarray, which: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sample ``source[which[i]]`` at float pixel coordinates ``(ys[i], xs[i])``; edges clamp."""
    _, height, width, channels = source.shape
    ys = np.clip(ys.astype(np.float32), 0, height - 1)
    xs = np.clip(xs.astype(np.float32), 0, width - 1)
    y0 = np.minimum(ys.astype(np.intp), height - 2) if height > 1 else np.zeros(ys.shape, np.intp)
    x0 = np.minimum(xs.astype(np.intp), width - 2) if width > 1 else np.zeros(xs.shape, np.intp)
    fy = (ys - y0)[..., None]
    fx = (xs - x0)[..., None]
    flat = source.reshape(-1, channels)
    corner = (which.astype(np.intp) * height)[:, None, None] + y0
    corner = corner * width + x0
    down, right = (width if height > 1 else 0), (1 if width > 1 else 0)
    top = flat[corner] * (1 - fx) + flat[corner + right] * fx
    bottom = flat[corner + down] * (1 - fx) + flat[corner + down + right] * fx
    return top * (1 - fy) + bottom * fy


def _frame(n: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of an output picture, broadcastable to (n, height, width)."""
    rows = np.arange(height, dtype=np.float32)[None, :, None] + 0.5
    cols = np.arange(width, dtype=np.float32)[None, None, :] + 0.5
    return rows, cols


def _crops(photos, picks, params, height, width) -> np.ndarray:
    """Background crops ``(n, height, width, 3)`` float32 for the chosen photos and crops."""
    n = len(picks)
    out = np.empty((n, height, width, 3), dtype=np.float32)
    rows, cols = _frame(1, height, width)
    zoom, cy, cx, flip = params
    for index, photo in enumerate(photos):
        chosen = np.flatnonzero(picks == index)
        if not len(chosen):
            continue
        levels = _pyramid(photo.name)
        ph, pw = photo.pixels.shape[:2]
        side = zoom[chosen] * min(ph, pw)  # crop height in photo pixels
        step = side / height  # photo pixels per output pixel
        level = np.clip(np.floor(np.log2(np.maximum(step, 1.0))), 0, len(levels) - 1)
        level = level.astype(int)
        crop_w = step * width
        top = cy[chosen] * (ph - side)
        left = cx[chosen] * (pw - np.minimum(crop_w, pw))
        for k in np.unique(level):
            group = chosen[level == k]
            sub = level == k
            factor = 2.0**k
            ys = (top[sub, None, None] + rows * step[sub, None, None]) / factor - 0.5
            u = np.where(flip[group, None, None], width - cols, cols)
            xs = (left[sub, None, None] + u * step[sub, None, None]) / factor - 0.5
            source = levels[k][None]
            out[group] = _bilinear(source, np.zeros(len(group), dtype=int), ys, xs)
    return out


def _place(rgba: np.ndarray, centre_y, centre_x, scale, angle, height, width) -> np.ndarray:
    """Warp premultiplied RGBA fruits ``(n, h, w, 4)`` into ``(n, height, width, 4)`` frames."""
    n, h, w, _ = rgba.shape
    padded = np.pad(rgba, ((0, 0), (1, 1), (1, 1), (0, 0)))  # transparent outside the photo
    rows, cols = _frame(n, height, width)
    dy = rows - centre_y[:, None, None] * height
    dx = cols - centre_x[:, None, None] * width
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    # Inverse mapping: rotate back, then undo the scale (the fruit spans scale * side).
    ry = (cos * dy - sin * dx) / (scale[:, None, None] * height / h)
    rx = (sin * dy + cos * dx) / (scale[:, None, None] * width / w)
    ys = ry + h / 2 - 0.5 + 1
    xs = rx + w / 2 - 0.5 + 1
    return _bilinear(padded, np.arange(n), ys, xs)


# --------------------------------------------------------------------------- scenes


def _draw(rng: np.random.Generator, n: int, settings: ContextSettings, pool_size: int) -> dict:
    """Every random number of ``n`` scenes, drawn at once in a fixed order."""
    s = settings

    def uniform(pair):
        return rng.uniform(pair[0], pair[1], n)

    def signed():
        return rng.uniform(-1.0, 1.0, n)

    params = {
        "photo": rng.permutation(np.arange(n) % pool_size),
        "zoom": uniform(s.background_zoom),
        "crop_y": rng.random(n),
        "crop_x": rng.random(n),
        "flip": rng.random(n) < 0.5,
        "scale": uniform(s.fruit_scale),
        "angle": np.deg2rad(s.rotation) * signed(),
        "shift_y": s.position * signed(),
        "shift_x": s.position * signed(),
        "shadow": s.shadow * rng.uniform(0.6, 1.0, n),
        "shadow_angle": rng.uniform(0, 2 * np.pi, n),
        "shadow_length": rng.uniform(0.03, 0.08, n),
        "occluded": rng.random(n) < s.occlusion,
        "occ_photo": rng.integers(0, pool_size, n),
        "occ_zoom": uniform(s.background_zoom),
        "occ_y": rng.random(n),
        "occ_x": rng.random(n),
        "occ_area": uniform(s.occlusion_size),
        "occ_aspect": rng.uniform(0.35, 1.0, n),
        "occ_angle": rng.uniform(0, np.pi, n),
        "occ_direction": rng.uniform(0, 2 * np.pi, n),
        "occ_distance": rng.uniform(0.55, 0.95, n),
        "warm": s.colour_cast * signed(),
        "green": 0.5 * s.colour_cast * signed(),
        "brightness": s.brightness * signed(),
        "contrast": s.contrast * signed(),
        "saturation": s.saturation * signed(),
        "gradient": s.light_gradient * rng.random(n),
        "gradient_angle": rng.uniform(0, 2 * np.pi, n),
        "blur": rng.random(n),
        "noise": s.noise * rng.random(n),
        "jpeg": (
            rng.integers(s.jpeg_quality[0], s.jpeg_quality[1] + 1, n)
            if s.jpeg_quality
            else np.zeros(n, int)
        ),
        "noise_seed": rng.integers(0, 2**63 - 1, n),
        "white": np.zeros(n, dtype=bool),
    }
    return params


def _compose(images, alpha, photos, p, settings) -> tuple[np.ndarray, np.ndarray]:
    """Compose one chunk of scenes; return uint8 pictures and the share of fruit hidden."""
    from scipy import ndimage

    n, height, width, _ = images.shape
    rows, cols = _frame(n, height, width)
    scale = p["scale"]
    centre_y = 0.5 + p["shift_y"] * (1 - scale) / 2
    centre_x = 0.5 + p["shift_x"] * (1 - scale) / 2

    crop = (p["zoom"], p["crop_y"], p["crop_x"], p["flip"])
    background = _crops(photos, p["photo"], crop, height, width)
    # Augmentation keeps some pictures on white (still moved, lit and blurred).
    background[p["white"]] = 255.0
    colours = _edge_colours(images, alpha)
    rgba = np.concatenate([colours * alpha[..., None], alpha[..., None]], axis=-1)
    fruit = _place(rgba, centre_y, centre_x, scale, p["angle"], height, width)
    fruit_alpha = np.clip(fruit[..., 3], 0.0, 1.0)

    # A soft shadow: the fruit's silhouette, shifted away from the light and blurred.
    if settings.shadow > 0:
        offset_y = np.sin(p["shadow_angle"]) * p["shadow_length"]
        offset_x = np.cos(p["shadow_angle"]) * p["shadow_length"]
        shadow = _place(
            rgba[..., 3:],
            centre_y + offset_y,
            centre_x + offset_x,
            scale,
            p["angle"],
            height,
            width,
        )[..., 0]
        sigma = 0.04 * min(height, width)
        shadow = ndimage.gaussian_filter(shadow, sigma=(0, sigma, sigma), mode="constant")
        background *= (1.0 - p["shadow"][:, None, None] * np.clip(shadow, 0, 1))[..., None]

    scene = fruit[..., :3] + (1.0 - fruit_alpha[..., None]) * background

    hidden = np.zeros(n, dtype=np.float32)
    occluded = np.flatnonzero(p["occluded"])
    if len(occluded):
        o = occluded
        texture = _crops(
            photos,
            p["occ_photo"][o],
            (p["occ_zoom"][o], p["occ_y"][o], p["occ_x"][o], p["flip"][o]),
            height,
            width,
        )
        radius = scale[o] * min(height, width) / 2
        area = p["occ_area"][o] * np.pi * radius**2
        major = np.sqrt(area / (np.pi * p["occ_aspect"][o]))
        minor = major * p["occ_aspect"][o]
        oy = centre_y[o] * height + p["occ_distance"][o] * radius * np.sin(p["occ_direction"][o])
        ox = centre_x[o] * width + p["occ_distance"][o] * radius * np.cos(p["occ_direction"][o])
        cos = np.cos(p["occ_angle"][o])[:, None, None]
        sin = np.sin(p["occ_angle"][o])[:, None, None]
        dy, dx = rows - oy[:, None, None], cols - ox[:, None, None]
        u = (cos * dx + sin * dy) / major[:, None, None]
        v = (-sin * dx + cos * dy) / np.maximum(minor, 0.5)[:, None, None]
        rho = np.sqrt(u**2 + v**2)
        cover = np.clip((1.0 - rho) * minor[:, None, None] + 0.5, 0.0, 1.0).astype(np.float32)
        # The occluder is an object in the light: shade it a little towards its rim.
        texture *= (0.75 + 0.25 * np.sqrt(np.clip(1 - rho**2, 0, 1)))[..., None]
        scene[o] = scene[o] * (1 - cover[..., None]) + texture * cover[..., None]
        hidden[o] = (cover * fruit_alpha[o]).sum(axis=(1, 2)) / np.maximum(
            fruit_alpha[o].sum(axis=(1, 2)), 1e-6
        )

    scene = _light(scene, p, rows / height * 2 - 1, cols / width * 2 - 1)

    if settings.blur > 0:
        sigma = settings.blur * min(height, width) / 100.0
        blurred = ndimage.gaussian_filter(scene, sigma=(0, sigma, sigma, 0), mode="nearest")
        scene += p["blur"][:, None, None, None] * (blurred - scene)
    if settings.noise > 0:
        for i in range(n):
            noise = np.random.default_rng(p["noise_seed"][i]).standard_normal(scene.shape[1:])
            scene[i] += p["noise"][i] * noise.astype(np.float32)
    pictures = np.clip(scene + 0.5, 0, 255).astype(np.uint8)
    if settings.jpeg_quality is not None:
        pictures = _jpeg(pictures, p["jpeg"])
    return pictures, hidden


def _light(scene, p, y, x):
    """One light for the whole scene: saturation, white balance, exposure, gradient, contrast."""
    grey = scene.mean(axis=-1, keepdims=True)
    scene = grey + (scene - grey) * (1 + p["saturation"])[:, None, None, None]
    gains = np.stack(
        [1 + p["warm"] - 0.5 * p["green"], 1 + p["green"], 1 - p["warm"] - 0.5 * p["green"]],
        axis=1,
    ).astype(np.float32)
    direction = (
        np.cos(p["gradient_angle"])[:, None, None] * x
        + np.sin(p["gradient_angle"])[:, None, None] * y
    )
    light = np.exp(p["brightness"])[:, None, None] * (1 + p["gradient"][:, None, None] * direction)
    scene = scene * gains[:, None, None, :] * light[..., None]
    mean = scene.mean(axis=(1, 2, 3), keepdims=True)
    return mean + (scene - mean) * (1 + p["contrast"])[:, None, None, None]


def _jpeg(pictures: np.ndarray, qualities: np.ndarray) -> np.ndarray:
    """Compress and decompress every picture at its JPEG quality."""
    from PIL import Image

    out = np.empty_like(pictures)
    for i, (picture, quality) in enumerate(zip(pictures, qualities, strict=True)):
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format="JPEG", quality=int(quality))
        buffer.seek(0)
        with Image.open(buffer) as decoded:
            out[i] = np.asarray(decoded.convert("RGB"))
    return out


def _as_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (n, height, width, 3), not {images.shape}.")
    if images.size and (images.min() < 0 or images.max() > 255):
        raise ValueError("images must hold 0-255 values (as load_fruits returns them).")
    if min(images.shape[1:3]) < 8:
        raise ValueError(f"images must be at least 8x8 pixels, not {images.shape[1:3]}.")
    return images.astype(np.float32)


def compose_in_context(
    images: np.ndarray,
    *,
    pool: str = "test",
    difficulty: str | ContextSettings = DEFAULT_DIFFICULTY,
    seed: int = 0,
    **overrides,
) -> tuple[np.ndarray, dict]:
    """Put fruits photographed on white into scenes made from one pool of photos.

    The low-level builder behind :func:`load_fruits_in_context` (no cache).

    Parameters
    ----------
    images : array (n, height, width, 3)
        Fruits on white, 0-255.
    pool : {"test", "validation", "train"}
        Which background photos to use.
    difficulty, **overrides
        See :func:`context_settings`.
    seed : int
        Decides every random choice; the same inputs and seed give the same bytes.

    Returns
    -------
    pictures : numpy.ndarray, uint8, same shape as ``images``
    info : dict
        Per picture: ``"background"`` (photo names), ``"hidden"`` (share of the fruit
        behind an occluder), ``"scale"`` and ``"angle"`` (degrees).
    """
    settings = context_settings(difficulty, **overrides)
    images = _as_images(images)
    photos = background_photos(pool)
    rng = np.random.default_rng([seed, _SPLIT_CODES[pool], int(CONTEXTS_VERSION)])
    params = _draw(rng, len(images), settings, len(photos))
    pictures = np.empty(images.shape, dtype=np.uint8)
    hidden = np.zeros(len(images), dtype=np.float32)
    for start in range(0, len(images), _CHUNK):
        part = slice(start, start + _CHUNK)
        chunk = images[part]
        alpha = fruit_masks(chunk)
        p = {key: value[part] for key, value in params.items()}
        pictures[part], hidden[part] = _compose(chunk, alpha, photos, p, settings)
    info = {
        "background": [photos[i].name for i in params["photo"]],
        "hidden": hidden,
        "scale": params["scale"].astype(np.float32),
        "angle": np.rad2deg(params["angle"]).astype(np.float32),
    }
    return pictures, info


# --------------------------------------------------------------------------- the hard sets


@dataclass
class FruitsInContext:
    """The hard validation and test sets, with the fields and pipelines of ``FruitsData``.

    ``x_val``/``x_test`` are ``uint8`` arrays ``(n, height, width, 3)``; ``y_val`` and
    ``y_test`` are the plain splits' labels, in the same order (``class_names`` is the
    same list). ``x_test`` is ``None`` when the plain data has no Test split.
    """

    class_names: list[str]
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    image_size: tuple[int, int]
    batch_size: int
    seed: int
    difficulty: str
    settings: ContextSettings
    root: Path
    cache_file: Path | None = None
    backgrounds: dict[str, list[str]] = field(default_factory=dict)
    hidden: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    from_cache: bool = False

    def pipeline(self, split: str, batch_size: int | None = None):
        """Batched ``tf.data.Dataset`` of ``(float32 images 0-255, labels)``, not shuffled.

        Parameters
        ----------
        split : {"validation", "test"}
        batch_size : int, optional
            Default: the batch size of the plain data.
        """
        import tensorflow as tf

        arrays = {"validation": (self.x_val, self.y_val), "test": (self.x_test, self.y_test)}
        if split not in arrays:
            raise ValueError(f"split must be one of {sorted(arrays)}, not {split!r}.")
        images, labels = arrays[split]
        if images is None:
            raise FileNotFoundError(f"This data has no {split} split (no Test/ in {self.root}).")
        dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))
        dataset = dataset.batch(batch_size or self.batch_size)
        dataset = dataset.map(lambda x, y: (tf.cast(x, tf.float32), y))
        return dataset.prefetch(tf.data.AUTOTUNE)

    @property
    def validation(self):
        """Hard validation batches (``tf.data.Dataset``): choose settings on these."""
        return self.pipeline("validation")

    @property
    def test(self):
        """Hard test batches (``tf.data.Dataset``), or ``None`` without a Test split."""
        return None if self.x_test is None else self.pipeline("test")

    def summary(self) -> str:
        """A few lines: what was built, from which photos, and whether it came from the cache."""
        test = "no Test split" if self.x_test is None else f"{len(self.x_test)} test"
        how = "loaded from the cache" if self.from_cache else "built"
        lines = [
            f"fruits in context ({self.difficulty}): {len(self.x_val)} validation, {test} "
            f"pictures at {self.image_size[0]}x{self.image_size[1]}, {how} in "
            f"{self.seconds:.1f} s"
        ]
        for split, names in self.backgrounds.items():
            lines.append(f"{split} backgrounds: {', '.join(sorted(set(names)))}")
        return "\n".join(lines)


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


def load_fruits_in_context(
    data,
    *,
    difficulty: str | ContextSettings = DEFAULT_DIFFICULTY,
    seed: int = 0,
    cache: bool = True,
    verbose: bool = True,
    **overrides,
) -> FruitsInContext:
    """Build (or load from the cache) the hard validation and test sets for loaded fruits.

    Parameters
    ----------
    data : FruitsData
        From :func:`course_utils.datasets.load_fruits`: its validation split becomes
        the hard validation set (``"validation"`` photos), its Test split the hard Test
        (``"test"`` photos). Any source works: real, a copy, generated.
    difficulty : {"easy", "medium", "hard"} or ContextSettings
        The preset (see :data:`PRESETS`).
    seed : int
        Decides the scenes; the same data, settings and seed give the same pictures.
    cache : bool
        Read and write ``<data folder>/contexts/`` (see :func:`cache_folder`).
    verbose : bool
        Print the summary.
    **overrides
        Knobs of :class:`ContextSettings` that differ from the preset.

    Returns
    -------
    FruitsInContext

    Raises
    ------
    ValueError
        For an unknown preset or knob, or a value out of range.

    Examples
    --------
    >>> hard = load_fruits_in_context(data, difficulty="hard")    # doctest: +SKIP
    >>> model.evaluate(hard.test)                                 # doctest: +SKIP
    """
    settings = context_settings(difficulty, **overrides)
    name = difficulty if isinstance(difficulty, str) and not overrides else "custom"
    if data.x_val is None or len(data.x_val) == 0:
        raise ValueError(
            "The data has no validation split: load it with validation_fraction > 0 "
            "(the default 0.2), so the hard validation set can be built."
        )
    started = time.perf_counter()
    stamp = _stamp(data, settings, name, seed)
    path = _cache_path(stamp)
    stored = _read_cache(path, stamp) if cache else None
    from_cache = stored is not None
    if stored is None:
        stored = {}
        for split, images in (("validation", data.x_val), ("test", data.x_test)):
            if images is None:
                continue
            pictures, info = compose_in_context(images, pool=split, difficulty=settings, seed=seed)
            stored[f"x_{split}"] = pictures
            stored[f"background_{split}"] = np.array(info["background"])
            stored[f"hidden_{split}"] = info["hidden"]
        if cache:
            _write_cache(path, stamp, stored)
    has_test = "x_test" in stored
    hard = FruitsInContext(
        class_names=list(data.class_names),
        x_val=stored["x_validation"],
        y_val=np.asarray(data.y_val).copy(),
        x_test=stored["x_test"] if has_test else None,
        y_test=np.asarray(data.y_test).copy() if has_test else None,
        image_size=tuple(data.image_size),
        batch_size=data.batch_size,
        seed=seed,
        difficulty=name,
        settings=settings,
        root=Path(data.root),
        cache_file=path if cache else None,
        backgrounds={
            split: [str(b) for b in stored[f"background_{split}"]]
            for split in SPLITS
            if f"background_{split}" in stored
        },
        hidden={
            split: stored[f"hidden_{split}"] for split in SPLITS if f"hidden_{split}" in stored
        },
        seconds=time.perf_counter() - started,
        from_cache=from_cache,
    )
    if verbose:
        print(hard.summary())
    return hard


def clear_cache() -> list[Path]:
    """Delete every cached hard set; return the files removed."""
    folder = paths.data_dir(create=False) / CACHE_FOLDER
    removed = sorted(folder.glob("fruits-in-context-*.npz")) if folder.is_dir() else []
    for path in removed:
        path.unlink()
    return removed


def show_in_context(
    hard: FruitsInContext,
    *,
    split: str = "test",
    count: int = 16,
    plain=None,
    ncols: int = 8,
    seed: int = 0,
):
    """Show hard pictures with their class names; with ``plain``, each above its plain twin.

    Parameters
    ----------
    hard : FruitsInContext
    split : {"test", "validation"}
    count : int
        How many pictures (chosen at random, seeded, spread over the classes).
    plain : FruitsData, optional
        The plain data: then rows alternate plain and in-context versions of the same fruit.
    ncols : int
        Pictures per row.
    seed : int
        Which pictures are shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from course_utils import plotting

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}.")
    images = hard.x_test if split == "test" else hard.x_val
    labels = hard.y_test if split == "test" else hard.y_val
    if images is None or len(images) == 0:
        raise ValueError(f"There are no {split} pictures to show.")
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}.")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=min(count, len(images)), replace=False))
    names = [hard.class_names[label] for label in labels[chosen]]
    if plain is None:
        return plotting.show_images(
            list(images[chosen]),
            titles=names,
            ncols=ncols,
            suptitle=f"Fruits in context ({hard.difficulty}, {split})",
        )
    plain_images = plain.x_test if split == "test" else plain.x_val
    if plain_images is None or len(plain_images) != len(images):
        raise ValueError("plain must be the FruitsData the hard sets were built from.")
    shown, titles = [], []
    for start in range(0, len(chosen), ncols):
        row = chosen[start : start + ncols]
        shown += [plain_images[i] for i in row] + [images[i] for i in row]
        row_names = [hard.class_names[label] for label in labels[row]]
        titles += [f"{n}\nplain" for n in row_names] + [f"{n}\nin context" for n in row_names]
    return plotting.show_images(
        shown,
        titles=titles,
        ncols=min(ncols, len(chosen)),
        suptitle=f"The same {split} fruits, plain and in context ({hard.difficulty})",
    )


# --------------------------------------------------------------------------- augmentation


class BackgroundReplacer:
    """Training-time augmentation: new backgrounds from the ``"train"`` pool, new light.

    Each call cuts the fruits out of their white background and puts them in scenes
    made, like the hard sets, from the ``"train"`` photos only (never a validation or
    test photo), with the colour jitter of the settings (cast, brightness, contrast,
    saturation). A share ``1 - probability`` of the pictures stays on white but is
    still moved and lit. A new random scene every call.

    Parameters
    ----------
    difficulty, **overrides
        See :func:`context_settings`.
    probability : float
        Share of pictures that get a new background.
    seed : int, optional
        Seeds the sequence of calls (the same seed and calls give the same batches).

    Examples
    --------
    >>> replace = BackgroundReplacer(seed=0)
    >>> batch = np.full((2, 32, 32, 3), 255, dtype=np.uint8); batch[:, 8:24, 8:24] = (200, 40, 30)
    >>> replace(batch).shape
    (2, 32, 32, 3)
    """

    pool = "train"

    def __init__(
        self,
        *,
        difficulty: str | ContextSettings = DEFAULT_DIFFICULTY,
        probability: float = 0.8,
        seed: int | None = None,
        **overrides,
    ):
        _check_value("probability", probability, 0.0, 1.0)
        self.settings = context_settings(difficulty, **overrides)
        self.probability = probability
        self.photos = background_photos(self.pool)
        self.rng = np.random.default_rng(seed)

    def __call__(self, images) -> np.ndarray:
        """Return the batch in new scenes: ``float32`` 0-255, same shape."""
        images = _as_images(images)
        if len(images) == 0:
            return images
        params = _draw(self.rng, len(images), self.settings, len(self.photos))
        params["white"] = self.rng.random(len(images)) >= self.probability
        alpha = fruit_masks(images)
        pictures, _ = _compose(images, alpha, self.photos, params, self.settings)
        return pictures.astype(np.float32)

    def map(self, dataset):
        """Apply to a batched ``tf.data.Dataset`` of ``(images, labels)`` (e.g. ``data.train``)."""
        import tensorflow as tf

        def augment(images, labels):
            out = tf.numpy_function(self, [images], tf.float32, stateful=True)
            out.set_shape(images.shape)
            return out, labels

        return dataset.map(augment).prefetch(tf.data.AUTOTUNE)


def replace_backgrounds(images, *, seed: int | None = None, **options) -> np.ndarray:
    """One batch through a :class:`BackgroundReplacer` (``options``: its parameters)."""
    return BackgroundReplacer(seed=seed, **options)(images)
