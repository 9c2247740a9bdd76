"""The instructor bundle: create, install, and refuse anything damaged or tampered with."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import subprocess
import sys
import zipfile

import pytest
from fruit_fixtures import make_fruits_tree

from course_utils import bundle, datasets, downloads, fileio, fruits360, pretrained


@pytest.fixture
def stand_ins(tmp_path):
    """Small local files standing in for the weight files and the class index."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    items = []
    for index, real in enumerate(pretrained.COURSE_FILES):
        path = folder / real.filename
        path.write_bytes(f"stand-in {index} for {real.filename}\n".encode() * 100)
        items.append(dataclasses.replace(real, md5=fileio.file_hash(path, alg="md5")))
    return folder, tuple(items)


@pytest.fixture
def fruits(tmp_path):
    tree = make_fruits_tree(tmp_path / "fruits", train=2, test=1, skip_test=("Peach",))
    return tree, fruits360.compact_manifest(fruits360.hash_tree(tree))


@pytest.fixture
def made(tmp_path, isolated, stand_ins, fruits):
    folder, items = stand_ins
    tree, _ = fruits
    path = bundle.create_bundle(
        tmp_path / "out" / "course-bundle.zip",
        sources=[folder],
        files=items,
        fruits_dir=tree,
        progress=False,
    )
    return path


def installed_state(isolated):
    keras_files = (
        sorted(p.name for p in (isolated / "keras" / "models").glob("*"))
        if (isolated / "keras" / "models").exists()
        else []
    )
    data = isolated / "data"
    data_entries = sorted(p.name for p in data.iterdir()) if data.exists() else []
    return keras_files, data_entries


def entry(data: bytes) -> dict:
    """A manifest entry as `bundle create` writes it."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def rewrite(source, target, change):
    """Copy a zip, letting ``change(name, data)`` alter or drop entries (return None to drop)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def test_round_trip(made, isolated, stand_ins, fruits):
    _, items = stand_ins
    tree, manifest = fruits
    with zipfile.ZipFile(made) as archive:
        listed = json.loads(archive.read("manifest.json"))["files"]
    assert f"keras/models/{pretrained.VGG16_TOP.filename}" in listed
    assert sum(name.startswith("data/fruits-360/") for name in listed) == 16 * 2 + 15
    lines = bundle.install_bundle(made, files=items, fruits_manifest=manifest)
    assert len(lines) == len(items) + 1
    for item in items:
        path = isolated / "keras" / "models" / item.filename
        assert fileio.file_hash(path, alg="md5") == item.md5
    source = datasets.find_real_fruits()
    assert source is not None and source.kind == "real"
    assert fruits360.hash_tree(source.root) == fruits360.hash_tree(tree)
    assert installed_state(isolated)[1] == ["fruits-360"], "no staging folders left behind"


def test_tampered_file_installs_nothing(made, isolated, stand_ins, fruits, tmp_path):
    _, items = stand_ins
    victim = f"keras/models/{pretrained.XCEPTION_TOP.filename}"
    bad = rewrite(made, tmp_path / "bad.zip", lambda n, d: d[:-1] + b"!" if n == victim else d)
    with pytest.raises(bundle.BundleError, match="SHA-256 differs") as error:
        bundle.install_bundle(bad, files=items, fruits_manifest=fruits[1])
    assert "nothing was installed" in str(error.value)
    assert installed_state(isolated) == ([], [])


def test_tampered_file_and_manifest_is_caught_by_the_known_hashes(
    made, isolated, stand_ins, fruits, tmp_path
):
    _, items = stand_ins
    victim = f"keras/models/{pretrained.VGG16_NOTOP.filename}"
    evil = b"malicious weights"

    def change(name, data):
        if name == victim:
            return evil
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][victim] = entry(evil)
            return json.dumps(manifest).encode()
        return data

    bad = rewrite(made, tmp_path / "bad.zip", change)
    with pytest.raises(bundle.BundleError, match="MD5 differs"):
        bundle.install_bundle(bad, files=items, fruits_manifest=fruits[1])
    assert installed_state(isolated) == ([], [])


def test_tampered_fruit_is_caught(made, isolated, stand_ins, fruits, tmp_path):
    _, items = stand_ins
    # A consistent manifest cannot hide a changed image: the shipped fruit hashes catch it.
    victim = "data/fruits-360/Training/Kiwi/0_100.jpg"

    def change(name, data):
        if name == victim:
            return data + b"x"
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][victim] = entry(zipfile.ZipFile(made).read(victim) + b"x")
            return json.dumps(manifest).encode()
        return data

    bad = rewrite(made, tmp_path / "bad.zip", change)
    with pytest.raises(bundle.BundleError, match="Training/Kiwi"):
        bundle.install_bundle(bad, files=items, fruits_manifest=fruits[1])
    assert installed_state(isolated) == ([], [])


