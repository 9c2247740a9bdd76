"""Checks and concept questions of lesson 08, "explaining predictions with LIME".

Three exercises, checked from the notebook with ``lesson08.q1.check()`` ... ``q3``: the
first photo explained with a black hide colour (``black_explanation``); the hard-Test
picture with the strongest runner-up, explained for both classes (``contested_index``,
``contested_classes``, ``contested_explanation``); and the mistake the CNN is surest of,
explained by LIME and Grad-CAM (``worst_index``, ``worst_explanation``, ``worst_cam``).
The concept questions are ``lesson08.quiz``. Keras is imported only by the checks that
need it.
"""

from __future__ import annotations

import types

import numpy as np

from course_utils.checks.exercise import Exercise, WrongAnswer, require
from course_utils.checks.lesson07 import _hard_probabilities, _tiny_cnn, _tiny_pictures
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- the lesson's tools


def _tiny_context() -> dict:
    """The lesson's names on a tiny CNN (16x16) and 32x32 pictures (self-test, no download)."""
    import tensorflow as tf
    from scipy.stats import spearmanr

    from course_utils import WORKSHOP_CLASSES, explain, plotting

    model = _tiny_cnn()
    predict = explain.lime_predict_fn(model, (16, 16))
    segmentation = explain.segmenter(8)
    explain_size = (32, 32)

    def explain_lime(picture, guess, hide=255, segmentation_fn=None, seed=42, **options):
        return explain.explain_with_lime(
            picture,
            predict,
            segmentation_fn=segmentation_fn or segmentation,
            num_samples=options.pop("num_samples", 40),
            labels=options.pop("labels", [int(guess)]),
            seed=seed,
            hide_color=hide,
            progress=False,
            **options,
        )

    def enlarge(images, size=explain_size):
        resized = tf.image.resize(np.asarray(images, dtype="float32"), size)
        return np.clip(resized.numpy() + 0.5, 0, 255).astype("uint8")

    image = enlarge(_tiny_pictures(1, seed=11))[0]
    label = int(predict(image[None])[0].argmax())
    probabilities, labels = _hard_probabilities()
    hard = types.SimpleNamespace(x_test=_tiny_pictures(len(labels), seed=5), y_test=labels)
    predicted = probabilities.argmax(axis=1)
    return {
        "np": np,
        "explain": explain,
        "plotting": plotting,
        "spearmanr": spearmanr,
        "class_names": list(WORKSHOP_CLASSES),
        "model": model,
        "predict": predict,
        "segmentation": segmentation,
        "explain_lime": explain_lime,
        "enlarge": enlarge,
        "EXPLAIN_SIZE": explain_size,
        "HIDE_COLOR": 255,
        "HARD_HIDE": 128,
        "image": image,
        "label": label,
        "explanation": explain_lime(image, label),
        "hard": hard,
        "hard_probabilities": probabilities,
        "hard_predicted": predicted,
        "hard_wrong": np.flatnonzero(predicted != labels),
    }


def _require_explanation(value, name: str) -> None:
    require(
        hasattr(value, "local_exp") and hasattr(value, "segments"),
        f"`{name}` should be what explain_lime returns (a LIME explanation), not a "
        f"{type(value).__name__}.",
    )


def _same_weights(one, other, label) -> bool:
    from course_utils import explain

    a, b = explain.lime_weights(one, label), explain.lime_weights(other, label)
    return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-6))


# --------------------------------------------------------------------------- q1: black hide colour


