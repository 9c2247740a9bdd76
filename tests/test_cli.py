"""``python -m course_utils``: results on stdout; errors on stderr with a non-zero exit.

Each command runs in a real subprocess (as a user types it), with the data folder and
the Keras cache pointed at empty temporary folders.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from course_utils.__main__ import main
from course_utils.instructor import lessons


def run(*arguments: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "course_utils", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
        check=False,
        timeout=120,
    )


def assert_error(done: subprocess.CompletedProcess, *words: str, status: int = 1) -> None:
    assert done.returncode == status, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == "", f"an error is not a result: {done.stdout!r}"
    assert "Traceback" not in done.stderr, done.stderr
    assert "error: " in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


def dirty_notebook(path):
    cell = new_code_cell("1 + 1", execution_count=1)
    cell.outputs = [new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    path.write_text(json.dumps(new_notebook(cells=[cell])))
    return path


@pytest.mark.slow
def test_errors_of_commands_go_to_stderr_with_a_non_zero_exit(isolated):
    missing = isolated / "absent"
    not_json = isolated / "broken.ipynb"
    not_json.write_text("{")
    a_file = isolated / "a-file"
    a_file.write_text("x")
    cases = {
        # a library error (FileNotFoundError) in each family of commands
        ("verify-fruits", str(missing)): ["There is no folder", "absent"],
        ("bundle", "install", str(missing) + ".zip"): ["No bundle at"],
        ("run-notebooks", str(missing) + ".ipynb"): ["No such notebook", "absent.ipynb"],
        ("clean-notebooks", str(not_json)): ["broken.ipynb is not a valid notebook"],
        ("student-edition", "--output", str(lessons.notebooks_dir())): ["inside the lessons"],
        # a raw OSError from the system (a file where a folder must be): no traceback
        ("student-edition", "--output", str(a_file / "edition")): ["Not a directory", "a-file"],
    }
    for arguments, words in cases.items():
        assert_error(run(*arguments), *words)
    # Argument errors: argparse's usage message on stderr, status 2.
    assert_error(run("no-such-command"), "invalid choice", status=2)
    assert_error(run("bundle", "install"), "give the bundle to install", status=2)


def test_results_go_to_stdout(tmp_path):
    clean = tmp_path / "clean.ipynb"
    clean.write_text(json.dumps(new_notebook(cells=[new_code_cell("x = 1")])))
    done = run("clean-notebooks", "--check", str(clean))
    assert done.returncode == 0 and done.stderr == ""
    assert "All 1 notebook(s) follow the output policy." in done.stdout


def test_a_full_disk_is_explained_and_nothing_is_half_written(tmp_path, capsys, monkeypatch):
    """Probe case 33/34 family: ENOSPC gave a traceback. The rename of the finished file is
    where a full disk is noticed last; it is simulated there (no tmpfs needed)."""
    notebook = dirty_notebook(tmp_path / "dirty.ipynb")
    before = notebook.read_bytes()

    def full(*_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(notebook))

    monkeypatch.setattr(os, "replace", full)
    assert main(["clean-notebooks", str(notebook)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: No space left on the disk while writing")
    assert "dirty.ipynb" in captured.err and "Free some space" in captured.err
    assert notebook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dirty.ipynb"], "no temporary file left"
