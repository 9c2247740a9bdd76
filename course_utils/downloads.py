"""Safe downloads and archives: fetch with a progress bar, hash, extract without escaping.

Used by the Fruits-360 download (:mod:`course_utils.fruits360`), the pretrained
weights (:mod:`course_utils.pretrained`) and the instructor bundle
(:mod:`course_utils.bundle`). Files are fetched with pooch, which writes to a
temporary file and renames it only when the transfer completed, so an interrupted
download never leaves a file that looks finished.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
JUNK_FOLDERS = {"__MACOSX"}


class DownloadError(RuntimeError):
    """A download failed (no network, server error, interrupted transfer)."""


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"; _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def md5_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Return the MD5 hex digest of a file (the hash Keras publishes for its weights)."""
    digest = hashlib.md5(usedforsecurity=False)
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def fetch(
    url: str, destination: Path, known_hash: str | None = None, progress: bool = True
) -> Path:
    """Download ``url`` to ``destination`` atomically, with a progress bar.

    Parameters
    ----------
    url : str
        What to download (``http``, ``https`` or ``file`` URLs).
    destination : Path
        The file to create. Its folder is created when missing.
    known_hash : str, optional
        ``"md5:<hex>"`` or ``"sha256:<hex>"``; the file is rejected when it differs.
        When the destination already exists with this hash, nothing is downloaded.
    progress : bool
        Show a tqdm progress bar.

    Raises
    ------
    DownloadError
        When the server cannot be reached or the transfer breaks off. Nothing is
        left at ``destination``.
    ValueError
        When the downloaded file does not match ``known_hash`` (it is deleted).
    """
    import pooch
    import requests

    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        path = pooch.retrieve(
            url,
            known_hash=known_hash,
            fname=destination.name,
            path=destination.parent,
            progressbar=progress,
        )
    except requests.RequestException as error:
        raise DownloadError(
            f"Could not download {url}: {type(error).__name__}: {error}. Check your "
            "internet connection (or proxy) and try again; nothing was saved."
        ) from error
    return Path(path)


# --------------------------------------------------------------------------- archives


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Say why an archive entry must not be extracted, or return None when it is safe."""
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in pure.parts:
        return "'..' in the path would leave the target folder"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return None


def safe_members(
    archive: zipfile.ZipFile, keep: Callable[[str], str | None]
) -> list[tuple[zipfile.ZipInfo, str]]:
    """Return ``(entry, relative target)`` for the entries ``keep`` maps to a path.

    ``keep(name)`` returns the path inside the target folder, or ``None`` to leave
    the entry out. Every entry of the archive is checked first, kept or not: the whole
    extraction is refused (``ValueError``) if any entry could land outside its folder
    (absolute paths, ``..``, symbolic links), since such an archive was tampered with.
    """
    chosen = []
    for info in archive.infolist():
        target = keep(info.filename)
        reason = _unsafe_reason(info)
        if reason is None and target is not None:
            reason = _unsafe_reason(zipfile.ZipInfo(target))
        if reason:
            raise ValueError(
                f"Refusing to extract the archive: entry {info.filename!r} is unsafe ({reason}). "
                "The archive is damaged or tampered with; download it again from the "
                "official source."
            )
        if target is not None:
            chosen.append((info, target))
    return chosen


def extract_members(archive: zipfile.ZipFile, members, target: Path) -> int:
    """Extract checked members (from :func:`safe_members`) below ``target``; return the count."""
    target = Path(target).resolve()
    count = 0
    for info, relative in members:
        destination = (target / relative).resolve()
        if not destination.is_relative_to(target):
            raise ValueError(f"Refusing to write outside {target}: {relative!r}.")
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, destination.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        count += 1
    return count


def is_junk(relative: str) -> bool:
    """True for operating-system clutter such as ``.DS_Store`` or ``__MACOSX/`` entries."""
    parts = PurePosixPath(relative).parts
    return bool(parts) and (
        parts[-1] in JUNK_NAMES or parts[-1].startswith("._") or bool(JUNK_FOLDERS & set(parts))
    )


# --------------------------------------------------------------------------- atomic folders


@contextmanager
def staging_folder(final: Path) -> Iterator[Path]:
    """Yield an empty folder next to ``final``; on success it replaces ``final`` in one rename.

    If the block raises, the staging folder is deleted and ``final`` is untouched,
    so an interrupted or failed step never leaves a half-written folder in place.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_folder(staging, final)


def replace_folder(source: Path, final: Path) -> None:
    """Move ``source`` to ``final``, replacing an existing folder with a rename swap."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    source.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def install_file(source: Path, final: Path) -> None:
    """Copy a file into place atomically (copy to a temporary name, then rename)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        Path(temporary).replace(final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
