"""LIME explanations made reproducible, and their rendering and comparison (lesson 08).

A batched prediction function that resizes the explanation image to the model's input
size, superpixels that start at label 0 (LIME assumes it), a seeded explanation wrapper
(lime 0.2.0.1's ``random_seed`` no longer reaches scikit-image's quickshift, so the
segmentation is passed in explicitly), the positive/negative superpixel masks, their
rendering, and measures of how much two runs agree (also with a Grad-CAM heatmap).
lime itself is imported only by :func:`explain_with_lime`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence

import numpy as np

from course_utils.explain.gradcam import upsample_heatmap
from course_utils.explain.model_split import _as_batch

FOR_COLOUR = (0.0, 0.447, 0.698)
"""Blue (Okabe-Ito ``#0072B2``): superpixels that speak *for* the class."""

AGAINST_COLOUR = (0.835, 0.369, 0.0)
"""Orange (Okabe-Ito vermillion ``#D55E00``): superpixels that speak *against* the class.

Blue and orange stay apart for the common colour-vision deficiencies (red and green do not)."""


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

    Superpixels for the class (+1 in the mask) get a blue outline and a light blue
    tint (:data:`FOR_COLOUR`), those against it (-1) an orange outline and tint
    (:data:`AGAINST_COLOUR`); everything else is faded towards light grey.

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
    for value, colour in ((1, FOR_COLOUR), (-1, AGAINST_COLOUR)):
        selected = mask == value
        if not selected.any():
            continue
        out[selected] = 0.8 * out[selected] + 0.2 * np.array(colour)
        edge = find_boundaries(selected, mode="inner")
        if min(mask.shape) >= 64:  # thicker outlines on larger images
            edge = binary_dilation(edge) & selected
        out[edge] = colour
    return (np.clip(out, 0, 1) * 255).astype("uint8")


def weight_colour_map():
    """A diverging colour map for LIME weights: orange (against), white (0), blue (for).

    Use it with limits symmetric around zero, e.g.
    ``imshow(weights[segments], cmap=weight_colour_map(), vmin=-m, vmax=m)``, and a colour bar.

    Returns
    -------
    matplotlib.colors.LinearSegmentedColormap
    """
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "lime_against_for", [AGAINST_COLOUR, (1.0, 1.0, 1.0), FOR_COLOUR]
    )


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
