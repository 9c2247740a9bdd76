"""The feature-map explorer of lesson 07, driven through its controls without a browser."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils.models import build_fruits_cnn
from course_utils.widgets import FeatureMapExplorer


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return build_fruits_cnn((32, 32, 3), 16, filters=(4, 8, 12))


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (3, 32, 32, 3)).astype("uint8")


def layer_output(model, name, image):
    """The reference: the layer's output straight from a functional sub-model."""
    sub = keras.Model(model.input, model.get_layer(name).output)
    return keras.ops.convert_to_numpy(sub(image[None].astype("float32")))[0]


def test_the_map_is_the_layer_output(model, images):
    explorer = FeatureMapExplorer(model, images, ["act1", "pool2", "act3"], titles=["a", "b", "c"])
    for image, layer, channel in [(0, "act1", 3), (2, "pool2", 7), (1, "act3", 11)]:
        explorer.controls["image"].value = image
        explorer.controls["layer"].value = layer
        explorer.controls["channel"].value = channel
        expected = layer_output(model, layer, images[image])
        np.testing.assert_allclose(explorer.result["maps"], expected, atol=1e-5)
        np.testing.assert_allclose(explorer.result["map"], expected[..., channel], atol=1e-5)
        assert explorer.result["map"].std() > 0, "a constant feature map"
        assert explorer.figure is not None


def test_channel_range_follows_the_layer(model, images):
    explorer = FeatureMapExplorer(model, images, ["act3", "act1"])
    slider = explorer.controls["channel"]
    assert slider.max == 11
    slider.value = 10
    explorer.controls["layer"].value = "act1"
    assert slider.max == 3 and slider.value == 3
    assert explorer.result["channel"] == 3 and explorer.result["channels"] == 4
    assert explorer.result["map"].shape == (32, 32)
    explorer.controls["layer"].value = "act3"
    assert slider.max == 11
    assert explorer.result["map"].shape == (8, 8)


def test_default_layers_are_the_feature_map_layers(model, images):
    explorer = FeatureMapExplorer(model, images[:1])
    assert explorer.layers[:5] == ["rescale", "conv1", "bn1", "act1", "pool1"]
    assert "flatten" not in explorer.layers and "probabilities" not in explorer.layers


def test_wrong_inputs_say_what_to_do(model, images):
    with pytest.raises(ValueError, match="No layer named 'nope'"):
        FeatureMapExplorer(model, images, ["nope"])
    with pytest.raises(ValueError, match="batch of images"):
        FeatureMapExplorer(model, images[0], ["act1"])
    with pytest.raises(ValueError, match="titles"):
        FeatureMapExplorer(model, images, ["act1"], titles=["only one"])


def test_a_layer_inside_a_nested_base(images):
    keras.utils.set_random_seed(1)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(base(inputs)))
    model = keras.Model(inputs, outputs)
    explorer = FeatureMapExplorer(model, images.astype("float32") - 120, ["block1_conv1"])
    inner = keras.Model(base.input, base.get_layer("block1_conv1").output)
    expected = keras.ops.convert_to_numpy(inner(images[:1].astype("float32") - 120))[0]
    np.testing.assert_allclose(explorer.result["maps"], expected, atol=1e-4)


def test_one_colour_scale_for_every_map_and_one_bar_that_says_so(model, images):
    explorer = FeatureMapExplorer(model, images, ["act2"])
    explorer.controls["channel"].value = 5
    result = explorer.result
    group = result["maps"][..., result["neighbours"]]
    low, high = float(group.min()), float(group.max())
    assert low < high
    figure = explorer.figure
    maps = [ax for ax in figure.axes if ax.images and ax.images[0].get_array().ndim == 2]
    assert len(maps) == 1 + len(result["neighbours"])  # the big map and the small ones
    for ax in maps:
        assert ax.images[0].get_clim() == pytest.approx((low, high)), "a map on its own scale"
        assert ax.images[0].get_cmap().name == "viridis"
    bars = [ax for ax in figure.axes if "activation" in ax.get_ylabel()]
    assert len(bars) == 1, "one colour bar for the one shared scale"
    assert bars[0].get_ylim() == pytest.approx((low, high))
    titles = " ".join(ax.get_title(loc="left") for ax in figure.axes)
    assert "same scale" in titles
