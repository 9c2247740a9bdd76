"""Checks and concept questions of lesson 05, "pretrained VGG16 and Xception".

Three exercises, checked from the notebook with ``lesson05.q1.check()`` ... ``q3``: ResNet50
with its own preprocessing and the name of its mode (``resnet``, ``resnet_probs``,
``resnet_mode``); the rocket photo squashed instead of cropped, and VGG16's answers for
both (``squashed``, ``rocket_probs``); and a fruits-only classifier from the ten ImageNet
fruit columns (``fruit_columns``, ``fruit_only_accuracy``). The lesson's concept questions
are ``lesson05.quiz``. The checks work with ImageNet or random weights: they compare the
learner's numbers with the same model's answers, never with stored values. Keras is
imported only by the checks that need it.
"""

from __future__ import annotations

import functools

import numpy as np

from course_utils.checks import keras_mistakes as km
from course_utils.checks.exercise import Exercise, WrongAnswer, reject, require
from course_utils.checks.quiz import Option, Question, Quiz

# --------------------------------------------------------------------------- shared helpers


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-3, atol=1e-6))


def _numeric_array(value):
    try:
        array = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        return None
    return array if array.ndim >= 1 else None


def _prepare(image, size: int):
    import keras

    return keras.preprocessing.image.smart_resize(image, (size, size))


class _QuietPyplot:
    """matplotlib.pyplot for the self-test: everything works, ``show`` closes the figures."""

    def __getattr__(self, name):
        import matplotlib.pyplot as pyplot

        return getattr(pyplot, name)

    def show(self, *args, **kwargs):
        import matplotlib.pyplot as pyplot

        pyplot.close("all")


def _set_title(fig, title):
    fig.suptitle(title)


def _weights_note(*items):
    randoms = [item.name for item in items if not item.has_imagenet_weights]
    return f" ({' and '.join(randoms)}: RANDOM weights, meaningless)" if randoms else ""


def _small_vgg():
    """A stand-in for the lesson's ``vgg`` (self-test): 224x224 in, 1,000 probabilities out,
    VGG16's own preprocess_input, a few thousand weights instead of 138 million."""
    import keras
    from keras import layers

    from course_utils import pretrained

    keras.utils.set_random_seed(5)
    network = keras.Sequential(
        [
            keras.Input((224, 224, 3)),
            layers.AveragePooling2D(28),
            layers.Flatten(),
            layers.Dense(
                1000,
                activation="softmax",
                kernel_initializer=keras.initializers.RandomNormal(stddev=0.05),
            ),
        ],
        name="small_vgg16_stand_in",
    )
    return pretrained.Pretrained(
        network,
        "VGG16",
        224,
        keras.applications.vgg16.preprocess_input,
        has_imagenet_weights=False,
        weights_file=None,
    )


def _photos() -> dict:
    import skimage.data

    return {
        "cat": skimage.data.chelsea(),
        "coffee": skimage.data.coffee(),
        "astronaut": skimage.data.astronaut(),
        "rocket": skimage.data.rocket(),
    }


def _photo_context() -> dict:
    """The lesson's names the solutions of q1 and q2 use (for the self-test)."""
    import keras

    from course_utils import plotting

    photos = _photos()
    vgg = _small_vgg()
    photos_224 = np.stack([_prepare(image, 224) for image in photos.values()])
    return {
        "np": np,
        "keras": keras,
        "plt": _QuietPyplot(),
        "plotting": plotting,
        "photos": photos,
        "photos_224": photos_224,
        "vgg": vgg,
        "probabilities": {"VGG16": vgg.predict(photos_224)},
        "imagenet_names": [f"class {i}" for i in range(1000)],
        "REAL_WEIGHTS": False,
        "set_title": _set_title,
        "weights_note": _weights_note,
    }


# --------------------------------------------------------------------------- q1: ResNet50


