"""Loaded by pytest for every test, including a notebook run alone (pytest notebooks/NN.ipynb).

Notebooks run in quick mode under pytest unless the caller set COURSE_QUICK
(COURSE_QUICK=0 pytest notebooks/ runs the full lessons).
"""

import os

os.environ.setdefault("COURSE_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_report_header(config):
    fruits = os.environ.get("COURSE_FRUITS_DIR") or "not set (notebooks use generated fruits)"
    return [f"COURSE_QUICK={os.environ['COURSE_QUICK']}", f"COURSE_FRUITS_DIR={fruits}"]
