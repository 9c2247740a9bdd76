"""Plots the lessons use but do not teach: image grids, training curves, confusion matrices.

Every function draws with matplotlib and returns the ``Figure`` so a lesson can
save or tweak it; in a notebook the figure shows when the cell ends (or with
``plt.show()``). One family of functions, kept in one module: image grids, training
curves, confusion matrices, top-k bars, heatmap overlays, small matrices with their
numbers, and the colour and class statistics of lesson 01.

Colour maps are perceptually uniform and colour-blind safe (viridis, cividis, magma,
inferno; never jet or other rainbows), and a figure whose colours carry values has a
colour bar saying what they mean. Wrong arguments raise ``ValueError`` saying what to pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

HEATMAP_CMAP = "inferno"
"""The colour map of heatmap overlays (Grad-CAM): dark = no evidence, bright yellow = most."""

_RAINBOWS = {"jet", "rainbow", "gist_rainbow", "hsv", "nipy_spectral", "gist_ncar", "turbo"}


def _check_cmap(cmap) -> None:
    name = getattr(cmap, "name", cmap)
    if isinstance(name, str) and name.removesuffix("_r") in _RAINBOWS:
        raise ValueError(
            f"cmap={name!r} is a rainbow colour map: it invents edges, misleads readers with "
            "colour-vision deficiency and prints badly in grey. Use a perceptually uniform one "
            "such as 'viridis', 'cividis', 'magma' or 'inferno'."
        )


def _check_titles(titles, count: int, what: str = "image", plural: str = "images") -> None:
    if titles is not None and (isinstance(titles, str) or len(titles) != count):
        given = "one string" if isinstance(titles, str) else f"{len(titles)} titles"
        raise ValueError(f"{given} for {count} {plural}: give one title per {what}, or none.")


def add_colour_bar(
    fig,
    label: str,
    *,
    cmap: str = HEATMAP_CMAP,
    vmin: float = 0.0,
    vmax: float = 1.0,
    ax=None,
):
    """Add a colour bar that says what the colours of ``cmap`` mean, from ``vmin`` to ``vmax``.

    For pictures whose colours carry a value but come out of a blend (heatmap overlays
    from :func:`overlay_heatmap`), where there is no ``imshow`` result to attach it to.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    label : str
        What the colours measure, e.g. ``"Grad-CAM (0: no evidence, 1: strongest)"``.
    cmap : str
    vmin, vmax : float
    ax : Axes or sequence of Axes, optional
        Where to steal room from; default every axes of the figure.

    Returns
    -------
    matplotlib.colorbar.Colorbar

    Examples
    --------
    >>> fig = show_images([np.zeros((4, 4, 3))], ["overlay"])
    >>> add_colour_bar(fig, "Grad-CAM").ax.get_ylabel()
    'Grad-CAM'
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    _check_cmap(cmap)
    if not vmin < vmax:
        raise ValueError(f"vmin must be below vmax, got {vmin} and {vmax}.")
    mappable = ScalarMappable(norm=Normalize(vmin, vmax), cmap=cmap)
    axes = fig.axes if ax is None else ax
    bar = fig.colorbar(mappable, ax=axes, fraction=0.03, pad=0.02)
    bar.set_label(label, fontsize=8)
    return bar


