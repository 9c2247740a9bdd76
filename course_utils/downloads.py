"""Safe downloads and archives: fetch with a progress bar, check zips, extract without escaping.

Used by the Fruits-360 download (:mod:`course_utils.fruits360`), the pretrained
weights (:mod:`course_utils.pretrained`) and the instructor bundle
(:mod:`course_utils.bundle`). Writing files atomically is :mod:`course_utils.fileio`'s job.

- :func:`fetch` downloads with pooch into a staging folder beside the destination and
  renames the file into place only when the transfer completed (and matched its
  hash). A partial file left by a killed process is removed by the next fetch.
  Failures become a :class:`DownloadError` whose message is short and accurate: a
  404 says the address is wrong, a missing network says so.
- :func:`open_zip` says whether a file that is not a zip is a web page (a proxy or
  captive portal), empty, or cut off.
- :func:`safe_members` checks every entry of an archive before anything is written:
  paths that would escape, symbolic links, encrypted entries, unsupported
  compression, name clashes, over-long names, and sizes (zip bombs).
  :func:`extract_members` copies at most each entry's declared size and turns damaged
  data into an :class:`ArchiveError` that names the entry.
"""

from __future__ import annotations

import logging
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from course_utils import fileio

JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
JUNK_FOLDERS = {"__MACOSX"}
SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024
MAX_RATIO = 200
"""Largest allowed inflation of one entry (size / compressed size) above 1 MB."""


class DownloadError(RuntimeError):
    """A download failed (no network, server error, interrupted transfer, not the file)."""


class ArchiveError(ValueError):
    """An archive cannot be extracted safely (damaged, tampered with, or too large)."""


