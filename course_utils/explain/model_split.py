"""Cut a Keras model in two at one layer: a feature part and a head (nested bases included).

In Keras 3, ``model.get_layer(name).output`` belongs to the graph of the model that
*directly* holds the layer, so for a layer inside a nested base
``keras.Model(model.inputs, base.get_layer(name).output)`` fails ("not connected to
inputs"). :func:`split_model` therefore follows the model's layers (and, for a nested
base, the base's own layers) to build

* a **feature part**, image -> that layer's output (the feature maps), and
* a **head**, feature maps -> the model's output,

and :meth:`SplitModel.check` verifies on actual images that ``head(features(x))`` gives
the same predictions as ``model(x)``, so a split that does not match the model fails
loudly instead of explaining something else. Works for functional and Sequential models
and for transfer models whose pretrained base is nested inside them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

_ELEMENTWISE = (
    "Activation",
    "BatchNormalization",
    "LayerNormalization",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "PReLU",
)


# --------------------------------------------------------------------------- model plumbing


def _is_model(layer) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _layers_of(model) -> list:
    """The model's own layers in call order, without its input layers."""
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _walk(model) -> list:
    """Every layer of ``model`` in call order; a nested model comes before its own layers."""
    found = []
    for layer in _layers_of(model):
        found.append(layer)
        if _is_model(layer):
            found.extend(_walk(layer))
    return found


def _contains(model, target) -> bool:
    return any(layer is target for layer in _walk(model))


def find_layer(model, name: str):
    """Return the layer called ``name`` anywhere in ``model``, nested models included.

    Raises
    ------
    ValueError
        If no layer has that name (the message lists the names that exist).
    """
    for layer in _layers_of(model):
        if layer.name == name:
            return layer
        if _is_model(layer):
            with contextlib.suppress(ValueError):
                return find_layer(layer, name)
    if model.name == name:
        raise ValueError(f"{name!r} is the model itself; name one of its layers.")
    raise ValueError(_unknown_layer_message(model, name))


def _unknown_layer_message(model, name: str) -> str:
    names = [layer.name for layer in _walk(model)]
    shown = ", ".join(names[-12:])
    return (
        f"No layer named {name!r} in model {model.name!r}. Its last layers are: {shown}. "
        "Print model.summary() (and the nested base's summary) to see every name."
    )


def _spatial_rank(layer) -> int | None:
    """The rank of the layer's output (4 for feature maps), or None if unknown."""
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):
        return None


def feature_map_layers(model) -> list[str]:
    """Names of the layers that output feature maps (4-D), nested bases included, in order."""
    return [
        layer.name for layer in _walk(model) if _spatial_rank(layer) == 4 and not _is_model(layer)
    ]


def last_conv_layer(model) -> str:
    """Name of the layer whose feature maps Grad-CAM should use by default.

    That is the last 2-D convolution of the model (searching nested models too),
    followed through the pixel-wise layers right after it (batch normalisation,
    activation), so that the maps are the ones the rest of the network reads:
    ``act3`` in the fruits CNN, ``block5_conv3`` in VGG16, ``block14_sepconv2_act``
    in Xception.

    Raises
    ------
    ValueError
        If the model has no 2-D convolution.
    """
    walked = _walk(model)
    last = None
    for index, layer in enumerate(walked):
        if getattr(layer, "rank", None) == 2 and hasattr(layer, "kernel_size"):
            last = index
    if last is None:
        raise ValueError(
            f"Model {model.name!r} has no Conv2D-like layer; pass layer=<name> explicitly."
        )
    while last + 1 < len(walked) and type(walked[last + 1]).__name__ in _ELEMENTWISE:
        last += 1
    return walked[last].name


def _chain(layers: Sequence, x):
    for layer in layers:
        x = layer(x, training=False)
    return x


