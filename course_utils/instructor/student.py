"""The student edition: the lessons with every exercise solution replaced by an empty cell.

``python -m course_utils student-edition [--check] [--output DIR]`` writes
``student-edition/`` (or ``DIR``): each cell tagged ``solution`` becomes an empty cell
tagged ``exercise``, cells tagged ``instructor`` (the slides' speaker notes) are removed,
outputs are stripped, and a README lists the notebooks.

The command never destroys work it did not write. It writes a marker file
(``.student-edition``) that records a hash of every file it wrote, and it

- refuses a folder that holds notebooks with solutions (``notebooks/`` itself, or a copy),
- refuses a folder that is not empty unless it is a previous student edition (the marker,
  or, for editions written before the marker existed, the generated README),
- removes or overwrites only files it wrote and that nobody changed since; anything else
  in the folder (a student's own notebook, say) is left alone, and a changed generated
  file makes it stop before writing anything.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from course_utils.instructor.lessons import (
    dump_notebook,
    is_inside,
    lesson_notebooks,
    notebooks_dir,
    read_notebook,
    repository,
    source_of,
    tags_of,
    write_text_atomically,
)
from course_utils.instructor.policy import strip_outputs

STUDENT_FOLDER = "student-edition"
MARKER = ".student-edition"
SOLUTION_TAG = "solution"
INSTRUCTOR_TAG = "instructor"  # speaker notes for the slides: not for students
EXERCISE_TAG = "exercise"
EXERCISE_CODE = "# Your solution here\n"
EXERCISE_MARKDOWN = "*Your answer here.*"
# The exercise text says where the solution is; in the student edition it is the student's.
_SOLUTION_HINT = re.compile(
    r"\(?[*_]{0,2}solution[*_]{0,2}\s*:?[*_]{0,2}\s*click the collapsed cell below\.?\)?",
    re.IGNORECASE,
)
_STUDENT_HINT = "Write your solution in the empty cell below."
_README_TITLE = "# Student edition\n\nThe lessons of `notebooks/` with the exercise solutions"


def _cell_id(notebook_name: str, index: int, cell: dict, taken: set[str]) -> str:
    """The cell's own id when it has a valid one, else one derived from the source notebook."""
    cell_id = cell.get("id")
    if not (isinstance(cell_id, str) and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cell_id)):
        seed = f"{notebook_name}:{index}:{source_of(cell)}".encode()
        cell_id = hashlib.sha256(seed).hexdigest()[:8]
    while cell_id in taken:  # duplicates are invalid: derive a new one, deterministically
        cell_id = hashlib.sha256(f"{cell_id}:{index}".encode()).hexdigest()[:8]
    taken.add(cell_id)
    return cell_id


def is_solution(cell: dict) -> bool:
    """True for an exercise solution: a cell tagged ``solution``."""
    return SOLUTION_TAG in tags_of(cell)


def is_instructor_only(cell: dict) -> bool:
    """True for a cell only the instructor sees (tagged ``instructor``: speaker notes)."""
    return INSTRUCTOR_TAG in tags_of(cell)


def student_notebook(notebook: dict, name: str) -> dict:
    """Return the student version of ``notebook`` (the input is not changed).

    Each cell tagged ``solution`` becomes an empty cell of the same type tagged
    ``exercise`` (``# Your solution here`` for code); the exercise text's "Solution: click
    the collapsed cell below" becomes an invitation to write one. Cells tagged
    ``instructor`` are removed. Outputs, execution counts
    and widget state are removed. Cell ids are kept, or derived from the source notebook
    when missing, so the result is the same every time.

    Parameters
    ----------
    notebook : dict
        The notebook as parsed JSON.
    name : str
        Its file name (used only to derive missing cell ids).
    """
    student = strip_outputs(copy.deepcopy(notebook))
    student["nbformat"], student["nbformat_minor"] = 4, max(5, notebook.get("nbformat_minor", 5))
    cells, taken = [], set()
    for index, cell in enumerate(student.get("cells", [])):
        if is_instructor_only(cell):
            continue
        cell_id = _cell_id(name, index, cell, taken)
        if is_solution(cell):
            if cell["cell_type"] == "code":
                cell = {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {"tags": [EXERCISE_TAG]},
                    "outputs": [],
                    "source": EXERCISE_CODE,
                }
            else:
                cell = {
                    "cell_type": "markdown",
                    "metadata": {"tags": [EXERCISE_TAG]},
                    "source": EXERCISE_MARKDOWN,
                }
        elif cell["cell_type"] == "markdown":
            cell["source"] = _SOLUTION_HINT.sub(_STUDENT_HINT, source_of(cell))
        cell["id"] = cell_id
        cells.append(cell)
    student["cells"] = cells
    return student


