"""Detectors of the classic Keras mistakes, for the lessons' checkers.

Each detector looks at a model, a loss, a batch or two datasets through public Keras and
TensorFlow APIs only, and returns a message that names the mistake and says what to do,
or ``None`` when it finds nothing. A checker passes them to
:func:`course_utils.checks.exercise.reject`, which reports the first finding.

Keras and TensorFlow are imported by the functions that need them, so that importing a
lesson's checks (and ``python -m course_utils progress``) stays fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

# The input ranges of keras.applications' preprocess_input modes (RGB images 0-255 in).
# caffe: BGR minus the ImageNet means; tf: scaled to -1..1; torch: 0-1 minus mean over std.
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
_IMAGENET_STD = np.array([0.229, 0.224, 0.225])
CONVENTIONS = {
    "raw": (0.0, 255.0),
    "unit": (0.0, 1.0),
    "tf": (-1.0, 1.0),
    "torch": (
        float(np.min(-_IMAGENET_MEAN / _IMAGENET_STD)),
        float(np.max((1 - _IMAGENET_MEAN) / _IMAGENET_STD)),
    ),
    "caffe": (-123.68, 255.0 - 103.939),
}
"""Each convention's possible input range (lowest, highest value)."""

CONVENTION_WORDS = {
    "raw": "raw pixels 0-255",
    "unit": "pixels scaled to 0-1",
    "tf": "pixels scaled to -1..1 (preprocess_input mode 'tf')",
    "torch": "ImageNet mean/std normalisation (preprocess_input mode 'torch')",
    "caffe": "BGR with the ImageNet means subtracted (preprocess_input mode 'caffe')",
}

APPLICATION_PREPROCESSING = {
    "vgg16": "caffe",
    "vgg19": "caffe",
    "resnet50": "caffe",
    "resnet101": "caffe",
    "resnet152": "caffe",
    "xception": "tf",
    "inception_v3": "tf",
    "inception_resnet_v2": "tf",
    "mobilenet": "tf",
    "mobilenet_v2": "tf",
    "resnet50v2": "tf",
    "nasnet": "tf",
    "densenet121": "torch",
    "densenet169": "torch",
    "densenet201": "torch",
    "efficientnetb0": "raw",
    "efficientnetv2b0": "raw",
    "convnext_tiny": "raw",
}
"""What each ``keras.applications`` model's ``preprocess_input`` makes of 0-255 pixels
(read in Keras 3.15's sources; EfficientNet and ConvNeXt rescale inside the model)."""


def _array(values) -> np.ndarray:
    return np.asarray(values.numpy() if hasattr(values, "numpy") else values)


# --------------------------------------------------------------------------- outputs, losses


def output_layer(model):
    """The layer that produces the model's output (descending into a nested last model)."""
    import keras

    layer = model.layers[-1]
    while isinstance(layer, keras.Model) and layer.layers:
        layer = layer.layers[-1]
    return layer


def output_activation(model) -> str:
    """``"softmax"``, ``"sigmoid"``, ``"linear"`` ... of the output layer (from its config)."""
    from keras import layers

    layer = output_layer(model)
    if isinstance(layer, layers.Softmax):
        return "softmax"
    activation = layer.get_config().get("activation", "linear")
    return activation if isinstance(activation, str) else str(activation)


def loss_facts(loss) -> tuple[str, bool]:
    """The loss's name and whether it expects logits.

    Examples
    --------
    >>> loss_facts("sparse_categorical_crossentropy")
    ('sparse_categorical_crossentropy', False)
    """
    if loss is None:
        return "", False
    if isinstance(loss, str):
        return loss, False
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    name = config.get("name") or getattr(loss, "__name__", type(loss).__name__)
    return str(name), bool(config.get("from_logits", False))


def softmax_with_from_logits(model, loss=None) -> str | None:
    """A softmax output layer with a loss built with ``from_logits=True``.

    The loss then applies softmax a second time: training still runs but learns slowly
    and the loss values are wrong. ``loss`` defaults to the compiled model's ``loss``.
    """
    name, from_logits = loss_facts(model.loss if loss is None else loss)
    if from_logits and output_activation(model) == "softmax":
        return (
            "The output layer already applies softmax, but the loss was built with "
            "from_logits=True, so softmax is applied twice. Either keep the softmax and use "
            f"{name or 'the loss'} without from_logits, or end with a Dense layer without "
            "activation and keep from_logits=True."
        )
    return None


