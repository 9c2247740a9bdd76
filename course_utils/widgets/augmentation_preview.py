"""The augmentation preview of lesson 04: one slider per transformation, random copies.

What the layers are and how their code is written lives in
:mod:`course_utils.augmentation`; this module is the widget that applies them to one
picture and shows the copies with the code under them.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils.augmentation import augmentation_code, augmentation_layers
from course_utils.widgets.base import Explorer

LAYER_COUNT = 6
"""The most augmentation layers the preview can write out (one per control but the seed)."""


class AugmentationPreview(Explorer):
    """Preview data augmentation: one slider per transformation, a grid of random copies.

    The first picture of the grid is the original; the others are what the Keras
    preprocessing layers (the same ones a training pipeline uses) make of it. The
    copies are seeded: the same settings always give the same grid (change ``seed`` for
    another draw). Below the grid, the layers are written out as code.

    Parameters
    ----------
    image : array of shape (height, width, 3)
        RGB, 0-255.
    count : int
        Number of augmented copies.
    fill_mode : str
        Passed to the geometric layers (see :func:`~course_utils.augmentation.augmentation_layers`).

    Examples
    --------
    >>> preview = AugmentationPreview(image)                     # doctest: +SKIP
    >>> preview.controls["brightness"].value = 0.3              # doctest: +SKIP
    >>> preview.result["images"].shape                          # doctest: +SKIP
    (8, 100, 100, 3)
    """

    def __init__(self, image, *, count: int = 8, fill_mode: str = "nearest"):
        picture = np.asarray(image)
        if picture.ndim != 3 or picture.shape[-1] != 3:
            raise ValueError(
                f"AugmentationPreview needs an RGB image (h, w, 3), not {picture.shape}."
            )
        if count < 1:
            raise ValueError("count must be at least 1.")
        if picture.dtype != np.uint8:
            scale = 255.0 if picture.max() <= 1.0 else 1.0
            picture = np.clip(picture * scale, 0, 255).round().astype(np.uint8)
        self.image = picture
        self.count = count
        self.fill_mode = fill_mode
        wide = widgets.Layout(width="300px")
        style = {"description_width": "90px"}

        def slider(description, low, high, step):
            return widgets.FloatSlider(
                value=0.0,
                min=low,
                max=high,
                step=step,
                description=description,
                continuous_update=False,
                layout=wide,
                style=style,
            )

        controls = {
            "rotation": slider("rotation (deg)", 0.0, 180.0, 5.0),
            "zoom": slider("zoom", 0.0, 0.5, 0.05),
            "translation": slider("translation", 0.0, 0.4, 0.05),
            "brightness": slider("brightness", -0.5, 0.5, 0.05),
            "contrast": slider("contrast", 0.0, 0.9, 0.1),
            "flip": widgets.Checkbox(value=False, description="random left-right flip"),
            "seed": widgets.IntSlider(
                value=0,
                min=0,
                max=99,
                description="seed",
                continuous_update=False,
                layout=wide,
                style=style,
            ),
        }
        super().__init__(controls, columns=3)

    def compute(self, **values):
        settings = {**values, "fill_mode": self.fill_mode}
        chosen = augmentation_layers(**settings)
        batch = np.repeat(self.image[None], self.count, axis=0)
        if chosen:
            values = batch.astype("float32")
            for layer in chosen:
                values = layer(values, training=True)
            batch = np.clip(np.round(np.asarray(values)), 0, 255).astype(np.uint8)
        return {
            "original": self.image,
            "images": batch,
            "code": augmentation_code(**settings),
        }

    def draw(self, result):
        pictures = [result["original"], *result["images"]]
        columns = min(len(pictures), 5)
        rows = -(-len(pictures) // columns)
        code = result["code"] or ["(no augmentation: every copy is the original)"]
        cell, title_space = 1.7, 0.3
        # Room for every layer there can be, whichever are on: the height never changes,
        # so the page below the widget does not move when a slider leaves or reaches 0.
        text_height = 0.17 * max(len(code), LAYER_COUNT) + 0.25
        height = rows * (cell + title_space) + text_height
        top_of_text = (text_height - 0.08) / height  # just under the grid
        fig, axes = plt.subplots(rows, columns, figsize=(cell * columns, height), squeeze=False)
        fig.subplots_adjust(
            left=0.01,
            right=0.99,
            top=1 - title_space / height,
            bottom=text_height / height,
            wspace=0.08,
            hspace=title_space / cell,
        )
        for index, ax in enumerate(axes.flat):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color("#bbbbbb")
            if index < len(pictures):
                ax.imshow(pictures[index])
                ax.set_title("original" if index == 0 else f"copy {index}", fontsize=8)
            else:
                ax.axis("off")
        lines = code + [" "] * (LAYER_COUNT - len(code))  # blank lines keep the room
        fig.text(0.01, top_of_text, "\n".join(lines), family="monospace", fontsize=8, va="top")
        return fig
