"""Where things are: the repository, the data folder, the Keras cache, quick mode.

This is the only module that decides locations. Every other module, every notebook
and every test asks it, so that no machine path is written anywhere else.

Environment variables (all optional)
-------------------------------------
``COURSE_ROOT``
    The course repository (the folder with ``notebooks/`` and ``pyproject.toml``).
    Found automatically when the package is installed from a clone.
``COURSE_DATA_DIR``
    Where downloads and generated data go. Default: ``<repository>/data``.
``COURSE_FRUITS_DIR``
    A Fruits-360 folder you already have (any version) holding ``Training/`` and
    ``Test/``. When set, the lessons use it instead of downloading or generating.
``COURSE_QUICK``
    ``1`` runs every notebook in quick mode (small data, few epochs), as CI does.
``KERAS_HOME``
    Keras's own setting: its cache of pretrained weights is ``$KERAS_HOME/models``
    (default ``~/.keras/models``).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "COURSE_ROOT"
DATA_ENV = "COURSE_DATA_DIR"
FRUITS_ENV = "COURSE_FRUITS_DIR"
QUICK_ENV = "COURSE_QUICK"

_ROOT_MARKERS = ("pyproject.toml", "notebooks")


def _looks_like_root(path: Path) -> bool:
    return all((path / marker).exists() for marker in _ROOT_MARKERS)


def repo_root() -> Path | None:
    """Return the course repository, or ``None`` when the package runs outside one.

    Looks at ``COURSE_ROOT``, then at the folder above this package (an editable
    install from a clone), then at the current folder and its parents (a notebook
    started inside the clone).

    Examples
    --------
    >>> root = repo_root()
    >>> root is None or (root / "notebooks").is_dir()
    True
    """
    override = os.environ.get(ROOT_ENV)
    if override:
        path = Path(override).expanduser().resolve()
        if not _looks_like_root(path):
            raise FileNotFoundError(
                f"{ROOT_ENV}={override} does not look like the course repository "
                "(it needs pyproject.toml and notebooks/). Unset it or point it at your clone."
            )
        return path
    candidates = [Path(__file__).resolve().parents[1], *Path.cwd().resolve().parents]
    candidates.insert(1, Path.cwd().resolve())
    for candidate in candidates:
        if _looks_like_root(candidate):
            return candidate
    return None


def data_dir(create: bool = True) -> Path:
    """Return the folder where downloads and generated data land.

    ``COURSE_DATA_DIR`` wins; otherwise ``data/`` in the repository; outside a
    repository, ``~/.course-data``.

    Parameters
    ----------
    create : bool
        Create the folder when it does not exist yet.
    """
    override = os.environ.get(DATA_ENV)
    if override:
        path = Path(override).expanduser()
    else:
        root = repo_root()
        path = root / "data" if root is not None else Path.home() / ".course-data"
    path = path.resolve()
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise FileNotFoundError(
                f"Cannot create the data folder {path} ({error}). Set {DATA_ENV} to a "
                "folder you can write to, for example: export COURSE_DATA_DIR=~/course-data"
            ) from error
    return path


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
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise FileNotFoundError(
            f"{FRUITS_ENV}={value} is not a folder. Point it at the Fruits-360 folder "
            "that holds Training/ and Test/, or unset it to use the course's own data."
        )
    return path


def keras_home() -> Path:
    """Return Keras's home folder (``$KERAS_HOME`` or ``~/.keras``)."""
    value = os.environ.get("KERAS_HOME")
    return Path(value).expanduser().resolve() if value else Path.home() / ".keras"


def keras_cache_dir() -> Path:
    """Return the folder where ``keras.applications`` looks for pretrained weights."""
    return keras_home() / "models"


def quick_mode() -> bool:
    """Return ``True`` when ``COURSE_QUICK=1``: small data and few epochs (CI's mode).

    The notebooks read the same variable in one visible line of their setup cell:
    ``QUICK = os.environ.get("COURSE_QUICK", "0") == "1"``.
    """
    return os.environ.get(QUICK_ENV, "0") == "1"
