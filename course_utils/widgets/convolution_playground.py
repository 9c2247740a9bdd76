"""The convolution playground of lessons 00 and 03: kernels, strides and padding, drawn.

The arithmetic lives in :mod:`course_utils.convolution`; this module is the widget that
draws it (input with its zero padding, kernel, output, the window behind one output
value and the output-size formula with the numbers filled in).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils.convolution import (
    KERNEL_PRESETS,
    conv_output_size,
    convolve,
    format_kernel,
    parse_kernel,
    pattern_edge,
    pattern_o,
    pattern_x,
    preset_kernel,
    same_padding,
)
from course_utils.widgets.base import Explorer

CUSTOM_KERNEL = "custom"
"""What the kernel menu shows when the typed kernel is none of the presets."""

NUMBERS_UP_TO = 16
"""Panels whose larger side (padding included) is at most this many cells show their numbers.

Above it a cell is too small for a number (a 32x32 photo gives a 34x34 padded input and
a 16x16 or 32x32 output): those panels show colours with a colour bar instead.
"""


class ConvolutionPlayground(Explorer):
    """Try kernels, strides and padding on a small picture and watch the numbers.

    Shows the input (with its zero padding in grey), the kernel and the output side by
    side, the window behind one output value (move it with ``window``), and the
    output-size formula filled in with the current values. Numbers are written in the
    cells only where they fit; larger inputs get colour bars instead.

    Parameters
    ----------
    image : array, optional
        An extra input to try, e.g. a fruit photo (RGB images are turned to grey, 0-1).
    preset : str
        The kernel shown first (a key of :data:`~course_utils.convolution.KERNEL_PRESETS`).
    input_name : str
        The input shown first.

    Examples
    --------
    >>> playground = ConvolutionPlayground()                     # doctest: +SKIP
    >>> playground.controls["stride"].value = 2                  # doctest: +SKIP
    >>> playground.result["output"].shape                        # doctest: +SKIP
    (4, 4)
    """

    def __init__(
        self, image=None, *, preset: str = "diagonal \\ (/9)", input_name: str = "X (9x9)"
    ):
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
        # Every control: its label inline on the left, the same label width, one height.
        style = {"description_width": "60px"}
        # ToggleButtons stack their label above the buttons unless laid out as a row.
        inline = {"display": "flex", "flex_flow": "row", "align_items": "center"}
        controls = {
            "input": widgets.Dropdown(
                options=list(self.inputs), value=input_name, description="input", style=style
            ),
            "preset": widgets.Dropdown(
                options=[*KERNEL_PRESETS, CUSTOM_KERNEL],
                value=preset,
                description="kernel",
                style=style,
            ),
            "kernel": widgets.Textarea(
                value=format_kernel(KERNEL_PRESETS[preset]),
                description="edit",
                rows=3,
                continuous_update=False,
                layout=widgets.Layout(width="260px"),
                style=style,
            ),
            "stride": widgets.ToggleButtons(
                options=[1, 2],
                value=1,
                description="stride",
                style={**style, "button_width": "40px"},
                layout=widgets.Layout(**inline),
            ),
            "padding": widgets.ToggleButtons(
                options=["valid", "same"],
                value="valid",
                description="padding",
                style={**style, "button_width": "60px"},
                layout=widgets.Layout(**inline),
            ),
            "window": widgets.IntSlider(
                value=0,
                min=0,
                max=48,
                description="window",
                style=style,
                layout=widgets.Layout(width="320px"),
            ),
        }
        rows = [["input", "preset", "kernel"], ["stride", "padding", "window"]]
        super().__init__(controls, rows=rows)
        for row in self.widget.children[:2]:
            row.layout.align_items = "center"  # one centre line per row of controls

    def compute(self, input, preset, kernel, stride, padding, window):
        image = self.inputs[input]
        try:
            weights = parse_kernel(kernel)
            output, padded = convolve(image, weights, stride=stride, padding=padding)
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
        numbers = side <= NUMBERS_UP_TO  # the output is never larger than the padded input
        cell = 0.42 if numbers else 3.6 / side  # inches per input pixel
        widths = [padded.shape[1], max(kw * 1.5, 4.5) if numbers else 0.3 * side, output.shape[1]]
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
            right=0.98 if numbers else 0.92,
            wspace=0.15 if numbers else 0.35,
            bottom=bottom_space / height,
            top=1 - top_space / height,
        )
        draw_matrix(
            axes[0],
            padded,
            title="input" + (" + zero padding (grey)" if mask.any() else ""),
            numbers=numbers,
            cmap="gray",
            mask=mask if mask.any() else None,
            highlight=(row * stride, col * stride, kh, kw),
        )
        limit = float(np.abs(weights).max()) or 1.0
        draw_matrix(
            axes[1],
            weights,
            title="kernel",
            numbers=True,
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            fmt=None if np.allclose(weights, np.round(weights)) else "{:.2f}",
        )
        draw_matrix(
            axes[2],
            output,
            title=f"output {output.shape[0]}x{output.shape[1]}",
            numbers=numbers,
            cmap="viridis",
            highlight=(row, col, 1, 1),
        )
        if not numbers:  # colour carries the values: say which
            for ax in (axes[0], axes[2]):
                fig.colorbar(ax.images[0], ax=ax, fraction=0.046, pad=0.02)
        fig.text(0.02, 0.03, text, family="monospace", fontsize=9, va="bottom")
        return fig

    def refresh(self) -> None:
        super().refresh()
        result = self.result
        if result and not result.get("error"):
            with self.syncing():
                self.controls["window"].max = result["output"].size - 1

    def adjust(self, change) -> None:
        owner = change["owner"]
        if owner is self.controls["preset"] and change["new"] != CUSTOM_KERNEL:
            self.controls["kernel"].value = format_kernel(KERNEL_PRESETS[change["new"]])
        elif owner is self.controls["kernel"]:
            self.controls["preset"].value = self._preset_of(change["new"])

    @staticmethod
    def _preset_of(text: str) -> str:
        """The preset whose kernel equals the typed one, or ``"custom"``."""
        try:
            typed = parse_kernel(text)
        except ValueError:
            return CUSTOM_KERNEL
        for name in KERNEL_PRESETS:
            preset = preset_kernel(name)
            if preset.shape == typed.shape and np.allclose(preset, typed):
                return name
        return CUSTOM_KERNEL
