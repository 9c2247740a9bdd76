"""Every lesson's checks and questions: finds the ``lessonNN`` modules of this package.

The progress table counts what is declared here, and the self-tests run every exercise
and every question found here, so a new lesson module is picked up without a list to
update.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from course_utils.checks.exercise import Exercise
from course_utils.checks.quiz import Quiz

_LESSON_MODULE = re.compile(r"lesson(\d\d)")


def lesson_numbers() -> list[str]:
    """``["01", "02", ...]``: the lessons that have a checks module."""
    import course_utils.checks as package

    return sorted(
        match.group(1)
        for info in pkgutil.iter_modules(package.__path__)
        if (match := _LESSON_MODULE.fullmatch(info.name))
    )


def lesson_module(lesson: str) -> ModuleType:
    """The checks module of ``lesson`` (``"04"`` -> ``course_utils.checks.lesson04``)."""
    if lesson not in lesson_numbers():
        raise ValueError(f"No checks for lesson {lesson!r}; there are {lesson_numbers()}.")
    return importlib.import_module(f"course_utils.checks.lesson{lesson}")


def exercises(lesson: str) -> list[Exercise]:
    """The exercises a lesson module declares (its ``Exercise`` attributes), by key."""
    module = lesson_module(lesson)
    found = [value for value in vars(module).values() if isinstance(value, Exercise)]
    return sorted(found, key=lambda exercise: exercise.key)


def quiz(lesson: str) -> Quiz | None:
    """The lesson's quiz (its ``quiz`` attribute), or ``None``."""
    value = getattr(lesson_module(lesson), "quiz", None)
    return value if isinstance(value, Quiz) else None


def all_exercises() -> list[Exercise]:
    """Every declared exercise of every lesson."""
    return [exercise for lesson in lesson_numbers() for exercise in exercises(lesson)]


def all_questions() -> list:
    """Every declared quiz question of every lesson."""
    return [q for lesson in lesson_numbers() if (found := quiz(lesson)) for q in found.questions]


def declared() -> dict[str, dict[str, list[str]]]:
    """``{lesson: {"exercise": [keys], "quiz": [items]}}`` for the progress table."""
    result = {}
    for lesson in lesson_numbers():
        found = quiz(lesson)
        result[lesson] = {
            "exercise": [exercise.key for exercise in exercises(lesson)],
            "quiz": [question.item for question in (found.questions if found else ())],
        }
    return result
