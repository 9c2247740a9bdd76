"""The instructor bundle: everything the course downloads, in one verified archive.

On a connected machine::

    python -m course_utils bundle create            # -> course-bundle.zip

gathers the pretrained weight files, the ImageNet class index and the verified
Fruits-360 subset (from the caches, downloading what is missing) into one zip with a
``manifest.json`` of SHA-256 hashes. On each attendee's laptop, with no network::

    python -m course_utils bundle install course-bundle.zip

checks every file (the manifest's SHA-256, the MD5 that Keras expects for each
weight file, the shipped hashes of the fruits) in a staging folder, and only when
everything matches moves the files to where Keras and the course look. A truncated
or tampered bundle is rejected and nothing is installed: the manifest's structure and
sizes are checked before anything is extracted (so a zip bomb writes nothing), the
free space is checked, and the final moves are renames that are undone together if
one fails. The fruits part holds only verified files (``Training/``, ``Test/`` and the
dataset's readme and licence).
"""

from __future__ import annotations

import errno
import json
import re
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from course_utils import __version__, datasets, downloads, fileio, fruits360, paths, pretrained

MANIFEST = "manifest.json"
KERAS_PREFIX = "keras/models/"
FRUITS_PREFIX = f"data/{datasets.REAL_FOLDER}/"
PARTS = ("weights", "class-index", "fruits")
DEFAULT_NAME = "course-bundle.zip"
STAGING = "bundle-install"
_SHA256 = re.compile(r"[0-9a-f]{64}")
OLD_STAMP = FRUITS_PREFIX + datasets.VERIFIED_STAMP
"""Bundles of earlier versions carried the stamp; it is ignored (installing writes a new one)."""
FRESH_COPY = "Ask your instructor for a fresh copy (or recreate it with `bundle create`)."


class BundleError(ValueError):
    """A bundle is incomplete, damaged or tampered with."""


def _find_local(item: pretrained.RemoteFile, sources: Sequence[Path]) -> Path | None:
    for folder in sources:
        candidate = Path(folder) / item.filename
        if candidate.is_file() and fileio.file_hash(candidate, alg="md5") == item.md5:
            return candidate
    return None


def _gather_remote(
    files: Iterable[pretrained.RemoteFile], sources: Sequence[Path], progress: bool
) -> dict[str, Path]:
    gathered = {}
    for item in files:
        path = _find_local(item, sources) or pretrained.ensure_file(item, progress)
        if path is None:
            raise downloads.DownloadError(
                f"Cannot get {item.label} ({item.filename}): not in the source folders, "
                "not in the Keras cache, and the download failed. Run this on a machine "
                "with internet access."
            )
        gathered[KERAS_PREFIX + item.filename] = path
    return gathered


def _select_files(parts: Sequence[str], files: Sequence[pretrained.RemoteFile]):
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"Unknown bundle part(s) {sorted(unknown)}; choose from {PARTS}.")
    chosen = []
    for item in files:
        is_index = item.filename.endswith(".json")
        if (is_index and "class-index" in parts) or (not is_index and "weights" in parts):
            chosen.append(item)
    return chosen


def _is_fruits_file(relative: str) -> bool:
    """True for the files a fruits part may hold: Training/, Test/, readme and licence."""
    parts = PurePosixPath(relative).parts
    if len(parts) == 1:
        return parts[0] in fruits360.EXTRA_FILES
    return len(parts) >= 3 and parts[0] in datasets.SPLITS


def _fruit_members(folder: Path) -> dict[str, Path]:
    members = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and _is_fruits_file(relative):
            members[FRUITS_PREFIX + relative] = path
    return members


