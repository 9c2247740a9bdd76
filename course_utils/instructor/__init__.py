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
``slides``
    offline reveal.js decks from the lessons, with speaker notes
    (``python -m course_utils slides``)
``schedule``
    the one- and two-day timetables from the lessons' minutes and the measured timings
    (``python -m course_utils schedule``)
``workshop``, ``workshop_client``, ``workshop_spawner``
    a JupyterHub for a workshop room (``python -m course_utils workshop-server``); driving
    it through its API; the spawner JupyterHub loads (only that one imports JupyterHub)

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
from course_utils.instructor.schedule import (
    LessonTime,
    generate_schedule,
    lesson_minutes,
    plan_days,
    set_lesson_minutes,
)
from course_utils.instructor.slides import Deck, SlidesReport, build_slides, choose_slides
from course_utils.instructor.student import (
    MARKER,
    STUDENT_FOLDER,
    EditionWrite,
    is_instructor_only,
    is_solution,
    student_dir,
    student_edition,
    student_edition_differences,
    student_notebook,
    write_student_edition,
)
from course_utils.instructor.workshop import Hub, start_hub, stop_hub

__all__ = [
    "Deck",
    "EditionWrite",
    "Hub",
    "LessonTime",
    "MARKER",
    "README_END",
    "README_START",
    "RunReport",
    "RunResult",
    "STUDENT_FOLDER",
    "SlidesReport",
    "build_slides",
    "choose_slides",
    "clean_notebooks",
    "generate_schedule",
    "is_inside",
    "is_instructor_only",
    "is_solution",
    "lesson_minutes",
    "lesson_notebooks",
    "notebooks_dir",
    "plan_days",
    "policy_problems",
    "read_notebook",
    "repository",
    "run_notebook",
    "run_notebooks",
    "set_lesson_minutes",
    "start_hub",
    "stop_hub",
    "strip_outputs",
    "student_dir",
    "student_edition",
    "student_edition_differences",
    "student_notebook",
    "timings_table",
    "update_readme",
    "write_student_edition",
]
