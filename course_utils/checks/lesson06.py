"""Checks and concept questions of lesson 06, "transfer learning and fine-tuning".

Four exercises, checked from the notebook with ``lesson06.q1.check()`` ... ``q4``: a head
on the cached block-4 features (``early_head``, ``early_scores``); fine-tuning with data
augmentation around the lesson's ``model`` (``augmented_model``); Xception as the base, its
preprocessing and a head on its features (``resized_75``, ``xception_cache``,
``xception_head``); and the Xception model made ready for fine-tuning with its
BatchNormalization layers frozen (``xception_model``). The lesson's concept questions are
``lesson06.quiz``. Keras is imported only by the checks that need it.

The checks look at the models' structure (shapes, which weights are trainable, the
optimizer's learning rate, what a training step does to BatchNormalization statistics) and
use accuracy only as a wide band against an untrained model: they hold with ImageNet or
random weights, in quick and full mode, on every data source.
"""

from __future__ import annotations

import time
import types

import numpy as np

from course_utils.checks import keras_mistakes as km
from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

LOW_LEARNING_RATE = 1e-4
"""The largest learning rate accepted for fine-tuning (the lesson uses 1e-5, the head 1e-3)."""

# --------------------------------------------------------------------------- the lesson's tools
# Small copies of the functions the lesson defines, and tiny stand-ins for its bases, for the
# self-tests' contexts (no weights are downloaded, the Keras cache is not touched).


def _build_head(train_features, num_classes, name="head"):
    import keras
    from keras import layers

    scale = 1.0 / float(train_features.std())
    feature_input = keras.Input(shape=train_features.shape[1:], name="features")
    x = layers.Flatten(name="flatten")(feature_input)
    x = layers.Rescaling(scale, name="rescale")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    new_head = keras.Model(feature_input, outputs, name=name)
    new_head.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return new_head


def _predict_full_batches(network, images, batch_size=64):
    filler = (-len(images)) % batch_size
    padded = np.concatenate([images, np.repeat(images[-1:], filler, axis=0)])
    return network.predict(padded, batch_size=batch_size, verbose=0)[: len(images)]


def _predict_all(network, arrays):
    outputs = _predict_full_batches(network, np.concatenate(list(arrays.values())))
    ends = np.cumsum([len(array) for array in arrays.values()])
    return {
        name: outputs[end - len(arrays[name]) : end] for name, end in zip(arrays, ends, strict=True)
    }


def _clear_difference(a, b, n):
    standard_error = np.sqrt((a * (1 - a) + b * (1 - b)) / n)
    return abs(a - b) > max(2 * standard_error, 1 / n)


def _direction(before, after, n):
    if not _clear_difference(before, after, n):
        return "no clear change"
    return "up" if after > before else "down"


