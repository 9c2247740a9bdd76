"""Drawing fruits that look like Fruits-360 photos, for when no photos are at hand.

Offline workshop rooms and CI cannot download Fruits-360, so the course can draw its own
fruits instead: the same 16 class names (:data:`course_utils.WORKSHOP_CLASSES`), written
in the same folder layout by :mod:`course_utils.generated_fruits`, so every loading line
of the notebooks works on both. This module is one family: the difficulty knobs, the
drawing canvas and one painter per fruit class, and :func:`render_fruit` that puts them
together (for the dataset writer's old names see the end of the module).

Each picture shows one fruit, centred, filling most of the frame, on a white background,
like a Fruits-360 photo. The fruits are painted with NumPy from simple shapes, shading and
noise: a banana is a crescent with dark tips, a pineapple has diamond scales and a crown,
a strawberry has seeds and a green calyx. Raspberries are magenta-purple, the colour they
have in the Fruits-360 version the course uses. Clementine, Mandarine and Orange are
deliberately close (colour, size, peel), so a classifier confuses them, as it does on the
real photos.

The classic difficulties of image classification are knobs of :class:`Difficulty`
(0 means off, 1 means strong), so a lesson can switch each one on and watch what it does
(see :func:`difficulty_examples`).

Everything is deterministic: each image has its own random generator derived from
``(seed, split, class, index)``, so the same settings give byte-identical files, however
many worker processes draw them.

Examples
--------
>>> import numpy as np
>>> image = render_fruit("Banana", np.random.default_rng(0), size=64)
>>> image.shape, image.dtype.name
((64, 64, 3), 'uint8')
"""

from __future__ import annotations

import colorsys
import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from PIL import Image

from course_utils import WORKSHOP_CLASSES

GENERATOR_VERSION = "1.1"
"""Version of the drawing code; bumped whenever the generated images change."""

IMAGE_SIZE = 100
"""Side of the generated images in pixels, as in Fruits-360."""

_SUPERSAMPLE = 2  # draw at twice the size, then average 2x2 blocks (antialiasing)
_TEXTURE_SPAN = 1.3  # textures cover fruit coordinates [-1.3, 1.3]


# ----------------------------------------------------------------------------------------
# The difficulty knobs
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Difficulty:
    """How hard the generated pictures are: six knobs from 0 (off) to 1 (strong).

    Parameters
    ----------
    illumination : float
        Light direction, brightness, ambient light and colour cast change per picture.
        At 0 every fruit is lit the same way, from the upper left.
    deformation : float
        Fruits are squashed, stretched and lumpy. At 0 each class has its own clean shape.
    occlusion : float
        A rounded bar (a finger, a stick) reaches in from the edge of the picture and
        covers part of the fruit: about a tenth of it at 0.5, about a third at 1.
    clutter : float
        The white background fills with coloured shapes and a tinted, textured surface.
    intra_class : float
        Fruits of one class differ in colour, size, proportions, blush, spots and peel.
        At 0 every fruit of a class has the same colour and shape (only the fine texture
        differs, like two photos of the same fruit).
    pose : float
        Position, scale and in-plane rotation. At 0 the fruit is upright, centred and full
        size; at 1 it is turned any way, shifted and up to 40% smaller.

    Raises
    ------
    ValueError
        When a knob is not a number between 0 and 1.

    Examples
    --------
    >>> Difficulty(pose=1.0).pose
    1.0
    >>> Difficulty().occlusion
    0.0
    """

    illumination: float = 0.0
    deformation: float = 0.0
    occlusion: float = 0.0
    clutter: float = 0.0
    intra_class: float = 0.0
    pose: float = 0.0

    def __post_init__(self) -> None:
        for name in KNOBS:
            value = getattr(self, name)
            valid_type = isinstance(value, (int, float, np.integer, np.floating))
            if isinstance(value, bool) or not valid_type or not 0.0 <= float(value) <= 1.0:
                raise ValueError(
                    f"Difficulty.{name} must be a number from 0 (off) to 1 (strong), got {value!r}."
                )
            object.__setattr__(self, name, float(value))

    def as_dict(self) -> dict[str, float]:
        """Return the knobs as a plain dictionary (what ``generator.json`` stores)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_value(cls, value: Difficulty | Mapping[str, float]) -> Difficulty:
        """Return ``value`` as a :class:`Difficulty`; a dictionary of knobs is accepted.

        Raises
        ------
        ValueError
            When ``value`` names an unknown knob or is neither a Difficulty nor a mapping.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(KNOBS))
            if unknown:
                raise ValueError(f"Unknown difficulty knob(s) {unknown}; valid knobs: {KNOBS}.")
            return cls(**value)
        raise ValueError(
            f"difficulty must be a Difficulty or a dict of knobs, got {type(value).__name__}."
        )


KNOBS = ("illumination", "deformation", "occlusion", "clutter", "intra_class", "pose")
"""The names of the difficulty knobs, in the order of :class:`Difficulty`."""

DEFAULT_DIFFICULTY = Difficulty(
    illumination=0.4,
    deformation=0.25,
    occlusion=0.0,
    clutter=0.0,
    intra_class=0.35,
    pose=0.35,
)
"""The course's setting: clean like Fruits-360, yet not trivial for a small CNN.

Measured on the default dataset (200 training and 50 test pictures per class): a
3-convolution Keras CNN trained for 30 epochs on a 2-core CPU (about 1 minute at 32x32
pixels, 2 minutes at 48x48) reaches about 90% test accuracy at 32x32 and 93% at 48x48;
most of its mistakes mix up Clementine, Mandarine and Orange.
"""


# ----------------------------------------------------------------------------------------
# Small numerical helpers
# ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return read-only pixel-centre coordinates ``x, y`` in [-1, 1] (y points down)."""
    coords = (np.arange(n, dtype=np.float32) + 0.5) * (2.0 / n) - 1.0
    y, x = np.meshgrid(coords, coords, indexing="ij")
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], n: int) -> np.ndarray:
    """Return an ``n x n`` bicubic upsampling of a random ``shape`` grid, standardised.

    Few grid cells give large blobs; a grid with fewer rows than columns gives horizontal
    streaks.
    """
    cells = rng.random(shape, dtype=np.float32)
    if shape != (n, n):
        picture = Image.fromarray(cells, mode="F").resize((n, n), Image.Resampling.BICUBIC)
        cells = np.asarray(picture, dtype=np.float32)
    sample = cells[::3, ::3]  # statistics of a ninth of the pixels are close enough
    return (cells - sample.mean()) / (sample.std() + 1e-6)


def _hsv(hue: float, saturation: float, value: float) -> np.ndarray:
    """Return an RGB colour (float32, 0-1) from hue, saturation and value in 0-1."""
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, min(max(saturation, 0.0), 1.0), value)
    return np.array([red, green, blue], dtype=np.float32)