STUDENT_README = (
    _README_TITLE
    + """ taken out: each solution is
replaced by an empty cell (tagged `exercise`) where you write your own. Everything else
is the same, so links between notebooks work.

Open them in JupyterLab from the repository (after `make install`, or `make lab` once):

```bash
.venv/bin/jupyter lab --notebook-dir=student-edition
```

Stuck? The solutions are in the full notebooks in `notebooks/` (collapsed cells under
each exercise: click to show).

These files are generated: do not edit them here. Instructors regenerate them with
`make student` (`python -m course_utils student-edition`) after changing a lesson; a test
fails while they are out of date. Notebooks in this folder:

{listing}
"""
)


def _fingerprint(name: str, text: str) -> str:
    """A hash of a file's content that ignores line endings (and JSON layout for notebooks)."""
    if name.endswith(".ipynb"):
        with contextlib.suppress(json.JSONDecodeError):
            text = json.dumps(json.loads(text), sort_keys=True)
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8", "surrogateescape")).hexdigest()


def _marker_text(files: dict[str, str]) -> str:
    hashes = {name: _fingerprint(name, text) for name, text in sorted(files.items())}
    record = {
        "written_by": "python -m course_utils student-edition",
        "note": "This folder is a generated student edition; the command rewrites the files "
        "listed here. Delete this file to protect the folder from it.",
        "files": hashes,
    }
    return json.dumps(record, indent=1) + "\n"


def student_edition(notebooks: list[Path] | None = None) -> dict[str, str]:
    """Return the student edition in memory: file name -> file text.

    The notebooks, the README and the marker file (a record of what was written).
    """
    notebooks = lesson_notebooks() if notebooks is None else notebooks
    files = {}
    for path in notebooks:
        files[path.name] = dump_notebook(student_notebook(read_notebook(path), path.name))
    listing = "\n".join(f"- [{name}]({name})" for name in sorted(files))
    files["README.md"] = STUDENT_README.format(listing=listing or "(none yet)")
    files[MARKER] = _marker_text(files)
    return files


def student_dir() -> Path:
    """Return the ``student-edition/`` folder of the repository."""
    return repository() / STUDENT_FOLDER


def _same(text: str, committed: Path) -> bool:
    """Compare file contents; notebooks as JSON, so line endings and layout do not matter."""
    return _fingerprint(committed.name, _read_text(committed)) == _fingerprint(committed.name, text)


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")


def student_edition_differences(files: dict[str, str], folder: Path) -> list[str]:
    """Say how ``folder`` differs from the generated ``files`` (empty list: up to date)."""
    differences = []
    for name, text in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            differences.append(f"{name} is missing")
        elif not _same(text, path):
            differences.append(f"{name} is out of date")
    if folder.is_dir():
        extra = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in files)
        differences += [f"{name} has no lesson in notebooks/ any more" for name in extra]
    return differences


def _written_before(folder: Path) -> dict[str, str | None] | None:
    """What a previous run wrote into ``folder``: file name -> fingerprint (None: unknown).

    ``None`` when ``folder`` is not a student edition. An edition from before the marker
    file is recognised by its generated README, which lists its notebooks.
    """
    marker = folder / MARKER
    if marker.is_file():
        try:
            record = json.loads(_read_text(marker))
            files = record["files"]
            if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
                return dict(files) | {MARKER: None}
        except (json.JSONDecodeError, KeyError, TypeError):
            pass
        raise ValueError(
            f"{marker} is damaged, so it is unclear which files in {folder} the student "
            "edition wrote. Check the folder by hand, delete the marker, and write the "
            "edition into a new, empty folder."
        )
    readme = folder / "README.md"
    text = _read_text(readme).replace("\r\n", "\n") if readme.is_file() else ""
    if text.startswith(_README_TITLE):
        listed = re.findall(r"^- \[([^\]/\\]+\.ipynb)\]\(\1\)$", text, re.M)
        return dict.fromkeys([*listed, "README.md"])
    return None


