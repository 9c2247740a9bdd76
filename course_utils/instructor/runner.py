"""Run the notebooks headlessly, time them, and write the timing table.

``python -m course_utils run-notebooks [--quick]`` calls :func:`run_notebooks`: every
notebook of ``notebooks/`` runs in a fresh process and kernel (one after the other, as a
student would run them), in a temporary working folder so that nothing is written into
``notebooks/``. The executed copies and HTML pages go to ``build/<mode>/`` with a table of
seconds and peak memory per notebook (``build/<mode>/timings.md``; ``update_readme`` puts
it in README.md). A ``progress`` callback hears which cell of which notebook is running.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from course_utils import paths
from course_utils.instructor.lessons import (
    is_inside,
    lesson_notebooks,
    notebooks_dir,
    repository,
    write_text_atomically,
)

README_START = "<!-- timings:start -->"
README_END = "<!-- timings:end -->"
# Also a location, outside paths.PATH_VARIABLES: the hash listing the verification tests use.
_MORE_LOCATIONS = ("COURSE_FRUITS_SHA256",)
_PROGRESS, _RESULT = "PROGRESS ", "RESULT "

Progress = Callable[[str, int, int, str], None]
"""``progress(notebook_name, cell_number, cell_count, first_words_of_the_cell)``."""


@dataclass(frozen=True)
class RunResult:
    """How one notebook run went."""

    notebook: str
    seconds: float
    peak_mb: float | None
    ok: bool
    error: str = ""


@dataclass(frozen=True)
class RunReport:
    """What :func:`run_notebooks` did."""

    results: list[RunResult]
    table: str
    output: Path
    readme_updated: bool

    @property
    def failed(self) -> list[str]:
        """The notebooks that failed."""
        return [result.notebook for result in self.results if not result.ok]


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


def first_words(source: str, limit: int = 50) -> str:
    """The first line of a cell that is not blank or a comment, shortened, for progress lines.

    Examples
    --------
    >>> first_words("# Train the model\\n\\nhistory = model.fit(train, epochs=EPOCHS, verbose=0)")
    'history = model.fit(train, epochs=EPOCHS, verbo...'
    """
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("#")] or lines or [""]
    line = code[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _failed_cell(nb) -> str:
    for number, cell in enumerate(nb.cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return f"cell {number} of {len(nb.cells)}: "
    return ""


def execute_here(notebook: str, output: str, html: bool, timeout: int) -> None:
    """Run one notebook in a new kernel (in a child process of :func:`run_notebook`).

    Prints one ``PROGRESS`` JSON line per code cell and a final ``RESULT`` line on stdout.
    The kernel works in a temporary folder: whatever a notebook writes to its current
    folder is thrown away, and ``notebooks/`` is never written to.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook, output = Path(notebook), Path(output)
    nb = nbformat.read(notebook, as_version=4)
    count = len(nb.cells)

    def announce(cell, cell_index, **_):
        words = first_words(cell.get("source", ""))
        print(_PROGRESS + json.dumps([cell_index + 1, count, words]), flush=True)

    start, error = time.perf_counter(), ""
    with tempfile.TemporaryDirectory(prefix="course-run-", ignore_cleanup_errors=True) as workdir:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": workdir}},
            on_cell_execute=announce,
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
    print(_RESULT + json.dumps(result.__dict__), flush=True)


def kernel_environment(*, quick: bool) -> dict[str, str]:
    """The environment for a notebook's kernel: this one, with quick mode set.

    Relative locations (``COURSE_DATA_DIR=course-data``) are made absolute against the
    folder the command started in (:func:`course_utils.paths.absolute_environment`),
    because the kernel runs in a temporary folder. Exercise progress is not recorded
    (``COURSE_PROGRESS=off``) unless the caller set that variable.
    """
    env = paths.absolute_environment()
    for name in _MORE_LOCATIONS:
        if env.get(name):
            env[name] = str(paths.resolve_setting(env[name]))
    env.update(COURSE_QUICK="1" if quick else "0", TF_CPP_MIN_LOG_LEVEL="2")
    # The instructor's run answers every exercise with its solution: not the learner's progress.
    env.setdefault("COURSE_PROGRESS", "off")
    env.pop("MPLBACKEND", None)  # a non-inline backend would leave the figures out
    return env


_CHILD = (
    "import json, sys; from course_utils.instructor.runner import execute_here; "
    "execute_here(**json.loads(sys.argv[1]))"
)


