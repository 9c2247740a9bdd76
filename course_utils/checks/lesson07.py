"""Checks and concept questions of lesson 07, "what the network sees".

Four exercises, checked from the notebook with ``lesson07.q1.check()`` ... ``q4``: a 3x3
kernel for diagonal edges and its answer on the coffee photo (``diagonal_kernel``,
``diagonal_response``); Grad-CAM at ``act2`` and ``act3`` for right predictions of four
classes (``four_photos``, ``heatmaps_act2``, ``heatmaps_act3``); Grad-CAM for the predicted
and the true class of a hard-Test mistake (``compared_index``, ``compared_classes``,
``compared_heatmaps``); and a dreamed banana by gradient ascent on the class score
(``dreamed_banana``, ``banana_probability``). The concept questions are ``lesson07.quiz``.
Keras and TensorFlow are imported only by the checks that need them.
"""

from __future__ import annotations

import types

import numpy as np

from course_utils.checks.exercise import Exercise, WrongAnswer, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- the lesson's tools


def _one_per_class(indices, labels, count, seed=42):
    """A copy of the lesson's one_per_class (for the self-tests' contexts)."""
    rng = np.random.default_rng(seed)
    indices = np.asarray(indices)
    chosen = [int(rng.choice(indices[labels[indices] == c])) for c in np.unique(labels[indices])]
    rng.shuffle(chosen)
    if len(chosen) < count:
        others = np.setdiff1d(indices, chosen)
        chosen += [int(i) for i in rng.permutation(others)[: count - len(chosen)]]
    return np.array(chosen[:count], dtype=int)


def _tiny_cnn(side: int = 16):
    import keras

    from course_utils import models

    keras.utils.set_random_seed(7)
    return models.build_fruits_cnn((side, side, 3), 16, filters=(4, 8, 8), name="tiny_cnn")


