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
    browser.controls["number"].value = 3  # counts from 1, as the title does
    view = browser.result
    expected = trees["real"] / "Training" / "Banana" / "2_100.jpg"
    assert view.path == expected
    assert (view.source, view.split, view.class_name, view.number, view.count) == (
        "real",
        "Training",
        "Banana",
        3,
        4,
    )
    assert "image 3 of 4" in browser.figure.axes[0].get_title()
    assert view.size == (100, 100) and view.mode == "RGB"
    np.testing.assert_array_equal(view.image, pixels(expected))


def test_draws_the_image_and_its_three_channels(trees):
    browser = DatasetBrowser(sources=trees, class_name="Lemon")
    browser.controls["number"].value = 2
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
    slider = browser.controls["number"]
    assert (slider.min, slider.max, slider.value) == (1, 4, 1)
    slider.value = 4
    browser.controls["class_name"].value = "Kiwi"  # only 2 training images
    assert slider.max == 2 and slider.value == 2
    assert browser.result.path.name == "1_100.jpg" and browser.result.count == 2
    browser.controls["class_name"].value = "Banana"
    assert slider.max == 4 and slider.value == 2


def test_one_change_recomputes_once(trees, monkeypatch):
    browser = DatasetBrowser(sources=trees)
    calls = []
    original = browser.compute
    monkeypatch.setattr(browser, "compute", lambda **v: calls.append(v) or original(**v))
    browser.controls["number"].value = 4
    browser.controls["class_name"].value = "Kiwi"  # also moves the slider from 4 to 2
    assert [c["class_name"] for c in calls] == ["Apricot", "Kiwi"]
    assert calls[-1]["number"] == 2


def test_split_without_peach(trees):
    browser = DatasetBrowser(sources=trees, split="Test", class_name="Apricot")
    assert browser.controls["number"].max == 2
    browser.controls["class_name"].value = "Peach"
    view = browser.result
    assert view.image is None and view.path is None and view.count == 0
    assert "No Test images of Peach" in view.message
    assert browser.controls["number"].disabled and browser.controls["number"].max == 1
    texts = [t.get_text() for ax in browser.figure.axes for t in ax.texts]
    assert any("Peach" in text for text in texts)
    browser.controls["split"].value = "Training"
    assert browser.result.count == 4 and browser.result.image is not None
    assert not browser.controls["number"].disabled


def test_source_switching(trees):
    browser = DatasetBrowser(sources=trees, split="Test", class_name="Peach")
    assert [value for _, value in browser.controls["source"].options] == ["real", "generated"]
    assert browser.result.image is None
    browser.controls["source"].value = "generated"
    view = browser.result
    assert view.count == 3 and view.path.is_relative_to(trees["generated"])
    assert browser.controls["number"].max == 3 and not browser.controls["number"].disabled
    browser.controls["split"].value = "Training"
    browser.controls["number"].value = 12
    assert browser.result.path == trees["generated"] / "Training" / "Peach" / "11_100.jpg"
    browser.controls["source"].value = "real"
    assert browser.controls["number"].max == 4 and browser.result.number == 4
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


def test_every_control_is_labelled_and_the_note_keeps_the_picture_size(trees):
    browser = DatasetBrowser(sources=trees, split="Test")
    labels = {name: control.description for name, control in browser.controls.items()}
    assert labels == {"source": "Data", "split": "Split", "class_name": "Class", "number": "Image"}
    picture_height = browser.output.outputs[0]["metadata"]["image/png"]["height"]
    browser.controls["class_name"].value = "Peach"  # no Test images: a note instead
    note_height = browser.output.outputs[0]["metadata"]["image/png"]["height"]
    assert abs(note_height - picture_height) <= 0.05 * picture_height, "the page would jump"