def create_bundle(
    output: Path | str = DEFAULT_NAME,
    *,
    parts: Sequence[str] = PARTS,
    sources: Sequence[Path | str] = (),
    files: Sequence[pretrained.RemoteFile] = pretrained.COURSE_FILES,
    fruits_dir: Path | None = None,
    progress: bool = True,
) -> Path:
    """Write a bundle of the course's downloads; return its path.

    Parameters
    ----------
    output : path
        The zip file to write (written to a temporary name, then renamed).
    parts : sequence of {"weights", "class-index", "fruits"}
        What to include.
    sources : sequence of paths
        Folders to take files from before the Keras cache and the network
        (a file is taken only if its hash is the expected one).
    files : sequence of RemoteFile
        The remote files the course uses (default: :data:`pretrained.COURSE_FILES`).
    fruits_dir : Path, optional
        A verified Fruits-360 folder; default: the download in ``data/`` (fetched if
        missing). Only ``Training/``, ``Test/``, the readme and the licence are packed.
    progress : bool
        Show progress bars while downloading.
    """
    output = Path(output).resolve()
    members = _gather_remote(_select_files(parts, files), [Path(s) for s in sources], progress)
    if "fruits" in parts:
        folder = Path(fruits_dir) if fruits_dir else fruits360.download_fruits(progress=progress)
        members.update(_fruit_members(folder))
    manifest = {
        "format": 1,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "course_utils": __version__,
        "files": {
            name: {"sha256": fileio.file_hash(path), "bytes": path.stat().st_size}
            for name, path in members.items()
        },
    }
    hint = "Write the bundle to another folder (give its path after `bundle create`)."
    with (
        fileio.atomic_file(output, "wb", hint=hint) as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive,
    ):
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
        for name, path in members.items():
            archive.write(path, name)
    return output


def _malformed(detail: str) -> BundleError:
    return BundleError(
        f"The bundle's {MANIFEST} is malformed ({detail}): it was not written by "
        f"`bundle create`, or it was edited. {FRESH_COPY}"
    )


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, dict]:
    """Read and check the manifest: its structure, its names, and the sizes in the zip."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BundleError(
            f"The bundle has no readable {MANIFEST} ({error}). {FRESH_COPY}"
        ) from error
    if not isinstance(manifest, dict):
        raise _malformed(f"a JSON object was expected, not {type(manifest).__name__}")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise _malformed("'files' must map each member to its sha256 and bytes")
    if not files:
        raise BundleError(f"The bundle is empty: its {MANIFEST} lists no files. {FRESH_COPY}")
    for name, entry in files.items():
        if not (name.startswith(KERAS_PREFIX) or name.startswith(FRUITS_PREFIX)):
            raise BundleError(
                f"Unexpected entry {name!r}: a course bundle holds only "
                f"{KERAS_PREFIX}* and {FRUITS_PREFIX}*."
            )
        if name == OLD_STAMP:
            continue
        if name.startswith(FRUITS_PREFIX) and not _is_fruits_file(name[len(FRUITS_PREFIX) :]):
            raise BundleError(
                f"Unexpected entry {name!r}: the fruits part holds only Training/, Test/ "
                f"and {', '.join(fruits360.EXTRA_FILES)}, the files the published hashes "
                f"cover. {FRESH_COPY}"
            )
        if not isinstance(entry, dict):
            raise _malformed(f"the entry of {name!r} is not an object")
        digest, size = entry.get("sha256"), entry.get("bytes")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise _malformed(f"the entry of {name!r} has no valid 'sha256'")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _malformed(f"the entry of {name!r} has no valid 'bytes'")
    present = {n for n in archive.namelist() if not n.endswith("/")} - {MANIFEST}
    if set(files) != present:
        extra, missing = sorted(present - set(files)), sorted(set(files) - present)
        raise BundleError(
            f"The bundle's contents do not match its manifest (not listed: {extra[:5]}, "
            f"missing: {missing[:5]}). It was modified; ask for a fresh copy."
        )
    for name, entry in files.items():
        declared = archive.getinfo(name).file_size
        if declared != entry["bytes"]:
            raise BundleError(
                f"{name} would inflate to {declared:,} bytes, but the manifest says "
                f"{entry['bytes']:,}: the bundle is damaged or tampered with (a zip bomb?). "
                f"Nothing was extracted. {FRESH_COPY}"
            )
    return {name: entry for name, entry in files.items() if name != OLD_STAMP}


def _check_space(folder: Path, needed: int) -> None:
    """Refuse before extracting when the disk cannot hold the staged files."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if needed > free:
        raise fileio.WriteError(
            errno.ENOSPC,
            f"Not enough space to install the bundle: it needs {needed / 1e6:,.0f} MB in "
            f"{folder}, which has {free / 1e6:,.0f} MB free. Free some space, or set "
            "COURSE_DATA_DIR (and KERAS_HOME) to a disk with room. Nothing was installed.",
        )