# --------------------------------------------------------------------------- fetch


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def describe_request_error(error: Exception, url: str) -> str:
    """One short sentence saying what went wrong with a request and what to do."""
    import requests

    name = PurePosixPath(urlsplit(url).path).name or url
    response = getattr(error, "response", None)
    if isinstance(error, requests.HTTPError) and response is not None:
        code = response.status_code
        if code in (404, 410):
            return (
                f"The server {_host(url)} answered {code} (not found) for {name}: the "
                "address is wrong or the file was moved. Check the URL."
            )
        if code in (401, 403, 407):
            return (
                f"The server {_host(url)} refused access to {name} (HTTP {code}): a proxy "
                "or login may be in the way. Open the URL in a browser to see why."
            )
        return (
            f"The server {_host(url)} answered HTTP {code} for {name}. Try again later; "
            "nothing was saved."
        )
    if isinstance(
        error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return (
            f"The download of {name} from {_host(url)} broke off before the end. Try "
            "again; nothing was saved."
        )
    if isinstance(error, requests.Timeout):
        return (
            f"{_host(url)} stopped answering while sending {name} (timed out). Check your "
            "internet connection (or proxy) and try again; nothing was saved."
        )
    return (
        f"Could not reach {_host(url)} to download {name} (no internet connection, or a "
        "proxy is needed). Connect and try again; nothing was saved."
    )


@contextmanager
def _quiet_pooch():
    """Hide pooch's informational lines (its 'Use this value as the known_hash' advice)."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def fetch(
    url: str,
    destination: Path,
    known_hash: str | None = None,
    progress: bool = True,
    *,
    hint: str | None = None,
) -> Path:
    """Download ``url`` to ``destination`` atomically, with a progress bar.

    Parameters
    ----------
    url : str
        What to download (``http``, ``https`` or ``file`` URLs).
    destination : Path
        The file to create or replace. Its folder is created when missing.
    known_hash : str, optional
        ``"md5:<hex>"`` or ``"sha256:<hex>"``; the file is rejected when it differs.
        When the destination already has this hash, nothing is downloaded. Without
        it, the file is always downloaded again.
    progress : bool
        Show a tqdm progress bar.
    hint : str, optional
        Added to the message of a full-disk or read-only error.

    Raises
    ------
    DownloadError
        When the server cannot be reached, answers with an error, the transfer breaks
        off or the file is not the expected one. Nothing is left at ``destination``.
    fileio.WriteError
        When the disk is full or the folder read-only.
    """
    import pooch
    import requests

    destination = Path(destination)
    if known_hash and destination.is_file():
        alg, _, digest = known_hash.partition(":")
        if fileio.file_hash(destination, alg=alg) == digest.lower():
            return destination
    staging = fileio.make_staging_folder(destination, hint=hint)
    try:
        with _quiet_pooch():
            pooch.retrieve(
                url,
                known_hash=known_hash,
                fname=destination.name,
                path=staging,
                progressbar=progress,
            )
        downloaded = staging / destination.name
        downloaded.chmod(fileio.file_mode())
        downloaded.replace(destination)
    except requests.RequestException as error:
        raise DownloadError(describe_request_error(error, url)) from error
    except ValueError as error:
        if "hash" not in str(error).lower():
            raise
        raise DownloadError(
            f"The file downloaded from {_host(url)} is not the expected "
            f"{destination.name} (its hash differs): a proxy or captive portal may have "
            "answered with a web page, or the file changed on the server. Nothing was saved."
        ) from error
    except OSError as error:
        fileio.raise_explained(error, destination, hint)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


# --------------------------------------------------------------------------- zip files


def looks_like_html(path: Path) -> bool:
    """True when a file starts like a web page (what proxies and login portals send)."""
    with Path(path).open("rb") as handle:
        head = handle.read(1024).lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or (
        b"<html" in head
    )


def open_zip(path: Path, *, advice: str) -> zipfile.ZipFile:
    """Open a zip archive, or raise :class:`DownloadError` saying what the file is instead.

    ``advice`` says what to do (for example how to download it again).
    """
    path = Path(path)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        if path.is_file() and path.stat().st_size == 0:
            what = "is an empty file"
        elif path.is_file() and looks_like_html(path):
            what = (
                "is a web page (HTML), not a zip archive: the server, a proxy or a login "
                "portal sent a page instead of the file, or the URL is wrong. Open the URL in "
                "a browser to see the page"
            )
        else:
            what = f"is not a complete zip archive ({error}); it was probably cut off"
        raise DownloadError(f"{path} {what}. {advice}") from error


@dataclass(frozen=True)
class Limits:
    """Bounds checked on an archive's declared sizes before anything is extracted.

    Attributes
    ----------
    max_file_bytes : int or None
        Largest single entry.
    max_total_bytes : int or None
        Largest sum over the extracted entries.
    max_ratio : float
        Largest size / compressed size for entries above 1 MB (zip bombs inflate
        by thousands; photos and weights barely compress).
    """

    max_file_bytes: int | None = None
    max_total_bytes: int | None = None
    max_ratio: float = MAX_RATIO


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


def _damage_reason(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Say why an entry cannot be extracted (damage rather than an attack), or None."""
    if info.flag_bits & 0x1:
        return "it is encrypted (needs a password)"
    if info.compress_type not in SUPPORTED_COMPRESSION:
        return (
            f"it uses compression method {info.compress_type} (for example Deflate64 from "
            "Windows Explorer), which Python cannot read; re-create the zip with ordinary "
            "Deflate"
        )
    encoded = info.filename.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_PATH_BYTES or any(
        len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES
        for part in PurePosixPath(info.filename).parts
    ):
        return "its name is too long for a file system"
    if limits.max_file_bytes is not None and info.file_size > limits.max_file_bytes:
        return (
            f"it inflates to {info.file_size:,} bytes, more than the "
            f"{limits.max_file_bytes:,} allowed"
        )
    if info.file_size > 1 << 20 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        return (
            f"it inflates {info.file_size / max(info.compress_size, 1):.0f}-fold to "
            f"{info.file_size:,} bytes (a zip bomb?)"
        )
    return None


def _refuse(info_name: str, reason: str) -> ArchiveError:
    return ArchiveError(
        f"Refusing to extract the archive: entry {info_name!r} is unsafe ({reason}). "
        "The archive is damaged or tampered with; get it again from its source."
    )


def safe_members(
    archive: zipfile.ZipFile,
    keep: Callable[[str], str | None],
    *,
    limits: Limits = Limits(),
) -> list[tuple[zipfile.ZipInfo, str]]:
    """Return ``(entry, relative target)`` for the entries ``keep`` maps to a path.

    ``keep(name)`` returns the path inside the target folder, or ``None`` to leave
    the entry out. Every entry of the archive is checked first, kept or not: the whole
    extraction is refused if any entry could land outside its folder (absolute paths,
    ``..``, symbolic links), since such an archive was tampered with. The kept entries
    are also checked for what would fail half-way (encryption, unsupported
    compression, a name used for both a file and a folder, over-long names) and
    against ``limits``.

    Raises
    ------
    ArchiveError
        Naming the first bad entry and why.
    """
    chosen = []
    for info in archive.infolist():
        target = keep(info.filename)
        reason = _unsafe_reason(info)
        if reason is None and target is not None:
            reason = _unsafe_reason(zipfile.ZipInfo(target))
        if reason:
            raise _refuse(info.filename, reason)
        if target is not None:
            chosen.append((info, target))
    files, folders, total = {}, set(), 0
    for info, target in chosen:
        reason = _damage_reason(info, limits)
        if reason:
            raise ArchiveError(
                f"Cannot extract the archive: entry {info.filename!r}: {reason}. Nothing was "
                "extracted."
            )
        key = target.rstrip("/").casefold()
        parents = {p.as_posix().casefold() for p in PurePosixPath(key).parents if str(p) != "."}
        if info.is_dir():
            parents.add(key)
        elif key in files:
            raise ArchiveError(
                f"Cannot extract the archive: {info.filename!r} and {files[key]!r} would be the "
                "same file (names that differ only in case, or a duplicate). Nothing was extracted."
            )
        else:
            files[key] = info.filename
            total += info.file_size
        folders |= parents
    clash = sorted(set(files) & folders)
    if clash:
        raise ArchiveError(
            f"Cannot extract the archive: {files[clash[0]]!r} is a file, but other entries put "
            "files inside a folder of that name. The archive is damaged; get it again."
        )
    if limits.max_total_bytes is not None and total > limits.max_total_bytes:
        raise ArchiveError(
            f"Refusing to extract the archive: it would write {total:,} bytes, more than the "
            f"{limits.max_total_bytes:,} expected (a zip bomb, or not the expected archive)."
        )
    return chosen


def _copy_bounded(source, sink, limit: int, name: str) -> None:
    written = 0
    while block := source.read(1 << 20):
        written += len(block)
        if written > limit:
            raise ArchiveError(
                f"Entry {name!r} inflates beyond its declared size of {limit:,} bytes "
                "(a zip bomb, or a damaged archive). Nothing was installed."
            )
        sink.write(block)


def extract_members(
    archive: zipfile.ZipFile, members, target: Path, *, hint: str | None = None
) -> int:
    """Extract checked members (from :func:`safe_members`) below ``target``; return the count.

    Each entry is copied up to its declared size only.

    Raises
    ------
    ArchiveError
        When an entry's data is damaged (bad CRC, broken compressed data), naming it.
    fileio.WriteError
        When the disk fills up or the folder is read-only.
    """
    target = Path(target).resolve()
    count = 0
    for info, relative in members:
        destination = (target / relative).resolve()
        if not destination.is_relative_to(target):
            raise ArchiveError(f"Refusing to write outside {target}: {relative!r}.")
        try:
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as sink:
                _copy_bounded(source, sink, info.file_size, info.filename)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
        ) as error:
            raise ArchiveError(
                f"The archive is damaged: entry {info.filename!r} cannot be read ({error})."
            ) from error
        except OSError as error:
            fileio.raise_explained(error, destination, hint)
        count += 1
    return count


def is_junk(relative: str) -> bool:
    """True for operating-system clutter such as ``.DS_Store`` or ``__MACOSX/`` entries."""
    parts = PurePosixPath(relative).parts
    return bool(parts) and (
        parts[-1] in JUNK_NAMES or parts[-1].startswith("._") or bool(JUNK_FOLDERS & set(parts))
    )