def _probabilities(model, inputs, batch_size: int = 128) -> np.ndarray:
    """The model's outputs in inference mode, called eagerly (no tf.function is traced)."""
    import keras

    inputs = np.asarray(inputs, dtype="float32")
    parts = [
        keras.ops.convert_to_numpy(model(inputs[i : i + batch_size], training=False))
        for i in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(parts)


def _accuracy(model, inputs, labels) -> float:
    predicted = _probabilities(model, inputs).argmax(axis=1)
    return float(np.mean(predicted == np.asarray(labels).reshape(-1)))


def _learning_rate(model) -> float | None:
    """The compiled optimizer's learning rate, or None when the model is not compiled."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def _low_learning_rate(model, name: str) -> str | None:
    """A message when ``model`` is not compiled, or compiled with a head's learning rate."""
    rate = _learning_rate(model)
    if rate is None:
        return f"`{name}` is not compiled: compile it (Adam with learning_rate=1e-5) before fit."
    if rate > LOW_LEARNING_RATE:
        return (
            f"`{name}` is compiled with the learning rate {rate:g}"
            + (", as large as the head's" if rate >= 1e-3 else "")
            + ". Fine-tuning pretrained layers needs a low learning rate, about 100 times "
            "lower (keras.optimizers.Adam(learning_rate=1e-5)): large steps overwrite the "
            "pretrained filters instead of nudging them."
        )
    return None


def _tiny_split(rng, count, classes, shape, *, spread):
    labels = np.repeat(np.arange(classes), count)
    centres = np.random.default_rng(0).normal(size=(classes, *shape))  # the same in every split
    values = centres[labels] + spread * rng.normal(size=(len(labels), *shape))
    return values.astype("float32"), labels


def _tiny_images(rng, count, classes, side):
    labels = np.repeat(np.arange(classes), count)
    colours = np.linspace(30, 225, classes)[:, None] * np.array([[1.0, 0.6, 0.3]])
    noise = rng.integers(-25, 25, size=(len(labels), side, side, 3))
    images = np.clip(colours[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8)
    return images, labels


def _tiny_few(classes: int = 4, side: int = 32):
    """Few photos per class, as the lesson's ``few`` and ``hard`` (made-up pictures)."""
    rng = np.random.default_rng(6)
    parts = {}
    for split, count in (("train", 16), ("val", 3), ("test", 3)):
        parts[split] = _tiny_images(rng, count, classes, side)
    few = types.SimpleNamespace(
        x_train=parts["train"][0],
        y_train=parts["train"][1],
        x_val=parts["val"][0],
        y_val=parts["val"][1],
        x_test=parts["test"][0],
        y_test=parts["test"][1],
    )
    hard = types.SimpleNamespace(
        x_val=255 - few.x_val, y_val=few.y_val, x_test=255 - few.x_test, y_test=few.y_test
    )
    return few, hard


def _base_context(classes: int = 4) -> dict:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    few, hard = _tiny_few(classes)
    splits = {
        "train": few.x_train,
        "validation": few.x_val,
        "hard validation": hard.x_val,
        "Test": few.x_test,
        "hard Test": hard.x_test,
    }
    labels = {
        "train": few.y_train,
        "validation": few.y_val,
        "hard validation": hard.y_val,
        "Test": few.y_test,
        "hard Test": hard.y_test,
    }

    def accuracy(probabilities, split):
        return float(np.mean(probabilities.argmax(axis=1) == labels[split]))

    return {
        "np": np,
        "time": time,
        "keras": keras,
        "layers": layers,
        "SEED": 0,
        "HEAD_EPOCHS": 30,
        "FINE_TUNE_EPOCHS": 1,
        "IMAGE_SIZE": few.x_train.shape[1],
        "few": few,
        "hard": hard,
        "splits": splits,
        "labels": labels,
        "class_names": [f"fruit {i}" for i in range(classes)],
        "EVALUATION": ("validation", "hard validation", "Test", "hard Test"),
        "build_head": _build_head,
        "predict_full_batches": _predict_full_batches,
        "predict_all": _predict_all,
        "accuracy": accuracy,
        "clear_difference": _clear_difference,
        "direction": _direction,
        "weights_note": "RANDOM",
        "vgg": types.SimpleNamespace(has_imagenet_weights=False),
    }


# --------------------------------------------------------------------------- q1: block-4 head


def _q1_context() -> dict:
    """Made-up cached features: block 4 at 2x2x6, block 5 at 1x1x6 (shapes differ)."""
    context = _base_context()
    rng = np.random.default_rng(1)
    block4, features = {}, {}
    for split, images in context["splits"].items():
        count, classes = len(images) // 4, 4
        spread = 0.3 if split != "hard validation" else 3.0
        block4[split] = _tiny_split(rng, count, classes, (2, 2, 6), spread=spread)[0]
        features[split] = _tiny_split(rng, count, classes, (1, 1, 6), spread=spread)[0]
    context.update(block4=block4, features=features)
    context["head_scores"] = {split: 0.5 for split in context["EVALUATION"]}
    return context


def _check_q1(early_head, early_scores, block4, labels, class_names):
    import keras

    require(
        isinstance(early_head, keras.Model),
        "`early_head` should be a Keras model: the head built with build_head(block4['train'], "
        "len(class_names), ...) and trained on the block-4 features.",
    )
    wanted = tuple(block4["train"].shape[1:])
    takes = tuple(early_head.input_shape[1:])
    require(
        takes == wanted,
        f"`early_head` takes inputs of shape {takes}, but the block-4 features are {wanted}"
        + (
            " (you may have trained it on the block-5 features, `features`, as the lesson's head)"
            if len(takes) == len(wanted) and takes[-1] == wanted[-1]
            else ""
        )
        + ": build and fit it on block4['train'].",
    )
    reject(km.wrong_number_of_classes(early_head, len(class_names)))
    trained = _accuracy(early_head, block4["train"], labels["train"])
    reject(
        km.at_least(
            trained,
            max(0.5, 2 / len(class_names)),
            "The accuracy of `early_head` on the training features",
            advice="That is about chance: did you train it (early_head.fit(block4['train'], "
            "few.y_train, epochs=HEAD_EPOCHS, ...))?",
        )
    )
    require(
        isinstance(early_scores, dict)
        and {"validation", "hard validation"} <= set(early_scores)
        and all(
            isinstance(early_scores[s], float | int | np.floating)
            for s in ("validation", "hard validation")
        ),
        "`early_scores` should be a dict of two accuracies (numbers between 0 and 1): "
        "{'validation': ..., 'hard validation': ...}, measured with `accuracy` on "
        "early_head's outputs for block4['validation'] and block4['hard validation'].",
    )
    for split in ("validation", "hard validation"):
        got, n = float(early_scores[split]), len(labels[split])
        measured = _accuracy(early_head, block4[split], labels[split])
        if abs(got - measured) <= 1 / n + 1e-9:
            continue
        reject(
            f"Your {split} accuracy is the head's accuracy on the training features: a model "
            "is always good on what it learned from. Measure it on block4['" + split + "'] "
            f"against labels['{split}']."
            if abs(got - trained) <= 1e-9
            else None
        )
        require(
            False,
            f"`early_scores['{split}']` is {got:.3f}, but `early_head` classifies "
            f"{measured:.1%} of the {split} features right: use accuracy(probabilities, "
            f"'{split}') on early_head's outputs for block4['{split}'].",
        )
    return (
        f"A head on the start of the network: validation {float(early_scores['validation']):.0%}, "
        f"hard validation {float(early_scores['hard validation']):.0%}."
    )


_Q1_REFERENCE = """\
keras.utils.set_random_seed(SEED)
early_head = build_head(block4["train"], len(class_names), name="block4_head")
early_head.fit(block4["train"], few.y_train, epochs=HEAD_EPOCHS, batch_size=32, verbose=0)
early_probabilities = predict_all(
    early_head, {s: block4[s] for s in ("validation", "hard validation")}
)
early_scores = {split: accuracy(early_probabilities[split], split) for split in early_probabilities}
for split, early in early_scores.items():
    print(
        f"{split:>15}: head on block-4 features {early:.1%}, block-5 head {head_scores[split]:.1%} "
        f"({weights_note} weights; {direction(head_scores[split], early, len(labels[split]))} "
        "from block 5 to block 4)"
    )
"""


def _q1_trained(ctx, *, source="block4", classes=None):
    import keras

    keras.utils.set_random_seed(0)
    cache = ctx[source]
    count = len(ctx["class_names"]) if classes is None else classes
    head = _build_head(cache["train"], count, name="block4_head")
    head.fit(cache["train"], ctx["few"].y_train % count, epochs=30, batch_size=32, verbose=0)
    scores = {
        split: _accuracy(head, cache[split], ctx["labels"][split])
        for split in ("validation", "hard validation")
    }
    return {"early_head": head, "early_scores": scores}


def _q1_on_training(ctx):
    answer = _q1_trained(ctx)
    trained = _accuracy(answer["early_head"], ctx["block4"]["train"], ctx["labels"]["train"])
    answer["early_scores"] = {"validation": trained, "hard validation": trained}
    return answer


q1 = Exercise(
    lesson="06",
    key="q1",
    title="a head on the start of the network (block 4)",
    answers=("early_head", "early_scores"),
    context=("block4", "labels", "class_names"),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "The block-4 features are already cached in block4[split]; build_head works on any "
        "feature shape, so only the features change compared with the lesson's head.",
        "early_head = build_head(block4['train'], len(class_names), name='block4_head'), then "
        "early_head.fit(block4['train'], few.y_train, epochs=HEAD_EPOCHS, batch_size=32, "
        "verbose=0).",
        "predict_all(early_head, {s: block4[s] for s in ('validation', 'hard validation')}) "
        "gives the probabilities; early_scores = {split: accuracy(probabilities[split], split) "
        "for split in probabilities}.",
    ),
    wrong_answers=(
        WrongAnswer(
            "block-5 features",
            lambda ctx: _q1_trained(ctx, source="features"),
            expect="block-5 features",
        ),
        WrongAnswer(
            "ten classes",
            lambda ctx: _q1_trained(ctx, classes=10),
            expect="10 units, but there are 4 classes",
        ),
        WrongAnswer(
            "head not trained",
            lambda ctx: {
                "early_head": _build_head(ctx["block4"]["train"], 4, name="block4_head"),
                "early_scores": {"validation": 0.25, "hard validation": 0.25},
            },
            expect="did you train it",
        ),
        WrongAnswer(
            "accuracy on the training features", _q1_on_training, expect="training features"
        ),
    ),
    test_context=_q1_context,
)

# --------------------------------------------------------------------------- q2: augmentation


def _stand_in_vgg16(side: int):
    """Five blocks of one small convolution and a pooling each, named as in VGG16."""
    import keras
    from keras import layers

    inputs = keras.Input((side, side, 3))
    x = inputs
    for block in range(1, 6):
        x = layers.Conv2D(6, 3, padding="same", activation="relu", name=f"block{block}_conv1")(x)
        x = layers.MaxPooling2D(name=f"block{block}_pool")(x)
    return keras.Model(inputs, x, name="vgg16")


def _q2_context() -> dict:
    """The lesson up to fine-tuning, on a tiny VGG16 stand-in (32x32 pictures)."""
    import keras
    from keras import layers

    context = _base_context()
    side = context["IMAGE_SIZE"]
    base = _stand_in_vgg16(side)
    base.trainable = False
    lower = keras.Model(base.input, base.get_layer("block4_pool").output)
    block4_input = keras.Input(shape=lower.output_shape[1:])
    x = block4_input
    for layer in base.layers:
        if layer.name.startswith("block5"):
            x = layer(x)
    top_block = keras.Model(block4_input, x)
    preprocess = keras.applications.vgg16.preprocess_input
    block4 = {
        split: _probabilities(lower, preprocess(images.astype("float32")))
        for split, images in context["splits"].items()
    }
    features = {split: _probabilities(top_block, block4[split]) for split in block4}
    head = _build_head(features["train"], len(context["class_names"]))
    head.fit(features["train"], context["few"].y_train, epochs=3, batch_size=32, verbose=0)
    inputs = keras.Input(shape=(side, side, 3))
    outputs = head(base(preprocess(inputs), training=False))
    model = keras.Model(inputs, outputs, name="vgg16_fruits")
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith("block5")
    fine_tune_input = keras.Input(shape=block4["train"].shape[1:])
    fine_tune_model = keras.Model(fine_tune_input, head(top_block(fine_tune_input)))
    fine_tune_model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-5),
        loss="sparse_categorical_crossentropy",
    )
    start = time.perf_counter()
    fine_tune_model.fit(block4["train"], context["few"].y_train, epochs=1, verbose=0)
    context.update(
        layers=layers,
        base=base,
        lower=lower,
        top_block=top_block,
        head=head,
        model=model,
        block4=block4,
        features=features,
        fine_tune_model=fine_tune_model,
        fine_seconds=time.perf_counter() - start,
        fine_probabilities={s: _probabilities(fine_tune_model, block4[s]) for s in block4},
    )
    return context


