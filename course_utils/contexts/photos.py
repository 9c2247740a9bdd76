"""The background photos: real photos that ship with scikit-image and scikit-learn, in pools.

Each photo has a name, a pool, a source and a licence (only photos whose licence the
packages state are used). The pools are disjoint: ``"test"`` photos build the hard Test,
``"validation"`` photos the hard validation set, and only ``"train"`` photos may be used
by training-time augmentation. Grey photos get a fixed plausible tint. A pyramid of
2x-downsampled copies per photo lets crops be sampled without aliasing.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np

POOLS = ("train", "validation", "test")
"""The three disjoint pools of background photos."""


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