def _caffe(images):
    import keras

    return keras.applications.resnet50.preprocess_input(np.array(images, "float32", copy=True))


def _check_q1(resnet, resnet_probs, resnet_mode, photos_224):
    import keras

    mode = str(resnet_mode).strip().lower().strip("'\"")
    require(
        mode in ("caffe", "tf", "torch"),
        "`resnet_mode` should be the name of a preprocess_input mode as a string: 'caffe' "
        "(VGG16's) or 'tf' (Xception's).",
    )
    require(
        mode == "caffe",
        f"`resnet_mode` says {mode!r}, but look at the red pixel: ResNet50 turned (255, 0, 0) "
        "into about (-103.9, -116.8, 131.3), the blue, green and red means subtracted and the "
        "channels in BGR order, exactly like VGG16. 'tf' would give (1, -1, -1).",
    )
    require(
        isinstance(resnet, keras.Model) and "resnet50" in resnet.name.lower(),
        "`resnet` should be the Keras ResNet50: resnet50.ResNet50(weights=...) from "
        "keras.applications.resnet50"
        + (f", not a model named {resnet.name!r}." if isinstance(resnet, keras.Model) else "."),
    )
    shape = tuple(resnet.outputs[0].shape)
    require(
        shape[1:] == (1000,),
        f"`resnet` outputs shape {shape}: that is the convolutional base only. Keep ImageNet's "
        "classifier (include_top=True, the default) to get 1,000 probabilities per photo.",
    )
    require(
        float(np.min(photos_224)) >= 0,
        "`photos_224` no longer holds pixels 0-255 (its smallest value is "
        f"{float(np.min(photos_224)):.1f}): preprocess_input wrote its result into the array. "
        "Run the cell that builds photos_224 again, and pass a copy: "
        "resnet50.preprocess_input(photos_224.copy()).",
    )
    probs = _numeric_array(resnet_probs)
    require(
        probs is not None and probs.shape == (len(photos_224), 1000),
        f"`resnet_probs` should hold 1,000 probabilities for each of the {len(photos_224)} "
        "photos: resnet.predict(...) on photos_224, shape "
        f"({len(photos_224)}, 1000)" + (f", not {probs.shape}." if probs is not None else "."),
    )
    if not _close(probs, resnet.predict(_caffe(photos_224), verbose=0)):
        for _mode, prepare in (
            ("tf", keras.applications.xception.preprocess_input),
            ("raw", None),
            ("torch", keras.applications.densenet.preprocess_input),
        ):
            batch = np.array(photos_224, "float32", copy=True)
            batch = prepare(batch) if prepare else batch
            if _close(probs, resnet.predict(batch, verbose=0)):
                reject(
                    "`resnet_probs` are ResNet50's answers to photos prepared the wrong way. "
                    + km.wrong_preprocessing(batch, "resnet50")
                )
        require(
            False,
            "`resnet_probs` are not `resnet`'s answers for photos_224 with ResNet50's "
            "preprocessing: resnet.predict(resnet50.preprocess_input(photos_224.copy()), "
            "verbose=0).",
        )
    return (
        "ResNet50 uses 'caffe' mode, like VGG16: BGR order and the ImageNet means subtracted. "
        "Compare the two models' bars above."
    )


