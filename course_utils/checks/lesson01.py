"""Checks and concept questions of lesson 01, "explore the data".

Three exercises, checked from the notebook with ``lesson01.q1.check()`` ... ``q3``: a
standard-deviation image per class (``std_images``), the pictures farthest from their
class's mean image (``distance_to_prototype``, ``most_unusual``) and generated lemons at two
difficulties (``hard_difficulty``, ``lemons``); and the lesson's concept questions, shown
with ``lesson01.quiz.show(...)``. Only NumPy is needed: importing this module does not
import TensorFlow.
"""

from __future__ import annotations

import functools
import types

import numpy as np

from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- helpers


def _numbers(value, name: str) -> np.ndarray:
    """``value`` as a float array, or "not yet" saying what ``name`` should be."""
    require(
        isinstance(value, np.ndarray | list | tuple),
        f"`{name}` should be a NumPy array, not {type(value).__name__}.",
    )
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        require(False, f"`{name}` should be one NumPy array of numbers.")
    return np.asarray([])  # not reached


def _close(first: np.ndarray, second: np.ndarray, tolerance: float) -> bool:
    """Same shape and every value within ``tolerance`` (grey levels)."""
    return first.shape == second.shape and bool(np.abs(first - second).max() <= tolerance)


@functools.lru_cache(maxsize=1)
def _tiny_pictures() -> tuple[np.ndarray, np.ndarray]:
    """Three 100x100 pictures for each of 16 classes: a coloured disc of varying size on white."""
    rng = np.random.default_rng(1)
    rows, cols = np.mgrid[:100, :100]
    images, labels = [], []
    for label in range(16):
        colour = rng.integers(20, 220, size=3)
        for copy in range(3):
            radius = 22 + 6 * copy + label % 4
            disc = (rows - 50 - copy) ** 2 + (cols - 48 - 2 * copy) ** 2 < radius**2
            picture = np.full((100, 100, 3), 255, dtype=np.uint8)
            noise = rng.integers(-25, 25, size=(100, 100, 3))
            picture[disc] = np.clip(colour + noise[disc], 0, 254)
            images.append(picture)
            labels.append(label)
    return np.stack(images), np.array(labels)


def _tiny_context() -> dict:
    """The lesson's names that the solutions use, on 48 made-up pictures (for the self-test)."""
    import matplotlib.pyplot as pyplot

    from course_utils import WORKSHOP_CLASSES, plotting, synthetic

    x, y = (array.copy() for array in _tiny_pictures())
    classes = list(WORKSHOP_CLASSES)
    return {
        "np": np,
        "x": x,
        "y": y,
        "CLASSES": classes,
        "mean_images": np.stack([x[y == label].mean(axis=0) for label in range(len(classes))]),
        "plotting": plotting,
        "synthetic": synthetic,
        # the solutions end with plt.show(): here it only closes the figures
        "plt": types.SimpleNamespace(show=lambda: pyplot.close("all")),
    }


def _per_class(x, y, count: int, summary) -> np.ndarray:
    return np.stack([summary(x[np.asarray(y) == label]) for label in range(count)])


# --------------------------------------------------------------------------- q1: std images


