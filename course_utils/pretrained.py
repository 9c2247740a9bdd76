"""The files the course downloads, and pretrained models that work offline.

:data:`COURSE_FILES` lists every weight file a lesson or exercise loads (VGG16 and
Xception with and without their classifiers, ResNet50, MobileNetV3Small, EfficientNetB0)
and the ImageNet class index, with Keras's own names, URLs and MD5 hashes: ``fetch-weights``
and the instructor bundle carry exactly these.

The lessons get the real models from the real ``keras.applications`` constructors, with
the real ImageNet weight files in the standard Keras cache (``~/.keras/models``, or
``$KERAS_HOME/models``), in this order:

1. a weight file already in the cache (downloaded earlier, or installed from an
   instructor bundle) is used after its MD5 hash is checked;
2. otherwise it is downloaded from Keras's own URL (atomic, with a progress bar);
3. if that fails (no network), the lesson goes on with the *same architecture and
   random weights*, and a notice no one can miss says that predictions are
   meaningless and how to fix it.

The ImageNet class index behind ``decode_predictions`` follows the same order; without
it, :func:`decode` shows class numbers instead of names, with the same kind of notice.
:func:`decode` reads the verified file itself (Keras's own ``decode_predictions`` would
look in another folder when the cache is read-only, and try the network).

A file that cannot be had (offline, read-only cache, damaged copy) is reported in one
short line per file and process, never as a traceback. :func:`file_status` says
whether a cached file is intact (``doctor`` uses it).

Each model carries its own ``preprocess_input``: VGG16 expects BGR images with the
ImageNet mean subtracted ("caffe" mode); Xception expects RGB scaled to [-1, 1]
("tf" mode). Mixing them up silently ruins predictions, so :class:`Pretrained`
keeps model and preprocessing together.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from course_utils import downloads, fileio, paths

KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications"
CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
GET_WEIGHTS_HINT = (
    "Connect to the internet and run `python -m course_utils fetch-weights` (about 900 MB), "
    "or install an instructor bundle: `python -m course_utils bundle install FILE`."
)
CACHE_HINT = (
    "Keras keeps pretrained files in $KERAS_HOME/models: set KERAS_HOME to a folder you can "
    "write to (for example: export KERAS_HOME=~/keras-cache), or ask your instructor to "
    "install the files there."
)


@dataclass(frozen=True)
class RemoteFile:
    """A file the course downloads into the Keras cache.

    Attributes
    ----------
    filename : str
        The name Keras uses in its cache (``keras.applications`` looks for exactly this).
    url : str
        Where Keras downloads it from.
    md5 : str
        The MD5 hash Keras checks.
    label : str
        A short human name for reports.
    consequence : str
        What the lessons do without it.
    """

    filename: str
    url: str
    md5: str
    label: str
    consequence: str

    @property
    def known_hash(self) -> str:
        """The hash in pooch's ``"md5:<hex>"`` form."""
        return f"md5:{self.md5}"


def _weights(subdir: str, filename: str, md5: str, label: str, consequence: str) -> RemoteFile:
    return RemoteFile(filename, f"{KERAS_WEIGHTS_URL}/{subdir}/{filename}", md5, label, consequence)


