"""Feature maps of any layer (nested bases included), and pictures of them and of
first-layer filters (lesson 07)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils.explain.model_split import _as_batch, split_model


def feature_maps(model, image, layers: str | Sequence[str]) -> dict[str, np.ndarray]:
    """Activations of the named layers for one image (nested bases included).

    Parameters
    ----------
    model : keras.Model
    image : array (h, w, c)
        One image, in the form the model expects.
    layers : str or sequence of str
        Layer names, e.g. ``["act1", "act2", "act3"]`` or ``"block1_conv2"``.

    Returns
    -------
    dict
        ``{name: array (height, width, channels)}`` in the order given.
    """
    import keras

    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise ValueError("Name at least one layer, e.g. layers=['act1'].")
    batch = _as_batch(image)[:1]
    result = {}
    for name in names:
        maps = split_model(model, name).features(batch)
        result[name] = keras.ops.convert_to_numpy(maps)[0]
    return result


def show_feature_maps(
    maps,
    channels: Sequence[int] | None = None,
    max_channels: int = 16,
    ncols: int = 8,
    size: float = 1.1,
    cmap: str = "viridis",
    title: str | None = None,
    highlight: int | None = None,
):
    """Show the channels of one layer's activation ``(h, w, channels)`` as a grid.

    Each channel is drawn on its own scale, from its smallest value (dark) to its largest
    (bright), so weak and strong channels are both readable; the title of each panel is
    the channel number and its largest value, and one colour bar says what the colours
    mean on that per-channel scale.

    Parameters
    ----------
    maps : array (h, w, c)
    channels : sequence of int, optional
        Which channels; default the first ``max_channels``.
    max_channels : int
    ncols : int
    size : float
        Inches per panel.
    cmap : str
    title : str, optional
    highlight : int, optional
        A channel to frame in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    maps = np.asarray(maps, dtype="float32")
    if maps.ndim != 3:
        raise ValueError(f"Expected one activation (height, width, channels), got {maps.shape}.")
    if channels is None:
        channels = range(min(max_channels, maps.shape[-1]))
    channels = [int(c) for c in channels]
    if not channels or min(channels) < 0 or max(channels) >= maps.shape[-1]:
        raise ValueError(f"channels must be in [0, {maps.shape[-1]}), got {channels}.")
    ncols = max(1, min(ncols, len(channels)))
    nrows = int(np.ceil(len(channels) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * (size + 0.22) + 0.4), squeeze=False
    )
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axis("off")
    for ax, channel in zip(axes.flat, channels, strict=False):
        ax.axis("on")
        values = maps[..., channel]
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
        shown = ax.imshow(scaled, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
        ax.set_title(f"{channel}: max {maps[..., channel].max():.2g}", fontsize=7)
        for spine in ax.spines.values():
            spine.set_visible(channel == highlight)
            spine.set_color("red")
            spine.set_linewidth(2.5)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    bar = fig.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.025, pad=0.02)
    bar.set_ticks([0.0, 1.0], labels=["channel's min", "channel's max"])
    bar.ax.tick_params(labelsize=7)
    return fig


def filters_as_images(kernel) -> np.ndarray:
    """First-layer kernels ``(kh, kw, 3, n)`` as ``n`` RGB images in [0, 1].

    Each filter is scaled on its own (its most negative weight -> 0, its most positive
    -> 1), so a filter that responds to red looks red and an edge detector shows a dark
    and a bright side.
    """
    kernel = np.asarray(kernel, dtype="float32")
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(
            f"Expected first-layer kernels (height, width, 3, filters), got {kernel.shape}."
        )
    images = np.moveaxis(kernel, -1, 0)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1.0)
