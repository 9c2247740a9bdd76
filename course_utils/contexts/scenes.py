"""Composing scenes: a fruit cut from its white background, set into a photo, under one light.

:func:`compose_in_context` is the low-level builder (no cache): it draws every random
number of a batch at once (seeded, in a fixed order), then crops a background, places the
fruit (scale, shift, rotation), adds a soft shadow and sometimes an occluder, applies one
light (white balance, exposure, gradient, contrast, saturation), blur, sensor noise and
JPEG compression.
"""

from __future__ import annotations

import io

import numpy as np

from course_utils.contexts.masks import _edge_colours, fruit_masks
from course_utils.contexts.photos import background_photos
from course_utils.contexts.settings import DEFAULT_DIFFICULTY, ContextSettings, context_settings
from course_utils.contexts.warp import _crops, _frame, _place

CONTEXTS_VERSION = "2"
"""Version of the building code; bumped whenever the pictures it makes change.

It seeds the scenes and is part of the cache stamp, so a new version never loads
pictures cached by an old one.
"""

_SPLIT_CODES = {"validation": 1, "test": 2, "train": 3}
_CHUNK = 512  # images composed at a time (bounds memory; results do not depend on it)


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
