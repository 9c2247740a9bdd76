"""The environment check: what it reports, the fixes it suggests, its exit status."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from course_utils import environment, pretrained
from course_utils.environment import FAIL, OK, WARN


def run_doctor(env_changes: dict[str, str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_changes)
    return subprocess.run(
        [sys.executable, "-m", "course_utils", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_doctor_passes_here_and_reports_every_item(isolated):
    result = run_doctor({})
    assert result.returncode == 0, result.stdout + result.stderr
    for name in (
        "Python",
        "TensorFlow",
        "Keras",
        "Widgets",
        "Data folder",
        "Disk space",
        "Fruits data",
    ):
        assert name in result.stdout
    for item in pretrained.COURSE_FILES:
        assert item.label in result.stdout
    # Nothing downloaded in this isolated setting: advice with a fix, not a failure.
    assert "[WARN] Fruits data" in result.stdout and "download-fruits" in result.stdout
    assert "fetch-weights" in result.stdout


def test_doctor_fails_with_a_fix_when_the_data_folder_is_unusable(isolated):
    blocker = isolated / "a-file"
    blocker.write_text("not a folder")
    result = run_doctor({"COURSE_DATA_DIR": str(blocker / "data")})
    assert result.returncode == 1
    assert "[FAIL] Data folder" in result.stdout
    assert "Set COURSE_DATA_DIR to a folder you can write to" in result.stdout
    assert "The course cannot run yet: fix Data folder" in result.stdout


def test_doctor_fails_for_a_wrong_fruits_override(isolated):
    result = run_doctor({"COURSE_FRUITS_DIR": str(isolated / "missing")})
    assert result.returncode == 1
    assert "[FAIL] Fruits data" in result.stdout and "COURSE_FRUITS_DIR" in result.stdout


def test_python_versions():
    assert environment.check_python((3, 11, 7)).status == OK
    old = environment.check_python((3, 9, 18))
    assert old.status == FAIL and old.blocking and "Install Python 3.11" in old.fix


def test_keras_backend_must_be_tensorflow():
    assert environment.check_keras().status == OK
    wrong = environment.check_keras(backend="jax")
    assert wrong.status == FAIL and "KERAS_BACKEND=tensorflow" in wrong.fix


def test_widget_front_end_missing_is_reported(tmp_path):
    missing = environment.check_widgets(labextension_dirs=[tmp_path])
    assert (
        missing.status == FAIL
        and "front end" in missing.detail
        and "restart JupyterLab" in missing.fix
    )
    extension = tmp_path / environment.WIDGET_EXTENSION
    extension.mkdir(parents=True)
    (extension / "package.json").write_text("{}")
    assert environment.check_widgets(labextension_dirs=[tmp_path]).status == OK
    assert environment.check_widgets().status == OK  # the real installation


def test_pretrained_files_are_advice(isolated):
    checks = environment.check_pretrained_files()
    assert [c.status for c in checks] == [WARN] * len(pretrained.COURSE_FILES)
    assert not any(c.blocking for c in checks)
    cache = isolated / "keras" / "models"
    cache.mkdir(parents=True)
    (cache / pretrained.CLASS_INDEX.filename).write_text("{" + " " * 35_000 + "}")
    found = {c.name: c for c in environment.check_pretrained_files()}
    assert found[pretrained.CLASS_INDEX.label].status == OK
    assert found[pretrained.CLASS_INDEX.label].detail.endswith("(35 kB)")  # small file, not "0 MB"


def test_report_formats(isolated):
    checks = [
        environment.Check("Alpha", OK, "fine"),
        environment.Check("Beta", FAIL, "broken", "do this"),
        environment.Check("Gamma", WARN, "meh", "maybe that", required=False),
    ]
    text = environment.format_checks(checks)
    assert "[FAIL] Beta" in text and "-> do this" in text and "fix Beta" in text
    html = environment.checks_to_html(checks)
    assert html.count("<tr style='background:") == 3 and "#ffd4d4" in html and "do this" in html


@pytest.mark.parametrize("free_gb, status", [(0.5, FAIL), (1.5, WARN), (50, OK)])
def test_disk_thresholds(monkeypatch, tmp_path, free_gb, status):
    usage = type("Usage", (), {"free": free_gb * 1e9})
    monkeypatch.setattr(environment.shutil, "disk_usage", lambda path: usage)
    assert environment.check_disk(tmp_path).status == status
