"""The output policy: notebooks are committed without outputs, execution counts or widget state.

``python -m course_utils clean-notebooks [--check] [paths]`` calls :func:`clean_notebooks`.
Every notebook is read and checked before any is written, and each is rewritten
atomically, so a bad file in the list changes nothing.

Examples
--------
>>> nb = {"cells": [{"cell_type": "code", "source": "1 + 1", "metadata": {},
...                  "outputs": [{"output_type": "stream"}], "execution_count": 3}],
...       "metadata": {}}
>>> policy_problems(nb)
['cell 1 has stored outputs', 'cell 1 has an execution count']
>>> policy_problems(strip_outputs(nb))
[]
"""

from __future__ import annotations

from pathlib import Path

from course_utils.instructor.lessons import (
    dump_notebook,
    read_notebook,
    write_text_atomically,
)


def policy_problems(notebook: dict) -> list[str]:
    """List how a notebook (as parsed JSON) breaks the output policy (empty list: clean).

    Cells are numbered from 1, as in JupyterLab's status bar.
    """
    problems = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {number} has stored outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {number} has an execution count")
    if "widgets" in notebook.get("metadata", {}):
        problems.append("notebook metadata stores widget state")
    return problems


def strip_outputs(notebook: dict) -> dict:
    """Remove outputs, execution counts and widget state (in place); return the notebook."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def clean_notebooks(notebooks: list[Path], *, check: bool = False) -> dict[Path, list[str]]:
    """Apply the output policy to ``notebooks`` (or only report, when ``check``).

    All notebooks are read and validated first; only then are those that break the
    policy rewritten, each atomically. Notebooks that follow it are not even rewritten.

    Returns
    -------
    dict
        For each notebook that broke the policy, its problems.

    Raises
    ------
    FileNotFoundError, ValueError
        When a path is missing or is not a notebook (nothing has been written then).
    """
    missing = [str(path) for path in notebooks if not Path(path).is_file()]
    if missing:
        raise FileNotFoundError(f"No such notebook: {', '.join(missing)} (nothing was changed).")
    read = [(Path(path), read_notebook(path)) for path in notebooks]
    found, cleaned = {}, {}
    for path, notebook in read:
        problems = policy_problems(notebook)
        if problems:
            found[path] = problems
            if not check:
                cleaned[path] = dump_notebook(strip_outputs(notebook))
    for path, text in cleaned.items():
        write_text_atomically(path, text)
    return found
