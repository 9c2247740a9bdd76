"""The knobs of a scene: :class:`ContextSettings`, the presets easy/medium/hard, the default.

Every number that decides how hard the hard test is lives here: fruit scale, rotation,
position, background zoom, the light (colour cast, brightness, contrast, saturation,
gradient), shadow, blur, noise, JPEG quality and occlusion. :data:`PRESETS` names three
sets of them; :data:`DEFAULT_DIFFICULTY` is the one every function of the package uses
unless told otherwise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


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

    fruit_scale: tuple[float, float] = (0.8, 1.0)
    rotation: float = 20.0
    position: float = 0.4
    background_zoom: tuple[float, float] = (0.3, 0.7)
    colour_cast: float = 0.08
    brightness: float = 0.15
    contrast: float = 0.15
    saturation: float = 0.15
    light_gradient: float = 0.15
    shadow: float = 0.4
    blur: float = 0.5
    noise: float = 3.0
    jpeg_quality: tuple[int, int] | None = (70, 92)
    occlusion: float = 0.1
    occlusion_size: tuple[float, float] = (0.1, 0.2)

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
        fruit_scale=(0.9, 1.0),
        rotation=10.0,
        position=0.25,
        background_zoom=(0.3, 0.7),
        colour_cast=0.04,
        brightness=0.08,
        contrast=0.08,
        saturation=0.08,
        light_gradient=0.08,
        shadow=0.3,
        blur=0.3,
        noise=2.0,
        jpeg_quality=(80, 95),
        occlusion=0.0,
        occlusion_size=(0.1, 0.2),
    ),
    "medium": ContextSettings(),
    "hard": ContextSettings(
        fruit_scale=(0.45, 0.8),
        rotation=45.0,
        position=0.7,
        background_zoom=(0.2, 0.55),
        colour_cast=0.12,
        brightness=0.25,
        contrast=0.2,
        saturation=0.2,
        light_gradient=0.25,
        shadow=0.5,
        blur=0.8,
        noise=4.0,
        jpeg_quality=(55, 90),
        occlusion=0.3,
        occlusion_size=(0.1, 0.25),
    ),
}
"""Three difficulties; ``"medium"`` (the field defaults of :class:`ContextSettings`) is the
default of every function here.

Chosen by measurement (``benchmarks/measure_hard_test.py``, lesson-04 CNN trained on plain
Training, 32x32, 12 epochs; hard validation, real sample / generated fruits): the fruit's
size is the knob that matters most (a CNN that only saw fruits filling the frame does not
recognise smaller ones). ``"easy"``: about the fruit's own size on a new background.
``"medium"``: a little smaller, moved, turned and lit, rarely hidden; the plain CNN keeps
roughly half to two thirds of its accuracy, pixel baselines fall further, and
background-replacement augmentation wins back most of the gap. ``"hard"``: half-size fruits,
anywhere, often hidden; the plain CNN is near chance there and augmentation recovers part.
"""

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