_Q1_REFERENCE = """\
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

from keras.applications import resnet50

resnet_real = False
if REAL_WEIGHTS:  # VGG16's and Xception's weights could be had: try ResNet50's too (100 MB)
    try:  # Keras prints its download attempt; keep it out of the way
        with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
            resnet = resnet50.ResNet50(weights="imagenet")
        resnet_real = True
    except Exception:  # offline, Keras raises a plain Exception for the failed download
        pass
if not resnet_real:
    resnet = resnet50.ResNet50(weights=None)
print(
    f"ResNet50: {resnet.count_params():,} parameters, "
    + ("ImageNet weights" if resnet_real else "RANDOM weights (no ImageNet weights here)")
)

red = np.zeros((1, 1, 1, 3), dtype="float32")
red[..., 0] = 255
print(
    "a red pixel, ResNet50:",
    resnet50.preprocess_input(red.copy()).ravel(),  # a copy: preprocess_input overwrites it
    " VGG16:",
    vgg.preprocess(red).ravel(),
)
resnet_mode = "caffe"  # the same numbers as VGG16: BGR order, ImageNet means subtracted

resnet_probs = resnet.predict(resnet50.preprocess_input(photos_224.copy()), verbose=0)
randoms = ([] if resnet_real else ["ResNet50"]) + ([] if vgg.has_imagenet_weights else ["VGG16"])
fig = plotting.compare_top_k(
    photos_224,
    {"ResNet50": resnet_probs, "VGG16": probabilities["VGG16"]},
    imagenet_names,
    k=5,
    titles=list(photos),
)
set_title(
    fig,
    "ResNet50 and VGG16"
    + (f" ({' and '.join(randoms)}: RANDOM weights, meaningless)" if randoms else ""),
)
plt.show()
for name, probs in (("ResNet50", resnet_probs), ("VGG16", probabilities["VGG16"])):
    spread = np.log(probs).std(axis=1).mean()  # spread of the scores before softmax
    print(
        f"{name:8}: first guess {probs.max(axis=1).min():.1%} to {probs.max(axis=1).max():.1%}; "
        f"spread of its scores before softmax {spread:.2f}"
    )
# With random weights, why can ResNet50 be so sure? Its BatchNormalization layers still have
# their starting statistics (mean 0, variance 1), so in prediction mode they standardise
# nothing, and each residual block ADDS its output to its input: the values grow from block
# to block, the 1,000 final scores end up far apart, and softmax turns a large gap into one
# tall bar. Random VGG16 has no such sums: its signals shrink layer after layer, its scores
# stay close together and its bars stay flat. Tall bars are confidence, not knowledge.
"""


@functools.cache
def _random_resnet():
    """One random-weights ResNet50 for the self-test's catalogued mistakes (built once)."""
    import keras

    keras.utils.set_random_seed(0)
    return keras.applications.ResNet50(weights=None)


def _q1_answer(ctx, *, mode="caffe", prepare="caffe", top=True, in_place=False):
    import keras

    photos = ctx["photos_224"]
    if not top:
        network = keras.applications.ResNet50(
            weights=None, include_top=False, input_shape=(64, 64, 3)
        )
        return {
            "resnet": network,
            "resnet_probs": np.zeros((len(photos), 1000)),
            "resnet_mode": mode,
        }
    network = _random_resnet()
    if in_place:
        batch = keras.applications.resnet50.preprocess_input(photos)  # overwrites photos_224
    elif prepare == "caffe":
        batch = _caffe(photos)
    elif prepare == "tf":
        batch = keras.applications.xception.preprocess_input(photos.copy())
    else:
        batch = photos.copy()
    return {
        "resnet": network,
        "resnet_probs": network.predict(batch, verbose=0),
        "resnet_mode": mode,
    }


