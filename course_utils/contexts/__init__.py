"""Fruits in context: the hard test, its validation twin, and background-replacement augmentation.

Fruits-360's Test photos are frames of the same fruits, on the same turntable, against
the same white background as Training, so a model can score 100% there by memory.
This module builds the test that teaches something: the **same** Test fruits, cut out
of their white background and set into real photos, at another size, position and
angle, under another light, with a soft shadow, a little blur and JPEG noise, and
sometimes partly hidden::

    data = datasets.load_fruits(source.root, image_size=(32, 32))
    hard = contexts.load_fruits_in_context(data)        # built once, then cached
    model.evaluate(hard.test)                            # the hard Test
    model.evaluate(hard.validation)                      # choose settings on this one
    contexts.show_in_context(hard, plain=data)           # plain and hard side by side

How it is made
--------------
1. **Mask** (:func:`fruit_masks`): the distance of every pixel from the photo's own
   white, measured in CIE Lab (so pale yellow and cream read as far from white, JPEG
   noise on the white as near), hysteresis thresholds (weak pixels are kept when they
   touch strong ones: pale stems and highlights survive), a closing, the largest
   connected pieces, holes filled, and a soft one-pixel edge.
2. **Background** (:func:`background_photos`): a crop, at a random place and zoom and
   sometimes mirrored, of one of the real photos that ship with scikit-image and
   scikit-learn (no download). The photos are split into three disjoint **pools**:
   ``"test"`` builds the hard Test, ``"validation"`` the hard validation set and
   ``"train"`` is the only pool that :func:`replace_backgrounds` (training-time
   augmentation) may use, so no test background is ever seen in training.
3. **Scene**: fruit scaled, moved and rotated; a soft shadow; sometimes an occluder
   (an ellipse cut from another photo of the same pool); one light for the whole
   scene (colour cast, brightness, contrast, saturation, a gradient); blur, sensor
   noise and JPEG compression. Every knob is a field of :class:`ContextSettings`;
   :data:`PRESETS` holds ``"easy"``, ``"medium"`` (the default) and ``"hard"``.

Labels and order are those of the plain splits (``hard.y_test`` equals
``data.y_test``): a class missing from Test (Peach, in the real data) stays missing
and no label shifts. Everything is seeded: the same data and settings give the same
bytes. The result is cached in ``<data folder>/contexts/`` with a stamp of the
settings, the source's fingerprint and the photos' hashes; other settings or other
data build (and cache) a new set.

The package, one concern per module (every public name is re-exported here, so
``from course_utils import contexts; contexts.load_fruits_in_context(...)`` is the way
to use it):

* :mod:`~course_utils.contexts.settings`: :class:`ContextSettings`, :data:`PRESETS`,
  :data:`DEFAULT_DIFFICULTY`, :func:`context_settings`;
* :mod:`~course_utils.contexts.masks`: :func:`fruit_masks`, :func:`distance_from_white`;
* :mod:`~course_utils.contexts.photos`: :class:`BackgroundPhoto`, :func:`background_photos`,
  the pools and each photo's source and licence;
* :mod:`~course_utils.contexts.warp`: bilinear sampling, background crops, placing fruits;
* :mod:`~course_utils.contexts.scenes`: :func:`compose_in_context`, :data:`CONTEXTS_VERSION`;
* :mod:`~course_utils.contexts.cache`: :func:`cache_folder`, :func:`clear_cache`, the stamp;
* :mod:`~course_utils.contexts.hard_sets`: :class:`FruitsInContext`,
  :func:`load_fruits_in_context`;
* :mod:`~course_utils.contexts.show`: :func:`show_in_context`;
* :mod:`~course_utils.contexts.augment`: :class:`BackgroundReplacer`,
  :func:`replace_backgrounds`.

TensorFlow, Keras, matplotlib and scikit-image are imported by the functions that need
them, so importing this package is cheap.
"""

from course_utils.contexts.augment import BackgroundReplacer, replace_backgrounds
from course_utils.contexts.cache import CACHE_FOLDER, cache_folder, clear_cache
from course_utils.contexts.hard_sets import SPLITS, FruitsInContext, load_fruits_in_context
from course_utils.contexts.masks import distance_from_white, fruit_masks
from course_utils.contexts.photos import POOLS, BackgroundPhoto, background_photos
from course_utils.contexts.scenes import CONTEXTS_VERSION, compose_in_context
from course_utils.contexts.settings import (
    DEFAULT_DIFFICULTY,
    PRESETS,
    ContextSettings,
    context_settings,
)
from course_utils.contexts.show import show_in_context

__all__ = [
    "BackgroundPhoto",
    "BackgroundReplacer",
    "CACHE_FOLDER",
    "CONTEXTS_VERSION",
    "ContextSettings",
    "DEFAULT_DIFFICULTY",
    "FruitsInContext",
    "POOLS",
    "PRESETS",
    "SPLITS",
    "background_photos",
    "cache_folder",
    "clear_cache",
    "compose_in_context",
    "context_settings",
    "distance_from_white",
    "fruit_masks",
    "load_fruits_in_context",
    "replace_backgrounds",
    "show_in_context",
]
