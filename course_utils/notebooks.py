"""Instructor tools for the notebooks: run them all, keep them clean, make the student edition.

``python -m course_utils run-notebooks [--quick]``
    Executes every notebook of ``notebooks/`` in a fresh kernel (one after the other, as a
    student would run them), in a temporary working folder so that nothing is written into
    ``notebooks/``. The executed copies and HTML pages go to ``build/<mode>/`` with a table of
    seconds and peak memory per notebook (``build/<mode>/timings.md``; ``--update-readme``
    puts it in README.md).
``python -m course_utils clean-notebooks [--check] [paths]``
    Applies the output policy: notebooks are committed **without outputs, execution counts
    or widget state**. ``--check`` only reports, with a non-zero exit status.
``python -m course_utils student-edition [--check]``
    Writes ``student-edition/``: the same notebooks with every exercise solution (a cell
    tagged ``solution``) replaced by an empty cell tagged ``exercise``, outputs stripped.

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

import argparse
import copy
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from course_utils import paths

README_START = "<!-- timings:start -->"
README_END = "<!-- timings:end -->"

STUDENT_FOLDER = "student-edition"
SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
EXERCISE_CODE = "# Your solution here\n"
EXERCISE_MARKDOWN = "*Your answer here.*"
# The exercise text says where the solution is; in the student edition it is the student's.
_SOLUTION_HINT = re.compile(
    r"\(?[*_]{0,2}solution[*_]{0,2}\s*:?[*_]{0,2}\s*click the collapsed cell below\.?\)?",
    re.IGNORECASE,
)
_STUDENT_HINT = "Write your solution in the empty cell below."


def repository() -> Path:
    """Return the course repository (the folder holding ``notebooks/``)."""
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
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def _read(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a valid notebook (JSON error: {error}).") from None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


# --------------------------------------------------------------------------- output policy


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


def _dump(notebook: dict) -> str:
    """Serialise like Jupyter does (nbformat's layout), with a final newline."""
    import nbformat

    text = nbformat.writes(nbformat.from_dict(notebook))
    return text if text.endswith("\n") else text + "\n"


def clean_notebooks(notebooks: list[Path], check: bool = False) -> dict[Path, list[str]]:
    """Apply the output policy to ``notebooks`` (or only report, when ``check``).

    Returns
    -------
    dict
        For each notebook that broke the policy, its problems. Notebooks that follow the
        policy are left untouched (not even rewritten).
    """
    found = {}
    for path in notebooks:
        notebook = _read(path)
        problems = policy_problems(notebook)
        if not problems:
            continue
        found[Path(path)] = problems
        if not check:
            Path(path).write_text(_dump(strip_outputs(notebook)), encoding="utf-8")
    return found


def clean_command(args: argparse.Namespace) -> int:
    """Implement ``python -m course_utils clean-notebooks``."""
    selected = [Path(p) for p in args.paths] or sorted(notebooks_dir().glob("*.ipynb"))
    missing = [str(p) for p in selected if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"No such notebook: {', '.join(missing)}")
    found = clean_notebooks(selected, check=args.check)
    for path, problems in found.items():
        shown = "; ".join(problems[:3]) + (
            f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        print(f"{path}: {shown}")
    if args.check:
        if found:
            print(
                f"\n{len(found)} notebook(s) break the output policy. "
                "Run `make clean-notebooks` (python -m course_utils clean-notebooks) to fix."
            )
            return 1
        print(f"All {len(selected)} notebook(s) follow the output policy.")
        return 0
    print(f"Cleaned {len(found)} of {len(selected)} notebook(s).")
    return 0


# --------------------------------------------------------------------------- student edition


def _cell_id(notebook_name: str, index: int, cell: dict, taken: set[str]) -> str:
    """The cell's own id when it has a valid one, else one derived from the source notebook."""
    cell_id = cell.get("id")
    if not (isinstance(cell_id, str) and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cell_id)):
        seed = f"{notebook_name}:{index}:{_source(cell)}".encode()
        cell_id = hashlib.sha256(seed).hexdigest()[:8]
    while cell_id in taken:  # duplicates are invalid: derive a new one, deterministically
        cell_id = hashlib.sha256(f"{cell_id}:{index}".encode()).hexdigest()[:8]
    taken.add(cell_id)
    return cell_id


def is_solution(cell: dict) -> bool:
    """True for an exercise solution: a cell tagged ``solution``."""
    return SOLUTION_TAG in _tags(cell)


def student_notebook(notebook: dict, name: str) -> dict:
    """Return the student version of ``notebook`` (the input is not changed).

    Each cell tagged ``solution`` becomes an empty cell of the same type tagged
    ``exercise`` (``# Your solution here`` for code); the exercise text's "Solution: click
    the collapsed cell below" becomes an invitation to write one. Outputs, execution counts
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
            cell["source"] = _SOLUTION_HINT.sub(_STUDENT_HINT, _source(cell))
        cell["id"] = cell_id
        cells.append(cell)
    student["cells"] = cells
    return student


STUDENT_README = """\
# Student edition

The lessons of `notebooks/` with the exercise solutions taken out: each solution is
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


def student_edition(notebooks: list[Path] | None = None) -> dict[str, str]:
    """Return the student edition in memory: file name -> file text (notebooks and README)."""
    notebooks = lesson_notebooks() if notebooks is None else notebooks
    files = {}
    for path in notebooks:
        files[path.name] = _dump(student_notebook(_read(path), path.name))
    listing = "\n".join(f"- [{name}]({name})" for name in sorted(files))
    files["README.md"] = STUDENT_README.format(listing=listing or "(none yet)")
    return files


def student_dir() -> Path:
    """Return the ``student-edition/`` folder of the repository."""
    return repository() / STUDENT_FOLDER


def _same(text: str, committed: Path) -> bool:
    """Compare file contents; notebooks as JSON, so line endings and layout do not matter."""
    on_disk = committed.read_text(encoding="utf-8")
    if committed.suffix == ".ipynb":
        try:
            return json.loads(on_disk) == json.loads(text)
        except json.JSONDecodeError:
            return False
    return on_disk.replace("\r\n", "\n") == text


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


def write_student_edition(files: dict[str, str], folder: Path) -> list[str]:
    """Write ``files`` into ``folder``, remove notebooks of deleted lessons; list the changes."""
    changes = student_edition_differences(files, folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        if not (path.is_file() and _same(text, path)):
            path.write_text(text, encoding="utf-8")
    for path in folder.glob("*.ipynb"):
        if path.name not in files:
            path.unlink()
    return changes


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def student_command(args: argparse.Namespace) -> int:
    """Implement ``python -m course_utils student-edition``."""
    files = student_edition()
    folder = Path(args.output) if args.output else student_dir()
    solutions = sum(
        is_solution(cell) for path in lesson_notebooks() for cell in _read(path)["cells"]
    )
    if args.check:
        differences = student_edition_differences(files, folder)
        for line in differences:
            print(f"{folder.name}/{line}")
        if differences:
            print("The student edition is out of date: run `make student` and commit it.")
            return 1
        print(f"{folder} is up to date ({_count(len(files) - 1, 'notebook')}).")
        return 0
    changes = write_student_edition(files, folder)
    for line in changes:
        print(f"  {line}")
    print(
        f"Student edition in {folder}: {_count(len(files) - 1, 'notebook')}, "
        f"{_count(solutions, 'solution')} replaced by exercise cells "
        f"({_count(len(changes), 'file')} changed)."
    )
    return 0


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class RunResult:
    """How one notebook run went."""

    notebook: str
    seconds: float
    peak_mb: float | None
    ok: bool
    error: str = ""


def _peak_children_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1024


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _one_line(text: str, limit: int = 300) -> str:
    """Plain text on one line (no colour codes), short enough for a table cell."""
    return " ".join(_ANSI.sub("", str(text)).split())[:limit]


def _failed_cell(nb) -> str:
    for number, cell in enumerate(nb.cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return f"cell {number} of {len(nb.cells)}: "
    return ""


def _execute(notebook: Path, output: Path, html: bool, timeout: int) -> None:
    """Run one notebook in a new kernel (called in a subprocess); write results and a JSON line.

    The kernel works in a temporary folder: whatever a notebook writes to its current
    folder is thrown away, and ``notebooks/`` is never written to.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(notebook, as_version=4)
    start, error = time.perf_counter(), ""
    with tempfile.TemporaryDirectory(prefix="course-run-", ignore_cleanup_errors=True) as workdir:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": workdir}}
        )
        try:
            client.execute()
        except CellExecutionError as failure:
            error = _failed_cell(nb) + _one_line(f"{failure.ename}: {failure.evalue}")
        except CellTimeoutError:
            error = f"a cell ran longer than {timeout} s (--timeout)"
        except DeadKernelError as failure:
            error = f"the kernel died (out of memory?): {_one_line(failure)}"
    seconds = time.perf_counter() - start
    output.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output / notebook.name)
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        (output / notebook.with_suffix(".html").name).write_text(body, encoding="utf-8")
    result = RunResult(notebook.name, seconds, _peak_children_mb(), not error, error)
    print("RESULT " + json.dumps(result.__dict__))


def run_notebook(
    notebook: Path, output: Path, quick: bool, html: bool = True, timeout: int = 1200
) -> RunResult:
    """Run ``notebook`` in a fresh process and kernel; return its time and peak memory.

    The executed copy (and an HTML page) are written to ``output``; a failing cell is
    reported in ``RunResult.error`` (cell number, exception and message) and the executed
    copy shows its traceback.
    """
    env = dict(os.environ, COURSE_QUICK="1" if quick else "0", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("MPLBACKEND", None)  # a non-inline backend would leave the figures out
    command = [
        sys.executable,
        "-m",
        "course_utils.notebooks",
        "_execute",
        str(Path(notebook).resolve()),
        str(Path(output).resolve()),
    ]
    if html:
        command.append("--html")
    command += ["--timeout", str(timeout)]
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return RunResult(**json.loads(line[len("RESULT ") :]))
    tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
    return RunResult(
        Path(notebook).name,
        time.perf_counter() - start,
        None,
        False,
        "the runner crashed: " + _one_line(" | ".join(tail)),
    )


def machine_description() -> str:
    """One line describing this machine: CPU, cores, memory, Python and TensorFlow."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory = f", {memory_gb:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        memory = ""
    try:
        from importlib.metadata import version

        tensorflow = f", TensorFlow {version('tensorflow')}"
    except Exception:  # noqa: BLE001 - any metadata problem just shortens the line
        tensorflow = ""
    return (
        f"{cpu}, {os.cpu_count()} CPU cores{memory}, Python {platform.python_version()}{tensorflow}"
    )


def data_description() -> str:
    """Which fruits the notebooks will use: real photos or the generated ones."""
    from course_utils import datasets

    try:
        source = datasets.find_real_fruits()
    except (FileNotFoundError, ValueError) as error:
        return f"unusable {paths.FRUITS_ENV} ({_one_line(error, 80)})"
    if source is None:
        return "generated fruits"
    return "the verified real Fruits-360 subset" if source.kind == "real" else "real photos"


def _load() -> str:
    try:
        return f"; load average {os.getloadavg()[0]:.1f} at the start"
    except (OSError, AttributeError):
        return ""


def timings_table(
    results: list[RunResult], quick: bool, data: str | None = None, load: str = ""
) -> str:
    """Format results as a Markdown table with the date, the mode, the data and the machine."""
    mode = "quick mode (COURSE_QUICK=1)" if quick else "full mode"
    data = data if data is not None else data_description()
    lines = [
        f"Run on {date.today().isoformat()}, {mode}, with {data}, on {machine_description()}"
        f"{load}.",
        "",
        "| notebook | seconds | peak memory (MB) | result |",
        "|---|---:|---:|---|",
    ]
    for result in results:
        memory = f"{result.peak_mb:.0f}" if result.peak_mb is not None else "n/a"
        error = result.error.replace("|", "\\|")
        status = "ok" if result.ok else f"FAILED: {error}"
        lines.append(f"| {result.notebook} | {result.seconds:.0f} | {memory} | {status} |")
    total = sum(result.seconds for result in results)
    lines.append(f"| **total** | **{total:.0f}** | | |")
    return "\n".join(lines)


def update_readme(table: str, readme: Path) -> None:
    """Replace the text between the timing markers of README.md with ``table``."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise ValueError(f"{readme} lacks the markers {README_START} and {README_END}.")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{table}\n{README_END}{tail}", encoding="utf-8")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def run_all_command(args: argparse.Namespace) -> int:
    """Implement ``python -m course_utils run-notebooks``."""
    selected = [Path(p).resolve() for p in args.notebooks] or lesson_notebooks()
    missing = [str(p) for p in selected if not p.is_file()]
    if missing or not selected:
        print(f"error: no such notebook: {', '.join(missing) or 'none in notebooks/'}")
        return 2
    if args.update_readme and (args.quick or args.notebooks):
        print(
            "error: --update-readme records a full-mode run of every notebook; "
            "run it without --quick and without a list of notebooks."
        )
        return 2
    base = Path(args.output) if args.output else repository() / "build"
    output = base.resolve() / ("quick" if args.quick else "full")
    if _inside(output, notebooks_dir()):
        print("error: --output must not be inside notebooks/ (the lessons stay clean there)")
        return 2
    load, results = _load(), []
    for number, notebook in enumerate(selected, start=1):
        print(f"[{number}/{len(selected)}] running {notebook.name} ...", flush=True)
        result = run_notebook(
            notebook, output, args.quick, html=not args.no_html, timeout=args.timeout
        )
        verdict = "ok" if result.ok else f"FAILED: {result.error}"
        print(f"  {verdict} ({result.seconds:.0f} s)", flush=True)
        results.append(result)
    table = timings_table(results, args.quick, load=load)
    output.mkdir(parents=True, exist_ok=True)
    (output / "timings.md").write_text(table + "\n", encoding="utf-8")
    print(f"\n{table}\n\nExecuted notebooks and HTML are in {output}")
    failed = [result.notebook for result in results if not result.ok]
    if failed:
        print(
            f"\n{len(failed)} notebook(s) FAILED: {', '.join(failed)}. "
            f"Their executed copies in {output} show the traceback."
        )
    if args.update_readme:
        if failed:
            print("README.md NOT updated: fix the failures first.")
        else:
            update_readme(table, repository() / "README.md")
            print("README.md updated.")
    return 1 if failed else 0


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="internal: execute one notebook")
    parser.add_argument("action", choices=["_execute"])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--html", action="store_true")
    parser.add_argument("--timeout", type=int, default=1200)
    args = parser.parse_args(argv)
    _execute(args.notebook, args.output, args.html, args.timeout)


if __name__ == "__main__":
    _main()
