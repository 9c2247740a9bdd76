"""The instructor's runner: executes notebooks, measures them, writes the table."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.__main__ import _cell_progress, main
from course_utils.instructor import lessons, policy, runner


def write(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_runs_measures_and_reports(tmp_path, monkeypatch):
    # An instructor's shell may select a non-inline backend: figures must still appear.
    monkeypatch.setenv("MPLBACKEND", "agg")
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    good = write(
        lessons / "01_good.ipynb",
        "import os\nprint('quick', os.environ['COURSE_QUICK'])",
        "import numpy as np\nblock = np.ones((40, 1024, 1024))  # about 320 MB\nblock.sum()",
        "open('scratch.txt', 'w').write('a lesson saving a file')\nprint(os.getcwd())",
        "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.show()",
    )
    bad = write(lessons / "02_bad.ipynb", "x = 1", "raise RuntimeError('the lesson broke')")
    out = tmp_path / "build"
    heard = []
    ok = runner.run_notebook(good, out, quick=True, progress=lambda *a: heard.append(a))
    failed = runner.run_notebook(bad, out, quick=False, html=False)
    assert ok.ok and ok.seconds > 0 and ok.peak_mb > 300, ok
    # Progress: one call per code cell, with its number and its first words.
    assert [(a[0], a[1], a[2]) for a in heard] == [("01_good.ipynb", n, 4) for n in (1, 2, 3, 4)]
    assert heard[1][3] == "import numpy as np" and heard[3][3].startswith("import matplotlib")
    assert not failed.ok
    assert failed.error == "cell 2 of 2: RuntimeError: the lesson broke"
    executed = nbformat.read(out / "01_good.ipynb", as_version=4)
    assert "quick 1" in executed.cells[0].outputs[0]["text"]
    assert any("image/png" in o.get("data", {}) for o in executed.cells[3].outputs)
    assert (out / "01_good.html").stat().st_size > 1000
    assert nbformat.read(out / "02_bad.ipynb", as_version=4).cells[1].outputs, "traceback kept"
    # The kernel worked elsewhere: nothing was written next to the lessons.
    assert sorted(p.name for p in lessons.iterdir()) == ["01_good.ipynb", "02_bad.ipynb"]
    assert str(lessons) not in executed.cells[2].outputs[0]["text"]
    table = runner.timings_table([ok, failed], quick=True, data="generated fruits")
    assert "| 01_good.ipynb |" in table and "FAILED: cell 2 of 2" in table
    assert "quick mode" in table and "generated fruits" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{runner.README_START}\nold\n{runner.README_END}\nend\n")
    runner.update_readme(table, readme)
    text = readme.read_text()
    assert "old" not in text and "| 02_bad.ipynb |" in text and text.endswith("end\n")


def test_table_escapes_errors_and_describes_the_run():
    results = [runner.RunResult("03_x.ipynb", 12.4, None, False, "ValueError: a | b")]
    table = runner.timings_table(results, quick=False, data="real photos", load="; load 1.0")
    assert "full mode, with real photos" in table and "load 1.0" in table
    assert "| 03_x.ipynb | 12 | n/a | FAILED: ValueError: a \\| b |" in table
    assert table.count("\n| ") == 3  # the header, one row per notebook, the total


def test_refuses_what_would_mislead_or_write_into_notebooks(tmp_path, capsys):
    lesson = str(lessons.lesson_notebooks()[0])
    inside = lessons.notebooks_dir() / "build-here"
    refused = {
        # The README table is a full-mode run of every notebook.
        "--update-readme": ["--quick", "--update-readme"],
        "without a list of notebooks": [lesson, "--update-readme"],
        "inside notebooks/": [lesson, "--output", str(inside)],
        "absent.ipynb": [str(tmp_path / "absent.ipynb")],
    }
    for message, arguments in refused.items():
        assert main(["run-notebooks", "--no-html", *arguments]) == 1, arguments
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and message in captured.err, captured
        assert captured.out == "", "nothing ran, so there is no result"
    assert not inside.exists()


@pytest.mark.slow
def test_progress_lines_name_the_notebook_and_the_cell(tmp_path, capsys):
    notebook = write(tmp_path / "03_tiny.ipynb", "# a comment first\nx = 6 * 7", "print(x)")
    assert main(["run-notebooks", "--no-html", "--output", str(tmp_path / "b"), str(notebook)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "[1/1] running 03_tiny.ipynb ...",
        "  03_tiny.ipynb: cell 1/2  x = 6 * 7",
        "  03_tiny.ipynb: cell 2/2  print(x)",
        captured.err.splitlines()[-1],
    ]
    assert captured.err.splitlines()[-1].startswith("  ok (")
    # Results on stdout: the table and where the copies are.
    assert "| 03_tiny.ipynb |" in captured.out and str(tmp_path / "b" / "full") in captured.out


@pytest.mark.slow
def test_a_failing_notebook_is_an_error_on_stderr(tmp_path, capsys):
    notebook = write(tmp_path / "04_bad.ipynb", "raise ValueError('no fruit today')")
    assert main(["run-notebooks", "--no-html", "--output", str(tmp_path / "b"), str(notebook)]) == 1
    captured = capsys.readouterr()
    assert "FAILED: cell 1 of 1: ValueError: no fruit today" in captured.out  # the table
    assert "error: 1 notebook(s) FAILED: 04_bad.ipynb" in captured.err


@pytest.mark.slow
def test_relative_locations_reach_the_kernel_absolute(tmp_path, monkeypatch):
    """Case 31: relative COURSE_DATA_DIR / COURSE_FRUITS_DIR meant the kernel's temp folder."""
    (tmp_path / "myfruits").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PWD", str(tmp_path))
    monkeypatch.setenv("COURSE_DATA_DIR", "course-data")
    monkeypatch.setenv("COURSE_FRUITS_DIR", "myfruits")
    notebook = write(
        tmp_path / "05_where.ipynb",
        "import os\nfrom course_utils import paths\n"
        "print(os.environ['COURSE_DATA_DIR'])\nprint(paths.fruits_override())\n"
        "print(paths.data_dir(create=False))",
    )
    result = runner.run_notebook(notebook, tmp_path / "out", quick=True, html=False)
    assert result.ok, result
    printed = nbformat.read(tmp_path / "out" / "05_where.ipynb", as_version=4).cells[0].outputs
    lines = printed[0]["text"].splitlines()
    assert lines == [str(tmp_path / "course-data"), str(tmp_path / "myfruits")] + [
        str(tmp_path / "course-data")
    ]
    assert os.environ["COURSE_DATA_DIR"] == "course-data", "the command's own environment is kept"


def test_output_policy_helpers():
    nb = new_notebook(cells=[new_code_cell("1 + 1")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    nb.cells[0].execution_count = 1
    nb.metadata["widgets"] = {"state": {}}
    assert len(policy.policy_problems(nb)) == 3
    assert policy.policy_problems(policy.strip_outputs(nb)) == []


def test_progress_on_a_terminal_updates_one_line(capsys):
    show, clear = _cell_progress(live=True)
    show("01_x.ipynb", 1, 3, "a_long_first_line = 1")
    show("01_x.ipynb", 3, 3, "b = 2")
    clear()
    err = capsys.readouterr().err
    assert "\n" not in err, "a terminal gets one line, rewritten in place"
    first, second, cleared = err.split("\r")[1:4]
    assert first == "  01_x.ipynb: cell 1/3  a_long_first_line = 1"
    assert second.rstrip() == "  01_x.ipynb: cell 3/3  b = 2" and len(second) == len(first)
    assert cleared.strip() == ""