def _split(model, target) -> tuple[Callable, list]:
    """Split ``model`` at layer ``target``: return ``(features, head_layers)``.

    ``features(x)`` computes ``target``'s output from the model's input; applying
    ``head_layers`` (a flat list of layers, in order) to it gives the model's output.
    """
    import keras

    own = _layers_of(model)
    for index, layer in enumerate(own):
        if layer is target:
            try:
                inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
                features = keras.Model(inputs, target.output)
            except (AttributeError, ValueError, TypeError):
                # Not a functional graph (e.g. a Sequential model never built): follow
                # the layers in order.
                features = functools.partial(_chain, own[: index + 1])
            return features, list(own[index + 1 :])
        if _is_model(layer) and _contains(layer, target):
            inner_features, inner_head = _split(layer, target)
            before = own[:index]

            def features(x, before=before, inner=inner_features):
                return inner(_chain(before, x))

            return features, [*inner_head, *own[index + 1 :]]
    raise ValueError(_unknown_layer_message(model, getattr(target, "name", str(target))))


def _is_softmax_dense(layer) -> bool:
    activation = getattr(layer, "activation", None)
    return type(layer).__name__ == "Dense" and getattr(activation, "__name__", "") == "softmax"


@dataclass
class SplitModel:
    """A model cut in two at one layer (see the module docstring for why).

    Attributes
    ----------
    model : keras.Model
        The whole model.
    layer : str
        Where it is cut: ``features`` returns this layer's output.
    features : callable
        ``images -> feature maps`` of ``layer``.
    head : list of layers
        The layers that turn the feature maps into the model's output, in order.
    """

    model: object
    layer: str
    features: Callable
    head: list

    def classify(self, feature_maps, logits: bool = False):
        """Run the head on feature maps; with ``logits=True`` stop before a final softmax.

        Grad-CAM uses the score *before* the softmax: once a prediction is confident,
        the softmax saturates and its gradients vanish.
        """
        import keras

        layers = self.head
        if logits and layers and _is_softmax_dense(layers[-1]):
            hidden = _chain(layers[:-1], feature_maps)
            dense = layers[-1]
            out = keras.ops.matmul(hidden, dense.kernel)
            return out + dense.bias if dense.use_bias else out
        return _chain(layers, feature_maps)

    def check(self, images, atol: float = 1e-4) -> None:
        """Raise ``ValueError`` unless ``head(features(x))`` reproduces ``model(x)``."""
        import keras

        whole = keras.ops.convert_to_numpy(self.model(images, training=False))
        try:
            parts = keras.ops.convert_to_numpy(self.classify(self.features(images)))
        except (ValueError, TypeError) as error:  # a layer of the head got the wrong input
            parts = error
        if (
            isinstance(parts, Exception)
            or whole.shape != parts.shape
            or not np.allclose(whole, parts, atol=atol, rtol=1e-3)
        ):
            raise ValueError(
                f"Cutting model {self.model.name!r} at layer {self.layer!r} does not reproduce "
                "its predictions: the layers after it are not a simple chain (a branch or "
                "skip connection crosses the cut). Choose a later layer, or build the model "
                "with the functional API so that the chosen layer feeds the rest directly."
            )


def split_model(model, layer: str | None = None) -> SplitModel:
    """Cut ``model`` into a feature part (input -> ``layer``) and a head (``layer`` -> output).

    Works for functional and Sequential models and for a layer inside a nested base
    model. ``layer=None`` picks :func:`last_conv_layer`.

    Examples
    --------
    >>> import numpy as np
    >>> from course_utils.models import build_fruits_cnn
    >>> model = build_fruits_cnn((32, 32, 3), 16)
    >>> images = np.zeros((2, 32, 32, 3), dtype="float32")
    >>> parts = split_model(model, "act2")
    >>> maps = parts.features(images)                           # (n, h, w, channels)
    >>> tuple(maps.shape)
    (2, 16, 16, 64)
    >>> probabilities = parts.classify(maps)                    # same as model(images)
    >>> parts.check(images)                                     # raises if they differ
    """
    name = layer or last_conv_layer(model)
    target = find_layer(model, name)
    features, head = _split(model, target)
    return SplitModel(model, name, features, head)


def _as_batch(images) -> np.ndarray:
    batch = np.asarray(images, dtype="float32")
    if batch.ndim == 3:
        batch = batch[None]
    if batch.ndim != 4:
        raise ValueError(
            f"Expected images of shape (n, height, width, channels), got {batch.shape}."
        )
    return batch
