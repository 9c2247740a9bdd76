"""The real-data download, end to end against an archive served from 127.0.0.1."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fruit_fixtures import LoopbackServer, make_fruits_tree, run_course

from course_utils import WORKSHOP_CLASSES, datasets, downloads, fruits360

TOP = f"from-keras-to-production-baseimage-{fruits360.COMMIT}"


def zip_tree(tree: Path, extra: dict[str, bytes] | None = None, change: str | None = None) -> bytes:
    """Zip ``tree`` the way GitHub does (``<repo>-<sha>/fruits-360/...``), with extras."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{TOP}/", "")
        archive.writestr(f"{TOP}/Dockerfile", "FROM python\n")
        archive.writestr(f"{TOP}/fruits-360/Training/.DS_Store", b"\0\0\0\1Bud1")
        archive.writestr(f"{TOP}/fruits-360/readme.md", "# Fruits-360\n")
        archive.writestr(f"{TOP}/fruits-360/test-multiple_fruits/a.jpg", b"not part of the subset")
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                relative = path.relative_to(tree).as_posix()
                data = path.read_bytes()
                if relative == change:
                    data = data[:-10] + b"0123456789"
                archive.writestr(f"{TOP}/fruits-360/{relative}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def tree(tmp_path):
    return make_fruits_tree(
        tmp_path / "source", classes=WORKSHOP_CLASSES, train=2, test=1, skip_test=("Peach",)
    )


@pytest.fixture
def manifest(tree):
    return fruits360.compact_manifest(fruits360.hash_tree(tree))


def leftovers(data_dir: Path) -> list[str]:
    """Everything in data_dir except the (empty) downloads folder."""
    return sorted(
        p.relative_to(data_dir).as_posix()
        for p in data_dir.rglob("*")
        if not (p.is_dir() and p.name == "downloads")
    )


def test_download_extract_verify_and_use(tree, manifest, isolated):
    data_dir = isolated / "data"
    with LoopbackServer({"/archive.zip": zip_tree(tree)}) as server:
        target = fruits360.download_fruits(
            server.url("/archive.zip"), data_dir=data_dir, expected=manifest, progress=False
        )
    assert target == data_dir / "fruits-360"
    assert (target / datasets.VERIFIED_STAMP).is_file()
    assert not list(target.rglob(".DS_Store")), "junk files are not extracted"
    assert not (target / "Dockerfile").exists(), "only the fruits-360 folder is extracted"
    assert (target / "readme.md").is_file(), "the dataset's own readme (credits) is kept"
    assert not (target / "test-multiple_fruits").exists(), "only Training/ and Test/ trees"
    assert leftovers(data_dir)[0] == "fruits-360", "no partial folders or archives remain"
    assert not list((data_dir / "downloads").iterdir())
    # The course now finds and loads the real data.
    source = datasets.find_real_fruits()
    assert source.kind == "real" and source.root == target
    fruits = datasets.load_fruits(target, image_size=(8, 8), verbose=False)
    assert fruits.class_names == list(WORKSHOP_CLASSES)
    # A second call does not download again (the server is gone).
    assert fruits360.download_fruits("http://127.0.0.1:9/none", data_dir=data_dir) == target


def fetch(url, data_dir, manifest):
    return fruits360.download_fruits(url, data_dir=data_dir, expected=manifest, progress=False)


def test_interrupted_transfer_leaves_nothing(tree, manifest, isolated):
    data_dir = isolated / "data"
    with LoopbackServer({"/archive.zip": zip_tree(tree)}) as server:
        url = server.url("/cut/archive.zip")
        with pytest.raises(downloads.DownloadError, match="broke off before the end. Try again"):
            fetch(url, data_dir, manifest)
    assert leftovers(data_dir) == []
    assert datasets.find_real_fruits() is None


def test_checksum_mismatch_names_the_class_and_removes_files(tree, manifest, isolated):
    data_dir = isolated / "data"
    changed = "Training/Banana/1_100.jpg"
    with LoopbackServer({"/archive.zip": zip_tree(tree, change=changed)}) as server:
        url = server.url("/archive.zip")
        with pytest.raises(fruits360.VerificationError) as error:
            fetch(url, data_dir, manifest)
    message = str(error.value)
    assert "Training/Banana: same number of files" in message
    assert "1 class folder(s) differ" in message and "--force" in message
    assert leftovers(data_dir) == []


def test_escaping_entry_is_refused(tree, manifest, isolated):
    data_dir = isolated / "data"
    evil = zip_tree(tree, extra={f"{TOP}/fruits-360/../../escaped.txt": b"gotcha"})
    with LoopbackServer({"/archive.zip": evil}) as server:
        url = server.url("/archive.zip")
        with pytest.raises(ValueError, match="Refusing to extract"):
            fetch(url, data_dir, manifest)
    assert leftovers(data_dir) == []
    assert not list(isolated.rglob("escaped.txt"))


def test_not_a_zip_and_no_server(isolated, manifest):
    data_dir = isolated / "data"
    with LoopbackServer({"/archive.zip": b"<html>rate limited</html>"}) as server:
        with pytest.raises(downloads.DownloadError, match="is a web page .HTML., not a zip"):
            fetch(server.url("/archive.zip"), data_dir, manifest)
        with pytest.raises(downloads.DownloadError, match="answered 404 .not found.") as error:
            fetch(server.url("/missing.zip"), data_dir, manifest)
        assert "address is wrong" in str(error.value)
        assert "internet connection" not in str(error.value)
    with pytest.raises(downloads.DownloadError, match="no internet connection"):
        fetch("http://127.0.0.1:9/archive.zip", data_dir, None)
    assert leftovers(data_dir) == []


def test_cli_reports_mismatch_against_the_shipped_hashes(tree, isolated):
    # The fixture archive is not the real dataset: the shipped manifest must reject it.
    with LoopbackServer({"/archive.zip": zip_tree(tree)}) as server:
        completed = run_course("download-fruits", "--url", server.url("/archive.zip"))
    assert completed.returncode == 1
    assert "do not match the published hashes" in completed.stderr
    assert "Training/Apricot: 2 files, 492 expected" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert leftovers(isolated / "data") == []


# --------------------------------------------------------------------------- the shipped hashes


def test_shipped_manifest_matches_the_published_listing(sha256_listing):
    listing = fruits360.parse_sha256_listing(sha256_listing.read_text())
    assert len(listing) == 10137
    assert fruits360.shipped_manifest() == fruits360.compact_manifest(listing)


def test_shipped_manifest_shape():
    groups = fruits360.shipped_manifest()
    assert sum(g["files"] for g in groups.values()) == 10137
    assert sum(g["files"] for k, g in groups.items() if k.startswith("Training/")) == 7709
    assert "Test/Peach" not in groups and "Training/Peach" in groups
    assert {k.split("/")[1] for k in groups} == set(WORKSHOP_CLASSES)


def test_real_sample_files_are_genuine(real_sample, sha256_listing):
    listing = fruits360.parse_sha256_listing(sha256_listing.read_text())
    found = fruits360.hash_tree(real_sample)
    images = {k: v for k, v in found.items() if k.endswith(".jpg")}
    assert len(images) > 1000
    assert all(listing.get(name) == digest for name, digest in images.items())
    # The sample is a subset, so verifying it as the full dataset names every class.
    with pytest.raises(
        fruits360.VerificationError, match="Training/Apricot: 62 files, 492 expected"
    ):
        fruits360.verify_tree(real_sample)


def test_listing_parser_rejects_garbage():
    with pytest.raises(ValueError, match="Line 1"):
        fruits360.parse_sha256_listing("not a hash line\n")


# --------------------------------------------------------------------------- stamp, verify-fruits


def installed(tree, manifest, data_dir):
    with LoopbackServer({"/archive.zip": zip_tree(tree)}) as server:
        return fetch(server.url("/archive.zip"), data_dir, manifest)


def run_cli(*args, env_extra=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "course_utils", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_stamp_is_not_trusted_when_training_is_deleted(tree, manifest, isolated):
    import shutil

    data_dir = isolated / "data"
    target = installed(tree, manifest, data_dir)
    assert fruits360.stamp_problem(target) is None
    shutil.rmtree(target / "Training")
    assert fruits360.stamp_problem(target) == "its Training/ folder is missing"
    assert not fruits360.is_verified(target)
    # download-fruits downloads again instead of saying "verified" (the server is gone here).
    with (
        pytest.warns(datasets.DataWarning, match="no longer the verified one"),
        pytest.raises(downloads.DownloadError, match="Could not reach"),
    ):
        fetch("http://127.0.0.1:9/archive.zip", data_dir, manifest)
    with pytest.warns(datasets.DataWarning, match="Training/ folder is missing"):
        repaired = installed(tree, manifest, data_dir)
    assert fruits360.is_verified(repaired) and (repaired / "Training" / "Banana").is_dir()


def test_cli_download_with_a_broken_stamped_copy_is_not_verified(tree, manifest, isolated):
    import shutil

    target = installed(tree, manifest, isolated / "data")
    shutil.rmtree(target / "Training")
    completed = run_cli("download-fruits", "--url", "http://127.0.0.1:9/archive.zip")
    assert completed.returncode == 1
    assert "verified in" not in completed.stdout
    assert "Training/ folder is missing" in completed.stderr
    assert "Could not reach 127.0.0.1:9" in completed.stderr


def test_files_added_removed_or_swapped_after_verification(tree, manifest, isolated):
    target = installed(tree, manifest, isolated / "data")
    banana = sorted((target / "Training" / "Banana").iterdir())
    kiwi = sorted((target / "Training" / "Kiwi").iterdir())
    # A Kiwi photo copied over a Banana file: same count, new contents.
    original = banana[0].read_bytes()
    banana[0].write_bytes(kiwi[0].read_bytes())
    problem = fruits360.stamp_problem(target)
    assert problem is not None and "Training/Banana: same number of files" in problem
    banana[0].write_bytes(original)  # put back: new mtime, same contents -> verified again
    assert fruits360.stamp_problem(target) is None
    stamp = json.loads((target / datasets.VERIFIED_STAMP).read_text())
    assert stamp["stat"] == fruits360.stat_fingerprint(target), "the stamp was renewed"
    (target / "Training" / "Banana" / "extra.jpg").write_bytes(original)
    assert "files were added or removed" in fruits360.stamp_problem(target)
    (target / "Training" / "Banana" / "extra.jpg").unlink()
    (target / "readme.md").write_text("changed")
    assert fruits360.stamp_problem(target) == "readme.md changed since it was verified"


def test_old_stamps_without_fingerprint_are_checked_and_upgraded(tree, manifest, isolated):
    target = installed(tree, manifest, isolated / "data")
    stamp_path = target / datasets.VERIFIED_STAMP
    old = json.loads(stamp_path.read_text())
    stamp_path.write_text(json.dumps({"source": old["source"], "groups": old["groups"]}))
    assert fruits360.stamp_problem(target) is None
    assert "stat" in json.loads(stamp_path.read_text())
    stamp_path.write_text("{broken")
    assert "unreadable" in fruits360.stamp_problem(target)


def test_verify_names_files_that_are_not_utf8(tree, tmp_path):
    import os

    bad = os.fsencode(tree / "Training" / "Banana") + b"/bad\xff.jpg"
    with open(bad, "wb") as handle:
        handle.write(b"")
    completed = run_cli("verify-fruits", str(tree))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr and "surrogates" not in completed.stderr
    assert "not valid UTF-8" in completed.stderr
    assert "Training/Banana/bad\\xff.jpg" in completed.stderr


def test_verify_a_missing_path_a_file_or_another_folder(tmp_path):
    missing = run_cli("verify-fruits", str(tmp_path / "nope"))
    assert missing.returncode == 1
    assert "There is no folder" in missing.stderr and "class folder" not in missing.stderr
    (tmp_path / "file.txt").write_text("x")
    a_file = run_cli("verify-fruits", str(tmp_path / "file.txt"))
    assert a_file.returncode == 1 and "is a file, not a folder" in a_file.stderr
    other = run_cli("verify-fruits", str(tmp_path))
    assert other.returncode == 1
    assert "has no Training/ or Test/ folder" in other.stderr and "file.txt" in other.stderr


def test_verify_own_copy_gives_no_circular_advice(tree, monkeypatch):
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(tree))
    with pytest.raises(fruits360.VerificationError) as error:
        fruits360.verify_tree(tree)
    message = str(error.value)
    assert "This is your own copy (COURSE_FRUITS_DIR)" in message
    assert "set COURSE_FRUITS_DIR" not in message


def test_downloaded_folder_follows_the_umask(tree, manifest, isolated):
    import os

    old = os.umask(0o022)
    try:
        target = installed(tree, manifest, isolated / "data")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o755
    assert (target / datasets.VERIFIED_STAMP).stat().st_mode & 0o777 == 0o644
    assert (target / "Training" / "Banana").stat().st_mode & 0o777 == 0o755