def _check_q2(augmented_model, model, base, fine_tune_model, block4, fine_probabilities):
    import keras
    from keras import layers

    require(
        isinstance(augmented_model, keras.Model),
        "`augmented_model` should be a Keras model: an Input, the two augmentation layers, "
        "then the lesson's `model`, joined with keras.Model(augmented_input, model(x)).",
    )
    inside = km.all_layers(augmented_model)
    require(
        any(layer is model for layer in inside),
        "`augmented_model` does not contain the lesson's `model`: call it on the augmented "
        "images, keras.Model(augmented_input, model(x)), so that the fine-tuned block 5 and "
        "head are the ones trained (a new VGG16 would start again from scratch).",
    )
    before = inside[: inside.index(model)]
    kinds = {type(layer) for layer in before}
    require(
        layers.RandomFlip in kinds and layers.RandomRotation in kinds,
        "`augmented_model` has no data augmentation in front of `model`: put "
        "layers.RandomFlip('horizontal') and layers.RandomRotation(0.1) between the Input "
        "and model(x)."
        if not kinds & {layers.RandomFlip, layers.RandomRotation}
        else "`augmented_model` has only one of the two augmentation layers in front of "
        "`model`: layers.RandomFlip('horizontal') and layers.RandomRotation(0.1).",
    )
    reject(_low_learning_rate(augmented_model, "augmented_model"))
    frozen = [
        w for layer in base.layers if not layer.name.startswith("block5") for w in layer.weights
    ]
    unfrozen = {id(w) for w in frozen} & {id(w) for w in augmented_model.trainable_weights}
    require(
        not unfrozen,
        f"Blocks 1 to 4 of VGG16 are trainable in `augmented_model` ({len(unfrozen)} weight "
        "tensors): fine-tuning here unfreezes only block 5, as in the lesson. Set "
        "`layer.trainable = layer.name.startswith('block5')` for every layer of `base`, "
        "then compile again.",
    )
    iterations = int(keras.ops.convert_to_numpy(augmented_model.optimizer.iterations))
    require(
        iterations >= 1,
        "`augmented_model` has not been trained yet: fit it for one epoch on 64 training "
        "images (augmented_model.fit(few.x_train[:64], few.y_train[:64], epochs=1, "
        "batch_size=32, verbose=0)) and time it.",
    )
    now = _probabilities(fine_tune_model, block4["validation"])
    moved = float(np.abs(now - fine_probabilities["validation"]).max())
    require(
        moved <= 1e-5,
        "Training `augmented_model` changed the fine-tuned block 5 and head that the rest of "
        f"the lesson shares (the validation probabilities moved by up to {moved:.2g}), and "
        "they were not put back: keep saved_weights = model.get_weights() before fit and "
        "call model.set_weights(saved_weights) after it.",
    )
    return f"Augmented fine-tuning ran ({iterations} steps) and the lesson's model is as before."