def _check_q1(std_images, x, y, CLASSES):
    got = _numbers(std_images, "std_images")
    count, (height, width) = len(CLASSES), x.shape[1:3]
    wanted = (count, height, width)
    require(
        got.shape != (*wanted, 3),
        f"`std_images` has shape {got.shape}: it still has the three colour channels. "
        "Average them with .mean(axis=-1) after .std(axis=0), to get one grey picture per class.",
    )
    require(
        got.shape not in ((height, width), (height, width, 3)),
        f"`std_images` has shape {got.shape}: one picture for all the classes together. Compute "
        "it for each class, from x[y == label], and stack the 16 results (np.stack).",
    )
    require(
        not (got.ndim == 3 and len(got) == count and got.shape != wanted),
        f"`std_images` has shape {got.shape}, not {wanted}: the standard deviation was taken "
        "along the wrong axis. x[y == label] has shape (pictures, height, width, 3); "
        ".std(axis=0) goes across the pictures and keeps one value per pixel and channel.",
    )
    require(
        got.shape == wanted,
        f"`std_images` should have shape {wanted} (one grey picture per class), not {got.shape}.",
    )
    expected = _per_class(x, y, count, lambda pictures: pictures.std(axis=0).mean(axis=-1))
    if _close(got, expected, 0.5):
        return "One grey standard-deviation picture per class, in grey levels."
    mistakes = (
        (
            lambda p: p.mean(axis=0).mean(axis=-1),
            "These are the mean images (the average brightness of each pixel), not the "
            "standard deviation: use .std(axis=0) in place of .mean(axis=0).",
        ),
        (
            lambda p: p.var(axis=0).mean(axis=-1),
            "These are variances, the squares of the standard deviations (grey levels "
            "squared): use .std(axis=0).",
        ),
        (
            lambda p: p.mean(axis=-1).std(axis=0),
            "You averaged the three channels first and then took the standard deviation of the "
            "grey pictures. The exercise takes the standard deviation of each channel first, "
            "x[y == label].std(axis=0), and then averages the three (.mean(axis=-1)): a change "
            "of colour at constant brightness then still counts.",
        ),
    )
    for summary, message in mistakes:
        reject(message if _close(got, _per_class(x, y, count, summary), 0.5) else None)
    reject(
        "`std_images` goes from 0 to 1: it was divided by its largest value. That is only for "
        "showing it (show_images(std_images / std_images.max(), ...)); keep `std_images` itself "
        "in grey levels, so that classes can be compared."
        if got.max() <= 1.0 + 1e-9 and _close(got, expected / expected.max(), 0.01)
        else None
    )
    gap = float(np.abs(got - expected).max())
    require(
        False,
        f"`std_images` has the right shape but differs from the standard deviation of each "
        f"class by up to {gap:.1f} grey levels. Compute x[y == label].std(axis=0).mean(axis=-1) "
        "for label 0 to 15, in that order.",
    )


_Q1_REFERENCE = """\
std_images = np.stack([x[y == label].std(axis=0).mean(axis=-1) for label in range(len(CLASSES))])
plotting.show_images(
    std_images / std_images.max(),
    titles=CLASSES,
    ncols=8,
    size=2.1,
    suptitle="Standard deviation of each class (bright = varies a lot)",
)
plt.show()
spread = std_images.mean(axis=(1, 2))
most, least = int(spread.argmax()), int(spread.argmin())
print(f"most varied class: {CLASSES[most]} (mean std {spread[most]:.1f} grey levels)")
print(f"least varied class: {CLASSES[least]} (mean std {spread[least]:.1f})")
inner = std_images[most][30:70, 30:70].mean()  # the middle of the picture
print(f"{CLASSES[most]}: mean std {inner:.1f} in the middle, {spread[most]:.1f} over the picture")
# Where: a bright ring is where the outline moves from picture to picture (shape, size,
# orientation); a bright inside means the colour or the texture changes (spots, blush, light).
"""