q1 = Exercise(
    lesson="05",
    key="q1",
    title="another classic: ResNet50 and its preprocessing",
    answers=("resnet", "resnet_probs", "resnet_mode"),
    context=("photos_224",),
    checker=_check_q1,
    reference=_Q1_REFERENCE,
    hints=(
        "from keras.applications import resnet50 gives both the model, resnet50.ResNet50(...), "
        "and its own resnet50.preprocess_input. Use weights=None when the ImageNet weights "
        "cannot be had (REAL_WEIGHTS is False).",
        "Feed it a single red pixel, np.array([[[[255, 0, 0]]]], dtype='float32'): 'tf' mode "
        "gives values in -1..1, 'caffe' mode BGR with the means subtracted (compare with "
        "vgg.preprocess). Pass a copy: preprocess_input overwrites float arrays.",
        "resnet_probs = resnet.predict(resnet50.preprocess_input(photos_224.copy()), verbose=0); "
        "resnet_mode = 'caffe' or 'tf', as the red pixel says; then plotting.compare_top_k.",
    ),
    wrong_answers=(
        WrongAnswer("mode named tf", lambda ctx: _q1_answer(ctx, mode="tf"), expect="'tf'"),
        WrongAnswer(
            "Xception's preprocessing",
            lambda ctx: _q1_answer(ctx, prepare="tf"),
            expect="preprocess_input mode 'tf'",
        ),
        WrongAnswer(
            "no preprocessing",
            lambda ctx: _q1_answer(ctx, prepare="none"),
            expect="raw pixels 0-255",
        ),
        WrongAnswer(
            "photos_224 overwritten (no copy)",
            lambda ctx: _q1_answer(ctx, in_place=True),
            expect="pass a copy",
        ),
        WrongAnswer(
            "include_top=False", lambda ctx: _q1_answer(ctx, top=False), expect="include_top=True"
        ),
    ),
    test_context=_photo_context,
)

# --------------------------------------------------------------------------- q2: crop or squash


def _squash(photo):
    import keras

    resized = keras.ops.image.resize(np.asarray(photo, "float32")[None], (224, 224))
    return keras.ops.convert_to_numpy(resized)[0]


def _check_q2(squashed, rocket_probs, photos, photos_224, vgg):
    array = _numeric_array(squashed)
    require(
        array is not None and array.shape[-3:] == (224, 224, 3) and array.size == 224 * 224 * 3,
        "`squashed` should be the rocket photo resized to VGG16's input, 224x224x3 (or a batch "
        "of one, 1x224x224x3)"
        + (f", not shape {array.shape}." if array is not None else ": keras.ops.image.resize."),
    )
    picture = array.reshape(224, 224, 3)
    finding = km.wrong_preprocessing(picture, "raw")
    reject(
        "`squashed` should hold plain pixels 0-255: vgg.predict applies VGG16's preprocessing "
        "itself. " + finding
        if finding
        else None
    )
    rocket_index = list(photos).index("rocket")
    cropped = np.asarray(photos_224[rocket_index], "float64")
    require(
        np.abs(picture - cropped).mean() > 2,
        "`squashed` is the centre crop that `prepare` makes (the same as photos_224's rocket): "
        "resize the whole 427x640 photo to 224x224 without cropping, "
        "keras.ops.image.resize(photos['rocket'][None], (224, 224)).",
    )
    require(
        np.abs(picture - _squash(photos["rocket"])).mean() < 3,
        "`squashed` is not the whole rocket photo resized to 224x224: "
        "keras.ops.image.resize(photos['rocket'].astype('float32')[None], (224, 224)).",
    )
    probs = _numeric_array(rocket_probs)
    require(
        probs is not None and probs.shape == (2, 1000),
        "`rocket_probs` should hold VGG16's 1,000 probabilities for the squashed and the "
        "cropped rocket, in that order (shape (2, 1000))"
        + (f", not shape {probs.shape}." if probs is not None else "."),
    )
    both = np.stack([picture, cropped]).astype("float32")
    if not _close(probs, vgg.predict(both)):
        reject(
            "The two rows of `rocket_probs` are swapped: put the squashed photo first and the "
            "centre crop second."
            if _close(probs[::-1], vgg.predict(both))
            else None,
            "`rocket_probs` come from photos preprocessed twice: vgg.predict applies "
            "vgg.preprocess itself, so give it plain pixels 0-255."
            if _close(probs, vgg.model.predict(vgg.preprocess(vgg.preprocess(both)), verbose=0))
            else None,
            "`rocket_probs` come from vgg.model on plain pixels: the bare Keras model does not "
            "preprocess. Use vgg.predict (or vgg.model.predict(vgg.preprocess(...)))."
            if _close(probs, vgg.model.predict(both, verbose=0))
            else None,
        )
        require(
            False,
            "`rocket_probs` are not VGG16's answers for [squashed, centre crop]: "
            "vgg.predict(np.concatenate([squashed, cropped])).",
        )
    shared = len(set(np.argsort(probs[0])[-5:]) & set(np.argsort(probs[1])[-5:]))
    return f"Squashed and cropped: {shared} of the top-5 classes in common."


