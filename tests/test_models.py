"""The lesson-04 CNN that lessons 06-08 reuse: its layers, names and settings, and that
training it learns (in inference mode too, which a wrong batch-norm momentum would break)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_utils import models  # noqa: E402
from course_utils.datasets import DataWarning, load_fruits  # noqa: E402

BLOCK_LAYERS = ("conv", "bn", "act", "pool")


def test_layers_are_named_and_ordered_for_the_later_lessons():
    model = models.build_fruits_cnn((32, 32, 3), 16)
    names = [layer.name for layer in model.layers]
    expected = ["image", "rescale"]
    for block in (1, 2, 3):
        expected += [f"{kind}{block}" for kind in BLOCK_LAYERS]
    expected += ["flatten", "dropout", "probabilities"]
    assert names == expected
    assert model.name == "fruits_cnn"
    assert model.input_shape == (None, 32, 32, 3)
    assert model.output_shape == (None, 16)
    assert model.get_layer("conv3").output.shape == (None, 8, 8, 128)
    assert model.get_layer("pool3").output.shape == (None, 4, 4, 128)


def test_layer_settings_match_lesson_04():
    model = models.build_fruits_cnn((32, 32, 3), 16)
    for block, filters in zip((1, 2, 3), (32, 64, 128), strict=True):
        conv = model.get_layer(f"conv{block}").get_config()
        assert (conv["filters"], conv["kernel_size"], conv["padding"]) == (filters, (3, 3), "same")
        assert model.get_layer(f"bn{block}").momentum == pytest.approx(0.9)
        assert model.get_layer(f"act{block}").negative_slope == pytest.approx(0.1)
        assert model.get_layer(f"pool{block}").get_config()["pool_size"] == (2, 2)
    assert model.get_layer("rescale").scale == pytest.approx(1 / 255)
    assert model.get_layer("dropout").rate == pytest.approx(0.3)
    assert model.get_layer("probabilities").get_config()["activation"] == "softmax"
    assert model.count_params() == 126_928


def test_outputs_are_probabilities_and_a_feature_model_can_be_cut_out():
    model = models.build_fruits_cnn((24, 24, 3), 5, filters=(8, 16), dropout=0.1, name="small")
    assert [layer.name for layer in model.layers if layer.name.startswith("conv")] == [
        "conv1",
        "conv2",
    ]
    images = np.random.default_rng(0).integers(0, 256, size=(4, 24, 24, 3)).astype("float32")
    probabilities = model.predict(images, verbose=0)
    assert probabilities.shape == (4, 5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    features = keras.Model(model.inputs, model.get_layer("act2").output)  # as lesson 07 does
    assert features.predict(images, verbose=0).shape == (4, 12, 12, 16)


@pytest.mark.parametrize("shape", [(32, 32), (32, 32, 1), (32, 32, 4)])
def test_wrong_input_shapes_are_refused_with_a_message(shape):
    with pytest.raises(ValueError, match="height, width, 3"):
        models.build_fruits_cnn(shape, 16)


@pytest.mark.slow
def test_training_learns_and_predicts_well_in_inference_mode(fruits_tree):
    """A few dozen steps on 16 coloured discs: evaluate() (inference mode, moving averages of
    batch normalisation) must agree with what training reached. With Keras's default
    momentum 0.99 the moving averages lag and this accuracy collapses."""
    keras.utils.set_random_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        data = load_fruits(fruits_tree, image_size=(32, 32), batch_size=8, verbose=False)
    model, history = models.train_fruits_cnn(data, epochs=12, learning_rate=3e-3)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 12
    assert history.history["loss"][-1] < history.history["loss"][0]
    train_accuracy = model.evaluate(data.pipeline("train", shuffle=False), verbose=0)[1]
    assert train_accuracy > 0.8, f"inference-mode accuracy on the training images: {train_accuracy}"
    predicted = model.predict(data.x_test.astype("float32"), verbose=0).argmax(axis=1)
    assert (predicted == data.y_test).mean() > 0.5


SHUFFLE_SCRIPT = """
import warnings
import numpy as np
{imports}
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
batches = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2)), np.zeros((4, 1)))).batch(2)
with warnings.catch_warnings(record=True) as caught:
    model.fit(batches, epochs=1, verbose=0)
print("SHUFFLE-WARNINGS", sum("shuffle=True" in str(w.message) for w in caught))
"""


@pytest.mark.parametrize(("imports", "expected"), [("", 1), ("import course_utils.datasets", 0)])
def test_keras_shuffle_false_alarm_is_hidden_by_the_data_module(imports, expected):
    """Keras warns on every fit with a tf.data pipeline that shuffle=True is ignored; in a
    fresh process (as in a notebook kernel), importing the data module hides that message.
    Without it the warning appears: the test would notice a Keras that stops warning."""
    script = SHUFFLE_SCRIPT.format(imports=imports)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    hint = (
        "Keras no longer warns: remove the shuffle filter from course_utils/datasets.py"
        if expected
        else "the data module no longer hides Keras's shuffle warning"
    )
    assert f"SHUFFLE-WARNINGS {expected}" in result.stdout, f"{hint}\n{result.stdout}"
