"""Checks and concept questions of lesson 02, "first classifiers".

Three exercises, checked from the notebook with ``lesson02.q1.check()`` ... ``q3``:
nearest neighbour with votes weighted by ``1 / distance``
(``weighted_nearest_neighbour_predict``), two dense networks of other sizes
(``small_network``, ``large_network``) and training pictures shifted by 1 and 2 pixels
(``x_more``, ``y_more``); and the lesson's concept questions (``lesson02.quiz``).
Keras is imported only by the checks that need it.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from course_utils.checks import keras_mistakes as km
from course_utils.checks import selftest
from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- the lesson's tools
# Small copies of the functions the lesson defines, for the self-tests' contexts.


def _nearest_neighbour_predict(distances, train_labels, k=1, *, classes=16):
    nearest = np.argsort(distances, axis=1)[:, :k]
    votes = np.zeros((len(distances), classes), dtype=int)
    rows = np.arange(len(distances))
    for column in range(k):
        votes[rows, train_labels[nearest[:, column]]] += 1
    return votes.argmax(axis=1)


def _accuracy(predicted, true):
    return float(np.mean(predicted == true))


def _l2_distances(queries, references):
    queries = queries.reshape(len(queries), -1).astype(np.float32)
    references = references.reshape(len(references), -1).astype(np.float32)
    squared = (
        (queries**2).sum(axis=1)[:, None]
        - 2 * queries @ references.T
        + (references**2).sum(axis=1)[None, :]
    )
    return np.sqrt(np.maximum(squared, 0))


def _shift(images, pixels):
    moved = np.full_like(images, 255)
    p = abs(pixels)
    if pixels >= 0:
        moved[:, p:, p:] = images[:, : images.shape[1] - p, : images.shape[2] - p]
    else:
        moved[:, :-p, :-p] = images[:, p:, p:]
    return moved


def _tiny_data(side: int = 8, per_class: int = 8):
    """16 classes of ``side`` x ``side`` pictures, each class its own colour (a FruitsData)."""
    from course_utils import WORKSHOP_CLASSES

    rng = np.random.default_rng(2)
    colours = rng.integers(0, 256, size=(16, 3))
    splits = {}
    for split, count in (("train", per_class), ("val", 3), ("test", 3)):
        labels = np.repeat(np.arange(16), count)
        images = selftest.coloured_noise(rng, labels, colours, side)
        images[:, : side // 4] = 255  # a white band at the top, so that shifts change pictures
        splits[split] = (images, labels)
    return selftest.tiny_fruits_data(WORKSHOP_CLASSES, splits, name="tiny-fruits", side=side)


def _tiny_context() -> dict:
    """The lesson's names that the solutions use, on small made-up pictures (self-test)."""
    data = _tiny_data()
    hard = _tiny_data()
    return {
        "np": np,
        "time": time,
        "NUM_CLASSES": 16,
        "data": data,
        "hard": hard,
        "hard_val_distances": {"L2": _l2_distances(hard.x_val, data.x_train)},
        "nearest_neighbour_predict": _nearest_neighbour_predict,
        "accuracy": _accuracy,
        "l2_distances": _l2_distances,
        "shift": _shift,
    }


def _tiny_keras_context() -> dict:
    import keras
    from keras import layers

    context = _tiny_context()
    image_size = context["data"].image_size

    def dense_network(hidden_units=(256, 128)):
        inputs = keras.Input(shape=(*image_size, 3))
        x = layers.Rescaling(1 / 255)(inputs)
        x = layers.Flatten()(x)
        for units in hidden_units:
            x = layers.Dense(units, activation="relu")(x)
        outputs = layers.Dense(16, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="dense_network")

    def progress(every):
        return keras.callbacks.LambdaCallback()

    keras.utils.set_random_seed(0)
    context.update(
        keras=keras,
        layers=layers,
        IMAGE_SIZE=image_size,
        EPOCHS=10,
        dense_network=dense_network,
        network=dense_network(),
        results={"dense network": (0.5, 0.5, 0.5, 0.01)},
        progress=progress,
    )
    return context


