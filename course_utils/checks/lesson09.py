"""Checks and concept questions of lesson 09, "your own image classifier".

Three exercises, checked from the notebook with ``lesson09.q1.check()`` ... ``q3``: a third
base, EfficientNetB0, with its head and validation accuracy (``efficient_model``,
``efficient_accuracy``); how often a plain random split leaks near-duplicates, for seeds
0 to 19 (``leaks``); and near-duplicate groups at three thresholds (``group_counts``).
The lesson's concept questions are ``lesson09.quiz``. Keras is imported only by the
checks that need it.
"""

from __future__ import annotations

import time
import types
from pathlib import Path

import numpy as np

from course_utils.checks import keras_mistakes as km
from course_utils.checks import selftest
from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- the lesson's tools
# Small copies of the functions the lesson defines, for the self-tests' contexts.


def _pooled_features(base_model, images):
    maps = base_model.predict(images.astype("float32"), batch_size=32, verbose=0)
    return maps.mean(axis=(1, 2))


def _train_head(features, labels, num_classes, *, epochs: int = 5):
    import keras
    from keras import layers

    head = layers.Dense(num_classes, activation="softmax", name="photo_probabilities")
    trainer = keras.Sequential([keras.Input(features.shape[1:]), head])
    trainer.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    trainer.fit(features, labels, epochs=epochs, batch_size=32, verbose=0)
    return head


def _tiny_photos(side: int = 32, per_class: int = 4):
    """Four classes of ``side`` x ``side`` pictures, each class its own colour (a FruitsData)."""

    rng = np.random.default_rng(9)
    colours = rng.integers(0, 256, size=(4, 3))
    splits = {}
    # Unbalanced training photos, balanced validation and test: accuracies on train and on
    # validation differ even for a model that always says the same class.
    counts = {"train": (per_class + 2, per_class, per_class, per_class), "val": (2,) * 4}
    counts["test"] = (2,) * 4
    for split, count in counts.items():
        labels = np.repeat(np.arange(4), count)
        splits[split] = (selftest.coloured_noise(rng, labels, colours, side), labels)
    classes = ["Banana", "Kiwi", "Lemon", "Raspberry"]
    return selftest.tiny_fruits_data(classes, splits, name="tiny-photos", side=side)


def _tiny_keras_context() -> dict:
    from course_utils import cpu_bases, models

    data = _tiny_photos()
    # Random weights on purpose: the self-test must not download or touch the Keras cache.
    offline_bases = types.SimpleNamespace(
        load_base=lambda name, size: cpu_bases.load_base(name, size, weights=None)
    )
    return {
        "np": np,
        "time": time,
        "data": data,
        "class_names": list(data.class_names),
        "IMAGE_SIZE": data.image_size[0],
        "cpu_bases": offline_bases,
        "models": models,
        "pooled_features": _pooled_features,
        "train_head": _train_head,
    }


# --------------------------------------------------------------------------- q1: EfficientNetB0


def _nested_models(model) -> list:
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.append(layer)
            found.extend(_nested_models(layer))
    return found


