"""Checks and concept questions of lesson 04, "a fruits CNN with Keras".

Three exercises, checked from the notebook with ``lesson04.q1.check()`` ... ``q3``: a
network trained on augmented batches that keeps its best epoch on the hard validation set
(``augmented_model``, ``augmented_history``, ``keep_best``); two variants of the network,
with ReLU and without batch normalisation, and their validation scores (``variant_models``,
``variant_scores``); and the banana test picture rotated four times with the probability
of its true class (``rotated``, ``rotated_probs``). The lesson's concept questions are
``lesson04.quiz``. Keras and TensorFlow are imported only by the checks that need them.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import keras_mistakes as km
from course_utils.checks import selftest
from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

TRAINED_STEPS = 50
"""Accuracy bands apply once a model has had this many training steps (quick mode has more;
the self-test's tiny trainings fewer, where only the structure and the bookkeeping count)."""

# --------------------------------------------------------------------------- shared helpers


def _steps(model) -> int:
    """Training steps the model's optimizer has taken (0: compiled but never fitted)."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return 0
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


def _not_trained(model, name: str) -> str | None:
    if getattr(model, "optimizer", None) is None:
        return f"`{name}` has not been compiled: compile it, then train it with fit."
    if _steps(model) == 0:
        return (
            f"`{name}` is compiled but has not been trained (its optimizer has taken no step): "
            "call fit on it."
        )
    return None


def _accuracy(model, images, labels) -> float:
    return km.accuracy_of(model, np.asarray(images, dtype="float32"), labels)


def _same(value: float, accuracy: float) -> bool:
    """Two accuracies are the same number (the same model on the same pictures)."""
    return abs(float(value) - accuracy) <= 1e-6


def _close(value: float, accuracy: float, count: int) -> bool:
    """Two accuracies on ``count`` pictures agree to within one picture (batching can flip
    a near-tie between two classes)."""
    return abs(float(value) - accuracy) <= 1.01 / max(count, 1)


def random_at_inference(model, batch) -> str | None:
    """The model gives two different answers for the same pictures in prediction mode.

    Augmentation belongs to training only; a model whose predictions change from call to
    call applies something random (augmentation layers called with ``training=True`` in a
    custom layer, or NumPy randomness in the pipeline it was given) at test time.
    """
    batch = np.asarray(batch, dtype="float32")
    first = model.predict(batch, verbose=0)
    second = model.predict(batch, verbose=0)
    if not np.allclose(first, second, atol=1e-5):
        return (
            "The model gives different answers for the same pictures on two calls: something "
            "random runs at test time. Augmentation is for training batches only: map it on "
            "data.train, and leave validation and test pictures (and the model's own layers) "
            "as they are."
        )
    return None


def early_stopping_mistake(callback) -> str | None:
    """The callback is not an EarlyStopping that watches validation and restores the best."""
    import keras

    if not isinstance(callback, keras.callbacks.EarlyStopping):
        return (
            f"`keep_best` is a {type(callback).__name__}, not a keras.callbacks.EarlyStopping "
            "(the callback that stops training and can restore the best epoch)."
        )
    if not str(callback.monitor).startswith("val_"):
        return (
            f"`keep_best` watches {callback.monitor!r}, a number measured on the training "
            "batches, which keeps improving while the network memorises. Watch the validation "
            'data: monitor="val_accuracy".'
        )
    if not callback.restore_best_weights:
        return (
            "`keep_best` stops the training but keeps the weights of the LAST epoch, which may "
            "be worse than the best one. Add restore_best_weights=True to put back the weights "
            "of the best epoch."
        )
    return None


# --------------------------------------------------------------------------- tiny data


def _discs(rng, labels, colours, side, background=255):
    """Pictures with a disc of the class colour on white (so fruit masks find the 'fruit')."""
    yy, xx = np.mgrid[:side, :side]
    images = np.full((len(labels), side, side, 3), background, dtype=np.int16)
    for n, label in enumerate(labels):
        centre = rng.uniform(0.4, 0.6, size=2) * side
        radius = rng.uniform(0.25, 0.35) * side
        disc = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < radius**2
        images[n][disc] = colours[label] + rng.integers(-20, 20, size=3)
    return np.clip(images, 0, 255).astype(np.uint8)


def _tiny_data(seed: int, side: int = 16, *, per_class: int = 3, background: int = 255):
    """16 classes of small disc pictures (a FruitsData): 83 training pictures, and
    ``16 * per_class + 1`` validation and test pictures.

    Each split has extra pictures of class 0, so that accuracies on two splits of different
    sizes (83, 49, 33: no common factor) never agree by chance.
    """
    from course_utils import WORKSHOP_CLASSES

    colours = np.random.default_rng(4).integers(30, 220, size=(16, 3))
    rng = np.random.default_rng(seed)
    train = np.concatenate([np.repeat(np.arange(16), 5), [0, 0, 0]])
    held_out = np.concatenate([np.repeat(np.arange(16), per_class), [0]])
    splits = {"train": train, "val": held_out, "test": held_out}
    arrays = {
        name: (_discs(rng, labels, colours, side, background), labels)
        for name, labels in splits.items()
    }
    return selftest.tiny_fruits_data(WORKSHOP_CLASSES, arrays, name="tiny-discs", side=side)


class _QuietPyplot:
    """matplotlib.pyplot for the self-test: everything works, ``show`` closes the figures."""

    def __getattr__(self, name):
        import matplotlib.pyplot as pyplot

        return getattr(pyplot, name)

    def show(self, *args, **kwargs):
        import matplotlib.pyplot as pyplot

        pyplot.close("all")


def _tiny_context() -> dict:
    """The lesson's names the solutions use, on tiny disc pictures (for the self-test)."""
    import keras
    import tensorflow as tf
    from keras import layers

    from course_utils import contexts, models, tables

    keras.utils.set_random_seed(0)
    data = _tiny_data(seed=1)
    hard = _tiny_data(seed=2, per_class=2, background=150)  # other surroundings
    augmentation = keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomZoom(0.1, fill_mode="nearest")],
        name="augmentation",
    )
    image_size = data.image_size
    model = models.build_fruits_cnn((*image_size, 3), 16)

    def predict_all(network, pictures):
        return network.predict(pictures.astype("float32"), batch_size=8, verbose=0)

    index = int(np.flatnonzero(data.y_test == data.class_names.index("Banana"))[0])
    return {
        "np": np,
        "tf": tf,
        "keras": keras,
        "layers": layers,
        "plt": _QuietPyplot(),
        "contexts": contexts,
        "models": models,
        "tables": tables,
        "data": data,
        "hard": hard,
        "augmentation": augmentation,
        "model": model,
        "predict_all": predict_all,
        "IMAGE_SIZE": image_size,
        "NUM_CLASSES": 16,
        "EPOCHS": 1,
        "SEED": 0,
        "index": index,
        "image": data.x_test[index],
    }


