"""Slide decks from the lessons: reveal.js, offline, figures from an executed run, speaker notes.

``python -m course_utils slides [NOTEBOOK ...] [--output build/slides] [--execute]`` writes
one deck per lesson (``NN_name.slides.html``) and one for the whole course
(``course.slides.html``), next to a copy of reveal.js and MathJax (``assets/``) taken from
the npm packages of ``tools/slides`` (``npm ci --prefix tools/slides``; ``make slides``
runs it). The decks load nothing from the network: no CDN, no require.js, no widget
manager, no web fonts, and every link to the internet is shown as text.

Which cells go on the slides (the convention, also in the instructor notes):

- A lesson whose cells carry ``metadata.slideshow.slide_type`` (JupyterLab: property
  inspector, "Slide Type") is used as that metadata says; code cells marked so show their
  code too.
- A lesson without that metadata gets a default: a ``#``/``##`` heading starts a slide, a
  ``###`` heading a sub-slide (below it, reveal.js's down arrow); text follows on the same
  slide while it is short; each code cell that draws a figure or shows a table (or a
  question) becomes a sub-slide showing that without its code; other code cells are left
  out (tag ``slide-input`` to show one's code); a heading whose section shows nothing
  (Setup) is left out.
- Always: cells tagged ``solution`` or ``no-slide`` are left out, and cells tagged
  ``instructor`` become speaker notes (press ``S`` in the deck). The student edition
  removes ``instructor`` cells.

Figures come from the executed copies of ``make notebooks`` (``build/full/``) or ``make
notebooks-quick`` (``build/quick/``), matched to the lesson's cells by cell id and source; a
cell changed since that run shows no output, and the build says so. Widgets appear as their
static picture: an explorer's last drawing (from the widget state nbclient saved), else
the widget's text face.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.instructor.lessons import (
    lesson_notebooks,
    read_notebook,
    repository,
    source_of,
    tags_of,
    write_text_atomically,
)

SLIDES_FOLDER = "build/slides"
COURSE_DECK = "course.slides.html"
ASSETS = "assets"
INSTRUCTOR_TAG = "instructor"
SKIP_TAGS = frozenset({"solution", "no-slide"})
SHOW_INPUT_TAG = "slide-input"
HIDE_INPUT_TAG = "slide-hide-input"  # set by the build itself (TagRemovePreprocessor)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
RESULT_TYPES = (*FIGURE_TYPES, "text/html", "text/markdown")  # figures, tables, questions
SHORT_SLIDE_LINES = 14  # text beyond this many lines continues on a new sub-slide
FIGURE_LINES = 12  # a figure takes about this much of a slide
NPM_HINT = "Run `npm ci --prefix tools/slides` (make slides does it) on a machine with npm."
# What the decks need from the npm packages: (package folder, part, copy as)
ASSET_PARTS = (
    ("reveal.js", "dist", "reveal.js/dist"),
    ("reveal.js", "plugin/notes", "reveal.js/plugin/notes"),
    ("mathjax", "es5/tex-svg-full.js", "mathjax/tex-svg-full.js"),
)

_HEADING = re.compile(r"\A\s*(#{1,6})\s+\S")
_EXTERNAL_LINK = re.compile(r"<a\s[^>]*?href=\"((?:https?:)?//[^\"]+)\"[^>]*>(.*?)</a>", re.S)
_URL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']""")

_TEMPLATE = r"""{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
        processEscapes: true},
  svg: {fontCache: "global"},
  options: {enableMenu: false}
};
</script>
<script src="{{ resources.course_assets }}/mathjax/tex-svg-full.js"></script>
<style type="text/css">
.reveal .slides > section > section { height: 100%; overflow-y: auto; }
.reveal .course-link small { color: #555; }
.jp-OutputArea-output img { max-height: 560px; display: block; margin: 0 auto; }
</style>
{%- endblock html_head_js_mathjax -%}
{%- block footer_js -%}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true, progress: true, history: true, hash: true, slideNumber: "c/t",
  transition: "{{ resources.reveal.transition | default('none', true) }}", plugins: [RevealNotes],
  width: {{ resources.reveal.width | default('1100', true) }},
  height: {{ resources.reveal.height | default('760', true) }}
}).then(function () {
  if (window.MathJax && MathJax.typesetPromise) { MathJax.typesetPromise(); }
});
</script>
{%- endblock footer_js -%}
"""


