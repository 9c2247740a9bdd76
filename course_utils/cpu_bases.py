"""Small pretrained bases for a CPU laptop (MobileNetV3Small, EfficientNetB0) beside VGG16.

Lesson 09 compares a small modern base with lesson 06's VGG16. :func:`load_base` gives
each one the way :func:`course_utils.pretrained.load` gives VGG16: the real
``keras.applications`` constructor, Keras's own weight file (name and MD5 from Keras's
source) in the standard Keras cache, downloaded when missing, and offline the same
architecture with **random weights** after the same red notice.

MobileNetV3 and EfficientNet carry their preprocessing inside the model (they take 0-255
RGB pixels), so their ``preprocess_input`` is the identity; VGG16's is not (BGR, mean
subtracted), which is why :class:`~course_utils.pretrained.Pretrained` keeps the two
together. Their weight files are registered in ``pretrained.COURSE_FILES`` (one
definition, so ``fetch-weights`` and instructor bundles carry them); the names below refer
to those entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_utils import pretrained

MOBILENET_V3_SMALL_NOTOP = pretrained.MOBILENET_V3_SMALL_NOTOP
EFFICIENTNET_B0_NOTOP = pretrained.EFFICIENTNET_B0_NOTOP


@dataclass(frozen=True)
class BaseSpec:
    """How to build one small base without its classifier."""

    name: str
    constructor: str
    module: str
    weights: pretrained.RemoteFile
    min_size: int


SMALL_BASES = {
    "mobilenetv3small": BaseSpec(
        "MobileNetV3Small", "MobileNetV3Small", "mobilenet_v3", MOBILENET_V3_SMALL_NOTOP, 32
    ),
    "efficientnetb0": BaseSpec(
        "EfficientNetB0", "EfficientNetB0", "efficientnet", EFFICIENTNET_B0_NOTOP, 32
    ),
}
"""The small bases lesson 09 offers, by the name :func:`load_base` takes."""


def load_base(
    name: str, image_size: int, *, weights: str | None = "imagenet"
) -> pretrained.Pretrained:
    """Build a pretrained base without its classifier for ``image_size`` x ``image_size`` photos.

    Parameters
    ----------
    name : {"vgg16", "mobilenetv3small", "efficientnetb0"}
    image_size : int
        Side of the square input (32 and up).
    weights : {"imagenet", None}
        ``None`` asks for random weights on purpose (no notice).

    Returns
    -------
    course_utils.pretrained.Pretrained
        ``.model`` (the base), ``.preprocess_input``, ``.has_imagenet_weights``.

    Examples
    --------
    >>> base = load_base("mobilenetv3small", 96)          # doctest: +SKIP
    >>> base.model.output_shape                           # doctest: +SKIP
    (None, 3, 3, 576)
    """
    import keras

    key = name.lower()
    shape = (int(image_size), int(image_size), 3)
    if key in pretrained.MODELS:
        return pretrained.load(key, include_top=False, input_shape=shape, weights=weights)
    if key not in SMALL_BASES:
        choices = sorted({*pretrained.MODELS, *SMALL_BASES})
        raise ValueError(f"Unknown base {name!r}; choose one of {choices}.")
    spec = SMALL_BASES[key]
    if weights not in ("imagenet", None):
        raise ValueError("weights must be 'imagenet' or None.")
    if image_size < spec.min_size:
        raise ValueError(
            f"{spec.name} needs images of at least {spec.min_size} pixels, not {image_size}."
        )
    path = pretrained.ensure_file(spec.weights, progress=True) if weights == "imagenet" else None
    constructor = getattr(keras.applications, spec.constructor)
    options = {"include_preprocessing": True} if key == "mobilenetv3small" else {}
    model = constructor(
        weights=str(path) if path else None, include_top=False, input_shape=shape, **options
    )
    if weights == "imagenet" and path is None:
        pretrained.random_weights_notice(spec.name)
    preprocess = getattr(keras.applications, spec.module).preprocess_input
    return pretrained.Pretrained(
        model, spec.name, int(image_size), preprocess, path is not None, path
    )


_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def with_preprocessing(base: pretrained.Pretrained):
    """Return a model that takes 0-255 RGB pixels: ``preprocess_input`` put inside the model.

    An exported model should take plain pixels, so that an app needs no Keras
    preprocessing function. MobileNetV3 and EfficientNet already do (returned as they
    are). For VGG16 ("caffe" mode: RGB to BGR, ImageNet mean subtracted) a fixed 1x1
    convolution does exactly that: its kernel swaps the channels and its bias subtracts
    the mean, so the model saves, loads and converts to LiteRT without custom code.
    """
    import keras
    import numpy as np

    if base.name != "VGG16":
        return base.model
    shape = tuple(base.model.input_shape[1:])
    swap = keras.layers.Conv2D(3, 1, name="rgb_to_bgr_minus_mean", trainable=False)
    inputs = keras.Input(shape, name="pixels")
    outputs = base.model(swap(inputs))
    kernel = np.zeros((1, 1, 3, 3), dtype="float32")
    for channel in range(3):
        kernel[0, 0, 2 - channel, channel] = 1.0  # output BGR channel c reads RGB channel 2-c
    swap.set_weights([kernel, -np.asarray(_CAFFE_MEAN_BGR, dtype="float32")])
    return keras.Model(inputs, outputs, name=f"{base.model.name}_on_pixels")
