"""The dataset browser of lesson 01, driven through its controls without a browser."""

from __future__ import annotations

import numpy as np
import pytest
from fruit_fixtures import make_fruits_tree
from PIL import Image

from course_utils import WORKSHOP_CLASSES, synthetic
from course_utils.datasets import available_fruit_sources, list_class_images
from course_utils.widgets import DatasetBrowser

FEW = ("Apricot", "Banana", "Kiwi", "Lemon", "Peach")  # enough classes, quick to write


@pytest.fixture
def trees(tmp_path):
    """A "real" tree (Test has no Peach, Kiwi has 2 training images) and a "generated" one."""
    real = make_fruits_tree(tmp_path / "real", FEW, train=4, test=2, skip_test=("Peach",))
    for name in ("2_100.jpg", "3_100.jpg"):
        (real / "Training" / "Kiwi" / name).unlink()
    generated = make_fruits_tree(tmp_path / "generated", FEW, train=12, test=3)
    return {"real": real, "generated": generated}


def pixels(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_list_class_images_natural_order_and_skips(tmp_path):
    folder = tmp_path / "Training" / "Lemon"
    folder.mkdir(parents=True)
    for name in ("10_100.jpg", "2_100.jpg", "1_100.jpg", ".hidden.jpg", "notes.txt"):
        (folder / name).write_bytes(b"x")
    names = [p.name for p in list_class_images(tmp_path, "Training", "Lemon")]
    assert names == ["1_100.jpg", "2_100.jpg", "10_100.jpg"]
    assert list_class_images(tmp_path, "Test", "Lemon") == []
    assert list_class_images(tmp_path, "Training", "Peach") == []


def test_shows_the_right_image_for_class_and_index(trees):
    browser = DatasetBrowser(sources=trees)
    assert browser.result.class_name == "Apricot" and browser.result.path.name == "0_100.jpg"
    browser.controls["class_name"].value = "Banana"
    browser.controls["index"].value = 2
    view = browser.result
    expected = trees["real"] / "Training" / "Banana" / "2_100.jpg"
    assert view.path == expected
    assert (view.source, view.split, view.class_name, view.index, view.count) == (
        "real",
        "Training",
        "Banana",
        2,
        4,
    )
    assert view.size == (100, 100) and view.mode == "RGB"
    np.testing.assert_array_equal(view.image, pixels(expected))


def test_draws_the_image_and_its_three_channels(trees):
    browser = DatasetBrowser(sources=trees, class_name="Lemon")
    browser.controls["index"].value = 1
    image = browser.result.image
    axes = browser.figure.axes
    assert len(axes) == 4
    np.testing.assert_array_equal(axes[0].images[0].get_array(), image)
    for channel in range(3):
        np.testing.assert_array_equal(axes[channel + 1].images[0].get_array(), image[..., channel])
    title = axes[0].get_title()
    assert "Lemon" in title and "1_100.jpg" in title and "100x100" in title and "2 of 4" in title


def test_slider_range_follows_the_class(trees):
    browser = DatasetBrowser(sources=trees)
    slider = browser.controls["index"]
    assert slider.max == 3
    slider.value = 3
    browser.controls["class_name"].value = "Kiwi"  # only 2 training images
    assert slider.max == 1 and slider.value == 1
    assert browser.result.path.name == "1_100.jpg" and browser.result.count == 2
    browser.controls["class_name"].value = "Banana"
    assert slider.max == 3 and slider.value == 1


def test_one_change_recomputes_once(trees, monkeypatch):
    browser = DatasetBrowser(sources=trees)
    calls = []
    original = browser.compute
    monkeypatch.setattr(browser, "compute", lambda **v: calls.append(v) or original(**v))
    browser.controls["index"].value = 3
    browser.controls["class_name"].value = "Kiwi"  # also moves the slider from 3 to 1
    assert [c["class_name"] for c in calls] == ["Apricot", "Kiwi"]
    assert calls[-1]["index"] == 1


def test_split_without_peach(trees):
    browser = DatasetBrowser(sources=trees, split="Test", class_name="Apricot")
    assert browser.controls["index"].max == 1
    browser.controls["class_name"].value = "Peach"
    view = browser.result
    assert view.image is None and view.path is None and view.count == 0
    assert "No Test images of Peach" in view.message
    assert browser.controls["index"].disabled and browser.controls["index"].max == 0
    texts = [t.get_text() for ax in browser.figure.axes for t in ax.texts]
    assert any("Peach" in text for text in texts)
    browser.controls["split"].value = "Training"
    assert browser.result.count == 4 and browser.result.image is not None
    assert not browser.controls["index"].disabled


def test_source_switching(trees):
    browser = DatasetBrowser(sources=trees, split="Test", class_name="Peach")
    assert [value for _, value in browser.controls["source"].options] == ["real", "generated"]
    assert browser.result.image is None
    browser.controls["source"].value = "generated"
    view = browser.result
    assert view.count == 3 and view.path.is_relative_to(trees["generated"])
    assert browser.controls["index"].max == 2 and not browser.controls["index"].disabled
    browser.controls["split"].value = "Training"
    browser.controls["index"].value = 11
    assert browser.result.path == trees["generated"] / "Training" / "Peach" / "11_100.jpg"
    browser.controls["source"].value = "real"
    assert browser.controls["index"].max == 3 and browser.result.index == 3
    assert browser.result.path == trees["real"] / "Training" / "Peach" / "3_100.jpg"


def test_offers_only_the_sources_that_exist(isolated, monkeypatch):
    with pytest.raises(FileNotFoundError, match="locate_fruits"):
        DatasetBrowser()
    generated = make_fruits_tree(isolated / "data" / synthetic.FOLDER_NAME, FEW, train=2, test=1)
    assert available_fruit_sources() == {"generated": generated}
    browser = DatasetBrowser()
    assert browser.controls["source"].options == (("generated fruits", "generated"),)
    assert browser.controls["source"].disabled
    real = make_fruits_tree(isolated / "my-fruits", train=3, test=1, skip_test=("Peach",))
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(real))
    assert available_fruit_sources() == {"real": real, "generated": generated}
    browser = DatasetBrowser()
    assert [v for _, v in browser.controls["source"].options] == ["real", "generated"]
    assert browser.result.path.is_relative_to(real)


def test_rejects_unknown_split_and_class(trees):
    with pytest.raises(ValueError, match="split"):
        DatasetBrowser(sources=trees, split="Validation")
    with pytest.raises(ValueError, match="Unknown class"):
        DatasetBrowser(sources=trees, class_name="Durian")
    assert len(WORKSHOP_CLASSES) == len(
        DatasetBrowser(sources=trees).controls["class_name"].options
    )
