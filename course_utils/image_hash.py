"""Perceptual hashes of photos and groups of near-duplicates (dHash, Pillow and NumPy only).

A *difference hash* (dHash) shrinks a photo to 9x8 gray pixels and keeps, for each of the
64 pairs of horizontal neighbours, one bit: is the left pixel brighter than the right?
Re-saving a photo as JPEG, resizing it, or brightening it a little changes few of these
bits; another photo changes about half of them. Two photos whose hashes differ in at most
:data:`NEAR_DUPLICATE_BITS` bits (their Hamming distance) are treated as near-duplicates.

Why not a library: ``imagehash`` is not a course dependency, and dHash is ten lines of
NumPy; it is robust to resizing and recompression, which is what copies of one phone
photo go through, but not to crops or rotations (a cropped copy is a new photo to it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

HASH_BITS = 64
NEAR_DUPLICATE_BITS = 6
"""Largest Hamming distance (of 64 bits) at which two photos count as near-duplicates."""


def dhash(image) -> int:
    """Return the 64-bit difference hash of an RGB or gray image (array or Pillow image).

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (64, 1))
    >>> dhash(ramp) == dhash(ramp[::2, ::2])           # the same picture, half the size
    True
    """
    picture = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    gray = picture.convert("L").resize((9, 8), Image.Resampling.BOX)
    pixels = np.asarray(gray, dtype=np.int16)
    bits = (pixels[:, :-1] > pixels[:, 1:]).ravel()
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def hamming(first: int, second: int) -> int:
    """Number of bits in which two hashes differ."""
    return (int(first) ^ int(second)).bit_count()


def near_duplicate_groups(
    hashes: Sequence[int], *, max_bits: int = NEAR_DUPLICATE_BITS
) -> list[list[int]]:
    """Group indices whose hashes are within ``max_bits`` of each other (transitively).

    Returns only groups of two or more, each sorted, largest first. Pairs are compared
    all against all (fine for the few thousand photos of a personal project).

    Examples
    --------
    >>> near_duplicate_groups([0b0, 0b1, 0xFFFF, 0b11], max_bits=1)
    [[0, 1, 3]]
    """
    if max_bits < 0 or max_bits >= HASH_BITS:
        raise ValueError(f"max_bits must be between 0 and {HASH_BITS - 1}, not {max_bits}.")
    count = len(hashes)
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    values = np.array([int(h) for h in hashes], dtype=np.uint64)
    for i in range(count):
        distance = _popcount(values[i + 1 :] ^ values[i])
        for j in np.flatnonzero(distance <= max_bits) + i + 1:
            parent[root(int(j))] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(count):
        groups.setdefault(root(i), []).append(i)
    found = [sorted(group) for group in groups.values() if len(group) > 1]
    return sorted(found, key=lambda group: (-len(group), group[0]))


def _popcount(values: np.ndarray) -> np.ndarray:
    """Bits set in each uint64 (vectorised)."""
    as_bytes = values.view(np.uint8).reshape(len(values), 8)
    return np.unpackbits(as_bytes, axis=1).sum(axis=1)