def _check_q1(black_explanation, explanation, image, label, explain_lime):
    _require_explanation(black_explanation, "black_explanation")
    require(
        np.shape(black_explanation.image) == np.shape(image)
        and np.array_equal(black_explanation.image, image),
        "`black_explanation` explains another picture: explain the lesson's first photo, `image`.",
    )
    require(
        int(label) in black_explanation.local_exp,
        f"`black_explanation` explains class(es) {sorted(black_explanation.local_exp)}, not "
        f"the predicted class `label` ({int(label)}).",
    )
    require(
        np.array_equal(black_explanation.segments, explanation.segments),
        "`black_explanation` has other superpixels than the white explanation: keep the "
        "lesson's segmentation (explain_lime uses it), so that only the hide colour changes.",
    )
    require(
        not _same_weights(black_explanation, explanation, label),
        "These weights are the white explanation's: the hide colour equals the background "
        "(white, 255), which changes nothing on these photos. Pass hide=0 (black).",
    )
    if _same_weights(black_explanation, explain_lime(image, label, hide=0), label):
        return "Black patches are new, strong edges and dark colours the CNN never saw."
    require(
        not _same_weights(black_explanation, explain_lime(image, label, hide=None), label),
        "That is LIME's default, the mean colour of each superpixel (hide=None), not black: "
        "pass hide=0.",
    )
    require(
        False,
        "`black_explanation` does not match explain_lime(image, label, hide=0): use the "
        "lesson's function with its seed and number of samples, and hide=0 for black.",
    )


_Q1_REFERENCE = """\
black_explanation = explain_lime(image, label, hide=0)
print(f"R^2 white {explanation.score:.2f}, black {black_explanation.score:.2f}")
fig = plotting.show_images(
    [
        explain.render_lime(image, explain.lime_mask(found, label, 5))
        for found in (explanation, black_explanation)
    ],
    ["hidden = white", "hidden = black"],
    ncols=2,
    size=2.5,
)
# Black patches on a white background are strong new edges and dark colours the model never
# saw in training, so the answers (and the explanation) can change a lot. Which hide colour
# is right depends on what "absent" means for your photos.
"""

