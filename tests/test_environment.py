"""The environment check: what it reports, the fixes it suggests, its exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import environment, pretrained
from course_utils.environment import FAIL, OK, WARN

ROOT = Path(__file__).resolve().parents[1]
TENSORFLOW_START_UP = ("absl::InitializeLog", "oneDNN custom operations", "cuInit", "cuda drivers")


def run_doctor(
    env_changes: dict[str, str], unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_changes)
    for name in unset:
        env.pop(name, None)
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
    # TensorFlow's start-up lines (twice) and the cuInit error no longer precede the table.
    for line in TENSORFLOW_START_UP:
        assert line not in result.stderr, result.stderr


def test_doctor_reports_a_course_root_that_is_not_the_repository(isolated):
    """Probe case 29 (BUG 3): FAIL with the fix, every other check still reported."""
    elsewhere = isolated / "not-the-course"
    elsewhere.mkdir()
    # Without COURSE_DATA_DIR the data folder is found through the repository (the bug's
    # path); nothing can be written there because the repository is not found.
    result = run_doctor({"COURSE_ROOT": str(elsewhere)}, unset=("COURSE_DATA_DIR",))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "error:" not in result.stderr, result.stderr
    assert "[FAIL] Course folder" in result.stdout
    assert f"COURSE_ROOT={elsewhere} does not look like the course repository" in result.stdout
    assert "-> Unset COURSE_ROOT" in result.stdout
    for name in ("Data folder", "Disk space", "Fruits data"):
        assert f"[FAIL] {name}" in result.stdout and "Course folder check" in result.stdout
    assert pretrained.CLASS_INDEX.label in result.stdout  # the rest of the report is there
    assert "The course cannot run yet: fix Course folder" in result.stdout


def test_a_check_that_raises_is_reported_not_raised(monkeypatch, isolated):
    def broken():
        raise KeyError("something nobody foresaw")

    monkeypatch.setattr(environment, "check_widgets", broken)
    checks = environment.run_checks(include_heavy=False)
    crashed = [c for c in checks if c.name == "Broken"]
    assert crashed and crashed[0].status == FAIL
    assert "KeyError" in crashed[0].detail and "something nobody foresaw" in crashed[0].detail
    assert any(c.name == "Fruits data" for c in checks)  # the later checks still ran


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


def _real_class_index() -> Path:
    """The real ImageNet class index: the shared data folder (as .ci/run uses it)."""
    shared = Path(os.environ.get("COURSE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    found = shared / pretrained.CLASS_INDEX.filename
    if not found.is_file():
        pytest.skip(f"no real ImageNet class index in {shared} (set COURSE_SHARED_DATA)")
    return found


def test_pretrained_files_are_advice(isolated):
    checks = environment.check_pretrained_files()
    assert [c.status for c in checks] == [WARN] * len(pretrained.COURSE_FILES)
    assert not any(c.blocking for c in checks)
    assert all("not in the Keras cache" in c.detail for c in checks)


def test_intact_and_damaged_pretrained_files(isolated):
    """Probe case 83 (BUG 10): a cut-off weight file and class index are not OK."""
    cache = isolated / "keras" / "models"
    cache.mkdir(parents=True)
    index = cache / pretrained.CLASS_INDEX.filename
    shutil.copyfile(_real_class_index(), index)
    found = {c.name: c for c in environment.check_pretrained_files()}
    assert found[pretrained.CLASS_INDEX.label].status == OK
    assert found[pretrained.CLASS_INDEX.label].detail.endswith("(35 kB)")  # small file, not "0 MB"

    index.write_bytes(index.read_bytes()[:20_000])  # a download cut at 20 kB
    weights = cache / pretrained.VGG16_NOTOP.filename
    weights.write_bytes(np.random.default_rng(0).bytes(1_500_000))  # a truncated weight file
    found = {c.name: c for c in environment.check_pretrained_files()}
    for item, size in ((pretrained.CLASS_INDEX, "(20 kB)"), (pretrained.VGG16_NOTOP, "(2 MB)")):
        check = found[item.label]
        assert check.status == WARN and not check.blocking
        assert check.detail.startswith("damaged:") and size in check.detail
        assert "MD5" in check.detail and "fetch-weights" in check.fix
    assert "[OK  ] " + pretrained.CLASS_INDEX.label not in environment.format_checks(
        list(found.values())
    )


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
