"""The data augmentation of lesson 04 as one description: Keras layers and their code.

:func:`augmentation_code` writes the preprocessing layers for given strengths as lines
of Python a student can copy; :func:`augmentation_layers` builds exactly those layers
(Keras is imported only then). Both read one private specification, so they cannot
disagree. The augmentation preview widget shows both.
"""

from __future__ import annotations


def _augmentation_spec(
    *,
    rotation: float = 0.0,
    zoom: float = 0.0,
    translation: float = 0.0,
    brightness: float = 0.0,
    contrast: float = 0.0,
    flip: bool = False,
    seed: int = 0,
    fill_mode: str = "nearest",
) -> list[tuple[str, tuple, dict]]:
    """The augmentation layers as ``(class name, arguments, keyword arguments)``.

    The one description behind both :func:`augmentation_code` and :func:`augmentation_layers`.
    """
    fill = {"fill_mode": fill_mode}
    spec = []
    if flip:
        spec.append(("RandomFlip", ("horizontal",), {"seed": seed}))
    if rotation:
        spec.append(("RandomRotation", (rotation / 360,), {**fill, "seed": seed + 1}))
    if zoom:
        spec.append(("RandomZoom", (zoom,), {**fill, "seed": seed + 2}))
    if translation:
        spec.append(("RandomTranslation", (translation, translation), {**fill, "seed": seed + 3}))
    if brightness:
        bounds = (0.0, brightness) if brightness > 0 else (brightness, 0.0)
        spec.append(("RandomBrightness", (bounds,), {"value_range": (0, 255), "seed": seed + 4}))
    if contrast:
        spec.append(("RandomContrast", (contrast,), {"value_range": (0, 255), "seed": seed + 5}))
    return spec


def _literal(value) -> str:
    """Python source for a value of the spec: 4 significant digits for floats."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(item) for item in value) + ")"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def augmentation_code(**settings) -> list[str]:
    """The Keras preprocessing layers for the given strengths, as lines of Python.

    A strength of 0 adds no layer. :func:`augmentation_layers` builds exactly these.

    Parameters (keyword only)
    ----------
    rotation : float
        Largest rotation in degrees, either way (``RandomRotation(factor=rotation / 360)``,
        a fraction of a full turn).
    zoom : float
        Largest zoom in or out, as a fraction of the size.
    translation : float
        Largest shift, as a fraction of the height and width.
    brightness : float
        From -1 to 1: positive makes every copy brighter by up to this fraction of the
        0-255 range, negative darker (``RandomBrightness(factor=(0, b))`` or ``(b, 0)``).
    contrast : float
        Contrast factor drawn from ``[1 - contrast, 1 + contrast]``.
    flip : bool
        Mirror left-right half of the time.
    seed : int
        Seeds every layer, so the same settings give the same pictures.
    fill_mode : str
        How pixels that come from outside the picture are filled; ``"nearest"`` repeats
        the border, which is white on Fruits-360.

    Examples
    --------
    >>> augmentation_code(rotation=36, flip=True)
    ['layers.RandomFlip("horizontal", seed=0)', \
'layers.RandomRotation(0.1, fill_mode="nearest", seed=1)']
    """
    lines = []
    for name, args, kwargs in _augmentation_spec(**settings):
        parts = [_literal(a) for a in args] + [f"{k}={_literal(v)}" for k, v in kwargs.items()]
        lines.append(f"layers.{name}({', '.join(parts)})")
    return lines


def augmentation_layers(**settings) -> list:
    """Build the layers that :func:`augmentation_code` writes out (same keyword arguments).

    Returns
    -------
    list of keras layers (empty when every strength is 0)
    """
    from keras import layers

    return [
        getattr(layers, name)(*args, **kwargs)
        for name, args, kwargs in _augmentation_spec(**settings)
    ]
