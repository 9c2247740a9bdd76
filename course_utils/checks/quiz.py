"""Concept questions: a question, lettered options, an explanation for every option.

A lesson module declares its questions (:class:`Question`, :class:`Option`) in a
:class:`Quiz`; the notebook shows them with ``lesson01.quiz.show()`` (or one of them,
``lesson01.quiz.show("rgb-shape")``). Each question appears as two outputs:

1. the question and its options as text (``text/html`` and ``text/plain``), readable in a
   saved or exported copy without a kernel;
2. an ipywidgets row of answer buttons (A, B, C ...) and a feedback line: the explanation
   of the option chosen, right or wrong. Answers are recorded in the progress file.

Why ipywidgets and not a quiz library: jupyterquiz (2.9.6.4) draws its questions with
JavaScript outputs, which a saved notebook does not run (the question is then invisible),
loads MathJax from a CDN (no network in a workshop room), and never tells the kernel what
was answered (no progress). ipywidgets is already a course dependency, works offline in
JupyterLab 4, and its buttons call Python, which tests can drive without a browser.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from course_utils.checks import progress
from course_utils.checks.outcome import CORRECT, NOT_YET, show

LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class Option:
    """One answer to choose; ``explanation`` says why it is right or why it is wrong."""

    text: str
    explanation: str
    correct: bool = False


@dataclass(frozen=True)
class Feedback:
    """What answering gives: the outcome (``correct`` / ``not yet``) and the words shown."""

    status: str
    text: str


class _Card:
    """The static face of a question: HTML and plain text (for saved copies)."""

    def __init__(self, question: Question):
        self.question = question

    def _repr_html_(self) -> str:
        q = self.question
        items = "".join(
            f"<li><b>{letter}.</b> {html.escape(option.text)}</li>"
            for letter, option in zip(LETTERS, q.options, strict=False)
        )
        return (
            f'<div class="course-quiz-question" style="border-left: 6px solid #0072B2; '
            f'padding: 0.4em 0.8em; margin: 0.3em 0;"><b>Question (lesson {q.lesson}, '
            f"{html.escape(q.key)}):</b> {html.escape(q.text)}"
            f'<ul style="list-style: none; padding-left: 0.5em; margin: 0.3em 0">{items}</ul></div>'
        )

    def __repr__(self) -> str:
        return self.question.as_text()


class Question:
    """A multiple-choice question with exactly one right option; every option explained.

    Parameters
    ----------
    lesson : str
        Two digits, ``"01"``.
    key : str
        A short name, unique in the lesson (``"rgb-shape"``).
    text : str
        The question.
    options : sequence of Option
        Two to six options, exactly one with ``correct=True``, each with an explanation.

    Examples
    --------
    >>> q = Question("01", "channels", "How many channels has an RGB image?", [
    ...     Option("3", "Red, green and blue.", correct=True),
    ...     Option("1", "One channel is a grey-scale image.")])
    >>> q.feedback(1).text
    'Not quite. B. 1: One channel is a grey-scale image. Try another option.'
    """

    def __init__(self, lesson: str, key: str, text: str, options: Sequence[Option]):
        if not re.fullmatch(r"\d\d", lesson):
            raise ValueError(f"lesson must be two digits like '01', not {lesson!r}.")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
            raise ValueError(f"key must be lower-case words joined by '-', not {key!r}.")
        self.lesson, self.key, self.text, self.options = lesson, key, text, tuple(options)
        if not 2 <= len(self.options) <= 6:
            raise ValueError(f"{self.label}: give two to six options, not {len(self.options)}.")
        for letter, option in zip(LETTERS, self.options, strict=False):
            if not isinstance(option, Option) or not option.text.strip():
                raise ValueError(f"{self.label}: option {letter} needs a text (an Option).")
            if not option.explanation.strip():
                raise ValueError(
                    f"{self.label}: option {letter} ({option.text!r}) has no explanation; "
                    "every option, right or wrong, says why."
                )
        right = sum(option.correct for option in self.options)
        if right != 1:
            raise ValueError(f"{self.label}: exactly one option must be correct, not {right}.")
        self.last: Feedback | None = None
        self.notice: str | None = None  # from the progress file, when recording failed

    @property
    def label(self) -> str:
        return f"lesson {self.lesson}, question {self.key}"

    @property
    def item(self) -> str:
        """Its name in the progress file: ``quiz:<key>``."""
        return f"quiz:{self.key}"

    def as_text(self) -> str:
        """The question and its lettered options as plain text."""
        lines = [f"Question (lesson {self.lesson}, {self.key}): {self.text}"]
        lines += [f"  {letter}. {o.text}" for letter, o in zip(LETTERS, self.options, strict=False)]
        return "\n".join(lines)

    def feedback(self, choice: int) -> Feedback:
        """The feedback for option number ``choice`` (0-based), without recording it."""
        if not 0 <= choice < len(self.options):
            raise ValueError(
                f"{self.label} has options 0 to {len(self.options) - 1}, not {choice}."
            )
        option, letter = self.options[choice], LETTERS[choice]
        if option.correct:
            return Feedback(CORRECT, f"Right! {letter}. {option.text}: {option.explanation}")
        return Feedback(
            NOT_YET, f"Not quite. {letter}. {option.text}: {option.explanation} Try another option."
        )

    def answer(self, choice: int) -> Feedback:
        """Answer with option ``choice`` (0-based): the feedback, recorded in the progress file."""
        self.last = self.feedback(choice)
        self.notice = progress.record(
            self.lesson, self.item, kind=progress.QUIZ, status=self.last.status
        )
        return self.last

    def widget(self):
        """The answer buttons and the feedback line (an ipywidgets ``VBox``)."""
        import ipywidgets as widgets

        feedback = widgets.HTML(value="<i>Choose an answer.</i>")
        feedback.add_class("course-quiz-feedback")
        buttons = []
        for number, option in enumerate(self.options):
            button = widgets.Button(
                description=LETTERS[number],
                tooltip=option.text,
                layout=widgets.Layout(width="3.5em"),
            )
            button.add_class("course-quiz-option")
            button.on_click(lambda _, number=number: self._clicked(number, buttons, feedback))
            buttons.append(button)
        label = widgets.HTML(value="<b>Your answer:</b>")
        box = widgets.VBox([widgets.HBox([label, *buttons]), feedback])
        box.add_class("course-quiz")
        return box

    def _clicked(self, number: int, buttons, feedback) -> None:
        result = self.answer(number)
        for index, button in enumerate(buttons):
            button.button_style = ""
            if index == number:
                button.button_style = "success" if result.status == CORRECT else "danger"
        symbol, colour = (
            ("\u2714", "#009E73") if result.status == CORRECT else ("\u2718", "#D55E00")
        )
        feedback.value = (
            f'<span style="color: {colour}; font-weight: bold;">{symbol}</span> '
            f"{html.escape(result.text)}"
            + (f"<br><small>{html.escape(self.notice)}</small>" if self.notice else "")
        )

    def card(self) -> _Card:
        """The question as static text (HTML and plain), for saved copies."""
        return _Card(self)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.card())
        display(self.widget())

    def __repr__(self) -> str:
        return self.as_text()


class Quiz:
    """A lesson's concept questions, shown with :meth:`show`."""

    def __init__(self, lesson: str, questions: Sequence[Question]):
        self.lesson, self.questions = lesson, tuple(questions)
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"lesson {lesson}: question keys must be unique, not {keys}.")
        other = [q.key for q in self.questions if q.lesson != lesson]
        if other:
            raise ValueError(f"lesson {lesson}'s quiz holds questions of another lesson: {other}.")

    def keys(self) -> list[str]:
        return [q.key for q in self.questions]

    def __getitem__(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(f"lesson {self.lesson} has no question {key!r}; it has {self.keys()}.")

    def __len__(self) -> int:
        return len(self.questions)

    def show(self, *keys: str) -> None:
        """Show the questions named (default: all of them), each with its answer buttons."""
        for key in keys or self.keys():
            question = self[key]
            try:
                from IPython import get_ipython
            except ImportError:
                get_ipython = None
            if get_ipython is not None and get_ipython() is not None:
                question._ipython_display_()
            else:
                show(question.card())