@dataclass(frozen=True)
class Deck:
    """One deck written by :func:`build_slides`."""

    path: Path
    slides: int
    """Top-level slides plus sub-slides."""
    notes: int
    """Speaker notes (cells tagged ``instructor``)."""
    figures: int
    bytes: int


@dataclass(frozen=True)
class SlidesReport:
    """What :func:`build_slides` did."""

    decks: list[Deck]
    output: Path
    seconds: float
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- choosing cells


def has_slide_metadata(notebook: dict) -> bool:
    """True when any cell of ``notebook`` says its slide type (the explicit convention)."""
    return any(
        cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        for cell in notebook.get("cells", [])
    )


def _has_figure(cell: dict, kinds: tuple[str, ...] = FIGURE_TYPES) -> bool:
    return any(
        any(kind in output.get("data", {}) for kind in kinds) for output in cell.get("outputs", [])
    )


def _is_heading_only(cell: dict) -> bool:
    lines = [line for line in source_of(cell).splitlines() if line.strip()]
    return len(lines) == 1 and bool(_HEADING.match(lines[0]))


def _default_type(cell: dict, lines_so_far: int) -> tuple[str, int]:
    """The default slide type of one cell and the lines on the current sub-slide after it."""
    if cell["cell_type"] == "markdown":
        text = source_of(cell)
        heading = _HEADING.match(text)
        lines = len([line for line in text.splitlines() if line.strip()])
        if heading:
            return ("slide" if len(heading.group(1)) <= 2 else "subslide"), lines
        if lines_so_far + lines > SHORT_SLIDE_LINES:
            return "subslide", lines
        return "-", lines_so_far + lines
    if cell["cell_type"] == "code":
        if _has_figure(cell, RESULT_TYPES):
            return "subslide", FIGURE_LINES
        if SHOW_INPUT_TAG in tags_of(cell):
            return "-", lines_so_far + len(source_of(cell).splitlines())
    return "skip", lines_so_far


def choose_slides(notebook: dict) -> dict:
    """Set every cell's ``metadata.slideshow.slide_type`` by the convention; return a copy.

    Explicit metadata is kept; otherwise the default above applies. In both cases
    ``solution``/``no-slide`` cells are skipped and ``instructor`` cells become notes.
    Code cells shown without their code get the tag ``slide-hide-input``.
    """
    notebook = copy.deepcopy(notebook)
    explicit = has_slide_metadata(notebook)
    lines = 0
    for cell in notebook.get("cells", []):
        metadata = cell.setdefault("metadata", {})
        tags = set(tags_of(cell))
        if tags & SKIP_TAGS:
            slide_type = "skip"
        elif INSTRUCTOR_TAG in tags:
            slide_type = "notes"
        elif explicit:
            slide_type = metadata.get("slideshow", {}).get("slide_type") or "-"
        else:
            slide_type, lines = _default_type(cell, lines)
        metadata["slideshow"] = {**metadata.get("slideshow", {}), "slide_type": slide_type}
        hide = cell["cell_type"] == "code" and not explicit and SHOW_INPUT_TAG not in tags
        if hide:
            metadata["tags"] = [*metadata.get("tags", []), HIDE_INPUT_TAG]
    if not explicit:
        _drop_empty_sections(notebook["cells"])
    return notebook


def _slide_type(cell: dict) -> str:
    return cell["metadata"]["slideshow"]["slide_type"]


def _drop_empty_sections(cells: list[dict]) -> None:
    """Skip a heading-only slide whose section shows nothing (its code was left out)."""
    for index, cell in enumerate(cells):
        if _slide_type(cell) != "slide" or not _is_heading_only(cell):
            continue
        shown = False
        for following in cells[index + 1 :]:
            kind = _slide_type(following)
            if kind == "slide":
                break
            shown = shown or kind not in ("skip", "notes")
        if not shown:
            cell["metadata"]["slideshow"]["slide_type"] = "skip"


