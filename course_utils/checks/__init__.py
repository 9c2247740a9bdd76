"""Exercises that answer back: checks, tiered hints, solutions and concept quizzes.

One module per lesson (``lesson01`` ... ``lesson09``) declares its exercises and its
quiz; a notebook uses them from visible lines::

    from course_utils.checks import lesson04
    lesson04.q1.check()      # correct / not yet (and why) / not attempted
    lesson04.q1.hint()       # the next of up to three hints, each a step closer
    lesson04.q1.solution()   # a reference solution, as text
    lesson04.quiz.show()     # the lesson's concept questions

The core: :mod:`~course_utils.checks.outcome` (what is shown),
:mod:`~course_utils.checks.exercise` (declaring and checking an exercise),
:mod:`~course_utils.checks.keras_mistakes` (detectors of classic Keras mistakes),
:mod:`~course_utils.checks.quiz` (questions), :mod:`~course_utils.checks.progress` (the
local progress file), :mod:`~course_utils.checks.catalogue` (every lesson's checks) and
:mod:`~course_utils.checks.selftest` (checkers tested against their solutions and
catalogued mistakes). Importing any of them does not import TensorFlow.
"""

from course_utils.checks.exercise import (
    Exercise,
    NotYet,
    WrongAnswer,
    ____,
    reject,
    require,
    solution_policy,
)
from course_utils.checks.outcome import CORRECT, NOT_ATTEMPTED, NOT_YET, Note, Result
from course_utils.checks.quiz import Option, Question, Quiz


def show_progress() -> None:
    """Show the learner's progress, one row per lesson (notebook 00 calls this)."""
    from course_utils.checks import catalogue, progress
    from course_utils.checks.outcome import show

    recorded = progress.load_progress()
    if recorded.notice:
        show(Note("notice", "progress", recorded.notice))
    elif not recorded.exists:
        show(
            Note(
                "notice",
                "progress",
                f"Nothing recorded yet: checks and quiz answers are kept in {recorded.path}.",
            )
        )
    show(progress.progress_table(progress.summarise(recorded, catalogue.declared())))


__all__ = [
    "CORRECT",
    "NOT_ATTEMPTED",
    "NOT_YET",
    "Exercise",
    "Note",
    "NotYet",
    "Option",
    "Question",
    "Quiz",
    "Result",
    "WrongAnswer",
    "____",
    "reject",
    "require",
    "show_progress",
    "solution_policy",
]
