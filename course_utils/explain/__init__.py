"""Looking inside a trained network: feature maps, Grad-CAM heatmaps and LIME explanations.

Lessons 07 and 08 *teach* these ideas (the core lines of Grad-CAM are written out in
lesson 07, the LIME recipe in lesson 08); this package holds the tested plumbing they
reuse, which has to work on every kind of Keras model the course builds: functional
models such as the fruits CNN, ``keras.Sequential`` models, and transfer models whose
pretrained base is *nested* inside them (``inputs -> VGG16 -> pooling -> Dense``).

One module per concern, every public name re-exported here
(``from course_utils import explain; explain.grad_cam(...)``):

* :mod:`~course_utils.explain.model_split`: find layers and cut a model in two at one
  (the reason Grad-CAM and feature maps work on nested bases);
* :mod:`~course_utils.explain.gradcam`: Grad-CAM heatmaps;
* :mod:`~course_utils.explain.feature_maps`: feature maps and pictures of them and of filters;
* :mod:`~course_utils.explain.lime`: reproducible LIME explanations, masks and comparisons.

TensorFlow, Keras and lime are imported by the functions that need them, so importing
this package is cheap.
"""

from course_utils.explain.feature_maps import feature_maps, filters_as_images, show_feature_maps
from course_utils.explain.gradcam import grad_cam, upsample_heatmap
from course_utils.explain.lime import (
    AGAINST_COLOUR,
    FOR_COLOUR,
    explain_with_lime,
    heatmap_per_superpixel,
    lime_mask,
    lime_predict_fn,
    lime_weights,
    render_lime,
    segmenter,
    superpixels,
    top_k_iou,
    top_superpixels,
    weight_colour_map,
    weight_rank_correlation,
)
from course_utils.explain.model_split import (
    SplitModel,
    feature_map_layers,
    find_layer,
    last_conv_layer,
    split_model,
)

__all__ = [
    "AGAINST_COLOUR",
    "FOR_COLOUR",
    "SplitModel",
    "explain_with_lime",
    "feature_map_layers",
    "feature_maps",
    "filters_as_images",
    "find_layer",
    "grad_cam",
    "heatmap_per_superpixel",
    "last_conv_layer",
    "lime_mask",
    "lime_predict_fn",
    "lime_weights",
    "render_lime",
    "segmenter",
    "show_feature_maps",
    "split_model",
    "superpixels",
    "top_k_iou",
    "top_superpixels",
    "upsample_heatmap",
    "weight_colour_map",
    "weight_rank_correlation",
]