q1 = Exercise(
    lesson="08",
    key="q1",
    title="a black hide colour",
    answers=("black_explanation",),
    context=("explanation", "image", "label", "explain_lime"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "The lesson's explain_lime(picture, guess, hide=...) explains with its superpixels, "
        "seed and samples; only the hide colour should change.",
        "Black is 0 (white is 255, HIDE_COLOR; None means each superpixel's mean colour).",
        "black_explanation = explain_lime(image, label, hide=0); compare black_explanation."
        "score with explanation.score and their top 5 (explain.lime_mask(..., label, 5)).",
    ),
    wrong_answers=(
        WrongAnswer(
            "white again",
            _Q1_REFERENCE.replace("hide=0)", "hide=HIDE_COLOR)"),
            expect="equals the background",
        ),
        WrongAnswer(
            "mean colour",
            _Q1_REFERENCE.replace("hide=0)", "hide=None)"),
            expect="mean colour",
        ),
        WrongAnswer(
            "other superpixels",
            _Q1_REFERENCE.replace("hide=0)", "hide=0, segmentation_fn=explain.segmenter(3))"),
            expect="other superpixels",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q2: the runner-up


def _check_q2(
    contested_index, contested_classes, contested_explanation, hard_probabilities, EXPLAIN_SIZE
):
    probabilities = np.asarray(hard_probabilities)
    require(
        np.ndim(contested_index) == 0 and float(contested_index) == int(contested_index),
        "`contested_index` should be one index into the hard Test (a whole number).",
    )
    index = int(contested_index)
    require(
        0 <= index < len(probabilities), f"`contested_index` {index} is not a hard Test picture."
    )
    classes = tuple(int(c) for c in np.ravel(contested_classes))
    require(len(classes) == 2, "`contested_classes` should be two classes: (first, second).")
    first, second = classes
    require(first != second, "`contested_classes` names the same class twice.")
    ranked = np.argsort(probabilities, axis=1)[:, ::-1]
    p_second = probabilities[index, second]
    require(
        p_second >= 0.01,
        f"The second class has a probability of about 0% ({p_second:.1%}) for this picture: "
        "no superpixel can lower it, so its explanation is noise. Take the second MOST "
        "probable class, np.argsort(hard_probabilities, axis=1)[:, ::-1][:, 1], and the "
        "picture where it is largest.",
    )
    require(
        classes == (int(ranked[index, 0]), int(ranked[index, 1])),
        f"`contested_classes` should be this picture's two most probable classes, "
        f"{(int(ranked[index, 0]), int(ranked[index, 1]))} (first, second), not {classes}.",
    )
    runner_up = probabilities[np.arange(len(probabilities)), ranked[:, 1]]
    require(
        runner_up[index] >= runner_up.max() - 1e-6,
        f"Picture {index}'s runner-up has {runner_up[index]:.1%}, but another picture's has "
        f"{runner_up.max():.1%}: take np.argmax of the runner-up probabilities.",
    )
    _require_explanation(contested_explanation, "contested_explanation")
    missing = [c for c in classes if c not in contested_explanation.local_exp]
    require(
        not missing,
        f"`contested_explanation` has no weights for class(es) {missing}: explain both classes "
        "in one run, labels=[first, second].",
    )
    require(
        tuple(np.shape(contested_explanation.image)[:2]) == tuple(EXPLAIN_SIZE),
        f"`contested_explanation` explains a {np.shape(contested_explanation.image)[:2]} "
        f"picture: explain it enlarged to {tuple(EXPLAIN_SIZE)} (enlarge(...)), where the "
        "superpixels are large enough.",
    )
    return "Both classes explained on the same superpixels: compare their weights."


_Q2_REFERENCE = """\
ranked = np.argsort(hard_probabilities, axis=1)[:, ::-1]
runner_up = hard_probabilities[np.arange(len(ranked)), ranked[:, 1]]
contested_index = int(np.argmax(runner_up))  # the picture with the strongest runner-up
contested_classes = (int(ranked[contested_index, 0]), int(ranked[contested_index, 1]))
first, second = contested_classes
picture = enlarge(hard.x_test[contested_index : contested_index + 1])[0]
contested_explanation = explain_lime(picture, first, hide=HARD_HIDE, labels=[first, second])
for_first = explain.lime_weights(contested_explanation, first)
for_second = explain.lime_weights(contested_explanation, second)
mirror = spearmanr(for_first, for_second).statistic
against_first = set(np.argsort(for_first)[:5])  # the 5 most negative for the first class
shared = len(against_first & set(np.argsort(-for_second)[:5]))
p_first = hard_probabilities[contested_index, first]
p_second = hard_probabilities[contested_index, second]
print(f"p({class_names[first]}) = {p_first:.1%}, p({class_names[second]}) = {p_second:.1%}")
print(
    f"rank correlation of the two classes' weights: {mirror:.2f}; the 5 superpixels most "
    f"against {class_names[first]} and the 5 most for {class_names[second]} share {shared}"
)
fig = plotting.show_images(
    [
        explain.render_lime(
            picture, explain.lime_mask(contested_explanation, c, 8, positive_only=False)
        )
        for c in contested_classes
    ],
    [f"{class_names[first]} ({p_first:.0%})", f"{class_names[second]} ({p_second:.0%})"],
    ncols=2,
    size=2.5,
)
# Read the printed line: a negative correlation and several shared superpixels mean the two
# classes compete for the same regions (what raises one lowers the other). A correlation
# near zero means each class has evidence of its own, in different places.
"""

q2 = Exercise(
    lesson="08",
    key="q2",
    title="evidence for another class",
    answers=("contested_index", "contested_classes", "contested_explanation"),
    context=("hard_probabilities", "EXPLAIN_SIZE"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "Sort each row of hard_probabilities from most to least probable: "
        "np.argsort(hard_probabilities, axis=1)[:, ::-1]; column 1 is the runner-up.",
        "The runner-up's probability per picture is hard_probabilities[np.arange(n), "
        "ranked[:, 1]]; np.argmax of it is `contested_index`, and contested_classes = "
        "(ranked[i, 0], ranked[i, 1]).",
        "contested_explanation = explain_lime(enlarge(hard.x_test[i : i + 1])[0], first, "
        "hide=HARD_HIDE, labels=[first, second]); then compare explain.lime_weights(..., first) "
        "with explain.lime_weights(..., second).",
    ),
    wrong_answers=(
        WrongAnswer(
            "the surest picture",
            _Q2_REFERENCE.replace(
                "int(np.argmax(runner_up))", "int(np.argmax(hard_probabilities.max(axis=1)))"
            ),
            expect="about 0%",
        ),
        WrongAnswer(
            "ascending order",
            _Q2_REFERENCE.replace(
                "np.argsort(hard_probabilities, axis=1)[:, ::-1]",
                "np.argsort(hard_probabilities, axis=1)",
            ),
            expect="about 0%",
        ),
        WrongAnswer(
            "one class explained",
            _Q2_REFERENCE.replace(", labels=[first, second])", ")")
            .replace(
                "for_second = explain.lime_weights(contested_explanation, second)",
                "for_second = explain.lime_weights(contested_explanation, first)",
            )
            .replace(
                "explain.lime_mask(contested_explanation, c, 8",
                "explain.lime_mask(contested_explanation, first, 8",
            ),
            expect="explain both classes",
        ),
        WrongAnswer(
            "not enlarged",
            _Q2_REFERENCE.replace(
                "enlarge(hard.x_test[contested_index : contested_index + 1])[0]",
                "hard.x_test[contested_index]",
            ),
            expect="enlarged",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q3: a mistake


def _check_q3(worst_index, worst_explanation, worst_cam, model, hard, hard_probabilities):
    from course_utils import explain

    probabilities = np.asarray(hard_probabilities)
    labels = np.asarray(hard.y_test)
    guesses = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(guesses != labels)
    require(
        np.ndim(worst_index) == 0 and float(worst_index) == int(worst_index),
        "`worst_index` should be one index into the hard Test (a whole number).",
    )
    index = int(worst_index)
    require(0 <= index < len(labels), f"`worst_index` {index} is not a hard Test picture.")
    if len(wrong):
        require(
            index in set(wrong.tolist()),
            f"Picture {index} is a right prediction: take a mistake (`hard_wrong`).",
        )
        surest = int(wrong[np.argmax(probabilities[wrong].max(axis=1))])
        require(
            probabilities[index].max() >= probabilities[surest].max() - 1e-6,
            f"The CNN gives picture {index}'s wrong class {probabilities[index].max():.0%}; the "
            f"mistake it is surest of gets {probabilities[surest].max():.0%}: "
            "np.argmax(hard_probabilities[hard_wrong].max(axis=1)).",
        )
    else:
        require(
            probabilities[index].max() <= probabilities.max(axis=1).min() + 1e-6,
            "No mistake in this run: take the least sure right answer, "
            "np.argmin(hard_probabilities.max(axis=1)).",
        )
    guess, truth = int(guesses[index]), int(labels[index])
    _require_explanation(worst_explanation, "worst_explanation")
    require(
        guess in worst_explanation.local_exp,
        f"`worst_explanation` explains class(es) {sorted(worst_explanation.local_exp)}"
        + (" (the true class)" if truth in worst_explanation.local_exp else "")
        + f"; the exercise asks what speaks for the mistake: explain the predicted class {guess}.",
    )
    cam = explain.grad_cam(model, hard.x_test[index : index + 1], guess)[0]
    given = np.asarray(worst_cam, dtype=float)
    require(
        given.shape == cam.shape,
        f"`worst_cam` should be one Grad-CAM heatmap of shape {cam.shape}, not {given.shape}.",
    )
    if np.abs(given - cam).max() >= 1e-3:
        true_cam = explain.grad_cam(model, hard.x_test[index : index + 1], truth)[0]
        require(
            np.abs(given - true_cam).max() >= 1e-3,
            "`worst_cam` is Grad-CAM for the true class; LIME explains the predicted class, so "
            f"compare it with Grad-CAM for the predicted class {guess}.",
        )
        require(
            False,
            f"`worst_cam` is not explain.grad_cam(model, hard.x_test[{index}], {guess})[0].",
        )
    return "LIME and Grad-CAM on the same mistake: compare where they point."


_Q3_REFERENCE = """\
if len(hard_wrong):
    worst_index = int(hard_wrong[np.argmax(hard_probabilities[hard_wrong].max(axis=1))])
else:  # no mistake in this run: the least sure right answer instead
    worst_index = int(np.argmin(hard_probabilities.max(axis=1)))
guess = int(hard_predicted[worst_index])
picture = enlarge(hard.x_test[worst_index : worst_index + 1])[0]
worst_explanation = explain_lime(picture, guess, hide=HARD_HIDE)
worst_cam = explain.grad_cam(model, hard.x_test[worst_index], guess)[0]
rho = spearmanr(
    explain.lime_weights(worst_explanation, guess),
    explain.heatmap_per_superpixel(worst_cam, worst_explanation.segments),
).statistic
truth = class_names[hard.y_test[worst_index]]
print(
    f"true {truth}, predicted {class_names[guess]} "
    f"({hard_probabilities[worst_index, guess]:.0%}); LIME vs Grad-CAM rank correlation {rho:.2f}"
)
fig = plotting.show_images(
    [
        picture,
        plotting.overlay_heatmap(picture, worst_cam),
        explain.render_lime(picture, explain.lime_mask(worst_explanation, guess, 5)),
    ],
    [f"true: {truth}", f"Grad-CAM: {class_names[guess]}", "LIME top 5"],
    ncols=3,
    size=2.3,
    colour_bar="Grad-CAM (0 to 1)",
)
"""

q3 = Exercise(
    lesson="08",
    key="q3",
    title="a wrong prediction, explained twice",
    answers=("worst_index", "worst_explanation", "worst_cam"),
    context=("model", "hard", "hard_probabilities"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "The mistakes are hard_wrong; how sure the CNN is of each is its largest probability, "
        "hard_probabilities[hard_wrong].max(axis=1). np.argmax picks the surest mistake.",
        "Explain the PREDICTED class (hard_predicted[worst_index]) with both methods: "
        "explain_lime on the enlarged picture (hide=HARD_HIDE), explain.grad_cam on the 32x32 "
        "one.",
        "worst_explanation = explain_lime(enlarge(hard.x_test[i : i + 1])[0], guess, "
        "hide=HARD_HIDE); worst_cam = explain.grad_cam(model, hard.x_test[i], guess)[0]; "
        "compare them with explain.heatmap_per_superpixel(worst_cam, worst_explanation.segments).",
    ),
    wrong_answers=(
        WrongAnswer(
            "the least sure mistake",
            _Q3_REFERENCE.replace(
                "hard_wrong[np.argmax(hard_probabilities[hard_wrong].max(axis=1))]",
                "hard_wrong[np.argmin(hard_probabilities[hard_wrong].max(axis=1))]",
            ),
            expect="surest",
        ),
        WrongAnswer(
            "Grad-CAM for the true class",
            _Q3_REFERENCE.replace(
                "explain.grad_cam(model, hard.x_test[worst_index], guess)",
                "explain.grad_cam(model, hard.x_test[worst_index], hard.y_test[worst_index])",
            ),
            expect="for the true class",
        ),
        WrongAnswer(
            "LIME for the true class",
            _Q3_REFERENCE.replace(
                "explain_lime(picture, guess, hide=HARD_HIDE)",
                "explain_lime(picture, hard.y_test[worst_index], hide=HARD_HIDE)",
            )
            .replace("lime_weights(worst_explanation, guess)", "lime_weights(worst_explanation)")
            .replace(
                "lime_mask(worst_explanation, guess, 5)", "lime_mask(worst_explanation, None, 5)"
            ),
            expect="explain the predicted class",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- concept questions

superpixel = Question(
    "08",
    "superpixel",
    "What is a superpixel, in LIME's sense?",
    [
        Option(
            "A group of neighbouring pixels of similar colour (SLIC here), switched on or off "
            "as one piece",
            "Right: LIME asks about a few dozen such regions instead of 10,000 single pixels, "
            "so a few hundred questions are enough.",
            correct=True,
        ),
        Option(
            "One pixel of a higher-resolution photo",
            "A superpixel is bigger than a pixel, not sharper: many neighbouring pixels of one "
            "photo, grouped by colour and position.",
        ),
        Option(
            "A square tile of a fixed grid",
            "SLIC starts from a grid of seeds but grows each into a region that follows colour "
            "edges, such as the fruit's outline; the regions are not squares.",
        ),
        Option(
            "One channel of a feature map",
            "That is what Grad-CAM works with, inside the network; LIME only sees the photo "
            "and cuts it into regions.",
        ),
    ],
)

surrogate_fit = Question(
    "08",
    "surrogate-fit",
    "LIME's local linear model (the surrogate) is fitted on what?",
    [
        Option(
            "On the 0/1 patterns of kept superpixels of the perturbed copies, against the "
            "model's probability of the class for each copy, weighted by closeness to the "
            "original photo",
            "Right: one row per perturbed copy, one column per superpixel; the weights say "
            "how much keeping each superpixel adds to the probability near this photo.",
            correct=True,
        ),
        Option(
            "On the pixels of the training photos and their labels",
            "LIME never sees the training set: it explains one prediction by asking the "
            "trained model about copies of one photo.",
        ),
        Option(
            "On the network's weights and gradients",
            "That is Grad-CAM's material. LIME treats the model as a black box: only its "
            "answers to the perturbed copies count.",
        ),
        Option(
            "On the true labels of the perturbed copies",
            "The copies have no true labels; the target is what the model says about each "
            "copy, because LIME explains the model, not the data.",
        ),
    ],
)

low_r2 = Question(
    "08",
    "low-r2",
    "An explanation has R² = 0.15. What does that tell you?",
    [
        Option(
            "The linear surrogate reproduces little of the model's answers near this photo: "
            "the model is far from additive in these superpixels, so read the weights with "
            "care",
            "Right: R² measures the surrogate, not the model. The weights still rank the "
            "superpixels, but they summarise the model's behaviour poorly here.",
            correct=True,
        ),
        Option(
            "The model's prediction is wrong",
            "R² says nothing about right or wrong: a right prediction can have a poor "
            "surrogate and a mistake a good one.",
        ),
        Option(
            "The model is only 15% sure of its class",
            "That would be the probability; R² is the share of the variation of the model's "
            "answers over the perturbed copies that the linear model explains.",
        ),
        Option(
            "Only 15% of the superpixels matter",
            "R² is one number for the whole fit, not a count of superpixels; which ones "
            "matter is what the weights say.",
        ),
    ],
)

deletion_test = Question(
    "08",
    "deletion-test",
    "What does the deletion test measure?",
    [
        Option(
            "Whether hiding the superpixels in LIME's order (largest weight first) lowers the "
            "probability faster than hiding them in a random order: is the explanation "
            "faithful to the model?",
            "Right: it tests the explanation's claim against the model itself, at the cost of "
            "one prediction per step.",
            correct=True,
        ),
        Option(
            "How accurate the model is once the background is deleted",
            "It follows one photo and one class, and hides superpixels in a given order; it "
            "is not an accuracy over a test set.",
        ),
        Option(
            "How many superpixels can be deleted before LIME gives up",
            "LIME does not run during the test; the model is asked about copies with more "
            "and more superpixels hidden.",
        ),
        Option(
            "Whether two runs of LIME with different seeds agree",
            "That is the cost-and-trust study (top-5 overlap, rank correlation); the deletion "
            "test checks one explanation against the model.",
        ),
    ],
)

quiz = Quiz("08", [superpixel, surrogate_fit, low_r2, deletion_test])
