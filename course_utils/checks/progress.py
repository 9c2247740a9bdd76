"""A learner's progress: the results of checks and quizzes, kept in one small local file.

``<data folder>/progress.json`` (see :func:`course_utils.paths.data_dir`) records, per
lesson and item (an exercise like ``q1`` or a quiz question like ``quiz:rgb-shape``), how
often it was tried, the latest outcome and whether it was ever right. Nothing leaves the
machine. The file is written atomically (:mod:`course_utils.fileio`), so a crash leaves
the previous version; a damaged file is moved aside (``progress.json.damaged-<time>``),
never deleted, and the learner is told where it went. Recording never stops a check: if
the file cannot be written, the check still shows its result, with a note.

Set ``COURSE_PROGRESS=off`` to record nothing (the instructor's test runs, say).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_utils import fileio, paths

FILE_NAME = "progress.json"
PROGRESS_ENV = "COURSE_PROGRESS"
VERSION = 1
EXERCISE, QUIZ = "exercise", "quiz"


def progress_file() -> Path:
    """Return where progress is kept: ``<data folder>/progress.json``."""
    return paths.data_dir(create=False) / FILE_NAME


def recording_enabled() -> bool:
    """False when ``COURSE_PROGRESS`` is ``off`` (or ``0``, ``no``, ``false``)."""
    return os.environ.get(PROGRESS_ENV, "").strip().lower() not in ("off", "0", "no", "false")


@dataclass
class Progress:
    """The recorded results: ``lessons[lesson][item]`` -> a record dict.

    ``notice`` says what went wrong reading the file (``None``: nothing); ``path`` is the
    file it was read from.
    """

    path: Path
    lessons: dict[str, dict[str, dict]] = field(default_factory=dict)
    notice: str | None = None
    exists: bool = False
    damaged_copy: Path | None = None
    """Where a damaged file was moved (then ``lessons`` starts empty)."""


def _valid(data) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return False
    for items in data["lessons"].values():
        if not isinstance(items, dict):
            return False
        for record in items.values():
            if not isinstance(record, dict) or not isinstance(record.get("attempts"), int):
                return False
            if record.get("kind") not in (EXERCISE, QUIZ):
                return False
    return True


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    path.replace(target)
    return target


def load_progress(path: Path | None = None) -> Progress:
    """Read the progress file; a missing file is empty progress, a damaged one is moved aside.

    Parameters
    ----------
    path : Path, optional
        Default: :func:`progress_file`.

    Returns
    -------
    Progress
        With ``notice`` set when the file was damaged (and where it was moved) or could
        not be read.
    """
    path = progress_file() if path is None else Path(path)
    if not path.is_file():
        return Progress(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        return Progress(path, notice=f"Could not read {path} ({error}); progress not shown.")
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not _valid(data):
        try:
            aside = _move_aside(path)
        except OSError as error:
            return Progress(
                path,
                notice=f"{path} is damaged and could not be moved aside ({error}). Move or "
                "delete it by hand; until then progress is not recorded.",
            )
        return Progress(
            path,
            damaged_copy=aside,
            notice=f"{path.name} was damaged (not the JSON the course writes), so it was moved "
            f"aside to {aside.name} in {path.parent} and progress starts afresh. Your "
            "notebooks and data are untouched.",
        )
    return Progress(path, lessons=data["lessons"], exists=True)


def record(
    lesson: str, item: str, *, kind: str, status: str, path: Path | None = None
) -> str | None:
    """Add one result to the progress file; return a notice when something went wrong.

    Parameters
    ----------
    lesson : str
        ``"01"`` ... ``"09"``.
    item : str
        The exercise (``"q1"``) or quiz question (``"quiz:rgb-shape"``).
    kind : {"exercise", "quiz"}
    status : str
        ``"correct"``, ``"not yet"`` or ``"not attempted"`` (the last is not an attempt
        and is not recorded).
    path : Path, optional
        Default: :func:`progress_file`.

    Returns
    -------
    str or None
        A sentence for the learner when the file was damaged or could not be written;
        ``None`` when all went well (or recording is off).
    """
    if kind not in (EXERCISE, QUIZ):
        raise ValueError(f"kind must be {EXERCISE!r} or {QUIZ!r}, not {kind!r}.")
    if status == "not attempted" or not recording_enabled():
        return None
    try:
        progress = load_progress(path)
        if progress.notice and progress.damaged_copy is None:
            return progress.notice  # unreadable and not moved aside: do not overwrite it
        entry = progress.lessons.setdefault(lesson, {}).setdefault(
            item, {"kind": kind, "attempts": 0, "correct": False}
        )
        entry["attempts"] += 1
        entry["last"] = status
        entry["correct"] = bool(entry.get("correct")) or status == "correct"
        entry["when"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        text = json.dumps({"version": VERSION, "lessons": progress.lessons}, indent=1)
        fileio.atomic_write_text(progress.path, text + "\n")
    except (OSError, FileNotFoundError) as error:
        return f"Your result was not recorded in the progress file: {error}"
    return progress.notice


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's counts: declared items, how many were tried, how many were right."""

    lesson: str
    exercises: int
    exercises_attempted: int
    exercises_correct: int
    questions: int
    questions_answered: int
    questions_correct: int


def summarise(
    progress: Progress, declared: dict[str, dict[str, list[str]]]
) -> list[LessonProgress]:
    """Count per lesson; ``declared[lesson]`` = ``{"exercise": [...], "quiz": [...]}``.

    Items recorded but no longer declared (a renamed exercise) still count as attempted,
    so nothing a learner did disappears from the table.
    """
    rows = []
    for lesson in sorted(set(declared) | set(progress.lessons)):
        items = progress.lessons.get(lesson, {})
        counts = {}
        for kind in (EXERCISE, QUIZ):
            names = set(declared.get(lesson, {}).get(kind, []))
            tried = {name for name, r in items.items() if r.get("kind") == kind}
            right = {name for name in tried if items[name].get("correct")}
            counts[kind] = (len(names | tried), len(tried), len(right))
        rows.append(LessonProgress(lesson, *counts[EXERCISE], *counts[QUIZ]))
    return rows


def progress_table(rows: list[LessonProgress]):
    """A :class:`course_utils.tables.Table` of the counts (Markdown and plain text)."""
    from course_utils.tables import Table

    return Table(
        [
            [
                row.lesson,
                f"{row.exercises_attempted} of {row.exercises}",
                f"{row.exercises_correct} of {row.exercises}",
                f"{row.questions_answered} of {row.questions}",
                f"{row.questions_correct} of {row.questions}",
            ]
            for row in rows
        ],
        ["lesson", "exercises attempted", "exercises correct", "quiz answered", "quiz right"],
        align=["left", "right", "right", "right", "right"],
    )
