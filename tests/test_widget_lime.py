"""The LIME controls of lesson 08, driven through their controls without a browser."""

from __future__ import annotations

import numpy as np
import pytest
from fruit_fixtures import red_patch_image, redness_classifier

from course_utils import explain
from course_utils.widgets import LimeControls


@pytest.fixture
def controls():
    return LimeControls(
        red_patch_image(48),
        redness_classifier,
        class_names=["grey", "red"],
        num_samples=120,
        segment_choices=(10, 20, 40),
        n_segments=20,
        hide_color=0,
    )


def test_explains_the_predicted_class_and_shows_the_patch(controls):
    assert controls.label == 1
    result = controls.result
    assert result["mask"].shape == (48, 48)
    assert result["mask"].any() and not result["mask"].all(), "empty or full mask"
    image = red_patch_image(48)
    red = (image[..., 0] > 180) & (image[..., 1] < 80)  # where the patch is
    top = result["chosen"][0]
    assert red[result["segments"] == top].mean() > 0.9
    assert np.ptp(result["weights"]) > 0
    assert controls.figure is not None


def test_mask_follows_the_controls(controls):
    found = controls.explanation(20)
    controls.controls["num_features"].value = 2
    np.testing.assert_array_equal(controls.result["mask"], explain.lime_mask(found, 1, 2, True))
    assert len(controls.result["chosen"]) <= 2
    assert set(np.unique(controls.result["mask"])) <= {0, 1}
    controls.controls["positive_only"].value = False
    controls.controls["num_features"].value = 20
    mask = controls.result["mask"]
    np.testing.assert_array_equal(mask, explain.lime_mask(found, 1, 20, False))
    assert (mask == -1).any() or (controls.result["weights"] >= 0).all()


def test_superpixel_count_reruns_lime_once_per_setting(controls):
    assert list(controls.explanations) == [20]
    controls.controls["n_segments"].value = 40
    many = controls.result["count"]
    controls.controls["n_segments"].value = 10
    few = controls.result["count"]
    assert few < many
    first = controls.explanations[10]
    controls.controls["n_segments"].value = 40
    controls.controls["n_segments"].value = 10
    assert controls.explanations[10] is first, "the explanation was not cached"
    assert sorted(controls.explanations) == [10, 20, 40]
    labels = np.unique(controls.result["segments"])
    np.testing.assert_array_equal(labels, np.arange(len(labels)))


def test_same_seed_same_explanation():
    one = LimeControls(
        red_patch_image(48), redness_classifier, num_samples=60, n_segments=20, hide_color=0
    )
    two = LimeControls(
        red_patch_image(48), redness_classifier, num_samples=60, n_segments=20, hide_color=0
    )
    np.testing.assert_array_equal(one.result["weights"], two.result["weights"])


def test_wrong_inputs(controls):
    with pytest.raises(ValueError, match="RGB"):
        LimeControls(red_patch_image(48)[..., 0], redness_classifier)
    with pytest.raises(ValueError, match="n_segments"):
        LimeControls(red_patch_image(48), redness_classifier, n_segments=33)


def test_the_slider_is_a_target_and_the_picture_says_what_slic_made(controls):
    slider = controls.controls["n_segments"]
    assert "target" in slider.description
    assert controls.controls["num_features"].description == "superpixels shown"
    title = controls.figure.axes[0].get_title()
    made = controls.result["count"]
    assert title == f"SLIC made {made} superpixels (target 20)"


def test_bars_are_numbered_as_the_superpixels_in_the_picture(controls):
    controls.controls["num_features"].value = 3
    result = controls.result
    chosen = result["chosen"]
    assert len(chosen) >= 2
    picture, bars = controls.figure.axes[1], controls.figure.axes[2]
    numbers = {text.get_text(): text.get_position() for text in picture.texts}
    assert sorted(numbers) == [str(rank) for rank in range(1, len(chosen) + 1)]
    for rank, segment in enumerate(chosen, start=1):
        col, row = numbers[str(rank)]
        assert result["segments"][round(row), round(col)] == segment, "number outside its region"
    labels = [label.get_text() for label in bars.get_yticklabels()]
    assert sorted(labels) == sorted(numbers), "bar labels that are not in the picture"
    widths = {
        label.get_text(): patch.get_width()
        for label, patch in zip(bars.get_yticklabels(), bars.patches, strict=True)
    }
    np.testing.assert_allclose(widths["1"], result["weights"][chosen[0]])