# --------------------------------------------------------------------------- q1: augmentation


def _check_q1(augmented_model, augmented_history, keep_best, data, hard, NUM_CLASSES):
    import keras

    require(
        isinstance(augmented_model, keras.Model),
        "`augmented_model` should be a Keras model: models.build_fruits_cnn((*IMAGE_SIZE, 3), "
        "NUM_CLASSES), compiled and trained.",
    )
    reject(
        km.wrong_number_of_classes(augmented_model, NUM_CLASSES),
        km.softmax_with_from_logits(augmented_model) if augmented_model.optimizer else None,
        km.logits_without_from_logits(augmented_model) if augmented_model.optimizer else None,
        early_stopping_mistake(keep_best),
        _not_trained(augmented_model, "augmented_model"),
    )
    require(
        isinstance(augmented_history, keras.callbacks.History),
        "`augmented_history` should be what fit returns (a History): augmented_history = "
        "augmented_model.fit(...).",
    )
    require(
        augmented_history.model is augmented_model,
        "`augmented_history` belongs to another model: keep what augmented_model.fit(...) returns.",
    )
    curve = augmented_history.history.get("val_accuracy")
    require(
        curve,
        "The history has no val_accuracy: compile with metrics=['accuracy'] and pass "
        "validation_data=hard.validation to fit (the hard validation set chooses the epoch).",
    )
    reject(random_at_inference(augmented_model, hard.x_val[:16]))
    best = float(np.max(curve))
    on_hard_val = _accuracy(augmented_model, hard.x_val, hard.y_val)
    if not _same(best, on_hard_val):
        reject(
            "The history's best val_accuracy is the model's accuracy on the hard TEST: the "
            "hard Test only measures, at the end. Choose the epoch on the hard validation set: "
            "validation_data=hard.validation."
            if hard.x_test is not None
            and _same(best, _accuracy(augmented_model, hard.x_test, hard.y_test))
            else None,
            "The history's best val_accuracy is the model's accuracy on the PLAIN validation "
            "set, whose photos look like the training photos. Choose the epoch on the hard "
            "validation set: validation_data=hard.validation."
            if _same(best, _accuracy(augmented_model, data.x_val, data.y_val))
            else None,
        )
        require(
            _close(best, on_hard_val, len(hard.y_val)),
            f"The history's best val_accuracy ({best:.1%}) is not the model's accuracy on the "
            f"hard validation set ({on_hard_val:.1%}). Validate on hard.validation as it is "
            "(no augmentation on validation or test pictures: augment_batch goes on data.train "
            "only), pass callbacks=[keep_best] to this fit, and do not train the model again "
            "afterwards.",
        )
    if _steps(augmented_model) >= TRAINED_STEPS:
        reject(
            km.at_least(
                on_hard_val,
                1.5 / NUM_CLASSES,
                "The accuracy on the hard validation set",
                advice="Train on data.train.map(augment_batch) for EPOCHS epochs with "
                "learning_rate=1e-3; if it stays near chance, look at the augmented batches "
                "(plotting.show_images) before training.",
            )
        )
    kept = int(np.argmax(curve)) + 1
    return (
        f"Best epoch {kept} of {len(curve)} kept: {on_hard_val:.1%} on the hard validation set. "
        "Now compare the two Test columns."
    )


