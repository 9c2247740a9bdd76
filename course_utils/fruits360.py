"""The real Fruits-360 workshop subset: download, extract, verify.

The 16 workshop classes (Fruits-360 version 2018.07.01.0, 100x100 RGB JPEG on white,
by Horea Muresan and Mihai Oltean, MIT licence) sit in the ``fruits-360/`` folder of
the archive of the GitHub repository codecentric/from-keras-to-production-baseimage.
:func:`download_fruits` fetches that archive, extracts only that folder, checks every
file against the hashes shipped with this package, and only then moves the folder to
``data/fruits-360`` with a ``.verified.json`` stamp.

The package ships a compact form of the hashes (``resources/fruits360_subset.json``):
for every ``split/class`` the number of files and one SHA-256 over the sorted list of
``"<path>  <sha256>"`` lines. That is enough to say which classes differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from course_utils import WORKSHOP_CLASSES, datasets, downloads, paths

REPOSITORY = "codecentric/from-keras-to-production-baseimage"
COMMIT = "b8dd53e9deda8ed689279e1aff7532a37ddbd4ce"
ARCHIVE_URL = f"https://github.com/{REPOSITORY}/archive/{COMMIT}.zip"
ARCHIVE_FOLDER = "fruits-360"
ARCHIVE_NAME = "fruits-360-workshop.zip"
MANIFEST_RESOURCE = "fruits360_subset.json"


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


def compact_manifest(listing: Mapping[str, str]) -> dict[str, dict]:
    """Reduce ``{path: sha256}`` to ``{"Split/Class": {"files": n, "sha256": tree hash}}``."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, digest in listing.items():
        groups[group_key(name)].append(f"{name}  {digest}\n")
    return {
        key: {
            "files": len(lines),
            "sha256": hashlib.sha256("".join(sorted(lines)).encode()).hexdigest(),
        }
        for key, lines in sorted(groups.items())
    }


def shipped_manifest() -> dict[str, dict]:
    """Return the compact manifest of the real 16-class subset shipped with the package."""
    text = resources.files("course_utils").joinpath("resources", MANIFEST_RESOURCE).read_text()
    return json.loads(text)["groups"]


def hash_tree(root: Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` for every file in the ``Training/`` and ``Test/`` trees.

    Files beside them (the dataset's readme and licence) are not part of the hashes.
    """
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): downloads.sha256_file(path)
        for split in datasets.SPLITS
        for path in sorted((root / split).rglob("*"))
        if path.is_file()
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


def verify_tree(root: Path, expected: Mapping[str, dict] | None = None) -> dict[str, dict]:
    """Check every file below ``root`` against a compact manifest; return the manifest found.

    Raises
    ------
    VerificationError
        Naming each class that differs, and what to do.
    """
    expected = shipped_manifest() if expected is None else expected
    found = compact_manifest(hash_tree(root))
    differences = compare(found, expected)
    if differences:
        listing = "\n".join(f"  {difference}" for difference in differences)
        raise VerificationError(
            f"The Fruits-360 files in {root} do not match the published hashes "
            f"({len(differences)} class folder(s) differ):\n{listing}\n"
            "The download was damaged or the archive changed. Run "
            "`python -m course_utils download-fruits --force` to fetch it again; if it still "
            "differs, use an instructor bundle or set COURSE_FRUITS_DIR to your own copy."
        )
    return found


# --------------------------------------------------------------------------- download


def _archive_mapper(archive: zipfile.ZipFile, folder: str):
    """Return a function mapping archive names inside ``<top>/<folder>/`` to relative paths."""
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

    def keep(name: str) -> str | None:
        """Keep Training/, Test/ and the files beside them (readme, licence); drop the rest."""
        parts = PurePosixPath(name).parts
        if parts[: len(prefix)] != prefix or len(parts) == len(prefix) or name.endswith("/"):
            return None
        inner = parts[len(prefix) :]
        if len(inner) > 1 and inner[0] not in datasets.SPLITS:
            return None
        relative = "/".join(inner)
        return None if downloads.is_junk(relative) else relative

    return keep


def extract_fruits(archive_path: Path, target: Path, expected: Mapping[str, dict] | None) -> Path:
    """Extract the ``fruits-360/`` folder of an archive to ``target``, verified and atomically."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except zipfile.BadZipFile as error:
        raise downloads.DownloadError(
            f"{archive_path} is not a complete zip archive ({error}); it was probably cut off. "
            "Run `python -m course_utils download-fruits --force` to fetch it again."
        ) from error
    with archive, downloads.staging_folder(target) as staging:
        members = downloads.safe_members(archive, _archive_mapper(archive, ARCHIVE_FOLDER))
        count = downloads.extract_members(archive, members, staging)
        found = verify_tree(staging, expected)
        stamp = {"source": ARCHIVE_URL, "files": count, "groups": found}
        (staging / datasets.VERIFIED_STAMP).write_text(json.dumps(stamp, indent=1))
    return target


def download_fruits(
    url: str = ARCHIVE_URL,
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
        No network, interrupted transfer or an archive that is not the dataset.
    VerificationError
        Extracted files differ from the hashes (nothing is installed).
    ValueError
        An archive entry would land outside the target (nothing is installed).
    """
    data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
    target = data_dir / datasets.REAL_FOLDER
    if (target / datasets.VERIFIED_STAMP).is_file() and not force:
        return target
    archive_path = data_dir / "downloads" / ARCHIVE_NAME
    if force:
        archive_path.unlink(missing_ok=True)
    downloads.fetch(url, archive_path, progress=progress)
    try:
        extract_fruits(archive_path, target, expected)
    except (VerificationError, downloads.DownloadError, ValueError):
        archive_path.unlink(missing_ok=True)
        raise
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
    Path(output).write_text(json.dumps(document, indent=1) + "\n")
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
