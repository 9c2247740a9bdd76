"""Loaded by pytest for every test, including a notebook run alone (pytest notebooks/NN.ipynb).

Notebooks run in quick mode under pytest unless the caller set COURSE_QUICK
(COURSE_QUICK=0 pytest notebooks/ runs the full lessons).

After each notebook cell that nbval runs, its outputs are checked for unexplained
error-looking lines (``E0000 ...``, ``Traceback``, ``WARNING:``, network errors, a
progress bar frozen at 0%): the rules and the allowed lines, each with its reason, are
in tests/test_output_noise.py. So one run checks both results and output noise.
COURSE_ALLOW_NOISE=1 switches that check off (to look at a lesson's results alone).
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


def pytest_configure(config):
    """Start nbval's kernels as Jupyter does, so that they forward C-level output.

    ipykernel forwards what libraries write to file descriptors 1 and 2 (TensorFlow's
    C++ lines) to the notebook, except when ``PYTEST_CURRENT_TEST`` is set. nbval's
    kernel inherits that variable (and sends its own stderr to /dev/null), so without
    this the notebook tests would never see the red lines a student sees.
    tests/test_output_noise.py proves that a line written to fd 2 reaches the guard.
    """
    try:
        from nbval import kernel
    except ImportError:  # nbval not installed: no notebook tests to adjust
        return
    original = kernel.start_new_kernel
    if getattr(original, "forwards_fd_output", False):
        return

    def start_new_kernel(*args, **kwargs):
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        # A test run answers every exercise with its reference solution: keep that out of
        # the learner's progress file (course_utils/checks/progress.py).
        env.setdefault("COURSE_PROGRESS", "off")
        kwargs.setdefault("env", env)
        return original(*args, **kwargs)

    start_new_kernel.forwards_fd_output = True
    kernel.start_new_kernel = start_new_kernel


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a notebook cell whose outputs show an unexplained error-looking line."""
    result = yield  # a cell that failed by itself raises here and is reported as it is
    outputs = getattr(item, "test_outputs", None)
    checking = os.environ.get("COURSE_ALLOW_NOISE", "0") in ("", "0")
    if checking and type(item).__name__ == "IPyNbCell" and outputs:
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
