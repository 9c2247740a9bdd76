"""The loader against hostile and odd input (cases 6-25 of the reliability probe).

Each test builds its own small input in tmp_path and checks that one bad file never
aborts a load: it is skipped and named, the rest is loaded, and messages say what to do.
"""

from __future__ import annotations

import io
import os
import random
import struct
import warnings
import zlib

import numpy as np
import pytest
from fruit_fixtures import make_fruits_tree
from PIL import Image, JpegImagePlugin

from course_utils import datasets, image_reader
from course_utils.datasets import DataWarning, load_fruits
from course_utils.image_reader import UnusableImage, read_image

SIZE = (16, 16)
TWO = ["Apricot", "Banana"]


def load(root, **kwargs):
    kwargs.setdefault("image_size", SIZE)
    kwargs.setdefault("verbose", False)
    kwargs.setdefault("classes", TWO)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return load_fruits(root, **kwargs)


def two_classes(tmp_path, train=3, test=1):
    return make_fruits_tree(tmp_path / "fruits", classes=TWO, train=train, test=test)


def reasons(data):
    return {item.path.name: item.reason for item in data.skipped}


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def tiff_with_size(width: int, height: int) -> bytes:
    """A small valid TIFF whose width and height tags are then changed (a flipped header)."""
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 100, 0)).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    assert data[:2] == b"II"
    offset = struct.unpack_from("<I", data, 4)[0]
    (count,) = struct.unpack_from("<H", data, offset)
    for entry in range(count):
        at = offset + 2 + 12 * entry
        tag, kind = struct.unpack_from("<HH", data, at)
        if tag in (256, 257):
            value = width if tag == 256 else height
            if kind == 3:  # SHORT
                struct.pack_into("<H", data, at + 8, value)
            else:
                struct.pack_into("<I", data, at + 8, value)
    return bytes(data)


# --------------------------------------------------------------------------- BUG 1: huge images


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bomb.png", png_declaring(20000, 20000), "too large"),  # Pillow's bomb error
        ("big.png", png_declaring(9000, 8000), "too large (9000x8000 pixels"),  # our bound
        ("flipped.tif", tiff_with_size(30000, 30000), "too large"),
        ("flipped-less.tif", tiff_with_size(8500, 8500), "too large (8500x8500 pixels"),
    ],
)
def test_images_declaring_huge_sizes_are_skipped_and_named(tmp_path, name, content, reason):
    root = two_classes(tmp_path)
    (root / "Training" / "Banana" / name).write_bytes(content)
    with pytest.warns(DataWarning) as caught:
        data = load(root)
    assert reason in reasons(data)[name]
    assert len(data.x_train) + len(data.x_val) == 6  # every good image still loaded
    message = "\n".join(str(w.message) for w in caught if w.category is DataWarning)
    assert f"Training/Banana/{name}: too large" in message
    assert "Delete or replace them" in message


def test_large_jpeg_photos_are_decoded_at_reduced_scale(tmp_path, monkeypatch):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (3000, 2000), (30, 160, 40)).save(path, quality=90)
    requested = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        requested.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    pixels, note = read_image(path, (32, 32))
    assert requested and requested[0][0] * requested[0][1] <= 3000 * 2000 // 64  # 1/8 scale
    assert pixels.shape == (32, 32, 3) and np.allclose(pixels, (30, 160, 40), atol=6)
    assert note == "other size"


def test_header_fuzz_never_escapes_as_anything_but_a_skip(tmp_path):
    """Probe case 7 in small: random bytes in the header of many formats."""
    rng = random.Random(7)
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8))
    escaped, outcomes = [], {"read": 0, "skipped": 0}
    for fmt, suffix in (("JPEG", ".jpg"), ("PNG", ".png"), ("GIF", ".gif"), ("TIFF", ".tif")):
        buffer = io.BytesIO()
        picture.save(buffer, fmt)
        original = buffer.getvalue()
        for trial in range(60):
            data = bytearray(original)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(min(200, len(data)))] = rng.randrange(256)
            path = tmp_path / f"{trial}{suffix}"
            path.write_bytes(bytes(data))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    read_image(path, (16, 16))
                outcomes["read"] += 1
            except UnusableImage:
                outcomes["skipped"] += 1
            except Exception as error:  # the point of the test: nothing else may escape
                escaped.append(f"{path.name}: {type(error).__name__}: {error}")
    assert not escaped, escaped[:5]
    assert outcomes["read"] > 0 and outcomes["skipped"] > 0


