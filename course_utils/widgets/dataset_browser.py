"""The dataset browser of lesson 01: flip through the fruit pictures of any data source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils import WORKSHOP_CLASSES
from course_utils.datasets import available_fruit_sources, list_class_images
from course_utils.widgets.base import Explorer

SOURCE_LABELS = {"real": "real photos", "generated": "generated fruits"}
"""How the dataset browser names each data source in its menu."""


@dataclass
class BrowsedImage:
    """What the dataset browser shows: one image file and where it comes from.

    ``number`` counts from 1, as the slider and the title do. ``image`` is ``None``
    (and ``message`` says why) when the chosen class has no images in the chosen split,
    as Peach in the real Test split.
    """

    source: str
    split: str
    class_name: str
    number: int
    count: int
    path: Path | None = None
    image: Any = None  # the pixels: a uint8 array of shape (height, width, 3)
    size: tuple[int, int] | None = None
    mode: str | None = None
    message: str = ""


class DatasetBrowser(Explorer):
    """Flip through the fruit pictures: choose data source, split, class and image.

    Shows the image large with its class, file name and size, and its red, green and
    blue channels. The image slider counts from 1 to the number of images of the
    chosen class and split, as the title does ("image 3 of 62"); a class without images
    in a split (the real Test split has no Peach) shows a note instead of an image. The
    data menu offers only the sources found on this computer.

    Parameters
    ----------
    sources : mapping of name -> folder, optional
        The Fruits-360 style folders to browse, e.g. ``{"real": ..., "generated": ...}``.
        Default: :func:`~course_utils.datasets.available_fruit_sources`.
    class_names : sequence of str
        Classes offered in the class menu.
    split : {"Training", "Test"}
        The split shown first.
    class_name : str, optional
        The class shown first (default: the first class).

    Raises
    ------
    FileNotFoundError
        When no fruits folder exists yet.

    Examples
    --------
    >>> browser = DatasetBrowser()  # doctest: +SKIP
    >>> browser.controls["class_name"].value = "Banana"  # doctest: +SKIP
    >>> browser.result.path.name  # doctest: +SKIP
    '0_100.jpg'
    """

    SPLITS = ("Training", "Test")

    def __init__(
        self,
        sources: Mapping[str, Path | str] | None = None,
        *,
        class_names=WORKSHOP_CLASSES,
        split: str = "Training",
        class_name: str | None = None,
    ):
        found = available_fruit_sources() if sources is None else dict(sources)
        if not found:
            raise FileNotFoundError(
                "No fruits to browse yet. Run `source = datasets.locate_fruits()` first (it "
                "generates the fruits when no real photos exist), or set COURSE_FRUITS_DIR "
                "to a Fruits-360 folder."
            )
        self.sources = {name: Path(folder) for name, folder in found.items()}
        self.class_names = list(class_names)
        if split not in self.SPLITS:
            raise ValueError(f"split must be one of {self.SPLITS}, not {split!r}.")
        class_name = class_name or self.class_names[0]
        if class_name not in self.class_names:
            raise ValueError(f"Unknown class {class_name!r}; choose one of {self.class_names}.")
        style = {"description_width": "50px"}
        controls = {
            "source": widgets.Dropdown(
                options=[(SOURCE_LABELS.get(name, name), name) for name in self.sources],
                description="Data",
                disabled=len(self.sources) == 1,
                style=style,
            ),
            "split": widgets.ToggleButtons(
                options=list(self.SPLITS),
                value=split,
                description="Split",
                style={**style, "button_width": "80px"},
                # label beside the buttons (ToggleButtons stack them otherwise)
                layout=widgets.Layout(display="flex", flex_flow="row", align_items="center"),
            ),
            "class_name": widgets.Dropdown(
                options=self.class_names, value=class_name, description="Class", style=style
            ),
            "number": widgets.IntSlider(
                value=1,
                min=1,
                max=1,
                description="Image",
                continuous_update=False,
                style=style,
            ),
        }
        self.controls = controls
        self._fit_slider()
        super().__init__(controls, columns=2)

    def files(self, source: str, split: str, class_name: str) -> list[Path]:
        """The image files of one class, split and source (what the slider runs through)."""
        return list_class_images(self.sources[source], split, class_name)

    def _fit_slider(self) -> None:
        """Fit the image slider (1 to the number of files) to source, split and class."""
        values = {name: control.value for name, control in self.controls.items()}
        count = len(self.files(values["source"], values["split"], values["class_name"]))
        slider = self.controls["number"]
        with self.syncing():
            slider.max = max(count, 1)  # ipywidgets clamps the value into the new range
            slider.disabled = count == 0

    def adjust(self, change) -> None:
        if change["owner"] is not self.controls["number"]:
            self._fit_slider()

    def compute(self, source: str, split: str, class_name: str, number: int) -> BrowsedImage:
        """Read the chosen image; return it with its file name, size and position."""
        from PIL import Image

        files = self.files(source, split, class_name)
        view = BrowsedImage(source, split, class_name, number, len(files))
        label = SOURCE_LABELS.get(source, source)
        if not files:
            view.message = f"No {split} images of {class_name} in the {label}."
            if split == "Test":
                view.message += (
                    "\nA model can still learn this class from the Training pictures,\n"
                    "but the test accuracy says nothing about it."
                )
            return view
        view.number = min(max(number, 1), len(files))
        view.path = files[view.number - 1]
        with Image.open(view.path) as picture:
            view.size, view.mode = picture.size, picture.mode
            view.image = np.asarray(picture.convert("RGB"))
        return view

    def draw(self, view: BrowsedImage):
        """Draw the image large, its three channels beside it, and a title saying what it is.

        Without an image the note takes the picture's place in the same layout, so the
        page below the widget does not move.
        """
        from course_utils.plotting import show_channels

        label = SOURCE_LABELS.get(view.source, view.source)
        fig = plt.figure(figsize=(8, 5.2))
        grid = fig.add_gridspec(3, 2, width_ratios=[3, 1], hspace=0.35, wspace=0.05)
        axes = [fig.add_subplot(grid[:, 0])] + [fig.add_subplot(grid[row, 1]) for row in range(3)]
        if view.image is None:
            axes[0].set_title(f"{view.class_name}: {view.split} ({label})\nno images", fontsize=10)
            axes[0].text(0.5, 0.5, view.message, ha="center", va="center", fontsize=10, wrap=True)
            axes[0].set_xticks([])
            axes[0].set_yticks([])
            for ax in axes[1:]:
                ax.axis("off")
            return fig
        width, height = view.size
        title = (
            f"{view.class_name}: {view.split} image {view.number} of {view.count} ({label})\n"
            f"{view.path.name}, {width}x{height} pixels, {view.mode}"
        )
        show_channels(view.image, title=title, axes=axes)
        return fig