_RANDOM = "the lessons use random weights instead"
VGG16_TOP = _weights(
    "vgg16",
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
    "64373286793e3c8b2b4e3219cbf3544b",
    "VGG16 weights (with classifier, 528 MB)",
    f"{_RANDOM} (lessons 05, 07)",
)
VGG16_NOTOP = _weights(
    "vgg16",
    "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "6d6bbae143d832006294945121d1f1fc",
    "VGG16 weights (no classifier, 59 MB)",
    f"{_RANDOM} (lessons 06, 08)",
)
XCEPTION_TOP = _weights(
    "xception",
    "xception_weights_tf_dim_ordering_tf_kernels.h5",
    "0a58e3b7378bc2990ea3b43d5981f1f6",
    "Xception weights (with classifier, 91 MB)",
    f"{_RANDOM} (lesson 05)",
)
XCEPTION_NOTOP = _weights(
    "xception",
    "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "b0042744bf5b25fce3cb969f33bebb97",
    "Xception weights (no classifier, 83 MB)",
    f"{_RANDOM} (exercises of lesson 06)",
)
RESNET50_TOP = _weights(
    "resnet",
    "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
    "2cb95161c43110f7111970584f804107",
    "ResNet50 weights (with classifier, 103 MB)",
    f"{_RANDOM} (exercise of lesson 05)",
)
CLASS_INDEX = RemoteFile(
    "imagenet_class_index.json",
    CLASS_INDEX_URL,
    "c2c37ea517e94d9795004a39431a14cb",
    "ImageNet class names",
    "predictions show class numbers instead of names",
)
MOBILENET_V3_SMALL_NOTOP = _weights(
    "mobilenet_v3",
    "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
    "d3e8ec802a04aa4fc771ee12a9a9b836",
    "MobileNetV3Small weights (no classifier, 4 MB)",
    f"{_RANDOM} (lesson 09)",
)
EFFICIENTNET_B0_NOTOP = RemoteFile(
    "efficientnetb0_notop.h5",
    "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
    "50bc09e76180e00e4465e1a485ddc09d",
    "EfficientNetB0 weights (no classifier, 16 MB)",
    f"{_RANDOM} (exercise of lesson 09)",
)
COURSE_FILES = (
    VGG16_TOP,
    VGG16_NOTOP,
    XCEPTION_TOP,
    XCEPTION_NOTOP,
    RESNET50_TOP,
    MOBILENET_V3_SMALL_NOTOP,
    EFFICIENTNET_B0_NOTOP,
    CLASS_INDEX,
)
"""The files the lessons use, in the order ``doctor`` reports them and bundles carry them."""

FileStatus = Literal["ok", "missing", "damaged"]
_VERIFIED: dict[tuple, bool] = {}
_REPORTED: set[str] = set()


def _is_intact(path: Path, item: RemoteFile) -> bool:
    """MD5 check, remembered per process while the file's size and time stay the same."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns, info.st_ino, item.md5)
    if key not in _VERIFIED:
        _VERIFIED[key] = fileio.file_hash(path, alg="md5") == item.md5
    return _VERIFIED[key]


def file_status(item: RemoteFile) -> FileStatus:
    """Say whether ``item`` is in the Keras cache and intact: ok, missing or damaged.

    ``"damaged"`` means a file of that name is there but its MD5 is not the one Keras
    publishes (a cut-off download, a wrong file). The hash of a large weight file
    takes about a second; it is remembered for the rest of the process.
    """
    path = paths.keras_cache_dir() / item.filename
    try:
        if not path.is_file():
            return "missing"
        return "ok" if _is_intact(path, item) else "damaged"
    except OSError:
        return "damaged"


def cached_path(item: RemoteFile, verify: bool = False) -> Path | None:
    """Return the file's path in the Keras cache if it is there (and, with ``verify``, intact)."""
    path = paths.keras_cache_dir() / item.filename
    if not path.is_file() or path.stat().st_size == 0:
        return None
    if verify and file_status(item) != "ok":
        return None
    return path


def _report_unavailable(item: RemoteFile, status: FileStatus, error: Exception) -> None:
    """One short line per file and process saying what happened and what to do."""
    if item.filename in _REPORTED:
        return
    _REPORTED.add(item.filename)
    path = paths.keras_cache_dir() / item.filename
    if isinstance(error, OSError) and not isinstance(error, fileio.WriteError):
        error = fileio.explain_write_error(error, path, hint=CACHE_HINT)
    if status == "damaged":
        what = (
            f"the cached file {path} is damaged (its MD5 is not the one Keras publishes) "
            "and no fresh copy could be had"
        )
    else:
        what = "it is not in the Keras cache and could not be had"
    advice = CACHE_HINT if isinstance(error, fileio.WriteError) else GET_WEIGHTS_HINT
    print(
        f"{item.label} unavailable: {what}. {error} {advice} Until then, {item.consequence}.",
        file=sys.stderr,
    )