_Q2_REFERENCE = """\
rocket = photos["rocket"].astype("float32")[None]
squashed = keras.ops.convert_to_numpy(keras.ops.image.resize(rocket, (224, 224)))
cropped = photos_224[list(photos).index("rocket")][None]  # the centre crop made by `prepare`
rocket_probs = vgg.predict(np.concatenate([squashed, cropped]))
fig = plotting.compare_top_k(
    [squashed[0], cropped[0]],
    {"VGG16": rocket_probs},
    imagenet_names,
    k=5,
    titles=["squashed", "centre crop"],
)
set_title(fig, "Squashed or cropped rocket" + weights_note(vgg))
plt.show()
top5 = [set(np.argsort(probs)[-5:]) for probs in rocket_probs]
print("top-5 classes in common:", len(top5[0] & top5[1]))
if not vgg.has_imagenet_weights:
    print("(random weights: this count is noise; with ImageNet weights it shows how much the")
    print(" squashed shapes change what VGG16 recognises)")
"""


def _q2_answer(ctx, *, crop=False, twice=False):
    photos, vgg = ctx["photos"], ctx["vgg"]
    cropped = ctx["photos_224"][list(photos).index("rocket")]
    squashed = cropped[None] if crop else _squash(photos["rocket"])[None]
    both = np.concatenate([squashed, cropped[None]])
    probs = vgg.predict(vgg.preprocess(both)) if twice else vgg.predict(both)
    return {"squashed": squashed, "rocket_probs": probs}


q2 = Exercise(
    lesson="05",
    key="q2",
    title="crop or squash",
    answers=("squashed", "rocket_probs"),
    context=("photos", "photos_224", "vgg"),
    checker=_check_q2,
    reference=_Q2_REFERENCE,
    hints=(
        "keras.ops.image.resize(images, (224, 224)) resizes a batch to any size, without "
        "keeping the proportions: photos['rocket'].astype('float32')[None] is a batch of one.",
        "The centre crop is already there: photos_224 holds the four photos as `prepare` made "
        "them (the rocket is the last). vgg.predict preprocesses by itself.",
        "squashed = keras.ops.convert_to_numpy(keras.ops.image.resize(rocket, (224, 224))); "
        "rocket_probs = vgg.predict(np.concatenate([squashed, cropped])); then "
        "plotting.compare_top_k as in the lesson.",
    ),
    wrong_answers=(
        WrongAnswer(
            "the centre crop again",
            lambda ctx: _q2_answer(ctx, crop=True),
            expect="centre crop that `prepare` makes",
        ),
        WrongAnswer(
            "preprocessed twice",
            lambda ctx: _q2_answer(ctx, twice=True),
            expect="preprocessed twice",
        ),
        WrongAnswer(
            "VGG16's preprocessing in `squashed`",
            lambda ctx: {
                "squashed": ctx["vgg"].preprocess(_squash(ctx["photos"]["rocket"])[None]),
                "rocket_probs": np.zeros((2, 1000)),
            },
            expect="plain pixels 0-255",
        ),
    ),
    test_context=_photo_context,
)

# --------------------------------------------------------------------------- q3: fruits only


