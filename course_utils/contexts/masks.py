"""Fruit masks: which pixels of a Fruits-360 photo are fruit and which are its white studio.

The distance of each pixel from the photo's own white (CIE Lab), hysteresis thresholds
(pale stems and highlights survive when they touch clearly coloured pixels), a closing,
the largest connected pieces, holes filled, and a soft one-pixel edge whose colours come
from the inner neighbours (no white halo on a dark background). Batched: 3-D
``scipy.ndimage`` labels whose structuring element never connects two images.
"""

from __future__ import annotations

import numpy as np


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
