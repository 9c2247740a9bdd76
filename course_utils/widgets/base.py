"""The shared ``Explorer`` base class: controls -> compute -> draw -> one output area.

Every explorer of the lessons is a subclass. The base class lays out the controls,
recomputes and redraws on every change, offers :meth:`Explorer.syncing` for changing
controls from code without a redraw per change, and replaces the picture in one step
(the new PNG is made first), so the page below the widget does not jump.
"""

from __future__ import annotations

import base64
import contextlib
import io
import struct
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display


def figure_output(figure) -> dict:
    """One notebook output (``display_data``) holding ``figure`` as a PNG.

    The PNG's size goes into the metadata, so the browser reserves the picture's space
    before it has decoded it (no collapse to zero height for a frame).

    Parameters
    ----------
    figure : matplotlib.figure.Figure

    Returns
    -------
    dict
        ``{"output_type": "display_data", "data": {...}, "metadata": {...}}``, the form
        ``ipywidgets.Output.outputs`` holds.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    png = buffer.getvalue()
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk of every PNG
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(png).decode("ascii"),
            "text/plain": f"<Figure size {width}x{height} with {len(figure.axes)} Axes>",
        },
        "metadata": {"image/png": {"width": width, "height": height}},
    }


class Explorer:
    """Base class of the explorers: controls -> ``compute`` -> ``draw`` into an output area.

    A subclass builds its controls in ``__init__`` (a dict of ipywidgets, passed to
    ``super().__init__``), and implements ``compute(**values)``, which returns a result
    (plain data: arrays, numbers), and ``draw(result)``, which returns a matplotlib
    ``Figure``. Changing any control calls :meth:`adjust` (fit other controls to the
    change; those changes do not redraw) and then :meth:`refresh`, once. Tests set
    control values and read ``.result`` and ``.figure``; notebooks display ``.widget``.

    Parameters
    ----------
    controls : mapping of name -> ipywidgets widget
        The names are the keyword arguments of ``compute``.
    columns : int
        Controls per row, in the order given (when ``rows`` is not given).
    rows : sequence of sequences of names, optional
        The control rows, e.g. ``[["input", "kernel"], ["stride", "padding"]]``.
    """

    _syncing = False  # a class default: subclasses may sync controls before __init__ ends

    def __init__(
        self,
        controls: Mapping[str, widgets.Widget],
        *,
        columns: int = 3,
        rows: Sequence[Sequence[str]] | None = None,
    ):
        self.controls = dict(controls)
        if rows is None:
            names = list(self.controls)
            rows = [names[i : i + columns] for i in range(0, len(names), columns)]
        placed = [name for row in rows for name in row]
        if sorted(placed) != sorted(self.controls):
            raise ValueError(
                f"rows must place every control once: got {placed}, controls {list(self.controls)}."
            )
        self.output = widgets.Output()
        self.result: Any = None
        self.figure = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        boxes = [widgets.HBox([self.controls[name] for name in row]) for row in rows]
        self.widget = widgets.VBox([*boxes, self.output])
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control."""
        return {name: control.value for name, control in self.controls.items()}

    @contextlib.contextmanager
    def syncing(self) -> Iterator[None]:
        """Change controls from code inside this block without redrawing for each change.

        Examples
        --------
        >>> with explorer.syncing():              # doctest: +SKIP
        ...     explorer.controls["channel"].max = 7
        """
        previous = self._syncing
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = previous

    def compute(self, **values) -> Any:  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def draw(self, result: Any):  # pragma: no cover - subclasses implement it
        raise NotImplementedError

    def adjust(self, change: Mapping[str, Any]) -> None:
        """Fit other controls to a user's change (runs inside :meth:`syncing`).

        The default does nothing; e.g. the dataset browser fits its image slider to the
        chosen class here.
        """

    def refresh(self) -> None:
        """Recompute with the current control values and replace the picture in one step."""
        self.result = self.compute(**self.values())
        figure = self.draw(self.result)
        output = figure_output(figure)
        plt.close(figure)
        self.figure = figure
        # One assignment of widget state: the browser swaps the old picture for the new
        # one without an empty output in between. (Capturing with `with self.output:`
        # races with headless notebook runners; setting the outputs does not.)
        self.output.outputs = (output,)

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        with self.syncing():
            self.adjust(change)
        self.refresh()

    def _ipython_display_(self) -> None:
        display(self.widget)
