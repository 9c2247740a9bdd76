"""Loaded by pytest for every test, including a notebook run alone (pytest notebooks/NN.ipynb).

Notebooks run in quick mode under pytest unless the caller set COURSE_QUICK
(COURSE_QUICK=0 pytest notebooks/ runs the full lessons).

After each notebook cell that nbval runs, its outputs are checked for unexplained
error-looking lines (``E0000 ...``, ``Traceback``, ``WARNING:``, network errors, a
progress bar frozen at 0%): the rules and the allowed lines, each with its reason, are
in tests/test_output_noise.py. So one run checks both results and output noise.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("COURSE_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_NOISE_RULES = Path(__file__).resolve().parent / "tests" / "test_output_noise.py"
_COUNTS: dict[str, dict] = {}  # allowed lines seen so far, per notebook


def pytest_report_header(config):
    fruits = os.environ.get("COURSE_FRUITS_DIR") or "not set (notebooks use generated fruits)"
    return [f"COURSE_QUICK={os.environ['COURSE_QUICK']}", f"COURSE_FRUITS_DIR={fruits}"]


def _noise_rules():
    """tests/test_output_noise.py, imported under the name pytest gives it too."""
    name = _NOISE_RULES.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _NOISE_RULES)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a notebook cell whose outputs show an unexplained error-looking line."""
    result = yield  # a cell that failed by itself raises here and is reported as it is
    outputs = getattr(item, "test_outputs", None)
    if type(item).__name__ == "IPyNbCell" and outputs:
        notebook = Path(str(item.fspath))
        counts = _COUNTS.setdefault(str(notebook), {})
        problems = _noise_rules().find_noise(outputs, notebook, counts)
        if problems:
            listed = "\n  ".join(problems)
            pytest.fail(
                f"{item.name} printed an unexplained error-looking line:\n  {listed}\n"
                "Silence it at its source (see course_utils/lesson.py), or explain it in "
                "the lesson and add it, with the reason, to ALLOWED in "
                "tests/test_output_noise.py.",
                pytrace=False,
            )
    return result