# --------------------------------------------------------------------------- q1: weighted votes


def _vote(distances, labels, k, *, weight, order=1):
    """Nearest-neighbour votes, weighted by ``weight(distance)``; ``order=-1``: the farthest."""
    nearest = np.argsort(distances, axis=1)[:, ::order][:, :k]
    votes = np.zeros((len(distances), 16))
    rows = np.arange(len(distances))
    for column in range(k):
        votes[rows, labels[nearest[:, column]]] += weight(distances[rows, nearest[:, column]])
    return votes.argmax(axis=1)


def _integer_votes_predict(distances, train_labels, k=1):
    """A catalogued mistake: the weighted version with the int votes of the plain one."""
    nearest = np.argsort(distances, axis=1)[:, :k]
    votes = np.zeros((len(distances), 16), dtype=int)
    rows = np.arange(len(distances))
    for column in range(k):
        votes[rows, train_labels[nearest[:, column]]] += 1.0 / np.maximum(
            distances[rows, nearest[:, column]], 1e-6
        )
    return votes.argmax(axis=1)


def _inverse(d):
    return 1.0 / np.maximum(d, 1e-6)


# Five small cases (rows: test pictures; columns: five training pictures with these labels)
# whose answers tell the right weighting from each classic mistake, with k = 3.
_PROBE_LABELS = np.array([0, 1, 1, 2, 3])
_PROBE = np.array(
    [
        [1.0, 5.0, 6.0, 50.0, 60.0],  # one close neighbour against two far ones
        [900.0, 500.0, 600.0, 950.0, 100.0],  # large distances: weights far below 1
        [5.0, 1.0, 2.0, 90.0, 95.0],  # two close ones against a far one
        [1.0, 1.1, 1.2, 50.0, 60.0],  # three about equally close: the majority wins
        [0.0, 3.0, 4.0, 80.0, 90.0],  # a distance of 0 (a duplicate picture)
        [10.0, 1.0, 2.0, 100.0, 3.0],  # the far pictures disagree with the near ones
    ]
)
_PROBE_MISTAKES = (
    (
        dict(weight=lambda d: np.ones_like(d)),
        "Every neighbour still has one vote: add the weight 1 / distance to the votes of the "
        "neighbour's class, instead of 1.",
    ),
    (
        dict(weight=lambda d: d),
        "The far neighbours now count more than the close ones: the weight is the distance "
        "itself. Use 1 / distance, so that the closest neighbour weighs the most.",
    ),
    (
        dict(weight=_inverse, order=-1),
        "The votes come from the k farthest training pictures: np.argsort sorts from the "
        "smallest distance, so keep its first k columns, [:, :k].",
    ),
)


def _check_q1(weighted_nearest_neighbour_predict, hard_val_distances, data, hard):
    predict = weighted_nearest_neighbour_predict
    require(
        callable(predict),
        "`weighted_nearest_neighbour_predict` should be a function of (distances, "
        "train_labels, k), like nearest_neighbour_predict.",
    )
    try:
        got = np.asarray(predict(_PROBE.copy(), _PROBE_LABELS, 3)).reshape(-1)
    except TypeError as error:
        require(
            "cast" not in str(error),
            "Your function cannot add the weights to the votes: the votes array holds whole "
            "numbers (dtype=int, as in nearest_neighbour_predict), and NumPy refuses to add "
            "1 / distance to it (or would round it down to 0). Make the votes a float array: "
            "np.zeros((len(distances), NUM_CLASSES)).",
        )
        raise
    require(
        got.shape == (len(_PROBE),),
        f"On {len(_PROBE)} test pictures your function returned {got.size} values: it should "
        "return one class per row of `distances`.",
    )
    expected = _vote(_PROBE, _PROBE_LABELS, 3, weight=_inverse)
    if not np.array_equal(got, expected):
        for settings, message in _PROBE_MISTAKES:
            reject(
                message
                if np.array_equal(got, _vote(_PROBE, _PROBE_LABELS, 3, **settings))
                else None
            )
        reject(
            "Only the nearest neighbour decides: the other k - 1 neighbours' weighted votes "
            "are missing (loop over the k columns of np.argsort(distances, axis=1)[:, :k])."
            if np.array_equal(got, _vote(_PROBE, _PROBE_LABELS, 1, weight=_inverse))
            else None
        )
        require(
            False,
            f"On five small examples with k=3 your function answers {got.tolist()}, where "
            f"weights 1 / distance give {expected.tolist()}. Each of the k nearest neighbours "
            "adds 1 / distance to its class; the class with the most weight wins.",
        )
    distances = np.asarray(hard_val_distances["L2"])
    mine = np.asarray(predict(distances, data.y_train, 5)).reshape(-1)
    reference = _vote(distances, np.asarray(data.y_train), 5, weight=_inverse)
    agreement = float(np.mean(mine == reference))
    require(
        agreement >= 0.99,
        f"On the hard validation distances with k=5 your function agrees with weighted votes "
        f"on only {agreement:.0%} of the pictures.",
    )
    plain = _accuracy(_nearest_neighbour_predict(distances, data.y_train, 5), hard.y_val)
    weighted = _accuracy(mine, hard.y_val)
    return (
        f"Weighted votes work (k=5 on the hard validation set: {weighted:.1%}, plain votes "
        f"{plain:.1%})."
    )