def _as_display(image) -> np.ndarray:
    """Return an image ready for ``imshow``: uint8 stays, floats are clipped to their range."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    if array.size and array.max() > 1.0:
        return np.clip(array, 0, 255).astype(np.uint8)
    return np.clip(array, 0.0, 1.0)


def show_images(
    images: Sequence,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    size: float = 1.6,
    suptitle: str | None = None,
    cmap: str | None = None,
    colour_bar: str | None = None,
):
    """Show images in a grid, with optional titles.

    Parameters
    ----------
    images : sequence of arrays
        ``(h, w, 3)`` RGB (0-255 or 0-1) or ``(h, w)`` single-channel images.
    titles : sequence of str, optional
        One title per image.
    ncols : int
        Images per row.
    size : float
        Inches per image.
    suptitle : str, optional
        A title for the whole figure.
    cmap : str, optional
        Colour map for single-channel images (default ``"gray"``).
    colour_bar : str, optional
        Add a colour bar with this label: for single-channel images drawn with ``cmap``
        on a shared 0-1 scale, or for heatmap overlays (:data:`HEATMAP_CMAP`).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        Without images, with a number of titles other than the number of images, or
        with ``ncols`` below 1.

    Examples
    --------
    >>> fig = show_images([np.zeros((4, 4, 3)), np.ones((4, 4))], ["black", "white"])
    >>> [ax.get_title() for ax in fig.axes]
    ['black', 'white']
    """
    count = len(images)
    if count == 0:
        raise ValueError("show_images needs at least one image.")
    _check_titles(titles, count)
    if int(ncols) < 1:
        raise ValueError(f"ncols must be at least 1, not {ncols}.")
    if cmap is not None:
        _check_cmap(cmap)
    ncols = max(1, min(ncols, count))
    nrows = int(np.ceil(count / ncols))
    # Room above each image for its title: about 0.17 inch per line of text.
    title_lines = (
        max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    )
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * size, nrows * (size + 0.1 + 0.17 * title_lines)),
        squeeze=False,
    )
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= count:
            continue
        image = _as_display(images[index])
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    if colour_bar:
        add_colour_bar(fig, colour_bar, cmap=cmap or HEATMAP_CMAP)
    return fig


def show_class_samples(
    images, labels, class_names: Sequence[str], per_class: int = 6, seed: int = 0
):
    """Show ``per_class`` random images of every class, one row per class.

    A class without images keeps its (empty) row, labelled with its name.

    Examples
    --------
    >>> images = np.zeros((4, 6, 6, 3), dtype=np.uint8)
    >>> fig = show_class_samples(images, [0, 0, 1, 1], ["Apricot", "Banana"], per_class=2)
    >>> len(fig.axes)
    4
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{labels.size} labels for {len(images)} images: give one label each.")
    if int(per_class) < 1:
        raise ValueError(f"per_class must be at least 1, not {per_class}.")
    if labels.size and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels must be class numbers 0 to {len(class_names) - 1} "
            f"({len(class_names)} class names), got {labels.min()} to {labels.max()}."
        )
    rows = len(class_names)
    fig, axes = plt.subplots(rows, per_class, figsize=(per_class * 1.1, rows * 1.1), squeeze=False)
    for row, name in enumerate(class_names):
        members = np.flatnonzero(labels == row)
        chosen = (
            rng.choice(members, size=min(per_class, len(members)), replace=False)
            if len(members)
            else []
        )
        for col in range(per_class):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col < len(chosen):
                ax.imshow(_as_display(images[chosen[col]]))
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy")):
    """Plot training curves: each metric for training and validation, per epoch.

    Parameters
    ----------
    history : keras.callbacks.History or mapping
        ``model.fit(...)``'s return value, or its ``.history`` dict.
    metrics : sequence of str
        Which metrics to plot, one panel each.
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    present = [m for m in metrics if m in logs]
    if not present:
        raise ValueError(f"None of {list(metrics)} in the history; it has {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(present), figsize=(4.5 * len(present), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, present, strict=False):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true, y_pred, class_names: Sequence[str], normalize: bool = False, ax=None
):
    """Draw a confusion matrix (rows: true class, columns: predicted class), with a colour bar.

    Uses scikit-learn's ``confusion_matrix`` with every class listed, so a class that
    is missing from ``y_true`` (the real Test split has no Peach) keeps its row.

    Parameters
    ----------
    y_true, y_pred : sequences of int
        Class numbers, ``0 <= label < len(class_names)``, one pair per image (pass
        ``probabilities.argmax(axis=1)``, not the probabilities).
    class_names : sequence of str
    normalize : bool
        Show the share of each true class instead of counts.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], ["Apricot", "Banana"])
    >>> fig.axes[0].get_title()
    'Confusion matrix'
    """
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1 or len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true {y_true.shape} and y_pred {y_pred.shape} must be two lists of class "
            "numbers of the same length (for probabilities, pass probabilities.argmax(axis=1))."
        )
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.size and (
            not np.all(np.equal(np.mod(values, 1), 0))
            or values.min() < 0
            or values.max() >= len(class_names)
        ):
            raise ValueError(
                f"{name} must hold class numbers 0 to {len(class_names) - 1} for "
                f"{len(class_names)} class names; it has values from {values.min()} to "
                f"{values.max()}. Check the class list, or pass argmax of probabilities."
            )
    labels = np.arange(len(class_names))
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    if normalize:
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.nan_to_num(matrix / matrix.sum(axis=1, keepdims=True))
    if ax is None:
        side = max(5.0, 0.45 * len(class_names))
        _, ax = plt.subplots(figsize=(side, side))
    display = ConfusionMatrixDisplay(matrix, display_labels=list(class_names))
    display.plot(
        ax=ax,
        cmap="cividis",
        colorbar=False,
        values_format=".2f" if normalize else "d",
        xticks_rotation=90,
    )
    bar = ax.figure.colorbar(display.im_, ax=ax, fraction=0.046, pad=0.04)
    bar.set_label("share of the true class" if normalize else "images", fontsize=9)
    ax.set_title("Confusion matrix" + (" (share of each true class)" if normalize else ""))
    ax.figure.tight_layout()
    return ax.figure


def plot_top_k(
    probabilities, class_names: Sequence[str], k: int = 3, ax=None, title: str | None = None
):
    """Horizontal bar chart of the ``k`` most probable classes for one image.

    Examples
    --------
    >>> fig = plot_top_k([0.1, 0.7, 0.2], ["Apricot", "Banana", "Kiwi"], k=2)
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()]
    ['Kiwi', 'Banana']
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim == 2 and probabilities.shape[0] > 1:
        raise ValueError(
            f"plot_top_k draws one image's probabilities, not a batch {probabilities.shape}: "
            "pass probabilities[i]."
        )
    probabilities = probabilities.ravel()
    if len(probabilities) != len(class_names):
        raise ValueError(f"{len(probabilities)} probabilities for {len(class_names)} class names.")
    if not 1 <= int(k) <= len(class_names):
        raise ValueError(f"k must be between 1 and {len(class_names)}, not {k}.")
    best = np.argsort(probabilities)[::-1][:k]
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 0.45 * k + 0.8))
    ax.barh([class_names[i] for i in best][::-1], probabilities[best][::-1], color="tab:blue")
    for y, value in enumerate(probabilities[best][::-1]):
        ax.text(min(value + 0.01, 0.85), y, f"{value:.1%}", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    if title:
        ax.set_title(title, fontsize=9)
    ax.figure.tight_layout()
    return ax.figure


def show_image_and_top_k(
    image, probabilities, class_names: Sequence[str], k: int = 3, title: str | None = None
):
    """Show an image beside the bar chart of its ``k`` most probable classes."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(7, 2.6), gridspec_kw={"width_ratios": [1, 1.6]}
    )
    left.imshow(_as_display(image))
    left.axis("off")
    if title:
        left.set_title(title, fontsize=9)
    plot_top_k(probabilities, class_names, k=k, ax=right)
    fig.tight_layout()
    return fig


def overlay_heatmap(image, heatmap, alpha: float = 0.45, cmap: str = HEATMAP_CMAP) -> np.ndarray:
    """Blend one heatmap (any size, any range) over an RGB image; return a uint8 image.

    The heatmap is rescaled to 0-1 and resized to the image with bilinear interpolation,
    then coloured with ``cmap`` (default :data:`HEATMAP_CMAP`, perceptually uniform; a
    rainbow map such as ``"jet"`` is refused). Show the result with a colour bar, e.g.
    ``show_images(overlays, titles, colour_bar="Grad-CAM (0 to 1)")``.

    Parameters
    ----------
    image : array (h, w, 3)
        0-255 or 0-1 RGB.
    heatmap : array (gh, gw)
        One heatmap: for a batch from ``grad_cam``, pass ``heatmaps[i]``.
    alpha : float
        Weight of the heatmap's colours, 0 to 1.
    cmap : str

    Returns
    -------
    numpy.ndarray
        ``(h, w, 3)`` uint8.

    Examples
    --------
    >>> heat = np.zeros((2, 2)); heat[0, 0] = 1.0
    >>> overlay_heatmap(np.zeros((8, 8, 3), np.uint8), heat).shape
    (8, 8, 3)
    """
    from PIL import Image

    _check_cmap(cmap)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}.")
    if np.ndim(heatmap) != 2:
        raise ValueError(
            f"overlay_heatmap blends one heatmap (h, w), not shape {np.shape(heatmap)}: "
            "for a batch of heatmaps, pass heatmaps[i] with its image."
        )
    if np.ndim(image) != 3 or np.shape(image)[-1] != 3:
        raise ValueError(f"overlay_heatmap needs one RGB image (h, w, 3), not {np.shape(image)}.")
    image = np.asarray(_as_display(image))
    if image.dtype != np.uint8:
        image = (image * 255).astype(np.uint8)
    heat = np.asarray(heatmap, dtype=float)
    span = heat.max() - heat.min()
    heat = (heat - heat.min()) / span if span > 0 else np.zeros_like(heat)
    resized = Image.fromarray((heat * 255).astype(np.uint8)).resize(
        (image.shape[1], image.shape[0]), Image.Resampling.BILINEAR
    )
    coloured = plt.get_cmap(cmap)(np.asarray(resized) / 255.0)[..., :3] * 255
    blended = (1 - alpha) * image.astype(float) + alpha * coloured
    return np.clip(blended, 0, 255).astype(np.uint8)


def _number_format(matrix: np.ndarray) -> str:
    """``"{:.0f}"`` for whole numbers, ``"{:.2f}"`` otherwise."""
    finite = matrix[np.isfinite(matrix)]
    whole = finite.size == 0 or np.allclose(finite, np.round(finite))
    return "{:.0f}" if whole else "{:.2f}"


_DIVERGING = {"RdBu_r", "RdBu", "coolwarm", "bwr", "seismic", "PiYG", "PRGn", "PuOr", "BrBG"}


def draw_matrix(
    ax,
    matrix,
    title: str | None = None,
    numbers: bool | None = None,
    fmt: str | None = None,
    cmap: str = "viridis",
    highlight: tuple[int, int, int, int] | None = None,
    mask=None,
    vmin: float | None = None,
    vmax: float | None = None,
    centre: float | None = None,
):
    """Draw one small 2-D array on ``ax`` as a grid of coloured cells with its numbers.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    matrix : array of shape (rows, columns)
    title : str, optional
    numbers : bool, optional
        Write each value in its cell. Default: only when both sides are at most 16.
    fmt : str, optional
        Format of the numbers, e.g. ``"{:.2f}"``. Default: whole numbers without decimals.
    cmap : str
        Colour map of the cells.
    highlight : (row, column, height, width), optional
        Draws a red frame around these cells (a convolution window, a pooling window).
    mask : boolean array like ``matrix``, optional
        Cells drawn in light grey instead of colour (e.g. zero padding).
    vmin, vmax : float, optional
        Colour range; default the range of the unmasked values.
    centre : float, optional
        Make the colour range symmetric around this value. Diverging colour maps
        (``"RdBu_r"``, ``"coolwarm"``, ...) are centred on 0 unless ``vmin``, ``vmax`` or
        ``centre`` say otherwise, so that 0 is white, positive red and negative blue.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.patches import Rectangle

    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"draw_matrix needs a 2-D array, not shape {matrix.shape}.")
    _check_cmap(cmap)
    if mask is not None and np.shape(mask) != matrix.shape:
        raise ValueError(f"mask {np.shape(mask)} must have the matrix's shape {matrix.shape}.")
    rows, cols = matrix.shape
    shown = np.ma.masked_array(matrix, mask=None if mask is None else np.asarray(mask, bool))
    values = shown.compressed()
    low = values.min() if vmin is None and values.size else vmin
    high = values.max() if vmax is None and values.size else vmax
    if centre is None and vmin is None and vmax is None and cmap in _DIVERGING:
        centre = 0.0
    if centre is not None and values.size:
        reach = float(np.max(np.abs(values - centre))) or 1.0
        low, high = centre - reach, centre + reach
    if low is not None and high is not None and low == high:
        low, high = low - 1, high + 1
    colour_map = plt.get_cmap(cmap).with_extremes(bad="#dddddd")
    ax.imshow(shown, cmap=colour_map, vmin=low, vmax=high, interpolation="nearest")
    if numbers is None:
        numbers = max(rows, cols) <= 16
    if numbers:
        fmt = fmt or _number_format(matrix)
        size = max(5.0, min(10.0, 90.0 / max(rows, cols)))
        span = (high - low) if low is not None else 1.0
        for r in range(rows):
            for c in range(cols):
                colour = "black"
                if mask is None or not np.asarray(mask, bool)[r, c]:
                    red, green, blue, _ = colour_map((matrix[r, c] - low) / span)
                    if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5:
                        colour = "white"
                text = fmt.format(matrix[r, c]).replace("-", "\u2212")
                ax.text(c, r, text, ha="center", va="center", fontsize=size, color=colour)
    if highlight is not None:
        row, col, height, width = highlight
        ax.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5), width, height, fill=False, edgecolor="red", linewidth=2.5
            )
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def show_matrices(
    matrices: Sequence,
    titles: Sequence[str] | None = None,
    size: float = 0.42,
    suptitle: str | None = None,
    cmap: str | Sequence[str] = "viridis",
    **options,
):
    """Show small 2-D arrays side by side, each with its numbers (inputs, kernels, outputs).

    Parameters
    ----------
    matrices : sequence of 2-D arrays
    titles : sequence of str, optional
    size : float
        Inches per cell (panels keep their relative sizes).
    suptitle : str, optional
    cmap : str or sequence of str
        One colour map for every panel, or one per panel.
    **options
        Passed to :func:`draw_matrix` for every panel (``fmt``, ``numbers``, ``centre``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = show_matrices([np.eye(3), np.ones((2, 2))], ["input", "kernel"])
    >>> len(fig.axes)
    2
    """
    arrays = [np.asarray(m, dtype=float) for m in matrices]
    if not arrays:
        raise ValueError("show_matrices needs at least one matrix.")
    _check_titles(titles, len(arrays), "matrix", "matrices")
    widths = [max(a.shape[1], 2) for a in arrays]
    tallest = max(a.shape[0] for a in arrays)
    fig, axes = plt.subplots(
        1,
        len(arrays),
        figsize=(size * sum(widths) + 0.6 * len(arrays), size * tallest + 0.8),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    cmaps = [cmap] * len(arrays) if isinstance(cmap, str) else list(cmap)
    if len(cmaps) != len(arrays):
        raise ValueError(f"{len(cmaps)} colour maps for {len(arrays)} matrices.")
    for index, (ax, array) in enumerate(zip(axes.flat, arrays, strict=True)):
        title = titles[index] if titles is not None else None
        draw_matrix(ax, array, title=title, cmap=cmaps[index], **options)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


_CHANNEL_NAMES = ("red", "green", "blue")


def show_channels(image, title: str | None = None, axes=None):
    """Show an RGB image next to its red, green and blue channels.

    Each channel is drawn as a grayscale picture on the same fixed 0-255 scale: bright
    where the image has a lot of that colour, dark where it has little (white is bright
    in all three channels, black dark in all three).

    Parameters
    ----------
    image : array of shape (h, w, 3)
        uint8 (0-255) or float (0-1 or 0-255) RGB image.
    title : str, optional
        Title of the image panel.
    axes : sequence of four Axes, optional
        Where to draw (image, red, green, blue); default: a new figure with one row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = show_channels(np.zeros((8, 8, 3), dtype=np.uint8))
    >>> len(fig.axes)
    4
    """
    picture = _as_display(image)
    if picture.ndim != 3 or picture.shape[-1] != 3:
        raise ValueError(f"show_channels needs an (h, w, 3) RGB image, not shape {picture.shape}.")
    top = 255 if picture.dtype == np.uint8 else 1.0
    own_figure = axes is None
    if own_figure:
        _, axes = plt.subplots(1, 4, figsize=(10, 2.9))
    elif len(axes) != 4:
        raise ValueError(f"axes must hold four Axes (image, red, green, blue), not {len(axes)}.")
    axes[0].imshow(picture)
    axes[0].set_title(title or f"RGB image {picture.shape[1]}x{picture.shape[0]}", fontsize=9)
    for ax, channel, name in zip(axes[1:], range(3), _CHANNEL_NAMES, strict=True):
        ax.imshow(picture[..., channel], cmap="gray", vmin=0, vmax=top)
        ax.set_title(f"{name} channel (0-{top})", fontsize=9, color=name)
    for ax in axes:
        ax.axis("off")
    fig = axes[0].figure
    if own_figure:
        fig.tight_layout()
    return fig


def show_pixel_patch(image, top: int, left: int, size: int = 6):
    """Show where a small patch lies in an image, and the numbers its pixels are made of.

    Left: the image with a frame around the patch. Right: the patch enlarged, every pixel
    labelled with its red, green and blue values (0-255).

    Parameters
    ----------
    image : array of shape (h, w, 3)
        uint8 RGB image.
    top, left : int
        Row and column of the patch's upper left pixel.
    size : int
        Side of the square patch in pixels (at most 10 keeps the numbers readable).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    picture = np.asarray(image)
    if picture.ndim != 3 or picture.shape[-1] != 3:
        raise ValueError(f"show_pixel_patch needs an (h, w, 3) image, not shape {picture.shape}.")
    height, width = picture.shape[:2]
    if not (0 <= top <= height - size and 0 <= left <= width - size and size >= 1):
        raise ValueError(
            f"A {size}x{size} patch at row {top}, column {left} does not fit in a "
            f"{width}x{height} image: choose 0 <= top <= {height - size} and "
            f"0 <= left <= {width - size}."
        )
    patch = picture[top : top + size, left : left + size]
    fig, (whole, zoom) = plt.subplots(
        1, 2, figsize=(10, 5.2), gridspec_kw={"width_ratios": [1, 1.35]}
    )
    whole.imshow(_as_display(picture))
    whole.add_patch(
        Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor="black", lw=2)
    )
    whole.set_title(f"the whole image ({width}x{height} pixels)", fontsize=10)
    zoom.imshow(_as_display(patch))
    for row in range(size):
        for col in range(size):
            values = [int(v) for v in patch[row, col]]
            dark = 0.299 * values[0] + 0.587 * values[1] + 0.114 * values[2] < 128
            label = "\n".join(f"{letter} {v}" for letter, v in zip("RGB", values, strict=True))
            zoom.text(
                col,
                row,
                label,
                ha="center",
                va="center",
                fontsize=max(6.0, 46.0 / size),
                family="monospace",
                color="white" if dark else "black",
            )
    zoom.set_xticks(range(size), [str(left + c) for c in range(size)], fontsize=7)
    zoom.set_yticks(range(size), [str(top + r) for r in range(size)], fontsize=7)
    zoom.set_xlabel("column")
    zoom.set_ylabel("row")
    zoom.set_title(f"the framed {size}x{size} pixels, enlarged: (R, G, B) values", fontsize=10)
    whole.axis("off")
    fig.tight_layout()
    return fig


def plot_class_counts(
    counts: Mapping[str, Sequence[int]], class_names: Sequence[str], title: str | None = None
):
    """Bar chart of images per class, one group of bars per class and one colour per split.

    A class with no images in a split gets a red "0" where its bar would be, so a
    missing class stands out.

    Parameters
    ----------
    counts : mapping of split name -> counts
        For example ``{"Training": [492, 427, ...], "Test": [164, 143, ...]}``, one
        count per class in the order of ``class_names``.
    class_names : sequence of str
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_class_counts({"Training": [5, 3], "Test": [2, 0]}, ["Apricot", "Peach"])
    >>> len(fig.axes)
    1
    """
    splits = list(counts)
    table = np.asarray([counts[split] for split in splits], dtype=float)
    if table.ndim != 2 or table.shape[1] != len(class_names):
        raise ValueError(
            f"Each split needs one count per class ({len(class_names)}); got shape {table.shape}."
        )
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(class_names)), 3.6))
    positions = np.arange(len(class_names))
    width = 0.8 / len(splits)
    for index, (split, row) in enumerate(zip(splits, table, strict=True)):
        offsets = positions - 0.4 + width * (index + 0.5)
        ax.bar(offsets, row, width=width, label=f"{split} ({int(row.sum()):,} images)")
        for x, value in zip(offsets, row, strict=True):
            if value == 0:
                ax.text(x, 0, "0", ha="center", va="bottom", color="red", fontweight="bold")
    ax.set_xticks(positions, list(class_names), rotation=45, ha="right")
    ax.set_ylabel("images")
    ax.set_ylim(0, max(table.max(), 1) * 1.25)  # room for the legend above the bars
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right", ncol=len(splits))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_channel_histograms(
    histograms, class_names: Sequence[str], ncols: int = 4, title: str | None = None
):
    """Small multiples of colour histograms: one panel per class, one line per channel.

    Parameters
    ----------
    histograms : array of shape (classes, 3, bins)
        For each class, the share (or count) of pixel values in each bin, for red,
        green and blue; bins span 0-255.
    class_names : sequence of str
    ncols : int
        Panels per row.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    histograms = np.asarray(histograms, dtype=float)
    if histograms.ndim != 3 or histograms.shape[:2] != (len(class_names), 3):
        raise ValueError(
            f"histograms must have shape (classes={len(class_names)}, 3, bins); "
            f"got {histograms.shape}."
        )
    bins = histograms.shape[2]
    centres = (np.arange(bins) + 0.5) * 256 / bins
    nrows = int(np.ceil(len(class_names) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.6 * ncols, 1.9 * nrows), sharex=True, sharey=True, squeeze=False
    )
    for ax in axes.flat[len(class_names) :]:
        ax.axis("off")
    for ax, name, hist in zip(axes.flat, class_names, histograms, strict=False):
        for channel, colour in enumerate(_CHANNEL_NAMES):
            ax.plot(centres, hist[channel], color=colour, lw=1.2)
        ax.set_title(name, fontsize=9)
        ax.set_xlim(0, 255)
        ax.set_yticks([])
    for ax in axes[-1]:
        ax.set_xlabel("pixel value", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def compare_top_k(
    images: Sequence,
    probabilities: Mapping[str, Sequence],
    class_names: Sequence[str],
    k: int = 5,
    titles: Sequence[str] | None = None,
):
    """Show each image beside the top-``k`` bar chart of every model, one row per image.

    Parameters
    ----------
    images : sequence of arrays
        ``(h, w, 3)`` RGB images (0-255 or 0-1).
    probabilities : mapping of str to array
        ``{model name: array of shape (len(images), len(class_names))}``; one column
        of bar charts per model, in the mapping's order.
    class_names : sequence of str
        The name of every class, in the models' output order.
    k : int
        Bars per chart.
    titles : sequence of str, optional
        One title per image.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> image = np.zeros((8, 8, 3), dtype=np.uint8)
    >>> p1, p2 = np.array([[0.7, 0.2, 0.1]]), np.array([[0.1, 0.3, 0.6]])
    >>> fig = compare_top_k([image], {"VGG16": p1, "Xception": p2}, ["a", "b", "c"], k=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['', 'VGG16', 'Xception']
    """
    count = len(images)
    if count == 0 or not probabilities:
        raise ValueError("compare_top_k needs at least one image and one model.")
    _check_titles(titles, count)
    for model, probs in probabilities.items():
        if np.shape(probs)[0] != count:
            raise ValueError(
                f"{model}: {np.shape(probs)[0]} rows of probabilities for {count} images."
            )
    columns = 1 + len(probabilities)
    fig, axes = plt.subplots(
        count,
        columns,
        figsize=(2.2 + 3.6 * len(probabilities), (0.3 * k + 1.0) * count),
        gridspec_kw={"width_ratios": [1] + [1.6] * len(probabilities)},
        squeeze=False,
    )
    for row in range(count):
        axes[row, 0].imshow(_as_display(images[row]))
        axes[row, 0].axis("off")
        if titles is not None:
            axes[row, 0].set_title(str(titles[row]), fontsize=9)
        for col, (model, probs) in enumerate(probabilities.items(), start=1):
            plot_top_k(np.asarray(probs)[row], class_names, k=k, ax=axes[row, col])
            axes[row, col].tick_params(axis="y", labelsize=8)
            if row == 0:
                axes[row, col].set_title(model, fontsize=10)
            if row < count - 1:
                axes[row, col].set_xlabel("")
    fig.tight_layout()
    return fig


def plot_history_phases(
    histories: Sequence,
    labels: Sequence[str],
    metrics: Sequence[str] = ("loss", "accuracy"),
):
    """Plot training curves of several training phases one after the other.

    For example a new head trained on a frozen base, then fine-tuning: the epochs of
    each phase follow those of the previous one, and a dashed line marks each switch.

    Parameters
    ----------
    histories : sequence of keras.callbacks.History or mappings
        One per phase, in order.
    labels : sequence of str
        One name per phase, written at the top of its part of each panel.
    metrics : sequence of str
        Which metrics to plot, one panel each (training and ``val_`` curves).

    Returns
    -------
    matplotlib.figure.Figure
    """
    logs = [getattr(history, "history", history) for history in histories]
    if not logs or len(logs) != len(labels):
        raise ValueError(f"{len(logs)} histories for {len(labels)} labels: give one label each.")
    present = [m for m in metrics if all(m in log for log in logs)]
    if not present:
        raise ValueError(f"None of {list(metrics)} is in every history.")
    fig, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, present, strict=False):
        start = 0
        for phase, (log, label) in enumerate(zip(logs, labels, strict=True)):
            epochs = np.arange(start + 1, start + len(log[metric]) + 1)
            ax.plot(
                epochs,
                log[metric],
                "o-",
                color="tab:blue",
                ms=3,
                label="training" if phase == 0 else None,
            )
            if f"val_{metric}" in log:
                ax.plot(
                    epochs,
                    log[f"val_{metric}"],
                    "s--",
                    color="tab:orange",
                    ms=3,
                    label="validation" if phase == 0 else None,
                )
            if phase > 0:
                ax.axvline(start + 0.5, color="gray", ls=":", lw=1.5)
            ax.text(
                start + 1, 1.02, label, transform=ax.get_xaxis_transform(), fontsize=8, va="bottom"
            )
            start += len(log[metric])
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
