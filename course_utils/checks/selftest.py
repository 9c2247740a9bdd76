"""Checkers test themselves: run an exercise's reference solution and its catalogued mistakes.

The reference solution must come out "correct"; each :class:`WrongAnswer` must come out
"not yet" with its expected words in the message. ``tests/test_checks_selftest.py`` runs
this for every exercise of every lesson (:mod:`course_utils.checks.catalogue`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course_utils.checks.exercise import Exercise, WrongAnswer
from course_utils.checks.outcome import CORRECT, NOT_YET, Result


def _context(exercise: Exercise) -> dict:
    if exercise.test_context is None:
        raise ValueError(
            f"{exercise.label} has no test_context: give the Exercise a function that builds "
            "a small context (the lesson names it needs) for its self-test."
        )
    return dict(exercise.test_context())


def run_answer(exercise: Exercise, answer: str | WrongAnswer | None = None) -> Result:
    """The outcome of the reference solution (``answer=None``), of source code, or of a mistake."""
    namespace = _context(exercise)
    if isinstance(answer, WrongAnswer):
        answer = answer.answer
    if answer is None:
        answer = exercise.reference
    if callable(answer):
        return exercise.evaluate(namespace, **answer(namespace))
    exec(compile(answer, f"<{exercise.name}>", "exec"), namespace)  # the solution text itself
    return exercise.evaluate(namespace)


def problems(exercise: Exercise, wrong: WrongAnswer | None = None) -> list[str]:
    """What is wrong with one self-test case (empty list: the checker behaves)."""
    result = run_answer(exercise, wrong)
    if wrong is None:
        if result.status != CORRECT:
            return [f"{exercise.label}: the reference solution gets {result!r}"]
        return []
    if result.status != NOT_YET:
        return [f"{exercise.label}, mistake {wrong.name!r}: expected 'not yet', got {result!r}"]
    if wrong.expect.lower() not in result.message.lower():
        return [
            f"{exercise.label}, mistake {wrong.name!r}: the message should mention "
            f"{wrong.expect!r}, but says: {result.message}"
        ]
    return []


def coloured_noise(rng: np.random.Generator, labels, colours, side: int) -> np.ndarray:
    """Pictures of ``side`` x ``side`` pixels: each label's colour plus noise (uint8)."""
    noise = rng.integers(-30, 30, size=(len(labels), side, side, 3))
    return np.clip(colours[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8)


def tiny_fruits_data(class_names, splits: dict, *, name: str, side: int):
    """A FruitsData of made-up pictures for a self-test: ``splits`` maps train/val/test to
    ``(images, labels)``; ``name`` names the (not existing) folder."""
    from course_utils.datasets import FruitsData

    return FruitsData(
        class_names=list(class_names),
        x_train=splits["train"][0],
        y_train=splits["train"][1],
        x_val=splits["val"][0],
        y_val=splits["val"][1],
        x_test=splits["test"][0],
        y_test=splits["test"][1],
        root=Path(name),
        image_size=(side, side),
        batch_size=8,
        seed=0,
    )
