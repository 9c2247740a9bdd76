"""Where things are: the repository, the data folder and its parts, the Keras cache, quick mode.

This is the only module that decides locations. Every other module, every notebook
and every test asks it, so that no machine path is written anywhere else.

Environment variables (all optional)
-------------------------------------
``COURSE_ROOT``
    The course repository (the folder with ``notebooks/`` and ``pyproject.toml``).
    Found automatically when the package is installed from a clone.
``COURSE_DATA_DIR``
    Where downloads, generated data and saved lesson models go. Default:
    ``<repository>/data``.
``COURSE_FRUITS_DIR``
    A Fruits-360 folder you already have (any version) holding ``Training/`` and
    ``Test/``. When set, the lessons use it instead of downloading or generating.
``COURSE_QUICK``
    Quick mode (small data, few epochs), as CI runs the notebooks: ``1``, ``true``,
    ``yes`` or ``on`` switch it on; ``0``, ``false``, ``no``, ``off`` or empty leave it
    off (any case). Anything else is an error, not silently full mode.
``COURSE_OWN_PHOTOS``
    Your own photos for lesson 09: a folder with one sub-folder of photos per class.
    Without it lesson 09 uses an example folder (:func:`own_photos_dir`).
``KERAS_HOME``
    Keras's own setting: its cache of pretrained weights is ``$KERAS_HOME/models``
    (default ``~/.keras/models``).

Relative paths
--------------
A relative ``COURSE_ROOT``, ``COURSE_DATA_DIR``, ``COURSE_FRUITS_DIR``,
``COURSE_OWN_PHOTOS`` or ``KERAS_HOME``
means relative to the folder where you set it: the shell's current folder. A Jupyter
kernel runs in the notebook's folder (or the instructor runner's temporary folder) but
inherits the shell's ``PWD``, so relative values are resolved against ``$PWD`` when it
names an existing folder, and against the current folder otherwise. The instructor
runner makes every value absolute (:func:`absolute_environment`) before it starts kernels.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT_ENV = "COURSE_ROOT"
DATA_ENV = "COURSE_DATA_DIR"
FRUITS_ENV = "COURSE_FRUITS_DIR"
QUICK_ENV = "COURSE_QUICK"
KERAS_ENV = "KERAS_HOME"
OWN_PHOTOS_ENV = "COURSE_OWN_PHOTOS"

PATH_VARIABLES = (ROOT_ENV, DATA_ENV, FRUITS_ENV, OWN_PHOTOS_ENV, KERAS_ENV)
"""The environment variables that hold folders (made absolute for kernels)."""

SPLITS = ("Training", "Test")
"""The two split folders of a Fruits-360 style dataset, in this order."""

REAL_FRUITS_FOLDER = "fruits-360"
GENERATED_FRUITS_FOLDER = "generated-fruits"
DOWNLOADS_FOLDER = "downloads"
MODELS_FOLDER = "models"

_ROOT_MARKERS = ("pyproject.toml", "notebooks")
_QUICK_ON = ("1", "true", "yes", "on")
_QUICK_OFF = ("0", "false", "no", "off", "")


# --------------------------------------------------------------------------- relative values


def user_directory() -> Path:
    """Return the folder that relative path settings are relative to.

    That is ``$PWD`` (the shell's folder, which a Jupyter kernel inherits although it runs
    elsewhere) when it is an absolute path to an existing folder, else the current folder.

    Examples
    --------
    >>> user_directory().is_absolute()
    True
    """
    shell = Path(os.environ.get("PWD") or ".")
    return shell if shell.is_absolute() and shell.is_dir() else Path.cwd()


def resolve_setting(value: str | os.PathLike) -> Path:
    """Return the absolute path a path setting means (``~`` expanded, relative to the user).

    Examples
    --------
    >>> resolve_setting("/tmp/x") == Path("/tmp/x").resolve()
    True
    """
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = user_directory() / path
    return path.resolve()


def absolute_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a copy of ``env`` (default ``os.environ``) with every path setting absolute.

    Call it before starting a process that runs in another folder (a notebook kernel in a
    temporary folder): a relative ``COURSE_DATA_DIR=course-data`` would otherwise point
    into that folder. Empty values are left as they are (they mean "not set").

    Examples
    --------
    >>> env = absolute_environment({"COURSE_DATA_DIR": "/data/../data", "OTHER": "x"})
    >>> env["COURSE_DATA_DIR"], env["OTHER"]
    ('/data', 'x')
    """
    result = dict(os.environ if env is None else env)
    for name in PATH_VARIABLES:
        value = result.get(name)
        if value:
            result[name] = str(resolve_setting(value))
    return result


