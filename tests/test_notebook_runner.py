"""The instructor's runner: executes notebooks, measures them, writes the table."""

from __future__ import annotations

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
def test_runs_measures_and_reports(tmp_path):
    good = write(
        tmp_path / "01_good.ipynb",
        "import os\nprint('quick', os.environ['COURSE_QUICK'])",
        "import numpy as np\nblock = np.ones((40, 1024, 1024))  # about 320 MB\nblock.sum()",
    )
    bad = write(tmp_path / "02_bad.ipynb", "raise RuntimeError('the lesson broke')")
    out = tmp_path / "build"
    ok = notebooks.run_notebook(good, out, quick=True)
    failed = notebooks.run_notebook(bad, out, quick=False, html=False)
    assert ok.ok and ok.seconds > 0 and ok.peak_mb > 300
    assert not failed.ok and "the lesson broke" in failed.error
    executed = nbformat.read(out / "01_good.ipynb", as_version=4)
    assert "quick 1" in executed.cells[0].outputs[0]["text"]
    assert (out / "01_good.html").stat().st_size > 1000
    table = notebooks.timings_table([ok, failed], quick=True)
    assert "| 01_good.ipynb |" in table and "FAILED: " in table and "quick mode" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{notebooks.README_START}\nold\n{notebooks.README_END}\nend\n")
    notebooks.update_readme(table, readme)
    text = readme.read_text()
    assert "old" not in text and "| 02_bad.ipynb |" in text and text.endswith("end\n")


def test_output_policy_helpers():
    nb = new_notebook(cells=[new_code_cell("1 + 1")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    nb.cells[0].execution_count = 1
    nb.metadata["widgets"] = {"state": {}}
    assert len(notebooks.policy_problems(nb)) == 3
    assert notebooks.policy_problems(notebooks.strip_outputs(nb)) == []