def logits_without_from_logits(model, loss=None) -> str | None:
    """An output layer without activation (logits) with a loss that expects probabilities."""
    name, from_logits = loss_facts(model.loss if loss is None else loss)
    if "crossentropy" in name and not from_logits and output_activation(model) == "linear":
        return (
            "The output layer has no activation, so it gives logits, but the loss expects "
            "probabilities. Add activation='softmax' to the last Dense layer, or build the "
            "loss with from_logits=True."
        )
    return None


def output_units(model) -> int:
    """The size of the model's output (classes for a classifier)."""
    return int(model.outputs[0].shape[-1])


def wrong_number_of_classes(model, num_classes: int) -> str | None:
    """The output layer's size differs from the number of classes."""
    units = output_units(model)
    if units != num_classes:
        return (
            f"The output layer has {units} unit{'s' if units != 1 else ''}, but there are "
            f"{num_classes} classes: end with layers.Dense({num_classes}, ...) (one unit per "
            "class, e.g. NUM_CLASSES)."
        )
    return None


# --------------------------------------------------------------------------- frozen bases


def _ids(variables) -> set[int]:
    return {id(v) for v in variables}


def base_left_trainable(model, base) -> str | None:
    """The pretrained ``base`` inside ``model`` would be trained (not frozen)."""
    trained = _ids(base.weights) & _ids(model.trainable_weights)
    if trained:
        return (
            f"The pretrained base '{base.name}' is still trainable: {len(trained)} of its "
            "weight tensors would be changed by fit, and the large early gradients of a "
            "random new head would wreck its features. Set base.trainable = False before "
            "compile (and compile again after any change of trainable)."
        )
    return None


def batchnorm_updates_in_base(model, base, batch) -> str | None:
    """BatchNormalization layers in ``base`` change their statistics during a training step.

    Runs ``model`` once in training mode on ``batch`` (what every step of ``fit`` does)
    and compares the layers' moving means and variances; their weights are restored
    afterwards. In Keras 3 building the model with ``base(x, training=False)`` does not
    prevent the update when the model runs in training mode (measured with Keras 3.15);
    what does is a BatchNormalization layer with ``trainable = False``, which always runs
    in inference mode.
    """
    from keras import layers

    norms = [layer for layer in all_layers(base) if isinstance(layer, layers.BatchNormalization)]
    if not norms:
        return None
    before = [layer.get_weights() for layer in norms]
    try:
        model(np.asarray(batch), training=True)
        after = [layer.get_weights() for layer in norms]
    finally:
        for layer, weights in zip(norms, before, strict=True):
            layer.set_weights(weights)
    changed = sum(
        any(not np.array_equal(a, b) for a, b in zip(old, new, strict=True))
        for old, new in zip(before, after, strict=True)
    )
    if changed:
        return (
            f"{changed} BatchNormalization layer{'s' if changed != 1 else ''} of the base "
            f"'{base.name}' update their statistics in training mode (every step of fit), "
            "which replaces the pretrained statistics with those of your batches. Keep them "
            "frozen: set trainable = False on every BatchNormalization layer of the base "
            "(also when you unfreeze the rest for fine-tuning), then compile again."
        )
    return None


def all_layers(model) -> list:
    """Every layer of ``model``, with the layers of nested models (a pretrained base) too."""
    import keras

    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(all_layers(layer))
    return found


# --------------------------------------------------------------------------- pixel values


def guess_convention(batch) -> str | None:
    """The preprocessing a batch of images looks like (a key of :data:`CONVENTIONS`).

    The narrowest convention whose range holds the batch and whose range the batch fills
    for at least a quarter; ``None`` when none fits (an empty or constant batch).
    """
    values = _array(batch).astype("float64")
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    if high - low <= 0:
        return None
    fitting = []
    for name, (lowest, highest) in CONVENTIONS.items():
        slack = 0.02 * (highest - lowest)
        if (
            lowest - slack <= low
            and high <= highest + slack
            and (high - low) >= 0.25 * (highest - lowest)
        ):
            fitting.append((highest - lowest, name))
    return min(fitting)[1] if fitting else None