def _verify_staged(
    staging: Path,
    files: Mapping[str, dict],
    known: Mapping[str, pretrained.RemoteFile],
    fruits_manifest: Mapping[str, dict] | None,
) -> list[str]:
    problems = []
    for name, entry in files.items():
        path = staging / name
        if fileio.file_hash(path) != entry["sha256"]:
            problems.append(f"{name}: SHA-256 differs from the manifest")
            continue
        if name.startswith(KERAS_PREFIX):
            item = known.get(PurePosixPath(name).name)
            if item is None:
                problems.append(f"{name}: not a file the course uses")
            elif fileio.file_hash(path, alg="md5") != item.md5:
                problems.append(f"{name}: not the file Keras expects (MD5 differs)")
    fruits = staging / FRUITS_PREFIX
    if fruits.is_dir() and not problems:
        try:
            fruits360.verify_tree(fruits, fruits_manifest)
        except fruits360.VerificationError as error:
            problems.append(str(error))
    return problems


def install_bundle(
    bundle: Path | str,
    *,
    files: Sequence[pretrained.RemoteFile] = pretrained.COURSE_FILES,
    fruits_manifest: Mapping[str, dict] | None = None,
) -> list[str]:
    """Verify a bundle and install it; return a line per installed item.

    Weight files and the class index go to the Keras cache
    (:func:`course_utils.paths.keras_cache_dir`), the fruits to ``data/fruits-360``.

    Raises
    ------
    BundleError
        When the bundle is truncated, tampered with, malformed or holds unexpected
        files; then nothing is installed.
    fileio.WriteError
        When a disk is full or a folder read-only; then nothing is installed.
    """
    bundle = Path(bundle)
    if not bundle.is_file():
        raise FileNotFoundError(f"No bundle at {bundle}. Pass the path of the .zip file.")
    try:
        archive = zipfile.ZipFile(bundle)
    except (zipfile.BadZipFile, EOFError) as error:
        what = (
            "is a web page (HTML), not a zip file"
            if downloads.looks_like_html(bundle)
            else f"is not a complete zip file ({error}): it was probably cut off while copying"
        )
        raise BundleError(
            f"{bundle} {what}. Copy it again and compare its size with the original."
        ) from error
    known = {item.filename: item for item in files}
    data_dir = paths.data_dir()
    with archive:
        entries = _read_manifest(archive)
        members = downloads.safe_members(archive, lambda n: n if n in entries else None)
        _check_space(data_dir, sum(entry["bytes"] for entry in entries.values()))
        staging = fileio.make_staging_folder(data_dir / STAGING, hint=fruits360.DATA_HINT)
        try:
            try:
                downloads.extract_members(archive, members, staging, hint=fruits360.DATA_HINT)
            except downloads.ArchiveError as error:
                raise BundleError(f"{bundle} is damaged ({error}). Copy it again.") from error
            problems = _verify_staged(staging, entries, known, fruits_manifest)
            if problems:
                raise BundleError(
                    "The bundle failed verification, nothing was installed:\n  "
                    + "\n  ".join(problems[:10])
                    + f"\n{FRESH_COPY}"
                )
            return _move_into_place(staging, entries, data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, entries: Mapping[str, dict], data_dir: Path) -> list[str]:
    """Stage each file beside its target, then rename all of them into place together."""
    moves, installed, side_folders = [], [], []
    try:
        fruits = staging / FRUITS_PREFIX
        if fruits.is_dir():
            groups = fruits360.compact_manifest(fruits360.hash_tree(fruits))
            fruits360.write_stamp(fruits, source="instructor bundle", groups=groups)
            fruits.chmod(fileio.folder_mode())
            target = data_dir / datasets.REAL_FOLDER
            moves.append((fruits, target))
            count = sum(group["files"] for group in groups.values())
            installed.append(f"Fruits-360 ({count} images) -> {target}")
        cache = paths.keras_cache_dir()
        for name in entries:
            if name.startswith(KERAS_PREFIX):
                target = cache / PurePosixPath(name).name
                beside = fileio.make_staging_folder(target, hint=pretrained.CACHE_HINT)
                side_folders.append(beside)
                copy = fileio.atomic_copy(
                    staging / name, beside / target.name, hint=pretrained.CACHE_HINT
                )
                moves.append((copy, target))
                installed.append(f"{target.name} -> {target}")
        fileio.replace_together(moves, hint=fruits360.DATA_HINT)
    finally:
        for folder in side_folders:
            shutil.rmtree(folder, ignore_errors=True)
    return installed
