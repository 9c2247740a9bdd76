"""The environment check behind ``python -m course_utils doctor`` and notebook 00.

Each check looks at what the student actually has and returns a :class:`Check`:
a status, what was found, and, when something is wrong, what to do about it.
Required checks that fail make ``doctor`` exit with status 1; the others are
advice (for example "real photos are not downloaded yet").
"""

from __future__ import annotations

import html
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from course_utils import paths

OK, WARN, FAIL = "ok", "warn", "fail"

SUPPORTED_PYTHON = ((3, 10), (3, 13))
MIN_TENSORFLOW = (2, 16)
MIN_FREE_GB = 1.0
COMFORTABLE_FREE_GB = 2.0
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"


@dataclass(frozen=True)
class Check:
    """The result of one environment check.

    Attributes
    ----------
    name : str
        What was checked, e.g. ``"TensorFlow"``.
    status : str
        ``"ok"``, ``"warn"`` (works, but could be better) or ``"fail"``.
    detail : str
        What was found.
    fix : str
        What to do when the status is not ``"ok"``.
    required : bool
        Whether the course cannot run without it.
    """

    name: str
    status: str
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def blocking(self) -> bool:
        """True when this check stops the course from running."""
        return self.required and self.status == FAIL


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    return tuple(numbers)


def check_python(version: Sequence[int] | None = None) -> Check:
    """Check that the Python version is one the course supports (3.10 to 3.13)."""
    version = tuple(version or sys.version_info[:3])
    shown = ".".join(str(v) for v in version)
    low, high = SUPPORTED_PYTHON
    if low <= tuple(version[:2]) <= high:
        return Check("Python", OK, f"Python {shown}")
    return Check(
        "Python",
        FAIL,
        f"Python {shown} is not supported",
        "Install Python 3.11 (3.10 to 3.13 work) and rerun `make lab`, or create the "
        "conda environment from environment.yml.",
    )


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_tensorflow() -> Check:
    """Check that TensorFlow 2.16 or newer imports."""
    fix = 'Install the course: `make lab`, or `pip install -e ".[dev]"` in your environment.'
    try:
        from course_utils import lesson

        lesson.start()  # imports TensorFlow without its start-up lines
        import tensorflow as tf
    except ImportError as error:
        return Check("TensorFlow", FAIL, f"cannot import tensorflow ({error})", fix)
    if _version_tuple(tf.__version__)[:2] < MIN_TENSORFLOW:
        return Check("TensorFlow", FAIL, f"TensorFlow {tf.__version__} is too old", fix)
    return Check("TensorFlow", OK, f"TensorFlow {tf.__version__}")


def check_keras(backend: str | None = None) -> Check:
    """Check for Keras 3 running on the TensorFlow backend."""
    try:
        import keras
    except ImportError as error:
        return Check("Keras", FAIL, f"cannot import keras ({error})", "Run `make lab`.")
    backend = backend or keras.config.backend()
    if not keras.__version__.startswith("3."):
        return Check(
            "Keras",
            FAIL,
            f"Keras {keras.__version__}; the course needs Keras 3",
            'Run `pip install -e ".[dev]"` to get Keras 3.',
        )
    if backend != "tensorflow":
        return Check(
            "Keras",
            FAIL,
            f"Keras {keras.__version__} with the {backend!r} backend",
            "Use the TensorFlow backend: `export KERAS_BACKEND=tensorflow` (or set "
            '"backend": "tensorflow" in ~/.keras/keras.json) and restart the kernel.',
        )
    return Check("Keras", OK, f"Keras {keras.__version__}, backend {backend}")


def _labextension_dirs() -> list[Path]:
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("labextensions")]


def check_widgets(labextension_dirs: Iterable[Path] | None = None) -> Check:
    """Check that ipywidgets 8 and its JupyterLab front end are installed.

    Parameters
    ----------
    labextension_dirs : iterable of Path, optional
        Where JupyterLab looks for prebuilt extensions. Default: Jupyter's own list.
    """
    fix = (
        'Run `pip install -e ".[dev]"` (it installs ipywidgets and jupyterlab_widgets in '
        "the same environment as JupyterLab), then restart JupyterLab and reload the page."
    )
    version = _package_version("ipywidgets")
    if version is None:
        return Check("Widgets", FAIL, "ipywidgets is not installed", fix)
    if _version_tuple(version)[0] < 8:
        return Check("Widgets", FAIL, f"ipywidgets {version} is too old (need 8)", fix)
    dirs = list(labextension_dirs) if labextension_dirs is not None else _labextension_dirs()
    found = [d / WIDGET_EXTENSION for d in dirs if (d / WIDGET_EXTENSION / "package.json").exists()]
    if not found:
        return Check(
            "Widgets",
            FAIL,
            f"ipywidgets {version}, but JupyterLab's widget front end ({WIDGET_EXTENSION}) "
            "is missing, so sliders would show as text",
            fix,
        )
    return Check("Widgets", OK, f"ipywidgets {version} with the JupyterLab front end")


