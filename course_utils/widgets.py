"""Interactive explorers for the lessons, built with ipywidgets.

Each explorer is a small class: its logic (what it computes and draws for given control
values) is plain Python that tests drive without a browser, and ``.widget`` is the
ipywidgets box a notebook displays. Every explorer redraws into an ``Output`` widget
with matplotlib.

Sections (one per explorer): dataset browser (lesson 01), convolution playground
(lesson 03), augmentation preview (lesson 04), feature-map explorer (lesson 07),
LIME controls (lesson 08).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course_utils import WORKSHOP_CLASSES
from course_utils.datasets import available_fruit_sources, list_class_images


class Explorer:
    """Base class of the explorers: controls -> ``compute`` -> ``draw`` into an output area.

    A subclass builds its controls in ``__init__`` (a dict of ipywidgets, passed to
    ``super().__init__``), and implements ``compute(**values)``, which returns a result
    (plain data: arrays, numbers), and ``draw(result)``, which returns a matplotlib
    ``Figure``. Changing any control recomputes and redraws. Tests set control values
    and read ``.result`` and ``.figure``; notebooks display ``.widget``.
    """

    def __init__(self, controls: Mapping[str, widgets.Widget], columns: int = 3):
        self.controls = dict(controls)
        self.output = widgets.Output()
        self.result: Any = None
        self.figure = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        rows = list(self.controls.values())
        boxes = [widgets.HBox(rows[i : i + columns]) for i in range(0, len(rows), columns)]
        self.widget = widgets.VBox([*boxes, self.output])
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control."""
        return {name: control.value for name, control in self.controls.items()}

    def compute(self, **values) -> Any:  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def draw(self, result: Any):  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def refresh(self) -> None:
        """Recompute with the current control values and redraw."""
        self.result = self.compute(**self.values())
        if self.figure is not None:
            plt.close(self.figure)
        self.figure = self.draw(self.result)
        # Replace the output area's content as widget state. Capturing with
        # `with self.output:` races with headless notebook runners (nbclient waited for
        # its cell timeout in about 1 run in 6 under load); setting the outputs does not.
        self.output.outputs = ()
        self.output.append_display_data(self.figure)
        plt.close(self.figure)

    def _on_change(self, change) -> None:
        self.refresh()

    def _ipython_display_(self) -> None:
        display(self.widget)


# ---------------------------------------------------------- dataset browser (lesson 01)


SOURCE_LABELS = {"real": "real photos", "generated": "generated fruits"}
"""How the dataset browser names each data source in its menu."""


@dataclass
class BrowsedImage:
    """What the dataset browser shows: one image file and where it comes from.

    ``image`` is ``None`` (and ``message`` says why) when the chosen class has no
    images in the chosen split, as Peach in the real Test split.
    """

    source: str
    split: str
    class_name: str
    index: int
    count: int
    path: Path | None = None
    image: Any = None  # the pixels: a uint8 array of shape (height, width, 3)
    size: tuple[int, int] | None = None
    mode: str | None = None
    message: str = ""