def _check_q1(efficient_model, efficient_accuracy, data, class_names):
    import keras
    from keras import layers

    require(
        isinstance(efficient_model, keras.Model),
        "`efficient_model` should be a Keras model: the EfficientNetB0 base with its new head "
        "(models.build_transfer_model(efficient.model, len(class_names), head=...)).",
    )
    bases = [m for m in _nested_models(efficient_model) if m.name.startswith("efficientnet")]
    if not bases:
        names = ", ".join(m.name for m in _nested_models(efficient_model)) or "none"
        require(
            False,
            f"`efficient_model` has no EfficientNetB0 inside (its inner models: {names}). Build "
            'it on cpu_bases.load_base("efficientnetb0", IMAGE_SIZE).model, not on the base '
            "of the comparison above.",
        )
    base = bases[0]
    reject(
        km.wrong_number_of_classes(efficient_model, len(class_names)),
        km.base_left_trainable(efficient_model, base),
    )
    top = [layer for layer in efficient_model.layers if isinstance(layer, keras.Model)]
    before = efficient_model.layers[: efficient_model.layers.index(top[0])] if top else []
    changing = [
        layer.name
        for layer in before
        if not isinstance(layer, keras.layers.InputLayer)
        and (layer.weights or isinstance(layer, layers.Rescaling | layers.Normalization))
    ]
    require(
        not changing,
        f"Your model changes the pixels before EfficientNetB0 ({', '.join(changing)}), but "
        "EfficientNetB0 scales 0-255 pixels itself (its preprocess_input does nothing), so "
        "they are scaled twice. Give the base the pixels as they are, 0-255.",
    )
    head = km.output_layer(efficient_model)
    weights = head.get_weights()
    require(
        len(weights) == 2 and np.any(weights[1] != 0),
        "The head has not been trained: its biases are all still 0. Train it on the "
        "EfficientNetB0 features of the training photos (train_head(features, data.y_train, "
        "len(class_names))) before you build the model.",
    )
    require(
        isinstance(efficient_accuracy, float | int | np.floating)
        and 0 <= float(efficient_accuracy) <= 1,
        "`efficient_accuracy` should be one number between 0 and 1: the fraction of "
        "validation photos the model classifies right.",
    )
    measured = {
        split: km.accuracy_of(efficient_model, images, labels)
        for split, images, labels in (
            ("validation", data.x_val, data.y_val),
            ("training", data.x_train, data.y_train),
            ("test", data.x_test, data.y_test),
        )
    }
    got = float(efficient_accuracy)
    if abs(got - measured["validation"]) > 1e-6:
        reject(
            "Your accuracy is the model's accuracy on the training photos: it classifies "
            "the photos its head was trained on, which says little about new photos. Measure "
            "it on data.x_val and data.y_val."
            if abs(got - measured["training"]) <= 1e-6
            else None,
            "Your accuracy is the model's accuracy on the test photos: the test is looked at "
            "once, at the end; bases are compared on validation (data.x_val, data.y_val)."
            if abs(got - measured["test"]) <= 1e-6
            else None,
        )
        require(
            False,
            f"`efficient_accuracy` is {got:.3f}, but `efficient_model` classifies "
            f"{measured['validation']:.1%} of the validation photos right: compute it with "
            "np.mean(efficient_model.predict(data.x_val, verbose=0).argmax(1) == data.y_val).",
        )
    return f"EfficientNetB0 with its own head: {got:.0%} on validation."


_Q1_REFERENCE = """\
efficient = cpu_bases.load_base("efficientnetb0", IMAGE_SIZE)  # 16 MB of weights
start = time.perf_counter()
efficient_features = pooled_features(efficient.model, data.x_train)
seconds = time.perf_counter() - start
efficient_head = train_head(efficient_features, data.y_train, len(class_names))
efficient_model = models.build_transfer_model(
    efficient.model, len(class_names), head=efficient_head
)
efficient_accuracy = float(
    np.mean(efficient_model.predict(data.x_val, verbose=0).argmax(1) == data.y_val)
)
state = "ImageNet" if efficient.has_imagenet_weights else "RANDOM"
print(
    f"EfficientNetB0 ({state} weights): validation {efficient_accuracy:.0%}, training photos' "
    f"features {seconds:.1f} s, {efficient_model.count_params() / 1e6:.1f} M parameters"
)
"""


def _q1_built(ctx, *, classes=None, trainable=False, rescale=False, train=True, base="b0"):
    """A q1 answer built from the reference's steps, with one step changed."""
    import keras
    from keras import layers

    from course_utils import cpu_bases, models

    data, names = ctx["data"], ctx["class_names"]
    side = data.image_size[0]
    name = "efficientnetb0" if base == "b0" else "mobilenetv3small"
    loaded = cpu_bases.load_base(name, side, weights=None)
    count = len(names) if classes is None else classes
    if train:
        features = _pooled_features(loaded.model, data.x_train)
        labels = data.y_train % count
        head = _train_head(features, labels, count)
    else:
        head = layers.Dense(count, activation="softmax")
    if rescale:
        loaded.model.trainable = False
        inputs = keras.Input((side, side, 3))
        pooled = layers.GlobalAveragePooling2D()(
            loaded.model(layers.Rescaling(1 / 255)(inputs), training=False)
        )
        model = keras.Model(inputs, head(pooled))
    else:
        model = models.build_transfer_model(loaded.model, count, head=head)
    if trainable:
        loaded.model.trainable = True
    accuracy = km.accuracy_of(model, data.x_val, data.y_val)
    return {"efficient_model": model, "efficient_accuracy": accuracy}


def _q1_on_training(ctx):
    answer = _q1_built(ctx)
    data = ctx["data"]
    answer["efficient_accuracy"] = km.accuracy_of(
        answer["efficient_model"], data.x_train, data.y_train
    )
    return answer


