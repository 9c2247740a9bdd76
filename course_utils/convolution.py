"""Convolution arithmetic on small 2-D arrays, as lesson 03 teaches it (no widgets).

The toy pictures (:func:`pattern_x`, :func:`pattern_o`, :func:`pattern_edge`), the preset
kernels and how they are typed (:data:`KERNEL_PRESETS`, :func:`parse_kernel`,
:func:`format_kernel`), and the convolution itself with TensorFlow's output sizes and
``"same"`` padding (:func:`conv_output_size`, :func:`same_padding`, :func:`convolve`).
The convolution playground (:mod:`course_utils.widgets.convolution_playground`) draws
what these compute; tests compare them with ``tf.nn.conv2d``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

KERNEL_PRESETS: dict[str, list[list[str]]] = {
    "identity": [["0", "0", "0"], ["0", "1", "0"], ["0", "0", "0"]],
    "edges (all directions)": [["-1", "-1", "-1"], ["-1", "8", "-1"], ["-1", "-1", "-1"]],
    "vertical edges": [["-1", "0", "1"], ["-2", "0", "2"], ["-1", "0", "1"]],
    "horizontal edges": [["-1", "-2", "-1"], ["0", "0", "0"], ["1", "2", "1"]],
    "sharpen": [["0", "-1", "0"], ["-1", "5", "-1"], ["0", "-1", "0"]],
    "blur": [["1/9", "1/9", "1/9"], ["1/9", "1/9", "1/9"], ["1/9", "1/9", "1/9"]],
    "diagonal \\ (/9)": [["1/9", "-1/9", "-1/9"], ["-1/9", "1/9", "-1/9"], ["-1/9", "-1/9", "1/9"]],
    "diagonal / (/9)": [["-1/9", "-1/9", "1/9"], ["-1/9", "1/9", "-1/9"], ["1/9", "-1/9", "-1/9"]],
    "cross x (/9)": [["1/9", "-1/9", "1/9"], ["-1/9", "1/9", "-1/9"], ["1/9", "-1/9", "1/9"]],
}
"""Kernels of the convolution playground, as the text shown in its kernel box.

The three ``/9`` kernels are the seed workshop's X-detector pieces: +1 on a line, -1
elsewhere, divided by 9 so that a perfect match gives exactly 1.
"""


def pattern_x(size: int = 9) -> np.ndarray:
    """A ``size`` x ``size`` picture of an X: +1 on both diagonals (inset by one), -1 elsewhere."""
    image = -np.ones((size, size))
    inner = np.arange(1, size - 1)
    image[inner, inner] = 1
    image[inner, size - 1 - inner] = 1
    return image


def pattern_o(size: int = 9) -> np.ndarray:
    """A ``size`` x ``size`` picture of an O: +1 on a ring, -1 elsewhere."""
    yy, xx = np.mgrid[:size, :size]
    centre = (size - 1) / 2
    radius = np.hypot(yy - centre, xx - centre)
    return np.where(np.abs(radius - (size - 3) / 2) < 0.75, 1.0, -1.0)


def pattern_edge(size: int = 7, dark: float = 1, bright: float = 9) -> np.ndarray:
    """A ``size`` x ``size`` picture with a dark left part and a bright right part."""
    image = np.full((size, size), float(dark))
    image[:, size // 2 :] = bright
    return image


def parse_kernel(text: str) -> np.ndarray:
    """Read a kernel typed as rows of numbers (``"1 0 -1"`` per line; ``1/9`` allowed).

    Raises
    ------
    ValueError
        When a token is not a number or the rows have different lengths.

    Examples
    --------
    >>> parse_kernel("1 0\\n0 1/2")
    array([[1. , 0. ],
           [0. , 0.5]])
    """
    rows = [line.replace(",", " ").split() for line in text.strip().splitlines() if line.strip()]
    if not rows:
        raise ValueError("The kernel is empty: type rows of numbers, e.g. '0 -1 0'.")
    try:
        values = [[float(Fraction(token)) for token in row] for row in rows]
    except (ValueError, ZeroDivisionError) as error:
        raise ValueError(
            f"Could not read the kernel ({error}). Type numbers such as 1, -0.5 or 1/9, "
            "separated by spaces, one row per line."
        ) from None
    if len({len(row) for row in values}) != 1:
        raise ValueError("Every row of the kernel needs the same number of values.")
    return np.array(values)


def format_kernel(rows: list[list[str]]) -> str:
    """The text of a preset kernel as typed in the kernel box (one row per line)."""
    return "\n".join(" ".join(f"{token:>4}" for token in row) for row in rows)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Zeros TensorFlow adds before and after one axis for ``padding="SAME"``.

    The output has ``ceil(size / stride)`` positions; the padding needed for that is
    split in two, with the odd one out going after (bottom or right).
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Output length of a convolution along one axis, as TensorFlow computes it.

    ``"valid"``: ``floor((size - kernel) / stride) + 1``; ``"same"``: ``ceil(size / stride)``,
    which equals ``floor((size + 2p - kernel) / stride) + 1`` with the padding ``p`` of
    :func:`same_padding` (split over both sides).

    Examples
    --------
    >>> conv_output_size(9, 3, 2, "valid"), conv_output_size(9, 3, 2, "same")
    (4, 5)
    """
    if padding not in ("valid", "same"):
        raise ValueError(f'padding must be "valid" or "same", not {padding!r}.')
    if padding == "same":
        return -(-size // stride)
    if kernel > size:
        raise ValueError(f"A {kernel}-wide kernel does not fit in {size} pixels without padding.")
    return (size - kernel) // stride + 1


def convolve(
    image, kernel, *, stride: int = 1, padding: str = "valid"
) -> tuple[np.ndarray, np.ndarray]:
    """Convolve one single-channel image with one kernel, as ``tf.nn.conv2d`` does.

    Like every deep-learning library, this slides the kernel without flipping it (what
    mathematicians call cross-correlation).

    Returns
    -------
    output : array
    padded : array
        The input with the zeros added for ``"same"`` padding (the input itself for
        ``"valid"``).
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("convolve works on one 2-D image and one 2-D kernel.")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, not {stride}.")
    (kh, kw), (h, w) = kernel.shape, image.shape
    out_h = conv_output_size(h, kh, stride, padding)
    out_w = conv_output_size(w, kw, stride, padding)
    if padding == "same":
        padded = np.pad(image, (same_padding(h, kh, stride), same_padding(w, kw, stride)))
    else:
        padded = image
    output = np.empty((out_h, out_w))
    for row in range(out_h):
        for col in range(out_w):
            window = padded[row * stride : row * stride + kh, col * stride : col * stride + kw]
            output[row, col] = np.sum(window * kernel)
    return output, padded


def preset_kernel(name: str) -> np.ndarray:
    """The numbers of one of the :data:`KERNEL_PRESETS`.

    Raises
    ------
    ValueError
        For a name that is not a preset (the message lists the presets).

    Examples
    --------
    >>> preset_kernel("sharpen")[1]
    array([-1.,  5., -1.])
    """
    if name not in KERNEL_PRESETS:
        raise ValueError(f"Unknown preset {name!r}; choose one of {list(KERNEL_PRESETS)}.")
    return parse_kernel(format_kernel(KERNEL_PRESETS[name]))
