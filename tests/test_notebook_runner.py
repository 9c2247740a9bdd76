"""The instructor's runner: executes notebooks, measures them, writes the table."""

from __future__ import annotations

import argparse

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils import notebooks


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
    ok = notebooks.run_notebook(good, out, quick=True)
    failed = notebooks.run_notebook(bad, out, quick=False, html=False)
    assert ok.ok and ok.seconds > 0 and ok.peak_mb > 300, ok
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
    table = notebooks.timings_table([ok, failed], quick=True, data="generated fruits")
    assert "| 01_good.ipynb |" in table and "FAILED: cell 2 of 2" in table
    assert "quick mode" in table and "generated fruits" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{notebooks.README_START}\nold\n{notebooks.README_END}\nend\n")
    notebooks.update_readme(table, readme)
    text = readme.read_text()
    assert "old" not in text and "| 02_bad.ipynb |" in text and text.endswith("end\n")


def test_table_escapes_errors_and_describes_the_run():
    results = [notebooks.RunResult("03_x.ipynb", 12.4, None, False, "ValueError: a | b")]
    table = notebooks.timings_table(results, quick=False, data="real photos", load="; load 1.0")
    assert "full mode, with real photos" in table and "load 1.0" in table
    assert "| 03_x.ipynb | 12 | n/a | FAILED: ValueError: a \\| b |" in table
    assert table.count("\n| ") == 3  # the header, one row per notebook, the total


def run_args(**overrides) -> argparse.Namespace:
    values = dict(
        notebooks=[],
        quick=False,
        output=None,
        no_html=True,
        update_readme=False,
        timeout=60,
    )
    values.update(overrides)
    return argparse.Namespace(**values)


def test_refuses_what_would_mislead_or_write_into_notebooks(tmp_path, capsys):
    lesson = str(notebooks.lesson_notebooks()[0])
    # The README table is a full-mode run of every notebook.
    assert notebooks.run_all_command(run_args(quick=True, update_readme=True)) == 2
    assert notebooks.run_all_command(run_args(notebooks=[lesson], update_readme=True)) == 2
    inside = notebooks.notebooks_dir() / "build-here"
    assert notebooks.run_all_command(run_args(notebooks=[lesson], output=str(inside))) == 2
    assert not inside.exists()
    assert notebooks.run_all_command(run_args(notebooks=[str(tmp_path / "absent.ipynb")])) == 2
    out = capsys.readouterr().out
    assert "--update-readme" in out and "inside notebooks/" in out and "absent.ipynb" in out


def test_output_policy_helpers():
    nb = new_notebook(cells=[new_code_cell("1 + 1")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    nb.cells[0].execution_count = 1
    nb.metadata["widgets"] = {"state": {}}
    assert len(notebooks.policy_problems(nb)) == 3
    assert notebooks.policy_problems(notebooks.strip_outputs(nb)) == []