q1 = Exercise(
    lesson="09",
    key="q1",
    title="a third base: EfficientNetB0",
    answers=("efficient_model", "efficient_accuracy"),
    context=("data", "class_names"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        'cpu_bases.load_base("efficientnetb0", IMAGE_SIZE) gives the base (.model) like the '
        "other two; EfficientNetB0 takes 0-255 pixels as they are, so pooled_features(base, "
        "data.x_train) needs no preprocessing.",
        "train_head(features, data.y_train, len(class_names)) trains the new head on those "
        "features; models.build_transfer_model(efficient.model, len(class_names), head=...) "
        "puts base and head into one model with the base frozen.",
        "efficient_accuracy = float(np.mean(efficient_model.predict(data.x_val, verbose=0)"
        ".argmax(1) == data.y_val)): the validation photos, as for the other two bases.",
    ),
    wrong_answers=(
        WrongAnswer(
            "sixteen classes",
            lambda ctx: _q1_built(ctx, classes=16),
            expect="16 units, but there are 4 classes",
        ),
        WrongAnswer(
            "base left trainable",
            lambda ctx: _q1_built(ctx, trainable=True),
            expect="still trainable",
        ),
        WrongAnswer(
            "pixels scaled twice",
            lambda ctx: _q1_built(ctx, rescale=True),
            expect="scaled twice",
        ),
        WrongAnswer(
            "head not trained",
            lambda ctx: _q1_built(ctx, train=False),
            expect="not been trained",
        ),
        WrongAnswer(
            "MobileNet again",
            lambda ctx: _q1_built(ctx, base="mnv3"),
            expect="no EfficientNetB0",
        ),
        WrongAnswer("accuracy on the training photos", _q1_on_training, expect="training photos"),
    ),
    test_context=_tiny_keras_context,
)

# --------------------------------------------------------------------------- q2, q3: a fake folder