_Q1_REFERENCE = """\
keras.utils.set_random_seed(SEED)
replacer = contexts.BackgroundReplacer(seed=SEED)  # backgrounds from the training pool only


def augment_batch(images, labels):
    pictures = tf.numpy_function(replacer, [images], tf.float32, stateful=True)
    pictures = tf.ensure_shape(pictures, images.shape)
    return augmentation(pictures, training=True), labels


augmented_model = models.build_fruits_cnn((*IMAGE_SIZE, 3), NUM_CLASSES)
augmented_model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
keep_best = keras.callbacks.EarlyStopping(
    monitor="val_accuracy", patience=4, restore_best_weights=True, verbose=1
)
augmented_history = augmented_model.fit(
    data.train.map(augment_batch).prefetch(tf.data.AUTOTUNE),
    validation_data=hard.validation,
    epochs=EPOCHS,
    verbose=2,
    callbacks=[keep_best],
)
curve = augmented_history.history["val_accuracy"]
best_epoch = int(np.argmax(curve)) + 1
plt.figure(figsize=(5, 3))
plt.plot(range(1, len(curve) + 1), curve, "o-", label="augmented model, hard validation")
plt.axvline(best_epoch, color="grey", ls="--", label=f"kept: epoch {best_epoch}")
plt.xlabel("epoch")
plt.ylabel("accuracy")
plt.ylim(0, 1)
plt.legend()
plt.show()

scores = {}
for name, network in (("model above (plain training)", model), ("augmented", augmented_model)):
    scores[name] = [
        float(np.mean(predict_all(network, x).argmax(axis=1) == y))
        for x, y in (
            (hard.x_val, hard.y_val),
            (data.x_test, data.y_test),
            (hard.x_test, hard.y_test),
        )
    ]
tables.show_table(
    [[name, *(f"{v:.1%}" for v in values)] for name, values in scores.items()],
    ["model", "hard validation", "plain Test", "hard Test"],
)
plain_gain = scores["augmented"][1] - scores["model above (plain training)"][1]
hard_gain = scores["augmented"][2] - scores["model above (plain training)"][2]
print(
    f"best epoch on the hard validation: {best_epoch} of {len(curve)} trained; augmentation "
    f"changed the plain Test by {plain_gain:+.1%} and the hard Test by {hard_gain:+.1%}"
)
# Reading it: the hard validation chose the epoch, the two Test columns only measure it.
# New backgrounds teach the network that the surroundings do not matter, which is what the
# hard Test asks; on the plain Test there is little left to win, and augmented pictures are
# harder to learn in the same number of epochs. The printed differences say how it went here.
"""


def _q1_untrained(ctx, *, classes=None, activation="softmax", from_logits=False, callback=None):
    """A q1 answer that goes wrong before training would matter (built, compiled, not fit)."""
    import keras
    from keras import layers

    from course_utils import models

    count = ctx["NUM_CLASSES"] if classes is None else classes
    network = models.build_fruits_cnn((*ctx["IMAGE_SIZE"], 3), count)
    if activation != "softmax":
        features = network.get_layer("dropout").output
        outputs = layers.Dense(count, activation=activation, name="logits")(features)
        network = keras.Model(network.inputs, outputs)
    network.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=["accuracy"],
    )
    if callback is None:
        callback = keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=4, restore_best_weights=True
        )
    return {"augmented_model": network, "augmented_history": None, "keep_best": callback}


def _q1_validated_on(ctx, split):
    """The reference's training (no augmentation, to keep it short), validated on ``split``."""
    import keras

    answer = _q1_untrained(ctx)
    network, keep_best = answer["augmented_model"], answer["keep_best"]
    validation = {"plain validation": ctx["data"].validation, "hard test": ctx["hard"].test}[split]
    history = network.fit(
        ctx["data"].train, validation_data=validation, epochs=1, verbose=0, callbacks=[keep_best]
    )
    keras.backend.clear_session(free_memory=False)
    return {**answer, "augmented_history": history}