@dataclass(frozen=True)
class EditionWrite:
    """What :func:`write_student_edition` did."""

    changes: list[str]
    kept: list[str] = field(default_factory=list)
    """Files in the folder that the student edition did not write, left alone."""


def check_output_folder(folder: Path) -> None:
    """Refuse a folder where writing the student edition would destroy lessons.

    Raises
    ------
    ValueError
        For ``notebooks/`` or a folder inside it, and for any folder holding a notebook
        with a cell tagged ``solution``.
    """
    folder = Path(folder)
    try:
        lessons = notebooks_dir()
    except FileNotFoundError:
        lessons = None
    if lessons is not None and is_inside(folder, lessons):
        raise ValueError(
            f"--output {folder} is inside the lessons folder {lessons}: the student edition "
            "would overwrite the lessons and erase every solution. Choose another folder "
            f"(the default is {STUDENT_FOLDER}/)."
        )
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.ipynb")):
        try:
            notebook = read_notebook(path)
        except ValueError:
            continue  # not a lesson: protected below as a file the edition did not write
        if any(is_solution(cell) for cell in notebook["cells"]):
            raise ValueError(
                f"{folder} holds notebooks with exercise solutions ({path.name}): writing "
                "the student edition there would erase them. Choose an empty or new folder "
                f"(the default is {STUDENT_FOLDER}/)."
            )


def write_student_edition(files: dict[str, str], folder: Path) -> EditionWrite:
    """Write ``files`` into ``folder`` without destroying anything it did not write.

    Checks everything first and then writes each file atomically, the marker last.
    Notebooks of deleted lessons are removed only when the previous run wrote them and
    nobody changed them since.

    Returns
    -------
    EditionWrite
        The changes (as :func:`student_edition_differences` words them) and the files it
        left alone.

    Raises
    ------
    ValueError
        When ``folder`` holds lessons with solutions, is a non-empty folder that is not a
        student edition, or holds a generated file that was changed by hand.
    """
    folder = Path(folder)
    check_output_folder(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder: choose a folder for the edition.")
    present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    previous = _written_before(folder) if present else {}
    if previous is None:
        shown = ", ".join(present[:5]) + (" ..." if len(present) > 5 else "")
        raise ValueError(
            f"{folder} is not empty ({shown}) and is not a student edition (no {MARKER} "
            "file): the command would overwrite or delete files there. Choose an empty or "
            "new folder, or move those files away."
        )
    changed_by_hand, overwrite, remove, kept = [], [], [], []
    for name in present:
        path = folder / name
        ours = name in previous and path.is_file()
        recorded = previous.get(name)
        unchanged = ours and (
            recorded is None
            or _fingerprint(name, _read_text(path)) == recorded
            or (name in files and _same(files[name], path))
        )
        if name in files:
            if not path.is_file():
                raise ValueError(f"{path} is in the way (not a file): move it away first.")
            if not _same(files[name], path):
                (overwrite if unchanged else changed_by_hand).append(name)
        elif unchanged and name.endswith(".ipynb"):
            remove.append(name)
        elif ours and not unchanged:
            changed_by_hand.append(name)
        else:
            kept.append(name)
    if changed_by_hand:
        raise ValueError(
            f"{', '.join(changed_by_hand)} in {folder} changed since the student edition "
            "wrote them (your own work?). Nothing was written: move them elsewhere, "
            "then run the command again."
        )
    changes = student_edition_differences(files, folder)
    changes = [line for line in changes if line.split(" ", 1)[0] not in kept]
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if name != MARKER and (name in overwrite or not (folder / name).exists()):
            write_text_atomically(folder / name, text)
    for name in remove:
        (folder / name).unlink()
    if not ((folder / MARKER).is_file() and _same(files[MARKER], folder / MARKER)):
        write_text_atomically(folder / MARKER, files[MARKER])
    return EditionWrite(changes=changes, kept=kept)


def count_solutions(notebooks: list[Path] | None = None) -> int:
    """The number of cells tagged ``solution`` in the lessons."""
    notebooks = lesson_notebooks() if notebooks is None else notebooks
    return sum(is_solution(cell) for path in notebooks for cell in read_notebook(path)["cells"])