class DatasetBrowser(Explorer):
    """Flip through the fruit pictures: choose data source, split, class and image.

    Shows the image large with its class, file name and size, and its red, green and
    blue channels. The image slider's range follows the chosen class and split; a
    class without images in a split (the real Test split has no Peach) shows a note
    instead of an image. The data menu offers only the sources found on this computer.

    Parameters
    ----------
    sources : mapping of name -> folder, optional
        The Fruits-360 style folders to browse, e.g. ``{"real": ..., "generated": ...}``.
        Default: :func:`available_fruit_sources`.
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
        self._syncing = False
        source_menu = widgets.Dropdown(
            options=[(SOURCE_LABELS.get(name, name), name) for name in self.sources],
            description="Data",
            disabled=len(self.sources) == 1,
        )
        controls = {
            "source": source_menu,
            "split": widgets.ToggleButtons(options=list(self.SPLITS), value=split),
            "class_name": widgets.Dropdown(
                options=self.class_names, value=class_name, description="Class"
            ),
            "index": widgets.IntSlider(
                value=0, min=0, max=0, description="Image", continuous_update=False
            ),
        }
        self.controls = controls
        self._sync_index()
        super().__init__(controls, columns=2)

    def files(self, source: str, split: str, class_name: str) -> list[Path]:
        """The image files of one class, split and source (what the slider runs through)."""
        return list_class_images(self.sources[source], split, class_name)

    def _sync_index(self) -> None:
        """Fit the image slider to the files of the chosen source, split and class."""
        values = {name: control.value for name, control in self.controls.items()}
        count = len(self.files(values["source"], values["split"], values["class_name"]))
        slider = self.controls["index"]
        self._syncing = True
        try:
            slider.max = max(count - 1, 0)
            slider.value = min(slider.value, slider.max)
            slider.disabled = count == 0
        finally:
            self._syncing = False

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        if change["owner"] is not self.controls["index"]:
            self._sync_index()
        self.refresh()

    def compute(self, source: str, split: str, class_name: str, index: int) -> BrowsedImage:
        """Read the chosen image; return it with its file name, size and position."""
        import numpy as np
        from PIL import Image

        files = self.files(source, split, class_name)
        view = BrowsedImage(source, split, class_name, index, len(files))
        label = SOURCE_LABELS.get(source, source)
        if not files:
            view.message = f"No {split} images of {class_name} in the {label}."
            if split == "Test":
                view.message += (
                    "\nA model can still learn this class from the Training pictures,\n"
                    "but the test accuracy says nothing about it."
                )
            return view
        view.index = min(index, len(files) - 1)
        view.path = files[view.index]
        with Image.open(view.path) as picture:
            view.size, view.mode = picture.size, picture.mode
            view.image = np.asarray(picture.convert("RGB"))
        return view

    def draw(self, view: BrowsedImage):
        """Draw the image large, its three channels beside it, and a title saying what it is."""
        from course_utils.plotting import show_channels

        label = SOURCE_LABELS.get(view.source, view.source)
        if view.image is None:
            fig, ax = plt.subplots(figsize=(8, 2.2))
            ax.text(0.5, 0.5, view.message, ha="center", va="center", fontsize=11, wrap=True)
            ax.axis("off")
            return fig
        fig = plt.figure(figsize=(8, 5.2))
        grid = fig.add_gridspec(3, 2, width_ratios=[3, 1], hspace=0.35, wspace=0.05)
        axes = [fig.add_subplot(grid[:, 0])] + [fig.add_subplot(grid[row, 1]) for row in range(3)]
        width, height = view.size
        title = (
            f"{view.class_name}: {view.split} image {view.index + 1} of {view.count} ({label})\n"
            f"{view.path.name}, {width}x{height} pixels, {view.mode}"
        )
        show_channels(view.image, title=title, axes=axes)
        return fig


# ---------------------------------------------------------- convolution playground (lesson 03)


CUSTOM_KERNEL = "custom"

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
    image, kernel, stride: int = 1, padding: str = "valid"
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


class ConvolutionPlayground(Explorer):
    """Try kernels, strides and padding on a small picture and watch the numbers.

    Shows the input (with its zero padding in grey), the kernel and the output side by
    side, the window behind one output value (move it with ``window``), and the
    output-size formula filled in with the current values.

    Parameters
    ----------
    image : array, optional
        An extra input to try, e.g. a fruit photo (RGB images are turned to grey, 0-1).
    preset : str
        The kernel shown first (a key of :data:`KERNEL_PRESETS`).
    input_name : str
        The input shown first.

    Examples
    --------
    >>> playground = ConvolutionPlayground()                     # doctest: +SKIP
    >>> playground.controls["stride"].value = 2                  # doctest: +SKIP
    >>> playground.result["output"].shape                        # doctest: +SKIP
    (4, 4)
    """

    def __init__(self, image=None, preset: str = "diagonal \\ (/9)", input_name: str = "X (9x9)"):
        self.inputs = {
            "X (9x9)": pattern_x(9),
            "O (9x9)": pattern_o(9),
            "edge (7x7)": pattern_edge(7),
        }
        if image is not None:
            picture = np.asarray(image, dtype=float)
            if picture.ndim == 3:
                picture = picture[..., :3].mean(axis=-1)
            if picture.max() > 1:
                picture = picture / 255.0
            self.inputs["your image (grey)"] = picture
        if preset not in KERNEL_PRESETS:
            raise ValueError(f"Unknown preset {preset!r}; choose one of {list(KERNEL_PRESETS)}.")
        if input_name not in self.inputs:
            raise ValueError(f"Unknown input {input_name!r}; choose one of {list(self.inputs)}.")
        self._syncing = False
        layout = widgets.Layout(width="320px")
        controls = {
            "input": widgets.Dropdown(
                options=list(self.inputs), value=input_name, description="input"
            ),
            "preset": widgets.Dropdown(
                options=[*KERNEL_PRESETS, CUSTOM_KERNEL], value=preset, description="kernel"
            ),
            "kernel": widgets.Textarea(
                value=format_kernel(KERNEL_PRESETS[preset]),
                description="edit",
                rows=3,
                continuous_update=False,
                layout=widgets.Layout(width="240px"),
            ),
            "stride": widgets.ToggleButtons(
                options=[1, 2], value=1, description="stride", style={"button_width": "40px"}
            ),
            "padding": widgets.ToggleButtons(
                options=["valid", "same"],
                value="valid",
                description="padding",
                style={"button_width": "60px"},
            ),
            "window": widgets.IntSlider(
                value=0, min=0, max=48, description="window", layout=layout
            ),
        }
        super().__init__(controls, columns=3)

    def compute(self, input, preset, kernel, stride, padding, window):  # noqa: A002
        image = self.inputs[input]
        try:
            weights = parse_kernel(kernel)
            output, padded = convolve(image, weights, stride, padding)
        except ValueError as error:
            return {"error": str(error), "input": image}
        kh, kw = weights.shape
        pads = (same_padding(image.shape[0], kh, stride), same_padding(image.shape[1], kw, stride))
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        position = min(max(window, 0), output.size - 1)
        row, col = divmod(position, output.shape[1])
        patch = padded[row * stride : row * stride + kh, col * stride : col * stride + kw]
        return {
            "error": None,
            "input": image,
            "padded": padded,
            "pads": pads,
            "kernel": weights,
            "output": output,
            "stride": stride,
            "padding": padding,
            "position": (row, col),
            "window": patch,
            "formula": self.formula(image.shape[0], kh, stride, padding),
        }

    @staticmethod
    def formula(size: int, kernel: int, stride: int, padding: str) -> str:
        """The output-size formula with the numbers filled in (one axis)."""
        out = conv_output_size(size, kernel, stride, padding)
        if padding == "valid":
            return (
                f"valid: out = floor((n + 2p - k) / s) + 1 = floor(({size} + 0 - {kernel}) / "
                f"{stride}) + 1 = {out}"
            )
        before, after = same_padding(size, kernel, stride)
        text = (
            f"same: out = ceil(n / s) = ceil({size} / {stride}) = {out};  "
            f"zeros added: {before} before, {after} after"
        )
        if before == after:
            text += (
                f"\n      = floor((n + 2p - k) / s) + 1 = floor(({size} + 2*{before} - {kernel}) / "
                f"{stride}) + 1 = {out}"
            )
        return text

    def draw(self, result):
        if result["error"]:
            fig, ax = plt.subplots(figsize=(6, 1.2))
            ax.axis("off")
            ax.text(0, 0.5, result["error"], color="darkred", wrap=True, va="center")
            return fig
        from course_utils.plotting import draw_matrix

        padded, output, weights = result["padded"], result["output"], result["kernel"]
        (top, bottom), (left, right) = result["pads"]
        mask = np.zeros(padded.shape, bool)
        mask[:top], mask[padded.shape[0] - bottom :] = True, True
        mask[:, :left], mask[:, padded.shape[1] - right :] = True, True
        row, col = result["position"]
        stride = result["stride"]
        kh, kw = weights.shape
        side = max(padded.shape)
        small = side <= 16
        cell = 0.42 if small else 3.6 / side  # inches per input pixel
        widths = [padded.shape[1], max(kw * 1.5, 4.5) if small else 0.3 * side, output.shape[1]]
        text = f"{result['formula']}\noutput[{row}, {col}] = sum(window x kernel) = "
        text += f"{output[row, col]:.3g}"
        lines = text.count("\n") + 1
        panels = max(padded.shape[0] * cell, 2.2)
        bottom_space, top_space = 0.22 * lines + 0.25, 0.4
        height = panels + bottom_space + top_space
        fig, axes = plt.subplots(
            1,
            3,
            figsize=(max(cell * sum(widths) + 1.5, 7.5), height),
            gridspec_kw={"width_ratios": widths},
        )
        fig.subplots_adjust(
            left=0.02,
            right=0.98,
            wspace=0.15,
            bottom=bottom_space / height,
            top=1 - top_space / height,
        )
        draw_matrix(
            axes[0],
            padded,
            title="input" + (" + zero padding (grey)" if mask.any() else ""),
            cmap="gray",
            mask=mask if mask.any() else None,
            highlight=(row * stride, col * stride, kh, kw),
        )
        limit = float(np.abs(weights).max()) or 1.0
        draw_matrix(
            axes[1],
            weights,
            title="kernel",
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            fmt=None if np.allclose(weights, np.round(weights)) else "{:.2f}",
        )
        draw_matrix(
            axes[2],
            output,
            title=f"output {output.shape[0]}x{output.shape[1]}",
            cmap="viridis",
            highlight=(row, col, 1, 1),
        )
        fig.text(0.02, 0.03, text, family="monospace", fontsize=9, va="bottom")
        return fig

    def refresh(self) -> None:
        super().refresh()
        result = self.result
        if result and not result.get("error"):
            slider = self.controls["window"]
            self._syncing = True
            try:
                slider.max = result["output"].size - 1
            finally:
                self._syncing = False

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            owner = change["owner"]
            if owner is self.controls["preset"] and change["new"] != CUSTOM_KERNEL:
                self.controls["kernel"].value = format_kernel(KERNEL_PRESETS[change["new"]])
            elif owner is self.controls["kernel"]:
                self.controls["preset"].value = self._preset_of(change["new"])
        finally:
            self._syncing = False
        self.refresh()

    @staticmethod
    def _preset_of(text: str) -> str:
        """The preset whose kernel equals the typed one, or ``"custom"``."""
        try:
            typed = parse_kernel(text)
        except ValueError:
            return CUSTOM_KERNEL
        for name, rows in KERNEL_PRESETS.items():
            preset = parse_kernel(format_kernel(rows))
            if preset.shape == typed.shape and np.allclose(preset, typed):
                return name
        return CUSTOM_KERNEL


# ---------------------------------------------------------- augmentation preview (lesson 04)


def _augmentation_spec(
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
        Passed to the geometric layers (see :func:`augmentation_layers`).

    Examples
    --------
    >>> preview = AugmentationPreview(image)                     # doctest: +SKIP
    >>> preview.controls["brightness"].value = 0.3              # doctest: +SKIP
    >>> preview.result["images"].shape                          # doctest: +SKIP
    (8, 100, 100, 3)
    """

    def __init__(self, image, count: int = 8, fill_mode: str = "nearest"):
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
        text_height = 0.17 * len(code) + 0.25
        height = rows * (cell + title_space) + text_height
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
        fig.text(0.01, 0.02, "\n".join(code), family="monospace", fontsize=8, va="bottom")
        return fig


