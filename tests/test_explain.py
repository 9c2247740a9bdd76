"""Grad-CAM, feature maps and LIME helpers (course_utils.explain).

Every heatmap and explanation is checked for shape, for not being empty or constant, and,
on constructed examples where the answer is known, for pointing at the right place.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from fruit_fixtures import red_patch_image, redness_classifier
from keras import layers

from course_utils import explain

SIZE = 16


def square_image(top: int, left: int, side: int = 5, size: int = SIZE, channels: int = 3):
    """A dark image (0) with one bright square (255) at (top, left)."""
    image = np.zeros((size, size, channels), dtype="float32")
    image[top : top + side, left : left + side] = 255.0
    return image


def square_mask(top: int, left: int, side: int = 5, size: int = SIZE):
    mask = np.zeros((size, size), dtype=bool)
    mask[top : top + side, left : left + side] = True
    return mask


def assert_informative(heatmaps, shape):
    """Right shape, in [0, 1], each map peaks at 1 and is not constant."""
    heatmaps = np.asarray(heatmaps)
    assert heatmaps.shape == shape
    assert np.isfinite(heatmaps).all()
    assert heatmaps.min() >= 0.0 and heatmaps.max() <= 1.0
    for heat in heatmaps:
        assert heat.max() == pytest.approx(1.0), "an empty heatmap"
        assert heat.std() > 0.05, "a (nearly) constant heatmap"


# --------------------------------------------------------------------------- models


def tiny_cnn_layers(seed: int = 0):
    keras.utils.set_random_seed(seed)
    return [
        layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a"),
        layers.Conv2D(8, 3, padding="same", name="conv_b"),
        layers.BatchNormalization(name="bn_b"),
        layers.ReLU(name="act_b"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dense(3, activation="softmax", name="probabilities"),
    ]


def functional_cnn(seed: int = 0):
    inputs = keras.Input((SIZE, SIZE, 3))
    x = inputs
    for layer in tiny_cnn_layers(seed):
        x = layer(x)
    return keras.Model(inputs, x, name="functional")


def sequential_cnn(seed: int = 0):
    return keras.Sequential([keras.Input((SIZE, SIZE, 3)), *tiny_cnn_layers(seed)], name="seq")


def nested_and_flat(seed: int = 0):
    """The same layers twice: a base model nested in a transfer model, and all flat."""
    keras.utils.set_random_seed(seed)
    conv_a = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a")
    conv_b = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_b")
    pool = layers.MaxPooling2D(name="pool")
    rescale = layers.Rescaling(1 / 255.0, name="rescale")
    gap = layers.GlobalAveragePooling2D(name="gap")
    dense = layers.Dense(3, activation="softmax", name="probabilities")

    base_in = keras.Input((SIZE, SIZE, 3))
    base = keras.Model(base_in, pool(conv_b(conv_a(base_in))), name="base")
    inputs = keras.Input((SIZE, SIZE, 3))
    nested = keras.Model(inputs, dense(gap(base(rescale(inputs)))), name="nested")

    flat_in = keras.Input((SIZE, SIZE, 3))
    flat = keras.Model(flat_in, dense(gap(pool(conv_b(conv_a(rescale(flat_in)))))), name="flat")
    return nested, flat


def bright_square_model():
    """Hand-set weights: class 1 = "there is something bright", class 0 = the opposite.

    One 3x3 filter averages brightness; the score of class 1 is the mean of its
    (ReLU) map, so the evidence for class 1 is exactly where the square is.
    """
    inputs = keras.Input((SIZE, SIZE, 1))
    x = layers.Rescaling(1 / 255.0)(inputs)
    conv = layers.Conv2D(1, 3, padding="same", activation="relu", name="detector")
    x = conv(x)
    x = layers.GlobalAveragePooling2D()(x)
    dense = layers.Dense(2, activation="softmax", name="probabilities")
    outputs = dense(x)
    model = keras.Model(inputs, outputs)
    conv.set_weights([np.full((3, 3, 1, 1), 1 / 9, "float32"), np.zeros(1, "float32")])
    dense.set_weights([np.array([[-4.0, 4.0]], "float32"), np.zeros(2, "float32")])
    return model


# --------------------------------------------------------------------------- layers


def test_last_conv_layer_follows_the_pixelwise_layers():
    assert explain.last_conv_layer(functional_cnn()) == "act_b"
    assert explain.last_conv_layer(sequential_cnn()) == "act_b"
    nested, _ = nested_and_flat()
    assert explain.last_conv_layer(nested) == "conv_b"


def test_last_conv_layer_of_nested_vgg16():
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    inputs = keras.Input((32, 32, 3))
    outputs = layers.Dense(2)(layers.GlobalAveragePooling2D()(base(inputs)))
    model = keras.Model(inputs, outputs)
    assert explain.last_conv_layer(model) == "block5_conv3"
    assert explain.find_layer(model, "block5_conv3") is base.get_layer("block5_conv3")


def test_feature_map_layers_descend_into_the_base():
    nested, _ = nested_and_flat()
    assert explain.feature_map_layers(nested) == ["rescale", "conv_a", "conv_b", "pool"]
    assert explain.feature_map_layers(sequential_cnn())[-1] == "act_b"


def test_unknown_layer_says_what_exists():
    with pytest.raises(ValueError, match="No layer named 'nope'.*act_b"):
        explain.find_layer(functional_cnn(), "nope")
    dense_only = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="no Conv2D"):
        explain.last_conv_layer(dense_only)


@pytest.mark.parametrize("build", [functional_cnn, sequential_cnn], ids=["functional", "seq"])
def test_split_reproduces_the_model(build):
    model = build()
    images = np.random.default_rng(0).uniform(0, 255, (4, SIZE, SIZE, 3)).astype("float32")
    for name in ("conv_a", "bn_b", "act_b"):
        parts = explain.split_model(model, name)
        parts.check(images)
        maps = keras.ops.convert_to_numpy(parts.features(images))
        assert maps.shape == (4, SIZE, SIZE, 8)


def test_split_refuses_a_cut_crossed_by_a_skip_connection():
    inputs = keras.Input((SIZE, SIZE, 3))
    a = layers.Conv2D(4, 3, padding="same", name="a")(inputs)
    b = layers.Conv2D(4, 3, padding="same", name="b")(a)
    c = layers.Conv2D(4, 3, padding="same", name="c")(a)
    x = layers.Add(name="add")([b, c])
    outputs = layers.Dense(2)(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    images = np.ones((1, SIZE, SIZE, 3), "float32")
    with pytest.raises(ValueError, match="does not reproduce"):
        explain.split_model(model, "a").check(images)
    explain.split_model(model, "add").check(images)  # after the merge, the cut is fine


# --------------------------------------------------------------------------- Grad-CAM


@pytest.mark.parametrize("build", [functional_cnn, sequential_cnn], ids=["functional", "seq"])
def test_grad_cam_shapes_and_ranges(build):
    model = build()
    images = np.stack([square_image(1, 1), square_image(9, 6), square_image(4, 10)])
    heatmaps = explain.grad_cam(model, images, class_index=0)
    assert heatmaps.dtype == np.float32
    assert_informative(heatmaps, (3, SIZE, SIZE))
    one = explain.grad_cam(model, images[0], layer="conv_a")
    assert one.shape == (1, SIZE, SIZE)


def test_grad_cam_on_a_sequential_model_never_built():
    """No Input, never called: there is no graph to read ``layer.output`` from."""
    model = keras.Sequential(tiny_cnn_layers())
    images = np.stack([square_image(1, 1), square_image(9, 6)])
    heatmaps = explain.grad_cam(model, images, class_index=1)
    assert_informative(heatmaps, (2, SIZE, SIZE))
    reference = functional_cnn()  # same seed, same weights
    np.testing.assert_allclose(
        heatmaps, explain.grad_cam(reference, images, class_index=1), atol=1e-5
    )


def test_grad_cam_nested_equals_flat():
    nested, flat = nested_and_flat()
    images = np.stack([square_image(2, 2), square_image(8, 9)])
    np.testing.assert_allclose(nested.predict(images, verbose=0), flat.predict(images, verbose=0))
    heat_nested = explain.grad_cam(nested, images, class_index=[0, 2], layer="conv_b")
    heat_flat = explain.grad_cam(flat, images, class_index=[0, 2], layer="conv_b")
    assert_informative(heat_nested, (2, SIZE, SIZE))
    np.testing.assert_allclose(heat_nested, heat_flat, atol=1e-5)
    # The default layer of the nested model is found inside its base.
    assert explain.grad_cam(nested, images).shape == (2, SIZE, SIZE)


def test_grad_cam_on_nested_vgg16_base():
    keras.utils.set_random_seed(1)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    inputs = keras.Input((64, 64, 3))
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(base(inputs)))
    model = keras.Model(inputs, outputs)
    images = np.random.default_rng(0).normal(0, 50, (2, 64, 64, 3)).astype("float32")
    heatmaps = explain.grad_cam(model, images)
    assert heatmaps.shape == (2, 4, 4)
    assert heatmaps.min() >= 0 and heatmaps.max() <= 1


@pytest.mark.parametrize(
    ("top", "left"), [(0, 0), (2, 9), (10, 3), (11, 11)], ids=["tl", "tr", "bl", "br"]
)
def test_grad_cam_finds_the_bright_square(top, left):
    model = bright_square_model()
    image = square_image(top, left, channels=1)
    heat = explain.grad_cam(model, image, class_index=1)[0]
    assert_informative(heat[None], (1, SIZE, SIZE))
    inside = square_mask(top, left)
    peak = np.unravel_index(np.argmax(heat), heat.shape)
    assert inside[peak], f"the heatmap peaks at {peak}, outside the square"
    assert heat[inside].mean() > 4 * heat[~inside].mean()
    # The other class has no evidence here: its heatmap is empty (all zeros), not noise.
    assert explain.grad_cam(model, image, class_index=0).max() == 0


def test_grad_cam_uses_logits_not_saturated_probabilities():
    model = bright_square_model()
    model.get_layer("probabilities").set_weights(
        [np.array([[-4000.0, 4000.0]], "float32"), np.zeros(2, "float32")]
    )
    image = square_image(3, 3, channels=1)
    assert model.predict(image[None], verbose=0)[0, 1] == pytest.approx(1.0)
    assert explain.grad_cam(model, image, class_index=1, use_logits=False).max() == 0
    assert_informative(explain.grad_cam(model, image, class_index=1), (1, SIZE, SIZE))


def test_grad_cam_finds_the_square_after_training():
    """A tiny CNN trained for a few steps to tell "square" from "no square"."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    count = 256
    images = rng.uniform(0, 40, (count, SIZE, SIZE, 1)).astype("float32")
    labels = np.arange(count) % 2
    corners = rng.integers(0, SIZE - 5, (count, 2))
    for i in np.flatnonzero(labels):
        top, left = corners[i]
        images[i, top : top + 5, left : left + 5] = 255.0
    inputs = keras.Input((SIZE, SIZE, 1))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(x)
    x = layers.GlobalMaxPooling2D()(x)
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(x))
    model.compile(keras.optimizers.Adam(learning_rate=0.05), "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=8, batch_size=32, verbose=0)
    with_square = np.flatnonzero(labels)[:20]
    heatmaps = explain.grad_cam(model, images[with_square], class_index=1)
    hits = 0
    for heat, index in zip(heatmaps, with_square, strict=True):
        inside = square_mask(*corners[index])
        hits += bool(inside[np.unravel_index(np.argmax(heat), heat.shape)])
    assert hits >= 18, f"the heatmap peaked on the square in only {hits} of 20 images"


def test_grad_cam_rejects_bad_class_and_layer():
    model = functional_cnn()
    image = square_image(1, 1)
    with pytest.raises(ValueError, match="class_index"):
        explain.grad_cam(model, image, class_index=3)
    with pytest.raises(ValueError, match="not feature maps"):
        explain.grad_cam(model, image, layer="gap")
    with pytest.raises(ValueError, match="shape"):
        explain.grad_cam(model, np.zeros((SIZE, SIZE)))


def test_upsample_heatmap():
    heat = np.array([[0.0, 1.0], [0.0, 0.0]], "float32")
    big = explain.upsample_heatmap(heat, (8, 8))
    assert big.shape == (8, 8)
    assert big[0, 7] > big[7, 0]
    assert explain.upsample_heatmap(np.stack([heat, heat]), (4, 6)).shape == (2, 4, 6)


# --------------------------------------------------------------------------- feature maps


def test_feature_maps_match_the_layer_outputs():
    model = functional_cnn()
    image = square_image(3, 3)
    maps = explain.feature_maps(model, image, ["conv_a", "act_b"])
    assert list(maps) == ["conv_a", "act_b"]
    reference = keras.Model(model.input, model.get_layer("act_b").output)(image[None])
    np.testing.assert_allclose(maps["act_b"], keras.ops.convert_to_numpy(reference)[0], atol=1e-5)
    assert maps["conv_a"].shape == (SIZE, SIZE, 8)
    assert maps["conv_a"].std() > 0


def test_feature_maps_inside_a_nested_base():
    nested, flat = nested_and_flat()
    image = square_image(5, 5)
    from_nested = explain.feature_maps(nested, image, "conv_b")["conv_b"]
    from_flat = explain.feature_maps(flat, image, "conv_b")["conv_b"]
    np.testing.assert_allclose(from_nested, from_flat, atol=1e-5)
    with pytest.raises(ValueError, match="at least one layer"):
        explain.feature_maps(nested, image, [])


# --------------------------------------------------------------------------- LIME


def test_superpixels_are_numbered_from_zero_without_gaps():
    image = red_patch_image()
    segments = explain.superpixels(image, n_segments=20)
    assert segments.shape == image.shape[:2]
    labels = np.unique(segments)
    np.testing.assert_array_equal(labels, np.arange(len(labels)))
    assert len(labels) > 4
    np.testing.assert_array_equal(segments, explain.segmenter(20)(image))
    with pytest.raises(ValueError, match="RGB"):
        explain.superpixels(image[..., 0])


def lime_run(seed=0, num_samples=200, progress=False):
    return explain.explain_with_lime(
        red_patch_image(),
        redness_classifier,
        segmentation_fn=explain.segmenter(20),
        num_samples=num_samples,
        labels=[1],
        seed=seed,
        # Black, not LIME's default (each superpixel's mean colour): a uniform red
        # superpixel painted with its own mean colour would not change at all.
        hide_color=0,
        progress=progress,
    )


def test_lime_points_at_the_red_patch():
    explanation = lime_run()
    mask = explain.lime_mask(explanation, 1, num_features=2)
    assert mask.shape == (40, 40)
    assert set(np.unique(mask)) <= {0, 1}
    assert mask.any() and not mask.all(), "an empty or full explanation"
    red = np.zeros((40, 40), bool)
    red[4:16, 4:16] = True
    assert red[mask == 1].mean() > 0.5, "the chosen superpixels are not on the red patch"
    top = explain.top_superpixels(explanation, 1, k=1)
    assert red[explanation.segments == top[0]].mean() > 0.9
    weights = explain.lime_weights(explanation, 1)
    grey = [s for s in range(len(weights)) if not red[explanation.segments == s].any()]
    assert weights[top[0]] > 5 * np.abs(weights[grey]).max(), "red does not dominate"


def test_lime_is_reproducible_with_a_seed_and_differs_without():
    first, again, other = lime_run(seed=3), lime_run(seed=3), lime_run(seed=4)
    np.testing.assert_array_equal(explain.lime_weights(first, 1), explain.lime_weights(again, 1))
    assert not np.array_equal(explain.lime_weights(first, 1), explain.lime_weights(other, 1))
    assert explain.top_k_iou(first, again, 1, k=3) == 1.0
    assert explain.weight_rank_correlation(first, again, 1) == pytest.approx(1.0)
    assert 0.0 <= explain.top_k_iou(first, other, 1, k=3) <= 1.0


def test_lime_progress_bar_is_restored(capsys):
    from lime import lime_image

    original = lime_image.tqdm
    lime_run(num_samples=20, progress=False)
    assert lime_image.tqdm is original
    assert "it/s" not in capsys.readouterr().err


def test_lime_weights_mask_and_rendering():
    explanation = lime_run()
    weights = explain.lime_weights(explanation, 1)
    assert weights.shape == (explanation.segments.max() + 1,)
    assert np.ptp(weights) > 0, "all weights equal: the surrogate learned nothing"
    both = explain.lime_mask(explanation, 1, num_features=len(weights), positive_only=False)
    assert (both == -1).any() or (weights >= 0).all()
    picture = explain.render_lime(red_patch_image(), both, explanation.segments)
    assert picture.shape == (40, 40, 3) and picture.dtype == np.uint8
    assert picture.std() > 0
    with pytest.raises(ValueError, match="not explained"):
        explain.lime_weights(explanation, 0)
    with pytest.raises(ValueError, match="does not match"):
        explain.render_lime(red_patch_image(), both[:10])


def test_lime_predict_fn_resizes_and_preprocesses():
    inputs = keras.Input((8, 8, 3))
    outputs = layers.Dense(4, activation="softmax")(layers.GlobalAveragePooling2D()(inputs))
    model = keras.Model(inputs, outputs)
    seen = {}

    def preprocess(batch):
        seen["shape"] = batch.shape
        return batch / 255.0

    predict = explain.lime_predict_fn(model, (8, 8), preprocess=preprocess, batch_size=2)
    images = np.random.default_rng(0).integers(0, 256, (5, 30, 30, 3)).astype("uint8")
    probabilities = predict(images)
    assert seen["shape"] == (5, 8, 8, 3)
    assert probabilities.shape == (5, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    small = keras.ops.convert_to_numpy(keras.ops.image.resize(images.astype("float32"), (8, 8)))
    expected = model.predict(small / 255.0, verbose=0)
    np.testing.assert_allclose(probabilities, expected, atol=0.02)
    assert np.ptp(probabilities[:, 0]) > 0, "the same answer for different images"


def test_lime_on_a_keras_model_with_top_labels():
    model = functional_cnn()
    predict = explain.lime_predict_fn(model, (SIZE, SIZE))
    image = np.zeros((32, 32, 3), "uint8")
    image[4:14, 18:28] = 255
    explanation = explain.explain_with_lime(
        image, predict, segmentation_fn=explain.segmenter(12), num_samples=50, progress=False
    )
    assert len(explanation.top_labels) == 1
    assert explain.lime_weights(explanation).shape == (explanation.segments.max() + 1,)
    with pytest.raises(ValueError, match="num_samples"):
        explain.explain_with_lime(image, predict, num_samples=1)


def test_heatmap_per_superpixel():
    segments = np.zeros((4, 4), int)
    segments[:, 2:] = 1
    heat = np.zeros((4, 4))
    heat[:, 3] = 1.0
    np.testing.assert_allclose(explain.heatmap_per_superpixel(heat, segments), [0.0, 0.5])
    small = np.array([[0.0, 1.0]])
    assert explain.heatmap_per_superpixel(small, segments).argmax() == 1


def test_render_lime_draws_for_in_blue_and_against_in_orange():
    # A grey 80x80 picture: the left half speaks for the class (+1), the right half against.
    image = np.full((80, 80, 3), 128, dtype=np.uint8)
    mask = np.zeros((80, 80), dtype=int)
    mask[10:70, 5:35] = 1
    mask[10:70, 45:75] = -1
    picture = explain.render_lime(image, mask).astype(int)
    blue, orange = np.array(explain.FOR_COLOUR) * 255, np.array(explain.AGAINST_COLOUR) * 255
    # The outlines are drawn in the two colours exactly; the insides are tinted towards them.
    np.testing.assert_allclose(picture[10, 20], blue, atol=1)
    np.testing.assert_allclose(picture[10, 60], orange, atol=1)
    assert picture[40, 20, 2] > picture[40, 20, 0]  # for: more blue than red
    assert picture[40, 60, 0] > picture[40, 60, 2]  # against: more red than blue
    # Red and green are never the pair: a colour-blind reader must tell the two apart.
    assert abs(explain.FOR_COLOUR[2] - explain.AGAINST_COLOUR[2]) > 0.5


def test_weight_colour_map_runs_from_orange_through_white_to_blue():
    cmap = explain.weight_colour_map()
    np.testing.assert_allclose(cmap(0.0)[:3], explain.AGAINST_COLOUR, atol=0.01)
    np.testing.assert_allclose(cmap(0.5)[:3], (1.0, 1.0, 1.0), atol=0.01)
    np.testing.assert_allclose(cmap(1.0)[:3], explain.FOR_COLOUR, atol=0.01)