# --------------------------------------------------------------------------- outputs


def executed_copy(lesson: Path, *, build: Path) -> Path | None:
    """The executed copy of ``lesson`` in ``build/full`` or else ``build/quick`` (None: none)."""
    for mode in ("full", "quick"):
        candidate = Path(build) / mode / Path(lesson).name
        if candidate.is_file():
            return candidate
    return None


def take_outputs(lesson: dict, executed: dict) -> tuple[dict, int]:
    """The lesson with the outputs of its executed copy; and how many code cells got none.

    A cell gets the outputs of the executed cell with the same id and the same source
    (a cell edited since the run gets none). The widget state comes along.
    """
    merged = copy.deepcopy(lesson)
    ran = {
        cell.get("id"): cell for cell in executed.get("cells", []) if cell["cell_type"] == "code"
    }
    missing = 0
    for cell in merged.get("cells", []):
        if cell["cell_type"] != "code":
            continue
        twin = ran.get(cell.get("id"))
        if twin is not None and source_of(twin) == source_of(cell):
            cell["outputs"] = copy.deepcopy(twin.get("outputs", []))
        else:
            cell["outputs"], missing = [], missing + 1
    state = executed.get("metadata", {}).get("widgets")
    if state:
        merged.setdefault("metadata", {})["widgets"] = copy.deepcopy(state)
    return merged, missing


def _widget_models(notebook: dict) -> dict:
    widgets = notebook.get("metadata", {}).get("widgets", {})
    return widgets.get(WIDGET_STATE, {}).get("state", {}) if isinstance(widgets, dict) else {}