def check_hardware() -> Check:
    """Report CPU cores and GPUs (information only: the course runs on a CPU)."""
    cores = os.cpu_count() or 1
    try:
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
    except ImportError:
        gpus = 0
    gpu_text = f"{gpus} GPU(s)" if gpus else "no GPU (fine: every lesson is sized for a CPU)"
    return Check("Hardware", OK, f"{cores} CPU core(s), {gpu_text}", required=False)


def check_repository() -> Check:
    """Check that ``COURSE_ROOT``, when set, names the course repository."""
    try:
        root = paths.repo_root()
    except FileNotFoundError as error:
        return Check(
            "Course folder",
            FAIL,
            str(error).split(". ")[0],
            f"Unset {paths.ROOT_ENV} (`unset {paths.ROOT_ENV}`) or set it to your clone of "
            "the course, the folder that holds pyproject.toml and notebooks/.",
        )
    if root is None:
        return Check(
            "Course folder",
            OK,
            "not inside a clone of the course (fine: data goes to ~/.course-data)",
            required=False,
        )
    return Check("Course folder", OK, str(root))


_AFTER_ROOT = "Fix the Course folder check first (see above)."


def _root_problem() -> str | None:
    """Why ``COURSE_ROOT`` is unusable, or ``None`` when it is fine (or not set)."""
    try:
        paths.repo_root()
    except FileNotFoundError as error:
        return str(error)
    return None


def _data_dir_or_failure(name: str) -> Path | Check:
    """The data folder (without creating it), or a failed check when it cannot be found."""
    try:
        return paths.data_dir(create=False)
    except FileNotFoundError as error:
        if _root_problem() is not None:
            return Check(name, FAIL, "unknown until the Course folder check passes", _AFTER_ROOT)
        return Check(name, FAIL, f"the data folder cannot be found ({error})", str(error))


def check_data_folder(folder: Path | None = None) -> Check:
    """Check that the data folder exists (or can be created) and is writable."""
    if folder is None:
        found = _data_dir_or_failure("Data folder")
        if isinstance(found, Check):
            return found
        folder = found
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Check(
            "Data folder",
            FAIL,
            f"cannot write to {folder} ({error})",
            f"Set {paths.DATA_ENV} to a folder you can write to, "
            "e.g. `export COURSE_DATA_DIR=~/course-data`.",
        )
    return Check("Data folder", OK, str(folder))


def check_disk(folder: Path | None = None) -> Check:
    """Check the free disk space where data and weights will land."""
    if folder is None:
        found = _data_dir_or_failure("Disk space")
        if isinstance(found, Check):
            return found
        folder = found
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free_gb = shutil.disk_usage(probe).free / 1e9
    detail = f"{free_gb:.1f} GB free at {probe}"
    fix = "Free some disk space: the pretrained weights and data need about 1 GB."
    if free_gb < MIN_FREE_GB:
        return Check("Disk space", FAIL, detail, fix)
    if free_gb < COMFORTABLE_FREE_GB:
        return Check("Disk space", WARN, detail, fix, required=False)
    return Check("Disk space", OK, detail)


def check_fruits() -> Check:
    """Report which fruits data the lessons will use (real photos or generated)."""
    from course_utils import datasets

    try:
        real = datasets.find_real_fruits()
    except (FileNotFoundError, ValueError) as error:
        if _root_problem() is not None:
            return Check(
                "Fruits data", FAIL, "unknown until the Course folder check passes", _AFTER_ROOT
            )
        return Check("Fruits data", FAIL, str(error), datasets.GET_REAL_DATA_HINT)
    if real is not None:
        return Check("Fruits data", OK, real.description, required=False)
    return Check(
        "Fruits data",
        WARN,
        "real Fruits-360 photos not found; the lessons will use the generated fruits",
        datasets.GET_REAL_DATA_HINT,
        required=False,
    )