def _check_q3(
    fruit_columns, fruit_only_accuracy, fruit_probabilities, known, target, IMAGENET_FRUITS
):
    columns = _numeric_array(fruit_columns)
    require(
        columns is not None
        and sorted(set(columns.astype(int).tolist())) == sorted(IMAGENET_FRUITS)
        and len(columns) == len(IMAGENET_FRUITS),
        "`fruit_columns` should be the ten ImageNet fruit class numbers, 948 to 957: "
        "np.array(sorted(IMAGENET_FRUITS)).",
    )
    columns = columns.astype(int)
    require(
        isinstance(fruit_only_accuracy, dict)
        and set(fruit_only_accuracy) == set(fruit_probabilities),
        "`fruit_only_accuracy` should be a dict with one entry per model, like "
        f"fruit_probabilities ({', '.join(fruit_probabilities)}): name -> fraction right.",
    )
    for name, probs in fruit_probabilities.items():
        value = fruit_only_accuracy[name]
        require(
            isinstance(value, int | float | np.integer | np.floating),
            f"`fruit_only_accuracy[{name!r}]` should be one number, the fraction of photos right.",
        )
        rows = np.asarray(probs)[known]
        expected = float(np.mean(columns[np.argmax(rows[:, columns], axis=1)] == target))
        if abs(float(value) - expected) <= 1e-9:
            continue
        reject(
            f"`fruit_only_accuracy[{name!r}]` is {value}, a count of photos: divide by "
            "len(known) to get the fraction."
            if float(value) > 1 and abs(float(value) - expected * len(target)) < 1e-9
            else None,
            f"`fruit_only_accuracy[{name!r}]` compares positions 0-9 among the fruit columns "
            "with ImageNet class numbers (948-957), which never match: turn the position back "
            "into a class number with fruit_columns[np.argmax(...)]."
            if abs(float(value) - float(np.mean(np.argmax(rows[:, columns], axis=1) == target)))
            <= 1e-9
            and expected > 0
            else None,
            f"`fruit_only_accuracy[{name!r}]` is the plain top-1 over all 1,000 classes: keep "
            "only the fruit columns first, probs[known][:, fruit_columns]."
            if abs(float(value) - float(np.mean(np.argmax(rows, axis=1) == target))) <= 1e-9
            else None,
        )
        require(
            False,
            f"`fruit_only_accuracy[{name!r}]` is {value}, but taking the most probable of the "
            f"ten fruit columns gives {expected:.3f} for the {len(target)} photos that have an "
            "ImageNet class: np.mean(fruit_columns[np.argmax(probs[known][:, fruit_columns], "
            "axis=1)] == target).",
        )
    return (
        "Fruits only: "
        + ", ".join(f"{name} {float(v):.0%}" for name, v in fruit_only_accuracy.items())
        + " (chance: 10%)."
    )


_Q3_REFERENCE = """\
fruit_columns = np.array(sorted(IMAGENET_FRUITS))
fruit_only_accuracy = {}
for name, probs in fruit_probabilities.items():
    guess = fruit_columns[np.argmax(probs[known][:, fruit_columns], axis=1)]
    right = int(np.sum(guess == target))
    fruit_only_accuracy[name] = right / len(known)
    print(
        f"{name}: {right} of {len(known)} photos right ({right / len(known):.0%}) when it may "
        f"only answer with one of the {len(fruit_columns)} fruits (chance: 10%)"
    )
if not REAL_WEIGHTS:
    print(
        "With random weights this is chance: a few photos more or less than 10% of them "
        "is what luck gives. With ImageNet weights expect far more than chance."
    )
"""

_IMAGENET_FRUITS = {
    948: "Granny_Smith",
    949: "strawberry",
    950: "orange",
    951: "lemon",
    952: "fig",
    953: "pineapple",
    954: "banana",
    955: "jackfruit",
    956: "custard_apple",
    957: "pomegranate",
}


