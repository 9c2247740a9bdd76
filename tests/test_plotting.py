"""The figures of course_utils.plotting: panels, titles, colour bars and clear errors.

(compare_top_k and plot_history_phases are tested in test_transfer.py.)
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import plotting

NAMES = ["Apricot", "Banana", "Kiwi"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def rgb(value=0, size=8):
    return np.full((size, size, 3), value, dtype=np.uint8)


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def colour_bars(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


# --------------------------------------------------------------------------- image grids


def test_show_images_grid_titles_and_room_for_them():
    images = [rgb(v) for v in (0, 100, 200)] + [np.linspace(0, 1, 64).reshape(8, 8)]
    fig = plotting.show_images(images, ["a", "b", "c", "two\nlines"], ncols=2, suptitle="all")
    assert [ax.get_title() for ax in image_axes(fig)] == ["a", "b", "c", "two\nlines"]
    assert len(fig.axes) == 4 and fig.get_suptitle() == "all"
    assert image_axes(fig)[3].images[0].get_cmap().name == "gray"
    one_line = plotting.show_images(images, list("abcd"), ncols=2)
    assert fig.get_size_inches()[1] > one_line.get_size_inches()[1], "no room for two lines"


def test_show_images_colour_bar_for_overlays():
    fig = plotting.show_images([rgb(), rgb()], ["x", "y"], colour_bar="Grad-CAM (0 to 1)")
    (bar,) = colour_bars(fig)
    assert bar.get_ylabel() == "Grad-CAM (0 to 1)"
    assert not colour_bars(plotting.show_images([rgb()]))


@pytest.mark.parametrize(
    ("titles", "options", "message"),
    [
        (["only one"], {}, "1 titles for 2 images"),
        (["a", "b", "c"], {}, "3 titles for 2 images"),
        ("ab", {}, "one string for 2 images"),
        (None, {"ncols": 0}, "ncols must be at least 1"),
        (None, {"cmap": "jet"}, "rainbow colour map"),
    ],
)
def test_show_images_wrong_arguments(titles, options, message):
    with pytest.raises(ValueError, match=message):
        plotting.show_images([rgb(), rgb()], titles, **options)
    with pytest.raises(ValueError, match="at least one image"):
        plotting.show_images([])


def test_show_class_samples_one_row_per_class_even_when_empty():
    images = np.stack([rgb(v) for v in range(5)])
    fig = plotting.show_class_samples(images, [0, 0, 0, 2, 2], NAMES, per_class=2)
    assert len(fig.axes) == 3 * 2
    assert [fig.axes[row * 2].get_ylabel() for row in range(3)] == NAMES
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="4 labels for 5 images"):
        plotting.show_class_samples(images, [0, 0, 0, 2], NAMES)
    with pytest.raises(ValueError, match="class numbers 0 to 2"):
        plotting.show_class_samples(images, [0, 0, 0, 2, 3], NAMES)


def test_show_image_and_top_k():
    fig = plotting.show_image_and_top_k(rgb(), [0.2, 0.5, 0.3], NAMES, k=2, title="a photo")
    picture, bars = fig.axes
    assert picture.get_title() == "a photo" and len(bars.patches) == 2
    with pytest.raises(ValueError, match="2 probabilities for 3 class names"):
        plotting.show_image_and_top_k(rgb(), [0.5, 0.5], NAMES)


# --------------------------------------------------------------------------- training


def test_plot_history_one_panel_per_metric_with_both_curves():
    logs = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.1, 1.2, 0.9], "accuracy": [0.2, 0.5, 0.8]}
    fig = plotting.plot_history(logs)
    loss, accuracy = fig.axes
    assert loss.get_title() == "loss" and accuracy.get_title() == "accuracy"
    assert len(loss.get_lines()) == 2 and len(accuracy.get_lines()) == 1
    np.testing.assert_array_equal(loss.get_lines()[0].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="it has"):
        plotting.plot_history({"mae": [1.0]})


# --------------------------------------------------------------------------- predictions


def test_confusion_matrix_keeps_every_class_and_has_a_colour_bar():
    fig = plotting.plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], NAMES)
    matrix_ax = fig.axes[0]
    counts = matrix_ax.images[0].get_array()
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    assert matrix_ax.get_title() == "Confusion matrix"
    assert [t.get_text() for t in matrix_ax.get_yticklabels()] == NAMES
    (bar,) = colour_bars(fig)
    assert bar.get_ylabel() == "images"
    assert matrix_ax.images[0].get_cmap().name == "cividis"
    shares = plotting.plot_confusion_matrix([0, 0, 1], [0, 1, 1], NAMES, normalize=True)
    np.testing.assert_allclose(shares.axes[0].images[0].get_array()[0], [0.5, 0.5, 0.0])
    assert "share" in shares.axes[0].get_title()


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 1], [0, 3], "y_pred must hold class numbers 0 to 2"),
        ([0, -1], [0, 1], "y_true must hold class numbers"),
        ([0, 1], [0.5, 1], "y_pred must hold class numbers"),
        ([0, 1, 2], [0, 1], "same length"),
        ([0, 1], np.eye(2, 3), "argmax"),
    ],
)
def test_confusion_matrix_refuses_out_of_range_predictions(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_confusion_matrix(y_true, y_pred, NAMES)


def test_top_k_bars_in_order_with_labels():
    fig = plotting.plot_top_k([0.1, 0.6, 0.3], NAMES, k=2, title="top 2")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Kiwi", "Banana"]
    assert [round(p.get_width(), 2) for p in ax.patches] == [0.3, 0.6]
    assert [t.get_text() for t in ax.texts] == ["30.0%", "60.0%"]
    assert ax.get_title() == "top 2"
    with pytest.raises(ValueError, match="k must be between 1 and 3"):
        plotting.plot_top_k([0.1, 0.6, 0.3], NAMES, k=5)
    with pytest.raises(ValueError, match="not a batch"):
        plotting.plot_top_k(np.full((2, 3), 1 / 3), NAMES)


# --------------------------------------------------------------------------- heatmaps


def test_overlay_heatmap_colours_where_the_heat_is():
    image = rgb(128, size=16)
    heat = np.zeros((4, 4))
    heat[0, 0] = 1.0
    out = plotting.overlay_heatmap(image, heat)
    assert out.shape == (16, 16, 3) and out.dtype == np.uint8
    hot, cold = out[0, 0].astype(int), out[15, 15].astype(int)
    assert hot.sum() > cold.sum() + 100, "the hot corner is not brighter"
    expected_cold = 0.55 * 128 + 0.45 * 255 * np.array(plt.get_cmap("inferno")(0.0)[:3])
    np.testing.assert_allclose(cold, expected_cold, atol=1.5)
    flat = plotting.overlay_heatmap(image, np.ones((4, 4)))
    assert (flat == flat[0, 0]).all(), "a constant heatmap must not invent structure"


@pytest.mark.parametrize(
    ("heatmap", "options", "message"),
    [
        (np.zeros((3, 4, 4)), {}, "not shape \\(3, 4, 4\\).*heatmaps\\[i\\]"),
        (np.zeros((4, 4)), {"cmap": "jet"}, "rainbow colour map"),
        (np.zeros((4, 4)), {"alpha": 1.5}, "alpha must be between 0 and 1"),
    ],
)
def test_overlay_heatmap_wrong_arguments(heatmap, options, message):
    with pytest.raises(ValueError, match=message):
        plotting.overlay_heatmap(rgb(), heatmap, **options)
    with pytest.raises(ValueError, match="one RGB image"):
        plotting.overlay_heatmap(np.zeros((2, 8, 8, 3)), np.zeros((4, 4)))


def test_add_colour_bar_label_and_range():
    fig = plotting.show_images([rgb()])
    bar = plotting.add_colour_bar(fig, "evidence", vmin=0, vmax=2)
    assert bar.ax.get_ylabel() == "evidence" and bar.mappable.norm.vmax == 2
    with pytest.raises(ValueError, match="below vmax"):
        plotting.add_colour_bar(fig, "x", vmin=1, vmax=1)


# --------------------------------------------------------------------------- matrices


def test_draw_matrix_numbers_mask_and_frame():
    fig, ax = plt.subplots()
    matrix = np.arange(9).reshape(3, 3)
    mask = np.zeros((3, 3), bool)
    mask[0, 0] = True
    plotting.draw_matrix(ax, matrix, title="m", mask=mask, highlight=(1, 1, 2, 2))
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(str(v) for v in range(9)) and ax.get_title() == "m"
    assert len(ax.patches) == 1 and ax.patches[0].get_width() == 2
    assert np.ma.getmaskarray(ax.images[0].get_array())[0, 0]
    with pytest.raises(ValueError, match="2-D array"):
        plotting.draw_matrix(ax, np.zeros(3))
    with pytest.raises(ValueError, match="mask"):
        plotting.draw_matrix(ax, matrix, mask=np.zeros((2, 2), bool))


def test_draw_matrix_diverging_maps_centre_on_zero():
    fig, ax = plt.subplots()
    plotting.draw_matrix(ax, [[-1.0, 3.0]], cmap="RdBu_r")
    assert ax.images[0].get_clim() == (-3.0, 3.0)


def test_show_matrices_panels_and_titles():
    fig = plotting.show_matrices([np.eye(3), np.ones((2, 2))], ["input", "kernel"])
    assert [ax.get_title() for ax in fig.axes] == ["input", "kernel"]
    with pytest.raises(ValueError, match="1 titles for 2 matrices"):
        plotting.show_matrices([np.eye(3), np.ones((2, 2))], ["input"])
    with pytest.raises(ValueError, match="colour maps"):
        plotting.show_matrices([np.eye(3)], cmap=["gray", "viridis"])


# --------------------------------------------------------------------------- lesson 01


def test_show_channels_four_panels_on_a_fixed_scale():
    image = rgb(0)
    image[..., 0] = 200
    fig = plotting.show_channels(image, title="photo")
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "photo"
    assert fig.axes[1].get_title() == "red channel (0-255)"
    assert all(ax.images[0].get_clim() == (0, 255) for ax in fig.axes[1:])
    with pytest.raises(ValueError, match="RGB image"):
        plotting.show_channels(np.zeros((8, 8)))


def test_show_pixel_patch_labels_every_pixel():
    image = np.random.default_rng(0).integers(0, 256, (12, 10, 3)).astype(np.uint8)
    fig = plotting.show_pixel_patch(image, top=2, left=3, size=3)
    whole, zoom = fig.axes
    assert len(zoom.texts) == 9
    r, g, b = image[2, 3]
    assert zoom.texts[0].get_text() == f"R {r}\nG {g}\nB {b}"
    assert [t.get_text() for t in zoom.get_xticklabels()] == ["3", "4", "5"]
    with pytest.raises(ValueError, match="does not fit"):
        plotting.show_pixel_patch(image, top=10, left=0, size=3)


def test_plot_class_counts_marks_a_missing_class():
    fig = plotting.plot_class_counts({"Training": [5, 3, 4], "Test": [2, 0, 1]}, NAMES, title="t")
    ax = fig.axes[0]
    assert len(ax.patches) == 6 and ax.get_title() == "t"
    assert [t.get_text() for t in ax.texts] == ["0"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Training (12 images)",
        "Test (3 images)",
    ]
    with pytest.raises(ValueError, match="one count per class"):
        plotting.plot_class_counts({"Training": [5, 3]}, NAMES)


def test_plot_channel_histograms_one_panel_per_class():
    histograms = np.random.default_rng(0).random((3, 3, 16))
    fig = plotting.plot_channel_histograms(histograms, NAMES, ncols=2, title="colours")
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert [ax.get_title() for ax in visible] == NAMES
    assert [line.get_color() for line in visible[0].get_lines()] == ["red", "green", "blue"]
    assert fig.get_suptitle() == "colours"
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_channel_histograms(histograms[:2], NAMES)
