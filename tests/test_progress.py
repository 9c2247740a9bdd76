"""The learner's progress file: recorded atomically, a damaged file moved aside (never
deleted) and reported, a file that cannot be written never stops a check, and
``python -m course_utils progress`` prints one row per lesson."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from course_utils.checks import catalogue, show_progress
from course_utils.checks import progress as p


def test_results_are_counted_per_item_and_the_best_result_kept(isolated):
    assert p.record("01", "quiz:rgb-shape", kind=p.QUIZ, status="not yet") is None
    p.record("01", "quiz:rgb-shape", kind=p.QUIZ, status="correct")
    p.record("01", "quiz:rgb-shape", kind=p.QUIZ, status="not yet")  # exploring options
    p.record("04", "q1", kind=p.EXERCISE, status="not attempted")  # not an attempt
    data = json.loads(p.progress_file().read_text())
    record = data["lessons"]["01"]["quiz:rgb-shape"]
    assert record["attempts"] == 3 and record["correct"] and record["last"] == "not yet"
    assert "04" not in data["lessons"] and data["version"] == 1
    assert p.progress_file().parent == isolated / "data"


def test_the_summary_counts_declared_items_and_keeps_undeclared_ones(isolated):
    p.record("01", "quiz:rgb-shape", kind=p.QUIZ, status="correct")
    p.record("01", "quiz:channels", kind=p.QUIZ, status="not yet")
    p.record("04", "q-renamed", kind=p.EXERCISE, status="not yet")
    declared = {"01": {"exercise": [], "quiz": ["quiz:rgb-shape", "quiz:channels", "quiz:x"]}}
    rows = {row.lesson: row for row in p.summarise(p.load_progress(), declared)}
    assert (rows["01"].questions, rows["01"].questions_answered, rows["01"].questions_correct) == (
        3,
        2,
        1,
    )
    assert (rows["04"].exercises, rows["04"].exercises_attempted) == (1, 1)
    text = str(p.progress_table(list(rows.values())))
    assert "2 of 3" in text and "1 of 3" in text


def test_a_damaged_file_is_moved_aside_and_reported_and_recording_goes_on(isolated):
    path = p.progress_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"lessons": {"01": {"q1": {"attempts": "many"}}}}')
    notice = p.record("01", "quiz:channels", kind=p.QUIZ, status="correct")
    assert notice and "was damaged" in notice and "moved aside" in notice
    aside = list(path.parent.glob("progress.json.damaged-*"))
    assert len(aside) == 1 and "many" in aside[0].read_text()
    assert json.loads(path.read_text())["lessons"]["01"]["quiz:channels"]["correct"]


def test_binary_garbage_counts_as_damaged(isolated):
    path = p.progress_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe\x00garbage")
    loaded = p.load_progress()
    assert loaded.damaged_copy is not None and loaded.damaged_copy.read_bytes().endswith(b"garbage")
    assert loaded.lessons == {} and not path.exists()


def test_a_file_that_cannot_be_written_gives_a_notice_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("COURSE_DATA_DIR", str(blocker))
    notice = p.record("01", "quiz:channels", kind=p.QUIZ, status="correct")
    assert notice and "not recorded" in notice
    assert blocker.read_text() == "a file where the data folder should be"


def test_recording_can_be_switched_off(isolated, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS", "off")
    assert p.record("01", "quiz:channels", kind=p.QUIZ, status="correct") is None
    assert not p.progress_file().exists()


def test_show_progress_for_notebook_00(isolated, capsys):
    show_progress()
    out = capsys.readouterr().out
    assert "Nothing recorded yet" in out and "quiz answered" in out
    p.record("01", "quiz:channels", kind=p.QUIZ, status="correct")
    show_progress()
    out = capsys.readouterr().out
    assert "Nothing recorded" not in out
    total = len(catalogue.quiz("01"))
    assert f"1 of {total}" in out


def cli(isolated) -> subprocess.CompletedProcess:
    env = {**os.environ, "COURSE_DATA_DIR": str(isolated / "data")}
    return subprocess.run(
        [sys.executable, "-m", "course_utils", "progress"], capture_output=True, text=True, env=env
    )


def test_the_command_prints_a_table_per_lesson(isolated):
    missing = cli(isolated)
    assert missing.returncode == 0 and "No progress recorded yet" in missing.stderr
    assert missing.stdout.splitlines()[0].startswith("lesson")
    p.record("01", "quiz:rgb-shape", kind=p.QUIZ, status="correct")
    done = cli(isolated)
    assert done.returncode == 0 and done.stderr == ""
    row = next(line for line in done.stdout.splitlines() if line.startswith("01"))
    assert row.split("|")[3].strip() == f"1 of {len(catalogue.quiz('01'))}"


def test_the_command_reports_a_damaged_file_on_stderr(isolated):
    path = p.progress_file()
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2")
    result = cli(isolated)
    assert result.returncode == 0 and "was damaged" in result.stderr
    assert "lesson" in result.stdout and "damaged" not in result.stdout
    assert list(path.parent.glob("progress.json.damaged-*"))