# --------------------------------------------------------------------------- BUG 2: vanishing files


def test_dangling_symlink_is_skipped_and_named(tmp_path):
    root = two_classes(tmp_path)
    link = root / "Training" / "Banana" / "dangling.jpg"
    os.symlink(tmp_path / "nowhere.jpg", link)
    with pytest.warns(DataWarning, match=r"Training/Banana/dangling\.jpg: missing \(a broken"):
        data = load(root)
    assert "broken symbolic link" in reasons(data)["dangling.jpg"]
    assert len(data.x_train) + len(data.x_val) == 6


def test_file_deleted_while_loading_is_skipped_and_named(tmp_path, monkeypatch):
    root = two_classes(tmp_path)
    victim = root / "Training" / "Apricot" / "1_100.jpg"
    real_list_split = datasets.list_split

    def list_then_delete(*args, **kwargs):
        found = real_list_split(*args, **kwargs)
        victim.unlink(missing_ok=True)  # another program removes it after the listing
        return found

    monkeypatch.setattr(datasets, "list_split", list_then_delete)
    with pytest.warns(DataWarning, match=r"Apricot/1_100\.jpg: missing \(the file was deleted"):
        data = load(root)
    assert len(data.x_train) + len(data.x_val) == 5


def test_unreadable_file_is_skipped_with_the_reason(tmp_path, monkeypatch):
    root = two_classes(tmp_path)
    locked = root / "Training" / "Apricot" / "0_100.jpg"
    real_open = Image.open

    def open_or_refuse(path, *args, **kwargs):
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    # Tests run as root, which chmod cannot stop: refuse the read the way the OS would.
    monkeypatch.setattr(image_reader.Image, "open", open_or_refuse)
    with pytest.warns(DataWarning, match=r"0_100\.jpg: cannot be read \(Permission denied\)"):
        data = load(root)
    assert len(data.x_train) + len(data.x_val) == 5


# --------------------------------------------------------------------------- silent wrong data


