"""The convolution playground of lesson 03: its arithmetic agrees with TensorFlow, its
controls stay in sync, and it draws what it computed."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils import convolution
from course_utils.convolution import (
    KERNEL_PRESETS,
    conv_output_size,
    convolve,
    format_kernel,
    parse_kernel,
    preset_kernel,
    same_padding,
)
from course_utils.widgets import CUSTOM_KERNEL, ConvolutionPlayground


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


def tf_conv(tf, image, kernel, stride, padding):
    x = tf.constant(image[None, :, :, None], tf.float32)
    k = tf.constant(kernel[:, :, None, None], tf.float32)
    return tf.nn.conv2d(x, k, strides=stride, padding=padding.upper()).numpy()[0, :, :, 0]


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("shape", [(5, 5), (6, 6), (7, 9), (10, 8)])
@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2), (5, 3)])
def test_convolve_agrees_with_tensorflow(tf, shape, kernel_shape, stride, padding):
    rng = np.random.default_rng(sum(shape) * 10 + stride)
    image = rng.normal(size=shape)
    kernel = rng.normal(size=kernel_shape)
    ours, padded = convolve(image, kernel, stride=stride, padding=padding)
    expected = tf_conv(tf, image, kernel, stride, padding)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    if padding == "valid":
        assert padded.shape == image.shape


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_output_size_formula_matches_tensorflow(tf, padding):
    for size in (5, 6, 7, 9, 32, 100):
        for kernel in (1, 3, 5):
            for stride in (1, 2, 3, 4):
                x = tf.zeros((1, size, size, 1))
                k = tf.zeros((kernel, kernel, 1, 1))
                out = tf.nn.conv2d(x, k, strides=stride, padding=padding.upper()).shape[1]
                assert conv_output_size(size, kernel, stride, padding) == out
                if padding == "same":
                    before, after = same_padding(size, kernel, stride)
                    assert (size + before + after - kernel) // stride + 1 == out
                    assert after - before in (0, 1)


def test_known_values_of_the_x_example():
    """The seed's X: each /9 kernel gives exactly 1.0 where it matches the X perfectly."""
    x = convolution.pattern_x(9)
    assert x.shape == (9, 9) and set(np.unique(x)) == {-1.0, 1.0}
    diagonal = preset_kernel("diagonal \\ (/9)")
    out, _ = convolve(x, diagonal)
    assert out.shape == (7, 7)
    assert out[1, 1] == out[5, 5] == pytest.approx(1.0)
    assert out[0, 0] == pytest.approx(7 / 9)
    assert out[3, 3] == pytest.approx(5 / 9)
    cross = parse_kernel(format_kernel(KERNEL_PRESETS["cross x (/9)"]))
    assert convolve(x, cross)[0][3, 3] == pytest.approx(1.0)
    identity = preset_kernel("identity")
    with pytest.raises(ValueError, match="Unknown preset 'nope'; choose one of"):
        preset_kernel("nope")
    same, _ = convolve(x, identity, padding="same")
    np.testing.assert_allclose(same, x)


def test_parse_kernel_reads_fractions_and_rejects_bad_text():
    np.testing.assert_allclose(parse_kernel("1 -1/2\n0.25, 3"), [[1, -0.5], [0.25, 3]])
    with pytest.raises(ValueError, match="same number"):
        parse_kernel("1 2 3\n4 5")
    with pytest.raises(ValueError, match="numbers"):
        parse_kernel("1 two 3")
    with pytest.raises(ValueError, match="empty"):
        parse_kernel("  ")
    with pytest.raises(ValueError, match="valid"):
        conv_output_size(9, 3, 1, "full")
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(2, 3, 1, "valid")


def test_playground_computes_and_draws_the_current_settings():
    playground = ConvolutionPlayground()
    result = playground.result
    assert result["error"] is None
    assert result["output"].shape == (7, 7)
    assert playground.controls["window"].max == 48
    assert "floor((9 + 0 - 3) / 1) + 1 = 7" in result["formula"]
    playground.controls["stride"].value = 2
    playground.controls["padding"].value = "same"
    result = playground.result
    assert result["output"].shape == (5, 5)
    assert result["padded"].shape == (11, 11)
    assert result["pads"] == ((1, 1), (1, 1))
    assert "ceil(9 / 2) = 5" in result["formula"]
    assert playground.controls["window"].max == 24
    expected, _ = convolve(result["input"], result["kernel"], stride=2, padding="same")
    np.testing.assert_allclose(result["output"], expected)
    # the figure shows input, kernel and output, with the formula written under them
    figure = playground.figure
    assert len(figure.axes) == 3
    texts = " ".join(t.get_text() for t in figure.texts)
    assert "ceil(9 / 2) = 5" in texts