def _fake_report():
    """A FolderReport of 3 classes x 12 photos with near-duplicate groups (no files read).

    Groups: identical hashes (0 bits apart), 4 bits apart, 10 bits apart, so that the
    thresholds 0, 6 and 12 find different numbers of groups.
    """
    from course_utils import image_hash
    from course_utils.folder_check import FolderReport, PhotoInfo

    rng = np.random.default_rng(3)
    root = Path("fake-photos")
    names = ["cup", "key", "pot"]
    hashes = [int(h) for h in rng.integers(0, 2**63, size=36, dtype=np.int64)]
    flips = {1: 0, 2: 0, 14: 4, 15: 4, 16: 4, 26: 10, 30: 0, 31: 4, 8: 10, 20: 4}
    leader = {1: 0, 2: 0, 14: 13, 15: 13, 16: 13, 26: 25, 30: 29, 31: 29, 8: 7, 20: 19}
    for index, bits in flips.items():
        value = hashes[leader[index]]
        for bit in range(bits):
            value ^= 1 << (3 * bit + index % 3)
        hashes[index] = value
    photos = [
        PhotoInfo(
            root / names[i // 12] / f"photo_{i:02d}.jpg",
            names[i // 12],
            64,
            64,
            "RGB",
            1,
            hashes[i],
            np.zeros((2, 2), np.uint8),
        )
        for i in range(36)
    ]
    groups = image_hash.near_duplicate_groups(hashes)
    return FolderReport(root, names, photos, [], [[photos[i].path for i in g] for g in groups])


def _leak_counts(report, *, count_photos=False, crossing=True, seeds=range(20)):
    from course_utils import folder_check

    labels = [report.class_names.index(p.class_name) for p in report.photos]
    index = {p.path: i for i, p in enumerate(report.photos)}
    counts = []
    for seed in seeds:
        where = folder_check.plain_random_split(labels, (0.7, 0.15, 0.15), seed)
        cut = [g for g in report.duplicate_groups if len({where[index[p]] for p in g}) > 1]
        if not crossing:
            cut = [g for g in report.duplicate_groups if g not in cut]
        counts.append(sum(len(g) for g in cut) if count_photos else len(cut))
    return counts


def _whole_numbers(value, name: str, length: int | None = None) -> list[int]:
    require(
        isinstance(value, list | tuple | np.ndarray),
        f"`{name}` should be a list of numbers, one per seed, not {type(value).__name__}.",
    )
    numbers = np.asarray(value)
    require(
        numbers.ndim == 1 and np.issubdtype(numbers.dtype, np.number),
        f"`{name}` should be a flat list of counts (whole numbers).",
    )
    return [int(n) for n in numbers]


def _check_q2(leaks, report):
    counts = _whole_numbers(leaks, "leaks")
    require(
        len(counts) == 20,
        f"`leaks` has {len(counts)} number(s): count for each of the seeds 0 to 19 "
        "(for seed in range(20)), one count per seed.",
    )
    expected = _leak_counts(report)
    if counts == expected:
        return (
            f"A plain random split cuts {np.mean(counts):.1f} of "
            f"{len(report.duplicate_groups)} groups on average; split_folder none."
        )
    reject(
        "Every count is the same: the seed did not change. Pass the loop's seed to "
        "plain_random_split(labels, (0.7, 0.15, 0.15), seed), not SEED."
        if len(set(counts)) == 1 and len(set(expected)) > 1
        else None,
        "You counted photos, not groups: a group that lands on two sides counts once, "
        "sum(len({where[index[p]] for p in g}) > 1 for g in report.duplicate_groups)."
        if counts == _leak_counts(report, count_photos=True)
        else None,
        "You counted the groups that stay on one side: a leak is a group whose photos get "
        "more than one split number (len(set(...)) > 1)."
        if counts == _leak_counts(report, crossing=False)
        else None,
        "Every group is counted for every seed: count only the groups whose photos land in "
        "more than one split."
        if all(c == len(report.duplicate_groups) for c in counts)
        else None,
    )
    first = next(i for i, (a, b) in enumerate(zip(counts, expected, strict=True)) if a != b)
    require(
        False,
        f"For seed {first} your count is {counts[first]}, which is not the number of "
        "near-duplicate groups whose photos get more than one split number. The split gives "
        "one number per photo of report.photos, in that order.",
    )


_Q2_REFERENCE = """\
labels = [report.class_names.index(p.class_name) for p in report.photos]
index = {p.path: i for i, p in enumerate(report.photos)}
leaks = []
for seed in range(20):
    where = folder_check.plain_random_split(labels, (0.7, 0.15, 0.15), seed)
    leaks.append(sum(len({where[index[p]] for p in g}) > 1 for g in report.duplicate_groups))
print(
    f"plain random split: {np.mean(leaks):.1f} of {len(report.duplicate_groups)} groups leak on "
    f"average (min {min(leaks)}, max {max(leaks)}); split_folder: 0 by construction"
)
"""


def _fake_context() -> dict:
    from course_utils import folder_check, image_hash

    return {
        "np": np,
        "report": _fake_report(),
        "folder_check": folder_check,
        "image_hash": image_hash,
    }


q2 = Exercise(
    lesson="09",
    key="q2",
    title="how often a random split leaks",
    answers=("leaks",),
    context=("report",),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "labels = [report.class_names.index(p.class_name) for p in report.photos]; "
        "plain_random_split(labels, (0.7, 0.15, 0.15), seed) then gives one split number "
        "(0, 1, 2) per photo, in the order of report.photos.",
        "A group leaks when its photos get more than one split number: "
        "len({where[index[p]] for p in group}) > 1, with index = {p.path: i for i, p in "
        "enumerate(report.photos)}.",
        "leaks = [] and for seed in range(20): append sum(len({where[index[p]] for p in g}) > 1 "
        "for g in report.duplicate_groups).",
    ),
    wrong_answers=(
        WrongAnswer(
            "one seed for all",
            _Q2_REFERENCE.replace("(0.7, 0.15, 0.15), seed)", "(0.7, 0.15, 0.15), 42)"),
            expect="seed did not change",
        ),
        WrongAnswer(
            "photos counted",
            lambda ctx: {"leaks": _leak_counts(ctx["report"], count_photos=True)},
            expect="photos, not groups",
        ),
        WrongAnswer(
            "groups that stay together",
            _Q2_REFERENCE.replace("> 1 for g", "== 1 for g"),
            expect="stay on one side",
        ),
        WrongAnswer(
            "ten seeds",
            _Q2_REFERENCE.replace("range(20)", "range(10)"),
            expect="seeds 0 to 19",
        ),
    ),
    test_context=_fake_context,
)

# --------------------------------------------------------------------------- q3: how near is near

THRESHOLDS = (0, 6, 12)


def _groups_at(report, bits: int) -> list[list[int]]:
    from course_utils import image_hash

    return image_hash.near_duplicate_groups([p.hash for p in report.photos], max_bits=bits)


def _check_q3(group_counts, report):
    require(
        isinstance(group_counts, dict),
        "`group_counts` should be a dict: threshold in bits -> number of groups, e.g. "
        "{0: ..., 6: ..., 12: ...}.",
    )
    missing = [bits for bits in THRESHOLDS if bits not in group_counts]
    require(
        not missing,
        f"`group_counts` has no entry for {', '.join(map(str, missing))} bits: use the "
        "thresholds 0, 6 and 12 as keys (whole numbers).",
    )
    counts = {}
    for bits in THRESHOLDS:
        value = group_counts[bits]
        counts[bits] = len(value) if isinstance(value, list | tuple) else value
        require(
            isinstance(counts[bits], int | np.integer),
            f"group_counts[{bits}] should be the number of groups (or the list of groups), "
            f"not {type(value).__name__}.",
        )
    groups = {bits: _groups_at(report, bits) for bits in THRESHOLDS}
    expected = {bits: len(found) for bits, found in groups.items()}
    if counts == expected:
        return (
            f"{expected[0]} groups of identical hashes, {expected[6]} at 6 bits, "
            f"{expected[12]} at 12."
        )
    photos = {bits: sum(len(g) for g in found) for bits, found in groups.items()}
    reject(
        f"Every threshold gives {counts[0]} groups, the number of the default threshold (6): "
        "pass the threshold on, max_duplicate_bits=bits (or max_bits=bits)."
        if len(set(counts.values())) == 1
        and counts[0] == expected[6]
        and len(set(expected.values())) > 1
        else None,
        "Those are numbers of photos in the groups, not numbers of groups: len(groups)."
        if counts == photos
        else None,
    )
    wrong = next(bits for bits in THRESHOLDS if counts[bits] != expected[bits])
    require(
        False,
        f"At {wrong} bits your count is {counts[wrong]}: count the near-duplicate groups "
        "found with that threshold (len(...duplicate_groups)).",
    )


_Q3_REFERENCE = """\
hashes = [p.hash for p in report.photos]  # the report keeps each photo's hash
group_counts = {}
for bits in (0, 6, 12):
    # The same groups as check_folder(folder, max_duplicate_bits=bits), without opening
    # every photo again.
    groups = image_hash.near_duplicate_groups(hashes, max_bits=bits)
    group_counts[bits] = len(groups)
    print(
        f"at most {bits:2d} of 64 bits apart: {len(groups)} groups, "
        f"{sum(len(g) for g in groups)} photos"
    )
at_six = {frozenset(g) for g in image_hash.near_duplicate_groups(hashes, max_bits=6)}
only_at_12 = [
    g for g in image_hash.near_duplicate_groups(hashes, max_bits=12) if frozenset(g) not in at_six
]
if only_at_12:
    group = only_at_12[0]
    names = [str(report.photos[i].path.relative_to(report.root)) for i in group]
    classes = sorted({report.photos[i].class_name for i in group})
    print(
        f"a group found only at 12 bits: {len(group)} photos of {len(classes)} class(es) "
        f"({', '.join(classes)}), e.g. {', '.join(names[:4])}"
    )
# Groups are chains: A near B and B near C puts A, B and C in one group, so at 12 bits
# similar photos (same kind of background, same colours) join up even across classes.
"""

q3 = Exercise(
    lesson="09",
    key="q3",
    title="how near is near",
    answers=("group_counts",),
    context=("report",),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "Each photo's perceptual hash is in the report: [p.hash for p in report.photos]. "
        "image_hash.near_duplicate_groups(hashes, max_bits=bits) groups them as check_folder "
        "does (or run check_folder(folder, max_duplicate_bits=bits) again).",
        "Make group_counts = {} and, for bits in (0, 6, 12), store the number of groups: "
        "group_counts[bits] = len(groups).",
        "for bits in (0, 6, 12): group_counts[bits] = "
        "len(image_hash.near_duplicate_groups(hashes, max_bits=bits))",
    ),
    wrong_answers=(
        WrongAnswer(
            "threshold not passed",
            _Q3_REFERENCE.replace("hashes, max_bits=bits)", "hashes)"),
            expect="pass the threshold on",
        ),
        WrongAnswer(
            "photos counted",
            _Q3_REFERENCE.replace(
                "group_counts[bits] = len(groups)",
                "group_counts[bits] = sum(len(g) for g in groups)",
            ),
            expect="numbers of photos",
        ),
        WrongAnswer(
            "string keys",
            _Q3_REFERENCE.replace("group_counts[bits] = len", "group_counts[str(bits)] = len"),
            expect="no entry for 0, 6, 12",
        ),
    ),
    test_context=_fake_context,
)

