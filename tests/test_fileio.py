"""Atomic writes, atomic folders, permissions, clear disk errors and file hashes."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys

import pytest

from course_utils import fileio


def _entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_file_hash_matches_hashlib(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(200_000))
    assert fileio.file_hash(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fileio.file_hash(path, alg="md5") == hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="not available"):
        fileio.file_hash(path, alg="nonsense")


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "stamp.json"
    fileio.atomic_write_text(target, "first")
    fileio.atomic_write_text(target, "second é")
    assert target.read_text(encoding="utf-8") == "second é"
    fileio.atomic_write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert _entries(target.parent) == ["stamp.json"]


def test_atomic_file_error_keeps_the_old_file(tmp_path):
    target = tmp_path / "model.h5"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), fileio.atomic_file(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert _entries(tmp_path) == ["model.h5"]


def test_atomic_file_rejects_append_mode(tmp_path):
    with pytest.raises(ValueError, match="'wb' or 'w'"), fileio.atomic_file(tmp_path / "x", "ab"):
        pass


def test_full_disk_gives_a_clear_message_and_no_litter(tmp_path, monkeypatch):
    target = tmp_path / "big.bin"
    target.write_bytes(b"old")
    real_fsync = os.fsync

    def full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full)
    with pytest.raises(fileio.WriteError, match="No space left on the disk") as caught:
        fileio.atomic_write_bytes(target, b"new" * 1000, hint="Set COURSE_DATA_DIR elsewhere.")
    monkeypatch.setattr(fileio.os, "fsync", real_fsync)
    assert caught.value.errno == errno.ENOSPC
    assert "Free some space" in str(caught.value)
    assert "Set COURSE_DATA_DIR elsewhere." in str(caught.value)
    assert target.read_bytes() == b"old"
    assert _entries(tmp_path) == ["big.bin"]


def test_read_only_folder_gives_a_clear_message(tmp_path, monkeypatch):
    # Tests run as root, for whom chmod does not stop writes: simulate the refusal.
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fileio.tempfile, "mkstemp", refuse)
    with pytest.raises(fileio.WriteError, match="read-only for you") as caught:
        fileio.atomic_write_text(tmp_path / "x.txt", "x", hint="Set KERAS_HOME.")
    assert "Set KERAS_HOME." in str(caught.value)
    assert isinstance(caught.value, OSError)
    assert _entries(tmp_path) == []


def test_other_errors_are_left_alone(tmp_path):
    error = OSError(errno.EIO, "I/O error")
    assert fileio.explain_write_error(error, tmp_path / "x") is error
    explained = fileio.explain_write_error(OSError(errno.EROFS, "Read-only file system"), "a/b")
    assert isinstance(explained, fileio.WriteError) and "Cannot write to a" in str(explained)


def test_files_and_folders_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with fileio.atomic_folder(tmp_path / "shared") as staging:
            fileio.atomic_write_text(staging / "f.txt", "x")
        fileio.atomic_copy(tmp_path / "shared" / "f.txt", tmp_path / "copy.txt")
        assert fileio.current_umask() == 0o022
    finally:
        os.umask(old)
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "shared" / "f.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "copy.txt").stat().st_mode & 0o777 == 0o644


def test_private_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        fileio.atomic_write_text(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "private.txt").stat().st_mode & 0o777 == 0o600


def test_atomic_folder_replaces_only_on_success(tmp_path):
    final = tmp_path / "fruits"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(KeyError), fileio.atomic_folder(final) as staging:
        (staging / "new.txt").write_text("half")
        raise KeyError("interrupted")
    assert _entries(final) == ["old.txt"]
    assert _entries(tmp_path) == ["fruits"]
    with fileio.atomic_folder(final) as staging:
        (staging / "new.txt").write_text("new")
    assert _entries(final) == ["new.txt"]
    assert _entries(tmp_path) == ["fruits"]


def test_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    final = tmp_path / "fruits"
    final.mkdir()
    (final / "old.txt").write_text("old")
    source = tmp_path / "new"
    source.mkdir()
    real_rename = type(source).rename

    def busy(self, target):
        if self == source:
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(self, target)

    monkeypatch.setattr(type(source), "rename", busy)
    with pytest.raises(OSError, match="busy"):
        fileio.replace_folder(source, final)
    monkeypatch.undo()
    assert _entries(final) == ["old.txt"]
    assert sorted(_entries(tmp_path)) == ["fruits", "new"]


def test_staging_of_a_killed_process_is_cleaned_next_time(tmp_path):
    # A real process that has ended leaves its staging folder and a partial file.
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, pathlib, sys; from course_utils import fileio; "
            "s = fileio.make_staging_folder(pathlib.Path(sys.argv[1]) / 'fruits'); "
            "(s / 'half.jpg').write_bytes(b'x'); "
            "name = fileio.staging_name('fruits.zip') + 'dl'; "
            "pathlib.Path(sys.argv[1], name).write_bytes(b'x'); "
            "os._exit(0)",
            str(tmp_path),
        ],
        check=True,
    )
    assert child.returncode == 0
    left = _entries(tmp_path)
    assert len(left) == 2 and all(".partial-" in name for name in left)
    # A staging folder of this (running) process is kept.
    mine = fileio.make_staging_folder(tmp_path / "fruits")
    assert mine.is_dir()
    assert len([n for n in _entries(tmp_path) if n.startswith(".fruits.partial-")]) == 1
    removed = fileio.clean_stale(tmp_path, "fruits.zip")
    assert [p.name.startswith(".fruits.zip.partial-") for p in removed] == [True]
    assert _entries(tmp_path) == [mine.name]


def test_ensure_folder_read_only(tmp_path, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(type(tmp_path), "mkdir", refuse)
    with pytest.raises(fileio.WriteError, match="read-only"):
        fileio.ensure_folder(tmp_path / "models", hint="Set KERAS_HOME to a folder you own.")


def test_replace_together_is_all_or_nothing(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("old b")
    new_a = tmp_path / ".a.new"
    new_a.write_text("new a")
    new_b = tmp_path / ".b.new"
    new_b.mkdir()
    (new_b / "x.txt").write_text("new b")
    real_rename = type(new_b).rename

    def busy(self, target):
        if self == new_b:
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(self, target)

    monkeypatch.setattr(type(new_b), "rename", busy)
    with pytest.raises(OSError, match="busy"):
        fileio.replace_together([(new_a, tmp_path / "a.txt"), (new_b, tmp_path / "b")])
    monkeypatch.undo()
    assert (tmp_path / "a.txt").read_text() == "old a", "the first move was undone"
    assert (tmp_path / "b" / "notes.txt").read_text() == "old b"
    assert new_a.read_text() == "new a" and new_b.is_dir()
    assert _entries(tmp_path) == [".a.new", ".b.new", "a.txt", "b"]
    fileio.replace_together([(new_a, tmp_path / "a.txt"), (new_b, tmp_path / "b")])
    assert (tmp_path / "a.txt").read_text() == "new a"
    assert _entries(tmp_path / "b") == ["x.txt"]
    assert _entries(tmp_path) == ["a.txt", "b"]
