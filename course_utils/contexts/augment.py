"""Training-time augmentation: fruits put into new scenes made only from the ``"train"`` photos.

:class:`BackgroundReplacer` cuts each fruit out of its white background and composes it
like the hard sets do, with backgrounds, occluders and light drawn from the training pool
alone, so no hard validation or hard Test photo is ever seen in training.
"""

from __future__ import annotations

import numpy as np

from course_utils.contexts.masks import fruit_masks
from course_utils.contexts.photos import background_photos
from course_utils.contexts.scenes import _as_images, _compose, _draw
from course_utils.contexts.settings import (
    DEFAULT_DIFFICULTY,
    ContextSettings,
    _check_value,
    context_settings,
)


class BackgroundReplacer:
    """Training-time augmentation: new backgrounds from the ``"train"`` pool, new light.

    Each call cuts the fruits out of their white background and puts them in scenes
    made, like the hard sets, from the ``"train"`` photos only (never a validation or
    test photo), with the colour jitter of the settings (cast, brightness, contrast,
    saturation). A share ``1 - probability`` of the pictures stays on white but is
    still moved and lit. A new random scene every call.

    Parameters
    ----------
    difficulty, **overrides
        See :func:`context_settings`.
    probability : float
        Share of pictures that get a new background.
    seed : int, optional
        Seeds the sequence of calls (the same seed and calls give the same batches).

    Examples
    --------
    >>> replace = BackgroundReplacer(seed=0)
    >>> batch = np.full((2, 32, 32, 3), 255, dtype=np.uint8); batch[:, 8:24, 8:24] = (200, 40, 30)
    >>> replace(batch).shape
    (2, 32, 32, 3)
    """

    pool = "train"

    def __init__(
        self,
        *,
        difficulty: str | ContextSettings = DEFAULT_DIFFICULTY,
        probability: float = 0.8,
        seed: int | None = None,
        **overrides,
    ):
        _check_value("probability", probability, 0.0, 1.0)
        self.settings = context_settings(difficulty, **overrides)
        self.probability = probability
        self.photos = background_photos(self.pool)
        self.rng = np.random.default_rng(seed)

    def __call__(self, images) -> np.ndarray:
        """Return the batch in new scenes: ``float32`` 0-255, same shape."""
        images = _as_images(images)
        if len(images) == 0:
            return images
        params = _draw(self.rng, len(images), self.settings, len(self.photos))
        params["white"] = self.rng.random(len(images)) >= self.probability
        alpha = fruit_masks(images)
        pictures, _ = _compose(images, alpha, self.photos, params, self.settings)
        return pictures.astype(np.float32)

    def map(self, dataset):
        """Apply to a batched ``tf.data.Dataset`` of ``(images, labels)`` (e.g. ``data.train``)."""
        import tensorflow as tf

        def augment(images, labels):
            out = tf.numpy_function(self, [images], tf.float32, stateful=True)
            out.set_shape(images.shape)
            return out, labels

        return dataset.map(augment).prefetch(tf.data.AUTOTUNE)


def replace_backgrounds(images, *, seed: int | None = None, **options) -> np.ndarray:
    """One batch through a :class:`BackgroundReplacer` (``options``: its parameters)."""
    return BackgroundReplacer(seed=seed, **options)(images)
