"""Checks and concept questions of lesson 03, "a CNN in raw TensorFlow".

Three exercises, checked from the notebook with ``lesson03.q1.check()`` ... ``q3``: the
output sizes of a 5x5 convolution with stride 2 on 100 pixels (``valid_size``,
``same_size``), a horizontal-edge kernel and its response to a bright square
(``horizontal``, ``edge_response``), and a ``tf.function`` that traces again for a new
batch size (``mean_logit``); and the lesson's concept questions (``lesson03.quiz``).
TensorFlow is imported only by the checks that need it.
"""

from __future__ import annotations

import numbers

import numpy as np

from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- q1: output sizes


def _size(value, name: str) -> float:
    """A size given as a number, or as a shape whose height and width agree."""
    if hasattr(value, "as_list"):  # a TensorShape
        value = value.as_list()
    if isinstance(value, list | tuple):
        sides = [v for v in value if v not in (None, 1, 3)] or list(value)
        require(
            len(set(sides)) == 1,
            f"`{name}` should be one number, the output's height (= width), not {value}.",
        )
        value = sides[0]
    require(
        isinstance(value, numbers.Real) and not isinstance(value, bool),
        f"`{name}` should be a number (the output's height, which equals its width), not "
        f"{type(value).__name__}.",
    )
    return float(value)


def _check_q1(valid_size, same_size):
    valid, same = _size(valid_size, "valid_size"), _size(same_size, "same_size")
    reject(
        "`valid_size` is 47: one position short. The formula counts the first position too: "
        "floor((100 - 5) / 2) + 1 = 48."
        if valid == 47
        else None,
        "`valid_size` is not a whole number: the number of positions is rounded down, "
        "floor((100 - 5) / 2) + 1, with // in Python."
        if valid != int(valid)
        else None,
        "`valid_size` is 49: the division was rounded up. The kernel cannot start at a "
        "position where it would stick out, so round down: floor(95 / 2) + 1 = 48."
        if valid == 49
        else None,
        "`valid_size` is 96: that is the output of stride 1 (100 - 5 + 1). With stride 2 the "
        "kernel skips every other position: divide by the stride before adding 1."
        if valid == 96
        else None,
    )
    require(valid == 48, f"`valid_size` is {valid:g}; use out = floor((n + 2p - k) / s) + 1.")
    reject(
        "`same_size` is 100: 'same' keeps the input size only with stride 1. With stride 2 it "
        "gives ceil(n / s) = ceil(100 / 2) = 50 positions."
        if same == 100
        else None,
        "`same_size` is 51: 'same' padding gives ceil(n / s) = ceil(100 / 2) = 50 positions; "
        "the + 1 of the valid formula is already in there."
        if same == 51
        else None,
    )
    require(same == 50, f"`same_size` is {same:g}; 'same' padding gives ceil(n / s) positions.")
    return "valid: 48x48, same: 50x50."


_Q1_REFERENCE = """\
valid_size = (100 - 5) // 2 + 1  # floor((n + 2p - k) / s) + 1 with p = 0: 47 + 1 = 48
same_size = -(-100 // 2)  # ceil(n / s) = 50
for padding, expected in (("VALID", valid_size), ("SAME", same_size)):
    out = tf.nn.conv2d(
        tf.zeros([1, 100, 100, 3]), tf.zeros([5, 5, 3, 1]), strides=2, padding=padding
    )
    print(padding, out.shape[1:3], "expected", expected)
    assert out.shape[1] == expected
"""


def _tf_context() -> dict:
    import tensorflow as tf

    return {"tf": tf, "np": np}


