"""Slide decks from the lessons (course_utils.instructor.slides).

The convention (default and explicit slide metadata), outputs from the executed copy,
widgets as static pictures, and whole decks built offline from a small lesson made here
(reveal.js and MathJax from ``tools/slides``; without them these tests are skipped unless
``COURSE_REQUIRE_NPM=1``, which ``.ci/run`` sets). Every lesson of ``notebooks/`` must
build under the convention. The real browser test is tests/test_browser_slides.py.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.__main__ import main
from course_utils.instructor import lessons, slides

NODE_MODULES = lessons.repository() / "tools" / "slides" / "node_modules"
REQUIRE_NPM = "COURSE_REQUIRE_NPM"
SOLUTION_TEXT = "the secret solution"
NOTE_TEXT = "Ask the room what a channel is"


def need_assets() -> None:
    """Skip (or fail with COURSE_REQUIRE_NPM=1) when the npm packages are not installed."""
    if (NODE_MODULES / "reveal.js" / "dist" / "reveal.js").is_file():
        return
    reason = f"reveal.js is not installed in {NODE_MODULES}: {slides.NPM_HINT}"
    if os.environ.get(REQUIRE_NPM) == "1":
        pytest.fail(f"{reason} ({REQUIRE_NPM}=1)", pytrace=False)
    pytest.skip(reason)


def png_of_a_plot() -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3, 2))
    axes.plot([0, 1, 2], [0, 1, 0])
    axes.set_title("a small plot")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_output(png: str):
    return new_output("display_data", {"image/png": png, "text/plain": "<Figure>"})


def widget_output(model_id: str):
    view = {"version_major": 2, "version_minor": 0, "model_id": model_id}
    return new_output(
        "display_data",
        {"application/vnd.jupyter.widget-view+json": view, "text/plain": "VBox(...)"},
    )


def make_lesson(folder: Path, name: str = "99_tiny.ipynb") -> tuple[Path, Path]:
    """A small lesson in ``folder/notebooks`` and its executed copy in ``folder/build/quick``."""
    png = png_of_a_plot()
    cells = [
        new_markdown_cell("# 99 A tiny lesson\n\nWhat you will learn: slides. $e^{i\\pi}+1=0$"),
        new_markdown_cell("## Setup"),
        new_code_cell("import numpy as np"),
        new_markdown_cell("## A figure\n\nSee [the docs](https://example.org/docs) later."),
        new_code_cell("plot()", outputs=[image_output(png)]),
        new_markdown_cell(NOTE_TEXT, metadata={"tags": ["instructor"]}),
        new_markdown_cell("### An explorer"),
        new_code_cell("Explorer().widget", outputs=[widget_output("box")]),
        new_markdown_cell("## Exercises\n\n**Exercise 1.** Plot it again."),
        new_code_cell(f"plot()  # {SOLUTION_TEXT}", metadata={"tags": ["solution"]}),
    ]
    executed = new_notebook(cells=cells)
    executed.metadata["widgets"] = {
        slides.WIDGET_STATE: {
            "state": {
                "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_out"]}},
                "out": {"model_name": "OutputModel", "state": {"outputs": [image_output(png)]}},
            }
        }
    }
    lesson = json.loads(json.dumps(executed))
    lesson["metadata"].pop("widgets")
    for cell in lesson["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
    notebook = folder / "notebooks" / name
    copy = folder / "build" / "quick" / name
    for path, content in ((notebook, lesson), (copy, executed)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))
    return notebook, folder / "build"


def types_of(notebook: dict) -> list[str]:
    return [cell["metadata"]["slideshow"]["slide_type"] for cell in notebook["cells"]]


# --------------------------------------------------------------------------- the convention


def test_default_convention_for_a_lesson_without_slide_metadata(tmp_path):
    path, build = make_lesson(tmp_path)
    executed = lessons.read_notebook(build / "quick" / path.name)
    chosen = slides.choose_slides(slides.static_widgets(executed))
    assert types_of(chosen) == [
        "slide",  # title
        "skip",  # "## Setup" shows nothing: its code is left out
        "skip",  # code without a figure
        "slide",  # "## A figure"
        "subslide",  # the figure, on its own sub-slide
        "notes",  # instructor cell
        "subslide",  # "### An explorer"
        "subslide",  # the explorer's static picture
        "slide",  # "## Exercises"
        "skip",  # solution
    ]
    hidden = [c for c in chosen["cells"] if slides.HIDE_INPUT_TAG in c["metadata"].get("tags", [])]
    assert len(hidden) == 4, "code cells show their figure, not their code"
    assert not slides.has_slide_metadata(executed)


def test_explicit_slide_metadata_is_kept_but_solutions_never_show(tmp_path):
    path, _ = make_lesson(tmp_path)
    lesson = lessons.read_notebook(path)
    for cell, kind in zip(lesson["cells"], ["slide", "-", "fragment", "subslide"], strict=False):
        cell["metadata"]["slideshow"] = {"slide_type": kind}
    lesson["cells"][-1]["metadata"]["slideshow"] = {"slide_type": "slide"}  # the solution
    lesson["cells"][5]["metadata"]["slideshow"] = {"slide_type": "slide"}  # the instructor note
    chosen = slides.choose_slides(lesson)
    kinds = types_of(chosen)
    assert kinds[:4] == ["slide", "-", "fragment", "subslide"]
    assert kinds[5] == "notes" and kinds[-1] == "skip"
    assert kinds[4] == "-", "cells without metadata continue the slide"
    assert not any(slides.HIDE_INPUT_TAG in c["metadata"].get("tags", []) for c in chosen["cells"])


def test_outputs_come_from_the_executed_copy_by_id_and_source(tmp_path):
    path, build = make_lesson(tmp_path)
    lesson = lessons.read_notebook(path)
    executed = lessons.read_notebook(build / "quick" / path.name)
    merged, missing = slides.take_outputs(lesson, executed)
    assert missing == 0 and merged["cells"][4]["outputs"] == executed["cells"][4]["outputs"]
    assert "widgets" in merged["metadata"]
    lesson["cells"][4]["source"] = "plot(changed=True)"  # edited after the run
    merged, missing = slides.take_outputs(lesson, executed)
    assert missing == 1 and merged["cells"][4]["outputs"] == []


def test_a_widget_shows_its_static_picture_or_its_text(tmp_path):
    path, build = make_lesson(tmp_path)
    executed = lessons.read_notebook(build / "quick" / path.name)
    static = slides.static_widgets(executed)
    outputs = static["cells"][7]["outputs"]
    assert [list(o["data"]) for o in outputs] == [["image/png", "text/plain"]]
    assert "widgets" not in static["metadata"]
    executed["metadata"]["widgets"][slides.WIDGET_STATE]["state"].pop("out")
    outputs = slides.static_widgets(executed)["cells"][7]["outputs"]
    assert [o["data"] for o in outputs] == [{"text/plain": "VBox(...)"}]
    assert slides.WIDGET_VIEW not in json.dumps(slides.static_widgets(executed))


def test_external_urls_finds_what_would_reach_the_network():
    page = """<script src="assets/reveal.js/dist/reveal.js"></script>
    <img src="data:image/png;base64,AAAA"> <a href="#/2">next</a>
    <link rel="stylesheet" href="https://unpkg.com/reveal.js@4.0.2/dist/reveal.css">
    <script src='//cdn.example/require.js'></script>
    <style>@import "http://fonts.example/a.css"; body { background: url(file:///etc/x.png) }</style>
    """
    assert slides.external_urls(page) == [
        "https://unpkg.com/reveal.js@4.0.2/dist/reveal.css",
        "//cdn.example/require.js",
        "http://fonts.example/a.css",
        "file:///etc/x.png",
    ]


def test_a_template_that_loads_from_a_cdn_is_refused(tmp_path, monkeypatch):
    path, build = make_lesson(tmp_path)
    notebook, _ = slides.prepare_lesson(path, build=build)
    leaky = slides._TEMPLATE.replace(
        "{%- block html_head_js -%}{%- endblock html_head_js -%}",
        '{%- block html_head_js -%}<script src="https://cdn.example/x.js"></script>'
        "{%- endblock html_head_js -%}",
    )
    monkeypatch.setattr(slides, "_TEMPLATE", leaky)
    with pytest.raises(ValueError, match="from the network"):
        slides.render_deck(notebook, title="tiny")


@pytest.mark.parametrize("path", lessons.lesson_notebooks(), ids=lambda p: p.name[:2])
def test_every_lesson_gets_slides_under_the_convention(path):
    lesson = lessons.read_notebook(path)
    chosen = slides.choose_slides(lesson)
    kinds = types_of(chosen)
    assert kinds.count("slide") >= 3, f"{path.name}: too few slides ({kinds.count('slide')})"
    for cell, kind in zip(chosen["cells"], kinds, strict=True):
        if "solution" in cell["metadata"].get("tags", []):
            assert kind == "skip", f"{path.name}: a solution would show on a slide"
    page = slides.render_deck(chosen, title=slides.lesson_title(lesson, path.stem))
    assert slides.count_slides(page) >= 3 and not slides.external_urls(page)


# --------------------------------------------------------------------------- whole decks


def local_references(page: str) -> list[str]:
    found = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"'#][^"']*)["']""", page)
    return [url for url in found if not url.startswith("data:")]


def test_build_offline_decks_with_notes_and_no_solutions(tmp_path):
    need_assets()
    first, build = make_lesson(tmp_path)
    second, _ = make_lesson(tmp_path, "98_other.ipynb")
    output = tmp_path / "slides"
    report = slides.build_slides([second, first], output=output, build=build)
    names = [deck.path.name for deck in report.decks]
    assert names == ["98_other.slides.html", "99_tiny.slides.html", slides.COURSE_DECK]
    tiny = report.decks[1]
    page = tiny.path.read_text(encoding="utf-8")
    assert slides.external_urls(page) == []
    for url in local_references(page):  # reveal.js, its notes plugin, MathJax: all copied
        assert (output / url).is_file(), f"{url} is referenced but not beside the deck"
    assert {"assets/reveal.js/dist/reveal.js", "assets/mathjax/tex-svg-full.js"} <= set(
        local_references(page)
    )
    assert '<aside class="notes">' in page and NOTE_TEXT in page
    assert SOLUTION_TEXT not in page and "import numpy" not in page
    assert "example.org/docs" in page and 'href="https://example.org' not in page
    assert tiny.slides == 6 and tiny.notes == 1 and tiny.figures == 2
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64", page)) == 2
    course = report.decks[2]
    assert course.slides == 2 * tiny.slides and course.notes == 2
    assert report.warnings == []


def test_missing_executed_copy_says_what_to_run_and_writes_nothing(tmp_path):
    path, build = make_lesson(tmp_path)
    (build / "quick" / path.name).unlink()
    output = tmp_path / "slides"
    with pytest.raises(FileNotFoundError, match="make notebooks-quick"):
        slides.build_slides([path], output=output, build=build)
    assert not output.exists()


def test_missing_npm_packages_say_how_to_install_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"npm ci --prefix tools/slides"):
        slides.copy_assets(tmp_path / "out", tools=tmp_path / "no-tools")


def test_slides_command(tmp_path, capsys):
    need_assets()
    path, build = make_lesson(tmp_path)
    output = tmp_path / "decks"
    assert main(["slides", str(path), "--output", str(output), "--build", str(build)]) == 0
    out = capsys.readouterr().out
    assert "99_tiny.slides.html" in out and "slides" in out
    assert (output / "99_tiny.slides.html").is_file()
    (build / "quick" / path.name).unlink()
    assert main(["slides", str(path), "--output", str(output), "--build", str(build)]) == 1
    captured = capsys.readouterr()
    assert "make notebooks-quick" in captured.err and captured.out == ""
