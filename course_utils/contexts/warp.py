"""Resampling for the scenes: bilinear sampling, background crops, placing a fruit.

Vectorised over a batch: each output pixel is mapped back into its source (a photo at
the right pyramid level, or the fruit's photo with its alpha) and sampled bilinearly.
"""

from __future__ import annotations

import numpy as np

from course_utils.contexts.photos import _pyramid


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