def ensure_file(item: RemoteFile, progress: bool = True) -> Path | None:
    """Return a verified copy of ``item`` in the Keras cache, downloading it if needed.

    Returns ``None`` (after one short line on stderr saying why and what to do, once
    per file and process) when it is not cached and cannot be had: no network, a
    read-only cache, a server error. A cached file with the wrong hash is downloaded
    again; if that fails, the message says that the cached file is damaged.
    """
    path = paths.keras_cache_dir() / item.filename
    status = file_status(item)
    if status == "ok":
        return path
    try:
        return downloads.fetch(item.url, path, item.known_hash, progress, hint=CACHE_HINT)
    except (downloads.DownloadError, OSError) as error:
        _report_unavailable(item, status, error)
        return None


# --------------------------------------------------------------------------- notices


def _notice(title: str, body: str) -> None:
    """Show a notice no one can miss: a red box in Jupyter, a banner in a terminal."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        in_kernel = get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except ImportError:
        in_kernel = False
    if in_kernel:
        display(
            HTML(
                "<div style='border:3px solid #c00;background:#fee;padding:10px;"
                f"margin:6px 0;font-size:110%'><b>&#9888; {title}</b><br>{body}</div>"
            )
        )
    else:
        line = "!" * 78
        print(f"{line}\n!! {title}\n!! {body}\n{line}", file=sys.stderr)


def random_weights_notice(label: str) -> None:
    """Say loudly that a model runs with random weights."""
    _notice(
        f"{label}: RANDOM WEIGHTS - predictions are meaningless",
        "The ImageNet weights are not installed and could not be downloaded, so this model "
        "has the right architecture but has learned nothing. Everything below runs, but "
        f"its predictions and accuracies are chance. To fix it: {GET_WEIGHTS_HINT} "
        "Then restart the kernel and run the notebook again.",
    )


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelSpec:
    """How to build one pretrained architecture."""

    name: str
    constructor: str
    module: str
    input_size: int
    top: RemoteFile
    notop: RemoteFile


MODELS = {
    "vgg16": ModelSpec("VGG16", "VGG16", "vgg16", 224, VGG16_TOP, VGG16_NOTOP),
    "xception": ModelSpec("Xception", "Xception", "xception", 299, XCEPTION_TOP, XCEPTION_NOTOP),
}


def preprocess_function(name: str) -> Callable:
    """Return the ``preprocess_input`` that belongs to a model (``"vgg16"`` or ``"xception"``)."""
    import keras

    spec = _spec(name)
    return getattr(keras.applications, spec.module).preprocess_input


def _spec(name: str) -> ModelSpec:
    key = name.lower()
    if key not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose one of {sorted(MODELS)}.")
    return MODELS[key]


@dataclass
class Pretrained:
    """A pretrained model together with the preprocessing it was trained with.

    Attributes
    ----------
    model : keras.Model
        Built by the real ``keras.applications`` constructor.
    name : str
        ``"VGG16"`` or ``"Xception"``.
    input_size : int
        The side of the square input image (224 or 299 with the classifier).
    preprocess_input : callable
        That model's own ``keras.applications.<module>.preprocess_input``.
    has_imagenet_weights : bool
        False when the lesson fell back to random weights.
    weights_file : Path or None
        The weight file that was loaded.
    """

    model: object
    name: str
    input_size: int
    preprocess_input: Callable
    has_imagenet_weights: bool
    weights_file: Path | None

    def preprocess(self, images) -> np.ndarray:
        """Apply this model's ``preprocess_input`` to a copy of ``images`` (0-255 RGB)."""
        return self.preprocess_input(np.array(images, dtype="float32", copy=True))

    def predict(self, images, batch_size: int = 16) -> np.ndarray:
        """Preprocess 0-255 RGB images and return the model's outputs."""
        return self.model.predict(self.preprocess(images), batch_size=batch_size, verbose=0)


