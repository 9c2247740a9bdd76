"""The workshop schedule (course_utils.instructor.schedule) and docs/schedule.md.

The committed schedule must be what the lessons' metadata and the README's measured
timings give (``python -m course_utils schedule --check``); the planning itself is tested
on lesson times made here.
"""

from __future__ import annotations

import json

import pytest

from course_utils.__main__ import main
from course_utils.instructor import lessons, schedule
from course_utils.instructor.schedule import Block, LessonTime

FIX = "run `make schedule` and commit docs/schedule.md"


def lesson(number: int, minutes: int, compute: int = 0) -> LessonTime:
    return LessonTime(f"{number:02d}_x.ipynb", f"Lesson {number}", minutes, 0, compute, True)


# --------------------------------------------------------------------------- the committed file


def test_committed_schedule_is_up_to_date(capsys):
    status = main(["schedule", "--check"])
    captured = capsys.readouterr()
    assert status == 0, f"docs/schedule.md is stale ({captured.err.strip()}): {FIX}"
    assert "up to date" in captured.out


@pytest.mark.parametrize("path", lessons.lesson_notebooks(), ids=lambda p: p.name[:2])
def test_every_lesson_declares_its_minutes(path):
    teaching, exercises = schedule.lesson_minutes(lessons.read_notebook(path), path.name)
    assert 5 <= teaching + exercises <= 120, f"{path.name}: {teaching} + {exercises} minutes?"


def test_the_check_fails_on_a_stale_file_and_the_command_repairs_it(tmp_path, capsys):
    target = tmp_path / "schedule.md"
    assert main(["schedule", "--output", str(target)]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert main(["schedule", "--check", "--output", str(target)]) == 0
    target.write_text(target.read_text().replace("Lunch", "Long lunch", 1))
    assert main(["schedule", "--check", "--output", str(target)]) == 1
    captured = capsys.readouterr()
    assert "out of date" in captured.err and "make schedule" in captured.err
    assert main(["schedule", "--output", str(target)]) == 0
    assert main(["schedule", "--check", "--output", str(target)]) == 0


def test_the_schedule_uses_the_measured_compute_minutes(tmp_path):
    readme = (lessons.repository() / "README.md").read_text(encoding="utf-8")
    seconds, heading = schedule.measured_seconds(readme)
    assert "full mode" in heading and seconds, "the README's timing table is a full-mode run"
    slower = readme.replace(
        f"| 04_fruits-cnn-with-keras.ipynb | {seconds['04_fruits-cnn-with-keras.ipynb']:.0f} |",
        "| 04_fruits-cnn-with-keras.ipynb | 1800 |",
    )
    (tmp_path / "README.md").write_text(slower, encoding="utf-8")
    four = [p for p in lessons.lesson_notebooks() if p.name.startswith("04_")]
    (time,) = schedule.lesson_times(four, readme=tmp_path / "README.md")
    assert time.compute == 30 and time.measured
    assert "| 30 |" in schedule.schedule_markdown([time], measured_on=heading)


# --------------------------------------------------------------------------- inputs


def test_timings_from_a_quick_run_or_without_markers_are_refused():
    quick = f"{schedule.README_START}\nRun on 2026-01-01, quick mode (COURSE_QUICK=1), ...\n"
    with pytest.raises(ValueError, match="full mode"):
        schedule.measured_seconds(quick + schedule.README_END)
    with pytest.raises(ValueError, match="update-readme"):
        schedule.measured_seconds("# a README without a table")


@pytest.mark.parametrize("course", [None, {"teaching_minutes": 30}, {"teaching_minutes": "30"}])
def test_a_lesson_without_minutes_says_what_to_add(course):
    notebook = {"cells": [], "metadata": {} if course is None else {"course": course}}
    with pytest.raises(ValueError, match=r'"course": \{"teaching_minutes"'):
        schedule.lesson_minutes(notebook, "99_x.ipynb")


def test_setting_minutes_changes_that_key_and_nothing_else(tmp_path):
    path = tmp_path / "99_x.ipynb"
    original = {
        "cells": [{"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# Ünï\n"]}],
        "metadata": {"kernelspec": {"name": "python3"}, "course": {"teaching_minutes": 1}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(original), encoding="utf-8")
    assert schedule.set_lesson_minutes(path, teaching=30, exercises=15)
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["metadata"].pop("course") == {"teaching_minutes": 30, "exercise_minutes": 15}
    original["metadata"].pop("course")
    assert after == original
    assert "Ünï" in path.read_text(encoding="utf-8"), "text stays readable UTF-8"
    assert not schedule.set_lesson_minutes(path, teaching=30, exercises=15), "no change twice"


# --------------------------------------------------------------------------- planning


def test_a_break_inside_a_lesson_interrupts_it():
    (day,), left = schedule.plan_days([lesson(1, 60), lesson(2, 60)], days=1)
    assert left == []
    assert day == [
        Block(9 * 60, 10 * 60, "01 Lesson 1"),
        Block(10 * 60, 10 * 60 + 30, "02 Lesson 2"),
        Block(10 * 60 + 30, 10 * 60 + 45, "Coffee break"),
        Block(10 * 60 + 45, 11 * 60 + 15, "02 Lesson 2 (continued)"),
    ]


def test_lesson_blocks_are_rounded_up_and_compute_counts():
    assert lesson(1, 41).total == 45 and lesson(1, 40, compute=1).total == 45


def test_what_does_not_fit_one_day_is_left_and_two_days_share_it_out():
    times = [lesson(n, 100) for n in range(6)]  # 600 minutes of lessons
    (day,), left = schedule.plan_days(times, days=1)
    assert day[-1].end <= schedule.DAY_END
    # 09:00-10:55, -13:35, -15:30 with the breaks; a fourth would end at 17:10
    assert [t.notebook for t in left] == ["03_x.ipynb", "04_x.ipynb", "05_x.ipynb"]
    (first, second), left = schedule.plan_days(times, days=2)
    assert left == []
    lessons_per_day = [
        len({b.what.split(" (")[0] for b in d if "Lesson" in b.what}) for d in (first, second)
    ]
    assert lessons_per_day == [3, 3], "an even share, not a full first day"
    assert all(b.what not in ("Coffee break", "Lunch") for b in (first[-1], second[-1]))


def test_a_lesson_longer_than_a_day_is_an_error():
    with pytest.raises(ValueError, match="longer than a day"):
        schedule.plan_days([lesson(1, 500)], days=2)