def _tiny_pictures(count: int, side: int = 16, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(count, 1, 1, 3))
    noise = rng.integers(-40, 40, size=(count, side, side, 3))
    pictures = np.clip(base + noise, 0, 255).astype(np.uint8)
    pictures[:, side // 4 : 3 * side // 4, side // 4 : 3 * side // 4] //= 2  # a darker "fruit"
    return pictures


def _common_context() -> dict:
    import keras
    import tensorflow as tf
    from scipy import ndimage

    from course_utils import WORKSHOP_CLASSES, explain, plotting

    return {
        "np": np,
        "ndimage": ndimage,
        "keras": keras,
        "tf": tf,
        "explain": explain,
        "plotting": plotting,
        "class_names": list(WORKSHOP_CLASSES),
        "SEED": 42,
        "HEAT_LABEL": "evidence (0: none, 1: most)",
        "one_per_class": _one_per_class,
    }


# --------------------------------------------------------------------------- q1: diagonal kernel

_DIRECTIONS = {
    0: "bright towards the right, dark towards the left: vertical edges, like Sobel x",
    45: None,
    90: "bright at the top, dark at the bottom: horizontal edges, like a Sobel y turned over",
    135: "bright towards the top LEFT, dark towards the bottom right: the other diagonal "
    "(mirror it left to right)",
    180: "bright towards the left: vertical edges, the wrong way round",
    -135: "bright towards the bottom left, dark towards the top right: the signs are swapped "
    "(multiply it by -1)",
    -90: "bright at the bottom: horizontal edges, like Sobel y",
    -45: "bright towards the bottom right: the other diagonal with its signs swapped",
}


def _direction(kernel: np.ndarray) -> tuple[float, float]:
    """(angle in degrees, strength) of the brightness ramp a 3x3 kernel answers to most."""
    rows, cols = np.mgrid[-1:2, -1:2]
    towards_right = float((kernel * cols).sum())
    towards_top = float((kernel * -rows).sum())
    return float(np.degrees(np.arctan2(towards_top, towards_right))), float(
        np.hypot(towards_right, towards_top)
    )


def _check_q1(diagonal_kernel, diagonal_response, coffee):
    from scipy import ndimage

    kernel = np.asarray(diagonal_kernel, dtype=float)
    require(
        kernel.shape == (3, 3),
        f"`diagonal_kernel` should be a 3x3 array, not of shape {kernel.shape}.",
    )
    scale = np.abs(kernel).max()
    require(scale > 0, "`diagonal_kernel` is all zeros: it answers nothing anywhere.")
    require(
        abs(kernel.sum()) <= 1e-6 * scale * 9,
        f"The kernel's weights add up to {kernel.sum():g}, not 0: it answers on flat areas "
        "too (a bright wall gives a large value). An edge detector's weights add up to 0, like "
        "Sobel's.",
    )
    angle, strength = _direction(kernel)
    require(
        strength > 0.5 * scale,
        "This kernel has no clear direction (it is not a ramp from dark to bright): put the "
        "positive weights in one corner and the negative ones in the opposite corner.",
    )
    nearest = min(_DIRECTIONS, key=lambda a: abs((angle - a + 180) % 360 - 180))
    require(
        _DIRECTIONS[nearest] is None,
        f"Your kernel is {_DIRECTIONS[nearest]}. The exercise asks for bright towards the top "
        "right and dark towards the bottom left (row 0 is the top of the kernel).",
    )
    response = np.asarray(diagonal_response, dtype=float)
    require(
        response.shape == np.shape(coffee),
        f"`diagonal_response` should have the coffee photo's shape {np.shape(coffee)}, not "
        f"{response.shape}.",
    )
    require(
        response.min() >= -1e-6,
        "`diagonal_response` has negative values: show the size of the answer, "
        "np.abs(ndimage.correlate(...)), as the lesson does for edge detectors.",
    )
    require(
        response.max() <= 1 + 1e-6,
        f"`diagonal_response` goes up to {response.max():.3g}: it is not scaled to 0-1. Divide "
        "by np.percentile(response, 99.5) and np.clip to 0-1, as apply_kernels does.",
    )
    raw = np.abs(ndimage.correlate(np.asarray(coffee, float), kernel, mode="nearest"))
    expected = np.clip(raw / max(np.percentile(raw, 99.5), 1e-12), 0, 1)
    require(
        np.mean(np.abs(response - expected)) < 0.02,
        "`diagonal_response` does not match np.abs(ndimage.correlate(coffee, diagonal_kernel, "
        'mode="nearest")) scaled to 0-1: apply your kernel to the grey coffee photo.',
    )
    return "A diagonal edge detector: the rim of the cup lights up where it runs diagonally."


def _q1_context() -> dict:
    from scipy import ndimage

    from course_utils import plotting

    rng = np.random.default_rng(1)
    coffee = np.clip(rng.normal(0.5, 0.2, size=(24, 30)), 0, 1)
    return {"np": np, "ndimage": ndimage, "plotting": plotting, "coffee": coffee}


_Q1_REFERENCE = """\
diagonal_kernel = np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype=float)
diagonal_response = np.abs(ndimage.correlate(coffee, diagonal_kernel, mode="nearest"))
diagonal_response = np.clip(diagonal_response / np.percentile(diagonal_response, 99.5), 0, 1)
fig = plotting.show_images(
    [coffee, diagonal_response], ["coffee", "diagonal edges"], ncols=2, size=3.2
)
# The rim of the cup and saucer lights up where it runs diagonally (the sides of the
# ellipses); purely vertical and horizontal edges respond more weakly than with Sobel.
"""

q1 = Exercise(
    lesson="07",
    key="q1",
    title="design a diagonal edge kernel",
    answers=("diagonal_kernel", "diagonal_response"),
    context=("coffee",),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "Start from Sobel x, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] (bright on the right), and "
        "turn the ramp by 45 degrees: the largest positive weight goes in the top-right corner "
        "(row 0, column 2), the most negative one in the bottom-left corner (row 2, column 0).",
        "The weights must add up to 0 (no answer on a flat area); the diagonal from top left "
        "to bottom right is the zero line. Then diagonal_response = np.abs(ndimage.correlate("
        'coffee, diagonal_kernel, mode="nearest")), scaled to 0-1.',
        "diagonal_kernel = np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype=float); divide "
        "the response by np.percentile(response, 99.5) and np.clip it to 0-1.",
    ),
    wrong_answers=(
        WrongAnswer(
            "the other diagonal",
            _Q1_REFERENCE.replace(
                "[[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]", "[[2, 1, 0], [1, 0, -1], [0, -1, -2]]"
            ),
            expect="the other diagonal",
        ),
        WrongAnswer(
            "signs swapped",
            _Q1_REFERENCE.replace(
                "[[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]", "[[0, -1, -2], [1, 0, -1], [2, 1, 0]]"
            ),
            expect="signs are swapped",
        ),
        WrongAnswer(
            "Sobel x kept",
            _Q1_REFERENCE.replace(
                "[[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]", "[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]"
            ),
            expect="vertical edges",
        ),
        WrongAnswer(
            "weights not adding to 0",
            _Q1_REFERENCE.replace(
                "[[0, 1, 2], [-1, 0, 1], [-2, -1, 0]]", "[[0, 1, 2], [-1, 1, 1], [-2, -1, 0]]"
            ),
            expect="add up to 1, not 0",
        ),
        WrongAnswer(
            "not scaled to 0-1",
            "\n".join(line for line in _Q1_REFERENCE.splitlines() if "np.clip" not in line),
            expect="not scaled to 0-1",
        ),
    ),
    test_context=_q1_context,
)


