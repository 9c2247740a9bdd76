"""The real Fruits-360 workshop subset: download, extract, verify, and check its stamp.

The 16 workshop classes (Fruits-360 version 2018.07.01.0, 100x100 RGB JPEG on white,
by Horea Muresan and Mihai Oltean, MIT licence) sit in the ``fruits-360/`` folder of
the archive of the GitHub repository codecentric/from-keras-to-production-baseimage.
:func:`download_fruits` fetches that archive, extracts only ``Training/``, ``Test/``
and the dataset's readme and licence, checks every image against the hashes shipped
with this package, and only then moves the folder to ``data/fruits-360`` with a
``.verified.json`` stamp.

The package ships a compact form of the hashes (``resources/fruits360_subset.json``):
for every ``split/class`` the number of files and one SHA-256 over the sorted list of
``"<path>  <sha256>"`` lines. That is enough to say which classes differ.

The stamp also records, per class folder, a fingerprint of the file names, sizes and
modification times. :func:`stamp_problem` compares it with the folder (a few
milliseconds): a deleted ``Training/`` or a file swapped after verification is seen,
and the folder is then hashed again before it is trusted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from course_utils import WORKSHOP_CLASSES, datasets, downloads, fileio, paths

REPOSITORY = "codecentric/from-keras-to-production-baseimage"
COMMIT = "b8dd53e9deda8ed689279e1aff7532a37ddbd4ce"
ARCHIVE_URL = f"https://github.com/{REPOSITORY}/archive/{COMMIT}.zip"
ARCHIVE_FOLDER = "fruits-360"
ARCHIVE_NAME = "fruits-360-workshop.zip"
MANIFEST_RESOURCE = "fruits360_subset.json"
EXTRA_FILES = ("LICENSE", "readme.md")
"""The dataset's own files beside ``Training/`` and ``Test/`` that are kept (credits, licence)."""
MAX_IMAGE_BYTES = 1 << 20
"""Largest file accepted in the archive (the subset's 100x100 JPEGs are about 5 kB)."""
BYTES_PER_FILE = 32 << 10
"""Average size allowed over the archive's files, a bound on what extraction writes."""
STAMP_FORMAT = 2
DATA_HINT = (
    "Set COURSE_DATA_DIR to a folder on a disk with room that you can write to "
    "(for example: export COURSE_DATA_DIR=~/course-data)."
)
RETRY_HINT = (
    "Run `python -m course_utils download-fruits` again (with --url for a mirror), or "
    "install an instructor bundle."
)


class VerificationError(ValueError):
    """Extracted files do not match the published hashes."""


# --------------------------------------------------------------------------- manifests


def parse_sha256_listing(text: str) -> dict[str, str]:
    """Parse ``sha256sum`` output (``"<hash>  <path>"`` lines) into ``{path: hash}``."""
    listing = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise ValueError(f"Line {number} is not '<sha256>  <path>': {line[:80]!r}")
        listing[name.strip().lstrip("*")] = digest.lower()
    return listing


def group_key(relative: str) -> str:
    """Return ``"Split/Class"`` for a path like ``"Training/Apricot/0_100.jpg"``."""
    parts = PurePosixPath(relative).parts
    return "/".join(parts[:2]) if len(parts) >= 3 else "(outside class folders)"


