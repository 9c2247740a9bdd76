"""The Keras-mistake detectors, each on real small Keras models, tensors and datasets: it
names the mistake when it is there and stays silent on the correct version."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
from keras import layers  # noqa: E402

from course_utils.checks import keras_mistakes as km  # noqa: E402

SHAPE = (8, 8, 3)


def classifier(classes=4, activation="softmax", loss="sparse_categorical_crossentropy"):
    inputs = keras.Input(SHAPE)
    x = layers.Flatten()(inputs)
    model = keras.Model(inputs, layers.Dense(classes, activation=activation)(x))
    model.compile(optimizer="adam", loss=loss)
    return model


def pixels(seed=0, count=6):
    return np.random.default_rng(seed).integers(0, 256, (count, *SHAPE)).astype("float32")


# --------------------------------------------------------------------------- outputs and losses


def test_softmax_output_with_from_logits_is_named():
    wrong = classifier(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "from_logits=True" in km.softmax_with_from_logits(wrong)
    assert km.softmax_with_from_logits(classifier()) is None
    logits = classifier(activation=None, loss=keras.losses.SparseCategoricalCrossentropy(True))
    assert km.softmax_with_from_logits(logits) is None


def test_a_softmax_layer_at_the_end_counts_as_softmax():
    inputs = keras.Input(SHAPE)
    x = layers.Dense(4)(layers.Flatten()(inputs))
    model = keras.Model(inputs, layers.Softmax()(x))
    loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    assert km.softmax_with_from_logits(model, loss) is not None


def test_logits_with_a_loss_that_expects_probabilities_is_named():
    wrong = classifier(activation=None)
    assert "logits" in km.logits_without_from_logits(wrong)
    assert km.logits_without_from_logits(classifier()) is None


def test_a_dense_layer_with_the_wrong_number_of_classes_is_named():
    message = km.wrong_number_of_classes(classifier(classes=10), 16)
    assert "10 units" in message and "16 classes" in message
    assert km.wrong_number_of_classes(classifier(classes=16), 16) is None


def test_the_output_layer_of_a_nested_head_is_found():
    head = keras.Sequential([keras.Input((SHAPE[0] * SHAPE[1] * 3,)), layers.Dense(5)])
    inputs = keras.Input(SHAPE)
    model = keras.Model(inputs, head(layers.Flatten()(inputs)))
    assert km.output_activation(model) == "linear" and km.output_units(model) == 5


# --------------------------------------------------------------------------- frozen bases


def small_base():
    inputs = keras.Input(SHAPE)
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    return keras.Model(inputs, layers.GlobalAveragePooling2D()(x), name="base")


def transfer(base):
    inputs = keras.Input(SHAPE)
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(base(inputs, training=False)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_a_base_left_trainable_is_named_and_a_frozen_one_is_not():
    base = small_base()
    model = transfer(base)
    assert "still trainable" in km.base_left_trainable(model, base)
    base.trainable = False
    assert km.base_left_trainable(model, base) is None


def test_batchnorm_updating_inside_an_unfrozen_base_is_named_and_weights_restored():
    base = small_base()  # trainable, as when fine-tuning; built with training=False
    model = transfer(base)
    before = [w.copy() for w in base.get_weights()]
    message = km.batchnorm_updates_in_base(model, base, pixels() / 255)
    assert message is not None and "trainable = False on every BatchNormalization" in message
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights(), strict=True))
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.trainable = False
    assert km.batchnorm_updates_in_base(model, base, pixels() / 255) is None
    without = keras.Sequential([keras.Input(SHAPE), layers.Flatten(), layers.Dense(2)])
    assert km.batchnorm_updates_in_base(without, without, pixels()) is None


# --------------------------------------------------------------------------- pixel values


def test_each_preprocess_input_mode_is_recognised():
    from keras.applications import densenet, vgg16, xception

    batch = pixels()
    assert km.guess_convention(batch) == "raw"
    assert km.guess_convention(batch / 255) == "unit"
    assert km.guess_convention(xception.preprocess_input(batch.copy())) == "tf"
    assert km.guess_convention(densenet.preprocess_input(batch.copy())) == "torch"
    assert km.guess_convention(vgg16.preprocess_input(batch.copy())) == "caffe"


def test_the_wrong_preprocess_input_for_a_model_is_named():
    from keras.applications import vgg16, xception

    batch = pixels()
    message = km.wrong_preprocessing(xception.preprocess_input(batch.copy()), "vgg16")
    assert "mode 'tf'" in message and "mode 'caffe'" in message
    assert km.wrong_preprocessing(vgg16.preprocess_input(batch.copy()), "vgg16") is None
    assert km.wrong_preprocessing(xception.preprocess_input(batch.copy()), "xception") is None
    assert "raw pixels" in km.wrong_preprocessing(batch, "xception")
    with pytest.raises(ValueError, match="or a model name"):
        km.wrong_preprocessing(batch, "resnet9000")


def test_pixel_scale_mistakes_are_named():
    batch = pixels()
    assert "divide by 255" in km.pixel_scale_mistake(batch)
    assert "divided by 255 twice" in km.pixel_scale_mistake(batch / 255 / 255)
    assert km.pixel_scale_mistake(batch / 255) is None
    assert "0-255" in km.pixel_scale_mistake(batch / 255, expected="raw")
    assert km.pixel_scale_mistake(batch, expected="raw") is None


def test_the_model_decides_which_scale_is_expected():
    inputs = keras.Input(SHAPE)
    x = layers.Rescaling(1 / 255)(inputs)
    rescaling = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
    batch = tf.constant(pixels())
    assert km.input_scale_mistake(rescaling, batch) is None
    assert "rescales 0-255 pixels itself" in km.input_scale_mistake(rescaling, batch / 255)
    assert "divide by 255" in km.input_scale_mistake(classifier(), batch)


# --------------------------------------------------------------------------- labels


def test_one_hot_labels_with_a_sparse_loss_and_the_reverse_are_named():
    labels = np.array([0, 2, 1, 3])
    one_hot = keras.utils.to_categorical(labels, 4)
    sparse_loss = "sparse_categorical_crossentropy"
    assert "one-hot" in km.label_format_mismatch(one_hot, sparse_loss)
    assert km.label_format_mismatch(labels, sparse_loss) is None
    loss = keras.losses.CategoricalCrossentropy()
    assert "class numbers" in km.label_format_mismatch(labels, loss)
    assert km.label_format_mismatch(one_hot, loss) is None


def test_labels_of_a_dataset_are_read_from_its_element_spec():
    labels = keras.utils.to_categorical(np.array([0, 1, 2, 3]), 4)
    dataset = tf.data.Dataset.from_tensor_slices((pixels(count=4), labels)).batch(2)
    assert "one-hot" in km.label_format_mismatch(dataset, classifier().loss)


# --------------------------------------------------------------------------- which data


def split(seed=1):
    images = pixels(seed, count=40)
    return images[:30], images[30:]


def test_evaluating_on_the_training_data_is_named():
    train, test = split()
    batches = tf.data.Dataset.from_tensor_slices((train, np.zeros(30))).batch(8)
    assert "training images" in km.evaluated_on_training(batches, train)
    assert km.evaluated_on_training((test, np.zeros(10)), train) is None


def test_a_shuffle_before_take_and_skip_leaks_validation_images():
    images = pixels(2, count=60)
    mixed = tf.data.Dataset.from_tensor_slices(images).shuffle(60, seed=3)
    validation, training = mixed.take(15), mixed.skip(15)
    message = km.validation_leak(validation.batch(5), training.batch(5))
    assert message is not None and "reshuffle_each_iteration=False" in message
    fixed = tf.data.Dataset.from_tensor_slices(images).shuffle(
        60, seed=3, reshuffle_each_iteration=False
    )
    assert km.validation_leak(fixed.take(15).batch(5), fixed.skip(15).batch(5)) is None


def test_validation_arrays_copied_into_training_are_named():
    train, validation = split()
    leaky_train = np.concatenate([train, validation[:5]])
    assert "50% of the validation images" in km.validation_leak(validation, leaky_train)
    assert km.validation_leak(validation, train) is None


# --------------------------------------------------------------------------- outcome bands


def test_a_tolerance_band_and_the_accuracy_it_measures():
    assert km.at_least(0.8, 0.6, "Validation accuracy") is None
    assert "below the 0.6" in km.at_least(0.4, 0.6, "Validation accuracy")
    assert km.at_least(float("nan"), 0.6, "Validation accuracy") is not None
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(inputs))
    model.layers[-1].set_weights([np.array([[5.0, -5.0], [-5.0, 5.0]]), np.zeros(2)])
    points = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert km.accuracy_of(model, points, [0, 1, 0, 1]) == 1.0
    assert km.accuracy_of(model, points, [1, 1, 1, 1]) == 0.5
