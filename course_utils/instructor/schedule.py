"""The workshop schedule: the lessons' own minutes plus the measured compute time.

Each lesson declares how long teaching and exercises take, in its notebook metadata::

    "metadata": {"course": {"teaching_minutes": 40, "exercise_minutes": 20}, ...}

and the README's timing table (``make notebooks RUN_ARGS=--update-readme``) says how long
its cells really ran in full mode. ``python -m course_utils schedule`` turns both into a
one-day and a two-day timetable in ``docs/schedule.md``; ``--check`` fails while that
file is not what the current metadata and timings give (a test runs it).

The day runs 09:00-17:00 with a coffee break at 10:30 and at 15:00 (15 minutes) and lunch
at 12:30 (an hour). A lesson goes on after a break; one that would end after 17:00 moves
to the next day, and what does not fit the workshop is listed for self-study.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from course_utils.instructor.lessons import (
    lesson_notebooks,
    read_notebook,
    repository,
    write_text_atomically,
)
from course_utils.instructor.runner import README_END, README_START

SCHEDULE_FILE = "docs/schedule.md"
METADATA_KEY = "course"
DAY_START, DAY_END = 9 * 60, 17 * 60
BREAKS = (
    (10 * 60 + 30, 15, "Coffee break"),
    (12 * 60 + 30, 60, "Lunch"),
    (15 * 60, 15, "Coffee break"),
)
ROUND_TO = 5  # each lesson's block is rounded up to this many minutes
STALE_HINT = "run `make schedule` (python -m course_utils schedule) and commit docs/schedule.md"


@dataclass(frozen=True)
class LessonTime:
    """How long one lesson takes in a workshop, in minutes."""

    notebook: str
    title: str
    teaching: int
    exercises: int
    compute: int
    """The measured full-mode run time, rounded up (0 when not measured)."""
    measured: bool

    @property
    def label(self) -> str:
        """The lesson's number and title, as in the timetable."""
        number = self.notebook[:2]
        return self.title if self.title.startswith(number) else f"{number} {self.title}"

    @property
    def total(self) -> int:
        """Teaching, exercises and compute, rounded up to :data:`ROUND_TO` minutes."""
        minutes = self.teaching + self.exercises + self.compute
        return ROUND_TO * math.ceil(minutes / ROUND_TO)


@dataclass(frozen=True)
class Block:
    """One line of a day: a lesson (or its continuation) or a break."""

    start: int
    end: int
    what: str


# --------------------------------------------------------------------------- inputs


