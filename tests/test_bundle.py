"""The instructor bundle: create, install, and refuse anything damaged or tampered with."""

from __future__ import annotations

import dataclasses
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