def _mix(first: np.ndarray, second: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Blend two colours (or colour images) per pixel: 0 gives ``first``, 1 ``second``."""
    amount = np.clip(amount, 0.0, 1.0)[..., None]
    return first + (second - first) * amount


def _smoothstep(edge0: float, edge1: float, values: np.ndarray) -> np.ndarray:
    """Return 0 below ``edge0``, 1 above ``edge1`` and a smooth ramp in between."""
    t = np.clip((values - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _cell_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return a pseudo-random number in [0, 1) for each lattice cell ``(a, b)``."""
    value = np.sin(a * 12.9898 + b * 78.233) * 43758.547
    return value - np.floor(value)


def _hex_lattice(
    a: np.ndarray, b: np.ndarray, spacing: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets from the nearest centre of a hexagonal lattice, and a random value per cell.

    Returns ``(da, db, cell)`` where ``da, db`` are in units of ``spacing``.
    """
    row_height = spacing * math.sqrt(3.0) / 2.0
    first_row = np.floor(b / row_height)
    best = None
    for step in (0.0, 1.0):
        row = first_row + step
        shift = (row % 2.0) * (spacing / 2.0)
        column = np.round((a - shift) / spacing)
        da = (a - shift) / spacing - column
        db = (b - row * row_height) / spacing
        distance = da * da + db * db
        if best is None:
            best = [da, db, distance, column, row]
            continue
        closer = distance < best[2]
        for index, value in enumerate((da, db, distance, column, row)):
            best[index] = np.where(closer, value, best[index])
    da, db, _, column, row = best
    return da, db, _cell_hash(column, row)


# ----------------------------------------------------------------------------------------
# The canvas: one picture's coordinates, pose, light and random textures
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Body:
    """A fruit silhouette: coverage, normalised radius and a sphere-like surface normal."""

    alpha: np.ndarray
    radius: np.ndarray
    nx: np.ndarray
    ny: np.ndarray
    nz: np.ndarray


class _Canvas:
    """Everything a painter needs to draw one fruit.

    ``u, v`` are fruit coordinates of every (supersampled) pixel: the fruit is drawn
    upright around the origin with a radius of about 0.9, and the pose (position, scale,
    rotation) and the deformation are already applied to the grid. ``light`` is the light
    direction in fruit coordinates.
    """

    def __init__(self, rng: np.random.Generator, difficulty: Difficulty, size: int) -> None:
        self.rng = rng
        self.difficulty = difficulty
        self.n = size * _SUPERSAMPLE
        self.texture_size = int(round(self.n * _TEXTURE_SPAN))
        # Separate streams for the optional parts (deformation, background, occluder), so
        # switching a knob on or off never changes the other random draws.
        self.side_seeds = [int(seed) for seed in rng.integers(0, 2**63, size=3)]
        self._place()
        self._deform()
        self._light()
        self._index = self._texture_index(0.0)

    # -- set-up ---------------------------------------------------------------------------

    def _place(self) -> None:
        """Draw the pose: rotation, scale and shift (all zero when the knob is 0)."""
        knob, rng = self.difficulty.pose, self.rng
        self.angle = knob * math.pi * rng.uniform(-1.0, 1.0)
        self.scale = 1.0 - 0.4 * knob * rng.uniform(0.0, 1.0) ** 2
        shift = 0.2 * knob * rng.uniform(-1.0, 1.0, size=2)
        x, y = _grid(self.n)
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        dx, dy = x - np.float32(shift[0]), y - np.float32(shift[1])
        self.u = (cos * dx + sin * dy) / self.scale
        self.v = (-sin * dx + cos * dy) / self.scale
        self.pixel = 2.0 / (self.n * self.scale)  # one pixel in fruit units

    def _deform(self) -> None:
        """Warp the grid with smooth random displacements; add lumps to the outline."""
        knob = self.difficulty.deformation
        rng = np.random.default_rng(self.side_seeds[0])  # used only here: skipping is safe
        self.lumps = []
        if knob == 0.0:
            return
        warp_u = _smooth_noise(rng, (3, 3), self.n)
        warp_v = _smooth_noise(rng, (3, 3), self.n)
        squash = math.exp(0.2 * knob * np.clip(rng.standard_normal(), -1.2, 1.2))
        keep_inside = math.sqrt(max(squash, 1.0 / squash))  # a stretched fruit shrinks a bit
        self.u = self.u * (squash * keep_inside) + (0.05 * knob) * warp_u
        self.v = self.v * (keep_inside / squash) + (0.05 * knob) * warp_v
        self.lumps = [
            (order, 0.04 * knob * rng.standard_normal(), rng.uniform(0.0, 2.0 * math.pi))
            for order in (2, 3, 4)
        ]

    def _light(self) -> None:
        """Draw the light: direction, ambient share, brightness and colour cast."""
        knob, rng = self.difficulty.illumination, self.rng
        azimuth = math.radians(225.0) + knob * math.pi * rng.uniform(-1.0, 1.0)
        elevation = 0.75 + 0.45 * knob * rng.uniform(-1.0, 1.0)
        self.ambient = 0.42 + 0.2 * knob * rng.uniform(-1.0, 1.0)
        self.gain = math.exp(0.3 * knob * rng.standard_normal())
        self.cast = np.exp(0.08 * knob * rng.standard_normal(3)).astype(np.float32)
        lx = math.cos(azimuth) * math.sin(elevation)
        ly = math.sin(azimuth) * math.sin(elevation)
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        light = np.array([cos * lx + sin * ly, -sin * lx + cos * ly, math.cos(elevation)])
        half = light + np.array([0.0, 0.0, 1.0])
        self.light = light.astype(np.float32)
        self.half = (half / np.linalg.norm(half)).astype(np.float32)

    def _texture_index(self, angle: float) -> np.ndarray:
        """Flat indices into a texture that lies in fruit coordinates turned by ``angle``."""
        cos, sin = math.cos(angle), math.sin(angle)
        u, v = (cos * self.u + sin * self.v), (-sin * self.u + cos * self.v)
        per_unit = self.texture_size / (2.0 * _TEXTURE_SPAN)
        last = self.texture_size - 1
        iu = np.clip(((u + _TEXTURE_SPAN) * per_unit).astype(np.int32), 0, last)
        iv = np.clip(((v + _TEXTURE_SPAN) * per_unit).astype(np.int32), 0, last)
        return iv * self.texture_size + iu

    # -- random draws the painters use ----------------------------------------------------

    def vary(self, mean: float, spread: float) -> float:
        """Return ``mean`` varied per fruit by the intra-class knob.

        ``spread`` is the typical change at ``intra_class=0.5``; it doubles at 1 and is
        0 at 0. Extreme draws are capped at twice the typical change.
        """
        step = float(np.clip(self.rng.standard_normal(), -2.0, 2.0))
        return mean + spread * (2.0 * self.difficulty.intra_class) * step

    def colour(
        self, hsv: tuple[float, float, float], spread: tuple[float, float, float]
    ) -> np.ndarray:
        """Return an RGB colour near ``hsv``, varied per fruit by the intra-class knob."""
        hue, saturation, value = (self.vary(m, s) for m, s in zip(hsv, spread, strict=True))
        return _hsv(hue, saturation, min(value, 1.0))

    def chance(self, probability: float) -> bool:
        """Return True with ``probability`` (always draws one number)."""
        return bool(self.rng.random() < probability)

    def noise(self, cells: int | tuple[int, int], angle: float = 0.0) -> np.ndarray:
        """Standardised noise painted on the fruit (it turns and warps with the fruit).

        ``cells`` is the number of random values across the texture: 4 gives large
        patches, 150 a fine grain; a ``(rows, columns)`` pair gives streaks.
        """
        shape = (cells, cells) if isinstance(cells, int) else cells
        texture = _smooth_noise(self.rng, shape, self.texture_size).ravel()
        index = self._index if angle == 0.0 else self._texture_index(angle)
        return texture.take(index)

    def bump(self, cells: int, strength: float) -> tuple[np.ndarray, np.ndarray]:
        """Return the slope ``(du, dv)`` of a random bumpy surface (dimples, pores)."""
        height = _smooth_noise(self.rng, (cells, cells), self.texture_size)
        slope_v, slope_u = np.gradient(height)
        scale = strength * cells / self.texture_size
        index = self._index
        return slope_u.ravel().take(index) * scale, slope_v.ravel().take(index) * scale

    def angle_noise(self, count: int) -> np.ndarray:
        """Return random values indexed by the polar angle around the fruit centre."""
        values = self.rng.random(count, dtype=np.float32)
        angle = np.arctan2(self.v, self.u)
        index = ((angle + math.pi) * (count / (2.0 * math.pi))).astype(np.int32) % count
        return values[index]


# ----------------------------------------------------------------------------------------
# Shapes and shading shared by the painters
# ----------------------------------------------------------------------------------------


def _body(
    canvas: _Canvas,
    width: float,
    height: float,
    *,
    power: float = 2.0,
    egg: float = 0.0,
    tips: tuple[float, float] = (0.0, 0.0),
    tip_sharpness: float = 8.0,
    lumps: float = 0.0,
    offset: float = 0.0,
    edge: np.ndarray | None = None,
) -> _Body:
    """Return a rounded fruit silhouette with a sphere-like normal.

    Parameters
    ----------
    width, height : float
        Half-width and half-height in fruit units (0.9 fills 90% of the frame).
    power : float
        2 for an ellipse, more for a boxy outline, less for a diamond.
    egg : float
        Positive makes the bottom fuller than the top, negative the top.
    tips : (float, float)
        How far pointed tips stick out at the top and at the bottom (lemon, strawberry).
    tip_sharpness : float
        How narrow the tips are: 8 gives a cone, 50 a small nipple.
    lumps : float
        Random lumpiness of the outline (a mandarine); deformation adds more.
    offset : float
        Vertical position of the centre.
    edge : array, optional
        Relative outline change per pixel (a fuzzy or hairy edge).
    """
    u, v = canvas.u, canvas.v - np.float32(offset)
    rho = np.sqrt(u * u + v * v) + np.float32(1e-6)
    cos, sin = u / rho, v / rho
    if power == 2.0:
        reach = 1.0 / np.sqrt((cos / width) ** 2 + (sin / height) ** 2)
    else:
        reach = (np.abs(cos / width) ** power + np.abs(sin / height) ** power) ** (-1.0 / power)
    if egg:
        reach = reach * (1.0 + egg * sin)
    if tips[0] or tips[1]:
        up, down = np.maximum(-sin, 0.0), np.maximum(sin, 0.0)
        reach = reach * (1.0 + tips[0] * up**tip_sharpness + tips[1] * down**tip_sharpness)
    reach = reach * _lumpiness(canvas, u, v, lumps)
    if edge is not None:
        reach = reach * (1.0 + edge)
    radius = rho / reach
    alpha = np.clip((1.0 - radius) * reach / canvas.pixel + 0.5, 0.0, 1.0)
    inner = np.minimum(radius, 1.0)
    nz = np.sqrt(1.0 - inner * inner)
    return _Body(alpha, radius, cos * inner, sin * inner, nz)


def _lumpiness(canvas: _Canvas, u: np.ndarray, v: np.ndarray, extra: float) -> np.ndarray:
    """Return a relative outline change from a few angular harmonics (1 when smooth)."""
    harmonics = [(order, size, phase) for order, size, phase in canvas.lumps if size]
    if extra:
        harmonics.append((4, extra, canvas.rng.uniform(0.0, 2.0 * math.pi)))
        harmonics.append((7, 0.5 * extra, canvas.rng.uniform(0.0, 2.0 * math.pi)))
    if not harmonics:
        return np.float32(1.0)
    angle = np.arctan2(v, u)
    change = sum(size * np.cos(order * angle + phase) for order, size, phase in harmonics)
    return 1.0 + change


def _shade(
    canvas: _Canvas,
    body: _Body,
    colour: np.ndarray,
    *,
    gloss: float = 0.2,
    shininess: float = 20.0,
    bump: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Light a fruit surface: ambient + diffuse light, and a specular highlight."""
    nx, ny, nz = body.nx, body.ny, body.nz
    if bump is not None:
        nx, ny = nx - bump[0], ny - bump[1]
        length = np.sqrt(nx * nx + ny * ny + nz * nz) + np.float32(1e-6)
        nx, ny, nz = nx / length, ny / length, nz / length
    lx, ly, lz = canvas.light
    diffuse = np.maximum(nx * lx + ny * ly + nz * lz, 0.0)
    light = canvas.ambient + (1.0 - canvas.ambient) * diffuse
    rgb = colour * light[..., None]
    if gloss:
        hx, hy, hz = canvas.half
        highlight = np.maximum(nx * hx + ny * hy + nz * hz, 0.0) ** shininess
        rgb = rgb + (gloss * highlight)[..., None]
    return rgb


def _sphere_coordinates(body: _Body, angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Map the silhouette to angles on a sphere, so a surface pattern bends at the rim."""
    cos, sin = math.cos(angle), math.sin(angle)
    nx = cos * body.nx + sin * body.ny
    ny = -sin * body.nx + cos * body.ny
    return np.arcsin(np.clip(nx, -0.999, 0.999)), np.arcsin(np.clip(ny, -0.999, 0.999))


def _spot(
    canvas: _Canvas, centre: tuple[float, float], radius: float, squash: float = 1.0
) -> np.ndarray:
    """Return a soft round spot (1 inside, 0 outside), e.g. a stem scar."""
    du = canvas.u - np.float32(centre[0])
    dv = (canvas.v - np.float32(centre[1])) / np.float32(squash)
    distance = np.sqrt(du * du + dv * dv)
    return np.clip((radius - distance) / canvas.pixel + 0.5, 0.0, 1.0)


def _capsule(
    canvas: _Canvas, start: tuple[float, float], end: tuple[float, float], width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the coverage of a rounded stick, and the position along it (0 to 1)."""
    su, sv = start
    du, dv = end[0] - su, end[1] - sv
    length2 = du * du + dv * dv + 1e-9
    pu, pv = canvas.u - np.float32(su), canvas.v - np.float32(sv)
    along = np.clip((pu * du + pv * dv) / np.float32(length2), 0.0, 1.0)
    off_u, off_v = pu - along * du, pv - along * dv
    distance = np.sqrt(off_u * off_u + off_v * off_v)
    return np.clip((width - distance) / canvas.pixel + 0.5, 0.0, 1.0), along


def _star(
    canvas: _Canvas,
    centre: tuple[float, float],
    *,
    points: int,
    length: float,
    squash: float,
    turn: float,
    sharpness: float = 3.0,
    core: float = 0.25,
) -> tuple[np.ndarray, np.ndarray]:
    """Return a star of pointed leaves (a calyx or a crown) and the distance outwards."""
    du = canvas.u - np.float32(centre[0])
    dv = (canvas.v - np.float32(centre[1])) / np.float32(squash)
    angle = np.arctan2(dv, du)
    distance = np.sqrt(du * du + dv * dv)
    petal = np.abs(np.cos(0.5 * points * (angle - turn))) ** sharpness
    reach = length * (core + (1.0 - core) * petal)
    alpha = np.clip((reach - distance) / canvas.pixel + 0.5, 0.0, 1.0)
    return alpha, distance / length


_Layer = tuple[np.ndarray, np.ndarray]  # (rgb, alpha), rgb in 0-1


def _stem(
    canvas: _Canvas, top: float, length: float, width: float, colour: np.ndarray, lean: float
) -> _Layer:
    """Return a short stem growing up from the top of the fruit at height ``top``."""
    end = (lean * length, top - length)
    alpha, along = _capsule(canvas, (0.0, top + 0.03), end, width)
    shade = 0.75 + 0.35 * along
    return colour * shade[..., None], alpha


# ----------------------------------------------------------------------------------------
# The painters: one function per class, each returns layers from back to front
# ----------------------------------------------------------------------------------------


def _paint_apricot(canvas: _Canvas) -> list[_Layer]:
    """Orange, smooth, a little egg-shaped, with a crease down one side and a blush."""
    size = canvas.vary(1.0, 0.05)
    height = canvas.vary(0.97, 0.04) * size
    body = _body(canvas, 0.88 * size, height, egg=-0.06)
    colour = canvas.colour((0.062, 0.76, 1.0), (0.008, 0.05, 0.04))
    blush = _hsv(0.03, 0.85, 0.9)
    patches = _smoothstep(-0.8, 1.5, canvas.noise(4)) * canvas.vary(0.6, 0.25)
    rgb = _mix(colour, blush, patches + 0.06 * canvas.noise(50))
    seam = canvas.u - (canvas.vary(0.15, 0.2) + 0.1 * canvas.v * canvas.v)
    crease = np.exp(-((seam / 0.07) ** 2)) * _smoothstep(1.0, 0.8, body.radius)
    cheek = np.exp(-(((seam - 0.12) / 0.1) ** 2))
    rgb = _shade(canvas, body, rgb, gloss=0.12, shininess=12.0)
    rgb = rgb * (1.0 - 0.16 * crease + 0.06 * cheek)[..., None]
    stem = _stem(canvas, -height, 0.07, 0.03, _hsv(0.1, 0.3, 0.8), canvas.vary(0.0, 1.0))
    return [stem, (rgb, body.alpha)]


def _paint_avocado(canvas: _Canvas) -> list[_Layer]:
    """Dark green, pear-shaped, with pebbly skin and a small stem nub."""
    size = canvas.vary(1.0, 0.05)
    width = canvas.vary(0.74, 0.06) * size
    body = _body(canvas, width, 0.95 * size, egg=canvas.vary(0.14, 0.05))
    colour = canvas.colour((0.2, 0.6, 0.3), (0.025, 0.08, 0.06))
    pebbles = canvas.bump(70, 0.9)
    speckle = _smoothstep(1.8, 2.8, canvas.noise(110))
    rgb = _mix(colour, _hsv(0.2, 0.45, 0.5), speckle)
    rgb = _mix(rgb, _hsv(0.13, 0.7, 0.25), 0.5 * _smoothstep(0.0, 2.0, canvas.noise(6)))
    rgb = _shade(canvas, body, rgb, gloss=0.16, shininess=18.0, bump=pebbles)
    nub = _spot(canvas, (0.0, -0.86 * size), 0.05)
    rgb = _mix(rgb, _hsv(0.08, 0.6, 0.3), nub * canvas.chance(0.6))
    return [(rgb, body.alpha)]


def _paint_banana(canvas: _Canvas) -> list[_Layer]:
    """A yellow crescent lying on its side, with ridges, brown speckles and dark tips."""
    bend = canvas.vary(1.15, 0.2)
    thick = canvas.vary(0.29, 0.03)
    span = math.asin(min(0.9 * canvas.vary(1.0, 0.05) / bend, 0.99))
    centre_v = -0.5 * bend * (1.0 + math.cos(span))
    du, dv = canvas.u, canvas.v - np.float32(centre_v)
    rho = np.sqrt(du * du + dv * dv) + np.float32(1e-6)
    along = np.arctan2(du, dv) / np.float32(span)  # -1 at the stalk end, +1 at the tip
    taper = np.sqrt(np.clip(1.0 - np.abs(along) ** 6, 0.0, 1.0))
    half = thick * (0.12 + 0.88 * taper)
    across = (rho - bend) / half
    alpha = np.clip((half - np.abs(rho - bend)) / canvas.pixel + 0.5, 0.0, 1.0)
    alpha = alpha * np.clip((1.0 - np.abs(along)) * span * bend / canvas.pixel + 0.5, 0.0, 1.0)
    inner = np.clip(across, -1.0, 1.0)
    body = _Body(alpha, np.abs(inner), du / rho * inner, dv / rho * inner, np.sqrt(1 - inner**2))
    colour = canvas.colour((0.135, 0.72, 0.88), (0.015, 0.08, 0.05))
    ends = _smoothstep(0.55, 0.95, np.abs(along))
    rgb = _mix(colour, _hsv(0.2, 0.6, 0.72), ends * canvas.vary(0.5, 0.4))
    ripeness = canvas.vary(0.3, 0.4)
    spots = _smoothstep(2.2 - ripeness, 2.9 - ripeness, canvas.noise((40, 140)))
    rgb = _mix(rgb, _hsv(0.07, 0.7, 0.35), spots)
    rgb = _mix(rgb, _hsv(0.07, 0.6, 0.18), _smoothstep(0.86, 0.97, np.abs(along)))
    rgb = _shade(canvas, body, rgb, gloss=0.1, shininess=10.0)
    ridges = 1.0 - 0.12 * np.exp(-(((np.abs(inner) - 0.5) / 0.12) ** 2))
    stalk, _ = _capsule(
        canvas,
        _banana_point(bend, centre_v, -span),
        _banana_point(bend + 0.03, centre_v, -span - 0.13),
        thick * 0.28,
    )
    stalk_rgb = np.broadcast_to(_hsv(0.1, 0.5, 0.35), rgb.shape)
    return [(stalk_rgb, stalk), (rgb * ridges[..., None], alpha)]


def _banana_point(radius: float, centre_v: float, angle: float) -> tuple[float, float]:
    """Return the point at ``angle`` (from straight down) on the banana's centre arc."""
    return radius * math.sin(angle), centre_v + radius * math.cos(angle)


# The three look-alike citrus classes differ only a little: hue, flatness, roughness.
_CITRUS = {
    "Clementine": {"hsv": (0.06, 0.88, 0.94), "flat": 0.93, "rough": 0.45, "gloss": 0.26},
    "Mandarine": {"hsv": (0.072, 0.86, 0.93), "flat": 0.9, "rough": 0.65, "gloss": 0.17},
    "Orange": {"hsv": (0.066, 0.88, 0.92), "flat": 0.96, "rough": 0.55, "gloss": 0.22},
}


def _paint_citrus(canvas: _Canvas, kind: str) -> list[_Layer]:
    """A round citrus with a dimpled peel and sometimes a stem scar."""
    spec = _CITRUS[kind]
    size = canvas.vary(0.96, 0.05)
    flat = canvas.vary(spec["flat"], 0.04)
    body = _body(canvas, size, size * flat, lumps=0.025 * spec["rough"])
    colour = canvas.colour(spec["hsv"], (0.012, 0.06, 0.06))
    rough = canvas.vary(spec["rough"], 0.15)
    dimples = canvas.bump(90, 1.1 * rough)
    wrinkles = canvas.bump(14, 1.8 * max(rough - 0.4, 0.0))
    bump = (dimples[0] + wrinkles[0], dimples[1] + wrinkles[1])
    rgb = colour * (1.0 + 0.05 * canvas.noise(5))[..., None]
    rgb = _shade(canvas, body, rgb, gloss=spec["gloss"], shininess=14.0, bump=bump)
    return [(_stem_scar(canvas, rgb, flat * size), body.alpha)]


def _stem_scar(canvas: _Canvas, rgb: np.ndarray, height: float) -> np.ndarray:
    """Paint the small dark scar where a citrus was attached (visible half the time)."""
    visible = canvas.chance(0.5)
    centre = (canvas.rng.uniform(-0.25, 0.25), -canvas.rng.uniform(0.3, 0.8) * height)
    scar = _spot(canvas, centre, 0.045, squash=0.7)
    ring = _spot(canvas, centre, 0.1, squash=0.7) - scar
    rgb = _mix(rgb, rgb * 0.8, ring * 0.6 * visible)
    return _mix(rgb, _hsv(0.14, 0.5, 0.3), scar * visible)


def _paint_clementine(canvas: _Canvas) -> list[_Layer]:
    """Red-orange, smooth and glossy, a little flattened."""
    return _paint_citrus(canvas, "Clementine")


def _paint_mandarine(canvas: _Canvas) -> list[_Layer]:
    """Yellow-orange, flat and lumpy, with a rough, wrinkled peel."""
    return _paint_citrus(canvas, "Mandarine")


def _paint_orange(canvas: _Canvas) -> list[_Layer]:
    """Deep orange, round, with a finely dimpled peel."""
    return _paint_citrus(canvas, "Orange")


def _paint_cocos(canvas: _Canvas) -> list[_Layer]:
    """A brown coconut covered in fibres, with stray hairs and sometimes its three eyes."""
    size = canvas.vary(0.94, 0.05)
    hairs = 0.08 * _smoothstep(0.9, 1.0, canvas.angle_noise(500))
    body = _body(canvas, size, canvas.vary(0.97, 0.05) * size, edge=hairs)
    colour = canvas.colour((0.03, 0.35, 0.5), (0.012, 0.05, 0.06))
    turn = canvas.rng.uniform(0.0, math.pi)
    fibres = canvas.noise((120, 10), turn) + 0.5 * canvas.noise((120, 10), turn + 1.0)
    rgb = colour * (1.0 + 0.09 * fibres + 0.06 * canvas.noise(20))[..., None]
    light_fibres = _smoothstep(1.6, 2.4, canvas.noise((160, 12), turn + 0.4))
    rgb = _mix(rgb, _hsv(0.07, 0.3, 0.72), 0.6 * light_fibres)
    rgb = _shade(canvas, body, rgb, gloss=0.04, shininess=8.0)
    eyes = canvas.chance(0.3)
    for du, dv in ((-0.14, -0.28), (0.14, -0.28), (0.0, -0.08)):
        rgb = _mix(rgb, _hsv(0.03, 0.5, 0.15), _spot(canvas, (du, dv), 0.055) * eyes)
    return [(rgb, body.alpha)]


def _paint_kiwi(canvas: _Canvas) -> list[_Layer]:
    """A brown, fuzzy egg with a finely hairy skin."""
    size = canvas.vary(1.0, 0.05)
    edge = 0.008 * canvas.noise(200)
    width = canvas.vary(0.82, 0.05) * size
    body = _body(canvas, width, 0.96 * size, egg=0.05, edge=edge)
    colour = canvas.colour((0.09, 0.5, 0.68), (0.01, 0.05, 0.05))
    hair = canvas.noise((200, 50), canvas.rng.uniform(0.0, 3.0))
    grain = 0.05 * hair + 0.04 * canvas.noise(160) + 0.05 * canvas.noise(8)
    rgb = _shade(canvas, body, colour * (1.0 + grain)[..., None], gloss=0.0)
    rgb = _mix(rgb, colour * 0.8, _smoothstep(0.85, 1.0, body.radius) * 0.6)
    end = _spot(canvas, (0.0, 0.9 * size), 0.05)
    return [(_mix(rgb, _hsv(0.1, 0.4, 0.35), end * canvas.chance(0.5)), body.alpha)]


def _paint_lemon(canvas: _Canvas) -> list[_Layer]:
    """Bright yellow oval with pointed ends and a dimpled peel."""
    size = canvas.vary(1.0, 0.04)
    tip = canvas.vary(0.12, 0.03)
    width = canvas.vary(0.8, 0.04) * size
    body = _body(canvas, width, 0.88 * size, tips=(tip, 0.7 * tip), tip_sharpness=48.0)
    colour = canvas.colour((0.13, 0.78, 1.0), (0.008, 0.06, 0.03))
    bump = canvas.bump(100, 0.55)
    rgb = _mix(colour, _hsv(0.12, 0.7, 0.7), 0.3 * _smoothstep(0.5, 2.0, canvas.noise(6)))
    rgb = _shade(canvas, body, rgb, gloss=0.25, shininess=14.0, bump=bump)
    return [(rgb, body.alpha)]


def _paint_limes(canvas: _Canvas) -> list[_Layer]:
    """Green to yellow-green, round, with pale patches and a dimpled peel."""
    size = canvas.vary(0.97, 0.04)
    body = _body(canvas, size, size, egg=canvas.vary(0.05, 0.04))
    colour = canvas.colour((0.24, 0.6, 0.72), (0.02, 0.07, 0.06))
    pale = _smoothstep(-0.5, 1.2, canvas.noise(4)) * canvas.vary(0.7, 0.3)
    rgb = _mix(colour, _hsv(0.18, 0.45, 0.88), pale)
    bump = canvas.bump(80, 0.9)
    rgb = _shade(canvas, body, rgb, gloss=0.15, shininess=12.0, bump=bump)
    return [(_stem_scar(canvas, rgb, size), body.alpha)]


def _paint_peach(canvas: _Canvas) -> list[_Layer]:
    """Round and fuzzy, yellow-orange with a mottled red blush, and a suture line."""
    size = canvas.vary(0.97, 0.05)
    body = _body(canvas, size, size, lumps=0.015)
    base = canvas.colour((0.085, 0.7, 0.95), (0.015, 0.08, 0.05))
    red = canvas.colour((0.01, 0.78, 0.72), (0.015, 0.06, 0.08))
    blush = canvas.noise(4) + 0.25 * canvas.noise(14) + canvas.vary(0.4, 1.0)
    speckle = _smoothstep(0.5, 2.0, canvas.noise(110))
    rgb = _mix(base, red, _smoothstep(-1.5, 1.2, blush) + 0.4 * speckle)
    rgb = rgb * (1.0 + 0.04 * canvas.noise(200))[..., None]
    suture = canvas.u - (canvas.vary(-0.3, 0.3) + 0.25 * canvas.v * canvas.v)
    groove = np.exp(-((suture / 0.07) ** 2)) * _smoothstep(1.0, 0.8, body.radius)
    rgb = _shade(canvas, body, rgb, gloss=0.04, shininess=8.0)
    return [(rgb * (1.0 - 0.15 * groove)[..., None], body.alpha)]


def _paint_pineapple(canvas: _Canvas) -> list[_Layer]:
    """A barrel of diamond scales, golden brown with dark spiky tips, and a leafy crown."""
    size = canvas.vary(1.0, 0.04)
    body = _body(canvas, 0.86 * size, 0.84 * size, power=2.6, offset=0.12)
    a, b = _sphere_coordinates(body)
    spacing = 0.4
    su = (a + 1.2 * b) / spacing + canvas.rng.uniform(0.0, 1.0)
    sv = (a - 1.2 * b) / spacing + canvas.rng.uniform(0.0, 1.0)
    cell = _cell_hash(np.round(su), np.round(sv))
    su, sv = su - np.round(su), sv - np.round(sv)
    across, down = su + sv, sv - su  # within one scale; ``down`` grows downwards
    edge = np.maximum(np.abs(su), np.abs(sv)) * 2.0  # 0 at a scale's centre, 1 at its edge
    colour = canvas.colour((0.07, 0.55, 0.55), (0.012, 0.08, 0.06))
    golden = _hsv(0.11, 0.55, 0.92) * (0.8 + 0.4 * cell)[..., None]
    eye = _smoothstep(-0.3, 0.3, down) * _smoothstep(0.8, 0.3, edge)
    rgb = _mix(colour, golden, 0.9 * eye)
    spike = _smoothstep(0.1, 0.0, np.abs(across) + 0.25 * down) * _smoothstep(0.1, -0.3, down)
    rgb = _mix(rgb, _hsv(0.07, 0.5, 0.12), 0.8 * spike)
    rgb = _mix(rgb, _hsv(0.06, 0.6, 0.1), 0.85 * _smoothstep(0.6, 0.95, edge))
    rgb = _shade(canvas, body, rgb * (1.0 + 0.08 * canvas.noise(60))[..., None], gloss=0.05)
    crown, reach = _star(
        canvas,
        (0.0, -0.62 * size),
        points=11,
        length=0.45,
        squash=1.0,
        turn=canvas.vary(0.0, 0.2),
        sharpness=6.0,
        core=0.03,
    )
    crown = crown * (canvas.v < -0.55 * size)
    leaves = _hsv(0.22, 0.4, 0.42) * (0.6 + 0.5 * reach)[..., None]
    return [(leaves, crown), (rgb, body.alpha)]


def _paint_plum(canvas: _Canvas) -> list[_Layer]:
    """Dark purple with a whitish bloom, glossy, with a faint suture and a short stem."""
    size = canvas.vary(0.97, 0.05)
    height = canvas.vary(0.97, 0.04) * size
    body = _body(canvas, size, height)
    colour = canvas.colour((0.95, 0.6, 0.3), (0.02, 0.08, 0.05))
    bloom = _smoothstep(0.0, 2.0, canvas.noise(7) + 0.4 * canvas.noise(40))
    rgb = _mix(colour, _hsv(0.7, 0.2, 0.5), bloom * canvas.vary(0.4, 0.2))
    suture = canvas.u - (canvas.vary(0.2, 0.3) + 0.2 * canvas.v * canvas.v)
    groove = np.exp(-((suture / 0.05) ** 2)) * (body.radius < 0.95)
    rgb = _shade(canvas, body, rgb, gloss=0.3, shininess=25.0)
    stem = _stem(canvas, -height, 0.07, 0.03, _hsv(0.1, 0.4, 0.5), canvas.vary(0.0, 1.0))
    return [stem, (rgb * (1.0 - 0.25 * groove)[..., None], body.alpha)]


def _paint_pomegranate(canvas: _Canvas) -> list[_Layer]:
    """Deep red and slightly angular, with darker patches and a crown stub on top."""
    size = canvas.vary(0.98, 0.04)
    body = _body(canvas, size, 0.93 * size, power=2.2, lumps=0.02, offset=0.04)
    colour = canvas.colour((0.99, 0.8, 0.55), (0.012, 0.07, 0.08))
    rgb = _mix(colour, _hsv(0.03, 0.6, 0.7), 0.4 * _smoothstep(0.5, 2.0, canvas.noise(6)))
    rgb = _mix(rgb, _hsv(0.98, 0.8, 0.3), 0.5 * _smoothstep(0.5, 2.0, canvas.noise(12)))
    scars = _smoothstep(2.3, 2.8, canvas.noise(50))
    rgb = _mix(rgb, _hsv(0.08, 0.4, 0.45), scars)
    rgb = _shade(canvas, body, rgb, gloss=0.25, shininess=18.0)
    top = -0.89 * size
    tube, along = _capsule(canvas, (0.0, top + 0.08), (0.0, top - 0.06), 0.09)
    teeth, _ = _star(
        canvas,
        (0.0, top - 0.08),
        points=6,
        length=0.14,
        squash=0.6,
        turn=canvas.vary(0.0, 0.5),
        sharpness=2.0,
        core=0.3,
    )
    crown = np.maximum(tube, teeth) * canvas.chance(0.8)
    crown_rgb = _hsv(0.0, 0.7, 0.4) * (0.8 + 0.3 * along)[..., None]
    return [(rgb, body.alpha), (crown_rgb, crown)]


def _paint_raspberry(canvas: _Canvas) -> list[_Layer]:
    """Magenta-purple (as in Fruits-360) and made of little round drupelets."""
    size = canvas.vary(1.0, 0.04)
    bumps = 0.04 * np.abs(canvas.noise(30))
    height = canvas.vary(0.88, 0.05) * size
    body = _body(canvas, 0.96 * size, height, egg=0.06, edge=bumps)
    a, b = _sphere_coordinates(body, canvas.rng.uniform(-0.3, 0.3))
    da, db, cell = _hex_lattice(a + canvas.rng.uniform(0.0, 1.0), b, 0.32)
    bulge = np.sqrt(np.clip(1.0 - (da * da + db * db) * 4.5, 0.0, 1.0))
    drupelet = _Body(body.alpha, body.radius, body.nx + 1.3 * da, body.ny + 1.3 * db, body.nz)
    colour = canvas.colour((0.79, 0.55, 0.85), (0.015, 0.06, 0.05))
    rgb = colour * (0.9 + 0.2 * cell)[..., None]
    rgb = _shade(canvas, drupelet, rgb, gloss=0.15, shininess=12.0)
    rgb = rgb * (0.45 + 0.55 * np.sqrt(bulge))[..., None]
    return [(rgb, body.alpha)]


def _paint_strawberry(canvas: _Canvas) -> list[_Layer]:
    """A red cone with yellow seeds in little pits and a green, leafy calyx."""
    size = canvas.vary(1.0, 0.05)
    width = canvas.vary(0.82, 0.06) * size
    body = _body(canvas, width, 0.7 * size, power=1.8, egg=0.15, tips=(0.0, 0.22), offset=0.04)
    a, b = _sphere_coordinates(body)
    da, db, _ = _hex_lattice(a + canvas.rng.uniform(0.0, 1.0), b, 0.3)
    distance2 = da * da + db * db
    pit = np.clip(1.0 - distance2 * 14.0, 0.0, 1.0)
    seed = np.clip(1.0 - distance2 * 60.0, 0.0, 1.0)
    colour = canvas.colour((0.995, 0.85, 0.68), (0.012, 0.05, 0.08))
    pale = _smoothstep(0.55, 0.95, -body.ny) * canvas.vary(0.3, 0.4)
    rgb = _mix(colour, _hsv(0.08, 0.35, 0.9), pale)
    rgb = _shade(canvas, body, rgb, gloss=0.35, shininess=30.0)
    rgb = rgb * (1.0 - 0.35 * pit)[..., None]
    rgb = _mix(rgb, _hsv(0.13, 0.6, 0.8), seed * 0.9)
    calyx, reach = _star(
        canvas,
        (0.0, -0.62 * size),
        points=int(canvas.rng.integers(6, 9)),
        length=0.45,
        squash=0.45,
        turn=canvas.rng.uniform(0.0, 1.0),
        sharpness=2.5,
        core=0.2,
    )
    leaves = _hsv(0.27, 0.65, 0.45) * (0.65 + 0.35 * reach)[..., None]
    return [(rgb, body.alpha), (leaves, calyx)]


_PAINTERS: dict[str, Callable[[_Canvas], list[_Layer]]] = {
    "Apricot": _paint_apricot,
    "Avocado": _paint_avocado,
    "Banana": _paint_banana,
    "Clementine": _paint_clementine,
    "Cocos": _paint_cocos,
    "Kiwi": _paint_kiwi,
    "Lemon": _paint_lemon,
    "Limes": _paint_limes,
    "Mandarine": _paint_mandarine,
    "Orange": _paint_orange,
    "Peach": _paint_peach,
    "Pineapple": _paint_pineapple,
    "Plum": _paint_plum,
    "Pomegranate": _paint_pomegranate,
    "Raspberry": _paint_raspberry,
    "Strawberry": _paint_strawberry,
}


# ----------------------------------------------------------------------------------------
# Background clutter and occluders
# ----------------------------------------------------------------------------------------


def _background(seed: int, knob: float, n: int) -> np.ndarray:
    """Return the background: white at 0, a tinted surface with coloured shapes at 1."""
    if knob == 0.0:
        return np.ones((n, n, 3), dtype=np.float32)
    rng = np.random.default_rng(seed)
    x, y = _grid(n)
    tint = _hsv(rng.random(), 0.5, 0.8)
    surface = _smooth_noise(rng, (6, 6), n)
    grain = _smooth_noise(rng, (n // 4, n // 4), n)
    amount = knob * np.clip(0.45 + 0.15 * surface + 0.05 * grain, 0.0, 1.0)
    rgb = _mix(np.ones(3, dtype=np.float32), tint, amount)
    count = 16
    shown = int(round(knob * count))
    for index in range(count):
        centre = rng.uniform(-1.0, 1.0, size=2)
        radii = rng.uniform(0.1, 0.4, size=2)
        if index % 3 == 2:  # every third shape is a thin stick
            radii[1] = 0.02 + 0.03 * radii[1]
        turn = rng.uniform(0.0, math.pi)
        colour = _hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.95))
        if index < shown:
            inside = _clutter_shape(x, y, centre, radii, turn, boxy=index % 3 == 1)
            rgb = _mix(rgb, colour, inside)
    return rgb


def _clutter_shape(
    x: np.ndarray,
    y: np.ndarray,
    centre: np.ndarray,
    radii: np.ndarray,
    turn: float,
    boxy: bool,
) -> np.ndarray:
    """Return the coverage of a turned ellipse or rectangle (a background object)."""
    cos, sin = math.cos(turn), math.sin(turn)
    du, dv = x - np.float32(centre[0]), y - np.float32(centre[1])
    a = (cos * du + sin * dv) / np.float32(radii[0])
    b = (-sin * du + cos * dv) / np.float32(radii[1])
    shape = np.maximum(np.abs(a), np.abs(b)) if boxy else np.sqrt(a * a + b * b)
    return np.clip((1.0 - shape) * (float(radii.min()) * x.shape[0] / 2.0) + 0.5, 0.0, 1.0)


def _occluder(seed: int, knob: float, n: int) -> _Layer | None:
    """Return a rounded bar (a finger, a stick) that reaches in from the frame's edge."""
    if knob == 0.0:
        return None
    rng = np.random.default_rng(seed)
    x, y = _grid(n)
    direction = rng.uniform(0.0, 2.0 * math.pi)
    colour = (
        _hsv(0.07, 0.4, 0.85),  # skin
        _hsv(0.6, 0.1, 0.55),  # grey
        _hsv(0.6, 0.6, 0.6),  # blue
        _hsv(0.0, 0.0, 0.15),  # black
    )[rng.integers(4)]
    sideways = rng.uniform(-0.3, 0.3)
    cos, sin = math.cos(direction), math.sin(direction)
    reach = 1.05 - 1.0 * knob  # how close to the centre the tip gets
    width = 0.16 + 0.22 * knob
    start = np.array([cos * 2.0 - sin * sideways, sin * 2.0 + cos * sideways])
    end = np.array([cos * reach - sin * sideways, sin * reach + cos * sideways])
    du, dv = x - np.float32(start[0]), y - np.float32(start[1])
    axis = end - start
    along = np.clip((du * axis[0] + dv * axis[1]) / float(axis @ axis), 0.0, 1.0)
    off_u, off_v = du - along * axis[0], dv - along * axis[1]
    distance = np.sqrt(off_u * off_u + off_v * off_v)
    alpha = np.clip((width - distance) * (n / 2.0) + 0.5, 0.0, 1.0)
    shade = 0.75 + 0.25 * np.sqrt(np.clip(1.0 - (distance / width) ** 2, 0.0, 1.0))
    return colour * shade[..., None], alpha


# ----------------------------------------------------------------------------------------
# Rendering one picture
# ----------------------------------------------------------------------------------------


def _check_class(class_name: str) -> int:
    """Return the label of ``class_name``; raise a helpful ValueError for unknown names."""
    if class_name not in WORKSHOP_CLASSES:
        raise ValueError(
            f"Unknown fruit class {class_name!r}. Valid names: {', '.join(WORKSHOP_CLASSES)}."
        )
    return WORKSHOP_CLASSES.index(class_name)


def render_fruit(
    class_name: str,
    rng: np.random.Generator,
    difficulty: Difficulty = DEFAULT_DIFFICULTY,
    size: int = IMAGE_SIZE,
) -> np.ndarray:
    """Draw one fruit picture in the style of Fruits-360.

    Parameters
    ----------
    class_name : str
        One of :data:`course_utils.WORKSHOP_CLASSES`, for example ``"Banana"``.
    rng : numpy.random.Generator
        The source of randomness; the same generator state gives the same picture.
    difficulty : Difficulty
        How hard the picture is (see :class:`Difficulty`); a dict of knobs also works.
    size : int
        Side of the square picture in pixels (at least 16).

    Returns
    -------
    numpy.ndarray
        ``(size, size, 3)`` uint8 RGB picture: one fruit on a white background.

    Raises
    ------
    ValueError
        For an unknown class name, a knob outside 0-1 or a size below 16.
    TypeError
        When ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    >>> import numpy as np
    >>> picture = render_fruit("Kiwi", np.random.default_rng(1), Difficulty(), size=32)
    >>> picture.shape, int(picture[0, 0].min())  # the corner is white
    ((32, 32, 3), 255)
    """
    _check_class(class_name)
    difficulty = Difficulty.from_value(difficulty)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}."
        )
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"size must be a whole number of pixels, at least 16; got {size!r}.")
    canvas = _Canvas(rng, difficulty, int(size))
    layers = _PAINTERS[class_name](canvas)
    picture = _background(canvas.side_seeds[1], difficulty.clutter, canvas.n)
    lighting = (canvas.gain * canvas.cast).astype(np.float32)
    for rgb, alpha in layers:
        _paste(picture, rgb, alpha, lighting)
    cover = _occluder(canvas.side_seeds[2], difficulty.occlusion, canvas.n)
    if cover is not None:
        _paste(picture, cover[0], cover[1])
    return _downsample(picture)


