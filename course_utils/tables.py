"""Small tables the lessons show: Markdown in JupyterLab, aligned plain text elsewhere.

Lessons build a list of rows (one per model, one per setting) and show it under the cell
with :func:`show_table`. The :class:`Table` it displays carries two forms: Markdown,
which JupyterLab and the HTML copies render as a table, and aligned plain text, which is
what a terminal, ``print`` and plain-text saved outputs show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+\s*(%|s|ms|MB|kB|GB|min|x)?$")
_ALIGNMENTS = ("left", "right")


def _looks_numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or bool(_NUMBER.match(str(value).strip()))


def _cell(value) -> str:
    """One line of text, with ``|`` escaped so it cannot split a Markdown cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


@dataclass(frozen=True)
class Table:
    """Rows under headers, shown as Markdown in a notebook and as aligned text elsewhere.

    Columns whose every cell is a number (``3``, ``0.25``, ``"98.5%"``, ``"12 s"``) are
    right-aligned unless ``align`` says otherwise.

    Examples
    --------
    >>> table = Table([["VGG16", "138,357,544"], ["Xception", "22,910,480"]],
    ...               ["model", "parameters"])
    >>> print(table)
    model    |  parameters
    ---------+------------
    VGG16    | 138,357,544
    Xception |  22,910,480
    >>> print(table.to_markdown())
    | model | parameters |
    |:---|---:|
    | VGG16 | 138,357,544 |
    | Xception | 22,910,480 |
    """

    rows: Sequence[Sequence]
    headers: Sequence[str]
    align: Sequence[str] | None = None

    def __post_init__(self):
        if not self.headers:
            raise ValueError("A table needs at least one header.")
        width = len(self.headers)
        for number, row in enumerate(self.rows, start=1):
            if isinstance(row, str) or len(row) != width:
                raise ValueError(
                    f"Row {number} has {1 if isinstance(row, str) else len(row)} cells for "
                    f"{width} headers ({list(self.headers)}): give each row one value per header."
                )
        if self.align is not None and (
            len(self.align) != width or any(a not in _ALIGNMENTS for a in self.align)
        ):
            raise ValueError(
                f"align needs one of {_ALIGNMENTS} per column ({width}), not {list(self.align)}."
            )

    def alignments(self) -> list[str]:
        """``"left"`` or ``"right"`` for each column."""
        if self.align is not None:
            return list(self.align)
        columns = range(len(self.headers))
        return [
            "right" if self.rows and all(_looks_numeric(row[c]) for row in self.rows) else "left"
            for c in columns
        ]

    def to_markdown(self) -> str:
        """The table in Markdown (GitHub's pipe-table syntax)."""
        marks = {"left": ":---", "right": "---:"}
        lines = ["| " + " | ".join(_cell(h) for h in self.headers) + " |"]
        lines.append("|" + "|".join(marks[a] for a in self.alignments()) + "|")
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def to_text(self) -> str:
        """The table as aligned plain text, one line per row."""
        texts = [[" ".join(str(v).split()) for v in row] for row in self.rows]
        header = [str(h) for h in self.headers]
        widths = [max(len(x) for x in column) for column in zip(header, *texts, strict=True)]
        aligns = self.alignments()

        def line(cells):
            return " | ".join(
                c.rjust(w) if a == "right" else c.ljust(w)
                for c, w, a in zip(cells, widths, aligns, strict=True)
            ).rstrip()

        return "\n".join(
            [line(header), "-+-".join("-" * w for w in widths), *(line(r) for r in texts)]
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()


def show_table(rows: Sequence[Sequence], headers: Sequence[str], *, align=None) -> None:
    """Show rows under headers as a table below the cell.

    In JupyterLab (and the HTML copies) it appears as a formatted table; outside a
    notebook it prints the aligned plain text. It returns nothing, so that a call on a
    cell's last line does not show the table twice; to keep the table, build a
    :class:`Table` (which a notebook also shows when it is a cell's last value).

    Parameters
    ----------
    rows : sequence of sequences
        One value per header in each row (numbers or text).
    headers : sequence of str
    align : sequence of {"left", "right"}, optional
        Default: numbers right, text left.
    """
    table = Table([list(row) for row in rows], list(headers), align)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # IPython is not installed: plain text
        print(table)
        return
    if get_ipython() is None:
        print(table)
    else:
        display(table)