def _q3_context() -> dict:
    """Made-up probabilities for 14 photos, 12 of them with an ImageNet class: the right
    fruit is the likeliest fruit for 9 (VGG16) or 7 (Xception) of them, and a non-fruit
    class the likeliest of all but for the first three photos."""
    rng = np.random.default_rng(3)
    targets = np.array([949, 950, 951, 953, 954, 957] * 2)
    known = list(range(12))
    fruit_probabilities = {}
    for name, hits in (("VGG16", 9), ("Xception", 7)):
        probs = rng.dirichlet(np.ones(1000), size=14) * 0.5
        for row, t in enumerate(targets):
            probs[row, t] += 0.05 if row < hits else 0.0
            if row >= hits:
                probs[row, 952] += 0.06  # a fig instead
            if row >= 3:
                probs[row, 5] += 0.3  # a non-fruit class above all (not for the first three)
        fruit_probabilities[name] = probs / probs.sum(axis=1, keepdims=True)
    return {
        "np": np,
        "IMAGENET_FRUITS": dict(_IMAGENET_FRUITS),
        "fruit_probabilities": fruit_probabilities,
        "known": known,
        "target": targets,
        "REAL_WEIGHTS": False,
    }


def _q3_answer(ctx, how):
    columns = np.array(sorted(ctx["IMAGENET_FRUITS"]))
    answer = {}
    for name, probs in ctx["fruit_probabilities"].items():
        rows = probs[ctx["known"]]
        if how == "positions":
            guess = np.argmax(rows[:, columns], axis=1)
        elif how == "all classes":
            guess = np.argmax(rows, axis=1)
        else:
            guess = columns[np.argmax(rows[:, columns], axis=1)]
        right = int(np.sum(guess == ctx["target"]))
        answer[name] = right if how == "count" else right / len(ctx["known"])
    return {"fruit_columns": columns, "fruit_only_accuracy": answer}


q3 = Exercise(
    lesson="05",
    key="q3",
    title="a fruits-only classifier",
    answers=("fruit_columns", "fruit_only_accuracy"),
    context=("fruit_probabilities", "known", "target", "IMAGENET_FRUITS"),
    checker=_check_q3,
    reference=_Q3_REFERENCE,
    hints=(
        "The ten fruit classes are the keys of IMAGENET_FRUITS (948 to 957): "
        "fruit_columns = np.array(sorted(IMAGENET_FRUITS)). probs[known][:, fruit_columns] "
        "keeps those ten columns of the photos that have an ImageNet class.",
        "np.argmax(..., axis=1) gives a position 0-9 among the ten columns; fruit_columns[...] "
        "turns it back into an ImageNet class number, which you can compare with `target`.",
        "fruit_only_accuracy[name] = np.mean(fruit_columns[np.argmax(probs[known][:, "
        "fruit_columns], axis=1)] == target) for each name, probs in fruit_probabilities.items().",
    ),
    wrong_answers=(
        WrongAnswer(
            "positions compared with class numbers",
            lambda ctx: _q3_answer(ctx, "positions"),
            expect="positions 0-9",
        ),
        WrongAnswer(
            "all 1,000 classes", lambda ctx: _q3_answer(ctx, "all classes"), expect="plain top-1"
        ),
        WrongAnswer(
            "a count, not a fraction", lambda ctx: _q3_answer(ctx, "count"), expect="a count"
        ),
    ),
    test_context=_q3_context,
)


# --------------------------------------------------------------------------- concept questions

top5 = Question(
    "05",
    "top-5-error",
    "A model has a top-5 error of 7% on ImageNet. What does that mean?",
    [
        Option(
            "For 7% of the photos, the true class is not among the model's five most probable "
            "classes",
            "Right: a photo counts as right when the true class is anywhere in the top five.",
            correct=True,
        ),
        Option(
            "Its first guess is wrong for 7% of the photos",
            "That would be a top-1 error of 7%; the top-1 error is always at least as high as "
            "the top-5 error (VGG16's is about 29%).",
        ),
        Option(
            "It makes 7% mistakes on five classes",
            "Top-5 is not about five classes: each photo's true class is looked for among the "
            "model's five best guesses for that photo, out of all 1,000 classes.",
        ),
        Option(
            "The true class gets at least 5% probability on 93% of the photos",
            "The error counts ranks, not probabilities: the true class may be in the top five "
            "with 1% if the other classes get even less.",
        ),
    ],
)