def _q1_stopping(**options):
    import keras

    return keras.callbacks.EarlyStopping(**options)


q1 = Exercise(
    lesson="04",
    key="q1",
    title="train with augmentation, keep the best epoch",
    answers=("augmented_model", "augmented_history", "keep_best"),
    context=("data", "hard", "NUM_CLASSES"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "Augmentation goes on the training batches only: a function augment_batch(images, "
        "labels) that calls a contexts.BackgroundReplacer (through tf.numpy_function) and then "
        "augmentation(pictures, training=True), mapped on data.train.",
        "augmented_model = models.build_fruits_cnn((*IMAGE_SIZE, 3), NUM_CLASSES), compiled like "
        "the model above; keep_best = keras.callbacks.EarlyStopping(monitor='val_accuracy', "
        "patience=4, restore_best_weights=True).",
        "augmented_history = augmented_model.fit(data.train.map(augment_batch), "
        "validation_data=hard.validation, epochs=EPOCHS, callbacks=[keep_best]); then "
        "predict_all on data.x_test and hard.x_test for the two Test columns.",
    ),
    wrong_answers=(
        WrongAnswer(
            "EarlyStopping without restore_best_weights",
            lambda ctx: _q1_untrained(
                ctx, callback=_q1_stopping(monitor="val_accuracy", patience=4)
            ),
            expect="restore_best_weights=True",
        ),
        WrongAnswer(
            "EarlyStopping on the training accuracy",
            lambda ctx: _q1_untrained(
                ctx, callback=_q1_stopping(monitor="accuracy", restore_best_weights=True)
            ),
            expect="measured on the training batches",
        ),
        WrongAnswer(
            "ten output units",
            lambda ctx: _q1_untrained(ctx, classes=10),
            expect="10 units, but there are 16 classes",
        ),
        WrongAnswer(
            "softmax output with from_logits=True",
            lambda ctx: _q1_untrained(ctx, from_logits=True),
            expect="from_logits=True",
        ),
        WrongAnswer(
            "compiled, never trained",
            _Q1_REFERENCE.split("keep_best = ")[0]
            + "keep_best = keras.callbacks.EarlyStopping(monitor='val_accuracy', "
            "restore_best_weights=True)\naugmented_history = None\n",
            expect="has not been trained",
        ),
        WrongAnswer(
            "validated on the plain validation set",
            lambda ctx: _q1_validated_on(ctx, "plain validation"),
            expect="PLAIN validation",
        ),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q2: variants


def _kinds(model) -> dict[str, int]:
    """How many ReLU, LeakyReLU and BatchNormalization layers a model has."""
    from keras import layers

    counts = {"relu": 0, "leaky": 0, "batch_norm": 0}
    for layer in model.layers:
        if isinstance(layer, layers.LeakyReLU):
            counts["leaky"] += 1
        elif isinstance(layer, layers.ReLU) or (
            isinstance(layer, layers.Activation | layers.Conv2D)
            and layer.get_config().get("activation") == "relu"
        ):
            counts["relu"] += 1
        elif isinstance(layer, layers.BatchNormalization):
            counts["batch_norm"] += 1
    return counts


def _check_q2(variant_models, variant_scores, data, hard, NUM_CLASSES):
    import keras

    require(
        isinstance(variant_models, dict)
        and len(variant_models) == 2
        and all(isinstance(m, keras.Model) for m in variant_models.values()),
        "`variant_models` should be a dict of the two trained variants, name -> Keras model: "
        "{'ReLU, batch norm': ..., 'LeakyReLU, no batch norm': ...}.",
    )
    kinds = {name: _kinds(m) for name, m in variant_models.items()}
    for network in variant_models.values():
        reject(km.wrong_number_of_classes(network, NUM_CLASSES))
    relu = [n for n, k in kinds.items() if k["relu"] and not k["leaky"] and k["batch_norm"]]
    plain = [n for n, k in kinds.items() if k["leaky"] and not k["batch_norm"]]
    originals = [n for n, k in kinds.items() if k["leaky"] and k["batch_norm"] and not k["relu"]]
    require(
        relu,
        "Neither variant uses ReLU with batch normalisation"
        + (
            f": {', '.join(repr(n) for n in originals)} still has LeakyReLU layers. "
            if originals
            else ". "
        )
        + "Replace every LeakyReLU with layers.ReLU() and keep the BatchNormalization layers.",
    )
    require(
        plain,
        "Neither variant is LeakyReLU without batch normalisation"
        + (
            f": {', '.join(repr(n) for n in originals if n not in relu)} still has "
            "BatchNormalization layers. "
            if [n for n in originals if n not in relu]
            else ". "
        )
        + "Leave the BatchNormalization layers out and keep LeakyReLU.",
    )
    for name, network in variant_models.items():
        reject(_not_trained(network, f"variant_models[{name!r}]"))
    require(
        isinstance(variant_scores, dict) and set(variant_scores) == set(variant_models),
        "`variant_scores` should be a dict with the same names as `variant_models`, each "
        "name -> (validation accuracy, hard validation accuracy).",
    )
    for name, network in variant_models.items():
        pair = variant_scores[name]
        require(
            len(pair) == 2 and all(0 <= float(v) <= 1 for v in pair),
            f"`variant_scores[{name!r}]` should be two accuracies between 0 and 1: "
            "(validation, hard validation).",
        )
        on_val = _accuracy(network, data.x_val, data.y_val)
        on_hard = _accuracy(network, hard.x_val, hard.y_val)
        checks = (
            (pair[0], on_val, "validation", data),
            (pair[1], on_hard, "hard validation", hard),
        )
        on_train = _accuracy(network, data.x_train, data.y_train)
        for value, accuracy, what, split in checks:
            if _same(value, accuracy) or (
                _close(value, accuracy, len(split.y_val)) and not _same(value, on_train)
            ):
                continue
            reject(
                f"`variant_scores[{name!r}]` holds {float(value):.1%}, the accuracy on the "
                "TRAINING pictures: a network is always good on what it learned from. Measure "
                "it on data.x_val and hard.x_val."
                if _same(value, on_train)
                else None
            )
            require(
                False,
                f"`variant_scores[{name!r}]` holds {float(value):.1%} for the {what} set, but "
                f"the model gets {accuracy:.1%} there: compute it with np.mean(predict_all("
                "network, x).argmax(axis=1) == y) on (data.x_val, data.y_val) and "
                "(hard.x_val, hard.y_val), in that order.",
            )
        if _steps(network) >= TRAINED_STEPS:
            reject(
                km.at_least(
                    on_val,
                    2 / NUM_CLASSES,
                    f"The validation accuracy of {name!r}",
                    advice="Train it for EPOCHS epochs with Adam(learning_rate=1e-3).",
                )
            )
    best = max(variant_scores, key=lambda n: float(variant_scores[n][1]))
    return (
        f"Both variants trained and measured; the better one on the hard validation set: {best}. "
        "One run is one draw: compare with the model above in the table."
    )


_Q2_REFERENCE = """\
def variant(activation="leaky", batch_norm=True):
    inputs = keras.Input(shape=(*IMAGE_SIZE, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, padding="same")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x) if activation == "relu" else layers.LeakyReLU(negative_slope=0.1)(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.3)(layers.Flatten()(x))
    return keras.Model(inputs, layers.Dense(NUM_CLASSES, activation="softmax")(x))


def validation_scores(network):
    return [
        float(np.mean(predict_all(network, x).argmax(axis=1) == y))
        for x, y in ((data.x_val, data.y_val), (hard.x_val, hard.y_val))
    ]


variant_models, variant_scores = {}, {}
for name, settings in (
    ("ReLU, batch norm", {"activation": "relu"}),
    ("LeakyReLU, no batch norm", {"batch_norm": False}),
):
    print(f"--- {name}")
    keras.utils.set_random_seed(SEED)
    candidate = variant(**settings)
    candidate.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    candidate.fit(data.train, validation_data=data.validation, epochs=EPOCHS, verbose=2)
    variant_models[name] = candidate
    variant_scores[name] = validation_scores(candidate)
rows = [["LeakyReLU, batch norm (model above)", *validation_scores(model)]]
rows += [[name, *scores] for name, scores in variant_scores.items()]
tables.show_table(
    [[name, f"{plain:.1%}", f"{hard_val:.1%}"] for name, plain, hard_val in rows],
    ["network", "validation", "hard validation"],
)
best = max(rows, key=lambda row: row[2])
print(f"best on the hard validation: {best[0]} ({best[2]:.1%})")
# On easy data all three can end up equal on the plain validation set; the hard validation
# separates them more often. One run per variant is one draw: differences of a point or two
# can change with the seed.
"""


def _q2_variant(ctx, *, relu: bool, batch_norm: bool, train: bool = True):
    import keras
    from keras import layers

    inputs = keras.Input(shape=(*ctx["IMAGE_SIZE"], 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (8, 16):
        x = layers.Conv2D(filters, 3, padding="same")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x) if relu else layers.LeakyReLU(negative_slope=0.1)(x)
        x = layers.MaxPooling2D()(x)
    outputs = layers.Dense(ctx["NUM_CLASSES"], activation="softmax")(layers.Flatten()(x))
    network = keras.Model(inputs, outputs)
    network.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    if train:
        network.fit(ctx["data"].train, epochs=1, verbose=0)
    return network


def _q2_answer(ctx, *, relu_variant=(True, True), plain_variant=(False, False), train=True):
    data, hard = ctx["data"], ctx["hard"]
    keras_models = {
        "ReLU, batch norm": _q2_variant(
            ctx, relu=relu_variant[0], batch_norm=relu_variant[1], train=train
        ),
        "LeakyReLU, no batch norm": _q2_variant(
            ctx, relu=plain_variant[0], batch_norm=plain_variant[1], train=train
        ),
    }
    scores = {
        name: [_accuracy(m, data.x_val, data.y_val), _accuracy(m, hard.x_val, hard.y_val)]
        for name, m in keras_models.items()
    }
    return {"variant_models": keras_models, "variant_scores": scores}


def _q2_on_training(ctx):
    answer = _q2_answer(ctx)
    data, hard = ctx["data"], ctx["hard"]
    answer["variant_scores"] = {
        name: [_accuracy(m, data.x_train, data.y_train), _accuracy(m, hard.x_val, hard.y_val)]
        for name, m in answer["variant_models"].items()
    }
    return answer


q2 = Exercise(
    lesson="04",
    key="q2",
    title="ReLU or LeakyReLU, with or without batch normalisation",
    answers=("variant_models", "variant_scores"),
    context=("data", "hard", "NUM_CLASSES"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "Write a function variant(activation, batch_norm) that builds the network of the "
        "functional-API cell, with layers.ReLU() or layers.LeakyReLU(negative_slope=0.1), and "
        "the BatchNormalization layer only if batch_norm is True.",
        "Compile and fit each variant like the model above (keras.utils.set_random_seed(SEED) "
        "first, so that both start alike) and keep it: variant_models[name] = candidate.",
        "variant_scores[name] = [accuracy on (data.x_val, data.y_val), accuracy on (hard.x_val, "
        "hard.y_val)], each np.mean(predict_all(candidate, x).argmax(axis=1) == y).",
    ),
    wrong_answers=(
        WrongAnswer(
            "the ReLU variant keeps LeakyReLU",
            lambda ctx: _q2_answer(ctx, relu_variant=(False, True), train=False),
            expect="still has LeakyReLU layers",
        ),
        WrongAnswer(
            "batch normalisation left in",
            lambda ctx: _q2_answer(ctx, plain_variant=(False, True), train=False),
            expect="still has BatchNormalization layers",
        ),
        WrongAnswer(
            "compiled, never trained",
            lambda ctx: _q2_answer(ctx, train=False),
            expect="has not been trained",
        ),
        WrongAnswer("scores on the training pictures", _q2_on_training, expect="TRAINING pictures"),
    ),
    test_context=_tiny_context,
)

# --------------------------------------------------------------------------- q3: rotation


def _check_q3(rotated, rotated_probs, model, image, index, data):
    require(
        hasattr(rotated, "shape") and tuple(np.shape(rotated)) == (4, *np.shape(image)),
        f"`rotated` should hold the four rotated pictures, shape (4, *image.shape) = "
        f"{(4, *np.shape(image))}: np.stack([np.rot90(image, k) for k in range(4)]), not "
        f"shape {np.shape(rotated)}.",
    )
    pictures = np.asarray(rotated, dtype="float64")
    reject(km.input_scale_mistake(model, pictures))
    original = np.asarray(image, dtype="float64")
    turns = []
    for picture in pictures:
        matches = [k for k in range(4) if np.allclose(picture, np.rot90(original, k), atol=0.5)]
        require(
            matches,
            "One of the pictures in `rotated` is not the banana test picture turned by a "
            "multiple of 90 degrees: use np.rot90(image, k), which turns the first two axes "
            "(height and width) and leaves the colours alone.",
        )
        turns.append(matches[0])
    require(
        len(set(turns)) == 4,
        f"`rotated` shows only {len(set(turns))} different turn(s) of the picture: the second "
        "argument of np.rot90 is the number of quarter turns, so pass k = 0, 1, 2, 3.",
    )
    probs = np.asarray(rotated_probs, dtype="float64")
    all_probs = model.predict(pictures.astype("float32"), verbose=0)
    true_class = int(data.y_test[index])
    require(
        probs.shape != all_probs.shape,
        f"`rotated_probs` holds all {all_probs.shape[1]} probabilities of each picture: keep "
        "only the column of the true class, model.predict(rotated)[:, data.y_test[index]].",
    )
    require(
        probs.shape == (4,),
        f"`rotated_probs` should be four probabilities (one per angle), not shape {probs.shape}.",
    )
    expected = all_probs[:, true_class]
    if not np.allclose(probs, expected, atol=1e-3):
        reject(
            "`rotated_probs` holds the probability of the class the model PREDICTS for each "
            "angle (the largest one), not of the true class: take the column "
            "data.y_test[index]."
            if np.allclose(probs, all_probs.max(axis=1), atol=1e-3)
            else None
        )
        require(
            False,
            "`rotated_probs` is not the model's probability of the true class for the four "
            "pictures of `rotated`: model.predict(rotated, verbose=0)[:, data.y_test[index]].",
        )
    kept = [90 * k for k, p in zip(turns, probs, strict=True) if p > 0.5]
    return (
        f"Probability of {data.class_names[true_class]} per angle computed; above 50% at: "
        f"{', '.join(f'{a} degrees' for a in kept) or 'no angle'}."
    )


_Q3_REFERENCE = """\
rotated = np.stack([np.rot90(image, k) for k in range(4)]).astype("float32")
true_class = data.y_test[index]
rotated_probs = model.predict(rotated, verbose=0)[:, true_class]
fig, axes = plt.subplots(1, 5, figsize=(11, 2.5), gridspec_kw={"width_ratios": [1, 1, 1, 1, 2]})
for ax, picture, probability, angle in zip(
    axes, rotated, rotated_probs, (0, 90, 180, 270), strict=False
):
    ax.imshow(picture.astype("uint8"))
    ax.set_title(f"{angle} degrees: {probability:.0%}", fontsize=9)
    ax.axis("off")
axes[4].bar(["0", "90", "180", "270"], rotated_probs)
axes[4].set_ylim(0, 1)
axes[4].set_xlabel("rotation (degrees)")
axes[4].set_ylabel("probability")
axes[4].set_title(f"probability of {data.class_names[true_class]}", fontsize=9)
fig.tight_layout()
plt.show()
kept = [angle for angle, p in zip((0, 90, 180, 270), rotated_probs, strict=True) if p > 0.5]
print(f"angles where {data.class_names[true_class]} keeps more than 50%: {kept or 'none'}")
# The network has no built-in notion of rotation: it is sure about the views it was trained
# on and may or may not be about others. Where the bars drop, RandomRotation augmentation
# helps if rotated pictures can occur in use.
"""


def _q3_answer(ctx, *, scale=1.0, turns=(0, 1, 2, 3), column="true"):
    model, image = ctx["model"], ctx["image"]
    rotated = np.stack([np.rot90(image, k) for k in turns]).astype("float32") * scale
    probs = model.predict(rotated, verbose=0)
    if column == "true":
        probs = probs[:, ctx["data"].y_test[ctx["index"]]]
    elif column == "max":
        probs = probs.max(axis=1)
    return {"rotated": rotated, "rotated_probs": probs}


def _q3_context() -> dict:
    """The tiny context, with an untrained model whose first guess is not the true class."""
    context = _tiny_context()
    probs = context["model"].predict(np.asarray(context["image"], "float32")[None], verbose=0)
    true_class = int(context["data"].y_test[context["index"]])
    if int(np.argmax(probs)) == true_class:  # keep the 'predicted class' mistake telling
        context["index"] = int(np.flatnonzero(context["data"].y_test != true_class)[0])
        context["image"] = context["data"].x_test[context["index"]]
    return context


q3 = Exercise(
    lesson="04",
    key="q3",
    title="how robust is the network to rotation",
    answers=("rotated", "rotated_probs"),
    context=("model", "image", "index", "data"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "np.rot90(image, k) turns a picture by k quarter turns; stack the four turns k = 0, 1, "
        "2, 3 into one batch `rotated`.",
        "model.predict(rotated) gives 16 probabilities per picture; the banana's true class "
        "number is data.y_test[index]. The model rescales 0-255 pixels itself: do not divide "
        "by 255.",
        "rotated = np.stack([np.rot90(image, k) for k in range(4)]).astype('float32'); "
        "rotated_probs = model.predict(rotated, verbose=0)[:, data.y_test[index]]; then a bar "
        "chart of rotated_probs.",
    ),
    wrong_answers=(
        WrongAnswer(
            "pixels divided by 255",
            lambda ctx: _q3_answer(ctx, scale=1 / 255),
            expect="rescales 0-255 pixels itself",
        ),
        WrongAnswer(
            "the same turn four times",
            lambda ctx: _q3_answer(ctx, turns=(1, 1, 1, 1)),
            expect="number of quarter turns",
        ),
        WrongAnswer(
            "probability of the predicted class",
            lambda ctx: _q3_answer(ctx, column="max"),
            expect="PREDICTS",
        ),
        WrongAnswer(
            "all sixteen probabilities",
            lambda ctx: _q3_answer(ctx, column="all"),
            expect="all 16 probabilities",
        ),
    ),
    test_context=_q3_context,
)


# --------------------------------------------------------------------------- concept questions

output_shape = Question(
    "04",
    "output-shape",
    "The network's input is 32x32x3. What is the output shape of `pool2`, the MaxPooling2D "
    "layer of the second block (Conv2D with 64 kernels, padding='same')?",
    [
        Option(
            "(None, 8, 8, 64)",
            "Right: 'same' padding keeps the size inside a block and each 2x2 pooling halves "
            "it, 32 -> 16 -> 8; the channels are the 64 kernels of conv2. None is the batch.",
            correct=True,
        ),
        Option(
            "(None, 16, 16, 64)",
            "That is the output of pool1's size with conv2's channels: conv2 works on the 16x16 "
            "maps of pool1, and pool2 halves them again, to 8x8.",
        ),
        Option(
            "(None, 6, 6, 64)",
            "That would be 'valid' convolutions (each losing 2 pixels: 32 -> 30 -> 15 -> 13 "
            "-> 6); with padding='same' a convolution keeps the size.",
        ),
        Option(
            "(None, 8, 8, 3)",
            "The channels of a convolution's output are its kernels (64 in conv2), not the "
            "picture's colours; pooling keeps the channels as they are.",
        ),
    ],
)

batchnorm_inference = Question(
    "04",
    "batchnorm-inference",
    "What does a BatchNormalization layer do in `predict` and `evaluate`, after training?",
    [
        Option(
            "It standardises each channel with the running mean and variance collected during "
            "training, then applies the learned scale and shift",
            "Right: the batch statistics are used only while training; predictions use the "
            "running averages, so one picture gets the same answer alone or in any batch.",
            correct=True,
        ),
        Option(
            "It standardises each channel with the mean and variance of the batch being predicted",
            "That is what it does during training. In prediction mode the answer for one "
            "picture would then depend on the other pictures in its batch; it uses the running "
            "averages instead.",
        ),
        Option(
            "Nothing: like Dropout it is switched off after training",
            "Dropout is switched off, but batch normalisation is part of the computation: "
            "without it every later layer would see values on another scale than in training.",
        ),
        Option(
            "It keeps updating its running averages with the new pictures",
            "The averages change only in training steps (with momentum); predict and "
            "evaluate leave them as they are.",
        ),
    ],
)

overfitting = Question(
    "04",
    "overfitting-curve",
    "Which pair of curves shows overfitting?",
    [
        Option(
            "Training accuracy keeps climbing towards 100% while validation accuracy stalls "
            "and then falls",
            "Right: the network keeps getting better on the pictures it learns from and worse "
            "on new ones: it memorises instead of generalising.",
            correct=True,
        ),
        Option(
            "Training and validation accuracy both stay low",
            "That is underfitting: the network has not learned enough yet (more epochs, more "
            "capacity or a better learning rate), not too much.",
        ),
        Option(
            "The training loss goes up a little in one epoch, then falls again",
            "A single bump is normal: batches come in another order, dropout switches off "
            "other units. Overfitting shows in the gap between training and validation.",
        ),
        Option(
            "Validation accuracy is a little above training accuracy",
            "That often happens with dropout and augmentation, which make the training "
            "batches harder than the validation pictures; it is not overfitting.",
        ),
    ],
)

hard_confusion = Question(
    "04",
    "hard-confusion-matrix",
    "Why does the confusion matrix on the hard Test tell more than on the plain Test?",
    [
        Option(
            "The plain Test has almost no mistakes, so its matrix is nearly all diagonal; the "
            "hard Test makes mistakes, and their pattern shows what the network confuses",
            "Right: a matrix shows mistakes, and only a test with mistakes has a pattern to "
            "read (look-alike fruits, colours taken from the background).",
            correct=True,
        ),
        Option(
            "The hard Test has more pictures",
            "It has exactly as many: one hard twin for every plain Test picture, with the "
            "same labels.",
        ),
        Option(
            "The hard Test has other classes",
            "The classes and labels are the same; only the surroundings of each fruit change.",
        ),
        Option(
            "The network was trained on the hard pictures",
            "It never saw them: the hard sets are for validation and testing only (exercise "
            "1's new backgrounds come from another pool of photos).",
        ),
    ],
)

quiz = Quiz("04", [output_shape, batchnorm_inference, overfitting, hard_confusion])
