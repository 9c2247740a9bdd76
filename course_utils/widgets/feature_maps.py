"""The feature-map explorer of lesson 07: what one channel of one layer responds to."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils.widgets.base import Explorer


class FeatureMapExplorer(Explorer):
    """Pick an image, a layer and a channel; see what that channel responds to.

    Shows the input image, the chosen channel's feature map (bright = strong
    activation), and the layer's 16 channels around it with the chosen one framed in
    red. The big map and the 16 small ones share one colour scale, shown by the one
    colour bar: a dark channel really is weak for this image. The channel slider's range
    follows the chosen layer's number of channels. Activations are computed once per
    image (all layers) and cached.

    Parameters
    ----------
    model : keras.Model
        Any model :func:`course_utils.explain.feature_maps` accepts (nested bases too).
    images : array (n, h, w, 3)
        In the form the model expects (0-255 for the fruits CNN).
    layers : sequence of str, optional
        Layer names to offer; default every layer with feature maps (4-D output).
    titles : sequence of str, optional
        One label per image (e.g. its class); shown in the image dropdown.
    display_images : array (n, h, w, 3), optional
        What to show as the input, if ``images`` are preprocessed (e.g. for VGG16).

    Examples
    --------
    >>> explorer = FeatureMapExplorer(model, x_test[:8], ["act1", "act2"])  # doctest: +SKIP
    >>> explorer.controls["layer"].value = "act2"                          # doctest: +SKIP
    >>> explorer.result["map"].shape                                       # doctest: +SKIP
    (16, 16)
    """

    def __init__(self, model, images, layers=None, *, titles=None, display_images=None):
        from course_utils import explain

        self.model = model
        self.images = np.asarray(images)
        if self.images.ndim != 4 or len(self.images) == 0:
            raise ValueError(f"Pass a batch of images (n, h, w, c), got {self.images.shape}.")
        self.display_images = self.images if display_images is None else display_images
        self.layers = list(explain.feature_map_layers(model) if layers is None else layers)
        if not self.layers:
            raise ValueError("The model has no layer with feature maps; pass layers=[...].")
        for name in self.layers:
            explain.find_layer(model, name)  # a clear error for a wrong name, now
        labels = list(titles) if titles is not None else [str(i) for i in range(len(images))]
        if len(labels) != len(self.images):
            raise ValueError(f"{len(labels)} titles for {len(self.images)} images.")
        self._cache: dict[int, dict] = {}
        channels = self._activations(0)[self.layers[0]].shape[-1]
        controls = {
            "image": widgets.Dropdown(
                options=[(f"{i}: {label}", i) for i, label in enumerate(labels)],
                value=0,
                description="image",
            ),
            "layer": widgets.Dropdown(
                options=self.layers, value=self.layers[0], description="layer"
            ),
            "channel": widgets.IntSlider(value=0, min=0, max=channels - 1, description="channel"),
        }
        super().__init__(controls, columns=3)

    def _activations(self, index: int) -> dict:
        from course_utils import explain

        if index not in self._cache:
            self._cache[index] = explain.feature_maps(self.model, self.images[index], self.layers)
        return self._cache[index]

    def adjust(self, change) -> None:
        if change["owner"] is self.controls["layer"]:
            channels = self._activations(self.controls["image"].value)[change["new"]].shape[-1]
            slider = self.controls["channel"]
            slider.value = min(slider.value, channels - 1)
            slider.max = channels - 1

    def compute(self, image, layer, channel):
        maps = self._activations(image)[layer]
        channel = min(channel, maps.shape[-1] - 1)
        start = (channel // 16) * 16
        neighbours = list(range(start, min(start + 16, maps.shape[-1])))
        group = maps[..., neighbours]  # includes the chosen channel: one scale for all
        return {
            "image": self.display_images[image],
            "layer": layer,
            "channel": channel,
            "channels": maps.shape[-1],
            "maps": maps,
            "map": maps[..., channel],
            "neighbours": neighbours,
            "limits": (float(group.min()), float(group.max())),
        }

    def draw(self, result):
        low, high = result["limits"]
        if low == high:  # a constant group (a dead layer): any range shows it as one colour
            low, high = low - 1.0, high + 1.0
        scale = {"cmap": "viridis", "vmin": low, "vmax": high, "interpolation": "nearest"}
        fig = plt.figure(figsize=(10.5, 3.4))
        outer = fig.add_gridspec(1, 4, width_ratios=[3, 3, 3.4, 0.15], wspace=0.25)
        left = fig.add_subplot(outer[0])
        left.imshow(_displayable(result["image"]))
        left.set_title("input", fontsize=9)
        left.axis("off")
        middle = fig.add_subplot(outer[1])
        shown = middle.imshow(result["map"], **scale)
        height, width = result["map"].shape
        middle.set_title(
            f"{result['layer']}, channel {result['channel']} of {result['channels']} "
            f"({height}x{width})",
            fontsize=9,
        )
        middle.axis("off")
        first, last = result["neighbours"][0], result["neighbours"][-1]
        inner = outer[2].subgridspec(4, 4, wspace=0.08, hspace=0.08)
        for slot, channel in enumerate(result["neighbours"]):
            ax = fig.add_subplot(inner[slot // 4, slot % 4])
            ax.imshow(result["maps"][..., channel], **scale)
            ax.set_xticks([])
            ax.set_yticks([])
            if slot == 0:
                ax.set_title(f"channels {first}-{last}, same scale", fontsize=9, loc="left")
            for spine in ax.spines.values():
                spine.set_visible(channel == result["channel"])
                spine.set_color("red")
                spine.set_linewidth(2.5)
        bar = fig.colorbar(shown, cax=fig.add_subplot(outer[3]))
        bar.set_label("activation (every map here)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        return fig


def _displayable(image):
    """An image ready for ``imshow``: uint8 as is, other 0-255 values scaled to 0-1."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return np.clip(array / 255.0 if array.max() > 1.0 else array, 0.0, 1.0)
