"""The explorers' base class (syncing guard, one-step redraw) and the plain modules
behind the widgets, which must not need ipywidgets."""

from __future__ import annotations

import base64
import subprocess
import sys

import ipywidgets as widgets
import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from course_utils.widgets import Explorer, figure_output


class Doubler(Explorer):
    """A minimal explorer: ``b`` follows ``a`` (set from code in ``adjust``), draws a bar."""

    def __init__(self):
        self.computed = []
        controls = {
            "a": widgets.IntSlider(value=1, min=0, max=10),
            "b": widgets.IntSlider(value=2, min=0, max=20),
            "c": widgets.Checkbox(value=False),
        }
        super().__init__(controls, rows=[["a", "b"], ["c"]])

    def adjust(self, change):
        if change["owner"] is self.controls["a"]:
            self.controls["b"].value = 2 * change["new"]

    def compute(self, a, b, c):
        self.computed.append((a, b, c))
        return a + b

    def draw(self, result):
        fig, ax = plt.subplots(figsize=(2, 1 + result / 10))
        ax.bar([0], [result])
        return fig


def test_a_change_recomputes_once_even_when_adjust_moves_other_controls():
    explorer = Doubler()
    assert explorer.computed == [(1, 2, False)]
    explorer.controls["a"].value = 4
    assert explorer.computed[1:] == [(4, 8, False)], "adjust's change redrew on its own"
    explorer.controls["b"].value = 3  # a user's change of b: no adjust, one redraw
    assert explorer.computed[2:] == [(4, 3, False)]
    assert explorer.result == 7


def test_syncing_suppresses_redraws_and_nests():
    explorer = Doubler()
    with explorer.syncing():
        explorer.controls["a"].value = 5
        with explorer.syncing():
            explorer.controls["c"].value = True
        explorer.controls["b"].value = 1  # still inside the outer block
    assert explorer.computed == [(1, 2, False)]
    assert not explorer._syncing
    explorer.controls["c"].value = False
    assert explorer.computed[-1] == (5, 1, False)


def test_syncing_ends_when_the_block_raises():
    explorer = Doubler()
    with pytest.raises(RuntimeError), explorer.syncing():
        raise RuntimeError("boom")
    explorer.controls["a"].value = 2
    assert explorer.computed[-1] == (2, 4, False)


def test_refresh_replaces_the_picture_in_one_step():
    explorer = Doubler()
    seen = []
    explorer.output.observe(lambda change: seen.append(change["new"]), names="outputs")
    before = explorer.output.outputs[0]["data"]["image/png"]
    explorer.controls["b"].value = 9
    assert len(seen) == 1, f"{len(seen)} changes of the output for one redraw"
    (output,) = seen[0]  # never an empty output in between: the page would jump
    assert output["output_type"] == "display_data"
    png = base64.b64decode(output["data"]["image/png"])
    assert png.startswith(b"\x89PNG") and output["data"]["image/png"] != before
    size = output["metadata"]["image/png"]
    assert size["width"] > 50 and size["height"] > 50
    assert not plt.get_fignums(), "figures left open"


def test_figure_output_reports_the_png_size():
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.plot([0, 1])
    fig.set_layout_engine("none")
    out = figure_output(fig)
    plt.close(fig)
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(base64.b64decode(out["data"]["image/png"]))) as picture:
        assert (out["metadata"]["image/png"]["width"], out["metadata"]["image/png"]["height"]) == (
            picture.size
        )
    assert "Figure" in out["data"]["text/plain"]


def test_rows_must_place_every_control_once():
    class Broken(Doubler):
        def __init__(self):
            controls = {"a": widgets.IntSlider(), "b": widgets.IntSlider()}
            Explorer.__init__(self, controls, rows=[["a"], ["a"]])

    with pytest.raises(ValueError, match="rows must place every control once"):
        Broken()


@pytest.mark.parametrize("module", ["course_utils.convolution", "course_utils.augmentation"])
def test_plain_modules_import_no_widgets_and_no_keras(module):
    code = (
        f"import sys, {module}\n"
        "heavy = [m for m in ('ipywidgets', 'IPython', 'keras', 'tensorflow', 'matplotlib')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "", f"{module} imports {done.stdout.strip()}"


def test_the_import_check_can_fail():
    # the same check on the widget package must find ipywidgets, or the check sees nothing
    code = "import sys, course_utils.widgets; print('ipywidgets' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "True"


def test_public_names_of_the_package():
    import course_utils.widgets as package

    for name in package.__all__:
        value = getattr(package, name)
        if callable(value):
            assert value.__module__.startswith("course_utils.widgets."), name
    from course_utils.widgets import (  # noqa: F401  (the lessons' imports)
        AugmentationPreview,
        ConvolutionPlayground,
        DatasetBrowser,
        FeatureMapExplorer,
        LimeControls,
    )