def _widget_pictures(model_id: str, models: dict, seen: set[str] | None = None) -> list[dict]:
    """The figure outputs held by a widget's Output widgets, depth first."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in models:
        return []
    seen.add(model_id)
    state = models[model_id].get("state", {})
    pictures = [
        copy.deepcopy(output)
        for output in state.get("outputs", []) or []
        if any(kind in output.get("data", {}) for kind in FIGURE_TYPES)
    ]
    for child in state.get("children", []) or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            pictures += _widget_pictures(child[len("IPY_MODEL_") :], models, seen)
    return pictures


def static_widgets(notebook: dict) -> dict:
    """Replace widget outputs by their static picture (else their text face); return a copy.

    The widget state is removed, so no page needs a widget manager.
    """
    notebook = copy.deepcopy(notebook)
    models = _widget_models(notebook)
    for cell in notebook.get("cells", []):
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(output)
                continue
            pictures = _widget_pictures(str(view.get("model_id", "")), models)
            if pictures:
                outputs += pictures
            else:
                rest = {k: v for k, v in output["data"].items() if k != WIDGET_VIEW}
                if rest:
                    outputs.append({**output, "data": rest})
        if "outputs" in cell:
            cell["outputs"] = outputs
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


# --------------------------------------------------------------------------- rendering


def external_urls(text: str) -> list[str]:
    """Every ``src``/``href``/CSS ``url()`` in ``text`` that would reach the network.

    Data URIs, fragments (``#...``) and relative paths are local; anything with a scheme
    other than ``data:`` (``https:``, ``file:``...) or starting with ``//`` is not.

    Examples
    --------
    >>> external_urls('<img src="data:image/png;base64,AA"> <script src="assets/a.js">')
    []
    >>> external_urls('<link href="https://cdn.example/reveal.css"> url(//fonts.example/x)')
    ['https://cdn.example/reveal.css', '//fonts.example/x']
    """
    found = [match.group(1) for match in _URL_ATTRIBUTE.finditer(text)]
    found += [match.group(1) or match.group(2) for match in _CSS_URL.finditer(text)]
    external = []
    for url in found:
        url = url.strip()
        scheme = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", url)
        if url.startswith("//") or (scheme and scheme.group(0).lower() != "data:"):
            external.append(url)
    return external


def _links_as_text(body: str) -> str:
    """Show each link to the internet as its text and address, not as a link."""

    def replace(match: re.Match) -> str:
        address, text = html.unescape(match.group(1)), match.group(2)
        shown = html.escape(address)
        return f'<span class="course-link">{text} <small>({shown})</small></span>'

    return _EXTERNAL_LINK.sub(replace, body)


def render_deck(notebook: dict, *, title: str, assets: str = ASSETS) -> str:
    """Render a notebook whose cells already carry slide types as one offline reveal.js page.

    Parameters
    ----------
    notebook : dict
        The notebook (outputs included), after :func:`choose_slides`.
    title : str
        The page title.
    assets : str
        Where the page finds ``reveal.js/`` and ``mathjax/``, relative to the page.
    """
    import jinja2
    import nbformat
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    node = nbformat.reads(json.dumps(notebook), as_version=4)  # sources as strings
    node.metadata["title"] = title
    exporter = SlidesExporter(
        extra_loaders=[jinja2.DictLoader({"course_slides.html.j2": _TEMPLATE})],
        template_file="course_slides.html.j2",
        reveal_url_prefix=f"{assets}/reveal.js",
        reveal_theme="white",
        reveal_transition="none",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_input_tags={HIDE_INPUT_TAG}, enabled=True), enabled=True
    )
    body, _ = exporter.from_notebook_node(node, resources={"course_assets": assets})
    body = _links_as_text(body)
    leaks = external_urls(body)
    if leaks:
        raise ValueError(
            f"The deck {title!r} would load {leaks[:3]} from the network; the slide template "
            "must not reference external files (report this as a bug)."
        )
    return body


def copy_assets(output: Path, *, tools: Path | None = None) -> Path:
    """Copy reveal.js and MathJax from ``tools/slides/node_modules`` to ``output/assets``.

    Raises
    ------
    FileNotFoundError
        When the npm packages are not installed, with the command that installs them.
    """
    modules = (Path(tools) if tools else repository() / "tools" / "slides") / "node_modules"
    target = Path(output) / ASSETS
    for package, part, name in ASSET_PARTS:
        source = modules / package / part
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing (npm package {package}). {NPM_HINT}")
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination)
    return target


def lesson_title(notebook: dict, fallback: str) -> str:
    """The text of the lesson's first heading (``fallback`` without one)."""
    for cell in notebook.get("cells", []):
        if cell["cell_type"] == "markdown":
            match = re.match(r"\s*#+\s+(.+)", source_of(cell))
            if match:
                return match.group(1).strip()
    return fallback


def count_slides(page: str) -> int:
    """The number of slides and sub-slides in a rendered deck (the innermost sections)."""
    sections = len(re.findall(r"<section\b", page))
    outer = len(re.findall(r"<section\b[^>]*>\s*<section\b", page))
    return sections - outer


def course_notebook(lessons: list[dict]) -> dict:
    """One notebook of the lessons in order (their cells after :func:`choose_slides`).

    The first shown cell of each lesson starts a new slide.
    """
    cells = []
    for lesson in lessons:
        lesson_cells = copy.deepcopy(lesson["cells"])
        for cell in lesson_cells:
            if _slide_type(cell) not in ("skip", "notes"):
                cell["metadata"]["slideshow"]["slide_type"] = "slide"
                break
        cells += lesson_cells
    first = lessons[0] if lessons else {"metadata": {}}
    return {
        "cells": cells,
        "metadata": copy.deepcopy(first.get("metadata", {})),
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# --------------------------------------------------------------------------- the command


def prepare_lesson(path: Path, *, build: Path) -> tuple[dict, list[str]]:
    """The lesson at ``path`` ready to render: outputs, static widgets, slide types.

    Returns the notebook and warnings (cells changed since the executed run).

    Raises
    ------
    FileNotFoundError
        When no executed copy exists, with what to run.
    """
    lesson = read_notebook(path)
    executed = executed_copy(path, build=build)
    if executed is None:
        raise FileNotFoundError(
            f"No executed copy of {Path(path).name} in {build}/full or {build}/quick, so its "
            "slides would have no figures. Run `make notebooks-quick` (a few minutes) or "
            "`make notebooks`, or add --execute to run the missing lessons in quick mode."
        )
    merged, missing = take_outputs(lesson, read_notebook(executed))
    warnings = []
    if missing:
        warnings.append(
            f"{Path(path).name}: {missing} code cell(s) changed since the run in "
            f"{executed.parent} and show no output there; rerun the notebooks for them."
        )
    return choose_slides(static_widgets(merged)), warnings


def _deck(page: str, path: Path, notebook: dict) -> Deck:
    write_text_atomically(path, page)
    cells = notebook["cells"]
    return Deck(
        path=path,
        slides=count_slides(page),
        notes=sum(_slide_type(c) == "notes" for c in cells),
        figures=sum(_slide_type(c) != "skip" and _has_figure(c) for c in cells),
        bytes=len(page.encode("utf-8")),
    )


def build_slides(
    notebooks: list[Path] | None = None,
    *,
    output: Path | None = None,
    build: Path | None = None,
    execute: bool = False,
    course_deck: bool = True,
    announce: Callable[[str], None] | None = None,
) -> SlidesReport:
    """Write a deck per lesson (and one for the course) with reveal.js and MathJax beside them.

    Parameters
    ----------
    notebooks : list of Path, optional
        Default: every lesson of ``notebooks/``.
    output : Path, optional
        Default ``build/slides``.
    build : Path, optional
        Where the executed copies are (``<build>/full``, ``<build>/quick``); default ``build``.
    execute : bool
        Run lessons that have no executed copy, in quick mode, into ``<build>/quick``.
    course_deck : bool
        Also write ``course.slides.html`` (all lessons in one deck).
    announce : callable, optional
        Called with a line of progress per lesson.

    Raises
    ------
    FileNotFoundError
        When a notebook, an executed copy (without ``execute``) or the npm packages are
        missing; nothing is written then.
    """
    start = time.perf_counter()
    selected = [Path(p) for p in notebooks] if notebooks else lesson_notebooks()
    missing = [str(p) for p in selected if not p.is_file()]
    if missing or not selected:
        raise FileNotFoundError(f"No such notebook: {', '.join(missing) or 'none in notebooks/'}")
    build = Path(build) if build else repository() / "build"
    output = Path(output) if output else repository() / SLIDES_FOLDER
    say = announce or (lambda line: None)
    if execute:
        _execute_missing(selected, build=build, say=say)
    prepared, warnings = [], []
    for path in selected:  # everything is checked before anything is written
        notebook, notes = prepare_lesson(path, build=build)
        prepared.append((path, notebook))
        warnings += notes
    copy_assets(output)
    decks = []
    for path, notebook in prepared:
        say(f"slides for {path.name}")
        title = lesson_title(notebook, path.stem)
        page = render_deck(notebook, title=title)
        decks.append(_deck(page, output / f"{path.stem}.slides.html", notebook))
    if course_deck and len(prepared) > 1:
        say("the course deck")
        whole = course_notebook([notebook for _, notebook in prepared])
        page = render_deck(whole, title="Image classification with TensorFlow and Keras")
        decks.append(_deck(page, output / COURSE_DECK, whole))
    return SlidesReport(decks, output, time.perf_counter() - start, warnings)


def _execute_missing(selected: list[Path], *, build: Path, say: Callable[[str], None]) -> None:
    from course_utils.instructor import runner

    for path in selected:
        if executed_copy(path, build=build) is None:
            say(f"running {path.name} in quick mode (no executed copy yet) ...")
            result = runner.run_notebook(path, build / "quick", quick=True, html=False)
            if not result.ok:
                raise RuntimeError(
                    f"{path.name} failed in quick mode ({result.error}); its executed copy "
                    f"in {build / 'quick'} shows the traceback. Fix it, then build the slides."
                )
