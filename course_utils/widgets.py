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
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display


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
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)
        plt.close(self.figure)

    def _on_change(self, change) -> None:
        self.refresh()

    def _ipython_display_(self) -> None:
        display(self.widget)


# --------------------------------------------------------------------------- dataset browser (lesson 01)


# --------------------------------------------------------------------------- convolution playground (lesson 03)


# --------------------------------------------------------------------------- augmentation preview (lesson 04)


# --------------------------------------------------------------------------- feature-map explorer (lesson 07)


# --------------------------------------------------------------------------- LIME controls (lesson 08)