# --------------------------------------------------------------------------- q2: act2 vs act3


def _grid(model, layer_name: str) -> tuple[int, int]:
    return tuple(int(n) for n in model.get_layer(layer_name).output.shape[1:3])


def _check_q2(four_photos, heatmaps_act2, heatmaps_act3, model, data, predicted):
    from course_utils import explain

    photos = np.asarray(four_photos)
    require(
        photos.shape == (4,) and np.issubdtype(photos.dtype, np.integer),
        "`four_photos` should hold the indices of four test photos (four whole numbers), not "
        f"an array of shape {photos.shape}.",
    )
    labels, guesses = np.asarray(data.y_test), np.asarray(predicted)
    require(
        bool(np.all(guesses[photos] == labels[photos])),
        "Some of `four_photos` are wrong predictions: choose among the right ones "
        "(`correct`, the indices where predicted == data.y_test).",
    )
    classes_right = len(np.unique(labels[guesses == labels]))
    require(
        len(np.unique(labels[photos])) >= min(4, classes_right),
        f"`four_photos` show only {len(np.unique(labels[photos]))} different classes: take "
        "one right prediction per class (one_per_class does that).",
    )
    wanted = {"act2": _grid(model, "act2"), "act3": _grid(model, "act3")}
    for name, given in (("act2", heatmaps_act2), ("act3", heatmaps_act3)):
        maps = np.asarray(given, dtype=float)
        other = "act3" if name == "act2" else "act2"
        require(
            maps.shape[1:] != wanted[other] or wanted[other] == wanted[name],
            f"`heatmaps_{name}` are on {other}'s {wanted[other][0]}x{wanted[other][1]} grid: "
            f'pass layer="{name}" to explain.grad_cam.',
        )
        require(
            maps.shape == (4, *wanted[name]),
            f"`heatmaps_{name}` should have shape (4, {wanted[name][0]}, {wanted[name][1]}): one "
            f"{name} heatmap per photo, not {maps.shape}.",
        )
        require(
            maps.min() >= -1e-6 and maps.max() <= 1 + 1e-6,
            f"`heatmaps_{name}` go from {maps.min():.3g} to {maps.max():.3g}: Grad-CAM heatmaps "
            "are in 0-1 (ReLU, then divided by their maximum).",
        )
        expected = explain.grad_cam(model, data.x_test[photos], guesses[photos], layer=name)
        require(
            np.abs(maps - expected).max() < 1e-3,
            f"`heatmaps_{name}` are not the Grad-CAM of the predicted class at {name}: use "
            "explain.grad_cam(model, data.x_test[four_photos], predicted[four_photos], "
            f'layer="{name}").',
        )
    return "act2 doubles the resolution; its channels are less specific to a class."


def _q2_context() -> dict:
    context = _common_context()
    model = _tiny_cnn()
    labels = np.repeat(np.arange(5), 2)
    predicted = labels.copy()
    predicted[[1, 3, 5, 7]] = [6, 7, 8, 9]  # four mistakes
    pictures = _tiny_pictures(len(labels))
    data = types.SimpleNamespace(x_test=pictures, y_test=labels)
    context.update(
        model=model,
        data=data,
        large=data,
        predicted=predicted,
        correct=np.flatnonzero(predicted == labels),
        wrong=np.flatnonzero(predicted != labels),
    )
    return context


