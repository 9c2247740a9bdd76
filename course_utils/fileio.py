"""Atomic writes and file hashes: the one implementation the package uses.

Every file and folder the course writes (downloads, the instructor bundle, the
generated fruits, the ``.verified.json`` stamps) goes through this module:

- :func:`atomic_file`, :func:`atomic_write_bytes`, :func:`atomic_write_text` and
  :func:`atomic_copy` write to a temporary file in the target's folder, ``fsync`` it
  and rename it over the target (``os.replace``), so a reader sees the old file or
  the new one, never half of one. On any error the temporary file is removed.
- :func:`atomic_folder` builds a folder in a staging folder beside the target and
  renames it into place only when the block succeeds. Staging folders left behind by
  a killed process (their names carry its process id) are removed by
  :func:`clean_stale` the next time.
- Files and folders get the permissions the umask asks for (``tempfile`` would
  make them private, 0600/0700), so a shared instructor cache stays readable.
- A full disk or a read-only folder becomes a :class:`WriteError` whose message says
  what happened and what to do, instead of a bare ``[Errno 28]``.
- :func:`file_hash` is :func:`pooch.file_hash` (SHA-256 by default, MD5 for Keras's files).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
STAGING_MARK = ".partial-"
OLD_MARK = ".old-"


class WriteError(OSError):
    """A write failed because the disk is full or the folder is read-only.

    It keeps the ``errno`` of the original error and a message that says what to do.
    """


# --------------------------------------------------------------------------- hashes


def file_hash(path: Path | str, alg: str = "sha256") -> str:
    """Return the hex digest of a file (``alg``: ``"sha256"``, ``"md5"``, ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> file_hash(p)[:16]
    'ba7816bf8f01cfea'
    >>> file_hash(p, alg="md5")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    import pooch

    return pooch.file_hash(str(path), alg=alg)


# --------------------------------------------------------------------------- permissions


def current_umask() -> int:
    """Return the process's umask without changing it (read from /proc where possible)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc (macOS, Windows): read it by setting it back at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets from ``open()``: ``0o666`` minus the umask."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """The mode a new folder gets from ``mkdir()``: ``0o777`` minus the umask."""
    return 0o777 & ~current_umask()


def _chmod(path: Path, mode: int) -> None:
    # Not our file (a shared cache) or a file system without modes: keep what it has.
    with suppress(OSError):
        path.chmod(mode)


# --------------------------------------------------------------------------- errors


def explain_write_error(error: OSError, path: Path | str, *, hint: str | None = None) -> OSError:
    """Turn a full-disk or read-only error into a :class:`WriteError` that says what to do.

    Other errors are returned unchanged, so the caller can always ``raise`` the result.

    Parameters
    ----------
    error : OSError
        The error raised while writing.
    path : path
        What was being written.
    hint : str, optional
        What to do instead (for example which environment variable moves the folder).
    """
    if isinstance(error, WriteError):
        return error
    where = Path(path)
    if error.errno in FULL_ERRNOS:
        message = (
            f"No space left on the disk while writing {where} (nothing half-written was "
            "kept). Free some space, or move the folder to a disk with room, then try again."
        )
    elif error.errno in READ_ONLY_ERRNOS or isinstance(error, PermissionError):
        message = (
            f"Cannot write to {where.parent} ({error.strerror or error}): the folder is "
            "read-only for you. Use a folder you can write to, then try again."
        )
    else:
        return error
    if hint:
        message += " " + hint
    return WriteError(error.errno, message)


def raise_explained(error: OSError, path: Path | str, hint: str | None = None) -> None:
    """Re-raise ``error``, explained when it is a full disk or a read-only folder."""
    explained = explain_write_error(error, path, hint=hint)
    if explained is error:
        raise error
    raise explained from error


def ensure_folder(folder: Path | str, *, hint: str | None = None) -> Path:
    """Create ``folder`` (and its parents) if needed; a read-only or full disk says what to do."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise_explained(error, folder / ".", hint)
    return folder


# --------------------------------------------------------------------------- files


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (best effort: not every system can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextmanager
def atomic_file(path: Path | str, mode: str = "wb", *, hint: str | None = None, **open_kwargs):
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one rename.

    Parameters
    ----------
    path : path
        The file to create or replace. Its folder is created when missing.
    mode : {"wb", "w"}
        Binary or text.
    hint : str, optional
        Added to the message of a full-disk or read-only error.
    **open_kwargs
        Passed to :func:`open` (for example ``encoding="utf-8"`` in text mode).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_file(target, "w", encoding="utf-8") as handle:
    ...     _ = handle.write("hello")
    >>> target.read_text()
    'hello'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', not {mode!r}.")
    path = Path(path)
    ensure_folder(path.parent, hint=hint)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise_explained(error, path, hint)
    temporary = Path(temporary)
    try:
        with os.fdopen(descriptor, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _chmod(temporary, file_mode())
        temporary.replace(path)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise_explained(error, path, hint)
        raise
    _fsync_folder(path.parent)


def atomic_write_bytes(path: Path | str, data: bytes, *, hint: str | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_file(path, "wb", hint=hint) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(
    path: Path | str, text: str, *, encoding: str = "utf-8", hint: str | None = None
) -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    with atomic_file(path, "w", encoding=encoding, hint=hint) as handle:
        handle.write(text)
    return Path(path)


def atomic_copy(source: Path | str, final: Path | str, *, hint: str | None = None) -> Path:
    """Copy a file into place atomically (temporary copy beside ``final``, then rename)."""
    with Path(source).open("rb") as reader, atomic_file(final, "wb", hint=hint) as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
    return Path(final)


# --------------------------------------------------------------------------- folders


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else (or we cannot tell): keep it
    return True


def _owner_pid(name: str, base: str) -> int | None:
    """The process id in ``.<base>.partial-<pid>-<random>`` or ``.<base>.old-<pid>``."""
    for mark in (STAGING_MARK, OLD_MARK):
        prefix = f".{base}{mark}"
        if name.startswith(prefix):
            digits = name[len(prefix) :].split("-", 1)[0]
            return int(digits) if digits.isdigit() else None
    return None


def staging_name(final: Path | str) -> str:
    """The prefix of staging folders and files for ``final`` (``.<name>.partial-<pid>-``)."""
    return f".{Path(final).name}{STAGING_MARK}{os.getpid()}-"


def clean_stale(folder: Path | str, base: str) -> list[Path]:
    """Remove what killed processes left beside ``folder/base``; return what was removed.

    Staging folders (``.<base>.partial-<pid>-*``) and swap leftovers
    (``.<base>.old-<pid>``) whose process no longer runs are deleted, files or folders.
    Those of running processes (another download in progress) are kept.
    """
    folder = Path(folder)
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        pid = _owner_pid(entry.name, base)
        if pid is None or _process_alive(pid):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        if not entry.exists():
            removed.append(entry)
    return removed


def make_staging_folder(final: Path | str, *, hint: str | None = None) -> Path:
    """Create an empty staging folder beside ``final`` (cleaning stale ones first)."""
    final = Path(final)
    ensure_folder(final.parent, hint=hint)
    clean_stale(final.parent, final.name)
    try:
        staging = Path(tempfile.mkdtemp(prefix=staging_name(final), dir=final.parent))
    except OSError as error:
        raise_explained(error, final, hint)
    _chmod(staging, folder_mode())
    return staging


def replace_folder(source: Path | str, final: Path | str, *, hint: str | None = None) -> None:
    """Move folder ``source`` to ``final``, replacing an existing folder by a rename swap.

    The old folder is renamed aside first and deleted after the new one is in place;
    if the second rename fails, the old folder is put back.
    """
    source, final = Path(source), Path(final)
    old = None
    try:
        if final.exists() or final.is_symlink():
            old = final.with_name(f".{final.name}{OLD_MARK}{os.getpid()}")
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
        try:
            source.rename(final)
        except OSError:
            if old is not None and not final.exists():
                old.rename(final)
                old = None
            raise
    except OSError as error:
        raise_explained(error, final, hint)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _fsync_folder(final.parent)


@contextmanager
def atomic_folder(final: Path | str, *, hint: str | None = None) -> Iterator[Path]:
    """Yield an empty staging folder beside ``final``; on success it replaces ``final``.

    If the block raises, the staging folder is deleted and ``final`` is untouched, so
    a failed or interrupted step never leaves a half-written folder in place. A
    process killed inside the block leaves its staging folder, which the next call
    for the same ``final`` removes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> final = pathlib.Path(tempfile.mkdtemp()) / "result"
    >>> with atomic_folder(final) as staging:
    ...     _ = (staging / "a.txt").write_text("a")
    >>> sorted(p.name for p in final.iterdir())
    ['a.txt']
    """
    final = Path(final)
    staging = make_staging_folder(final, hint=hint)
    try:
        yield staging
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise_explained(error, final, hint)
        raise
    try:
        replace_folder(staging, final, hint=hint)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_together(moves: list[tuple[Path, Path]], *, hint: str | None = None) -> None:
    """Rename each ``source`` over its ``target`` (files or folders), all or none.

    Each source must already sit on the same file system as its target (a staging
    file or folder beside it), so every step is a rename. Existing targets are renamed
    aside first; if any step fails, the targets moved so far are put back and the
    error is raised, so the caller's sources are left for it to clean up.
    """
    done: list[tuple[Path, Path, Path | None]] = []
    current = Path()
    try:
        for source, target in moves:
            source, target = Path(source), Path(target)
            current, old = target, None
            if target.exists() or target.is_symlink():
                old = target.with_name(f".{target.name}{OLD_MARK}{os.getpid()}")
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old)
                elif old.exists():
                    old.unlink()
                target.rename(old)
            done.append((source, target, old))
            source.rename(target)
    except BaseException as error:
        for source, target, old in reversed(done):
            with suppress(OSError):
                if target.exists() and not source.exists():
                    target.rename(source)  # give the new one back to the caller's staging
                if old is not None and old.exists():
                    old.rename(target)
        if isinstance(error, OSError):
            raise_explained(error, current, hint)
        raise
    for _, _target, old in done:
        if old is None:
            continue
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    for _, target, _ in done:
        _fsync_folder(target.parent)
