"""Instructor tools: what a teacher runs on the course, never what a lesson imports.

One module per concern:

``lessons``
    where the lesson notebooks are; reading notebook files (clear errors) and atomic writes
``runner``
    run every notebook headlessly and time it; the timing table and the README update
    (``python -m course_utils run-notebooks``)
``student``
    the student edition, solutions replaced by exercise cells, and the guards that keep it
    from overwriting anyone's work (``python -m course_utils student-edition``)
``policy``
    the output policy: no outputs, execution counts or widget state in committed notebooks
    (``python -m course_utils clean-notebooks``)

Coming here next: the slides, the workshop schedule and the workshop server, each in a
module of its own.

These functions take keyword-only options, return results and raise ``ValueError`` or
``FileNotFoundError`` with what to do; only ``course_utils.__main__`` reads arguments and
prints. The names below are re-exported so that ``from course_utils.instructor import
student_edition`` works; importing this package imports neither nbformat nor nbclient.
"""

from course_utils.instructor.lessons import (
    is_inside,
    lesson_notebooks,
    notebooks_dir,
    read_notebook,
    repository,
)
from course_utils.instructor.policy import clean_notebooks, policy_problems, strip_outputs
from course_utils.instructor.runner import (
    README_END,
    README_START,
    RunReport,
    RunResult,
    run_notebook,
    run_notebooks,
    timings_table,
    update_readme,
)
from course_utils.instructor.student import (
    MARKER,
    STUDENT_FOLDER,
    EditionWrite,
    is_solution,
    student_dir,
    student_edition,
    student_edition_differences,
    student_notebook,
    write_student_edition,
)

__all__ = [
    "MARKER",
    "README_END",
    "README_START",
    "STUDENT_FOLDER",
    "EditionWrite",
    "RunReport",
    "RunResult",
    "clean_notebooks",
    "is_inside",
    "is_solution",
    "lesson_notebooks",
    "notebooks_dir",
    "policy_problems",
    "read_notebook",
    "repository",
    "run_notebook",
    "run_notebooks",
    "strip_outputs",
    "student_dir",
    "student_edition",
    "student_edition_differences",
    "student_notebook",
    "timings_table",
    "update_readme",
    "write_student_edition",
]