def test_truncated_bundle(made, isolated, stand_ins, tmp_path):
    cut = tmp_path / "cut.zip"
    cut.write_bytes(made.read_bytes()[: made.stat().st_size // 2])
    with pytest.raises(bundle.BundleError, match="not a complete zip"):
        bundle.install_bundle(cut, files=stand_ins[1])
    assert installed_state(isolated) == ([], [])


def test_unlisted_and_unexpected_entries(made, isolated, stand_ins, tmp_path):
    _, items = stand_ins
    extra = tmp_path / "extra.zip"
    with zipfile.ZipFile(extra, "w") as archive:
        with zipfile.ZipFile(made) as source:
            for info in source.infolist():
                archive.writestr(info, source.read(info))
        archive.writestr("keras/models/backdoor.h5", b"x")
    with pytest.raises(bundle.BundleError, match="do not match its manifest"):
        bundle.install_bundle(extra, files=items)
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"files": {"etc/profile": entry(b"x")}}))
        archive.writestr("etc/profile", b"x")
    with pytest.raises(bundle.BundleError, match="Unexpected entry"):
        bundle.install_bundle(odd, files=items)
    escape = tmp_path / "escape.zip"
    with zipfile.ZipFile(escape, "w") as archive:
        name = "keras/models/../../../escaped.txt"
        archive.writestr("manifest.json", json.dumps({"files": {name: entry(b"x")}}))
        archive.writestr(name, b"x")
    with pytest.raises(ValueError, match="Refusing"):
        bundle.install_bundle(escape, files=items)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert installed_state(isolated) == ([], [])


def test_create_offline_without_the_files_says_what_to_do(isolated, tmp_path):
    with pytest.raises(downloads.DownloadError, match="machine with internet access"):
        bundle.create_bundle(tmp_path / "b.zip", parts=["weights"], progress=False)
    assert not (tmp_path / "b.zip").exists()
    with pytest.raises(ValueError, match="Unknown bundle part"):
        bundle.create_bundle(tmp_path / "b.zip", parts=["everything"])


def test_cli_install_errors_are_readable(isolated, tmp_path):
    cut = tmp_path / "cut.zip"
    cut.write_bytes(b"PK\x03\x04 broken")
    result = subprocess.run(
        [sys.executable, "-m", "course_utils", "bundle", "install", str(cut)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "not a complete zip" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- hostile bundles


def one_file_bundle(path, manifest, members):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


INDEX = f"keras/models/{pretrained.CLASS_INDEX.filename}"


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ([1, 2], "a JSON object was expected, not list"),
        ({"files": [INDEX]}, "'files' must map each member"),
        ({"files": {INDEX: "abc"}}, "is not an object"),
        ({"files": {INDEX: {"bytes": 1}}}, "has no valid 'sha256'"),
        ({"files": {INDEX: {"sha256": "a" * 64}}}, "has no valid 'bytes'"),
        ({"files": {}}, "The bundle is empty"),
    ],
)
def test_malformed_manifests_are_explained(isolated, tmp_path, stand_ins, manifest, message):
    path = one_file_bundle(tmp_path / "b.zip", manifest, {INDEX: b"x"})
    with pytest.raises(bundle.BundleError, match=message) as error:
        bundle.install_bundle(path, files=stand_ins[1])
    assert "fresh copy" in str(error.value)
    assert installed_state(isolated) == ([], [])