# --------------------------------------------------------------------------- the repository


def _looks_like_root(path: Path) -> bool:
    return all((path / marker).exists() for marker in _ROOT_MARKERS)


def repo_root() -> Path | None:
    """Return the course repository, or ``None`` when the package runs outside one.

    Looks at ``COURSE_ROOT``, then at the folder above this package (an editable
    install from a clone), then at the current folder and its parents (a notebook
    started inside the clone).

    Raises
    ------
    FileNotFoundError
        When ``COURSE_ROOT`` is set to a folder that is not the repository.

    Examples
    --------
    >>> root = repo_root()
    >>> root is None or (root / "notebooks").is_dir()
    True
    """
    override = os.environ.get(ROOT_ENV)
    if override:
        path = resolve_setting(override)
        if not _looks_like_root(path):
            raise FileNotFoundError(
                f"{ROOT_ENV}={override} does not look like the course repository "
                "(it needs pyproject.toml and notebooks/). Unset it or point it at your clone."
            )
        return path
    here = Path.cwd().resolve()
    for candidate in (Path(__file__).resolve().parents[1], here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    return None


def build_dir() -> Path:
    """Return where the instructor tools write executed notebooks (``<repository>/build``).

    Raises
    ------
    FileNotFoundError
        Outside a clone of the course repository.
    """
    root = repo_root()
    if root is None:
        raise FileNotFoundError(
            f"Not inside the course repository: run this from your clone or set {ROOT_ENV}."
        )
    return root / "build"


@contextlib.contextmanager
def notebook_workdir() -> Iterator[Path]:
    """Give a fresh, empty working folder for one notebook kernel; remove it afterwards.

    Whatever a notebook writes to its current folder lands here and is thrown away, so
    ``notebooks/`` is never written to. Path settings must be made absolute first
    (:func:`absolute_environment`), since the kernel's current folder is this one.
    """
    with tempfile.TemporaryDirectory(prefix="course-run-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


# --------------------------------------------------------------------------- data


def _make(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileNotFoundError(
            f"Cannot create the folder {path} ({error}). Set {DATA_ENV} to a folder you can "
            "write to, for example: export COURSE_DATA_DIR=~/course-data"
        ) from error
    return path


def data_dir(*, create: bool = True) -> Path:
    """Return the folder where downloads, generated data and saved models land.

    ``COURSE_DATA_DIR`` wins; otherwise ``data/`` in the repository; outside a
    repository, ``~/.course-data``.

    Parameters
    ----------
    create : bool
        Create the folder when it does not exist yet.

    Raises
    ------
    FileNotFoundError
        When ``create`` is true and the folder cannot be created, with what to do.
    """
    override = os.environ.get(DATA_ENV)
    if override:
        path = resolve_setting(override)
    else:
        root = repo_root()
        path = (root / "data" if root is not None else Path.home() / ".course-data").resolve()
    return _make(path) if create else path


def downloads_dir(*, create: bool = False) -> Path:
    """Return ``<data>/downloads``, where archives wait while they are fetched and checked."""
    path = data_dir(create=create) / DOWNLOADS_FOLDER
    return _make(path) if create else path


def real_fruits_dir() -> Path:
    """Return ``<data>/fruits-360``, where the verified real photos are installed."""
    return data_dir(create=False) / REAL_FRUITS_FOLDER


def generated_fruits_dir() -> Path:
    """Return ``<data>/generated-fruits``, the generated (offline) fruits dataset."""
    return data_dir(create=False) / GENERATED_FRUITS_FOLDER


def models_dir(*, create: bool = True) -> Path:
    """Return ``<data>/models``, where lessons save the models they train (for later lessons).

    Parameters
    ----------
    create : bool
        Create the folder (and the data folder) when missing.
    """
    path = data_dir(create=create) / MODELS_FOLDER
    return _make(path) if create else path


def fruits_override() -> Path | None:
    """Return the Fruits-360 folder named by ``COURSE_FRUITS_DIR``, if set.

    Raises
    ------
    FileNotFoundError
        When the variable is set but the folder does not exist.
    """
    value = os.environ.get(FRUITS_ENV)
    if not value:
        return None
    path = resolve_setting(value)
    if not path.is_dir():
        shown = value if str(path) == value else f"{value} ({path})"
        what = "a file, not a folder" if path.exists() else "not a folder"
        raise FileNotFoundError(
            f"{FRUITS_ENV}={shown} is {what}. Point it at the Fruits-360 folder "
            "that holds Training/ and Test/, or unset it to use the course's own data."
        )
    return path


def own_photos_dir(setting: str | os.PathLike | None = None) -> Path | None:
    """Return the folder of the learner's own photos (lesson 09), or ``None`` when unset.

    ``setting`` (the lesson's ``OWN_PHOTOS`` line) wins when it is not empty; otherwise
    ``COURSE_OWN_PHOTOS``. A relative value is relative to the user's folder, like the
    other settings (:func:`resolve_setting`).

    Raises
    ------
    FileNotFoundError
        When the value names something that is not a folder.

    Examples
    --------
    >>> own_photos_dir("/") == Path("/")
    True
    """
    given = str(setting).strip() if setting is not None else ""
    value = given or os.environ.get(OWN_PHOTOS_ENV, "").strip()
    if not value:
        return None
    path = resolve_setting(value)
    if not path.is_dir():
        source = "OWN_PHOTOS" if given else OWN_PHOTOS_ENV
        what = "a file, not a folder" if path.exists() else "not a folder"
        raise FileNotFoundError(
            f"{source}={value} ({path}) is {what}. Make a folder with one sub-folder of photos "
            f"per class (e.g. my-photos/mug/*.jpg, my-photos/plant/*.jpg), or leave {source} "
            "empty to use the example folder."
        )
    return path


# --------------------------------------------------------------------------- Keras


def keras_home() -> Path:
    """Return Keras's home folder (``$KERAS_HOME`` or ``~/.keras``)."""
    value = os.environ.get(KERAS_ENV)
    return resolve_setting(value) if value else Path.home() / ".keras"


def keras_cache_dir() -> Path:
    """Return the folder where ``keras.applications`` looks for pretrained weights."""
    return keras_home() / "models"


# --------------------------------------------------------------------------- quick mode


def quick_mode(value: str | None = None) -> bool:
    """Return ``True`` when ``COURSE_QUICK`` switches quick mode on (small data, few epochs).

    Accepted (any case, spaces ignored): ``1``, ``true``, ``yes``, ``on`` for quick mode;
    ``0``, ``false``, ``no``, ``off`` or empty (or unset) for the full lessons. The
    notebooks call it in one visible line of their setup cell: ``QUICK = paths.quick_mode()``.

    Parameters
    ----------
    value : str, optional
        A value to read instead of the environment variable.

    Raises
    ------
    ValueError
        For any other value, naming it and the accepted spellings.

    Examples
    --------
    >>> quick_mode("Yes"), quick_mode("off"), quick_mode("")
    (True, False, False)
    >>> quick_mode("fast")
    Traceback (most recent call last):
    ...
    ValueError: COURSE_QUICK='fast' is not understood. Use 1, true, yes or on for quick mode, \
or 0, false, no or off (or leave it empty) for the full lessons.
    """
    raw = os.environ.get(QUICK_ENV, "") if value is None else value
    spelled = raw.strip().lower()
    if spelled in _QUICK_ON:
        return True
    if spelled in _QUICK_OFF:
        return False
    raise ValueError(
        f"{QUICK_ENV}={raw!r} is not understood. Use 1, true, yes or on for quick mode, "
        "or 0, false, no or off (or leave it empty) for the full lessons."
    )