_Q2_REFERENCE = """\
four_photos = one_per_class(correct, data.y_test, 4, seed=SEED + 2)  # four different classes
heatmaps_act3 = explain.grad_cam(
    model, data.x_test[four_photos], predicted[four_photos], layer="act3"
)
heatmaps_act2 = explain.grad_cam(
    model, data.x_test[four_photos], predicted[four_photos], layer="act2"
)
pictures, titles = [], []
for layer_name, heatmaps_of_layer in (("act3", heatmaps_act3), ("act2", heatmaps_act2)):
    for index, heat in zip(four_photos, heatmaps_of_layer, strict=True):
        pictures.append(plotting.overlay_heatmap(large.x_test[index], heat))
        titles.append(
            f"{class_names[data.y_test[index]]}, {layer_name} {heat.shape[0]}x{heat.shape[1]}"
        )
fig = plotting.show_images(pictures, titles, ncols=4, size=1.9, colour_bar=HEAT_LABEL)
# act2 gives twice the resolution, but it comes one block earlier: its channels see smaller
# windows and are less specific to a class, so its map tends to follow edges and colours.
"""

q2 = Exercise(
    lesson="07",
    key="q2",
    title="a sharper heatmap from act2",
    answers=("four_photos", "heatmaps_act2", "heatmaps_act3"),
    context=("model", "data", "predicted"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "Pick four right predictions of different classes: one_per_class(correct, data.y_test, "
        "4) returns their indices (`four_photos`).",
        "explain.grad_cam(model, images, classes, layer=...) takes the layer by name: once "
        'with layer="act3", once with layer="act2", both for the predicted classes '
        "predicted[four_photos].",
        "heatmaps_act2 = explain.grad_cam(model, data.x_test[four_photos], "
        'predicted[four_photos], layer="act2"), the same with "act3", then overlay each on '
        "large.x_test[index] with plotting.overlay_heatmap.",
    ),
    wrong_answers=(
        WrongAnswer(
            "act3 twice",
            _Q2_REFERENCE.replace(
                'predicted[four_photos], layer="act2"', 'predicted[four_photos], layer="act3"'
            ),
            expect='pass layer="act2"',
        ),
        WrongAnswer(
            "wrong predictions included",
            _Q2_REFERENCE.replace("one_per_class(correct,", "one_per_class(wrong,"),
            expect="wrong predictions",
        ),
        WrongAnswer(
            "four photos of one class",
            _Q2_REFERENCE.replace(
                "one_per_class(correct, data.y_test, 4, seed=SEED + 2)",
                "np.array([0, 0, 2, 2]); four_photos = four_photos[:4]",
            ),
            expect="different classes",
        ),
        WrongAnswer(
            "explained class 0",
            _Q2_REFERENCE.replace(
                'predicted[four_photos], layer="act2"', 'np.zeros(4, int), layer="act2"'
            ),
            expect="not the Grad-CAM of the predicted class",
        ),
    ),
    test_context=_q2_context,
)

# --------------------------------------------------------------------------- q3: true class


