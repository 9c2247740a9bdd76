"""The interactive explorers of the lessons (ipywidgets), one module per explorer.

Each explorer is a small class on the :class:`~course_utils.widgets.base.Explorer` base:
its logic (what it computes and draws for given control values) is plain Python that
tests drive without a browser, and ``.widget`` is the ipywidgets box a notebook
displays. The lessons import the classes from here
(``from course_utils.widgets import ConvolutionPlayground``); the arithmetic behind
them lives in plain modules without widgets (:mod:`course_utils.convolution`,
:mod:`course_utils.augmentation`).
"""

from course_utils.widgets.augmentation_preview import AugmentationPreview
from course_utils.widgets.base import Explorer, figure_output
from course_utils.widgets.convolution_playground import CUSTOM_KERNEL, ConvolutionPlayground
from course_utils.widgets.dataset_browser import SOURCE_LABELS, BrowsedImage, DatasetBrowser
from course_utils.widgets.feature_maps import FeatureMapExplorer
from course_utils.widgets.lime_controls import LimeControls
from course_utils.widgets.upload import PhotoUploader

__all__ = [
    "CUSTOM_KERNEL",
    "SOURCE_LABELS",
    "AugmentationPreview",
    "BrowsedImage",
    "ConvolutionPlayground",
    "DatasetBrowser",
    "Explorer",
    "FeatureMapExplorer",
    "LimeControls",
    "PhotoUploader",
    "figure_output",
]
