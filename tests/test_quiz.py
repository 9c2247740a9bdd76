"""Concept questions: every option explained, feedback on answering (through the real
ipywidgets buttons), progress recorded, and the question readable without a kernel."""

from __future__ import annotations

import json

import pytest

from course_utils.checks import CORRECT, NOT_YET, Option, Question, Quiz, catalogue
from course_utils.checks import progress as progress_module

QUESTIONS = catalogue.all_questions()


def make_question(**changes):
    settings = dict(
        lesson="01",
        key="channels-count",
        text="How many channels has an RGB image?",
        options=[
            Option("3", "Red, green and blue.", correct=True),
            Option("1", "One channel is a grey-scale image."),
            Option("4", "Four is RGBA: with a transparency channel."),
        ],
    )
    settings.update(changes)
    return Question(**settings)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q.lesson}-{q.key}")
def test_every_declared_option_has_its_own_explanation(question):
    explanations = [option.explanation.strip() for option in question.options]
    assert all(explanations), f"{question.label}: an option has no explanation"
    assert len(set(explanations)) == len(explanations), f"{question.label}: repeated explanations"
    assert sum(option.correct for option in question.options) == 1


@pytest.mark.parametrize("lesson", catalogue.lesson_numbers())
def test_every_lesson_with_a_quiz_has_at_least_three_questions(lesson):
    quiz = catalogue.quiz(lesson)
    assert quiz is not None and len(quiz) >= 3, f"lesson {lesson}: give it three questions or more"


def test_an_option_without_an_explanation_is_refused():
    options = [Option("3", "Red, green, blue.", correct=True), Option("1", "  ")]
    with pytest.raises(ValueError, match=r"option B \('1'\) has no explanation"):
        make_question(options=options)


def test_a_question_needs_exactly_one_right_option_and_two_to_six_options():
    with pytest.raises(ValueError, match="exactly one option must be correct, not 0"):
        make_question(options=[Option("a", "x"), Option("b", "y")])
    with pytest.raises(ValueError, match="exactly one option must be correct, not 2"):
        make_question(options=[Option("a", "x", True), Option("b", "y", True)])
    with pytest.raises(ValueError, match="two to six options"):
        make_question(options=[Option("a", "x", True)])
    with pytest.raises(ValueError, match="key must be"):
        make_question(key="Channels Count")


def test_feedback_explains_the_chosen_option():
    question = make_question()
    right, wrong = question.feedback(0), question.feedback(2)
    assert right.status == CORRECT and "Red, green and blue." in right.text
    assert wrong.status == NOT_YET and "RGBA" in wrong.text and "Try another" in wrong.text
    with pytest.raises(ValueError, match="options 0 to 2"):
        question.feedback(3)


def test_clicking_the_buttons_shows_feedback_and_records_progress(isolated):
    question = make_question()
    box = question.widget()
    row, feedback = box.children
    buttons = row.children[1:]
    assert [b.description for b in buttons] == ["A", "B", "C"]
    assert [b.tooltip for b in buttons] == ["3", "1", "4"]
    buttons[1].click()
    assert "grey-scale" in feedback.value and buttons[1].button_style == "danger"
    buttons[0].click()
    assert "Red, green and blue." in feedback.value and buttons[0].button_style == "success"
    assert buttons[1].button_style == ""
    record = progress_module.load_progress().lessons["01"]["quiz:channels-count"]
    assert record["attempts"] == 2 and record["correct"] and record["last"] == CORRECT


def test_the_static_face_holds_the_question_and_options_as_text_and_html():
    question = make_question(text="Which <b> channels?")
    card = question.card()
    text, page = repr(card), card._repr_html_()
    assert "Which <b> channels?" in text and "A. 3" in text and "C. 4" in text
    assert "Which &lt;b&gt; channels?" in page and "<b>C.</b> 4" in page
    assert repr(question) == text


def test_a_quiz_finds_its_questions_and_refuses_duplicates():
    question = make_question()
    quiz = Quiz("01", [question])
    assert quiz["channels-count"] is question and quiz.keys() == ["channels-count"]
    with pytest.raises(KeyError, match="has no question 'nope'"):
        quiz["nope"]
    with pytest.raises(ValueError, match="unique"):
        Quiz("01", [question, question])
    with pytest.raises(ValueError, match="another lesson"):
        Quiz("02", [question])


def test_show_prints_the_questions_outside_a_notebook(capsys):
    catalogue.quiz("01").show("rgb-shape")
    assert "(100, 100, 3)" in capsys.readouterr().out


def test_a_saved_and_exported_copy_shows_the_question_without_a_kernel(tmp_path, isolated):
    """Run a notebook that shows lesson 01's quiz, drop widget state (the output policy),
    export to HTML: the question and its options are there as text."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from course_utils.checks import lesson01\nlesson01.quiz.show()")
    ]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    notebook.metadata.pop("widgets", None)
    outputs = notebook.cells[0].outputs
    plain = "\n".join(o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "What is its shape?" in plain and "A. (100, 100, 3)" in plain
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert "What is its shape?" in body and "(3, 100, 100)" in body
    assert "Which values can one of its numbers take?" in body
    saved = tmp_path / "saved.ipynb"
    saved.write_text(json.dumps(notebook))
    assert "The whole numbers 0 to 255" in saved.read_text()
