"""Every exercise in a lesson is followed by a visible check: the cell after each cell
tagged ``solution`` or ``exercise`` calls ``lessonNN.<exercise>.check(...)`` of a declared
exercise of the same lesson. Lessons whose checks are not written yet are listed in
``WITHOUT_CHECKS_YET``; their test is expected to fail (strictly) only while the lesson
module declares no exercise, so adding the checks makes it a real, passing test."""

from __future__ import annotations

import re
import sys

import pytest

from course_utils.checks import catalogue
from course_utils.instructor.lessons import lesson_notebooks, read_notebook, source_of, tags_of

EXERCISE_TAGS = {"solution", "exercise"}
CHECK_CALL = re.compile(r"^\s*lesson(\d\d)\.(\w+)\.check\(", re.MULTILINE)

WITHOUT_CHECKS_YET: set[str] = set()
"""Lessons whose exercises have no checks yet (issue 13: per-lesson checkers come next).
Take a lesson out when its checks module declares its exercises."""


def declared_keys(lesson: str) -> set[str]:
    if lesson not in catalogue.lesson_numbers():
        return set()
    return {exercise.key for exercise in catalogue.exercises(lesson)}


def missing_checks(notebook: dict, lesson: str) -> list[str]:
    """Each exercise cell without a check call of a declared exercise in the next cell."""
    cells, keys, problems = notebook["cells"], declared_keys(lesson), []
    for index, cell in enumerate(cells):
        if not EXERCISE_TAGS & set(tags_of(cell)):
            continue
        following = cells[index + 1] if index + 1 < len(cells) else None
        calls = CHECK_CALL.findall(source_of(following)) if following else []
        if following is None or following["cell_type"] != "code" or not calls:
            problems.append(f"cell {index}: no lesson{lesson}.<exercise>.check() in the next cell")
            continue
        for number, key in calls:
            if number != lesson or key not in keys:
                problems.append(
                    f"cell {index + 1}: lesson{number}.{key}.check() is not a declared exercise "
                    f"of lesson {lesson} (declared: {sorted(keys)})"
                )
    return problems


def _case(path):
    lesson = path.name[:2]
    marks = []
    if lesson in WITHOUT_CHECKS_YET and not declared_keys(lesson):
        marks.append(
            pytest.mark.xfail(
                reason=f"lesson {lesson} has no checks yet (issue 13, per-lesson checkers)",
                strict=True,
            )
        )
    return pytest.param(path, id=path.name[:2], marks=marks)


LESSONS = [path for path in lesson_notebooks() if path.name[:2] != "00"]


@pytest.mark.parametrize("path", [_case(path) for path in LESSONS])
def test_every_exercise_cell_is_followed_by_a_check(path):
    notebook = read_notebook(path)
    exercise_cells = [c for c in notebook["cells"] if EXERCISE_TAGS & set(tags_of(c))]
    problems = missing_checks(notebook, path.name[:2])
    assert exercise_cells and not problems, f"{path.name}: {problems or 'no exercise cells'}"


def _notebook(*cells):
    return {
        "cells": [
            {"cell_type": kind, "metadata": {"tags": tags}, "source": text}
            for kind, tags, text in cells
        ]
    }


def test_the_rule_finds_a_missing_and_a_mistyped_check(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "declared_keys", lambda lesson: {"q1"})
    good = _notebook(("code", ["solution"], "x = 1"), ("code", [], "lesson04.q1.check()"))
    assert missing_checks(good, "04") == []
    none = _notebook(("code", ["solution"], "x = 1"), ("markdown", [], "lesson04.q1.check()"))
    assert "no lesson04" in missing_checks(none, "04")[0]
    last = _notebook(("code", ["exercise"], "# Your solution here"))
    assert "no lesson04" in missing_checks(last, "04")[0]
    other = _notebook(("code", ["solution"], "x = 1"), ("code", [], "lesson04.q7.check()"))
    assert "not a declared exercise" in missing_checks(other, "04")[0]
    wrong_lesson = _notebook(("code", ["solution"], "x"), ("code", [], "lesson05.q1.check()"))
    assert "not a declared exercise" in missing_checks(wrong_lesson, "04")[0]


def test_the_list_of_lessons_without_checks_names_only_lessons():
    assert all(re.fullmatch(r"0\d", lesson) for lesson in WITHOUT_CHECKS_YET)