def readable_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 shown as ``\\xff``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def compact_manifest(listing: Mapping[str, str]) -> dict[str, dict]:
    """Reduce ``{path: sha256}`` to ``{"Split/Class": {"files": n, "sha256": tree hash}}``.

    Names that are not valid UTF-8 (possible on Linux) are hashed by their raw bytes.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name, digest in listing.items():
        groups[group_key(name)].append(f"{name}  {digest}\n")
    return {
        key: {
            "files": len(lines),
            "sha256": hashlib.sha256(
                "".join(sorted(lines)).encode("utf-8", "surrogateescape")
            ).hexdigest(),
        }
        for key, lines in sorted(groups.items())
    }


def shipped_manifest() -> dict[str, dict]:
    """Return the compact manifest of the real 16-class subset shipped with the package."""
    text = resources.files("course_utils").joinpath("resources", MANIFEST_RESOURCE).read_text()
    return json.loads(text)["groups"]


def _split_files(root: Path) -> list[Path]:
    return [
        path
        for split in datasets.SPLITS
        for path in sorted((root / split).rglob("*"))
        if path.is_file()
    ]


def hash_tree(root: Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` for every file in the ``Training/`` and ``Test/`` trees.

    Files beside them (the dataset's readme and licence) are not part of the hashes.
    """
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): fileio.file_hash(path) for path in _split_files(root)
    }


