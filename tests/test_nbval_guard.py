"""nbval in lax mode fails a notebook whose check cell finds a wrong result.

This is what makes the notebook tests more than "it did not crash": each lesson has a
check cell with asserts on its results (accuracy above chance, shapes, values).
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook


def run_nbval(tmp_path, check_source: str) -> subprocess.CompletedProcess:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "accuracy = 0.07  # what a model that learned nothing scores on 16 classes"
            ),
            new_code_cell(check_source, metadata={"tags": ["check"]}),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_wrong_result_fails_and_right_result_passes(tmp_path):
    wrong = run_nbval(tmp_path, 'assert accuracy > 0.5, f"accuracy {accuracy:.2f} is near chance"')
    assert wrong.returncode != 0
    assert "near chance" in wrong.stdout
    right = run_nbval(tmp_path, "assert accuracy < 0.5")
    assert right.returncode == 0, right.stdout