_Q2_REFERENCE = """\
saved_weights = model.get_weights()  # block 5 and the head will change: keep a copy

augmented_input = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3))
x = layers.RandomFlip("horizontal")(augmented_input)
x = layers.RandomRotation(0.1)(x)
augmented_model = keras.Model(augmented_input, model(x))
augmented_model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-5),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
start = time.perf_counter()
augmented_model.fit(few.x_train[:64], few.y_train[:64], epochs=1, batch_size=32, verbose=0)
per_image = (time.perf_counter() - start) / 64
cached_per_image = fine_seconds / (FINE_TUNE_EPOCHS * len(few.x_train))
print(
    f"on images with augmentation: {per_image * 1000:.0f} ms per image and epoch "
    f"(first epoch, includes building the graph); "
    f"on the block-4 cache: {cached_per_image * 1000:.0f} ms"
)

model.set_weights(saved_weights)  # back to the fine-tuned weights of the lesson
"""

q2 = Exercise(
    lesson="06",
    key="q2",
    title="fine-tuning with data augmentation",
    answers=("augmented_model",),
    context=("model", "base", "fine_tune_model", "block4", "fine_probabilities"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "Build a new model whose input is an image: augmentation layers first, then the "
        "lesson's `model` called on their output (it keeps block 5 unfrozen and the rest "
        "frozen). Keep model.get_weights() before training.",
        "augmented_input = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)); x = "
        "layers.RandomFlip('horizontal')(augmented_input); x = layers.RandomRotation(0.1)(x); "
        "augmented_model = keras.Model(augmented_input, model(x)).",
        "Compile with keras.optimizers.Adam(learning_rate=1e-5) (the fine-tuning rate, not "
        "the head's 1e-3), fit one epoch on few.x_train[:64] between two time.perf_counter() "
        "calls, then model.set_weights(saved_weights).",
    ),
    wrong_answers=(
        WrongAnswer(
            "the head's learning rate",
            _Q2_REFERENCE.replace("learning_rate=1e-5", "learning_rate=1e-3"),
            expect="as large as the head's",
        ),
        WrongAnswer(
            "no augmentation",
            _Q2_REFERENCE.replace(
                'x = layers.RandomFlip("horizontal")(augmented_input)\n'
                "x = layers.RandomRotation(0.1)(x)\n",
                "x = augmented_input\n",
            ),
            expect="no data augmentation",
        ),
        WrongAnswer(
            "the whole base unfrozen",
            _Q2_REFERENCE.replace(
                "augmented_model.compile(",
                "for layer in base.layers:\n    layer.trainable = True\naugmented_model.compile(",
            ),
            expect="blocks 1 to 4",
        ),
        WrongAnswer(
            "weights not put back",
            _Q2_REFERENCE.replace("model.set_weights(saved_weights)", "pass"),
            expect="not put back",
        ),
    ),
    test_context=_q2_context,
)