# --------------------------------------------------------------------------- concept questions

duplicates_inflate = Question(
    "09",
    "duplicates-inflate",
    "Your folder has burst shots: five nearly identical photos of the same mug. A plain random "
    "split puts three of them in train and two in test. What does that do to the test "
    "accuracy?",
    [
        Option(
            "It is too good to be true: the model is tested on photos it has practically seen, "
            "so the score measures memory, not how it does on new photos",
            "Right: a near-copy of a training photo is not new. Keep each group on one side "
            "(split_folder does), or delete the extra copies.",
            correct=True,
        ),
        Option(
            "It is too low: duplicates confuse the model",
            "Copies confuse nothing; they make the test easier, because the answer for those "
            "test photos was learned from their twins in train.",
        ),
        Option(
            "Nothing changes: each photo is a different file",
            "Different files, same picture: the perceptual hash tells them apart from new "
            "photos, and so does the model, which recognises them.",
        ),
        Option(
            "Only the validation accuracy is affected, never the test",
            "Any split that shares near-copies with train is inflated: validation (which then "
            "chooses badly) and test (which then reports too much).",
        ),
    ],
)

cpu_base = Question(
    "09",
    "cpu-base",
    "For an app on a laptop CPU (and later a phone), MobileNetV3Small reaches 90% on 30 "
    "validation photos and VGG16 reaches 93%. Which base do you keep, and why?",
    [
        Option(
            "MobileNetV3Small: 3 points are one photo of 30 (noise), and it is more than ten "
            "times smaller and several times faster per photo",
            "Right: on so few photos one photo is 3 points; the cost columns are measured and "
            "decide what a phone or a laptop can run.",
            correct=True,
        ),
        Option(
            "VGG16, because its validation accuracy is higher",
            "By one photo of 30: that is within the noise of a small validation set, while "
            "its size and time per photo are many times larger.",
        ),
        Option(
            "Whichever is better on the test set",
            "The test is looked at once, at the end; choosing on it makes its score "
            "optimistic. Choose on validation.",
        ),
        Option(
            "VGG16, because more parameters always generalise better",
            "Not on a few dozen photos: more parameters mostly cost time and memory; modern "
            "small bases match VGG16 on ImageNet with a fraction of its parameters.",
        ),
    ],
)