def _check_q3(compared_index, compared_classes, compared_heatmaps, model, hard, hard_probabilities):
    from course_utils import explain

    probabilities = np.asarray(hard_probabilities)
    labels = np.asarray(hard.y_test)
    guesses = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(guesses != labels)
    require(
        np.ndim(compared_index) == 0 and float(compared_index) == int(compared_index),
        "`compared_index` should be one index into the hard Test (a whole number).",
    )
    index = int(compared_index)
    require(0 <= index < len(labels), f"`compared_index` {index} is not a hard Test picture.")
    classes = tuple(int(c) for c in np.ravel(compared_classes))
    require(
        len(classes) == 2,
        "`compared_classes` should be two classes: (the predicted one, the true one).",
    )
    ranked = np.argsort(probabilities[index])[::-1]
    if len(wrong):
        require(
            index in set(wrong.tolist()),
            f"Picture {index} is a right prediction: take a mistake of the hard Test "
            "(`hard_wrong`).",
        )
        truth = probabilities[wrong, labels[wrong]]
        surest = int(wrong[np.argmax(probabilities[wrong].max(axis=1))])
        require(
            probabilities[index, labels[index]] >= truth.max() - 1e-6,
            (
                "That is the mistake the CNN is surest of; "
                if index == surest and surest != int(wrong[np.argmax(truth)])
                else f"Picture {index} is a mistake, but not the one to take; "
            )
            + "the exercise asks for the mistake that gives the TRUE class the highest "
            "probability: np.argmax(hard_probabilities[hard_wrong, hard.y_test[hard_wrong]]).",
        )
        expected = (int(guesses[index]), int(labels[index]))
        require(
            classes[1] != classes[0],
            "Both maps are for the same class: the first for the predicted class, the second "
            f"for the true class hard.y_test[{index}].",
        )
        require(
            not (classes[1] == int(ranked[1]) and classes[1] != expected[1]),
            "The second map is for the runner-up (the second most probable class), not the "
            f"true class: use hard.y_test[{index}].",
        )
        require(
            classes == expected,
            f"`compared_classes` should be (predicted, true) = {expected}, not {classes}.",
        )
    else:
        expected = (int(ranked[0]), int(ranked[1]))
        require(
            classes == expected,
            "No mistake in this run: explain the predicted class and the runner-up, the "
            f"picture's two most probable classes {expected}, not {classes}.",
        )
    grid = explain.grad_cam(model, hard.x_test[index : index + 1], expected[0])[0].shape
    maps = np.asarray(compared_heatmaps, dtype=float)
    require(
        maps.shape == (2, *grid),
        f"`compared_heatmaps` should hold the two heatmaps, shape (2, {grid[0]}, {grid[1]}), "
        f"not {maps.shape}: np.stack([for_first, for_second]).",
    )
    require(
        maps.min() >= -1e-6 and maps.max() <= 1 + 1e-6,
        f"`compared_heatmaps` go up to {maps.max():.3g}: a Grad-CAM heatmap is in 0 to 1 "
        "(divided by its maximum; overlay_heatmap needs nothing else).",
    )
    for k, which in enumerate(("first", "second")):
        cam = explain.grad_cam(model, hard.x_test[index : index + 1], expected[k])[0]
        require(
            np.abs(maps[k] - cam).max() < 1e-3,
            f"The {which} heatmap is not Grad-CAM for class {expected[k]} on picture {index}: "
            f"explain.grad_cam(model, hard.x_test[{index}], {expected[k]})[0].",
        )
    return "Two maps of one picture: where the evidence for each class sits."


def _hard_probabilities() -> tuple[np.ndarray, np.ndarray]:
    """Six made-up hard-Test answers (16 classes) whose choices tell the mistakes apart."""
    rows = [
        (0, {0: 0.9, 1: 0.1}),  # right
        (1, {2: 0.995, 3: 0.004, 1: 0.001}),  # the surest mistake; runner-up ~0%
        (3, {4: 0.5, 5: 0.3, 3: 0.2}),  # a mistake with the most belief in the truth
        (5, {5: 0.6, 6: 0.4}),  # right, with the strongest runner-up
        (6, {7: 0.85, 6: 0.15}),  # a mistake
        (8, {8: 0.7, 9: 0.2, 10: 0.1}),  # right
    ]
    probabilities = np.zeros((len(rows), 16))
    for row, (_, values) in enumerate(rows):
        for column, value in values.items():
            probabilities[row, column] = value
    return probabilities, np.array([label for label, _ in rows])


def _q3_context() -> dict:
    context = _common_context()
    probabilities, labels = _hard_probabilities()
    pictures = _tiny_pictures(len(labels), seed=5)
    hard = types.SimpleNamespace(x_test=pictures, y_test=labels)
    predicted = probabilities.argmax(axis=1)
    context.update(
        model=_tiny_cnn(),
        hard=hard,
        hard_probabilities=probabilities,
        hard_predicted=predicted,
        hard_right=np.flatnonzero(predicted == labels),
        hard_wrong=np.flatnonzero(predicted != labels),
        hard_shown=pictures.astype("float32"),
    )
    return context


