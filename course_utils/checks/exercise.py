"""One exercise that answers back: ``check()``, tiered ``hint()`` and ``solution()``.

A lesson module declares each exercise once (see :class:`Exercise`); the notebook calls
it from a visible line in the cell after the exercise, for example::

    lesson04.q1.check()

``check()`` looks up the exercise's answer names (say ``augmented_model``) among the
notebook's variables, so the same line works before the learner has written anything
(the outcome is then "not attempted", and Run All carries on), and a learner who chose
another name passes it explicitly: ``lesson04.q1.check(augmented_model=my_model)``.

A checker is a plain function of those names that raises :class:`NotYet` with a message
specific to the mistake (:func:`require` and :func:`reject` make that one line each) and
returns nothing, or a word of praise, when the answer is right.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.checks import progress
from course_utils.checks.outcome import CORRECT, NOT_ATTEMPTED, NOT_YET, Note, Result, show

SOLUTIONS_ENV = "COURSE_SOLUTIONS"
SOLUTION_POLICIES = ("show", "after-attempt", "hide")
STUDENT_MARKER = ".student-edition"
MAX_HINTS = 3


class NotYet(Exception):
    """Raised by a checker: the answer is not right yet; the message says why."""


def require(condition, message: str) -> None:
    """Raise :class:`NotYet` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise NotYet(message)


def reject(*findings: str | None) -> None:
    """Raise :class:`NotYet` with the first finding that is not ``None``.

    The detectors of :mod:`course_utils.checks.keras_mistakes` return a message or
    ``None``, so ``reject(detector(...), other_detector(...))`` names the first mistake.
    """
    for finding in findings:
        if finding:
            raise NotYet(finding)


class _Blank:
    """The placeholder ``____`` of a starter cell: an answer not written yet."""

    def __repr__(self) -> str:
        return "____"


____ = _Blank()
"""Put ``____`` where the learner writes their answer; a check treats it as not attempted."""


def solution_policy(folder: Path | None = None) -> str:
    """Whether ``solution()`` shows the reference solution: ``show``, ``after-attempt``, ``hide``.

    ``COURSE_SOLUTIONS`` decides when set; otherwise a ``"solutions"`` entry in the
    student edition's marker file (``.student-edition`` in ``folder``, by default the
    current folder, which is the notebook's folder in JupyterLab); otherwise ``show``.

    Raises
    ------
    ValueError
        For a value that is not one of :data:`SOLUTION_POLICIES`.
    """
    value = os.environ.get(SOLUTIONS_ENV, "").strip().lower()
    source = SOLUTIONS_ENV
    if not value:
        marker = (Path.cwd() if folder is None else Path(folder)) / STUDENT_MARKER
        try:
            value = json.loads(marker.read_text(encoding="utf-8")).get("solutions", "")
        except (OSError, ValueError, AttributeError):
            value = ""
        value, source = str(value).strip().lower(), str(marker)
    if not value:
        return "show"
    if value not in SOLUTION_POLICIES:
        raise ValueError(
            f"{source} says solutions {value!r}; use one of {', '.join(SOLUTION_POLICIES)}."
        )
    return value


@dataclass(frozen=True)
class WrongAnswer:
    """A catalogued mistake: an answer that must get "not yet" with a specific message.

    Parameters
    ----------
    name : str
        What the mistake is, in a few words (the self-test's id).
    answer : str or callable
        Source code run instead of the reference solution (in the same namespace), or a
        function of the test context (a dict) returning the answer values (a dict).
    expect : str
        A piece of the message the check must give (case-insensitive).
    """

    name: str
    answer: str | Callable[[dict], dict]
    expect: str


