"""Helpers for the course "Image classification with TensorFlow and Keras".

The lessons in ``notebooks/`` teach; this package holds the plumbing they use but do
not teach: finding and loading data, downloads with checksums, pretrained weights that
work offline, plots, widgets, explanation helpers and the environment check.

Modules are imported explicitly (``from course_utils import datasets``); importing the
package itself is cheap and has no side effects (TensorFlow is imported only by the
functions that need it).
"""

__version__ = "0.1.0"

WORKSHOP_CLASSES = (
    "Apricot",
    "Avocado",
    "Banana",
    "Clementine",
    "Cocos",
    "Kiwi",
    "Lemon",
    "Limes",
    "Mandarine",
    "Orange",
    "Peach",
    "Pineapple",
    "Plum",
    "Pomegranate",
    "Raspberry",
    "Strawberry",
)
"""The 16 Fruits-360 classes of the workshop, in label order (alphabetical)."""