def test_cli_malformed_manifest_exits_1_without_traceback(isolated, tmp_path):
    path = one_file_bundle(tmp_path / "b.zip", {"files": {}}, {})
    result = subprocess.run(
        [sys.executable, "-m", "course_utils", "bundle", "install", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "The bundle is empty" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_zip_bomb_is_refused_by_the_manifest_sizes(isolated, tmp_path, stand_ins):
    buffer = tmp_path / "bomb.zip"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "manifest.json", json.dumps({"files": {INDEX: {"sha256": "a" * 64, "bytes": 1}}})
        )
        archive.writestr(INDEX, bytes(50 << 20))
    assert buffer.stat().st_size < 200_000
    with pytest.raises(bundle.BundleError, match="would inflate to 52,428,800 bytes"):
        bundle.install_bundle(buffer, files=stand_ins[1])
    assert installed_state(isolated) == ([], [])


def test_unverified_fruits_file_with_a_correct_hash_is_refused(isolated, tmp_path, stand_ins):
    name = "data/fruits-360/evil_notebook.ipynb"
    path = one_file_bundle(tmp_path / "b.zip", {"files": {name: entry(b"{}")}}, {name: b"{}"})
    with pytest.raises(bundle.BundleError, match="the fruits part holds only Training/, Test/"):
        bundle.install_bundle(path, files=stand_ins[1])
    assert installed_state(isolated) == ([], [])


def test_bundles_carry_only_verified_fruit_files(made, tmp_path, isolated, stand_ins, fruits):
    tree, manifest = fruits
    (tree / "notes.ipynb").write_text("{}")
    (tree / datasets.VERIFIED_STAMP).write_text("{}")
    (tree / "readme.md").write_text("# Fruits-360\n")
    again = bundle.create_bundle(
        tmp_path / "again.zip",
        parts=["fruits"],
        files=stand_ins[1],
        fruits_dir=tree,
        progress=False,
    )
    names = zipfile.ZipFile(again).namelist()
    assert "data/fruits-360/readme.md" in names
    assert not any(n.endswith(("notes.ipynb", datasets.VERIFIED_STAMP)) for n in names)
    bundle.install_bundle(again, files=stand_ins[1], fruits_manifest=manifest)
    target = isolated / "data" / "fruits-360"
    assert sorted(p.name for p in target.iterdir()) == [
        datasets.VERIFIED_STAMP,
        "Test",
        "Training",
        "readme.md",
    ]
    assert fruits360.is_verified(target)


def test_a_full_disk_is_not_called_damage(made, isolated, stand_ins, fruits, monkeypatch):
    real_open = fileio.Path.open

    def full(self, mode="r", *args, **kwargs):
        if "w" in mode and ".bundle-install.partial-" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(fileio.Path, "open", full)
    with pytest.raises(fileio.WriteError, match="No space left") as error:
        bundle.install_bundle(made, files=stand_ins[1], fruits_manifest=fruits[1])
    assert "damaged" not in str(error.value) and "COURSE_DATA_DIR" in str(error.value)
    assert installed_state(isolated) == ([], [])


def test_not_enough_free_space_is_said_before_extracting(made, isolated, stand_ins, monkeypatch):
    monkeypatch.setattr(
        bundle.shutil, "disk_usage", lambda folder: shutil_usage(total=10**6, used=10**6, free=10)
    )
    with pytest.raises(fileio.WriteError, match="Not enough space to install the bundle"):
        bundle.install_bundle(made, files=stand_ins[1])
    assert installed_state(isolated) == ([], [])


def shutil_usage(**sizes):
    import shutil

    return shutil._ntuple_diskusage(**sizes)


def test_read_only_keras_home_installs_nothing(made, isolated, stand_ins, fruits, monkeypatch):
    # Tests run as root (chmod does not stop root): make the cache refuse writes instead.
    cache = isolated / "keras" / "models"
    real_mkdtemp = fileio.tempfile.mkdtemp

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and str(dir).startswith(str(cache.parent)):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_mkdtemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(fileio.tempfile, "mkdtemp", refuse)
    with pytest.raises(fileio.WriteError, match="read-only") as error:
        bundle.install_bundle(made, files=stand_ins[1], fruits_manifest=fruits[1])
    assert "KERAS_HOME" in str(error.value)
    assert installed_state(isolated)[0] == []
    assert installed_state(isolated)[1] == [], "the fruits were not installed either"


def test_interrupted_install_puts_everything_back(made, isolated, stand_ins, fruits, monkeypatch):
    _, items = stand_ins
    # An earlier install: the user's class index and fruits stay if the new one fails.
    bundle.install_bundle(made, files=items, fruits_manifest=fruits[1])
    index = isolated / "keras" / "models" / items[-1].filename
    before = index.read_bytes()
    (isolated / "data" / "fruits-360" / "notes.txt").write_text("mine")
    real_rename = fileio.Path.rename

    def busy(self, target):
        if fileio.Path(target).name == items[-1].filename and ".partial-" in str(self):
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(self, target)

    monkeypatch.setattr(fileio.Path, "rename", busy)
    with pytest.raises(OSError, match="busy"):
        bundle.install_bundle(made, files=items, fruits_manifest=fruits[1])
    monkeypatch.undo()
    assert (isolated / "data" / "fruits-360" / "notes.txt").read_text() == "mine"
    assert index.read_bytes() == before
    assert installed_state(isolated)[1] == ["fruits-360"], "no staging or .old folders left"
    assert sorted(installed_state(isolated)[0]) == sorted(i.filename for i in items)


def test_installed_files_are_readable_by_others(made, isolated, stand_ins, fruits):
    import os

    old = os.umask(0o022)
    try:
        bundle.install_bundle(made, files=stand_ins[1], fruits_manifest=fruits[1])
    finally:
        os.umask(old)
    for item in stand_ins[1]:
        assert (isolated / "keras" / "models" / item.filename).stat().st_mode & 0o777 == 0o644
    assert (isolated / "data" / "fruits-360").stat().st_mode & 0o777 == 0o755


def test_old_bundles_with_a_stamp_still_install(made, isolated, stand_ins, fruits, tmp_path):
    stamp = f"data/fruits-360/{datasets.VERIFIED_STAMP}"

    def add_stamp(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"][stamp] = entry(b"{}")
            return json.dumps(manifest).encode()
        return data

    old = rewrite(made, tmp_path / "old.zip", add_stamp)
    with zipfile.ZipFile(old, "a") as archive:
        archive.writestr(stamp, b"{}")
    bundle.install_bundle(old, files=stand_ins[1], fruits_manifest=fruits[1])
    assert fruits360.is_verified(isolated / "data" / "fruits-360")


def test_html_instead_of_a_bundle(isolated, tmp_path):
    page = tmp_path / "bundle.zip"
    page.write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(bundle.BundleError, match="is a web page"):
        bundle.install_bundle(page)
