"""Instructor tools for the notebooks: run them all headlessly, time them, keep them clean.

``python -m course_utils run-notebooks [--quick]`` executes every notebook of
``notebooks/`` in a fresh kernel (one after the other, as a student would run them),
writes the executed copies and HTML pages to ``build/``, and prints a table of
seconds and peak memory per notebook (also saved as ``build/timings-<mode>.md``;
``--update-readme`` puts it in README.md).

The output policy of the repository: notebooks are committed **without outputs or
execution counts**; the executed copies are built by the command above. Use
:func:`policy_problems` to check a notebook and :func:`strip_outputs` to clean one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from course_utils import paths

README_START = "<!-- timings:start -->"
README_END = "<!-- timings:end -->"


def notebooks_dir() -> Path:
    """Return the ``notebooks/`` folder of the repository."""
    root = paths.repo_root()
    if root is None:
        raise FileNotFoundError("Run this from the course repository (no notebooks/ folder found).")
    return root / "notebooks"


def lesson_notebooks() -> list[Path]:
    """Return every notebook of the course in order."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


# --------------------------------------------------------------------------- output policy


def policy_problems(notebook: dict) -> list[str]:
    """List how a notebook (as parsed JSON) breaks the output policy (empty list: clean)."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} has stored outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {index} has an execution count")
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


def _execute(notebook: Path, output: Path, html: bool, timeout: int) -> None:
    """Run one notebook in a new kernel (called in a subprocess); write results and a JSON line."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    start, error = time.perf_counter(), ""
    try:
        client.execute()
    except CellExecutionError as failure:
        error = str(failure).strip().splitlines()[-1][:300]
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
    """Run ``notebook`` in a fresh process and kernel; return its time and peak memory."""
    env = dict(os.environ, COURSE_QUICK="1" if quick else "0", TF_CPP_MIN_LOG_LEVEL="2")
    command = [
        sys.executable,
        "-m",
        "course_utils.notebooks",
        "_execute",
        str(notebook),
        str(output),
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
    return RunResult(notebook.name, time.perf_counter() - start, None, False, " | ".join(tail))


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


def timings_table(results: list[RunResult], quick: bool) -> str:
    """Format results as a Markdown table with the date and the machine."""
    mode = "quick mode (COURSE_QUICK=1)" if quick else "full mode"
    lines = [
        f"Run on {date.today().isoformat()}, {mode}, on {machine_description()}.",
        "",
        "| notebook | seconds | peak memory (MB) | result |",
        "|---|---:|---:|---|",
    ]
    for result in results:
        memory = f"{result.peak_mb:.0f}" if result.peak_mb is not None else "n/a"
        status = "ok" if result.ok else f"FAILED: {result.error}"
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


def run_all_command(args: argparse.Namespace) -> int:
    """Implement ``python -m course_utils run-notebooks``."""
    selected = [Path(p).resolve() for p in args.notebooks] or lesson_notebooks()
    output = Path(args.output).resolve() / ("quick" if args.quick else "full")
    results = []
    for notebook in selected:
        print(f"running {notebook.name} ...", flush=True)
        result = run_notebook(
            notebook, output, args.quick, html=not args.no_html, timeout=args.timeout
        )
        print(
            f"  {'ok' if result.ok else 'FAILED'} in {result.seconds:.0f} s {result.error}",
            flush=True,
        )
        results.append(result)
    table = timings_table(results, args.quick)
    output.mkdir(parents=True, exist_ok=True)
    (output / "timings.md").write_text(table + "\n", encoding="utf-8")
    print(f"\n{table}\n\nExecuted notebooks and HTML are in {output}")
    if args.update_readme:
        update_readme(table, notebooks_dir().parent / "README.md")
        print("README.md updated.")
    return 0 if all(result.ok for result in results) else 1


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
