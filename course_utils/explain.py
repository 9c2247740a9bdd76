"""Looking inside a trained network: feature maps, Grad-CAM heatmaps and LIME explanations.

Lessons 07 and 08 *teach* these ideas (the core lines of Grad-CAM are written out in
lesson 07, the LIME recipe in lesson 08); this module holds the tested plumbing they
reuse, which has to work on every kind of Keras model the course builds:

* functional models such as the fruits CNN (:func:`course_utils.models.build_fruits_cnn`),
* ``keras.Sequential`` models,
* transfer models whose pretrained base is *nested* inside them
  (``inputs -> VGG16(include_top=False) -> GlobalAveragePooling2D -> Dense``).

Why it is not a one-liner: in Keras 3, ``model.get_layer(name).output`` belongs to the
graph of the model that *directly* holds the layer, so for a layer inside a nested base
``keras.Model(model.inputs, base.get_layer(name).output)`` fails ("not connected to
inputs"). This module therefore splits a model in two at the chosen layer:

* a **feature part**, image -> that layer's output (the feature maps), and
* a **head**, feature maps -> the model's output,

by following the model's layers (and, for a nested base, the base's own layers), and
checks on the actual images that ``head(features(x))`` gives the same predictions as
``model(x)``, so a split that does not match the model fails loudly instead of
explaining something else.

LIME helpers: a batched prediction function that resizes the explanation image to the
model's input size, superpixels that start at label 0 (LIME assumes it), a seeded
explanation wrapper (lime 0.2.0.1's ``random_seed`` no longer reaches scikit-image's
quickshift, so the segmentation is passed in explicitly), and the rendering of the
positive/negative superpixels.

TensorFlow, Keras and lime are imported by the functions that need them, so importing
this module is cheap.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# Layers that act pixel by pixel: after a convolution, Grad-CAM looks at the output of the
# last of them (e.g. conv3 -> bn3 -> act3 in the fruits CNN: the CAM uses act3).
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
    >>> parts = split_model(model, "act2")                      # doctest: +SKIP
    >>> maps = parts.features(images)                           # (n, h, w, channels)
    >>> probabilities = parts.classify(maps)                    # same as model(images)
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


# --------------------------------------------------------------------------- Grad-CAM


def grad_cam(
    model,
    images,
    class_index: int | Sequence[int] | None = None,
    layer: str | None = None,
    *,
    use_logits: bool = True,
    check: bool = True,
) -> np.ndarray:
    """Grad-CAM heatmaps: where in the image the feature maps push towards a class.

    For each image: the gradients of the class score with respect to the chosen
    layer's feature maps, averaged over the pixels, give one weight per channel; the
    weighted sum of the channels, through a ReLU and divided by its maximum, is the
    heatmap (Selvaraju et al., 2017).

    Parameters
    ----------
    model : keras.Model
        Functional, Sequential, or with a nested pretrained base.
    images : array (n, h, w, c) or (h, w, c)
        Already in the form the model expects (0-255 for the fruits CNN, after
        ``preprocess_input`` for a pretrained model).
    class_index : int or sequence of int, optional
        The class to explain, for all images or one per image; default: each image's
        predicted class.
    layer : str, optional
        The layer whose maps are used (default :func:`last_conv_layer`), possibly
        inside a nested base.
    use_logits : bool
        Use the score before a final softmax (recommended), when there is one.
    check : bool
        Verify on the first image that the cut model reproduces the model's output.

    Returns
    -------
    numpy.ndarray
        ``(n, grid_h, grid_w)`` float32 in [0, 1], one heatmap per image at the size of
        the layer's grid (use :func:`upsample_heatmap` for the image size). A heatmap
        is all zeros when nothing in the maps speaks for the class.

    Examples
    --------
    >>> heatmaps = grad_cam(model, x_test[:4])                  # doctest: +SKIP
    >>> heatmaps.shape                                          # doctest: +SKIP
    (4, 8, 8)
    """
    import tensorflow as tf

    batch = _as_batch(images)
    parts = split_model(model, layer)
    if check:
        parts.check(batch[:1])
    with tf.GradientTape() as tape:
        maps = tf.convert_to_tensor(parts.features(batch))
        tape.watch(maps)
        scores = parts.classify(maps, logits=use_logits)
        if scores.shape.rank != 2:
            raise ValueError(
                "Grad-CAM needs class scores of shape (n, classes); "
                f"the model gives {scores.shape}."
            )
        chosen = _class_indices(class_index, scores, len(batch))
        score = tf.gather(scores, chosen, axis=1, batch_dims=1)
    gradients = tape.gradient(score, maps)
    if maps.shape.rank != 4:
        raise ValueError(
            f"Layer {parts.layer!r} outputs shape {maps.shape}, not feature maps "
            "(n, height, width, channels): choose a convolutional layer."
        )
    channel_weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(channel_weights * maps, axis=-1)).numpy()
    peaks = cam.reshape(len(cam), -1).max(axis=1)
    safe = np.where(peaks > 0, peaks, 1.0)
    return (cam / safe[:, None, None]).astype("float32")


def _class_indices(class_index, scores, count: int):
    import tensorflow as tf

    if class_index is None:
        return tf.argmax(scores, axis=1, output_type=tf.int32)
    chosen = np.broadcast_to(np.asarray(class_index, dtype="int32"), (count,))
    classes = scores.shape[1]
    if chosen.min() < 0 or chosen.max() >= classes:
        raise ValueError(f"class_index must be in [0, {classes}), got {class_index}.")
    return tf.constant(chosen)


def upsample_heatmap(heatmap, size: tuple[int, int]) -> np.ndarray:
    """Resize heatmap(s) ``(h, w)`` or ``(n, h, w)`` to ``size = (height, width)`` (bilinear)."""
    import tensorflow as tf

    heat = np.asarray(heatmap, dtype="float32")
    single = heat.ndim == 2
    if single:
        heat = heat[None]
    if heat.ndim != 3:
        raise ValueError(f"Expected a heatmap (h, w) or (n, h, w), got shape {heat.shape}.")
    resized = tf.image.resize(heat[..., None], size, method="bilinear").numpy()[..., 0]
    return resized[0] if single else resized


# --------------------------------------------------------------------------- feature maps


def feature_maps(model, image, layers: str | Sequence[str]) -> dict[str, np.ndarray]:
    """Activations of the named layers for one image (nested bases included).

    Parameters
    ----------
    model : keras.Model
    image : array (h, w, c)
        One image, in the form the model expects.
    layers : str or sequence of str
        Layer names, e.g. ``["act1", "act2", "act3"]`` or ``"block1_conv2"``.

    Returns
    -------
    dict
        ``{name: array (height, width, channels)}`` in the order given.
    """
    import keras

    names = [layers] if isinstance(layers, str) else list(layers)
    if not names:
        raise ValueError("Name at least one layer, e.g. layers=['act1'].")
    batch = _as_batch(image)[:1]
    result = {}
    for name in names:
        maps = split_model(model, name).features(batch)
        result[name] = keras.ops.convert_to_numpy(maps)[0]
    return result


# --------------------------------------------------------------------------- LIME


def lime_predict_fn(
    model,
    input_size: tuple[int, int] | None = None,
    preprocess: Callable | None = None,
    batch_size: int = 100,
) -> Callable[[np.ndarray], np.ndarray]:
    """A batched prediction function for LIME: images (0-255) -> probabilities.

    LIME perturbs the image it explains (which may be larger than the model's input,
    e.g. 100x100 for a 32x32 CNN, so the superpixels are easier to see) and calls this
    function on batches of perturbed copies.

    Parameters
    ----------
    model : keras.Model
    input_size : (height, width), optional
        Resize the images to the model's input size first (bilinear, antialiased).
    preprocess : callable, optional
        E.g. a pretrained model's ``preprocess_input``, applied after resizing.
    batch_size : int
        Images per forward pass.
    """

    def predict(images) -> np.ndarray:
        import keras
        import tensorflow as tf

        batch = _as_batch(images)
        if input_size is not None and tuple(batch.shape[1:3]) != tuple(input_size):
            batch = tf.image.resize(batch, input_size, antialias=True).numpy()
        if preprocess is not None:
            batch = preprocess(batch)
        # model(chunk) rather than model.predict(batch): the same numbers, without
        # predict's per-call set-up and its retracing warnings when LIME's last batch is
        # smaller than the others.
        chunks = [
            keras.ops.convert_to_numpy(model(batch[i : i + batch_size], training=False))
            for i in range(0, len(batch), batch_size)
        ]
        return np.concatenate(chunks)

    return predict


def superpixels(
    image, n_segments: int = 40, compactness: float = 10.0, sigma: float = 1.0
) -> np.ndarray:
    """SLIC superpixels numbered 0, 1, ..., k-1 (the numbering LIME assumes).

    SLIC is deterministic, so the same image and settings always give the same
    superpixels; LIME's default (quickshift) is random and, with scikit-image >= 0.26,
    no longer follows LIME's ``random_seed``.

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` int array of segment labels.
    """
    from skimage.segmentation import slic

    array = np.asarray(image)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"superpixels needs an RGB image (h, w, 3), got shape {array.shape}.")
    labels = slic(array, n_segments=n_segments, compactness=compactness, sigma=sigma, start_label=0)
    # LIME numbers its features 0..k-1 and maps feature z to `segments == z`:
    # renumber so that no label is skipped.
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(labels.shape).astype("int64")


def segmenter(n_segments: int = 40, compactness: float = 10.0, sigma: float = 1.0) -> Callable:
    """A ``segmentation_fn`` for LIME: ``image -> superpixels(image, ...)``."""
    if n_segments < 2:
        raise ValueError(f"n_segments must be at least 2, not {n_segments}.")
    return functools.partial(
        superpixels, n_segments=n_segments, compactness=compactness, sigma=sigma
    )


def explain_with_lime(
    image,
    predict_fn: Callable,
    *,
    segmentation_fn: Callable | None = None,
    num_samples: int = 1000,
    labels: Sequence[int] | None = None,
    top_labels: int = 1,
    seed: int = 0,
    hide_color=None,
    batch_size: int = 100,
    progress: bool = True,
):
    """Explain one prediction with ``lime.lime_image``, reproducibly.

    Parameters
    ----------
    image : array (h, w, 3)
        The image LIME perturbs (0-255).
    predict_fn : callable
        Batched, images -> probabilities (see :func:`lime_predict_fn`).
    segmentation_fn : callable, optional
        Default: :func:`segmenter` with its defaults (SLIC, deterministic).
    num_samples : int
        Perturbed copies LIME asks the model about: more is slower and steadier.
    labels : sequence of int, optional
        The classes to explain; default the ``top_labels`` most probable ones.
    top_labels : int
        Used when ``labels`` is None.
    seed : int
        Seeds LIME's random on/off patterns: same seed, same explanation.
    hide_color : None or number or RGB
        What a switched-off superpixel becomes; None (LIME's default) paints each one
        with its own mean colour.
    batch_size : int
        Perturbed images per call of ``predict_fn``.
    progress : bool
        Show LIME's progress bar (a widget in JupyterLab, text elsewhere).

    Returns
    -------
    lime.lime_image.ImageExplanation
        ``.segments``, ``.local_exp[label]`` (list of (superpixel, weight), largest
        ``|weight|`` first), ``.top_labels``, ``.score`` (R^2 of the surrogate).
    """
    from lime import lime_image

    array = np.asarray(image)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"LIME explains one RGB image (h, w, 3), got shape {array.shape}.")
    if num_samples < 10:
        raise ValueError(f"num_samples must be at least 10, not {num_samples}.")
    explainer = lime_image.LimeImageExplainer(random_state=seed)
    options = dict(
        hide_color=hide_color,
        num_samples=num_samples,
        batch_size=batch_size,
        segmentation_fn=segmentation_fn or segmenter(),
        random_seed=seed,
    )
    if labels is None:
        options["top_labels"] = top_labels
    else:
        options.update(labels=tuple(int(label) for label in labels), top_labels=None)
    quiet = contextlib.nullcontext() if progress else _without_progress_bar(lime_image)
    with quiet:
        return explainer.explain_instance(array, predict_fn, **options)


@contextlib.contextmanager
def _without_progress_bar(module):
    """Temporarily replace ``module.tqdm`` (lime imports it by name) with a no-op."""
    original = module.tqdm
    module.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        module.tqdm = original


def _label_of(explanation, label: int | None) -> int:
    if label is None:
        top = getattr(explanation, "top_labels", None)
        label = top[0] if top else next(iter(explanation.local_exp))
    if label not in explanation.local_exp:
        raise ValueError(
            f"Class {label} was not explained; explained: {sorted(explanation.local_exp)}. "
            "Pass labels=[...] to explain_with_lime."
        )
    return int(label)


def lime_weights(explanation, label: int | None = None) -> np.ndarray:
    """The surrogate's weight of every superpixel, indexed by superpixel number."""
    label = _label_of(explanation, label)
    weights = np.zeros(int(explanation.segments.max()) + 1)
    for feature, weight in explanation.local_exp[label]:
        weights[feature] = weight
    return weights


def top_superpixels(
    explanation, label: int | None = None, k: int = 5, positive_only: bool = True
) -> np.ndarray:
    """The ``k`` superpixels with the largest weights (or largest ``|weight|``)."""
    weights = lime_weights(explanation, label)
    if positive_only:
        order = np.argsort(-weights, kind="stable")
        order = order[weights[order] > 0]
    else:
        order = np.argsort(-np.abs(weights), kind="stable")
        order = order[weights[order] != 0]
    return order[:k]


def lime_mask(
    explanation,
    label: int | None = None,
    num_features: int = 5,
    positive_only: bool = True,
    min_weight: float = 0.0,
) -> np.ndarray:
    """A pixel mask of the explanation: +1 for superpixels for the class, -1 against, 0 else.

    ``positive_only`` keeps the ``num_features`` strongest superpixels *for* the class;
    otherwise the ``num_features`` largest ``|weight|`` of either sign.
    """
    weights = lime_weights(explanation, label)
    chosen = top_superpixels(explanation, label, num_features, positive_only)
    chosen = chosen[np.abs(weights[chosen]) > min_weight]
    segments = explanation.segments
    mask = np.zeros(segments.shape, dtype="int8")
    for feature in chosen:
        mask[segments == feature] = 1 if weights[feature] > 0 else -1
    return mask


def render_lime(image, mask, segments=None, fade: float = 0.65) -> np.ndarray:
    """Draw a LIME mask on an image: chosen superpixels in full colour, the rest faded.

    Superpixels for the class (+1 in the mask) get a green outline and a light green
    tint, those against it (-1) a red outline and tint; everything else is faded
    towards light grey.

    Parameters
    ----------
    image : array (h, w, 3)
        0-255 or 0-1.
    mask : array (h, w)
        From :func:`lime_mask` (+1, -1, 0).
    segments : array (h, w), optional
        Also draw every superpixel's boundary (thin, yellow).
    fade : float
        How far the unchosen pixels are faded (0: not at all, 1: plain grey).

    Returns
    -------
    numpy.ndarray
        uint8 RGB image.
    """
    from scipy.ndimage import binary_dilation
    from skimage.segmentation import find_boundaries, mark_boundaries

    picture = np.asarray(image, dtype="float32")
    if picture.max() > 1.0:
        picture = picture / 255.0
    mask = np.asarray(mask)
    if mask.shape != picture.shape[:2]:
        raise ValueError(f"mask {mask.shape} does not match image {picture.shape[:2]}.")
    out = picture.copy()
    if segments is not None:
        out = mark_boundaries(out, segments, color=(1, 1, 0), mode="inner")
    out = np.where(mask[..., None] == 0, (1 - fade) * out + fade * 0.82, out)
    for value, colour in ((1, (0.0, 0.7, 0.1)), (-1, (0.85, 0.05, 0.05))):
        selected = mask == value
        if not selected.any():
            continue
        out[selected] = 0.8 * out[selected] + 0.2 * np.array(colour)
        edge = find_boundaries(selected, mode="inner")
        if min(mask.shape) >= 64:  # thicker outlines on larger images
            edge = binary_dilation(edge) & selected
        out[edge] = colour
    return (np.clip(out, 0, 1) * 255).astype("uint8")


def top_k_iou(first, second, label: int | None = None, k: int = 5) -> float:
    """Overlap (intersection over union) of the top-k positive superpixels of two runs.

    Both explanations must share their superpixels (same image, same segmentation).
    1.0 means the two runs chose the same superpixels; 0.0 none in common.
    """
    if not np.array_equal(first.segments, second.segments):
        raise ValueError("The two explanations use different superpixels; compare like with like.")
    a = set(top_superpixels(first, label, k).tolist())
    b = set(top_superpixels(second, label, k).tolist())
    return len(a & b) / len(a | b) if a | b else 0.0


def weight_rank_correlation(first, second, label: int | None = None) -> float:
    """Spearman rank correlation of the superpixel weights of two runs (1.0 = same order)."""
    from scipy.stats import spearmanr

    a, b = lime_weights(first, label), lime_weights(second, label)
    if a.shape != b.shape:
        raise ValueError("The two explanations have different numbers of superpixels.")
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def heatmap_per_superpixel(heatmap, segments) -> np.ndarray:
    """Mean of a heatmap (any size; resized to the segments) over each superpixel.

    Puts a Grad-CAM heatmap on LIME's footing, so the two can be compared superpixel by
    superpixel (e.g. with a rank correlation).
    """
    segments = np.asarray(segments)
    heat = np.asarray(heatmap, dtype="float32")
    if heat.shape != segments.shape:
        heat = upsample_heatmap(heat, segments.shape)
    counts = np.bincount(segments.ravel())
    sums = np.bincount(segments.ravel(), weights=heat.ravel())
    return sums / np.maximum(counts, 1)


# --------------------------------------------------------------------------- pictures


def show_feature_maps(
    maps,
    channels: Sequence[int] | None = None,
    max_channels: int = 16,
    ncols: int = 8,
    size: float = 1.1,
    cmap: str = "viridis",
    title: str | None = None,
    highlight: int | None = None,
):
    """Show the channels of one layer's activation ``(h, w, channels)`` as a grid.

    Each channel has its own colour scale (bright = strong activation), so weak and
    strong channels are both readable; the title of each panel is the channel number
    and its largest value.

    Parameters
    ----------
    maps : array (h, w, c)
    channels : sequence of int, optional
        Which channels; default the first ``max_channels``.
    max_channels : int
    ncols : int
    size : float
        Inches per panel.
    cmap : str
    title : str, optional
    highlight : int, optional
        A channel to frame in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    maps = np.asarray(maps, dtype="float32")
    if maps.ndim != 3:
        raise ValueError(f"Expected one activation (height, width, channels), got {maps.shape}.")
    if channels is None:
        channels = range(min(max_channels, maps.shape[-1]))
    channels = [int(c) for c in channels]
    if not channels or min(channels) < 0 or max(channels) >= maps.shape[-1]:
        raise ValueError(f"channels must be in [0, {maps.shape[-1]}), got {channels}.")
    ncols = max(1, min(ncols, len(channels)))
    nrows = int(np.ceil(len(channels) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * (size + 0.22) + 0.4), squeeze=False
    )
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axis("off")
    for ax, channel in zip(axes.flat, channels, strict=False):
        ax.axis("on")
        ax.imshow(maps[..., channel], cmap=cmap, interpolation="nearest")
        ax.set_title(f"{channel}: max {maps[..., channel].max():.2g}", fontsize=7)
        for spine in ax.spines.values():
            spine.set_visible(channel == highlight)
            spine.set_color("red")
            spine.set_linewidth(2.5)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def filters_as_images(kernel) -> np.ndarray:
    """First-layer kernels ``(kh, kw, 3, n)`` as ``n`` RGB images in [0, 1].

    Each filter is scaled on its own (its most negative weight -> 0, its most positive
    -> 1), so a filter that responds to red looks red and an edge detector shows a dark
    and a bright side.
    """
    kernel = np.asarray(kernel, dtype="float32")
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(
            f"Expected first-layer kernels (height, width, 3, filters), got {kernel.shape}."
        )
    images = np.moveaxis(kernel, -1, 0)
    low = images.min(axis=(1, 2, 3), keepdims=True)
    span = images.max(axis=(1, 2, 3), keepdims=True) - low
    return (images - low) / np.where(span > 0, span, 1.0)
