"""The core of the checks: outcomes (both faces), declaring and checking an exercise, tiered
hints, the solution switch, and the self-test runner on a small example exercise."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course_utils.checks import (
    CORRECT,
    NOT_ATTEMPTED,
    NOT_YET,
    Exercise,
    Note,
    NotYet,
    Result,
    WrongAnswer,
    ____,
    reject,
    require,
    selftest,
    solution_policy,
)
from course_utils.checks import progress as progress_module

# --------------------------------------------------------------------------- an example exercise
# "Store in `total` the sum of the pixel values of `image`" (plain Python, no Keras).


def _check_total(total, image):
    require(not isinstance(total, list), "`total` is a list: add its numbers up with sum().")
    expected = sum(sum(row) for row in image)
    reject(
        "`total` counts the pixels; add their values instead." if total == len(image) ** 2 else None
    )
    require(total == expected, f"`total` is {total}, not the sum of all pixel values.")
    return "That is the sum of every pixel."


def _context():
    return {"image": [[1, 2], [3, 4]]}


def make_exercise(**changes) -> Exercise:
    settings = dict(
        lesson="01",
        key="q9",
        title="add up the pixels",
        answers=("total",),
        context=("image",),
        checker=_check_total,
        reference="total = sum(sum(row) for row in image)\n",
        hints=("Add the numbers of each row.", "sum(row) adds one row.", "Sum the row sums."),
        wrong_answers=(
            WrongAnswer("counted pixels", "total = len(image) ** 2", expect="counts the pixels"),
            WrongAnswer("a list", lambda context: {"total": [1, 2]}, expect="is a list"),
        ),
        test_context=_context,
    )
    settings.update(changes)
    return Exercise(**settings)


# --------------------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    ("status", "word", "colour"),
    [
        (CORRECT, "Correct", "#009E73"),
        (NOT_YET, "Not yet", "#D55E00"),
        (NOT_ATTEMPTED, "Not attempted", "#6E7781"),
    ],
)
def test_an_outcome_says_its_status_in_words_in_both_faces(status, word, colour):
    result = Result(status, "The output layer has <10> units.", "lesson 04, q1")
    text, page = repr(result), result._repr_html_()
    assert text.startswith(word) or text[2:].startswith(word)
    assert "lesson 04, q1" in text and "The output layer has <10> units." in text
    assert word in page and colour in page  # colour AND words
    assert "&lt;10&gt;" in page and "<10>" not in page  # the message is escaped
    assert str(result) == text


def test_outcomes_differ_from_each_other_in_text_not_only_colour():
    texts = {repr(Result(s, "m")).split(":")[0] for s in (CORRECT, NOT_YET, NOT_ATTEMPTED)}
    assert len(texts) == 3


def test_an_unknown_status_or_note_kind_is_refused():
    with pytest.raises(ValueError, match="status must be one of"):
        Result("almost", "m")
    with pytest.raises(ValueError, match="kind must be"):
        Note("tip", "t", "x")


def test_a_code_note_keeps_the_code_lines_in_plain_text_and_html():
    note = Note("solution", "lesson 01, q9", "a = 1\nif a < 2:\n    print(a)\n", code=True)
    assert "a = 1\nif a < 2:\n    print(a)" in repr(note)
    assert "<pre" in note._repr_html_() and "a &lt; 2" in note._repr_html_()


# --------------------------------------------------------------------------- checking


def test_the_three_outcomes_of_a_check():
    exercise = make_exercise()
    assert exercise.evaluate({"image": [[1, 2], [3, 4]], "total": 10}).status == CORRECT
    wrong = exercise.evaluate({"image": [[1, 2], [3, 4]], "total": 4})
    assert wrong.status == NOT_YET and "counts the pixels" in wrong.message
    missing = exercise.evaluate({"image": [[1]]})
    assert missing.status == NOT_ATTEMPTED and "`total`" in missing.message
    placeholder = exercise.evaluate({"image": [[1]], "total": ____})
    assert placeholder.status == NOT_ATTEMPTED


def test_a_correct_outcome_carries_the_checkers_words():
    result = make_exercise().evaluate({"image": [[5]], "total": 5})
    assert result.correct and result.message == "That is the sum of every pixel."


def test_missing_lesson_context_asks_to_run_the_cells_above():
    result = make_exercise().evaluate({"total": 3})
    assert result.status == NOT_ATTEMPTED and "run the lesson's cells above" in result.message


def test_values_given_by_keyword_win_over_the_notebooks_names():
    exercise = make_exercise()
    assert exercise.evaluate({"image": [[2]], "total": 99}, total=2).status == CORRECT
    with pytest.raises(TypeError, match="takes total, image, not answer"):
        exercise.evaluate({}, answer=3)


def test_an_answer_that_breaks_the_checker_is_not_yet_with_the_error():
    def adds_one(total, image):
        return None if total + 1 else None

    result = make_exercise(checker=adds_one).evaluate({"image": [[1, 2]], "total": "ten"})
    assert result.status == NOT_YET
    assert "raised TypeError" in result.message and "`total`" in result.message


def test_check_reads_the_callers_variables_shows_and_records(isolated, capsys):
    exercise = make_exercise()
    image, total = [[1, 2], [3, 4]], 10  # noqa: F841 - check() finds them by name
    exercise.check()
    shown = capsys.readouterr().out
    assert "Correct" in shown and "add up the pixels" in shown
    recorded = progress_module.load_progress()
    assert recorded.lessons["01"]["q9"]["last"] == CORRECT
    assert recorded.lessons["01"]["q9"]["attempts"] == 1


def test_not_attempted_is_shown_but_not_recorded(isolated, capsys):
    image = [[1]]  # noqa: F841
    make_exercise().check()
    assert "Not attempted" in capsys.readouterr().out
    assert not progress_module.progress_file().exists()


def test_a_declaration_is_validated():
    with pytest.raises(ValueError, match="one to 3 hints"):
        make_exercise(hints=())
    with pytest.raises(ValueError, match="one to 3 hints"):
        make_exercise(hints=("a", "b", "c", "d"))
    with pytest.raises(ValueError, match="two digits"):
        make_exercise(lesson="4")
    with pytest.raises(ValueError, match="cannot be answer and context"):
        make_exercise(context=("total",))


def test_notyet_is_what_require_raises():
    with pytest.raises(NotYet, match="why"):
        require(False, "why")
    reject(None, None)  # nothing found: no exception
    with pytest.raises(NotYet, match="first"):
        reject(None, "first", "second")


# --------------------------------------------------------------------------- hints


def test_hints_come_one_step_at_a_time_and_stop_at_the_last():
    exercise = make_exercise()
    first, second, third = (exercise.hint_note() for _ in range(3))
    assert "hint 1 of 3" in first.title and first.text.startswith("Add the numbers")
    assert "hint 2 of 3" in second.title and "hint 3" in second.text
    assert "hint 3 of 3" in third.title and "lesson01.q9.solution()" in third.text
    again = exercise.hint_note()
    assert "hint 3 of 3" in again.title
    assert "hint 1 of 3" in exercise.hint_note(1).title
    with pytest.raises(ValueError, match="hints 1 to 3"):
        exercise.hint_note(4)


def test_hint_shows_the_hint_text(capsys):
    make_exercise().hint()
    assert "Add the numbers of each row." in capsys.readouterr().out


# --------------------------------------------------------------------------- solutions


def test_solution_shows_the_reference_by_default(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("COURSE_SOLUTIONS", raising=False)
    monkeypatch.chdir(tmp_path)
    make_exercise().solution()
    assert "total = sum(sum(row) for row in image)" in capsys.readouterr().out


def test_the_instructor_can_hide_solutions_with_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_SOLUTIONS", "hide")
    note = make_exercise().solution_note()
    assert note.kind == "notice" and "instructor" in note.text and "sum(" not in note.text


def test_the_student_edition_marker_can_hide_solutions(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_SOLUTIONS", raising=False)
    marker = {"written_by": "python -m course_utils student-edition", "solutions": "hide"}
    (tmp_path / ".student-edition").write_text(json.dumps(marker))
    monkeypatch.chdir(tmp_path)
    assert solution_policy() == "hide"
    monkeypatch.setenv("COURSE_SOLUTIONS", "show")  # the environment wins
    assert solution_policy() == "show"


def test_a_marker_without_the_entry_or_damaged_shows_solutions(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_SOLUTIONS", raising=False)
    (tmp_path / ".student-edition").write_text("{not json")
    assert solution_policy(tmp_path) == "show"
    (tmp_path / ".student-edition").write_text(json.dumps({"files": {}}))
    assert solution_policy(tmp_path) == "show"


def test_after_attempt_shows_the_solution_only_after_a_check(monkeypatch, tmp_path, isolated):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_SOLUTIONS", "after-attempt")
    exercise = make_exercise()
    assert "Try first" in exercise.solution_note().text
    image, total = [[1]], 7  # noqa: F841
    exercise.check()
    assert exercise.solution_note().kind == "solution"


def test_a_wrong_switch_value_is_an_error_that_says_the_choices(monkeypatch):
    monkeypatch.setenv("COURSE_SOLUTIONS", "sometimes")
    with pytest.raises(ValueError, match="show, after-attempt, hide"):
        solution_policy()


# --------------------------------------------------------------------------- the self-test


def test_the_self_test_passes_a_sound_exercise():
    exercise = make_exercise()
    assert selftest.problems(exercise) == []
    for wrong in exercise.wrong_answers:
        assert selftest.problems(exercise, wrong) == []


def test_the_self_test_catches_a_broken_reference_and_a_wrong_message():
    broken = make_exercise(reference="total = 0\n")
    assert "reference solution gets" in selftest.problems(broken)[0]
    vague = WrongAnswer("counted pixels", "total = len(image) ** 2", expect="no such words")
    assert "should mention 'no such words'" in selftest.problems(make_exercise(), vague)[0]
    passes = WrongAnswer("actually right", "total = 10", expect="x")
    assert "expected 'not yet'" in selftest.problems(make_exercise(), passes)[0]
    with pytest.raises(ValueError, match="no test_context"):
        selftest.problems(make_exercise(test_context=None))


def test_importing_the_checks_does_not_import_tensorflow():
    code = (
        "import sys, course_utils.checks, course_utils.checks.keras_mistakes\n"
        "from course_utils.checks import catalogue\n"
        "[catalogue.lesson_module(n) for n in catalogue.lesson_numbers()]\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
