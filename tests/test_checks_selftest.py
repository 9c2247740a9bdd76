"""Checkers test themselves: every declared exercise's reference solution must be "correct"
and each catalogued wrong answer "not yet" with its own message; every declaration follows
the rules (hints, at least two catalogued mistakes, names that match the module)."""

from __future__ import annotations

import pytest

from course_utils.checks import Exercise, catalogue, selftest

EXERCISES = catalogue.all_exercises()
CASES = [
    pytest.param(exercise, None, id=f"{exercise.name}-reference") for exercise in EXERCISES
] + [
    pytest.param(exercise, wrong, id=f"{exercise.name}-{wrong.name}")
    for exercise in EXERCISES
    for wrong in exercise.wrong_answers
]


@pytest.mark.parametrize(("exercise", "wrong"), CASES)
def test_each_checker_passes_its_solution_and_names_each_catalogued_mistake(exercise, wrong):
    assert selftest.problems(exercise, wrong) == []


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_each_exercise_is_declared_completely(exercise: Exercise):
    module = catalogue.lesson_module(exercise.lesson)
    assert getattr(module, exercise.key, None) is exercise, (
        f"{exercise.name}: declare it as `{exercise.key} = Exercise(...)` in {module.__name__}"
    )
    assert 1 <= len(exercise.hints) <= 3
    assert len(exercise.wrong_answers) >= 2, f"{exercise.name}: catalogue two mistakes or more"
    names = [wrong.name for wrong in exercise.wrong_answers]
    assert len(set(names)) == len(names), f"{exercise.name}: mistake names repeat: {names}"
    assert exercise.test_context is not None, f"{exercise.name}: give it a test_context"
    assert exercise.reference.strip(), f"{exercise.name}: the reference solution is empty"


def test_the_catalogue_finds_the_lesson_modules():
    numbers = catalogue.lesson_numbers()
    assert "01" in numbers and numbers == sorted(numbers)
    assert catalogue.quiz("01") is not None
    with pytest.raises(ValueError, match="No checks for lesson '99'"):
        catalogue.lesson_module("99")
    declared = catalogue.declared()
    assert declared["01"]["quiz"] == [q.item for q in catalogue.quiz("01").questions]