preprocessing = Question(
    "05",
    "preprocess-must-match",
    "Why must `preprocess_input` come from the same module as the model?",
    [
        Option(
            "Each network learned its weights on inputs prepared one way (VGG16: BGR minus the "
            "ImageNet means; Xception: RGB in -1..1); other inputs are values it never saw",
            "Right: the first layer's weights fit that range and channel order; the wrong one "
            "raises no error, it silently spoils the predictions.",
            correct=True,
        ),
        Option(
            "Otherwise the input has the wrong shape and Keras raises an error",
            "The shape stays the same: both modes keep (n, height, width, 3). That is exactly "
            "why the mistake goes unnoticed.",
        ),
        Option(
            "preprocess_input resizes the photo to the model's input size",
            "It does not resize; the lesson crops and resizes with smart_resize first. "
            "preprocess_input only changes the values (and, in 'caffe' mode, the channel order).",
        ),
        Option(
            "It only matters for the speed of the prediction",
            "The cost is the same whatever the values; what changes is what the network sees, "
            "and so what it answers.",
        ),
    ],
)

cost = Question(
    "05",
    "multiply-adds-not-layers",
    "Xception has many more layers than VGG16, yet a prediction costs fewer multiply-adds and "
    "less time. Why do multiply-adds, not layers, predict the cost?",
    [
        Option(
            "Layers differ enormously in work: the cost of a layer is its kernel size times its "
            "channels in and out times its output pixels, and separable layers are cheap",
            "Right: counting layers treats a 1x1 convolution on a 10x10 map like a 3x3 one "
            "with 512 channels on a 224x224 map; multiply-adds count the actual work.",
            correct=True,
        ),
        Option(
            "Because more layers always make a network faster",
            "More layers of the same kind cost more; Xception is cheaper because its layers "
            "(separable convolutions, no big dense layers) do less work each.",
        ),
        Option(
            "Because the number of parameters decides the cost",
            "Parameters mislead too: VGG16's fc1 holds 103 M parameters but costs only 103 M "
            "multiply-adds, while its first convolutions have few weights and cost billions "
            "(each weight is reused at every pixel).",
        ),
        Option(
            "Because Xception's input is smaller",
            "It is larger: 299x299 against VGG16's 224x224, 1.8 times the pixels.",
        ),
    ],
)

separable = Question(
    "05",
    "depthwise-separable",
    "What does a depthwise separable 3x3 convolution (728 channels in and out) save compared "
    "with a normal 3x3 convolution?",
    [
        Option(
            "Weights and multiply-adds: 3x3x728 + 728x728 instead of 3x3x728x728, about 9 times "
            "fewer",
            "Right: the 3x3 filtering is done once per input channel, and only the cheap 1x1 "
            "step mixes channels; both weights and multiply-adds shrink by that factor.",
            correct=True,
        ),
        Option(
            "Only memory: it computes the same, with the weights stored in a smaller format",
            "The weights are ordinary float32; there are fewer of them, and fewer products to "
            "compute, because the two steps replace one big kernel per output channel.",
        ),
        Option(
            "It makes the output smaller (fewer channels or pixels)",
            "With padding='same' and 728 filters the output has the same shape as the normal "
            "convolution's; what shrinks is the work to compute it.",
        ),
        Option(
            "Nothing in weights, but it trains faster because it has no bias",
            "Biases are a detail (both layers can have them or not); the saving is in the "
            "kernels: 6,552 + 529,984 instead of 4,769,856 weights.",
        ),
    ],
)

quiz = Quiz("05", [top5, separable, preprocessing, cost])