def wrong_preprocessing(batch, expected: str) -> str | None:
    """The batch does not look like the ``expected`` convention (a key of :data:`CONVENTIONS`
    or a model name of :data:`APPLICATION_PREPROCESSING`)."""
    expected = APPLICATION_PREPROCESSING.get(expected.lower(), expected)
    if expected not in CONVENTIONS:
        raise ValueError(
            f"expected must be one of {sorted(CONVENTIONS)} or a model name, not {expected!r}."
        )
    values = _array(batch)
    seen = guess_convention(values)
    if seen == expected or seen is None:
        return None
    low, high = float(values.min()), float(values.max())
    return (
        f"The images range from {low:.3g} to {high:.3g}, which looks like "
        f"{CONVENTION_WORDS[seen]}, but this model expects {CONVENTION_WORDS[expected]}. Use the "
        "preprocess_input of the same keras.applications module as the model, once, on "
        "pixels 0-255."
    )


def pixel_scale_mistake(batch, *, expected: str = "unit") -> str | None:
    """0-255 pixels where 0-1 is expected, pixels scaled twice, or 0-1 where 0-255 is expected.

    Parameters
    ----------
    batch : array-like
        Images (any shape).
    expected : {"unit", "raw"}
        What the model expects: ``"unit"`` (0-1) or ``"raw"`` (0-255, e.g. a model that
        starts with ``Rescaling(1/255)``).
    """
    if expected not in ("unit", "raw"):
        raise ValueError(f"expected must be 'unit' (0-1) or 'raw' (0-255), not {expected!r}.")
    values = _array(batch).astype("float64")
    high = float(values.max()) if values.size else 0.0
    if high <= 0:
        return None
    if high <= 1.0 / 255 + 1e-6:
        return (
            f"The largest pixel value is {high:.3g}: the pixels were divided by 255 twice "
            "(for example by a Rescaling layer and again by hand). Scale them once."
        )
    if expected == "unit" and high > 1.5:
        return (
            f"The pixels go up to {high:.0f}, but the model expects values from 0 to 1: "
            "divide by 255 (or add layers.Rescaling(1 / 255) at the start of the model)."
        )
    if expected == "raw" and high <= 1.0 + 1e-6:
        return (
            f"The pixels go up to {high:.3g}, but the model rescales 0-255 pixels itself "
            "(it starts with a Rescaling layer): give it the pixels as they are, 0-255."
        )
    return None


def model_rescales(model) -> bool:
    """True when the model contains a ``Rescaling`` layer (so it wants 0-255 pixels)."""
    from keras import layers

    return any(isinstance(layer, layers.Rescaling) for layer in all_layers(model))


def input_scale_mistake(model, batch) -> str | None:
    """:func:`pixel_scale_mistake` for what ``model`` expects (a Rescaling layer: 0-255)."""
    return pixel_scale_mistake(batch, expected="raw" if model_rescales(model) else "unit")


# --------------------------------------------------------------------------- labels


def label_shape(labels) -> tuple:
    """The shape of one batch of labels: an array, or a tf.data dataset's element spec."""
    import tensorflow as tf

    if isinstance(labels, tf.data.Dataset):
        spec = labels.element_spec
        spec = spec[1] if isinstance(spec, tuple) else spec
        return tuple(spec.shape)
    return _array(labels).shape