def run_notebook(
    notebook: Path,
    output: Path,
    *,
    quick: bool,
    html: bool = True,
    timeout: int = 1200,
    progress: Progress | None = None,
) -> RunResult:
    """Run ``notebook`` in a fresh process and kernel; return its time and peak memory.

    The executed copy (and an HTML page) are written to ``output``; a failing cell is
    reported in ``RunResult.error`` (cell number, exception and message) and the executed
    copy shows its traceback. ``progress`` is called as each code cell starts.
    """
    notebook = Path(notebook)
    job = {
        "notebook": str(notebook.resolve()),
        "output": str(Path(output).resolve()),
        "html": html,
        "timeout": timeout,
    }
    env = kernel_environment(quick=quick)
    start, result, other = time.perf_counter(), None, []
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errors:
        with subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(job)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            errors="replace",
        ) as child:
            for line in child.stdout:
                if line.startswith(_PROGRESS) and progress is not None:
                    number, count, words = json.loads(line[len(_PROGRESS) :])
                    progress(notebook.name, number, count, words)
                elif line.startswith(_RESULT):
                    result = RunResult(**json.loads(line[len(_RESULT) :]))
                elif line.strip():
                    other.append(line)
        if result is not None:
            return result
        errors.seek(0)
        tail = (errors.read().strip() or "".join(other).strip()).splitlines()[-3:]
    return RunResult(
        notebook.name,
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
    except Exception:  # any metadata problem just shortens the line
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
    results: list[RunResult], *, quick: bool, data: str | None = None, load: str = ""
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
    write_text_atomically(readme, f"{head}{README_START}\n{table}\n{README_END}{tail}")


_update_readme = update_readme  # run_notebooks has an argument of the same name


def check_run(
    notebooks: list[Path] | None = None,
    *,
    quick: bool = False,
    output: Path | None = None,
    update_readme: bool = False,
) -> tuple[list[Path], Path]:
    """Check a run's arguments before anything runs; return the notebooks and output folder.

    Raises
    ------
    FileNotFoundError
        When a notebook does not exist.
    ValueError
        When ``update_readme`` is asked for a quick or partial run (the README records a
        full-mode run of every notebook), or when ``output`` lies inside ``notebooks/``.
    """
    selected = [Path(p).resolve() for p in notebooks or []] or lesson_notebooks()
    missing = [str(p) for p in selected if not p.is_file()]
    if missing or not selected:
        raise FileNotFoundError(f"No such notebook: {', '.join(missing) or 'none in notebooks/'}")
    if update_readme and (quick or notebooks):
        raise ValueError(
            "--update-readme records a full-mode run of every notebook; "
            "run it without --quick and without a list of notebooks."
        )
    base = Path(output) if output else repository() / "build"
    folder = base.resolve() / ("quick" if quick else "full")
    if is_inside(folder, notebooks_dir()):
        raise ValueError(
            f"--output {output} is inside notebooks/ (the lessons stay clean there): "
            "choose another folder, or leave it out for build/."
        )
    return selected, folder


def run_notebooks(
    notebooks: list[Path] | None = None,
    *,
    quick: bool = False,
    output: Path | None = None,
    html: bool = True,
    timeout: int = 1200,
    update_readme: bool = False,
    progress: Progress | None = None,
    started: Callable[[int, int, str], None] | None = None,
    finished: Callable[[RunResult], None] | None = None,
) -> RunReport:
    """Run ``notebooks`` (default: every lesson), write the timing table, maybe the README.

    Parameters
    ----------
    notebooks : list of Path, optional
        Default: every notebook of ``notebooks/``.
    quick : bool
        Run in quick mode (``COURSE_QUICK=1``); the results go to ``<output>/quick``.
    output : Path, optional
        Default ``build/``; executed copies go to ``<output>/full`` or ``<output>/quick``.
    html, timeout
        Export HTML pages; seconds allowed per cell.
    update_readme : bool
        Put the table into README.md when every notebook passed (full runs of all only).
    progress, started, finished : callable, optional
        Called as each code cell starts (see :data:`Progress`), as a notebook starts
        (``started(number, count, name)``), and with each notebook's result.

    Raises
    ------
    FileNotFoundError, ValueError
        See :func:`check_run` (nothing has run then).
    """
    selected, folder = check_run(notebooks, quick=quick, output=output, update_readme=update_readme)
    load, results = _load(), []
    for number, notebook in enumerate(selected, start=1):
        if started is not None:
            started(number, len(selected), notebook.name)
        result = run_notebook(
            notebook, folder, quick=quick, html=html, timeout=timeout, progress=progress
        )
        if finished is not None:
            finished(result)
        results.append(result)
    table = timings_table(results, quick=quick, load=load)
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomically(folder / "timings.md", table + "\n")
    readme_updated = False
    if update_readme and all(result.ok for result in results):
        _update_readme(table, repository() / "README.md")
        readme_updated = True
    return RunReport(results=results, table=table, output=folder, readme_updated=readme_updated)
