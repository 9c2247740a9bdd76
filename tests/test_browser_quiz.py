"""A lesson-01 concept question really works in JupyterLab (headless Chromium).

The quiz tests drive the ipywidgets buttons from Python; this test proves the same in
the browser a student uses: JupyterLab on 127.0.0.1 with a token, a small temporary
notebook that shows two of lesson 01's questions, one answered right and one wrong with
real clicks, and the feedback text checked in the page (and in the progress file the
kernel wrote). A screenshot lands in ``build/test-artifacts/``.

It reuses the JupyterLab and Chromium helpers of ``tests/test_browser.py``; like that
test it is skipped without Chromium, and fails instead when ``COURSE_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_browser import (
    _DONE_JS,
    _READY_JS,
    ARTIFACTS,
    RUN_ALL_SECONDS,
    SERVER_START_SECONDS,
    WIDGET_SECONDS,
    browser_context,  # noqa: F401 - the fixture, shared with the widget test
    jupyterlab,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "quiz.ipynb"
SOURCE = (
    'from course_utils.checks import lesson01\nlesson01.quiz.show("rgb-shape", "pixel-range")\n'
)

_QUIZZES_JS = "() => window.courseNotebook.node.querySelectorAll('.course-quiz').length"
_FEEDBACK_JS = """() => [...window.courseNotebook.node.querySelectorAll('.course-quiz-feedback')]
  .map((node) => node.innerText)"""
_STATIC_JS = """() => [...window.courseNotebook.node.querySelectorAll('.course-quiz-question')]
  .map((node) => node.innerText)"""


def write_notebook(folder) -> None:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": SOURCE,
    }
    notebook = {
        "cells": [cell],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / NOTEBOOK).write_text(json.dumps(notebook))


def test_a_quiz_answered_right_and_wrong_shows_its_feedback(browser_context, tmp_path):  # noqa: F811
    (tmp_path / "notebooks").mkdir()
    write_notebook(tmp_path / "notebooks")
    data = tmp_path / "data"
    screenshot = ARTIFACTS / "quiz-lesson01.png"
    env = {"COURSE_DATA_DIR": str(data), "KERAS_HOME": str(tmp_path / "keras")}
    page = browser_context.new_page()
    page.set_default_timeout(SERVER_START_SECONDS * 1000)
    try:
        with jupyterlab(tmp_path, ARTIFACTS / "quiz-lesson01.log", extra_env=env) as server:
            page.goto(f"{server.url}/lab/tree/{NOTEBOOK}?token={server.token}")
            page.wait_for_function(
                _READY_JS, arg=NOTEBOOK, timeout=SERVER_START_SECONDS * 1000, polling=500
            )
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            page.wait_for_function(_DONE_JS, timeout=RUN_ALL_SECONDS * 1000, polling=500)
            page.wait_for_function(
                f"() => ({_QUIZZES_JS})() === 2", timeout=WIDGET_SECONDS * 1000, polling=250
            )
            static = page.evaluate(_STATIC_JS)
            assert "What is its shape?" in static[0] and "(100, 100, 3)" in static[0], static
            quizzes = page.locator(".course-quiz")
            quizzes.nth(0).get_by_role("button", name="A", exact=True).click()  # right
            quizzes.nth(1).get_by_role("button", name="C", exact=True).click()  # -128 to 127
            page.wait_for_function(
                f"() => ({_FEEDBACK_JS})().every((t) => !t.includes('Choose an answer'))",
                timeout=WIDGET_SECONDS * 1000,
                polling=250,
            )
            feedback = page.evaluate(_FEEDBACK_JS)
            quizzes.nth(0).scroll_into_view_if_needed()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
            print(f"screenshot: {screenshot}")
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(screenshot.with_name("quiz-lesson01-failed.png")))
        raise
    finally:
        page.close()
    assert feedback[0].startswith("\u2714") and "Right! A. (100, 100, 3)" in feedback[0], feedback
    assert "Not quite. C. -128 to 127" in feedback[1] and "int8" in feedback[1], feedback
    recorded = json.loads((data / "progress.json").read_text())["lessons"]["01"]
    assert recorded["quiz:rgb-shape"]["correct"] is True
    assert recorded["quiz:pixel-range"] == {**recorded["quiz:pixel-range"], "correct": False}


def test_the_quiz_test_fails_without_chromium_when_the_browser_is_required(tmp_path):
    env = {
        **os.environ,
        "COURSE_CHROMIUM": str(tmp_path / "no-such-chromium"),
        "COURSE_REQUIRE_BROWSER": "1",
    }
    target = f"{__file__}::test_a_quiz_answered_right_and_wrong_shows_its_feedback"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", target, "-q", "-p", "no:cacheprovider", "-rfE"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert run.returncode == 1, run.stdout[-2000:]
    # pytest.fail in the fixture: an error in setup, which fails the run like a failure
    assert "requires the browser test" in run.stdout, run.stdout[-2000:]
    assert "1 error" in run.stdout or "1 failed" in run.stdout
    assert "skipped" not in run.stdout
