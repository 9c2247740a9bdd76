"""Where the lessons are, and reading and writing notebook files safely.

The other instructor modules find the repository's ``notebooks/`` here, read a notebook
with a message that names the file whatever is wrong with it, and write notebooks and
text files atomically (a temporary file next to the target, then a rename), so that an
interrupted command never leaves half a file (through :mod:`course_utils.fileio`).
"""

from __future__ import annotations

import json
from pathlib import Path

from course_utils import fileio, paths

LESSON_PATTERN = "[0-9][0-9]_*.ipynb"


def repository() -> Path:
    """Return the course repository (the folder holding ``notebooks/``).

    Raises
    ------
    FileNotFoundError
        Outside a clone of the course, with what to do.
    """
    root = paths.repo_root()
    if root is None:
        raise FileNotFoundError(
            "Run this from the course repository (no notebooks/ folder found), "
            f"or set {paths.ROOT_ENV} to your clone."
        )
    return root


def notebooks_dir() -> Path:
    """Return the ``notebooks/`` folder of the repository."""
    return repository() / "notebooks"


def lesson_notebooks() -> list[Path]:
    """Return every notebook of the course in order."""
    return sorted(notebooks_dir().glob(LESSON_PATTERN))


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies below it (both resolved).

    Examples
    --------
    >>> is_inside(Path("/a/b/c"), Path("/a/b")), is_inside(Path("/a/bc"), Path("/a/b"))
    (True, False)
    """
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def source_of(cell: dict) -> str:
    """The source of a cell as one string (notebook files may store a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def tags_of(cell: dict) -> list[str]:
    """The tags of a cell (empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def read_notebook(path: Path) -> dict:
    """Read a notebook file as parsed JSON, checking that it is shaped like a notebook.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When it is not UTF-8, not JSON, or not a notebook (an object whose ``cells`` is
        a list of cells); the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such notebook: {path}")
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not a valid notebook: it is not UTF-8 text ({error.reason} at byte "
            f"{error.start}). Re-save it from JupyterLab, or restore it from git."
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a valid notebook (JSON error: {error}).") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not all(
        isinstance(cell, dict) and isinstance(cell.get("metadata", {}), dict) for cell in cells
    ):
        raise ValueError(
            f"{path} is JSON but not a Jupyter notebook (it needs an object with a list of "
            "cells). Check the file name, or restore the notebook from git."
        )
    if not isinstance(notebook.get("metadata", {}), dict):
        raise ValueError(f"{path} is not a valid notebook: its metadata is not an object.")
    return notebook


def dump_notebook(notebook: dict) -> str:
    """Serialise like Jupyter does (nbformat's layout), with a final newline."""
    import nbformat

    text = nbformat.writes(nbformat.from_dict(notebook))
    return text if text.endswith("\n") else text + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename.

    Either the old file or the complete new one is there, never half of it
    (:func:`course_utils.fileio.atomic_write_text`; a full disk or a read-only folder
    raises its :class:`~course_utils.fileio.WriteError`, which says what to do).
    """
    fileio.atomic_write_text(path, text)