q1 = Exercise(
    lesson="03",
    key="q1",
    title="output sizes of a 5x5 kernel with stride 2",
    answers=("valid_size", "same_size"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "n = 100, k = 5, s = 2. 'valid' adds no zeros (p = 0); 'same' adds as many as needed "
        "to keep ceil(n / s) positions.",
        "valid: out = floor((n + 2p - k) / s) + 1. In Python, // rounds down.",
        "valid_size = (100 - 5) // 2 + 1 and same_size = -(-100 // 2) (a ceiling division); "
        "then compare with tf.nn.conv2d(...).shape.",
    ),
    wrong_answers=(
        WrongAnswer(
            "forgot the + 1",
            "valid_size, same_size = (100 - 5) // 2, -(-100 // 2)",
            expect="one position short",
        ),
        WrongAnswer(
            "stride forgotten",
            "valid_size, same_size = 100 - 5 + 1, 100",
            expect="output of stride 1",
        ),
        WrongAnswer(
            "true division",
            "valid_size, same_size = (100 - 5) / 2 + 1, 50",
            expect="not a whole number",
        ),
        WrongAnswer(
            "same keeps 100",
            "valid_size, same_size = 48, 100",
            expect="only with stride 1",
        ),
    ),
    test_context=_tf_context,
)

# --------------------------------------------------------------------------- q2: horizontal edges