# ---------------------------------------------------------- feature-map explorer (lesson 07)


class FeatureMapExplorer(Explorer):
    """Pick an image, a layer and a channel; see what that channel responds to.

    Shows the input image, the chosen channel's feature map (bright = strong
    activation, with a colour bar), and the layer's channels around it with the chosen
    one framed in red. The channel slider's range follows the chosen layer's number of
    channels. Activations are computed once per image (all layers) and cached.

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

    def __init__(self, model, images, layers=None, titles=None, display_images=None):
        import numpy as np

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
        self._syncing = False
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

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        if change["owner"] is self.controls["layer"]:
            channels = self._activations(self.controls["image"].value)[change["new"]].shape[-1]
            slider = self.controls["channel"]
            self._syncing = True
            try:
                slider.value = min(slider.value, channels - 1)
                slider.max = channels - 1
            finally:
                self._syncing = False
        self.refresh()

    def compute(self, image, layer, channel):
        maps = self._activations(image)[layer]
        channel = min(channel, maps.shape[-1] - 1)
        start = (channel // 16) * 16
        return {
            "image": self.display_images[image],
            "layer": layer,
            "channel": channel,
            "channels": maps.shape[-1],
            "maps": maps,
            "map": maps[..., channel],
            "neighbours": list(range(start, min(start + 16, maps.shape[-1]))),
        }

    def draw(self, result):
        fig = plt.figure(figsize=(10.5, 3.4))
        outer = fig.add_gridspec(1, 4, width_ratios=[3, 3, 0.15, 3.4], wspace=0.3)
        left = fig.add_subplot(outer[0])
        left.imshow(_displayable(result["image"]))
        left.set_title("input", fontsize=9)
        left.axis("off")
        middle = fig.add_subplot(outer[1])
        shown = middle.imshow(result["map"], cmap="viridis", interpolation="nearest")
        height, width = result["map"].shape
        middle.set_title(
            f"{result['layer']}, channel {result['channel']} of {result['channels']} "
            f"({height}x{width})",
            fontsize=9,
        )
        middle.axis("off")
        fig.colorbar(shown, cax=fig.add_subplot(outer[2]))
        first, last = result["neighbours"][0], result["neighbours"][-1]
        inner = outer[3].subgridspec(4, 4, wspace=0.08, hspace=0.08)
        for slot, channel in enumerate(result["neighbours"]):
            ax = fig.add_subplot(inner[slot // 4, slot % 4])
            ax.imshow(result["maps"][..., channel], cmap="viridis", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if slot == 1:
                ax.set_title(f"channels {first}-{last}", fontsize=9, loc="left")
            for spine in ax.spines.values():
                spine.set_visible(channel == result["channel"])
                spine.set_color("red")
                spine.set_linewidth(2.5)
        return fig


def _displayable(image):
    """An image ready for ``imshow``: uint8 as is, other 0-255 values scaled to 0-1."""
    import numpy as np

    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array
    return np.clip(array / 255.0 if array.max() > 1.0 else array, 0.0, 1.0)


# ---------------------------------------------------------- LIME controls (lesson 08)


class LimeControls(Explorer):
    """Change LIME's superpixels and how much of the explanation to show, for one image.

    Shows the image cut into superpixels, the explanation (green: superpixels that
    speak for the class, red: against, the rest dimmed) and the surrogate's weights of
    the superpixels shown. Changing the number of superpixels reruns LIME (with few
    samples, and cached per setting, so moving back is instant); ``positive only`` and
    ``superpixels shown`` only change the picture.

    Parameters
    ----------
    image : array (h, w, 3)
        The image to explain (0-255).
    predict_fn : callable
        Batched, images -> probabilities (:func:`course_utils.explain.lime_predict_fn`).
    label : int, optional
        The class to explain; default the predicted one.
    class_names : sequence of str, optional
        For the title.
    num_samples : int
        Perturbed images per LIME run (small keeps the widget responsive).
    seed : int
        Same seed, same explanation.
    segment_choices : sequence of int
        The offered numbers of superpixels (SLIC's ``n_segments``).
    hide_color : None or number or RGB
        Passed to LIME (what a switched-off superpixel becomes).

    Examples
    --------
    >>> controls = LimeControls(image, predict, class_names=names)     # doctest: +SKIP
    >>> controls.controls["positive_only"].value = False                # doctest: +SKIP
    >>> controls.result["mask"].min()                                  # doctest: +SKIP
    -1
    """

    def __init__(
        self,
        image,
        predict_fn,
        label=None,
        class_names=None,
        num_samples: int = 200,
        seed: int = 0,
        segment_choices=(10, 20, 30, 40, 60, 80),
        n_segments: int = 30,
        hide_color=None,
    ):
        import numpy as np

        self.image = np.asarray(image)
        if self.image.ndim != 3 or self.image.shape[-1] != 3:
            raise ValueError(f"Pass one RGB image (h, w, 3), got shape {self.image.shape}.")
        if n_segments not in segment_choices:
            raise ValueError(f"n_segments={n_segments} is not one of {list(segment_choices)}.")
        self.predict_fn = predict_fn
        self.label = int(np.argmax(predict_fn(self.image[None])[0])) if label is None else label
        self.class_names = class_names
        self.num_samples = num_samples
        self.seed = seed
        self.hide_color = hide_color
        self.explanations: dict[int, object] = {}
        self.seconds: dict[int, float] = {}
        controls = {
            "n_segments": widgets.SelectionSlider(
                options=list(segment_choices),
                value=n_segments,
                description="superpixels",
                continuous_update=False,
            ),
            "positive_only": widgets.Checkbox(value=True, description="positive only"),
            "num_features": widgets.IntSlider(
                value=5, min=1, max=20, description="shown", continuous_update=False
            ),
        }
        super().__init__(controls, columns=3)

    def explanation(self, n_segments: int):
        """The LIME explanation for this number of superpixels (computed once, then cached)."""
        import time

        from course_utils import explain

        if n_segments not in self.explanations:
            start = time.perf_counter()
            self.explanations[n_segments] = explain.explain_with_lime(
                self.image,
                self.predict_fn,
                segmentation_fn=explain.segmenter(n_segments),
                num_samples=self.num_samples,
                labels=[self.label],
                seed=self.seed,
                hide_color=self.hide_color,
                progress=False,
            )
            self.seconds[n_segments] = time.perf_counter() - start
        return self.explanations[n_segments]

    def compute(self, n_segments, positive_only, num_features):
        from course_utils import explain

        found = self.explanation(n_segments)
        weights = explain.lime_weights(found, self.label)
        chosen = explain.top_superpixels(found, self.label, num_features, positive_only)
        return {
            "segments": found.segments,
            "count": int(found.segments.max()) + 1,
            "weights": weights,
            "chosen": chosen,
            "mask": explain.lime_mask(found, self.label, num_features, positive_only),
            "positive_only": positive_only,
            "seconds": self.seconds[n_segments],
        }

    def draw(self, result):
        from skimage.segmentation import mark_boundaries

        from course_utils import explain

        name = self.class_names[self.label] if self.class_names else f"class {self.label}"
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.3), gridspec_kw={"width_ratios": [1, 1, 1.2]})
        picture = self.image.astype("float32") / (255.0 if self.image.max() > 1 else 1.0)
        axes[0].imshow(mark_boundaries(picture, result["segments"], color=(1, 1, 0)))
        axes[0].set_title(f"{result['count']} superpixels", fontsize=9)
        axes[1].imshow(explain.render_lime(self.image, result["mask"]))
        kind = "for" if result["positive_only"] else "for (green) / against (red)"
        axes[1].set_title(f"{len(result['chosen'])} superpixels {kind} {name}", fontsize=9)
        for ax in axes[:2]:
            ax.axis("off")
        chosen = result["chosen"]
        values = result["weights"][chosen]
        axes[2].barh(
            [str(s) for s in chosen][::-1],
            values[::-1],
            color=["tab:green" if v > 0 else "tab:red" for v in values[::-1]],
        )
        axes[2].axvline(0, color="black", linewidth=0.8)
        axes[2].set_xlabel("weight in the local linear model")
        axes[2].set_ylabel("superpixel")
        axes[2].set_title(
            f"LIME: {self.num_samples} samples, {result['seconds']:.1f} s", fontsize=9
        )
        fig.tight_layout()
        return fig