int8_trade = Question(
    "09",
    "int8-trade",
    "What does the int8 LiteRT copy trade against the float32 one?",
    [
        Option(
            "About four times less space (and usually faster on a CPU) for probabilities that "
            "move a little: measure how often the top class agrees and the accuracy",
            "Right: 8-bit weights and activations are a quarter of 32-bit ones; the rounding "
            "changes the probabilities by a few hundredths, so the export check reports "
            "agreement and accuracy instead of a 1e-3 tolerance.",
            correct=True,
        ),
        Option(
            "Nothing: the predictions are identical, only the file is smaller",
            "Rounding every weight and activation to 256 levels changes the numbers; that is "
            "why int8 is measured, not assumed equal.",
        ),
        Option(
            "It needs the model retrained on 8-bit photos",
            "Post-training quantisation needs no retraining: a representative set of photos "
            "tells the converter each activation's range (the calibration).",
        ),
        Option(
            "It makes the model more accurate, because 8 bits reduce overfitting",
            "Quantisation is an approximation of the trained model; at best it keeps the "
            "accuracy, it does not improve it.",
        ),
    ],
)

exif_sideways = Question(
    "09",
    "exif-sideways",
    "A phone photo looks upright in every photo viewer, but a simple loader gives the model a "
    "sideways picture. Why?",
    [
        Option(
            "The phone stored the pixels as the sensor read them, with an EXIF orientation tag "
            "saying 'turn me'; viewers apply the tag, the simple loader ignores it",
            "Right: the course's reader applies the tag (and check_folder lists the photos "
            "that have one), so the model sees what you see.",
            correct=True,
        ),
        Option(
            "JPEG compression rotates large photos",
            "Compression never moves pixels around; the turn is only written down in the EXIF tag.",
        ),
        Option(
            "The loader squeezes 4:3 photos into a square, which turns them",
            "Squeezing changes the proportions, not the direction: a turned picture comes "
            "from the ignored orientation tag.",
        ),
        Option(
            "The model rotates pictures as augmentation",
            "The loader hands the model the picture; nothing is augmented unless you add "
            "layers like RandomRotation.",
        ),
    ],
)

quiz = Quiz("09", [exif_sideways, duplicates_inflate, cpu_base, int8_trade])