def _slide(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A valid convolution with stride 1 (as tf.nn.conv2d computes it)."""
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _square() -> np.ndarray:
    return np.pad(np.full((3, 3), 8.0), 3, constant_values=1.0)


def _response(kernel, patch) -> float:
    return float(np.sum(kernel * patch))


def _check_q2(horizontal, edge_response):
    kernel = np.asarray(horizontal, dtype=np.float64) if _numeric(horizontal) else None
    require(
        kernel is not None and kernel.shape == (3, 3),
        "`horizontal` should be a 3x3 NumPy array of weights"
        + (f", not shape {kernel.shape}." if kernel is not None else "."),
    )
    ramp = np.repeat(np.array([[1.0], [4.5], [8.0]]), 3, axis=1)  # dark above, bright below
    down, up = _response(kernel, ramp), _response(kernel, ramp[::-1])
    across = _response(kernel, ramp.T)
    flat = _response(kernel, np.full((3, 3), 4.5))
    reject(
        "`horizontal` answers to brightness changing from left to right (a vertical edge), "
        "like the lesson's `kernel`, not to dark above and bright below. Turn it by a quarter: "
        "the rows, not the columns, should go -1, 0, +1 (kernel.T)."
        if abs(across) > abs(down) and abs(across) > 1e-9
        else None,
        "`horizontal` answers to the opposite edge, bright above and dark below: its value is "
        "negative on dark-above-bright-below. Swap the signs: -1 in the top row, +1 in the "
        "bottom row."
        if down < 0 and up > 0
        else None,
    )
    require(
        down > 1e-9,
        "`horizontal` gives nothing on an edge that is dark above and bright below: put "
        "negative weights in the top row and positive weights in the bottom row.",
    )
    require(
        abs(flat) <= 0.1 * abs(down),
        f"`horizontal` gives {flat:.3g} on a flat grey area: it answers to brightness, not "
        "only to edges. Make its weights add up to 0 (for example rows -1, 0, +1).",
    )
    require(
        abs(across) <= 0.1 * abs(down),
        "`horizontal` also answers to edges from left to right: give every row the same "
        "weight in each of its three columns.",
    )
    require(
        _numeric(edge_response),
        "`edge_response` should be the output of conv2d_by_hand(square, horizontal), an array.",
    )
    got = np.asarray(edge_response, dtype=np.float64)
    square = _square()
    reject(
        f"`edge_response` has shape {got.shape}: it is the convolution of another picture. "
        "Use the 9x9 square: np.pad(np.full((3, 3), 8.0), 3, constant_values=1.0)."
        if got.ndim == 2 and got.shape not in ((7, 7), (9, 9))
        else None
    )
    expected = _slide(square, kernel)
    if got.shape == (9, 9):
        expected = _slide(np.pad(square, 1), kernel)
    require(
        got.shape == expected.shape and np.allclose(got, expected, atol=1e-4),
        "`edge_response` is not the convolution of `horizontal` with the square picture: "
        "conv2d_by_hand(square, horizontal, stride=1, padding='valid') gives it (7x7).",
    )
    top = int(np.argmax(expected.max(axis=1)))
    return (
        f"The largest values are on the square's top edge (output row {top}), the smallest on "
        "its bottom edge."
    )


def _numeric(value) -> bool:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return array.ndim >= 1


_Q2_REFERENCE = """\
horizontal = kernel.T  # rows -1, 0, +1: the lower row minus the upper row
square = np.pad(np.full((3, 3), 8.0, dtype=np.float32), 3, constant_values=1.0)  # 9x9
edge_response = conv2d_by_hand(square, horizontal, stride=1, padding="valid")
theirs = tf.nn.conv2d(square[None, :, :, None], horizontal[:, :, None, None], 1, "VALID")
assert np.allclose(edge_response, theirs[0, :, :, 0])
plotting.show_matrices(
    [square, horizontal, edge_response],
    ["picture", "kernel", "output"],
    cmap=["gray", "RdBu_r", "RdBu_r"],
)
plt.show()
rows_max = sorted({int(r) for r in np.argwhere(edge_response == edge_response.max())[:, 0]})
rows_min = sorted({int(r) for r in np.argwhere(edge_response == edge_response.min())[:, 0]})
print(
    f"largest values {edge_response.max():g} in output row(s) {rows_max}: "
    "the top edge (dark above, bright below)"
)
print(
    f"smallest values {edge_response.min():g} in output row(s) {rows_min}: "
    "the bottom edge (bright above, dark below)"
)
"""


def _conv2d_by_hand(image, kernel, stride=1, padding="valid"):
    if padding == "same":
        n, k = image.shape[0], kernel.shape[0]
        out = -(-n // stride)
        total = max((out - 1) * stride + k - n, 0)
        image = np.pad(image, (total // 2, total - total // 2))
    return _slide(np.asarray(image, dtype=np.float64), np.asarray(kernel))[::stride, ::stride]


def _q2_context() -> dict:
    import types

    import matplotlib.pyplot as pyplot

    from course_utils import plotting

    context = _tf_context()
    context.update(
        kernel=np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=np.float32),
        picture=np.ones((6, 6), dtype=np.float32),
        conv2d_by_hand=_conv2d_by_hand,
        plotting=plotting,
        plt=types.SimpleNamespace(show=lambda: pyplot.close("all")),
    )
    return context


q2 = Exercise(
    lesson="03",
    key="q2",
    title="a horizontal-edge kernel",
    answers=("horizontal", "edge_response"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "The lesson's `kernel` subtracts the left column from the right one. For dark above "
        "and bright below, subtract the top row from the bottom row.",
        "Rows -1, -1, -1 / 0, 0, 0 / +1, +1, +1: that is the lesson's kernel turned by a "
        "quarter, kernel.T.",
        "horizontal = kernel.T; square = np.pad(np.full((3, 3), 8.0), 3, constant_values=1.0); "
        "edge_response = conv2d_by_hand(square, horizontal).",
    ),
    wrong_answers=(
        WrongAnswer(
            "vertical kernel",
            _Q2_REFERENCE.replace("horizontal = kernel.T ", "horizontal = kernel "),
            expect="vertical edge",
        ),
        WrongAnswer(
            "signs swapped",
            _Q2_REFERENCE.replace("horizontal = kernel.T ", "horizontal = -kernel.T "),
            expect="opposite edge",
        ),
        WrongAnswer(
            "weights do not add up to 0",
            lambda ctx: {
                "horizontal": np.array([[0, 0, 0], [0, 0, 0], [1, 1, 1]], dtype=np.float32),
                "edge_response": np.zeros((7, 7)),
            },
            expect="add up to 0",
        ),
        WrongAnswer(
            "the lesson's 6x6 picture",
            lambda ctx: {
                "horizontal": ctx["kernel"].T,
                "edge_response": _conv2d_by_hand(ctx["picture"], ctx["kernel"].T),
            },
            expect="another picture",
        ),
    ),
    test_context=_q2_context,
)

# --------------------------------------------------------------------------- q3: retracing


def _check_q3(mean_logit):
    require(
        hasattr(mean_logit, "experimental_get_tracing_count"),
        "`mean_logit` is a plain Python function: it never traces. Put @tf.function on the "
        "line above `def mean_logit(images):`.",
    )
    require(
        mean_logit.input_signature is None,
        "`mean_logit` has an input_signature: with a batch size of None it traces once for "
        "every batch size, which is the cure, not the question. Leave the signature out: "
        "@tf.function alone.",
    )
    count = mean_logit.experimental_get_tracing_count()
    require(count > 0, "`mean_logit` has not been called yet: call it with batches of 32, 32, 7.")
    require(
        count != 1,
        "`mean_logit` traced once: call it with batches of 32, 32 and 7 pictures, "
        "e.g. mean_logit(tf.zeros([size, *IMAGE_SIZE, 3])) for size in (32, 32, 7).",
    )
    require(
        count == 2,
        f"`mean_logit` traced {count} times: for 32, 32 and 7 pictures it should trace twice "
        "(once per new shape). Pass tensors such as tf.zeros([size, *IMAGE_SIZE, 3]); Python "
        "numbers or lists make a new graph for every new value. (Run the definition and the "
        "three calls again, once.)",
    )
    return (
        "Traced twice: once for 32 pictures, reused for the next 32, and again for 7. The last, "
        "smaller batch of an epoch costs a second trace, unless input_signature says None."
    )


_Q3_REFERENCE = """\
@tf.function
def mean_logit(images):
    print("tracing for shape", images.shape)  # Python print: runs only while tracing
    return tf.reduce_mean(forward(baseline, images))


for size in (32, 32, 7):
    mean_logit(tf.zeros([size, *IMAGE_SIZE, 3]))
print("traced", mean_logit.experimental_get_tracing_count(), "times")
# Each new shape makes a new graph; a batch dimension of None in input_signature avoids that.
"""


def _q3_context() -> dict:
    context = _tf_context()
    tf = context["tf"]
    context.update(
        IMAGE_SIZE=(4, 4),
        baseline=tf.ones([4 * 4 * 3, 16]),
        forward=lambda params, images: tf.reshape(images, [-1, 48]) @ params,
    )
    return context


q3 = Exercise(
    lesson="03",
    key="q3",
    title="when tf.function traces again",
    answers=("mean_logit",),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "Put @tf.function on a small function of a batch of images, for example the mean of "
        "forward(baseline, images); a print inside it runs only while tracing.",
        "Call it three times with tf.zeros([size, *IMAGE_SIZE, 3]) for size in (32, 32, 7), "
        "then ask mean_logit.experimental_get_tracing_count().",
        "@tf.function above def mean_logit(images): return tf.reduce_mean(forward(baseline, "
        "images)); then for size in (32, 32, 7): mean_logit(tf.zeros([size, *IMAGE_SIZE, 3])).",
    ),
    wrong_answers=(
        WrongAnswer(
            "no tf.function",
            _Q3_REFERENCE.replace("@tf.function\n", "").replace(
                'print("traced", mean_logit.experimental_get_tracing_count(), "times")\n', ""
            ),
            expect="plain Python function",
        ),
        WrongAnswer(
            "with an input_signature",
            _Q3_REFERENCE.replace(
                "@tf.function\n",
                "@tf.function(input_signature=[tf.TensorSpec([None, *IMAGE_SIZE, 3])])\n",
            ),
            expect="has an input_signature",
        ),
        WrongAnswer(
            "the small batch left out",
            _Q3_REFERENCE.replace("(32, 32, 7)", "(32, 32)"),
            expect="traced once",
        ),
    ),
    test_context=_q3_context,
)


# --------------------------------------------------------------------------- concept questions

output_size = Question(
    "03",
    "output-size",
    "A 32x32 picture goes through a 3x3 convolution with stride 2 and 'valid' padding. How "
    "many positions per row does the output have?",
    [
        Option(
            "15",
            "floor((32 + 0 - 3) / 2) + 1 = floor(14.5) + 1 = 15.",
            correct=True,
        ),
        Option(
            "16",
            "That is 'same' padding, ceil(32 / 2); 'valid' adds no zeros, so the last "
            "position that fits is one short of it here.",
        ),
        Option(
            "14",
            "That forgets the + 1: the formula counts the first position too.",
        ),
        Option(
            "30",
            "That is stride 1 (32 - 3 + 1); stride 2 skips every other position.",
        ),
    ],
)

conv_parameters = Question(
    "03",
    "conv-parameters",
    "A convolution layer has 16 kernels of 3x3 on an RGB picture. How many numbers does it learn?",
    [
        Option(
            "448",
            "Each kernel is 3 x 3 x 3 = 27 weights (it sees all three channels), plus one "
            "bias: 16 x 28 = 448, whatever the size of the picture.",
            correct=True,
        ),
        Option(
            "144",
            "That is 16 kernels of 3 x 3 for one channel only, without biases: a kernel on an "
            "RGB picture has weights for each of the three channels.",
        ),
        Option(
            "432",
            "Right weights (3 x 3 x 3 x 16), but each kernel also has a bias: 16 more.",
        ),
        Option(
            "49,168",
            "That is a dense layer from 32 x 32 x 3 inputs to 16 outputs; a convolution reuses "
            "the same few weights at every position.",
        ),
    ],
)

pooling = Question(
    "03",
    "max-pooling",
    "What does 2x2 max pooling make a network a little tolerant of?",
    [
        Option(
            "A feature moving by a pixel inside its 2x2 block",
            "The block's largest value stays the same wherever in the block it is, so small "
            "shifts change the pooled map less.",
            correct=True,
        ),
        Option(
            "Changes of colour and brightness",
            "Pooling keeps the largest value as it is; brighter inputs give larger values. "
            "Tolerance to light comes from data (augmentation) or normalisation.",
        ),
        Option(
            "Large rotations of the object",
            "A turned fruit moves most pixels far beyond a 2x2 block; pooling does not undo "
            "that (rotated training pictures can).",
        ),
        Option(
            "Any background behind the object",
            "Pooling keeps the strongest answer of a block, whether it comes from the fruit or "
            "the background; new backgrounds in training teach a network to ignore them.",
        ),
    ],
)

backgrounds = Question(
    "03",
    "background-replacement",
    "Why does training on fruits pasted onto new backgrounds help on the hard test, while "
    "flips, zooms and brightness help less there?",
    [
        Option(
            "The hard test changes what is around the fruit; only new backgrounds show the "
            "network that the surroundings do not tell the class",
            "Right: with white behind every training fruit, the network may use the background "
            "too; varied backgrounds force it to rely on the fruit.",
            correct=True,
        ),
        Option(
            "Because the hard test uses the same background photos",
            "It does not: the hard validation and test backgrounds are never shown during "
            "training, not even as augmentation (the replacer has its own pool).",
        ),
        Option(
            "Because it makes the training set larger",
            "Flips and zooms make as many new pictures; what matters is which changes they "
            "show, and only new backgrounds show the change the hard test makes.",
        ),
        Option(
            "Because the network gets more parameters",
            "Augmentation changes the data, not the network: the same baseline network is "
            "trained, with the same parameters.",
        ),
    ],
)

quiz = Quiz("03", [output_size, conv_parameters, pooling, backgrounds])
