"""Checks and concept questions of lesson 01, "explore the data".

The notebook shows the questions with ``lesson01.quiz.show()``. The exercises' checks
come when the lesson's exercises are final (declared as ``Exercise`` attributes, see
:mod:`course_utils.checks.exercise`).
"""

from __future__ import annotations

from course_utils.checks.quiz import Option, Question, Quiz

rgb_shape = Question(
    "01",
    "rgb-shape",
    "A colour photo 100 pixels wide and 100 pixels high is loaded as a NumPy array. "
    "What is its shape?",
    [
        Option(
            "(100, 100, 3)",
            "Height, width, then one number per colour channel (red, green, blue).",
            correct=True,
        ),
        Option(
            "(100, 100)",
            "That is a grey-scale image: one number per pixel. A colour image has three.",
        ),
        Option(
            "(3, 100, 100)",
            "Channels first is PyTorch's habit; Keras and the course's loader put the "
            "channels last: (height, width, channels).",
        ),
        Option(
            "(30000,)",
            "That is the image flattened into one long vector (100 x 100 x 3 numbers); "
            "loaded, it keeps its rows, columns and channels.",
        ),
    ],
)

pixel_range = Question(
    "01",
    "pixel-range",
    "The array's dtype is uint8. Which values can one of its numbers take?",
    [
        Option(
            "The whole numbers 0 to 255",
            "uint8 is an unsigned 8-bit integer: 2**8 = 256 values, 0 (dark) to 255 (bright).",
            correct=True,
        ),
        Option(
            "Any number from 0.0 to 1.0",
            "That is the range after dividing by 255, as models usually want; uint8 holds "
            "whole numbers only.",
        ),
        Option(
            "-128 to 127",
            "That is int8 (signed). The u in uint8 means unsigned: no negative values.",
        ),
        Option(
            "0 to 65535",
            "That is uint16 (16 bits), used by some scientific cameras, not by JPEG photos.",
        ),
    ],
)

channel_meaning = Question(
    "01",
    "channels",
    "For an RGB image array `image` of shape (100, 100, 3), what is `image[:, :, 0]`?",
    [
        Option(
            "How red each pixel is: a 100 x 100 array",
            "The last axis picks the channel; index 0 is red, 1 green, 2 blue.",
            correct=True,
        ),
        Option(
            "The first row of pixels",
            "The first row is image[0] (or image[0, :, :]): the first axis is the height.",
        ),
        Option(
            "The brightness of each pixel",
            "Brightness mixes all three channels (for example their mean); channel 0 alone "
            "is only the red part.",
        ),
        Option(
            "The top-left pixel",
            "That is image[0, 0]: three numbers, its red, green and blue values.",
        ),
    ],
)

white_pixel = Question(
    "01",
    "white-pixel",
    "Fruits-360 photos have a white background. What are a white pixel's three values?",
    [
        Option(
            "(255, 255, 255)",
            "White is all three colours at full strength.",
            correct=True,
        ),
        Option(
            "(0, 0, 0)",
            "No light in any channel is black, not white.",
        ),
        Option(
            "(255, 0, 0)",
            "Full red with no green or blue is pure red.",
        ),
    ],
)

quiz = Quiz("01", [rgb_shape, pixel_range, channel_meaning, white_pixel])