def label_format_mismatch(labels, loss) -> str | None:
    """One-hot labels with a sparse loss, or integer labels with a categorical loss.

    ``labels`` may be an array or a tf.data dataset of ``(images, labels)``; ``loss``
    a name or a loss object (``model.loss``).
    """
    name, _ = loss_facts(loss)
    shape = label_shape(labels)
    one_hot = len(shape) >= 2 and shape[-1] is not None and shape[-1] > 1
    if "sparse_categorical" in name and one_hot:
        return (
            f"The labels are one-hot vectors (shape {shape}), but {name} expects one class "
            "number per image. Use loss='categorical_crossentropy', or keep the class numbers "
            "(no keras.utils.to_categorical)."
        )
    if "categorical" in name and "sparse" not in name and not one_hot:
        return (
            f"The labels are class numbers (shape {shape}), but {name} expects one-hot "
            "vectors. Use loss='sparse_categorical_crossentropy', or one-hot encode the labels "
            "with keras.utils.to_categorical."
        )
    return None


# --------------------------------------------------------------------------- which data


def _images_of(data, limit: int) -> Iterable[np.ndarray]:
    """Single images from an array, an (images, labels) tuple or a tf.data dataset."""
    if isinstance(data, tuple | list) and len(data) == 2:
        data = data[0]
    if hasattr(data, "element_spec"):  # tf.data.Dataset
        count = 0
        for element in data:
            images = element[0] if isinstance(element, tuple | list) else element
            images = _array(images)
            batch = images if images.ndim == 4 else images[None]
            for image in batch:
                yield image
                count += 1
                if count >= limit:
                    return
        return
    yield from _array(data)[:limit]


def fingerprints(data, *, limit: int = 2000) -> list[str]:
    """A hash of each image (up to ``limit``) of an array, a tuple or a tf.data dataset."""
    return [
        hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=12).hexdigest()
        for image in _images_of(data, limit)
    ]


def shared_fraction(data, reference, *, limit: int = 2000) -> float:
    """The fraction of ``data``'s images (up to ``limit``) that also occur in ``reference``."""
    seen = set(fingerprints(reference, limit=10 * limit))
    mine = fingerprints(data, limit=limit)
    return sum(f in seen for f in mine) / len(mine) if mine else 0.0


def evaluated_on_training(evaluated, training, *, limit: int = 500) -> str | None:
    """Most of the evaluated images are training images."""
    share = shared_fraction(evaluated, training, limit=limit)
    if share >= 0.9:
        return (
            f"{share:.0%} of the images you evaluated on are training images: a model is "
            "always good on what it learned from. Evaluate on the test (or validation) data."
        )
    return None


def validation_leak(
    validation, training, *, limit: int = 2000, tolerance: float = 0.02
) -> str | None:
    """Validation images that are also in the training data (beyond ``tolerance``).

    The classic cause is ``dataset.shuffle(n)`` before ``take``/``skip``: the shuffle is
    redone every epoch, so the two parts mix. :func:`changes_between_passes` names it.
    """
    share = shared_fraction(validation, training, limit=limit)
    if share > tolerance:
        reason = ""
        if hasattr(validation, "element_spec") and changes_between_passes(validation):
            reason = (
                " Your validation set also changes every time it is read: a shuffle before "
                "take/skip is redone each epoch (shuffle(..., reshuffle_each_iteration=False),"
                " or split first and shuffle the training part only)."
            )
        return (
            f"{share:.0%} of the validation images are also training images, so validation "
            f"accuracy is inflated: split the data so that no image is in both.{reason}"
        )
    return None


def changes_between_passes(dataset, *, limit: int = 200) -> bool:
    """True when two passes over ``dataset`` give different images (or a different order)."""
    return fingerprints(dataset, limit=limit) != fingerprints(dataset, limit=limit)


# --------------------------------------------------------------------------- outcomes


def at_least(value: float, minimum: float, what: str, *, advice: str = "") -> str | None:
    """A tolerance band: ``value`` (an accuracy, say) must reach ``minimum``.

    Use bands that hold in quick and full mode on every data source, never exact floats.
    """
    if not np.isfinite(value) or value < minimum:
        more = f" {advice}" if advice else ""
        return f"{what} is {value:.3g}, below the {minimum:.3g} this exercise expects.{more}"
    return None


def accuracy_of(model, images, labels) -> float:
    """The fraction of ``images`` whose most probable class is the label (sparse labels)."""
    predictions = model.predict(np.asarray(images), verbose=0)
    return float(np.mean(np.argmax(predictions, axis=-1) == np.asarray(labels).reshape(-1)))