def test_window_slider_moves_the_explained_value():
    playground = ConvolutionPlayground()
    playground.controls["window"].value = 8  # row 1, column 1 of the 7x7 output
    result = playground.result
    assert result["position"] == (1, 1)
    np.testing.assert_allclose(np.sum(result["window"] * result["kernel"]), 1.0)
    # a smaller output clamps the slider and the position
    playground.controls["stride"].value = 2
    assert playground.controls["window"].max == 15
    assert playground.result["position"][0] < 4


def test_preset_and_kernel_box_stay_in_sync():
    playground = ConvolutionPlayground()
    playground.controls["preset"].value = "identity"
    assert parse_kernel(playground.controls["kernel"].value).tolist() == [
        [0, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
    ]
    np.testing.assert_allclose(playground.result["output"], playground.result["input"][1:-1, 1:-1])
    playground.controls["kernel"].value = "1 2 3\n4 5 6\n7 8 9"
    assert playground.controls["preset"].value == CUSTOM_KERNEL
    assert playground.result["kernel"][2, 2] == 9
    # typing a preset's numbers selects that preset again
    playground.controls["kernel"].value = "0 -1 0\n-1 5 -1\n0 -1 0"
    assert playground.controls["preset"].value == "sharpen"


def test_a_typo_in_the_kernel_shows_a_message_instead_of_failing():
    playground = ConvolutionPlayground()
    playground.controls["kernel"].value = "1 2 3\n4 5\n7 8 9"
    assert "same number" in playground.result["error"]
    assert "same number" in " ".join(t.get_text() for t in playground.figure.axes[0].texts)
    playground.controls["kernel"].value = "1 0 -1\n1 0 -1\n1 0 -1"
    assert playground.result["error"] is None


def test_an_image_input_is_offered_and_converted_to_grey():
    image = np.zeros((12, 12, 3), dtype=np.uint8)
    image[:, 6:] = 255
    playground = ConvolutionPlayground(
        image=image, input_name="your image (grey)", preset="vertical edges"
    )
    result = playground.result
    assert result["input"].max() == 1.0 and result["input"].min() == 0.0
    assert result["output"].shape == (10, 10)
    assert result["output"][:, 4].max() == 4.0  # the edge answers, the flat parts give 0
    assert result["output"][:, 0].max() == 0.0
    with pytest.raises(ValueError, match="Unknown preset"):
        ConvolutionPlayground(preset="nope")
    with pytest.raises(ValueError, match="Unknown input"):
        ConvolutionPlayground(input_name="your image (grey)")


def numbers_written(ax) -> int:
    return sum(1 for text in ax.texts if text.get_text().strip())


def test_numbers_only_where_they_fit_and_colour_bars_otherwise():
    photo = np.random.default_rng(0).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    playground = ConvolutionPlayground(image=photo, preset="blur")
    small = playground.figure.axes
    assert len(small) == 3  # input, kernel, output: no colour bars
    assert numbers_written(small[0]) == 81 and numbers_written(small[2]) == 49
    playground.controls["input"].value = "your image (grey)"
    playground.controls["stride"].value = 2
    playground.controls["padding"].value = "same"
    assert playground.result["output"].shape == (16, 16)
    axes = playground.figure.axes
    input_ax, kernel_ax, output_ax = axes[:3]
    assert numbers_written(output_ax) == 0, "a 16x16 output of a 34x34 input is a mesh of digits"
    assert numbers_written(input_ax) == 0
    assert numbers_written(kernel_ax) == 9, "the 3x3 kernel keeps its numbers"
    bars = axes[3:]
    assert len(bars) == 2, "without numbers, input and output need a colour bar each"
    output_values = playground.result["output"]
    low, high = bars[1].get_ylim()
    assert low == pytest.approx(output_values.min()) and high == pytest.approx(output_values.max())


def test_controls_sit_in_two_even_rows():
    playground = ConvolutionPlayground()
    rows = playground.widget.children[:-1]
    assert [[c.description for c in row.children] for row in rows] == [
        ["input", "kernel", "edit"],
        ["stride", "padding", "window"],
    ]
    for row in rows:
        assert row.layout.align_items == "center"
        widths = {control.style.description_width for control in row.children}
        assert widths == {"60px"}, "labels of one width keep the controls in line"
    for name in ("stride", "padding"):  # label beside the buttons, as the others have it
        layout = playground.controls[name].layout
        assert (layout.display, layout.flex_flow) == ("flex", "row")