def stat_fingerprint(root: Path) -> dict[str, dict]:
    """Per ``Split/Class``: the file count and a hash of names, sizes and modification times.

    Cheap (no file is read), and it changes when a file is added, removed, replaced
    or rewritten.
    """
    root = Path(root)
    groups: dict[str, list[str]] = defaultdict(list)
    for path in _split_files(root):
        relative = path.relative_to(root).as_posix()
        info = path.stat()
        groups[group_key(relative)].append(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\n")
    return {
        key: {
            "files": len(lines),
            "stat": hashlib.sha256(
                "".join(sorted(lines)).encode("utf-8", "surrogateescape")
            ).hexdigest(),
        }
        for key, lines in sorted(groups.items())
    }


@dataclass(frozen=True)
class GroupDifference:
    """How one ``Split/Class`` group differs from the manifest."""

    group: str
    expected_files: int
    found_files: int

    def __str__(self) -> str:
        if self.found_files == 0:
            return f"{self.group}: missing ({self.expected_files} files expected)"
        if self.expected_files == 0:
            return f"{self.group}: unexpected ({self.found_files} files not in the dataset)"
        if self.found_files != self.expected_files:
            return f"{self.group}: {self.found_files} files, {self.expected_files} expected"
        return f"{self.group}: same number of files ({self.found_files}) but different contents"


def compare(found: Mapping[str, dict], expected: Mapping[str, dict]) -> list[GroupDifference]:
    """List the groups whose file count or tree hash differ between two compact manifests."""
    differences = []
    for group in sorted(set(found) | set(expected)):
        have, want = found.get(group), expected.get(group)
        if have == want:
            continue
        differences.append(
            GroupDifference(group, (want or {}).get("files", 0), (have or {}).get("files", 0))
        )
    return differences


def _is_own_copy(root: Path) -> bool:
    """True when ``root`` is the folder named by ``COURSE_FRUITS_DIR``."""
    try:
        override = paths.fruits_override()
    except FileNotFoundError:
        return False
    return override is not None and override == Path(root).resolve()


def _check_folder(root: Path) -> Path:
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(
            f"There is no folder {root}: nothing to verify. Give the path of a Fruits-360 "
            "folder (the one holding Training/ and Test/), or run "
            "`python -m course_utils download-fruits`."
        )
    if not root.is_dir():
        raise ValueError(
            f"{root} is a file, not a folder. Give the Fruits-360 folder that holds "
            "Training/ and Test/."
        )
    if not any((root / split).is_dir() for split in datasets.SPLITS):
        try:
            held = sorted(readable_name(p.name) for p in root.iterdir())
        except OSError:
            held = []
        shown = ", ".join(held[:8]) + (", ..." if len(held) > 8 else "") if held else "nothing"
        raise ValueError(
            f"{root} has no Training/ or Test/ folder, so it is not a Fruits-360 folder (it "
            f"holds: {shown}). Give the folder that holds Training/ and Test/."
        )
    return root


def _differences_error(
    root: Path, differences: list[GroupDifference], odd_names: list[str] = ()
) -> VerificationError:
    listing = "\n".join(f"  {difference}" for difference in differences[:20])
    if len(differences) > 20:
        listing += f"\n  ... and {len(differences) - 20} more"
    if odd_names:
        shown = "\n".join(f"  {readable_name(name)}" for name in odd_names[:10])
        listing += (
            f"\nFile names that are not valid UTF-8 (no file of the dataset has such a "
            f"name; delete or rename them):\n{shown}"
        )
    if _is_own_copy(root):
        advice = (
            "This is your own copy (COURSE_FRUITS_DIR), so differences are expected when it "
            "is another version of Fruits-360: the lessons use it as it is. The published "
            "hashes describe only the course's workshop subset."
        )
    else:
        advice = (
            "The download was damaged or the archive changed. Run "
            "`python -m course_utils download-fruits --force` to fetch it again; if it still "
            "differs, use an instructor bundle or set COURSE_FRUITS_DIR to your own copy."
        )
    return VerificationError(
        f"The Fruits-360 files in {root} do not match the published hashes "
        f"({len(differences)} class folder(s) differ):\n{listing}\n{advice}"
    )


def verify_tree(root: Path, expected: Mapping[str, dict] | None = None) -> dict[str, dict]:
    """Check every file below ``root`` against a compact manifest; return the manifest found.

    Raises
    ------
    FileNotFoundError
        ``root`` does not exist.
    ValueError
        ``root`` is a file, or holds neither ``Training/`` nor ``Test/``.
    VerificationError
        Naming each class that differs (and any file name that is not UTF-8), and what
        to do.
    """
    root = _check_folder(root)
    expected = shipped_manifest() if expected is None else expected
    listing = hash_tree(root)
    found = compact_manifest(listing)
    differences = compare(found, expected)
    odd_names = sorted(name for name in listing if not _is_utf8(name))
    if differences or odd_names:
        raise _differences_error(root, differences, odd_names)
    return found


# --------------------------------------------------------------------------- the stamp


def _extra_hashes(root: Path) -> dict[str, str]:
    return {name: fileio.file_hash(root / name) for name in EXTRA_FILES if (root / name).is_file()}


def write_stamp(root: Path, *, source: str, groups: Mapping[str, dict]) -> Path:
    """Write ``root/.verified.json`` (atomically) for a folder whose files were just verified."""
    root = Path(root)
    stamp = {
        "format": STAMP_FORMAT,
        "source": source,
        "files": sum(group["files"] for group in groups.values()),
        "groups": dict(groups),
        "extras": _extra_hashes(root),
        "stat": stat_fingerprint(root),
    }
    return fileio.atomic_write_text(
        root / datasets.VERIFIED_STAMP, json.dumps(stamp, indent=1) + "\n", hint=DATA_HINT
    )


def stamp_problem(root: Path) -> str | None:
    """Say why a stamped folder can no longer be trusted, or return ``None`` when it can.

    Checks that ``Training/`` and ``Test/`` are there, that each class folder has the
    files the stamp counted, and compares names, sizes and modification times with
    the stamp. When only those changed (a copy of the folder, a ``touch``), the files
    are hashed again and the stamp is renewed if they still match.
    """
    root = Path(root)
    try:
        stamp = json.loads((root / datasets.VERIFIED_STAMP).read_text(encoding="utf-8"))
        groups = stamp["groups"]
        if not isinstance(groups, dict):
            raise TypeError("groups is not a mapping")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"its {datasets.VERIFIED_STAMP} stamp is missing or unreadable ({error})"
    for split in datasets.SPLITS:
        if not (root / split).is_dir():
            return f"its {split}/ folder is missing"
    for name, digest in (stamp.get("extras") or {}).items():
        path = root / name
        if not path.is_file() or fileio.file_hash(path) != digest:
            return f"{name} changed since it was verified"
    current = stat_fingerprint(root)
    counts = {key: value["files"] for key, value in current.items()}
    expected_counts = {key: value.get("files") for key, value in groups.items()}
    if counts != expected_counts:
        differences = [
            GroupDifference(key, expected_counts.get(key) or 0, counts.get(key, 0))
            for key in sorted(set(counts) | set(expected_counts))
            if counts.get(key) != expected_counts.get(key)
        ]
        return "files were added or removed: " + "; ".join(str(d) for d in differences[:5])
    if stamp.get("stat") == current:
        return None
    found = compact_manifest(hash_tree(root))
    differences = compare(found, groups)
    if differences:
        return "files changed since they were verified: " + "; ".join(
            str(d) for d in differences[:5]
        )
    # On a read-only copy the stamp stays old: still verified, only checked again next time.
    with suppress(OSError):
        write_stamp(root, source=str(stamp.get("source", "")), groups=groups)
    return None


def is_verified(root: Path) -> bool:
    """True when ``root`` has a stamp that still describes its files (see :func:`stamp_problem`)."""
    return (Path(root) / datasets.VERIFIED_STAMP).is_file() and stamp_problem(root) is None


# --------------------------------------------------------------------------- download


def _archive_mapper(archive, folder: str, skipped: list[str]):
    """Return a function mapping archive names inside ``<top>/<folder>/`` to relative paths.

    Files directly beside ``Training/`` and ``Test/`` other than the dataset's readme
    and licence are left out (and collected in ``skipped``): the published hashes do
    not cover them, and a verified folder must hold only verified files.
    """
    prefix = None
    for name in archive.namelist():
        parts = PurePosixPath(name).parts
        if folder in parts:
            prefix = parts[: parts.index(folder) + 1]
            break
    if prefix is None:
        raise downloads.DownloadError(
            f"The archive has no {folder}/ folder: it is not the expected download. "
            "Check the URL, or use an instructor bundle."
        )
    extras = {name.casefold(): name for name in EXTRA_FILES}

    def keep(name: str) -> str | None:
        """Keep Training/, Test/, the readme and the licence; drop the rest."""
        parts = PurePosixPath(name).parts
        if parts[: len(prefix)] != prefix or len(parts) == len(prefix) or name.endswith("/"):
            return None
        inner = parts[len(prefix) :]
        if len(inner) > 1 and inner[0] not in datasets.SPLITS:
            return None
        relative = "/".join(inner)
        if downloads.is_junk(relative):
            return None
        if len(inner) == 1:
            if inner[0].casefold() in extras:
                return extras[inner[0].casefold()]
            skipped.append(relative)
            return None
        return relative

    return keep


def _check_counts(members, expected: Mapping[str, dict], root: Path) -> None:
    """Refuse before extracting when the archive's file counts cannot match the manifest."""
    counts: dict[str, int] = defaultdict(int)
    for info, relative in members:
        if not info.is_dir() and PurePosixPath(relative).parts[0] in datasets.SPLITS:
            counts[group_key(relative)] += 1
    differences = [
        GroupDifference(key, expected.get(key, {}).get("files", 0), counts.get(key, 0))
        for key in sorted(set(counts) | set(expected))
        if counts.get(key, 0) != expected.get(key, {}).get("files", 0)
    ]
    if differences:
        raise _differences_error(root, differences)


def extract_fruits(archive_path: Path, target: Path, expected: Mapping[str, dict] | None) -> Path:
    """Extract the ``fruits-360/`` folder of an archive to ``target``, verified and atomically.

    Sizes and counts are checked before anything is written; the files are hashed in a
    staging folder that replaces ``target`` only when everything matches.
    """
    expected = shipped_manifest() if expected is None else expected
    archive = downloads.open_zip(archive_path, advice=RETRY_HINT)
    skipped: list[str] = []
    with archive:
        total = sum(group["files"] for group in expected.values()) + len(EXTRA_FILES)
        limits = downloads.Limits(
            max_file_bytes=MAX_IMAGE_BYTES, max_total_bytes=total * BYTES_PER_FILE
        )
        keep = _archive_mapper(archive, ARCHIVE_FOLDER, skipped)
        members = downloads.safe_members(archive, keep, limits=limits)
        _check_counts(members, expected, Path(archive_path))
        with fileio.atomic_folder(target, hint=DATA_HINT) as staging:
            downloads.extract_members(archive, members, staging, hint=DATA_HINT)
            found = verify_tree(staging, expected)
            write_stamp(staging, source=ARCHIVE_URL, groups=found)
    if skipped:
        shown = ", ".join(readable_name(name) for name in skipped[:10])
        warnings.warn(
            f"Left out {len(skipped)} file(s) beside Training/ and Test/ in the archive that "
            f"the published hashes do not cover: {shown}. Only verified files were installed.",
            datasets.DataWarning,
            stacklevel=2,
        )
    return target


def download_fruits(
    url: str | None = ARCHIVE_URL,
    *,
    data_dir: Path | None = None,
    expected: Mapping[str, dict] | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Download, extract and verify the Fruits-360 workshop subset into ``data/fruits-360``.

    Parameters
    ----------
    url : str
        The archive to fetch. Default: the codecentric repository at a fixed commit.
    data_dir : Path, optional
        Default :func:`course_utils.paths.data_dir`.
    expected : mapping, optional
        Compact manifest to verify against. Default: the one shipped with the package.
    force : bool
        Download again even when a verified copy is present.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The verified folder (``<data_dir>/fruits-360``).

    Raises
    ------
    DownloadError
        No network, a server error, an interrupted transfer or a file that is not the
        dataset's archive.
    VerificationError
        Extracted files differ from the hashes (nothing is installed).
    ArchiveError
        An archive entry is unsafe, damaged or too large (nothing is installed).

    The archive is deleted after every attempt, failed or not, so that a later run
    (for example with a corrected ``url``) downloads afresh. A copy whose stamp no
    longer describes its files (see :func:`stamp_problem`) is downloaded again.
    """
    url = url or ARCHIVE_URL
    data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
    target = data_dir / datasets.REAL_FOLDER
    if (target / datasets.VERIFIED_STAMP).is_file() and not force:
        problem = stamp_problem(target)
        if problem is None:
            return target
        warnings.warn(
            f"The copy in {target} is no longer the verified one ({problem}); downloading "
            "it again.",
            datasets.DataWarning,
            stacklevel=2,
        )
    downloads_dir = fileio.ensure_folder(data_dir / "downloads", hint=DATA_HINT)
    archive_path = downloads_dir / ARCHIVE_NAME
    archive_path.unlink(missing_ok=True)  # never reuse an archive of an earlier run
    downloads.fetch(url, archive_path, progress=progress, hint=DATA_HINT)
    try:
        extract_fruits(archive_path, target, expected)
    except downloads.ArchiveError as error:
        raise downloads.ArchiveError(
            f"{error} The downloaded archive was deleted. {RETRY_HINT}"
        ) from error
    finally:
        archive_path.unlink(missing_ok=True)
    return target


def build_manifest_resource(listing_file: Path, output: Path) -> dict:
    """Write the compact manifest resource from a ``sha256sum`` listing (maintainers only)."""
    listing = parse_sha256_listing(Path(listing_file).read_text())
    groups = compact_manifest(listing)
    classes = sorted({key.split("/")[1] for key in groups})
    if classes != sorted(WORKSHOP_CLASSES):
        raise ValueError(f"The listing covers {classes}, not the workshop classes.")
    document = {
        "description": "Fruits-360 2018.07.01.0 workshop subset: files and tree SHA-256 per "
        "Split/Class (sha256 of the sorted '<path>  <sha256>\\n' lines)",
        "source": ARCHIVE_URL,
        "total_files": len(listing),
        "groups": groups,
    }
    fileio.atomic_write_text(output, json.dumps(document, indent=1) + "\n")
    return document


def _main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=build_manifest_resource.__doc__)
    parser.add_argument("listing", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    document = build_manifest_resource(args.listing, args.output)
    print(
        f"wrote {args.output}: {document['total_files']} files in {len(document['groups'])} groups"
    )


if __name__ == "__main__":
    _main()