_Q3_REFERENCE = """\
if len(hard_wrong):
    truth = hard_probabilities[hard_wrong, hard.y_test[hard_wrong]]
    compared_index = int(hard_wrong[np.argmax(truth)])  # the mistake with most belief in the truth
    compared_classes = (int(hard_predicted[compared_index]), int(hard.y_test[compared_index]))
    names = ["(predicted)", "(true)"]
else:
    compared_index = int(hard_right[0])
    ranked_classes = np.argsort(hard_probabilities[compared_index])[::-1]
    compared_classes = (int(ranked_classes[0]), int(ranked_classes[1]))
    names = ["(predicted)", "(runner-up)"]
compared_heatmaps = np.stack(
    [explain.grad_cam(model, hard.x_test[compared_index], c)[0] for c in compared_classes]
)
for c in compared_classes:
    print(f"p({class_names[c]}) = {hard_probabilities[compared_index, c]:.1%}")
fig = plotting.show_images(
    [
        hard_shown[compared_index],
        *(plotting.overlay_heatmap(hard_shown[compared_index], h) for h in compared_heatmaps),
    ],
    ["hard Test picture"]
    + [f"for {class_names[c]} {n}" for c, n in zip(compared_classes, names, strict=True)],
    ncols=3,
    size=2.2,
    colour_bar=HEAT_LABEL,
)
# A map that stays black means no evidence at all for that class (the ReLU removed it all).
# Where the two maps differ, the picture holds evidence for one class and not the other.
"""

q3 = Exercise(
    lesson="07",
    key="q3",
    title="evidence for the right answer",
    answers=("compared_index", "compared_classes", "compared_heatmaps"),
    context=("model", "hard", "hard_probabilities"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "Among the mistakes (hard_wrong), the probability the CNN gives the true class is "
        "hard_probabilities[hard_wrong, hard.y_test[hard_wrong]]; np.argmax of it picks the "
        "mistake (`compared_index` = hard_wrong[that]).",
        "Explain two classes of that one picture: compared_classes = (predicted, true) = "
        "(hard_predicted[i], hard.y_test[i]); explain.grad_cam(model, hard.x_test[i], c)[0] "
        "gives the heatmap of class c.",
        "compared_heatmaps = np.stack([explain.grad_cam(model, hard.x_test[compared_index], "
        "c)[0] for c in compared_classes]), then overlay each on hard_shown[compared_index].",
    ),
    wrong_answers=(
        WrongAnswer(
            "predicted class twice",
            _Q3_REFERENCE.replace(
                "int(hard.y_test[compared_index]))", "int(hard_predicted[compared_index]))"
            ),
            expect="same class",
        ),
        WrongAnswer(
            "runner-up instead of the true class",
            _Q3_REFERENCE.replace(
                "int(hard.y_test[compared_index]))",
                "int(np.argsort(hard_probabilities[compared_index])[-2]))",
            ),
            expect="runner-up",
        ),
        WrongAnswer(
            "the surest mistake",
            _Q3_REFERENCE.replace(
                "hard_wrong[np.argmax(truth)]",
                "hard_wrong[np.argmax(hard_probabilities[hard_wrong].max(axis=1))]",
            ),
            expect="surest",
        ),
        WrongAnswer(
            "heatmaps scaled to 0-255",
            _Q3_REFERENCE.replace(
                "\n)\nfor c in compared_classes:", "\n) * 255\nfor c in compared_classes:"
            ),
            expect="0 to 1",
        ),
    ),
    test_context=_q3_context,
)

# --------------------------------------------------------------------------- q4: dream a banana


def _centred_log_probabilities(model, images: np.ndarray) -> np.ndarray:
    """log p minus its mean over the classes: the class scores up to a shared constant."""
    probabilities = model.predict(images.astype("float32"), verbose=0)
    logs = np.log(np.clip(probabilities, 1e-30, 1.0))
    return logs - logs.mean(axis=1, keepdims=True)


