"""Committed notebooks follow the course's conventions (see docs/design.md).

- Output policy: no outputs, no execution counts, no widget state (executed copies are
  built by `python -m course_utils run-notebooks`).
- Every lesson opens the same way (title, what you will learn, prerequisites, setup with
  the visible quick-mode line and a seed) and ends with a summary, exercises and what
  comes next.
- Every lesson has at least one visible check cell (tag ``check``) with an ``assert``,
  so that the notebook test fails on a wrong result, not only on an exception.
- Exercise solutions are cells tagged ``solution`` with their source hidden (one click
  to show in JupyterLab).
"""

from __future__ import annotations

import json
import re

import pytest

from course_utils.instructor import lessons, policy

QUICK_LINE = "QUICK = paths.quick_mode()"
START_LINES = ("from course_utils import lesson", "lesson.start()")
ALL = lessons.lesson_notebooks()
LESSONS = [p for p in ALL if not p.name.startswith("00_")]


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_there_are_notebooks():
    assert ALL and ALL[0].name == "00_setup-check.ipynb"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_output_policy(path):
    assert policy.policy_problems(load(path)) == [], (
        f"{path.name} breaks the output policy: clear outputs before committing "
        "(JupyterLab: Edit > Clear Outputs of All Cells, then save)"
    )


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_setup_and_kernel(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [text_of(c) for c in nb["cells"] if c["cell_type"] == "code"]
    quick_lines = [
        line for cell in code for line in cell.splitlines() if line.startswith("QUICK =")
    ]
    assert len(quick_lines) == 1 and quick_lines[0].startswith(QUICK_LINE), quick_lines
    setup = next(cell for cell in code if QUICK_LINE in cell)
    first = [line for line in setup.splitlines() if line.strip()][:2]
    assert [line.split("  #")[0] for line in first] == list(START_LINES), (
        "the setup cell starts TensorFlow quietly before anything else: "
        "from course_utils import lesson; lesson.start()"
    )
    assert any(re.search(r"^SEED = \d+", cell, re.M) for cell in code)
    assert not any("COURSE_QUICK" in cell for cell in code if QUICK_LINE not in cell), (
        "quick mode is read in exactly one visible line"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_structure(path):
    nb = load(path)
    cells = nb["cells"]
    markdown = "\n".join(text_of(c) for c in cells if c["cell_type"] == "markdown")
    number = path.name[:2]
    assert text_of(cells[0]).startswith(f"# {number} "), "the first cell is the title"
    for needed in (
        "What you will learn",
        "Prerequisites",
        "## Setup",
        "## Summary",
        "## Exercises",
        "## What comes next",
    ):
        assert needed in markdown, f"{path.name} lacks {needed!r}"
    checks = [c for c in cells if "check" in tags(c)]
    assert checks, "at least one check cell tagged 'check'"
    assert all("assert " in text_of(c) for c in checks)
    solutions = [c for c in cells if "solution" in tags(c)]
    assert 2 <= len(solutions) <= 8, "2-4 exercises, each with a hidden solution"
    for cell in solutions:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_solutions_stay_collapsed_until_opened(path):
    # Code and outputs hidden: an executed lesson must not show the answer under the question.
    for index, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code" and "solution" in tags(cell):
            hidden = cell["metadata"].get("jupyter", {})
            assert hidden.get("source_hidden") and hidden.get("outputs_hidden"), (
                f"{path.name} cell {index}: a solution cell needs jupyter.source_hidden and "
                "jupyter.outputs_hidden set to true"
            )