q1 = Exercise(
    lesson="01",
    key="q1",
    title="standard-deviation image of each class",
    answers=("std_images",),
    context=("x", "y", "CLASSES"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "Work on one class first: x[y == label] holds its pictures, shape (pictures, 100, 100, "
        "3). Which axis runs across the pictures?",
        "x[y == label].std(axis=0) has shape (100, 100, 3): one standard deviation per pixel "
        "and channel. .mean(axis=-1) then averages the three channels.",
        "std_images = np.stack([x[y == label].std(axis=0).mean(axis=-1) "
        "for label in range(len(CLASSES))]), then show std_images / std_images.max().",
    ),
    wrong_answers=(
        WrongAnswer(
            "channels kept",
            "std_images = np.stack([x[y == k].std(axis=0) for k in range(len(CLASSES))])",
            expect="three colour channels",
        ),
        WrongAnswer(
            "wrong axis",
            "std_images = np.stack([x[y == k].std(axis=1).mean(axis=-1) for k in range(16)])",
            expect="wrong axis",
        ),
        WrongAnswer(
            "mean instead of std",
            "std_images = np.stack([x[y == k].mean(axis=0).mean(axis=-1) for k in range(16)])",
            expect="mean images",
        ),
        WrongAnswer(
            "channels averaged first",
            "std_images = np.stack([x[y == k].mean(axis=-1).std(axis=0) for k in range(16)])",
            expect="averaged the three channels first",
        ),
        WrongAnswer(
            "scaled for showing",
            "std_images = np.stack([x[y == k].std(axis=0).mean(axis=-1) for k in range(16)])\n"
            "std_images = std_images / std_images.max()",
            expect="divided by its largest value",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q2: unusual pictures


def _distances(x, y, mean_images, difference) -> np.ndarray:
    """One number per picture: ``difference(pictures, their class's mean image)``."""
    result = np.zeros(len(x))
    labels = np.asarray(y)
    for label in np.unique(labels):
        members = labels == label
        result[members] = difference(x[members], mean_images[label])
    return result


def _check_q2(distance_to_prototype, most_unusual, x, y, mean_images):
    got = _numbers(distance_to_prototype, "distance_to_prototype")
    count = len(x)
    require(
        got.shape != x.shape,
        f"`distance_to_prototype` has shape {got.shape}, the shape of the pictures: it should "
        "hold one number per picture. Average the absolute differences over the pixels and the "
        "channels: .mean(axis=(1, 2, 3)).",
    )
    require(
        got.shape == (count,),
        f"`distance_to_prototype` should hold one number per picture, shape ({count},), not "
        f"{got.shape}. Average over the three axes of a picture: .mean(axis=(1, 2, 3)).",
    )
    expected = _distances(x, y, mean_images, lambda p, m: np.abs(p - m).mean(axis=(1, 2, 3)))
    if not _close(got, expected, 0.5):
        mistakes = (
            (
                lambda p, m: np.abs(p - m.astype(np.uint8)).mean(axis=(1, 2, 3)),
                "The differences wrapped around: both arrays were uint8, so a negative "
                "difference became a large positive one (10 - 12 = 254). Subtract the float "
                "mean image itself (mean_images[label]), or convert the pictures with "
                ".astype(np.float32) before subtracting.",
            ),
            (
                lambda p, m: ((p - m) ** 2).mean(axis=(1, 2, 3)),
                "These are mean squared differences (the L2 idea): one large difference "
                "weighs far more than several small ones. The exercise asks for the mean "
                "absolute difference (L1): np.abs(pictures - mean_image).",
            ),
            (
                lambda p, m: (p - m).mean(axis=(1, 2, 3)),
                "Without np.abs, brighter and darker pixels cancel out and a picture can look "
                "typical while being very different: take the absolute difference first.",
            ),
        )
        for difference, message in mistakes:
            reject(message if _close(got, _distances(x, y, mean_images, difference), 0.5) else None)
        overall = np.asarray(x, dtype=np.float64).mean(axis=0)
        reject(
            "Every picture was compared with the mean image of all the pictures; compare it "
            "with the mean image of its own class, mean_images[label], for the pictures with "
            "y == label."
            if _close(got, np.abs(x - overall).mean(axis=(1, 2, 3)), 0.5)
            else None
        )
        gap = float(np.abs(got - expected).max())
        require(
            False,
            f"`distance_to_prototype` differs from the mean absolute difference to the picture's "
            f"class mean image by up to {gap:.1f} grey levels. For each label: members = y == "
            "label, then np.abs(x[members] - mean_images[label]).mean(axis=(1, 2, 3)).",
        )
    chosen = np.asarray(most_unusual).reshape(-1)
    require(
        chosen.size == 5,
        f"`most_unusual` should hold the indices of 5 pictures, not {chosen.size} values.",
    )
    require(
        np.issubdtype(chosen.dtype, np.integer),
        "`most_unusual` should hold picture indices (whole numbers, from np.argsort), not the "
        "distances themselves.",
    )
    require(
        bool(np.all((chosen >= 0) & (chosen < count))),
        f"`most_unusual` holds numbers outside 0-{count - 1}: it should hold picture indices.",
    )
    ranked = np.sort(expected)
    reject(
        "These are the five pictures closest to their class's mean image (the most typical "
        "ones): np.argsort sorts from small to large, so take the end, np.argsort(...)[::-1][:5]."
        if np.all(expected[chosen] <= ranked[4] + 1e-6)
        else None
    )
    require(
        bool(np.all(expected[chosen] >= ranked[-5] - 1e-6)),
        "`most_unusual` should be the indices of the 5 pictures with the largest "
        "`distance_to_prototype`: np.argsort(distance_to_prototype)[::-1][:5].",
    )
    return "Those are the five pictures farthest from their class's mean image."


_Q2_REFERENCE = """\
distance_to_prototype = np.zeros(len(x))
for label in range(len(CLASSES)):
    members = y == label
    distance_to_prototype[members] = np.abs(x[members] - mean_images[label]).mean(axis=(1, 2, 3))
most_unusual = np.argsort(distance_to_prototype)[::-1][:5]
plotting.show_images(
    [x[i] for i in most_unusual],
    [f"{CLASSES[y[i]]}: {distance_to_prototype[i]:.0f}" for i in most_unusual],
    ncols=5,
    size=2.0,
)
plt.show()
# A wrong label would show a different fruit. Usually these are unusual views of the right
# fruit: turned to show a stalk or a side, bent, or filling the frame differently. Two
# nearly identical pictures side by side are consecutive frames of one fruit.
"""


def _q2_with(line: str) -> str:
    """The reference solution with its distance line replaced."""
    return _Q2_REFERENCE.replace(
        "    distance_to_prototype[members] = np.abs(x[members] - mean_images[label]).mean("
        "axis=(1, 2, 3))",
        f"    distance_to_prototype[members] = {line}",
    )


q2 = Exercise(
    lesson="01",
    key="q2",
    title="the pictures farthest from their prototype",
    answers=("distance_to_prototype", "most_unusual"),
    context=("x", "y", "mean_images"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "Go class by class: members = y == label selects the pictures of one class, and "
        "mean_images[label] is their prototype.",
        "np.abs(x[members] - mean_images[label]) has the shape of the pictures; "
        ".mean(axis=(1, 2, 3)) leaves one number per picture. Store them in "
        "distance_to_prototype[members].",
        "np.argsort(distance_to_prototype) sorts from the smallest; "
        "most_unusual = np.argsort(distance_to_prototype)[::-1][:5] are the five largest.",
    ),
    wrong_answers=(
        WrongAnswer(
            "uint8 wrap-around",
            _q2_with(
                "np.abs(x[members] - mean_images[label].astype(np.uint8)).mean(axis=(1, 2, 3))"
            ),
            expect="wrapped around",
        ),
        WrongAnswer(
            "squared (L2) differences",
            _q2_with("((x[members] - mean_images[label]) ** 2).mean(axis=(1, 2, 3))"),
            expect="absolute difference (L1)",
        ),
        WrongAnswer(
            "no absolute value",
            _q2_with("(x[members] - mean_images[label]).mean(axis=(1, 2, 3))"),
            expect="without np.abs",
        ),
        WrongAnswer(
            "closest instead of farthest",
            _Q2_REFERENCE.replace("[::-1][:5]", "[:5]"),
            expect="closest to their class",
        ),
        WrongAnswer(
            "mean image of all pictures",
            lambda ctx: {
                "distance_to_prototype": np.abs(ctx["x"] - ctx["x"].mean(axis=0)).mean(
                    axis=(1, 2, 3)
                ),
                "most_unusual": np.arange(5),
            },
            expect="its own class",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q3: two difficulties


def _check_q3(hard_difficulty, lemons):
    from course_utils import synthetic

    try:
        difficulty = synthetic.Difficulty.from_value(hard_difficulty)
    except ValueError as error:
        require(False, f"`hard_difficulty` should be a synthetic.Difficulty(...): {error}")
    default = synthetic.DEFAULT_DIFFICULTY
    stronger = [k for k in synthetic.KNOBS if getattr(difficulty, k) > getattr(default, k) + 1e-9]
    require(
        len(stronger) >= 3,
        f"`hard_difficulty` turns up only {', '.join(stronger) or 'no knob'} above the course's "
        "default: the exercise combines several difficulties at once (three or more of "
        "illumination, occlusion, clutter, pose, ...).",
    )
    require(
        isinstance(lemons, list | tuple | np.ndarray) and len(lemons) == 8,
        f"`lemons` should hold 8 pictures (4 at the default difficulty, then 4 hard ones), not "
        f"{len(lemons) if hasattr(lemons, '__len__') else type(lemons).__name__}.",
    )
    pictures = [np.asarray(picture) for picture in lemons]
    require(
        all(p.ndim == 3 and p.shape[-1] == 3 and p.dtype == np.uint8 for p in pictures),
        "Each picture in `lemons` should be what synthetic.render_fruit returns: a uint8 "
        "array of shape (height, width, 3).",
    )
    for group, name in ((range(4), "default"), (range(4, 8), "hard")):
        for i in group:
            for j in group:
                reject(
                    f"Pictures {i} and {j} ({name}) are identical: each picture needs its own "
                    "generator with its own seed, np.random.default_rng(seed) for seed in "
                    "range(4)."
                    if i < j and np.array_equal(pictures[i], pictures[j])
                    else None
                )
    for i in range(4, 8):
        for j in range(4):
            reject(
                f"Hard picture {i} is a copy of default picture {j}: draw the second four with "
                "render_fruit('Lemon', rng, hard_difficulty)."
                if np.array_equal(pictures[i], pictures[j])
                else None
            )
    return (
        f"Four default lemons and four with {', '.join(stronger)} turned up: which would you "
        "rather learn from, and which would you rather be tested on?"
    )


_Q3_REFERENCE = """\
hard_difficulty = synthetic.Difficulty(illumination=0.8, occlusion=0.6, clutter=0.7, pose=0.8)
lemons, titles = [], []
for name, difficulty in (("default", synthetic.DEFAULT_DIFFICULTY), ("hard", hard_difficulty)):
    for seed in range(4):
        lemons.append(synthetic.render_fruit("Lemon", np.random.default_rng(seed), difficulty))
        titles.append(f"{name} #{seed}")
plotting.show_images(lemons, titles, ncols=4, size=2.0)
plt.show()
# Easy pictures are quicker to learn from, but a model that only saw them fails on hard
# ones. To work on hard pictures a model must see hard pictures, or be made to (data
# augmentation, lesson 03); and it should be *tested* on hard pictures, as the hard test does.
"""

q3 = Exercise(
    lesson="01",
    key="q3",
    title="lemons at two difficulties",
    answers=("hard_difficulty", "lemons"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "hard_difficulty = synthetic.Difficulty(...) with several knobs turned up at once; "
        "synthetic.DEFAULT_DIFFICULTY is the other setting.",
        "synthetic.render_fruit('Lemon', np.random.default_rng(seed), difficulty) draws one "
        "picture; a new generator with another seed gives another lemon.",
        "Two loops: over the two difficulties, and inside over seed in range(4); append each "
        "picture to the list `lemons` (the four default ones first).",
    ),
    wrong_answers=(
        WrongAnswer(
            "one knob only",
            _Q3_REFERENCE.replace(
                "synthetic.Difficulty(illumination=0.8, occlusion=0.6, clutter=0.7, pose=0.8)",
                "synthetic.Difficulty(illumination=0.9)",
            ),
            expect="turns up only illumination",
        ),
        WrongAnswer(
            "the same seed every time",
            _Q3_REFERENCE.replace("np.random.default_rng(seed)", "np.random.default_rng(0)"),
            expect="are identical",
        ),
        WrongAnswer(
            "hard difficulty not passed",
            _Q3_REFERENCE.replace(
                "np.random.default_rng(seed), difficulty)",
                "np.random.default_rng(seed))",
            ),
            expect="is a copy of default picture",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- concept questions

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


mean_axis = Question(
    "01",
    "mean-axis",
    "`pictures` holds the 200 pictures of one class, shape (200, 100, 100, 3). Which line "
    "gives the class's mean image, shape (100, 100, 3)?",
    [
        Option(
            "pictures.mean(axis=0)",
            "Axis 0 runs across the pictures: each pixel and channel is averaged over the 200 "
            "pictures.",
            correct=True,
        ),
        Option(
            "pictures.mean(axis=-1)",
            "The last axis is the colour channel: this averages red, green and blue, giving "
            "200 grey pictures of shape (200, 100, 100).",
        ),
        Option(
            "pictures.mean()",
            "Without an axis, NumPy averages all 6 million numbers into one single value.",
        ),
        Option(
            "pictures.mean(axis=(1, 2))",
            "That averages over the rows and columns of each picture: its average colour, "
            "shape (200, 3).",
        ),
    ],
)

near_twins = Question(
    "01",
    "near-twins",
    "Many Fruits-360 test pictures have a near-twin among the training pictures (the same "
    "fruit, turned a few degrees). A model scores 99% on the plain Test. What does that show?",
    [
        Option(
            "It recognises pictures taken like the training pictures; not yet that it "
            "recognises the fruit in another setting",
            "Right: a high plain score can come from remembering near-twins. The hard test "
            "(the same fruits on real photos) asks the second question.",
            correct=True,
        ),
        Option(
            "It will recognise these fruits in any photo",
            "The test pictures share the white background, the framing and the light of the "
            "training pictures: a new setting is exactly what they do not test.",
        ),
        Option(
            "Nothing at all: the test set is useless",
            "It still shows something: a model that fails the plain test has a bug or has not "
            "learned enough. It just cannot show robustness.",
        ),
        Option(
            "That the model overfits",
            "Overfitting shows as a training score much higher than the validation or test "
            "score; a high test score alone is not a sign of it.",
        ),
    ],
)

quiz = Quiz("01", [rgb_shape, pixel_range, channel_meaning, white_pixel, mean_axis, near_twins])