_Q1_REFERENCE = """\
def weighted_nearest_neighbour_predict(distances, train_labels, k=1):
    nearest = np.argsort(distances, axis=1)[:, :k]
    votes = np.zeros((len(distances), NUM_CLASSES))
    rows = np.arange(len(distances))
    for column in range(k):
        weight = 1.0 / np.maximum(distances[rows, nearest[:, column]], 1e-6)  # no division by 0
        votes[rows, train_labels[nearest[:, column]]] += weight
    return votes.argmax(axis=1)


for k in (5, 9):
    plain = accuracy(
        nearest_neighbour_predict(hard_val_distances["L2"], data.y_train, k), hard.y_val
    )
    weighted = accuracy(
        weighted_nearest_neighbour_predict(hard_val_distances["L2"], data.y_train, k), hard.y_val
    )
    print(f"k={k}: plain votes {plain:.1%}, weighted votes {weighted:.1%}")
# Weighted votes let a very close neighbour outvote several far ones. Whether that helps
# depends on the data: the two numbers of each line above say it for yours. Equal numbers
# mean the nearest neighbours mostly agree anyway.
"""

q1 = Exercise(
    lesson="02",
    key="q1",
    title="votes weighted by 1 / distance",
    answers=("weighted_nearest_neighbour_predict",),
    context=("hard_val_distances", "data", "hard"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "Start from a copy of nearest_neighbour_predict: only the line that adds a vote "
        "changes (and the type of the votes array).",
        "distances[rows, nearest[:, column]] is the distance of each row's neighbour number "
        "`column`; add 1 / that distance instead of 1 (np.maximum(..., 1e-6) avoids dividing "
        "by 0).",
        "votes = np.zeros((len(distances), NUM_CLASSES)) (floats), then "
        "votes[rows, train_labels[nearest[:, column]]] += 1.0 / np.maximum(distances[rows, "
        "nearest[:, column]], 1e-6).",
    ),
    wrong_answers=(
        WrongAnswer(
            "one vote each",
            _Q1_REFERENCE.replace("+= weight", "+= 1"),
            expect="still has one vote",
        ),
        WrongAnswer(
            "weight is the distance",
            _Q1_REFERENCE.replace(
                "1.0 / np.maximum(distances[rows, nearest[:, column]], 1e-6)",
                "distances[rows, nearest[:, column]]",
            ),
            expect="far neighbours now count more",
        ),
        WrongAnswer(
            "integer votes",
            lambda ctx: {"weighted_nearest_neighbour_predict": _integer_votes_predict},
            expect="holds whole numbers",
        ),
        WrongAnswer(
            "the farthest neighbours",
            _Q1_REFERENCE.replace("[:, :k]", "[:, -k:]"),
            expect="k farthest",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q2: network sizes


def _hidden_units(model) -> tuple[int, ...]:
    from keras import layers

    dense = [layer for layer in model.layers if isinstance(layer, layers.Dense)]
    return tuple(int(layer.units) for layer in dense[:-1])


def _training_sample(data, count: int = 600):
    step = max(1, len(data.x_train) // count)
    return data.x_train[::step][:count], data.y_train[::step][:count]


def _check_q2(small_network, large_network, data, NUM_CLASSES):
    import keras

    for name, model in (("small_network", small_network), ("large_network", large_network)):
        require(
            isinstance(model, keras.Model),
            f"`{name}` should be a Keras model (from dense_network(...)), not "
            f"{type(model).__name__}.",
        )
        reject(km.wrong_number_of_classes(model, NUM_CLASSES))
    small, large = _hidden_units(small_network), _hidden_units(large_network)
    require(
        not (small == (512, 256) and large == (32,)),
        "The two networks are swapped: `small_network` has the hidden layers (512, 256) and "
        "`large_network` (32,). small_network = dense_network((32,)), large_network = "
        "dense_network((512, 256)).",
    )
    require(
        small == (32,),
        f"`small_network` has the hidden layers {small}; build it with dense_network((32,)): "
        "one hidden layer of 32 units (note the comma: (32,) is a tuple).",
    )
    require(
        large != (256, 512),
        "`large_network` has its hidden layers in the opposite order, (256, 512): the "
        "exercise's network has 512 units first, then 256, dense_network((512, 256)).",
    )
    require(
        large == (512, 256),
        f"`large_network` has the hidden layers {large}; build it with dense_network((512, 256)).",
    )
    images, labels = _training_sample(data)
    chance = 1 / NUM_CLASSES
    for name, model in (("small_network", small_network), ("large_network", large_network)):
        reject(
            km.at_least(
                km.accuracy_of(model, images, labels),
                max(0.2, 3 * chance),
                f"The accuracy of `{name}` on training pictures",
                advice="That is close to chance: did you train it (compile, then fit for "
                "EPOCHS // 2 epochs)?",
            )
        )
    return (
        f"Both trained: {small_network.count_params():,} parameters for (32,), "
        f"{large_network.count_params():,} for (512, 256). Which one is worth its size?"
    )


_Q2_REFERENCE = """\
sizes_found = {"(256, 128), above": (network.count_params(), results["dense network"][0])}
small_network, large_network = dense_network((32,)), dense_network((512, 256))
for hidden_units, model in (((32,), small_network), ((512, 256), large_network)):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    print(f"hidden units {hidden_units}:")
    model.fit(
        data.train,
        validation_data=data.validation,
        epochs=EPOCHS // 2,
        verbose=0,
        callbacks=[progress(5)],
    )
    sizes_found[str(hidden_units)] = (
        model.count_params(),
        model.evaluate(hard.validation, verbose=0)[1],
    )
for name, (count, score) in sizes_found.items():
    print(f"hidden units {name:18s} {count:9,} parameters, hard validation accuracy {score:.1%}")
smallest = min(sizes_found, key=lambda name: sizes_found[name][0])
best = max(sizes_found, key=lambda name: sizes_found[name][1])
print(f"best on the hard validation set: {best}; smallest: {smallest}")
# If the smallest network is about as good as the best one, the extra parameters buy nothing:
# take the smallest network that reaches the best score (fewer parameters, faster, less to
# overfit). (The network above trained for twice as many epochs.)
"""


def _compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


q2 = Exercise(
    lesson="02",
    key="q2",
    title="a smaller and a bigger dense network",
    answers=("small_network", "large_network"),
    context=("data", "NUM_CLASSES"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "dense_network(hidden_units) builds the network; small_network = dense_network((32,)) "
        "(a tuple of one number needs the comma).",
        "Each model needs compile (as for `network` above) and then fit on data.train for "
        "EPOCHS // 2 epochs, before you measure it.",
        "model.count_params() gives the size; model.evaluate(hard.validation, verbose=0)[1] "
        "the accuracy on the hard validation set.",
    ),
    wrong_answers=(
        WrongAnswer(
            "sizes swapped",
            lambda ctx: {
                "small_network": ctx["dense_network"]((512, 256)),
                "large_network": ctx["dense_network"]((32,)),
            },
            expect="swapped",
        ),
        WrongAnswer(
            "layers in the wrong order",
            lambda ctx: {
                "small_network": ctx["dense_network"]((32,)),
                "large_network": ctx["dense_network"]((256, 512)),
            },
            expect="opposite order",
        ),
        WrongAnswer(
            "compiled but not trained",
            lambda ctx: {
                "small_network": _compiled(ctx["dense_network"]((32,))),
                "large_network": _compiled(ctx["dense_network"]((512, 256))),
            },
            expect="did you train it",
        ),
    ),
    test_context=_tiny_keras_context,
)

# --------------------------------------------------------------------------- q3: shifted copies


def _fingerprint(image) -> str:
    return hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=12).hexdigest()


def _labels_by_picture(groups) -> dict[str, set]:
    table: dict[str, set] = {}
    for images, labels in groups:
        for image, label in zip(images, labels, strict=True):
            table.setdefault(_fingerprint(image), set()).add(int(label))
    return table


def _check_q3(x_more, y_more, data, shift):
    images = _numbers_uint8(x_more, "x_more")
    labels = np.asarray(y_more).reshape(-1)
    count = len(data.x_train)
    require(
        images.ndim == 4 and images.shape[1:] == data.x_train.shape[1:],
        f"`x_more` should be pictures like data.x_train, shape (pictures, "
        f"{', '.join(map(str, data.x_train.shape[1:]))}), not {images.shape}.",
    )
    require(
        len(labels) == len(images),
        f"`x_more` has {len(images):,} pictures but `y_more` {len(labels):,} labels"
        + (
            ": the labels were not repeated for the copies, np.concatenate([data.y_train] * 3)."
            if len(labels) == count
            else ": one label per picture."
        ),
    )
    groups = {size: (shift(data.x_train, size), data.y_train) for size in (1, 2)}
    groups[0] = (data.x_train, data.y_train)
    wanted = {
        size: {_fingerprint(image) for image in pictures} for size, (pictures, _) in groups.items()
    }
    prints = [_fingerprint(image) for image in images]
    known = set().union(*wanted.values())
    strangers = sum(p not in known for p in prints)
    if strangers:
        backwards = {_fingerprint(i) for size in (1, 2) for i in shift(data.x_train, -size)}
        reject(
            "The copies are shifted left and up (negative pixels), but the test pictures were "
            "moved right and down: use shift(data.x_train, 1) and shift(data.x_train, 2)."
            if sum(p in backwards for p in prints) >= strangers // 2
            else None
        )
        require(
            False,
            f"{strangers:,} pictures of `x_more` are neither training pictures nor training "
            "pictures shifted by 1 or 2 pixels (with the lesson's shift function).",
        )
    seen = set(prints)
    names = {
        0: "the original training pictures",
        1: "the copies shifted by 1 pixel",
        2: "the copies shifted by 2 pixels",
    }
    for size, fingerprints in wanted.items():
        require(
            fingerprints <= seen,
            f"`x_more` lacks {names[size]}: it should hold the training pictures and both "
            "shifted copies, np.concatenate([data.x_train, shift(data.x_train, 1), "
            "shift(data.x_train, 2)]).",
        )
    require(
        len(images) == 3 * count,
        f"`x_more` has {len(images):,} pictures; the training pictures and two shifted copies "
        f"are {3 * count:,}.",
    )
    table = _labels_by_picture(groups.values())
    wrong = sum(int(label) not in table[p] for p, label in zip(prints, labels, strict=True))
    require(
        wrong == 0,
        f"{wrong:,} pictures of `x_more` have another class's label in `y_more`: the labels "
        "must follow the pictures in the same order, np.concatenate([data.y_train] * 3) (not "
        "np.repeat, which repeats each label three times in a row).",
    )
    return "Three times the training pictures, each with its own label."


def _numbers_uint8(value, name: str) -> np.ndarray:
    require(
        isinstance(value, np.ndarray | list | tuple),
        f"`{name}` should be a NumPy array, not {type(value).__name__}.",
    )
    array = np.asarray(value)
    require(
        np.issubdtype(array.dtype, np.number),
        f"`{name}` should be an array of pixel values.",
    )
    if array.dtype != np.uint8 and array.size and float(np.abs(array - np.round(array)).max()) == 0:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return array


_Q3_REFERENCE = """\
x_more = np.concatenate([data.x_train, shift(data.x_train, 1), shift(data.x_train, 2)])
y_more = np.concatenate([data.y_train] * 3)
for pixels in (2, -2):
    moved_test = shift(data.x_test, pixels)
    for name, (x_ref, y_ref) in (
        ("original", (data.x_train, data.y_train)),
        ("with shifted copies", (x_more, y_more)),
    ):
        started = time.perf_counter()
        predicted = nearest_neighbour_predict(l2_distances(moved_test, x_ref), y_ref, k=1)
        print(
            f"test shifted {pixels:+d} px, {name:20s} {len(x_ref):6,} training pictures: "
            f"accuracy {accuracy(predicted, data.y_test):.1%} "
            f"in {time.perf_counter() - started:.2f} s"
        )
# The copies were shifted right and down, the same way as the first test set, so they help
# there; a shift the other way is not covered by them. Every direction and every size of
# shift would need its own copies: three times the pictures here, and far more for all of
# them, at every prediction.
"""

q3 = Exercise(
    lesson="02",
    key="q3",
    title="training pictures shifted by 1 and 2 pixels",
    answers=("x_more", "y_more"),
    context=("data", "shift"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "shift(data.x_train, 1) moves every training picture 1 pixel right and down; the "
        "copies keep the labels of their originals.",
        "np.concatenate joins arrays along the first axis: the originals and the two shifted "
        "copies in x_more, and the labels three times, in the same order, in y_more.",
        "x_more = np.concatenate([data.x_train, shift(data.x_train, 1), shift(data.x_train, 2)]) "
        "and y_more = np.concatenate([data.y_train] * 3); then l2_distances(moved_test, x_more).",
    ),
    wrong_answers=(
        WrongAnswer(
            "shifted the wrong way",
            _Q3_REFERENCE.replace(
                "shift(data.x_train, 1), shift(data.x_train, 2)",
                "shift(data.x_train, -1), shift(data.x_train, -2)",
            ),
            expect="shifted left and up",
        ),
        WrongAnswer(
            "labels not repeated",
            lambda ctx: {
                "x_more": np.concatenate(
                    [
                        ctx["data"].x_train,
                        _shift(ctx["data"].x_train, 1),
                        _shift(ctx["data"].x_train, 2),
                    ]
                ),
                "y_more": ctx["data"].y_train,
            },
            expect="not repeated",
        ),
        WrongAnswer(
            "labels repeated in a row",
            _Q3_REFERENCE.replace(
                "np.concatenate([data.y_train] * 3)", "np.repeat(data.y_train, 3)"
            ),
            expect="np.repeat",
        ),
        WrongAnswer(
            "originals left out",
            lambda ctx: {
                "x_more": np.concatenate(
                    [_shift(ctx["data"].x_train, 1), _shift(ctx["data"].x_train, 2)]
                ),
                "y_more": np.concatenate([ctx["data"].y_train] * 2),
            },
            expect="lacks the original training pictures",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- concept questions

choose_on_validation = Question(
    "02",
    "validation-chooses",
    "Why is k (the number of neighbours) chosen by the validation accuracy, while the test "
    "set only measures the chosen model, once?",
    [
        Option(
            "A score used to choose a setting is tuned to its pictures and becomes too "
            "optimistic; the test set must stay unused to give an honest estimate",
            "Right: choosing on the test set would fit the model to the test pictures, and "
            "its score would no longer tell how the model does on new pictures.",
            correct=True,
        ),
        Option(
            "The validation set is larger than the test set",
            "Size is not the reason (here it is even smaller): the point is which set was "
            "used to decide, and which was kept unseen.",
        ),
        Option(
            "The test set may only be read once, or its files change",
            "Reading files changes nothing; what spoils a test set is using its score to make "
            "choices.",
        ),
        Option(
            "Validation pictures are harder, so they choose better",
            "They are drawn the same way as the training pictures; the plain validation "
            "pictures are usually just as easy as the test pictures.",
        ),
    ],
)

uint8_wrap = Question(
    "02",
    "uint8-wrap",
    "Two uint8 pixels hold 10 and 12. What does NumPy give for their difference, 10 - 12, "
    "computed in uint8?",
    [
        Option(
            "254",
            "uint8 holds only 0-255, so -2 wraps around to 256 - 2 = 254. Convert to a signed "
            "type (astype(np.int32)) before subtracting pictures.",
            correct=True,
        ),
        Option("-2", "That is the true difference, but uint8 cannot hold negative numbers."),
        Option(
            "0",
            "NumPy does not clip at 0; it wraps around, which is worse: a tiny "
            "difference becomes a huge one.",
        ),
        Option(
            "An error",
            "NumPy raises no error for integer wrap-around in arrays; that is "
            "why this mistake goes unnoticed.",
        ),
    ],
)

l1_l2 = Question(
    "02",
    "l1-vs-l2",
    "Picture A differs from picture B by 50 grey levels in one pixel; picture C differs from B "
    "by 5 grey levels in each of 10 pixels. Which distance calls A and C equally far from B?",
    [
        Option(
            "L1 (sum of absolute differences): 50 for both",
            "L1 adds the differences as they are: 50 = 10 x 5. L2 would call A farther "
            "(sqrt(2500) = 50 against sqrt(250) = 15.8).",
            correct=True,
        ),
        Option(
            "L2 (square root of the sum of squares)",
            "L2 squares the differences first, so the single large one weighs more: 50 for A "
            "against 15.8 for C.",
        ),
        Option(
            "Both",
            "They agree only when the differences are spread the same way; here L2 calls A "
            "three times farther than C.",
        ),
        Option(
            "Neither",
            "L1 does: 50 = 10 x 5.",
        ),
    ],
)

learning_rate = Question(
    "02",
    "learning-rate",
    "What does a learning rate that is much too large do to gradient descent?",
    [
        Option(
            "Each step jumps over the bottom of the loss, further every time: the loss grows "
            "and training diverges",
            "Right: the step w - rate x slope overshoots, lands higher on the other side, "
            "where the slope is steeper, and the next step overshoots even more.",
            correct=True,
        ),
        Option(
            "Training gets to the bottom faster",
            "Up to a point a larger rate is faster; beyond it the steps overshoot and the loss "
            "goes up, as in the right-hand panel of the picture.",
        ),
        Option(
            "Training creeps slowly down the slope",
            "That is a learning rate that is too small.",
        ),
        Option(
            "Nothing: the optimizer corrects it",
            "Plain gradient descent uses the rate as it is; even Adam diverges or jumps "
            "around with a rate far too large.",
        ),
    ],
)

stacked_linear = Question(
    "02",
    "stacked-linear",
    "Two Dense layers without activation functions, one after the other: what can they compute?",
    [
        Option(
            "Exactly what one Dense layer can: W2 (W1 x + b1) + b2 is one matrix W2 W1 and one "
            "bias W2 b1 + b2",
            "Right: stacked linear layers collapse into one linear layer, so a non-linear "
            "activation (ReLU) between them is what gives a network its power.",
            correct=True,
        ),
        Option(
            "More than one layer: each adds its own features",
            "Without a non-linearity the second layer only recombines the first's weighted "
            "sums linearly: the result is still a single linear layer.",
        ),
        Option(
            "Less than one layer: the second forgets what the first learned",
            "Nothing is lost: W2 W1 can be any matrix of the right shape when the hidden "
            "layer is wide enough, so they can do what one layer does.",
        ),
        Option(
            "Any function, with enough units",
            "That holds with a non-linear activation between the layers (the universal "
            "approximation theorem), not for purely linear layers.",
        ),
    ],
)

quiz = Quiz("02", [choose_on_validation, uint8_wrap, l1_l2, learning_rate, stacked_linear])