def _check_q4(dreamed_banana, banana_probability, model, class_names):
    picture = np.asarray(dreamed_banana, dtype=float)
    if picture.ndim == 4 and picture.shape[0] == 1:
        picture = picture[0]
    height, width = (int(n) for n in model.input_shape[1:3])
    require(
        picture.shape != (3, height, width),
        f"`dreamed_banana` is channels first, {picture.shape}: Keras images are (height, width, "
        "channels). Keep the shape the model takes, (1, height, width, 3), and do not move "
        "the axes.",
    )
    require(
        picture.shape == (height, width, 3),
        f"`dreamed_banana` should be one picture of shape ({height}, {width}, 3), not "
        f"{picture.shape}.",
    )
    require(
        picture.min() >= -0.5 and picture.max() <= 255.5,
        f"`dreamed_banana` goes from {picture.min():.0f} to {picture.max():.0f}: clip every "
        "step to 0-255 (tf.clip_by_value), the range of the photos the CNN was trained on.",
    )
    require(
        picture.max() > 1.5,
        "Every value of `dreamed_banana` is within 0-1, but the CNN expects 0-255 pixels (its "
        "Rescaling layer divides by 255): start from grey 128 and clip to 0-255.",
    )
    target = list(class_names).index("Banana")
    grey = np.full((1, height, width, 3), 128.0)
    before, after = _centred_log_probabilities(model, np.stack([grey[0], picture]))
    rise = after - before
    require(
        rise[target] > 0,
        f"Banana's score went DOWN ({rise[target]:+.2f}) from the grey start: that is gradient "
        "descent. Step uphill: image + step * gradient.",
    )
    best = int(np.argmax(rise))
    require(
        best == target,
        f"The score that rose most is {class_names[best]}'s ({rise[best]:+.2f}), not "
        f'Banana\'s ({rise[target]:+.2f}): push up class_names.index("Banana").',
    )
    probability = float(model.predict(picture[None].astype("float32"), verbose=0)[0, target])
    require(
        np.ndim(banana_probability) == 0 and abs(float(banana_probability) - probability) < 0.02,
        f"`banana_probability` should be the CNN's probability of Banana for your picture, "
        f'{probability:.1%}: model.predict(...)[0, class_names.index("Banana")].',
    )
    return f"Banana's score rose by {rise[target]:.1f}; the CNN now says Banana {probability:.0%}."


def _q4_context() -> dict:
    from scipy import ndimage

    context = _common_context()
    labels = np.arange(16)
    pictures = _tiny_pictures(16, seed=8)
    context.update(
        model=_tiny_cnn(),
        large=types.SimpleNamespace(x_test=pictures, y_test=labels),
        IMAGE_SIZE=(16, 16),
        ASCENT_STEPS=12,
        ndimage=ndimage,
    )
    return context


_Q4_REFERENCE = """\
target = class_names.index("Banana")
dense = model.get_layer("probabilities")
scores_model = keras.Model(model.input, dense.input)  # the input of the last dense layer
dream = tf.Variable(np.full((1, *IMAGE_SIZE, 3), 128.0, dtype="float32"))
for step in range(ASCENT_STEPS):
    with tf.GradientTape() as tape:
        score = (scores_model(dream, training=False) @ dense.kernel + dense.bias)[0, target]
    gradient = tape.gradient(score, dream)
    updated = dream + 3.0 * gradient / (tf.math.reduce_std(gradient) + 1e-8)
    if step % 4 == 0:  # the same smoothing as for the filters
        updated = ndimage.gaussian_filter(updated.numpy(), sigma=(0, 0.8, 0.8, 0))
    dream.assign(tf.clip_by_value(updated, 0.0, 255.0))
dreamed_banana = dream.numpy()[0]
banana_probability = float(model.predict(dream.numpy(), verbose=0)[0, target])
banana = large.x_test[np.flatnonzero(large.y_test == target)[0]]
fig = plotting.show_images(
    [dreamed_banana, banana], [f"dreamed: Banana {banana_probability:.0%}", "a real one"], size=2.2
)
# The title gives the network's probability of Banana: when it is high, the network is
# sure it sees a banana, yet the picture is a pattern
# of the colours and edges it relies on, not the shape a person would draw.
"""

q4 = Exercise(
    lesson="07",
    key="q4",
    title="dream up a fruit",
    answers=("dreamed_banana", "banana_probability"),
    context=("model", "class_names"),
    checker=_check_q4,
    reference=_Q4_REFERENCE,
    hints=(
        "It is maximise_filters with another target: instead of a channel's mean activation, "
        "the Banana score, the last dense layer's output before the softmax "
        '(dense = model.get_layer("probabilities"); score = hidden @ dense.kernel + dense.bias).',
        "Start from a grey tf.Variable of shape (1, *IMAGE_SIZE, 3); in a GradientTape compute "
        "the score, take tape.gradient(score, picture), step uphill by 3 grey levels per "
        "pixel (normalise the gradient), blur every 4 steps and clip to 0-255.",
        "After the loop: dreamed_banana = dream.numpy()[0] and banana_probability = "
        "model.predict(dream.numpy(), verbose=0)[0, target].",
    ),
    wrong_answers=(
        WrongAnswer(
            "gradient descent",
            _Q4_REFERENCE.replace("dream + 3.0 * gradient", "dream - 3.0 * gradient"),
            expect="went down",
        ),
        WrongAnswer(
            "another class",
            _Q4_REFERENCE.replace(
                'target = class_names.index("Banana")', 'target = class_names.index("Kiwi")'
            ),
            expect="not Banana's",
        ),
        WrongAnswer(
            "channels first",
            _Q4_REFERENCE.replace(
                "dreamed_banana = dream.numpy()[0]",
                "dreamed_banana = np.moveaxis(dream.numpy()[0], -1, 0)",
            ).replace("[dreamed_banana, banana]", "[dream.numpy()[0], banana]"),
            expect="channels first",
        ),
        WrongAnswer(
            "pixels kept in 0-1",
            _Q4_REFERENCE.replace(
                "tf.clip_by_value(updated, 0.0, 255.0)", "tf.clip_by_value(updated, 0.0, 1.0)"
            ),
            expect="expects 0-255",
        ),
    ),
    test_context=_q4_context,
)