def lesson_minutes(notebook: dict, name: str) -> tuple[int, int]:
    """The ``(teaching, exercise)`` minutes a lesson declares in ``metadata.course``.

    Raises
    ------
    ValueError
        When the metadata is missing or not whole minutes, with what to add.
    """
    course = notebook.get("metadata", {}).get(METADATA_KEY)
    values = []
    for key in ("teaching_minutes", "exercise_minutes"):
        value = course.get(key) if isinstance(course, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(
                f"{name} does not declare {key} (a whole number >= 0) in its notebook "
                f'metadata: add "{METADATA_KEY}": {{"teaching_minutes": 30, '
                '"exercise_minutes": 15} (JupyterLab: Property Inspector, Notebook metadata).'
            )
        values.append(value)
    return values[0], values[1]


def set_lesson_minutes(path: Path, *, teaching: int, exercises: int) -> bool:
    """Set ``metadata.course`` of the notebook at ``path`` and nothing else; True if changed.

    The file is read and written back in one quick step (atomically, in Jupyter's layout),
    so that a lesson being edited elsewhere loses nothing but this key's old value.
    """
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    wanted = {"teaching_minutes": int(teaching), "exercise_minutes": int(exercises)}
    if notebook.get("metadata", {}).get(METADATA_KEY) == wanted:
        return False
    notebook.setdefault("metadata", {})[METADATA_KEY] = wanted
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_text_atomically(path, text)
    return True


def measured_seconds(readme: str) -> tuple[dict[str, float], str]:
    """The seconds per notebook of the README's timing table, and the table's first line.

    Raises
    ------
    ValueError
        When the markers are missing or the table records a quick-mode run.
    """
    if README_START not in readme or README_END not in readme:
        raise ValueError(
            f"README.md has no timing table between {README_START} and {README_END}: run "
            "`make notebooks RUN_ARGS=--update-readme` (full mode) first."
        )
    table = readme.split(README_START, 1)[1].split(README_END, 1)[0].strip()
    heading = table.splitlines()[0] if table else ""
    if "quick mode" in heading:
        raise ValueError(
            "README.md's timing table is from a quick-mode run; the schedule needs the "
            "full mode: `make notebooks RUN_ARGS=--update-readme`."
        )
    seconds = {}
    for match in re.finditer(
        r"^\|\s*(\d\d_[^|]+?\.ipynb)\s*\|\s*(\d+(?:\.\d+)?)\s*\|", table, re.M
    ):
        seconds[match.group(1)] = float(match.group(2))
    return seconds, heading


def _title(notebook: dict, fallback: str) -> str:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            match = re.match(r"\s*#\s+(.+)", text)
            if match:
                return match.group(1).strip()
    return fallback


def lesson_times(
    notebooks: list[Path] | None = None, *, readme: Path | None = None
) -> list[LessonTime]:
    """Every lesson's minutes: declared teaching and exercises, measured compute."""
    notebooks = lesson_notebooks() if notebooks is None else notebooks
    readme = Path(readme) if readme else repository() / "README.md"
    seconds, _ = measured_seconds(readme.read_text(encoding="utf-8"))
    times = []
    for path in notebooks:
        notebook = read_notebook(path)
        teaching, exercises = lesson_minutes(notebook, path.name)
        measured = path.name in seconds
        compute = math.ceil(seconds.get(path.name, 0) / 60)
        times.append(
            LessonTime(
                path.name, _title(notebook, path.stem), teaching, exercises, compute, measured
            )
        )
    return times


# --------------------------------------------------------------------------- planning


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def plan_days(times: list[LessonTime], *, days: int) -> tuple[list[list[Block]], list[LessonTime]]:
    """Lay the lessons out over ``days`` workshop days; return the days and what is left.

    Lessons keep their order; a break that falls inside a lesson interrupts it (the
    lesson goes on after it). Over several days the lessons are shared out evenly: a
    lesson starts the next day when more than half of it would go beyond an equal share
    of the total, or when it would end after :data:`DAY_END`. What does not fit in the
    last day is left for self-study (that lesson and every later one).
    """
    if days < 1:
        raise ValueError("days must be at least 1.")
    share = sum(t.total for t in times) / days
    plan: list[list[Block]] = [[] for _ in range(days)]
    day, clock, content, pending = 0, DAY_START, 0, list(times)
    while pending and day < days:
        lesson = pending[0]
        blocks, end = _place(lesson, clock)
        over_share = day < days - 1 and content and content + lesson.total / 2 > share
        if end > DAY_END or over_share:
            if clock == DAY_START:
                raise ValueError(f"{lesson.notebook} takes {lesson.total} min: longer than a day.")
            day, clock, content = day + 1, DAY_START, 0
            continue
        plan[day] += blocks
        clock, content = end, content + lesson.total
        pending.pop(0)
    for blocks in plan:  # the breaks after the last lesson of a day are not needed
        while blocks and blocks[-1].what in {name for _, _, name in BREAKS}:
            blocks.pop()
    return plan, pending


def _place(lesson: LessonTime, clock: int) -> tuple[list[Block], int]:
    """The blocks of one lesson starting at ``clock``, with breaks, and when it ends."""
    label = lesson.label
    blocks, left, first = [], lesson.total, True
    for start, length, name in BREAKS:
        if clock <= start < clock + left or (first and clock == start):
            if start > clock:
                blocks.append(Block(clock, start, label if first else f"{label} (continued)"))
                left -= start - clock
                first = False
            blocks.append(Block(start, start + length, name))
            clock = start + length
    blocks.append(Block(clock, clock + left, label if first else f"{label} (continued)"))
    return blocks, clock + left


# --------------------------------------------------------------------------- the page


def _day_table(blocks: list[Block]) -> list[str]:
    lines = ["| time | session |", "|---|---|"]
    lines += [f"| {_clock(b.start)}-{_clock(b.end)} | {b.what} |" for b in blocks]
    return lines


def schedule_markdown(times: list[LessonTime], *, measured_on: str) -> str:
    """The text of ``docs/schedule.md`` for these lesson times."""
    lines = [
        "# Workshop schedule",
        "",
        "Generated by `make schedule` (`python -m course_utils schedule`) from each lesson's",
        '`metadata.course` ("teaching_minutes", "exercise_minutes": estimates by the lesson',
        "authors) and the compute minutes **measured** in the README's timing table (full",
        "mode). Do not edit by hand: a test fails while this file is out of date.",
        "",
        f"Measured: {measured_on.strip()}",
        "",
        "Compute time is what an attendee waits while the cells run on a machine like the one",
        "measured; on a slower laptop expect up to twice that (or use quick mode, see the",
        "instructor notes). Each lesson's block is rounded up to 5 minutes.",
        "",
        "| lesson | teaching | exercises | compute (measured) | block |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in times:
        compute = f"{t.compute}" if t.measured else "not measured (0)"
        lines.append(f"| {t.label} | {t.teaching} | {t.exercises} | {compute} | {t.total} |")
    total = sum(t.total for t in times)
    lines += [f"| **total** | | | | **{total}** ({total / 60:.1f} h) |", ""]
    if not all(t.measured for t in times):
        missing = ", ".join(t.notebook for t in times if not t.measured)
        lines += [
            f"Not measured yet: {missing}; rerun `make notebooks RUN_ARGS=--update-readme`, "
            "then `make schedule`.",
            "",
        ]
    for days, name in ((1, "One-day workshop"), (2, "Two-day workshop")):
        plan, left = plan_days(times, days=days)
        lines += [f"## {name}", ""]
        for number, blocks in enumerate(plan, start=1):
            if days > 1:
                lines += [f"### Day {number}", ""]
            lines += [*_day_table(blocks), ""]
        if left:
            lines += [
                "Not in this workshop (self-study afterwards, or a second day): "
                + ", ".join(f"{t.label} ({t.total} min)" for t in left)
                + ".",
                "",
            ]
    return "\n".join(lines)


def generate_schedule(notebooks: list[Path] | None = None, *, readme: Path | None = None) -> str:
    """The schedule for the lessons and the README's timing table (not written)."""
    readme = Path(readme) if readme else repository() / "README.md"
    _, heading = measured_seconds(readme.read_text(encoding="utf-8"))
    return schedule_markdown(lesson_times(notebooks, readme=readme), measured_on=heading)


def schedule_differs(text: str, path: Path) -> bool:
    """True when ``path`` does not hold ``text`` (line endings aside)."""
    if not Path(path).is_file():
        return True
    return Path(path).read_text(encoding="utf-8").replace("\r\n", "\n") != text


def write_schedule(text: str, path: Path | None = None) -> Path:
    """Write the schedule to ``path`` (default ``docs/schedule.md``) atomically."""
    path = Path(path) if path else repository() / SCHEDULE_FILE
    write_text_atomically(path, text)
    return path