def _size_text(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.0f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def check_pretrained_files() -> list[Check]:
    """Report, for each pretrained file the lessons use, whether the Keras cache has it intact.

    A file counts as there only when its MD5 hash is the one Keras publishes, so a
    cut-off download or a wrong file is reported as damaged, not as OK.
    """
    from course_utils import pretrained

    cache = paths.keras_cache_dir()
    checks = []
    for item in pretrained.COURSE_FILES:
        path = cache / item.filename
        status = pretrained.file_status(item)
        if status == "ok":
            checks.append(Check(item.label, OK, f"{path} ({_size_text(path)})", required=False))
        elif status == "damaged":
            try:
                found = f"{path} ({_size_text(path)})"
            except OSError:
                found = str(path)
            checks.append(
                Check(
                    item.label,
                    WARN,
                    f"damaged: {found} is not the file Keras publishes (its MD5 hash differs); "
                    f"until it is replaced, {item.consequence}",
                    "Replace it: `python -m course_utils fetch-weights` downloads a fresh copy "
                    "over it (or install an instructor bundle: "
                    "`python -m course_utils bundle install FILE`).",
                    required=False,
                )
            )
        else:
            checks.append(
                Check(
                    item.label,
                    WARN,
                    f"not in the Keras cache ({cache}); {item.consequence}",
                    pretrained.GET_WEIGHTS_HINT,
                    required=False,
                )
            )
    return checks


def run_checks(include_heavy: bool = True) -> list[Check]:
    """Run every check and return the results in display order.

    Parameters
    ----------
    include_heavy : bool
        Include the checks that import TensorFlow (a few seconds).
    """
    steps: list[Callable[[], Check | list[Check]]] = [check_python]
    if include_heavy:
        steps += [check_tensorflow, check_keras, check_hardware]
    steps += [
        check_widgets,
        check_repository,
        check_data_folder,
        check_disk,
        check_fruits,
        check_pretrained_files,
    ]
    results: list[Check] = []
    for step in steps:
        try:
            outcome = step()
        except Exception as error:  # the diagnostic tool must report, never crash
            outcome = _crashed(step, error)
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results


def _crashed(step: Callable, error: Exception) -> Check:
    """A failed check for a check that raised (a bug or a case nobody foresaw)."""
    name = step.__name__.removeprefix("check_").replace("_", " ").capitalize()
    return Check(
        name,
        FAIL,
        f"the check itself failed: {type(error).__name__}: {error}",
        "Read the message: it usually names the setting or file to fix. If it does not, "
        "report it to your instructor with this line.",
    )


_SYMBOLS = {OK: "OK  ", WARN: "WARN", FAIL: "FAIL"}


def format_checks(checks: Sequence[Check]) -> str:
    """Format checks as plain text, one line each, with the fix under any problem."""
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"[{_SYMBOLS[check.status]}] {check.name:<{width}}  {check.detail}")
        if check.status != OK and check.fix:
            lines.append(f"       {'':<{width}}  -> {check.fix}")
    blocking = [c.name for c in checks if c.blocking]
    if blocking:
        lines.append(f"\nThe course cannot run yet: fix {', '.join(blocking)} (see above).")
    else:
        lines.append("\nEverything required is in place.")
    return "\n".join(lines)


_COLOURS = {OK: "#d8f5d0", WARN: "#fff2c2", FAIL: "#ffd4d4"}


def checks_to_html(checks: Sequence[Check]) -> str:
    """Render checks as an HTML table: green for ok, yellow for advice, red for problems."""
    rows = []
    for check in checks:
        cells = [
            check.name,
            check.status.upper(),
            check.detail,
            check.fix if check.status != OK else "",
        ]
        cells_html = "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in cells)
        rows.append(f"<tr style='background:{_COLOURS[check.status]}'>{cells_html}</tr>")
    header = "".join(
        f"<th style='text-align:left'>{h}</th>" for h in ("check", "status", "found", "what to do")
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def doctor(stream=None) -> int:
    """Run every check, print the report and return the exit status (1 if blocked)."""
    checks = run_checks()
    print(format_checks(checks), file=stream or sys.stdout)
    return 1 if any(c.blocking for c in checks) else 0
