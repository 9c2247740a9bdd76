"""The loader: layouts, bad files, label alignment, pipelines, and the real sample."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from fruit_fixtures import fruit_image, make_fruits_tree
from PIL import Image

from course_utils import WORKSHOP_CLASSES, datasets
from course_utils.datasets import DataWarning, load_fruits

SIZE = (16, 16)


def load(root, **kwargs):
    kwargs.setdefault("image_size", SIZE)
    kwargs.setdefault("verbose", False)
    return load_fruits(root, **kwargs)


def skipped_names(data):
    return {item.path.name: item.reason for item in data.skipped}


# --------------------------------------------------------------------------- good data


def test_loads_all_classes_with_aligned_labels(fruits_tree):
    with pytest.warns(DataWarning, match="Test/ has no images of Peach"):
        data = load(fruits_tree)
    assert data.class_names == list(WORKSHOP_CLASSES)
    assert data.x_train.shape[1:] == (*SIZE, 3) and data.x_train.dtype == np.uint8
    # 4 images per class: 1 for validation (20 %, at least one), 3 for training.
    assert np.bincount(data.y_train, minlength=16).tolist() == [3] * 16
    assert np.bincount(data.y_val, minlength=16).tolist() == [1] * 16
    test_counts = np.bincount(data.y_test, minlength=16)
    peach = WORKSHOP_CLASSES.index("Peach")
    assert test_counts[peach] == 0 and test_counts.sum() == 2 * 15
    # Labels are not shifted: Pineapple (after Peach) keeps index 11 in Test too.
    pineapple = WORKSHOP_CLASSES.index("Pineapple")
    assert pineapple == 11 and test_counts[pineapple] == 2
    assert data.classes_missing_from_test == ["Peach"]


def test_each_label_holds_its_own_class_images(tmp_path):
    # Give each class a distinct colour and check that the label -> colour mapping holds in
    # every split, including Test without Peach (a shifted label would swap colours).
    root = make_fruits_tree(tmp_path, train=2, test=1, skip_test=("Peach",))
    with pytest.warns(DataWarning):
        data = load(root, validation_fraction=0.5)
    centre = lambda x: x[:, 8, 8, :].astype(int)  # noqa: E731
    colour_of = {int(y): c for y, c in zip(data.y_train, centre(data.x_train), strict=False)}
    for images, labels in ((data.x_val, data.y_val), (data.x_test, data.y_test)):
        for label, colour in zip(labels, centre(images), strict=False):
            assert np.abs(colour - colour_of[int(label)]).max() < 60


def test_validation_split_is_seeded_and_stratified(tmp_path):
    root = make_fruits_tree(tmp_path, classes=("Apricot", "Banana"), train=10, test=1)
    first = load(root, classes=["Apricot", "Banana"], seed=1)
    again = load(root, classes=["Apricot", "Banana"], seed=1)
    other = load(root, classes=["Apricot", "Banana"], seed=2)
    assert np.array_equal(first.x_val, again.x_val)
    assert not np.array_equal(first.x_val, other.x_val)
    assert np.bincount(first.y_val).tolist() == [2, 2]


def test_pipelines_yield_float_batches(fruits_tree):
    with pytest.warns(DataWarning):
        data = load(fruits_tree, batch_size=8)
    images, labels = next(iter(data.train))
    assert images.shape == (8, *SIZE, 3) and images.dtype.name == "float32"
    assert float(images.numpy().min()) >= 0 and float(images.numpy().max()) <= 255
    assert labels.dtype.name == "int32"
    assert sum(int(b[0].shape[0]) for b in data.validation) == len(data.x_val)
    assert sum(int(b[0].shape[0]) for b in data.test) == len(data.x_test)
    with pytest.raises(ValueError, match="split must be one of"):
        data.pipeline("training")


def test_max_per_class_subsamples(fruits_tree):
    with pytest.warns(DataWarning):
        data = load(fruits_tree, max_per_class=2, validation_fraction=0.5)
    assert len(data.x_train) + len(data.x_val) == 2 * 16


def test_full_fruits360_picks_workshop_classes_by_name(tmp_path):
    classes = [*WORKSHOP_CLASSES, "Apple Braeburn", "Walnut"]
    root = make_fruits_tree(tmp_path, classes=classes, train=2, test=1)
    # Newer Fruits-360 versions number their variants: "Apricot 1".
    (root / "Training" / "Apricot").rename(root / "Training" / "Apricot 1")
    data = load(root)
    assert data.class_names == list(WORKSHOP_CLASSES)
    assert len(data.x_train) + len(data.x_val) == 2 * 16
    assert data.unused_class_folders == ["Apple Braeburn", "Walnut"]
    everything = load(root, classes="all")
    assert len(everything.class_names) == 18


# --------------------------------------------------------------------------- bad files


def _jpeg_bytes(mode="RGB", size=(100, 100)) -> bytes:
    buffer = io.BytesIO()
    fruit_image((200, 120, 30), size=size[0]).convert(mode).resize(size).save(buffer, "JPEG")
    return buffer.getvalue()


def test_unusable_files_are_skipped_and_named(tmp_path):
    root = make_fruits_tree(tmp_path, classes=("Apricot", "Banana"), train=3, test=1)
    folder = root / "Training" / "Apricot"
    good = _jpeg_bytes()
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 10)
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.txt").write_text("not an image")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "._0_100.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (root / "Training" / "stray.jpg").write_bytes(good)
    with pytest.warns(DataWarning) as caught:
        data = load(root, classes=["Apricot", "Banana"])
    skipped = skipped_names(data)
    assert "damaged image" in skipped["truncated.jpg"]
    assert "not an image" in skipped["corrupt.jpg"] or "damaged" in skipped["corrupt.jpg"]
    assert "empty file" in skipped["empty.jpg"]
    assert "not an image file" in skipped["notes.txt"]
    assert skipped[".DS_Store"] == skipped["._0_100.jpg"] == "hidden file"
    assert "outside any class folder" in skipped["stray.jpg"]
    message = "\n".join(str(w.message) for w in caught)
    assert "Skipped 7 file(s)" in message
    for name in (
        "truncated.jpg",
        "corrupt.jpg",
        "empty.jpg",
        "notes.txt",
        ".DS_Store",
        "stray.jpg",
    ):
        assert name in message
    # The three good Apricot images are all kept.
    assert len(data.x_train) + len(data.x_val) == 6


def _save(image: Image.Image, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **kwargs)
    return path


def test_odd_formats_are_converted_to_rgb(tmp_path):
    root = make_fruits_tree(tmp_path, classes=("Apricot",), train=0, test=0)
    folder = root / "Training" / "Apricot"
    # Grayscale JPEG
    _save(Image.new("L", (100, 100), 90), folder / "gray.jpg")
    # RGBA PNG: transparent everywhere -> white
    _save(Image.new("RGBA", (100, 100), (10, 200, 10, 0)), folder / "rgba.png")
    # Palette PNG with one opaque colour
    _save(Image.new("RGB", (100, 100), (0, 0, 200)).convert("P"), folder / "palette.png")
    # 16-bit grayscale PNG at half scale -> 128
    _save(Image.fromarray(np.full((100, 100), 32768, dtype=np.uint16)), folder / "deep.png")
    # CMYK JPEG of pure cyan -> roughly (0, 255, 255)
    _save(Image.new("CMYK", (100, 100), (255, 0, 0, 0)), folder / "cmyk.jpg")
    # Another size: 60x40 red
    _save(Image.new("RGB", (60, 40), (220, 0, 0)), folder / "small.jpg", quality=95)
    data = load(root, classes=["Apricot"], validation_fraction=0)
    by_mode = dict(zip(sorted(p.name for p in folder.iterdir()), data.x_train, strict=False))
    assert np.allclose(by_mode["gray.jpg"], 90, atol=2)
    assert np.all(by_mode["rgba.png"] == 255)
    assert np.allclose(by_mode["palette.png"], [0, 0, 200], atol=2)
    assert np.allclose(by_mode["deep.png"], 128, atol=1)
    assert np.allclose(by_mode["cmyk.jpg"], [0, 255, 255], atol=40)
    assert np.allclose(by_mode["small.jpg"], [220, 0, 0], atol=12)
    assert data.converted == {
        "grayscale": 1,
        "transparent": 1,
        "palette": 1,
        "16-bit": 1,
        "CMYK": 1,
        "other size": 1,
    }
    assert not data.skipped


def test_empty_class_folder_warns_and_keeps_labels(tmp_path):
    root = make_fruits_tree(tmp_path, classes=("Apricot", "Banana", "Cocos"), train=3, test=1)
    for path in (root / "Training" / "Banana").iterdir():
        path.unlink()
    with pytest.warns(DataWarning, match="no usable images of: Banana"):
        data = load(root, classes=["Apricot", "Banana", "Cocos"])
    assert set(np.unique(data.y_train)) == {0, 2}
    assert data.class_names[2] == "Cocos"


def test_missing_test_split_warns(tmp_path):
    root = make_fruits_tree(tmp_path, classes=("Apricot",), train=3, test=1)
    shutil.rmtree(root / "Test")
    with pytest.warns(DataWarning, match="has no Test/ folder"):
        data = load(root, classes=["Apricot"])
    assert data.x_test is None and data.test is None
    with pytest.raises(FileNotFoundError, match="no test split"):
        data.pipeline("test")


def test_wrong_layouts_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Expected the Fruits-360 layout"):
        load(tmp_path / "nowhere")
    (tmp_path / "flat").mkdir()
    with pytest.raises(FileNotFoundError, match="No Training/ folder"):
        load(tmp_path / "flat")
    nested = make_fruits_tree(tmp_path / "outer" / "fruits-360", classes=("Apricot",), train=1)
    with pytest.raises(FileNotFoundError, match="Did you mean"):
        load(nested.parent)
    loose = tmp_path / "loose" / "Training"
    loose.mkdir(parents=True)
    fruit_image((1, 2, 3)).save(loose / "a.jpg")
    with pytest.raises(ValueError, match="no class folders"):
        load(loose.parent)


def test_missing_class_is_named(fruits_tree):
    shutil.rmtree(fruits_tree / "Training" / "Kiwi")
    with pytest.raises(ValueError, match="no folder for: Kiwi"):
        load(fruits_tree)


def test_bad_arguments(fruits_tree):
    with pytest.raises(ValueError, match="validation_fraction"):
        load(fruits_tree, validation_fraction=1.0)
    with pytest.raises(ValueError, match="classes must be"):
        load(fruits_tree, classes="Apricot")


def test_a_single_number_as_image_size_says_to_pass_a_pair(fruits_tree):
    with pytest.raises(ValueError, match=r"pair \(height, width\).*image_size=\(32, 32\)"):
        load(fruits_tree, image_size=32)
    for wrong in ((32,), (32, 32, 3), "32", (32.5, 32)):
        with pytest.raises(ValueError, match=r"pair of whole numbers \(height, width\)"):
            load(fruits_tree, image_size=wrong)
    assert load(fruits_tree, image_size=[12, 10]).x_train.shape[1:] == (12, 10, 3)


# --------------------------------------------------------------------------- locating


def test_override_wins_and_bad_override_is_explained(isolated, fruits_tree, monkeypatch):
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(fruits_tree))
    source = datasets.find_real_fruits()
    assert source.kind == "custom" and source.root == fruits_tree.resolve()
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(isolated / "missing"))
    with pytest.raises(FileNotFoundError, match="COURSE_FRUITS_DIR"):
        datasets.find_real_fruits()


def test_unverified_download_is_not_used(isolated, fruits_tree):
    from course_utils import fruits360

    target = isolated / "data" / "fruits-360"
    shutil.copytree(fruits_tree, target)
    assert datasets.find_real_fruits() is None  # no .verified.json stamp
    (target / datasets.VERIFIED_STAMP).write_text("{}")
    assert datasets.find_real_fruits() is None, "a stamp that describes nothing was trusted"
    groups = fruits360.compact_manifest(fruits360.hash_tree(target))
    fruits360.write_stamp(target, source="test", groups=groups)
    source = datasets.find_real_fruits()
    assert source is not None and source.kind == "real" and source.root == target
    # Files added after verification: the stamp no longer describes the folder.
    extra = target / "Training" / "Banana" / "extra.jpg"
    shutil.copy(next((target / "Training" / "Kiwi").glob("*.jpg")), extra)
    assert datasets.find_real_fruits() is None, "a stamp of other files was trusted"
    extra.unlink()
    assert datasets.find_real_fruits().kind == "real"


# --------------------------------------------------------------------------- the real sample


def test_real_sample_through_the_override(real_sample, monkeypatch):
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(real_sample))
    source = datasets.locate_fruits(verbose=False)
    assert source.kind == "custom" and source.is_real
    with pytest.warns(DataWarning, match="Test/ has no images of Peach"):
        data = load(source.root, image_size=(32, 32))
    assert data.class_names == list(WORKSHOP_CLASSES)
    assert not data.skipped and not data.converted
    for split, labels in (("Test", data.y_test),):
        counts = np.bincount(labels, minlength=16)
        for index, name in enumerate(WORKSHOP_CLASSES):
            folder = real_sample / split / name
            expected = len(list(folder.glob("*.jpg"))) if folder.is_dir() else 0
            assert counts[index] == expected, name
    assert np.bincount(data.y_test, minlength=16)[WORKSHOP_CLASSES.index("Peach")] == 0
    training_files = sum(
        len(list((real_sample / "Training" / c).glob("*.jpg"))) for c in WORKSHOP_CLASSES
    )
    assert len(data.x_train) + len(data.x_val) == training_files
