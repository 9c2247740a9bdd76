"""The augmentation preview of lesson 04: zero is the identity, each slider changes the
copies the way its name says, and the same settings give the same pictures."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

pytest.importorskip("keras")

from course_utils.augmentation import augmentation_code, augmentation_layers
from course_utils.widgets import AugmentationPreview


@pytest.fixture(scope="module")
def fruit():
    """A 48x48 orange disc, off-centre and lit from the left, on white."""
    yy, xx = np.mgrid[:48, :48]
    image = np.full((48, 48, 3), 255, dtype=np.uint8)
    disc = (yy - 22) ** 2 + (xx - 18) ** 2 < 14**2
    shade = np.clip(1.2 - xx / 60, 0, 1)
    colour = np.stack([230 * shade, 120 * shade, 30 * shade], axis=-1)
    image[disc] = colour[disc].astype(np.uint8)
    return image


@pytest.fixture(scope="module")
def preview(fruit):
    return AugmentationPreview(fruit, count=6)


def reset(preview):
    for name, control in preview.controls.items():
        control.value = 0 if name == "seed" else (False if name == "flip" else 0.0)


def test_everything_at_zero_gives_the_original_back(preview, fruit):
    reset(preview)
    images = preview.result["images"]
    assert images.shape == (6, 48, 48, 3) and images.dtype == np.uint8
    assert (images == fruit).all()
    assert preview.result["code"] == []
    assert len([ax for ax in preview.figure.axes if ax.images]) == 7  # original + 6 copies


@pytest.mark.parametrize(
    ("name", "value"),
    [("rotation", 40.0), ("zoom", 0.3), ("translation", 0.2), ("contrast", 0.6)],
)
def test_each_slider_changes_the_copies(preview, fruit, name, value):
    reset(preview)
    preview.controls[name].value = value
    images = preview.result["images"].astype(int)
    changed = [np.abs(image - fruit).mean() > 1.0 for image in images]
    assert sum(changed) >= 5, f"{name}={value} left most copies unchanged"
    assert len(preview.result["code"]) == 1


def test_brightness_goes_the_way_of_its_sign(preview, fruit):
    reset(preview)
    preview.controls["brightness"].value = 0.4
    brighter = preview.result["images"].reshape(6, -1).mean(axis=1)
    assert (brighter >= fruit.mean()).all() and brighter.mean() > fruit.mean() + 3
    preview.controls["brightness"].value = -0.4
    darker = preview.result["images"].reshape(6, -1).mean(axis=1)
    assert (darker <= fruit.mean()).all() and darker.mean() < fruit.mean() - 10


def test_contrast_keeps_the_mean_and_spreads_or_squeezes_values(preview, fruit):
    reset(preview)
    preview.controls["contrast"].value = 0.8
    spreads = preview.result["images"].reshape(6, -1).std(axis=1)
    assert np.ptp(spreads) > 5  # some copies have more contrast, others less


def test_flip_mirrors_some_copies_and_leaves_the_others(preview, fruit):
    reset(preview)
    preview.controls["flip"].value = True
    mirrored = fruit[:, ::-1]
    kinds = [
        "same" if (image == fruit).all() else "mirrored" if (image == mirrored).all() else "?"
        for image in preview.result["images"]
    ]
    assert "?" not in kinds and "mirrored" in kinds


def test_the_same_seed_gives_the_same_grid_and_another_seed_another(preview):
    reset(preview)
    preview.controls["rotation"].value = 30.0
    first = preview.result["images"].copy()
    preview.controls["zoom"].value = 0.1
    preview.controls["zoom"].value = 0.0
    np.testing.assert_array_equal(preview.result["images"], first)
    preview.controls["seed"].value = 7
    assert not np.array_equal(preview.result["images"], first)


def test_the_code_shown_builds_the_layers_used():
    from keras import layers

    settings = dict(rotation=36, zoom=0.2, translation=0.1, brightness=-0.3, contrast=0.5)
    code = augmentation_code(flip=True, seed=3, **settings)
    built = augmentation_layers(flip=True, seed=3, **settings)
    assert len(code) == len(built) == 6
    for line, layer in zip(code, built, strict=True):
        from_code = eval(line, {"layers": layers})  # the line a student would copy
        assert type(from_code) is type(layer)
        mine, theirs = from_code.get_config(), layer.get_config()
        for config in (mine, theirs):
            config.pop("name")
        assert mine == theirs, line


def test_bad_images_are_refused_with_a_message(fruit):
    with pytest.raises(ValueError, match="RGB"):
        AugmentationPreview(fruit[..., 0])
    with pytest.raises(ValueError, match="count"):
        AugmentationPreview(fruit, count=0)
    scaled = AugmentationPreview(fruit / 255.0, count=2)  # 0-1 floats are accepted
    assert (scaled.result["images"] == fruit).all()
