"""Grad-CAM heatmaps (Selvaraju et al., 2017): where in an image the feature maps push
towards a class, for any model :func:`~course_utils.explain.model_split.split_model` can cut."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_utils.explain.model_split import _as_batch, split_model


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
    >>> import numpy as np
    >>> from course_utils.models import build_fruits_cnn
    >>> model = build_fruits_cnn((32, 32, 3), 16)
    >>> images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3))
    >>> heatmaps = grad_cam(model, images)                      # layer act3: an 8x8 grid
    >>> heatmaps.shape, float(heatmaps.max()) <= 1.0
    ((4, 8, 8), True)
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