@dataclass(eq=False)
class Exercise:
    """An exercise: what it checks, how, its hints and its reference solution.

    Parameters
    ----------
    lesson : str
        Two digits, ``"04"``.
    key : str
        The attribute name in the lesson module (``"q1"``): ``lesson04.q1.check()``.
    title : str
        A few words, shown with every outcome.
    answers : tuple of str
        The names the learner defines; missing or ``____`` means not attempted.
    checker : callable
        Called with the answers and the context by name. Raises :class:`NotYet` with a
        message, or returns ``None`` (or a short praise) when the answer is right.
    reference : str
        The reference solution as source code: shown by :meth:`solution` and run by the
        self-test (so the text shown is proven correct).
    hints : tuple of str
        One to three hints, each a step closer to the solution.
    context : tuple of str
        Names the lesson defined earlier that the checker needs (``data``, ``model``).
    wrong_answers : tuple of WrongAnswer
        Catalogued mistakes; the self-test runs each and expects its message.
    test_context : callable, optional
        Returns a fresh, small context (a dict of the ``context`` names and whatever
        the reference solution uses) for the self-test.
    """

    lesson: str
    key: str
    title: str
    answers: tuple[str, ...]
    checker: Callable[..., str | None]
    reference: str
    hints: tuple[str, ...]
    context: tuple[str, ...] = ()
    wrong_answers: tuple[WrongAnswer, ...] = ()
    test_context: Callable[[], dict] | None = None
    _hints_shown: int = field(default=0, init=False, repr=False)
    _attempts: int = field(default=0, init=False, repr=False)

    def __post_init__(self):
        if not re.fullmatch(r"\d\d", self.lesson):
            raise ValueError(f"lesson must be two digits like '04', not {self.lesson!r}.")
        if not self.key.isidentifier():
            raise ValueError(f"key must be a Python name like 'q1', not {self.key!r}.")
        if not self.answers:
            raise ValueError(f"{self.label}: name at least one answer variable.")
        if not 1 <= len(self.hints) <= MAX_HINTS:
            raise ValueError(f"{self.label}: give one to {MAX_HINTS} hints, not {len(self.hints)}.")
        clash = set(self.answers) & set(self.context)
        if clash:
            raise ValueError(f"{self.label}: {sorted(clash)} cannot be answer and context.")

    @property
    def label(self) -> str:
        """``lesson 04, q1: <title>``."""
        return f"lesson {self.lesson}, {self.key}" + (f": {self.title}" if self.title else "")

    @property
    def name(self) -> str:
        """How a notebook names it: ``lesson04.q1``."""
        return f"lesson{self.lesson}.{self.key}"

    @property
    def call(self) -> str:
        """The line a notebook runs: ``lesson04.q1.check()``."""
        return f"{self.name}.check()"

    # ------------------------------------------------------------------ checking

    def evaluate(self, namespace: Mapping | None = None, **values) -> Result:
        """Return the outcome for the answers in ``values``, else found in ``namespace``.

        Nothing is shown or recorded (that is :meth:`check`).
        """
        namespace = {} if namespace is None else namespace
        unknown = set(values) - set(self.answers) - set(self.context)
        if unknown:
            raise TypeError(
                f"{self.call} takes {', '.join(self.answers + self.context)}, "
                f"not {', '.join(sorted(unknown))}."
            )
        found = {}
        for name in self.answers:
            value = values[name] if name in values else namespace.get(name, ____)
            if value is ____:
                return Result(
                    NOT_ATTEMPTED,
                    f"No `{name}` yet: write your answer in the cell above (the check looks "
                    f"for the name `{name}`), run it, then run this cell again.",
                    self.label,
                )
            found[name] = value
        for name in self.context:
            value = values[name] if name in values else namespace.get(name, ____)
            if value is ____:
                return Result(
                    NOT_ATTEMPTED,
                    f"The check needs `{name}` from the lesson: run the lesson's cells above "
                    "first (Run > Run All Above Selected Cell), then this cell again.",
                    self.label,
                )
            found[name] = value
        try:
            praise = self.checker(**found)
        except NotYet as mistake:
            return Result(NOT_YET, str(mistake), self.label)
        except Exception as error:  # the learner's object broke the check: say how
            return Result(
                NOT_YET,
                f"Checking your answer raised {type(error).__name__}: {error}. Look at what "
                f"{' and '.join(f'`{n}`' for n in self.answers)} hold"
                f"{' (its type, shape, layers)' if len(self.answers) == 1 else ''}.",
                self.label,
            )
        return Result(CORRECT, praise or "Well done.", self.label)

    def check(self, **values) -> None:
        """Check the answer, show the outcome under the cell and record it.

        The answers are looked up by name among the notebook's variables unless given
        here (``check(augmented_model=my_model)``).
        """
        frame = inspect.currentframe().f_back
        namespace = {**frame.f_globals, **frame.f_locals}
        del frame
        result = self.evaluate(namespace, **values)
        if result.status != NOT_ATTEMPTED:
            self._attempts += 1
        show(result)
        notice = progress.record(
            self.lesson, self.key, kind=progress.EXERCISE, status=result.status
        )
        if notice:
            show(Note("notice", "progress", notice))

    # ------------------------------------------------------------------ help

    def hint_note(self, number: int | None = None) -> Note:
        """The hint to show: ``number`` (1-based), or the next one not shown yet."""
        count = len(self.hints)
        if number is None:
            number = min(self._hints_shown + 1, count)
        if not 1 <= number <= count:
            raise ValueError(f"{self.label} has hints 1 to {count}, not {number}.")
        self._hints_shown = max(self._hints_shown, number)
        text = self.hints[number - 1]
        if number == count:
            text += f"\n(That is the last hint; {self.name}.solution() shows a solution.)"
        else:
            text += f"\n(Call hint() again for hint {number + 1}.)"
        return Note("hint", f"{self.label}, hint {number} of {count}", text)

    def hint(self, number: int | None = None) -> None:
        """Show the next hint (or hint ``number``); each is a step closer to the solution."""
        show(self.hint_note(number))

    def solution_note(self) -> Note:
        """The reference solution, or why it is not shown (the instructor's switch)."""
        policy = solution_policy()
        if policy == "hide" or (policy == "after-attempt" and self._attempts == 0):
            reason = (
                "Your instructor has switched solutions off for this session: ask them, or "
                "look at the full lesson in notebooks/ later."
                if policy == "hide"
                else f"Try first: run {self.call} on an answer of yours (any answer), then "
                "ask for the solution again."
            )
            return Note("notice", f"{self.label}, solution", reason)
        return Note("solution", self.label, self.reference.strip("\n"), code=True)

    def solution(self) -> None:
        """Show a reference solution as text (unless the instructor switched them off)."""
        show(self.solution_note())