def test_float_and_32_bit_tiffs_keep_their_brightness(tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    ramp = np.linspace(0, 1, 100 * 100, dtype=np.float32).reshape(100, 100)
    Image.fromarray(ramp, mode="F").save(folder / "unit.tif")  # 0-1 floats
    Image.fromarray(ramp * 255, mode="F").save(folder / "bytes.tif")  # 0-255 floats
    Image.fromarray((ramp * 25500).astype(np.int32), mode="I").save(folder / "wide.tif")
    reference = np.round(ramp * 255)
    for name, note in (
        ("unit.tif", "32-bit float"),
        ("bytes.tif", "32-bit float"),
        ("wide.tif", "32-bit integer"),
    ):
        pixels, found = read_image(folder / name, (100, 100))
        assert found == note
        assert abs(pixels[..., 0].mean() - reference.mean()) < 2, name  # not near-black
        assert np.abs(pixels[..., 1].astype(int) - reference).max() <= 1, name


def test_exif_orientation_is_applied(tmp_path):
    # Stored sideways, as a phone does: red left half, blue right half, Orientation=6
    # (a viewer turns it 90 degrees clockwise, so red ends up at the top).
    stored = np.zeros((40, 80, 3), dtype=np.uint8)
    stored[:, :40] = (220, 20, 20)
    stored[:, 40:] = (20, 20, 220)
    picture = Image.fromarray(stored)
    exif = picture.getexif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    picture.save(path, exif=exif, quality=95)
    pixels, note = read_image(path, (32, 32))
    assert note == "EXIF-rotated"
    assert pixels[:12, :, 0].mean() > 180 and pixels[:12, :, 2].mean() < 60  # red on top
    assert pixels[-12:, :, 2].mean() > 180 and pixels[-12:, :, 0].mean() < 60


def test_variety_folders_are_merged_into_their_class(tmp_path):
    root = make_fruits_tree(tmp_path / "fruits", classes=["Apricot", "Banana 1"], train=5, test=1)
    make_fruits_tree(root, classes=["Banana 2"], train=7, test=2)
    data = load(root, validation_fraction=0)
    counts = np.bincount(data.y_train, minlength=2).tolist()
    assert counts == [5, 12]  # both varieties, no image left out
    assert np.bincount(data.y_test, minlength=2).tolist() == [1, 3]
    assert data.merged_class_folders == {"Banana": ["Banana 1", "Banana 2"]}
    assert data.unused_class_folders == []
    assert "Banana: the variety folders Banana 1 + Banana 2 together" in data.summary()
    files = datasets.list_class_images(root, "Training", "Banana")
    assert [p.parent.name for p in files] == ["Banana 1"] * 5 + ["Banana 2"] * 7
    # An exact folder wins, and the varieties are reported as not used.
    make_fruits_tree(root, classes=["Banana"], train=2, test=1)
    exact = load(root, validation_fraction=0)
    assert np.bincount(exact.y_train).tolist() == [5, 2]
    assert exact.unused_class_folders == ["Banana 1", "Banana 2"]


# --------------------------------------------------------------------------- messages


def test_training_that_is_a_file_is_named_as_such(tmp_path):
    root = tmp_path / "fruits"
    root.mkdir()
    (root / "Training").write_text("not a folder")
    with pytest.raises(FileNotFoundError, match=r"Training is a file, not a folder"):
        load(root)


def test_test_that_is_a_file_is_named_as_such(tmp_path):
    root = two_classes(tmp_path)
    for path in (root / "Test").rglob("*.jpg"):
        path.unlink()
    for folder in (root / "Test").iterdir():
        folder.rmdir()
    (root / "Test").rmdir()
    (root / "Test").write_text("oops")
    with pytest.warns(DataWarning, match=r"Test is a file, not a folder\): data.test is None"):
        data = load(root)
    assert data.test is None


def test_advice_knows_whether_course_fruits_dir_is_set(tmp_path, monkeypatch):
    flat = tmp_path / "flat"
    flat.mkdir()
    monkeypatch.delenv("COURSE_FRUITS_DIR", raising=False)
    with pytest.raises(FileNotFoundError) as unset:
        load(flat)
    assert "set COURSE_FRUITS_DIR to it" in str(unset.value)
    assert "set COURSE_FRUITS_DIR" in datasets.real_data_hint()

    monkeypatch.setenv("COURSE_FRUITS_DIR", str(flat))
    with pytest.raises(FileNotFoundError) as is_set:
        datasets.find_real_fruits()
    text = str(is_set.value)
    assert f"COURSE_FRUITS_DIR is set and points to {flat}" in text
    assert "set COURSE_FRUITS_DIR to" not in text
    hint = datasets.real_data_hint()
    assert f"is set and points to {flat}" in hint and "set COURSE_FRUITS_DIR to" not in hint

    root = two_classes(tmp_path)
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(root))
    with pytest.raises(ValueError, match="no folder for: Kiwi") as missing:
        load(root, classes=["Apricot", "Kiwi"])
    assert f"COURSE_FRUITS_DIR is set and points to {root}" in str(missing.value)


def test_empty_class_message_says_what_to_do(tmp_path):
    root = two_classes(tmp_path)
    for path in (root / "Training" / "Banana").iterdir():
        path.unlink()
    with pytest.warns(DataWarning, match=r"add images to Training/Banana/.*classes=\[\.\.\.\]"):
        load(root)


def test_no_usable_training_image_at_all_is_a_clear_error(tmp_path):
    root = two_classes(tmp_path)
    for path in (root / "Training").rglob("*.jpg"):
        path.write_bytes(b"")
    none = "has no usable images of any of the 2 classes"
    with pytest.warns(DataWarning, match="Skipped 6 file"), pytest.raises(ValueError, match=none):
        load(root)


# --------------------------------------------------------------------------- quiet runs


def test_missing_test_class_warning_is_shown_once_per_dataset(tmp_path):
    first = make_fruits_tree(tmp_path / "a", classes=TWO, train=2, test=1, skip_test=("Banana",))
    second = make_fruits_tree(tmp_path / "b", classes=TWO, train=2, test=1, skip_test=("Banana",))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):  # a lesson loads the same data at several sizes
            load(first)
        load(second)
    messages = [str(w.message) for w in caught if w.category is DataWarning]
    assert len(messages) == 2, messages
    assert str(first) in messages[0] and str(second) in messages[1]
    assert all("Test/ has no images of Banana" in m for m in messages)