def load(
    name: str,
    *,
    include_top: bool = True,
    input_shape: tuple[int, int, int] | None = None,
    weights: str | None = "imagenet",
    progress: bool = True,
) -> Pretrained:
    """Build VGG16 or Xception with ImageNet weights when they can be had, random otherwise.

    Parameters
    ----------
    name : {"vgg16", "xception"}
    include_top : bool
        Keep the 1,000-class ImageNet classifier (then the input size is fixed).
    input_shape : tuple, optional
        ``(height, width, 3)`` when ``include_top=False`` (VGG16 from 32, Xception from 71).
    weights : {"imagenet", None}
        ``None`` asks for random weights on purpose (no notice).
    progress : bool
        Show a progress bar while downloading.

    Examples
    --------
    >>> vgg = load("vgg16")                                    # doctest: +SKIP
    >>> vgg.predict(images).shape                             # doctest: +SKIP
    (n, 1000)
    """
    import keras

    spec = _spec(name)
    if weights not in ("imagenet", None):
        raise ValueError("weights must be 'imagenet' or None.")
    item = spec.top if include_top else spec.notop
    path = ensure_file(item, progress) if weights == "imagenet" else None
    constructor = getattr(keras.applications, spec.constructor)
    model = constructor(
        weights=str(path) if path else None, include_top=include_top, input_shape=input_shape
    )
    if weights == "imagenet" and path is None:
        random_weights_notice(spec.name)
    size = spec.input_size if include_top else (input_shape or (spec.input_size,))[0]
    return Pretrained(model, spec.name, size, preprocess_function(name), path is not None, path)


# --------------------------------------------------------------------------- class names


def class_index_available() -> bool:
    """True when the ImageNet class index is in the Keras cache or can be downloaded."""
    return ensure_file(CLASS_INDEX, progress=False) is not None


def _read_class_index(path: Path) -> dict[str, list[str]] | None:
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return index if isinstance(index, dict) and len(index) == 1000 else None


def decode(predictions, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """Top-k ``(wordnet id, class name, probability)`` per image, like ``decode_predictions``.

    Reads the verified class index from the Keras cache (installed by a bundle, or
    downloaded) and ranks the classes as Keras's ``decode_predictions`` does. Without
    it, returns ``("?", "class <number>", p)`` after a notice.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim != 2 or predictions.shape[1] != 1000:
        raise ValueError(
            f"Expected predictions of shape (n, 1000) (one row of ImageNet scores per image), "
            f"got {predictions.shape}."
        )
    path = ensure_file(CLASS_INDEX, progress=False)
    index = _read_class_index(path) if path is not None else None
    if index is None:
        _notice(
            "ImageNet class names missing - showing class numbers",
            f"The class index could not be found or downloaded. {GET_WEIGHTS_HINT}",
        )
    results = []
    for row in predictions:
        best = row.argsort()[-top:][::-1]
        if index is None:
            results.append([("?", f"class {i}", float(row[i])) for i in best])
        else:
            results.append([(*index[str(i)], row[i]) for i in best])
    return results


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in index order, for plots of whole prediction vectors.

    Reads the class index behind ``decode_predictions`` (cache, bundle or download);
    without it, returns ``["class 0", ..., "class 999"]`` after the same notice as
    :func:`decode`, so that plots still work and say honestly what they show.

    Examples
    --------
    >>> names = imagenet_class_names()                      # doctest: +SKIP
    >>> names[954]                                          # doctest: +SKIP
    'banana'
    """
    path = ensure_file(CLASS_INDEX, progress=False)
    index = _read_class_index(path) if path is not None else None
    if index is None:
        _notice(
            "ImageNet class names missing - showing class numbers",
            f"The class index could not be found or downloaded. {GET_WEIGHTS_HINT}",
        )
        return [f"class {i}" for i in range(1000)]
    return [index[str(i)][1] for i in range(len(index))]
