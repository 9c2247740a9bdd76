"""The instructor bundle holds every file a lesson downloads, exercises and solutions included.

The lessons' code cells are parsed (Python's ``ast``, not text search) for what makes
Keras download a file:

- ``pretrained.load(name, include_top=...)`` and ``cpu_bases.load_base(name, ...)``
  (a name taken from a ``for name in (...)`` loop counts for each value);
- a ``keras.applications`` constructor, however imported, unless ``weights=None``;
- ``get_file(fname, ...)``.

Each is mapped to the Keras cache file name and compared with what ``bundle create``
packs (:data:`course_utils.pretrained.COURSE_FILES`, plus the fruits part). A lesson that
loads something the bundle lacks fails here with the file and the cell.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_utils import bundle, cpu_bases, pretrained
from course_utils.instructor import lessons

# Keras's file names for constructors the lessons call directly (include_top -> file).
KERAS_FILES = {
    "VGG16": {True: pretrained.VGG16_TOP.filename, False: pretrained.VGG16_NOTOP.filename},
    "Xception": {True: pretrained.XCEPTION_TOP.filename, False: pretrained.XCEPTION_NOTOP.filename},
    "ResNet50": {
        True: "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        False: "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    },
}
for _spec in cpu_bases.SMALL_BASES.values():
    KERAS_FILES.setdefault(_spec.constructor, {})[False] = _spec.weights.filename


@dataclass(frozen=True)
class Download:
    """One file a lesson makes Keras fetch."""

    notebook: str
    cell: int
    what: str
    filename: str


def bundled_files() -> set[str]:
    """The Keras cache files a full bundle carries."""
    return {item.filename for item in pretrained.COURSE_FILES}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, name: str, default=None):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return default


def _literal(node: ast.AST | None):
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return ...  # not a literal


def _loop_values(tree: ast.AST) -> dict[str, list]:
    """``for name in ("a", "b")`` -> {"name": ["a", "b"]}."""
    values = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            found = _literal(node.iter)
            if isinstance(found, (tuple, list)):
                values[node.target.id] = list(found)
    return values


def _names(node: ast.AST, loops: dict[str, list]) -> list:
    if isinstance(node, ast.Name) and node.id in loops:
        return loops[node.id]
    value = _literal(node)
    return [value] if isinstance(value, str) else [f"<not a literal: {ast.unparse(node)}>"]


def _applications_names(tree: ast.AST) -> set[str]:
    """Local names bound to keras.applications modules or constructors."""
    names = {"keras.applications"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "keras.applications"
        ):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _pretrained_file(name: str, top: bool) -> str:
    spec = pretrained._spec(name)
    return (spec.top if top else spec.notop).filename


def downloads_in_cell(source: str, notebook: str, cell: int) -> list[Download]:
    """What one code cell makes Keras download."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    tree = ast.parse(code)
    loops, applications = _loop_values(tree), _applications_names(tree)
    found = []

    def add(what: str, filename: str) -> None:
        found.append(Download(notebook, cell, what, filename))

    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        func = _dotted(call.func)
        head, _, last = func.rpartition(".")
        top = _literal(_keyword(call, "include_top")) is not False
        if func.endswith("pretrained.load") and call.args:
            for name in _names(call.args[0], loops):
                add(f"pretrained.load({name!r}, include_top={top})", _pretrained_file(name, top))
        elif func.endswith("cpu_bases.load_base") and call.args:
            for name in _names(call.args[0], loops):
                spec = cpu_bases.SMALL_BASES.get(name)
                filename = spec.weights.filename if spec else _pretrained_file(name, False)
                add(f"cpu_bases.load_base({name!r})", filename)
        elif last[:1].isupper() and (head in applications or func in applications):
            weights = _keyword(call, "weights")
            if weights is not None and _literal(weights) is None:
                continue  # weights=None: random weights on purpose, nothing downloaded
            filename = KERAS_FILES.get(last, {}).get(top, f"<{last} weights, include_top={top}>")
            add(f"keras.applications {last}(include_top={top})", filename)
        elif last == "get_file":
            target = call.args[0] if call.args else _keyword(call, "fname")
            name = _literal(target)
            add("get_file", name if isinstance(name, str) else f"<get_file {ast.unparse(call)}>")
    return found


def lesson_downloads(path: Path) -> list[Download]:
    """Every download in a lesson's code cells (solutions included)."""
    found = []
    for number, cell in enumerate(lessons.read_notebook(path)["cells"], start=1):
        if cell["cell_type"] == "code":
            found += downloads_in_cell(lessons.source_of(cell), path.name, number)
    return found


LESSONS = lessons.lesson_notebooks()


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_the_bundle_holds_every_file_the_lesson_downloads(path):
    missing = [d for d in lesson_downloads(path) if d.filename not in bundled_files()]
    assert not missing, (
        f"{path.name} downloads files that `bundle create` does not pack, so an offline room "
        "gets random weights there: "
        + "; ".join(f"cell {d.cell}: {d.what} -> {d.filename}" for d in missing)
        + ". Add them to pretrained.COURSE_FILES (fetch-weights and the bundle use that list)."
    )


def test_the_lessons_load_the_weights_the_bundle_carries():
    # Every bundled weight file is used by some lesson (no dead weight in a 900 MB zip),
    # and the scan finds the loads it must (so it is not vacuously empty).
    used = {d.filename for path in LESSONS for d in lesson_downloads(path)}
    unused = bundled_files() - used - {pretrained.CLASS_INDEX.filename}
    assert not unused, f"bundled but never loaded by a lesson: {sorted(unused)}"
    assert pretrained.XCEPTION_NOTOP.filename in used, "lesson 06's exercise loads Xception"


def test_the_fruits_travel_in_the_bundle():
    assert "fruits" in bundle.PARTS
    uses = [p.name for p in LESSONS if re.search(r"datasets\.(locate|load)_fruits", p.read_text())]
    assert len(uses) >= 5, f"the lessons read the fruits through datasets: {uses}"


def test_the_scan_finds_every_kind_of_download(tmp_path):
    cells = [
        "from keras.applications import resnet50\nmodel = resnet50.ResNet50()",
        "import keras\nbase = keras.applications.VGG16(weights=None)",  # nothing downloaded
        'base = keras.applications.Xception(include_top=False, weights="imagenet")',
        'path = keras.utils.get_file("flowers.tgz", origin="https://example.org/f.tgz")',
        'for name in ("mobilenetv3small", "vgg16"):\n    b = cpu_bases.load_base(name, 64)',
        '%matplotlib inline\nvgg = pretrained.load("vgg16")',
    ]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "99_scan.ipynb"
    path.write_text(json.dumps(notebook))
    found = [(d.cell, d.filename) for d in lesson_downloads(path)]
    assert found == [
        (1, "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
        (3, pretrained.XCEPTION_NOTOP.filename),
        (4, "flowers.tgz"),
        (5, cpu_bases.MOBILENET_V3_SMALL_NOTOP.filename),
        (5, pretrained.VGG16_NOTOP.filename),
        (6, pretrained.VGG16_TOP.filename),
    ]
    missing = {name for _, name in found} - bundled_files()
    assert missing == {"flowers.tgz"}  # a file of no course registry is reported as missing