def _paste(
    picture: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, lighting: np.ndarray | None = None
) -> None:
    """Blend a layer into ``picture`` in place, only where the layer has any coverage."""
    rows = np.flatnonzero(alpha.any(axis=1))
    columns = np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        return
    window = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    colour = rgb[window] if lighting is None else np.clip(rgb[window] * lighting, 0.0, 1.0)
    picture[window] = _mix(picture[window], colour, alpha[window])


def _downsample(picture: np.ndarray) -> np.ndarray:
    """Average supersampled pixel blocks and convert to uint8."""
    step = _SUPERSAMPLE
    total = sum(picture[i::step, j::step] for i in range(step) for j in range(step))
    return np.clip(np.rint(total * (255.0 / step**2)), 0, 255).astype(np.uint8)


def difficulty_examples(
    class_name: str,
    knob: str,
    levels: Iterable[float] = (0.0, 0.5, 1.0),
    *,
    seed: int = 0,
    size: int = IMAGE_SIZE,
) -> list[np.ndarray]:
    """Draw the same fruit with one difficulty knob at several levels (the others off).

    The random draws do not depend on the knob values, so the pictures differ only in
    what the knob changes: a lesson can show "this is what occlusion means".

    Parameters
    ----------
    class_name : str
        A class of :data:`course_utils.WORKSHOP_CLASSES`.
    knob : str
        One of :data:`KNOBS`: ``"illumination"``, ``"deformation"``, ``"occlusion"``,
        ``"clutter"``, ``"intra_class"`` or ``"pose"``.
    levels : iterable of float
        The knob values to draw, each from 0 to 1.
    seed : int
        Which fruit to draw.
    size : int
        Side of each picture in pixels.

    Returns
    -------
    list of numpy.ndarray
        One ``(size, size, 3)`` uint8 picture per level.

    Examples
    --------
    >>> pictures = difficulty_examples("Lemon", "pose", levels=(0, 1), size=32)
    >>> len(pictures), pictures[0].shape
    (2, (32, 32, 3))
    """
    if knob not in KNOBS:
        raise ValueError(f"Unknown difficulty knob {knob!r}; choose one of {', '.join(KNOBS)}.")
    pictures = []
    for level in levels:
        difficulty = Difficulty(**{knob: level})
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 99]))
        pictures.append(render_fruit(class_name, rng, difficulty, size))
    return pictures


# ----------------------------------------------------------------------------------------
# The dataset on disk lives in course_utils.generated_fruits
# ----------------------------------------------------------------------------------------

_MOVED = {
    "FOLDER_NAME",
    "STAMP_NAME",
    "SPLITS",
    "JPEG_QUALITY",
    "generate_fruits",
    "ensure_generated_fruits",
    "read_stamp",
    "missing_pictures",
}


def __getattr__(name: str):
    """Keep ``synthetic.generate_fruits`` and friends working (they moved to generated_fruits).

    Imported lazily: :mod:`course_utils.generated_fruits` imports this module.
    """
    if name in _MOVED:
        from course_utils import generated_fruits

        return getattr(generated_fruits, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
