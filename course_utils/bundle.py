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
or tampered bundle is rejected and nothing is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from course_utils import __version__, datasets, downloads, fruits360, paths, pretrained

MANIFEST = "manifest.json"
KERAS_PREFIX = "keras/models/"
FRUITS_PREFIX = f"data/{datasets.REAL_FOLDER}/"
PARTS = ("weights", "class-index", "fruits")
DEFAULT_NAME = "course-bundle.zip"


class BundleError(ValueError):
    """A bundle is incomplete, damaged or tampered with."""


def _find_local(item: pretrained.RemoteFile, sources: Sequence[Path]) -> Path | None:
    for folder in sources:
        candidate = Path(folder) / item.filename
        if candidate.is_file() and downloads.md5_file(candidate) == item.md5:
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
        A verified Fruits-360 folder; default: the download in ``data/`` (fetched if missing).
    progress : bool
        Show progress bars while downloading.
    """
    output = Path(output).resolve()
    members = _gather_remote(_select_files(parts, files), [Path(s) for s in sources], progress)
    if "fruits" in parts:
        folder = Path(fruits_dir) if fruits_dir else fruits360.download_fruits(progress=progress)
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                members[FRUITS_PREFIX + path.relative_to(folder).as_posix()] = path
    manifest = {
        "format": 1,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "course_utils": __version__,
        "files": {
            name: {"sha256": downloads.sha256_file(path), "bytes": path.stat().st_size}
            for name, path in members.items()
        },
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            for name, path in members.items():
                archive.write(path, name)
        Path(temporary).replace(output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return output


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, dict]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
        files = manifest["files"]
    except (KeyError, ValueError) as error:
        raise BundleError(f"The bundle has no readable {MANIFEST} ({error}).") from error
    listed, present = (
        set(files),
        {n for n in archive.namelist() if not n.endswith("/")} - {MANIFEST},
    )
    if listed != present:
        extra, missing = sorted(present - listed), sorted(listed - present)
        raise BundleError(
            f"The bundle's contents do not match its manifest (not listed: {extra[:5]}, "
            f"missing: {missing[:5]}). It was modified; ask for a fresh copy."
        )
    for name in files:
        if not (name.startswith(KERAS_PREFIX) or name.startswith(FRUITS_PREFIX)):
            raise BundleError(
                f"Unexpected entry {name!r}: a course bundle holds only "
                f"{KERAS_PREFIX}* and {FRUITS_PREFIX}*."
            )
    return files


def _verify_staged(
    staging: Path,
    files: Mapping[str, dict],
    known: Mapping[str, pretrained.RemoteFile],
    fruits_manifest: Mapping[str, dict] | None,
) -> list[str]:
    problems = []
    for name, entry in files.items():
        path = staging / name
        if downloads.sha256_file(path) != entry["sha256"]:
            problems.append(f"{name}: SHA-256 differs from the manifest")
            continue
        if name.startswith(KERAS_PREFIX):
            item = known.get(PurePosixPath(name).name)
            if item is None:
                problems.append(f"{name}: not a file the course uses")
            elif downloads.md5_file(path) != item.md5:
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
    files: Sequence[pretrained.RemoteFile] = pretrained.COURSE_FILES + (pretrained.XCEPTION_NOTOP,),
    fruits_manifest: Mapping[str, dict] | None = None,
) -> list[str]:
    """Verify a bundle and install it; return a line per installed item.

    Weight files and the class index go to the Keras cache
    (:func:`course_utils.paths.keras_cache_dir`), the fruits to ``data/fruits-360``.

    Raises
    ------
    BundleError
        When the bundle is truncated, tampered with or holds unexpected files; then
        nothing is installed.
    """
    bundle = Path(bundle)
    if not bundle.is_file():
        raise FileNotFoundError(f"No bundle at {bundle}. Pass the path of the .zip file.")
    try:
        archive = zipfile.ZipFile(bundle)
    except zipfile.BadZipFile as error:
        raise BundleError(
            f"{bundle} is not a complete zip file ({error}): it was probably cut off while "
            "copying. Copy it again and compare its size with the original."
        ) from error
    known = {item.filename: item for item in files}
    data_dir = paths.data_dir()
    staging = Path(tempfile.mkdtemp(prefix=".bundle-staging-", dir=data_dir))
    try:
        with archive:
            entries = _read_manifest(archive)
            members = downloads.safe_members(archive, lambda n: n if n in entries else None)
            try:
                downloads.extract_members(archive, members, staging)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise BundleError(f"{bundle} is damaged ({error}). Copy it again.") from error
        problems = _verify_staged(staging, entries, known, fruits_manifest)
        if problems:
            raise BundleError(
                "The bundle failed verification, nothing was installed:\n  "
                + "\n  ".join(problems[:10])
                + "\nAsk your instructor for a fresh copy (or recreate it with `bundle create`)."
            )
        return _move_into_place(staging, entries, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(staging: Path, entries: Mapping[str, dict], data_dir: Path) -> list[str]:
    installed = []
    for name in entries:
        if name.startswith(KERAS_PREFIX):
            target = paths.keras_cache_dir() / PurePosixPath(name).name
            downloads.install_file(staging / name, target)
            installed.append(f"{PurePosixPath(name).name} -> {target}")
    fruits = staging / FRUITS_PREFIX
    if fruits.is_dir():
        groups = fruits360.compact_manifest(fruits360.hash_tree(fruits))
        stamp = {"source": "instructor bundle", "groups": groups}
        (fruits / datasets.VERIFIED_STAMP).write_text(json.dumps(stamp, indent=1))
        target = data_dir / datasets.REAL_FOLDER
        downloads.replace_folder(fruits, target)
        count = sum(group["files"] for group in groups.values())
        installed.append(f"Fruits-360 ({count} images) -> {target}")
    return installed