# --------------------------------------------------------------------------- concept questions

sanity_check = Question(
    "07",
    "sanity-check",
    "The sanity check compares Grad-CAM of the trained CNN with Grad-CAM of the same "
    "architecture with random weights. What does it test?",
    [
        Option(
            "Whether the heatmap depends on what the network learned: if the untrained "
            "network's maps look the same, the maps show the photo, not the training",
            "Right: a map that survives the loss of everything learned cannot explain what "
            "was learned (Adebayo et al., 2018).",
            correct=True,
        ),
        Option(
            "Whether the trained network is more accurate than a random one",
            "Accuracy is measured by evaluate(); the check compares explanations, not scores. "
            "A network can be accurate and still have explanations that ignore its weights.",
        ),
        Option(
            "Whether Grad-CAM's code has a bug, by comparing with explain.grad_cam",
            "That was the comparison with grad_cam_by_hand (same network, two codes); the "
            "sanity check keeps the code and changes the network.",
        ),
        Option(
            "Whether the heat sits on the fruit rather than on the background",
            "That is the heat-on-the-fruit measurement with the masks; an untrained network "
            "can put heat on the fruit too, because random filters react to strong edges.",
        ),
    ],
)

global_average_pooling = Question(
    "07",
    "gap-output",
    "At 64x64 pixels VGG16's last feature maps have shape (2, 2, 512). What does "
    "GlobalAveragePooling2D give for one photo?",
    [
        Option(
            "512 numbers: the mean of each channel over its 2x2 pixels",
            "Right: one number per channel, 'how much of this pattern', whatever the height "
            "and width of the maps.",
            correct=True,
        ),
        Option(
            "2,048 numbers: all 2 x 2 x 512 values in a row",
            "That is Flatten: it keeps every value and its position. The pooling averages the "
            "positions away.",
        ),
        Option(
            "A 2x2 map: the mean over the 512 channels at each pixel",
            "It averages over the pixels, not over the channels: the channels (the patterns) "
            "are what the head needs to tell apart.",
        ),
        Option(
            "One number: the mean of the whole feature map",
            "That would throw away which pattern was found; the pooling keeps one mean per "
            "channel.",
        ),
    ],
)

bright_borders = Question(
    "07",
    "bright-borders",
    "Many act1 channels draw a bright or dark frame around the picture, though the photo has "
    "no frame. Why?",
    [
        Option(
            'padding="same" adds a ring of zeros around each input; next to the white '
            "background (1.0 after Rescaling) the zeros look like a black edge, and edge "
            "filters answer along it",
            "Right: a padding artefact. Harmless for a centred fruit, but remember it when a "
            "heatmap lights up along the border.",
            correct=True,
        ),
        Option(
            "The Fruits-360 photos have a thin dark border",
            "The photos are white up to the edge; the frame appears in the feature maps only, "
            "where the convolution reads the zeros of its padding.",
        ),
        Option(
            "Max pooling keeps the largest values, which are at the border",
            "Pooling keeps the strongest answer of each window wherever it is; the frame is "
            "already in act1, before the first pooling.",
        ),
        Option(
            "The network learned that fruits are in the middle of the picture",
            "A 3x3 filter cannot know where it is in the picture; it answers to what is in "
            "its window, and at the border that window holds padding zeros.",
        ),
    ],
)

quiz = Quiz("07", [bright_borders, sanity_check, global_average_pooling])