# --------------------------------------------------------------------------- q3: Xception


def _stand_in_xception(input_shape):
    """A tiny model named like Xception: a convolution and a separable one, each with
    BatchNormalization, named as Xception's first and last blocks."""
    import keras
    from keras import layers

    inputs = keras.Input(input_shape)
    x = layers.Conv2D(6, 3, strides=4, use_bias=False, name="block1_conv1")(inputs)
    x = layers.BatchNormalization(name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.SeparableConv2D(12, 3, strides=4, use_bias=False, name="block14_sepconv1")(x)
    x = layers.BatchNormalization(name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    return keras.Model(inputs, x, name="xception")


def _q3_context() -> dict:
    import keras

    from course_utils import pretrained

    context = _base_context()

    def load(name, *, include_top=True, input_shape=None, weights="imagenet", progress=True):
        if name != "xception" or include_top:
            raise ValueError("the self-test's stand-in loads only Xception without its top")
        return pretrained.Pretrained(
            _stand_in_xception(input_shape),
            "Xception",
            input_shape[0],
            keras.applications.xception.preprocess_input,
            False,
            None,
        )

    context["pretrained"] = types.SimpleNamespace(
        XCEPTION_NOTOP=pretrained.XCEPTION_NOTOP, ensure_file=lambda *a, **k: None, load=load
    )
    context["head_scores"] = {split: 0.5 for split in context["EVALUATION"]}
    return context


def _check_q3(resized_75, xception_cache, xception_head, few, class_names):
    import keras

    require(
        callable(resized_75),
        "`resized_75` should be a function of images (0-255 RGB) that returns them resized "
        "to 75x75 and preprocessed for Xception.",
    )
    pixels = np.asarray(keras.ops.convert_to_numpy(resized_75(few.x_val[:4])))
    require(
        pixels.shape == (4, 75, 75, 3),
        f"resized_75 of 4 validation pictures gives shape {pixels.shape}, not (4, 75, 75, 3): "
        "resize them first, keras.ops.image.resize(images.astype('float32'), (75, 75)).",
    )
    low, high = float(pixels.min()), float(pixels.max())
    require(
        high - low >= 0.05,
        f"resized_75's pixels range only from {low:.3g} to {high:.3g}: they were scaled twice "
        "(divided by 255, then preprocess_input). Xception's preprocess_input takes pixels "
        "0-255 and scales them to -1..1 itself.",
    )
    reject(km.wrong_preprocessing(pixels, "xception"))
    require(
        isinstance(xception_cache, dict) and "train" in xception_cache,
        "`xception_cache` should be a dict of Xception features per split, with at least "
        "'train', 'validation' and 'hard validation'.",
    )
    train = np.asarray(xception_cache["train"])
    require(
        len(train) == len(few.x_train),
        f"xception_cache['train'] holds {len(train)} feature maps, but there are "
        f"{len(few.x_train)} training pictures: one per picture.",
    )
    require(
        isinstance(xception_head, keras.Model),
        "`xception_head` should be a Keras model: build_head(xception_cache['train'], "
        "len(class_names), name='xception_head'), then fit it.",
    )
    reject(km.wrong_number_of_classes(xception_head, len(class_names)))
    require(
        tuple(xception_head.input_shape[1:]) == train.shape[1:],
        f"`xception_head` takes inputs of shape {tuple(xception_head.input_shape[1:])}, but "
        f"the Xception features are {train.shape[1:]}: build it on xception_cache['train'].",
    )
    reject(
        km.at_least(
            _accuracy(xception_head, train, few.y_train),
            max(0.3, 2 / len(class_names)),
            "The accuracy of `xception_head` on the training features",
            advice="That is about chance: did you train it on xception_cache['train'] and "
            "few.y_train?",
        )
    )
    return "Xception's own preprocessing, its features and a head on them."


_Q3_REFERENCE = """\
xception_file = pretrained.ensure_file(pretrained.XCEPTION_NOTOP)
xception = pretrained.load(
    "xception",
    include_top=False,
    input_shape=(75, 75, 3),
    weights="imagenet" if xception_file else None,
)


def resized_75(images):
    \"\"\"Images resized to 75x75 and preprocessed for Xception.\"\"\"
    resized = keras.ops.image.resize(images.astype("float32"), (75, 75))
    return xception.preprocess(keras.ops.convert_to_numpy(resized))


keras.utils.set_random_seed(SEED)
used = ("train", "validation", "hard validation")
xception_cache = {}
for split in used:  # one line per split: Xception is slow on a CPU
    xception_cache[split] = predict_full_batches(xception.model, resized_75(splits[split]))
    print(f"Xception features of the {split} pictures: {xception_cache[split].shape}", flush=True)
xception_head = build_head(xception_cache["train"], len(class_names), name="xception_head")
xception_head.fit(
    xception_cache["train"], few.y_train, epochs=HEAD_EPOCHS, batch_size=32, verbose=0
)
state = "ImageNet" if xception.has_imagenet_weights else "RANDOM"
xception_probabilities = predict_all(xception_head, {s: xception_cache[s] for s in used[1:]})
for split in used[1:]:
    score = accuracy(xception_probabilities[split], split)
    print(
        f"{split:>15}: Xception ({state}) head {score:.1%}, VGG16 ({weights_note}) head "
        f"{head_scores[split]:.1%}"
    )
if not (xception.has_imagenet_weights and vgg.has_imagenet_weights):
    print(
        "At least one base has RANDOM weights: this compares what heads learn from the two "
        "architectures' filters as they are, not their ImageNet features (a head on random "
        "filters can score well on plain photos, as VGG16's did)."
    )
"""

q3 = Exercise(
    lesson="06",
    key="q3",
    title="Xception as the base",
    answers=("resized_75", "xception_cache", "xception_head"),
    context=("few", "class_names"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "Each keras.applications model has its own preprocess_input: VGG16 wants BGR minus "
        "the ImageNet means ('caffe'), Xception pixels scaled to -1..1 ('tf'). "
        "xception.preprocess(images) applies Xception's to pixels 0-255.",
        "resized_75(images): keras.ops.image.resize(images.astype('float32'), (75, 75)), "
        "converted with keras.ops.convert_to_numpy, then xception.preprocess(...).",
        "xception_cache[split] = predict_full_batches(xception.model, resized_75(splits[split])) "
        "for 'train', 'validation', 'hard validation'; then xception_head = "
        "build_head(xception_cache['train'], len(class_names), name='xception_head') and fit "
        "it on few.y_train for HEAD_EPOCHS epochs.",
    ),
    wrong_answers=(
        WrongAnswer(
            "VGG16's preprocess_input",
            _Q3_REFERENCE.replace(
                "return xception.preprocess(keras.ops.convert_to_numpy(resized))",
                "return keras.applications.vgg16.preprocess_input("
                "keras.ops.convert_to_numpy(resized))",
            ),
            expect="BGR with the ImageNet means",
        ),
        WrongAnswer(
            "no preprocessing",
            _Q3_REFERENCE.replace(
                "return xception.preprocess(keras.ops.convert_to_numpy(resized))",
                "return keras.ops.convert_to_numpy(resized)",
            ),
            expect="raw pixels 0-255",
        ),
        WrongAnswer(
            "pixels scaled twice",
            _Q3_REFERENCE.replace(
                "xception.preprocess(keras.ops.convert_to_numpy(resized))",
                "xception.preprocess(keras.ops.convert_to_numpy(resized) / 255)",
            ),
            expect="scaled twice",
        ),
        WrongAnswer(
            "ten classes",
            _Q3_REFERENCE.replace(
                'build_head(xception_cache["train"], len(class_names)',
                'build_head(xception_cache["train"], 10',
            ).replace("few.y_train, epochs", "few.y_train % 10, epochs"),
            expect="10 units, but there are 4 classes",
        ),
    ),
    test_context=_q3_context,
)

# --------------------------------------------------------------------------- q4: ready to fine-tune


def _q4_context() -> dict:
    context = _q3_context()
    exec(compile(_Q3_REFERENCE, "<lesson06.q3>", "exec"), context)  # what q4 builds on
    return context


def _check_q4(xception_model, few, class_names):
    import keras
    from keras import layers

    require(
        isinstance(xception_model, keras.Model),
        "`xception_model` should be a Keras model: an Input of 75x75 pictures, Xception's "
        "preprocess_input, xception.model, then xception_head.",
    )
    bases = [
        layer
        for layer in km.all_layers(xception_model)
        if isinstance(layer, keras.Model)
        and layer.name.startswith("xception")
        and any(inner.name.startswith("block14") for inner in layer.layers)
    ]
    require(
        bases,
        "`xception_model` has no Xception base inside: call xception.model on the "
        "preprocessed input, then xception_head on its output.",
    )
    base = bases[0]
    reject(km.wrong_number_of_classes(xception_model, len(class_names)))
    reject(_low_learning_rate(xception_model, "xception_model"))
    trainable = {id(w) for w in xception_model.trainable_weights}
    in_base = [(layer, w) for layer in base.layers for w in layer.weights if id(w) in trainable]
    require(
        in_base,
        "Nothing of the Xception base is trainable, so there is nothing to fine-tune: "
        "unfreeze the top block, layer.trainable = True for the layers of xception.model "
        "whose name starts with 'block14' (except BatchNormalization), then compile again.",
    )
    beyond = sorted(
        {
            layer.name
            for layer, _ in in_base
            if not layer.name.startswith("block14")
            and not isinstance(layer, layers.BatchNormalization)
        }
    )
    require(
        not beyond,
        f"{len(beyond)} layers below the top block are trainable ({', '.join(beyond[:3])}"
        f"{', ...' if len(beyond) > 3 else ''}): unfreeze only the top block, layers whose "
        "name starts with 'block14'. The early blocks (edges, colours) are generic, and with "
        "few photos training them overfits.",
    )
    side = xception_model.input_shape[1:3]
    batch = keras.ops.convert_to_numpy(
        keras.ops.image.resize(np.asarray(few.x_val[:4], dtype="float32"), side)
    )
    reject(km.batchnorm_updates_in_base(xception_model, base, batch))
    count = sum(int(np.prod(w.shape)) for _, w in in_base)
    return f"Ready to fine-tune: {count:,} parameters of the top block, BatchNormalization frozen."


_Q4_REFERENCE = """\
xception_input = keras.Input(shape=(75, 75, 3), name="image")  # 75x75 pictures, 0-255 RGB
x = keras.applications.xception.preprocess_input(xception_input)
x = xception.model(x, training=False)
xception_model = keras.Model(xception_input, xception_head(x), name="xception_fruits")

xception.model.trainable = True  # then freeze layer by layer
for layer in xception.model.layers:
    top = layer.name.startswith("block14")
    layer.trainable = top and not isinstance(layer, layers.BatchNormalization)
xception_model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-5),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
norms = [layer for layer in xception.model.layers if isinstance(layer, layers.BatchNormalization)]
print(
    f"trainable: {sum(int(np.prod(w.shape)) for w in xception_model.trainable_weights):,} "
    f"parameters of block 14 and the head; {len(norms)} BatchNormalization layers, "
    f"{sum(layer.trainable for layer in norms)} of them trainable"
)
"""

q4 = Exercise(
    lesson="06",
    key="q4",
    title="Xception ready to fine-tune, BatchNormalization frozen",
    answers=("xception_model",),
    context=("few", "class_names"),
    checker=_check_q4,
    reference=_Q4_REFERENCE,
    hints=(
        "Join the pieces as for VGG16: an Input of 75x75 pictures, "
        "keras.applications.xception.preprocess_input, xception.model(x, training=False), "
        "xception_head.",
        "To unfreeze only the top block: xception.model.trainable = True, then for every "
        "layer of xception.model, layer.trainable = layer.name.startswith('block14'), except "
        "that BatchNormalization layers stay frozen (training=False alone does not keep their "
        "statistics during fit).",
        "layer.trainable = layer.name.startswith('block14') and not isinstance(layer, "
        "layers.BatchNormalization); then compile with "
        "keras.optimizers.Adam(learning_rate=1e-5).",
    ),
    wrong_answers=(
        WrongAnswer(
            "BatchNormalization left trainable",
            _Q4_REFERENCE.replace(" and not isinstance(layer, layers.BatchNormalization)", ""),
            expect="BatchNormalization layer",
        ),
        WrongAnswer(
            "the head's learning rate",
            _Q4_REFERENCE.replace("learning_rate=1e-5", "learning_rate=1e-3"),
            expect="as large as the head's",
        ),
        WrongAnswer(
            "the whole base unfrozen",
            _Q4_REFERENCE.replace('top = layer.name.startswith("block14")', "top = True"),
            expect="below the top block are trainable",
        ),
        WrongAnswer(
            "the base left frozen",
            _Q4_REFERENCE.replace(
                "layer.trainable = top and not isinstance(layer, layers.BatchNormalization)",
                "layer.trainable = False",
            ),
            expect="nothing to fine-tune",
        ),
    ),
    test_context=_q4_context,
)

# --------------------------------------------------------------------------- concept questions

random_features = Question(
    "06",
    "random-features",
    "Offline, VGG16 has random weights, and still a head on its frozen features scores well "
    "above chance on the plain Test. Why?",
    [
        Option(
            "Random convolutions followed by ReLU and pooling still pass on colour and coarse "
            "texture, and plain Test photos look like the training photos, so that is enough",
            "Right: a head can learn from any features that keep colour statistics; what "
            "random filters lack is what ImageNet teaches (shapes, parts), which the hard "
            "Test, with new backgrounds, asks for.",
            correct=True,
        ),
        Option(
            "Keras downloads the ImageNet weights anyway",
            "No: offline pretrained.load builds the architecture with weights=None, and the "
            "notebook says so in a red box. The filters really are random.",
        ),
        Option(
            "The head memorises the Test photos",
            "The head never sees the Test photos: it is trained on the training features "
            "only. The plain Test photos are new frames of the same fruits, on the same white "
            "background.",
        ),
        Option(
            "Fine-tuning block 5 turns the random filters into useful ones",
            "The head alone scores well, before any fine-tuning; and a few epochs at a "
            "learning rate of 1e-5 barely move block 5 (the lesson prints by how much).",
        ),
    ],
)

frozen_batchnorm = Question(
    "06",
    "batchnorm-frozen",
    "You fine-tune the top of Xception, built with base(x, training=False). Why set "
    "trainable = False on its BatchNormalization layers as well?",
    [
        Option(
            "Because in Keras 3 fit runs the model in training mode, which overrides "
            "training=False, and BatchNormalization layers in training mode replace their "
            "ImageNet statistics with those of your batches; a frozen one always runs in "
            "inference mode",
            "Right: the lesson measured it: the moving means moved under training=False "
            "and stayed only when the layers were frozen.",
            correct=True,
        ),
        Option(
            "To save memory: frozen layers need no gradients",
            "Frozen layers do save gradient work, but that is not the reason here: the "
            "problem is their moving statistics, which are updated without any gradient.",
        ),
        Option(
            "It changes nothing: training=False already keeps them in inference mode",
            "That is what older tf.keras did; in Keras 3 the training=True that fit passes "
            "overrides it (keras-team/keras#20285), as the lesson's cell showed.",
        ),
        Option(
            "Because VGG16 needs it too",
            "VGG16 has no BatchNormalization layer at all: for it, training mode changes "
            "nothing. Xception has 40.",
        ),
    ],
)

low_rate = Question(
    "06",
    "fine-tune-rate",
    "Why does fine-tuning block 5 use a learning rate of 0.00001, a hundred times lower than "
    "the head's 0.001?",
    [
        Option(
            "The pretrained filters are already good: small steps adjust them to the fruits, "
            "large ones would overwrite what they learned from 1.2 million photos",
            "Right: with few photos, large steps also let the many block-5 parameters fit "
            "the training photos fast, which is overfitting.",
            correct=True,
        ),
        Option(
            "A low learning rate makes each epoch faster",
            "The time per step does not depend on the learning rate, only the size of the "
            "weight changes does.",
        ),
        Option(
            "Because the head is still random",
            "The head was trained first, for exactly this reason; a random head would send "
            "large, random gradients into the base whatever the rate. The low rate protects "
            "the pretrained filters.",
        ),
        Option(
            "Adam needs a lower rate for convolutional layers than for dense ones",
            "Adam has no such rule: the same rate works for both kinds of layer. The reason "
            "is what the weights already hold, not the layer type.",
        ),
    ],
)

quadrant = Question(
    "06",
    "guide-quadrant",
    "In the guide (data size x similarity to ImageNet), where does this lesson sit, and what "
    "does the guide recommend there?",
    [
        Option(
            "Small dataset, between similar and different: freeze the base, train a head on "
            "the last block's features, or on an earlier block's (exercise 1)",
            "Right: a few photos per class against ImageNet's 1,300; one fruit on white, at "
            "64x64, is not quite ImageNet's scenes, so both bottom-row recipes are worth a "
            "try, and fine-tuning more than the top block risks overfitting.",
            correct=True,
        ),
        Option(
            "Large dataset, similar: fine-tune the whole network",
            "The lesson trains on a few photos per class on purpose: that is a small "
            "dataset, where fine-tuning everything overfits.",
        ),
        Option(
            "Large dataset, different: train from scratch",
            "Even all photos of this source are far fewer than ImageNet's per class, and the "
            "lesson's transfer models use only a few per class.",
        ),
        Option(
            "No quadrant: the guide only applies with ImageNet weights",
            "The guide is about how much data you have and how like ImageNet it is; which "
            "weights this run got does not change where the data sits.",
        ),
    ],
)

quiz = Quiz("06", [random_features, frozen_batchnorm, low_rate, quadrant])
