"""What a check, a hint or a solution shows: coloured in JupyterLab, plain text elsewhere.

Every object here has two faces: ``_repr_html_`` (a coloured box with a symbol and a word,
so the meaning never rests on colour alone) and ``__repr__`` (the same words as plain
text, which a terminal, ``print`` and a saved notebook's ``text/plain`` output show).
The colours are Okabe-Ito colours, distinguishable with the common colour-vision
deficiencies.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

CORRECT = "correct"
NOT_YET = "not yet"
NOT_ATTEMPTED = "not attempted"
STATUSES = (CORRECT, NOT_YET, NOT_ATTEMPTED)
"""The three outcomes of a check."""

# status -> (symbol, word shown, Okabe-Ito colour)
_LOOK = {
    CORRECT: ("\u2714", "Correct", "#009E73"),  # heavy check mark, bluish green
    NOT_YET: ("\u2718", "Not yet", "#D55E00"),  # heavy ballot x, vermillion
    NOT_ATTEMPTED: ("\u25cb", "Not attempted", "#6E7781"),  # white circle, grey
    "hint": ("\u2139", "Hint", "#0072B2"),  # information source, blue
    "solution": ("\u270e", "Solution", "#CC79A7"),  # pencil, reddish purple
    "notice": ("\u2139", "Note", "#6E7781"),
}


def _box(kind: str, title: str, body_html: str) -> str:
    symbol, word, colour = _LOOK[kind]
    return (
        f'<div class="course-check course-check-{kind.replace(" ", "-")}" '
        f'style="border-left: 6px solid {colour}; padding: 0.4em 0.8em; margin: 0.3em 0; '
        f'background: {colour}14;">'
        f'<span style="color: {colour}; font-weight: bold;">{symbol} {html.escape(word)}</span>'
        f"{' &middot; ' + html.escape(title) if title else ''}"
        f"{body_html}</div>"
    )


def _text(kind: str, title: str, body: str) -> str:
    symbol, word, _ = _LOOK[kind]
    head = f"{symbol} {word}" + (f" ({title})" if title else "")
    return f"{head}: {body}" if body and "\n" not in body else f"{head}\n{body}".rstrip()


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``status`` (one of :data:`STATUSES`) and a message.

    Examples
    --------
    >>> Result(NOT_YET, "The output layer has 10 units; there are 16 classes.", "lesson 04, q1")
    ✘ Not yet (lesson 04, q1): The output layer has 10 units; there are 16 classes.
    """

    status: str
    message: str
    title: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}.")

    @property
    def correct(self) -> bool:
        """True for a correct answer."""
        return self.status == CORRECT

    def _repr_html_(self) -> str:
        return _box(self.status, self.title, f"<div>{html.escape(self.message)}</div>")

    def __repr__(self) -> str:
        return _text(self.status, self.title, self.message)

    __str__ = __repr__


@dataclass(frozen=True)
class Note:
    """A hint, a solution or a notice: a title and a text; ``code`` shows it as code.

    Examples
    --------
    >>> print(Note("hint", "Hint 1 of 2", "Count the colour channels."))
    ℹ Hint (Hint 1 of 2): Count the colour channels.
    """

    kind: str
    title: str
    text: str
    code: bool = False

    def __post_init__(self):
        if self.kind not in ("hint", "solution", "notice"):
            raise ValueError(f"kind must be 'hint', 'solution' or 'notice', not {self.kind!r}.")

    def _repr_html_(self) -> str:
        body = html.escape(self.text)
        if self.code:
            body = f'<pre style="margin: 0.3em 0;"><code>{body}</code></pre>'
        else:
            body = f"<div>{body}</div>"
        return _box(self.kind, self.title, body)

    def __repr__(self) -> str:
        text = self.text.rstrip("\n")
        if self.code:
            return _text(self.kind, self.title, "\n" + text)
        return _text(self.kind, self.title, text)

    __str__ = __repr__


def show(item) -> None:
    """Display ``item`` under the cell (plain ``print`` outside IPython)."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # IPython is not installed: plain text
        print(item)
        return
    if get_ipython() is None:
        print(item)
    else:
        display(item)
