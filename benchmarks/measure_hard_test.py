"""Measure what the hard test shows, per difficulty: plain Test vs fruits in context.

For each data source (the real photos named by COURSE_FRUITS_DIR, when set, and the
generated fruits), at the lesson-04 settings (32x32 pixels, the lesson-04 CNN from
course_utils.models, 12 epochs), and for each difficulty preset (easy, medium, hard):

1. cheap pixel baselines trained on plain Training: 1-nearest-neighbour with the L1
   distance, a linear softmax classifier and the lesson-02 dense network (256, 128)
   (both Adam 1e-3, 30 epochs as in lesson 02);
2. the lesson-04 CNN trained on plain Training;
3. the same CNN trained with background replacement + colour jitter at the same
   difficulty (contexts.BackgroundReplacer, "train" photos only).

Each model is scored on plain validation, plain Test, hard validation and hard Test.
Models trained on plain Training do not depend on the difficulty: they are trained once
and scored on the hard sets of every difficulty. Prints one row per (source, difficulty,
model) and, at the end, the whole table in Markdown.

Run: .venv/bin/python benchmarks/measure_hard_test.py [--epochs 12] [--size 32]
     [--difficulties easy,medium,hard] [--skip-generated] [--skip-real]
Uses a temporary data folder for the cache unless COURSE_DATA_DIR is set.
One run, one seed: differences of a few points are noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

COLUMNS = ("plain val", "plain test", "hard val", "hard test")


def _load(root: Path, size: int):
    from course_utils import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", datasets.DataWarning)
        return datasets.load_fruits(root, image_size=(size, size), verbose=False)


def _nearest_l1(train_x, train_y, queries, chunk: int = 8) -> object:
    """1-nearest-neighbour labels with the L1 distance (pixels as int16, in small chunks)."""
    import numpy as np

    train = train_x.reshape(len(train_x), -1).astype(np.int16)
    queries = queries.reshape(len(queries), -1).astype(np.int16)
    out = np.empty(len(queries), dtype=train_y.dtype)
    for start in range(0, len(queries), chunk):
        part = queries[start : start + chunk]
        distances = np.abs(part[:, None, :] - train[None]).sum(axis=-1, dtype=np.int32)
        out[start : start + chunk] = train_y[distances.argmin(axis=1)]
    return out


class _Nearest:
    """A 1-NN "model" with the predict interface the table needs."""

    def __init__(self, data):
        self.data = data

    def labels(self, images):
        return _nearest_l1(self.data.x_train, self.data.y_train, images)


class _Keras:
    def __init__(self, model):
        self.model = model

    def labels(self, images):
        predictions = self.model.predict(images.astype("float32"), batch_size=256, verbose=0)
        return predictions.argmax(axis=1)


def _pixel_model(data, hidden: tuple[int, ...]):
    """Lesson 02's linear classifier (no hidden layer) or dense network (hidden layers)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(*data.image_size, 3))
    x = layers.Flatten()(layers.Rescaling(1 / 255)(inputs))
    for units in hidden:
        x = layers.Dense(units, activation="relu")(x)
    init = "zeros" if not hidden else "glorot_uniform"
    outputs = layers.Dense(len(data.class_names), activation="softmax", kernel_initializer=init)(x)
    return keras.Model(inputs, outputs)


def _fit(model, data, train, epochs: int):
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(train, validation_data=data.validation, epochs=epochs, verbose=0)
    return _Keras(model), time.perf_counter() - start


def _cnn(data, epochs: int, seed: int, difficulty: str | None):
    """The lesson-04 CNN, trained on plain Training (``difficulty=None``) or augmented."""
    import keras

    from course_utils import contexts, models

    keras.utils.set_random_seed(seed)
    model = models.build_fruits_cnn((*data.image_size, 3), len(data.class_names))
    train = data.train
    if difficulty is not None:
        train = contexts.BackgroundReplacer(difficulty=difficulty, seed=seed).map(train)
    return _fit(model, data, train, epochs)


def _scores(model, data, hard) -> list[float]:
    pairs = ((data.x_val, data.y_val), (data.x_test, data.y_test))
    pairs += ((hard.x_val, hard.y_val), (hard.x_test, hard.y_test))
    return [float((model.labels(x) == y).mean()) for x, y in pairs]


def measure(name: str, root: Path, args, rows: list) -> None:
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no retracing advice: predict sees several batch sizes

    from course_utils import contexts

    data = _load(root, args.size)
    hard = {}
    for difficulty in args.difficulties:
        start = time.perf_counter()
        hard[difficulty] = contexts.load_fruits_in_context(
            data, difficulty=difficulty, verbose=False
        )
        print(
            f"\n{name}: {len(data.x_train)} training, {len(data.x_val)} validation, "
            f"{len(data.x_test)} test images at {args.size}x{args.size}; hard sets "
            f"({difficulty}) ready in {time.perf_counter() - start:.1f} s",
            flush=True,
        )

    def report(difficulty, label, model, seconds):
        row = (name, difficulty, label, seconds, *_scores(model, data, hard[difficulty]))
        rows.append(row)
        print(
            f"{difficulty:<7} {label:<44} {seconds:>5.0f} s "
            + " ".join(f"{v:>10.1%}" for v in row[4:]),
            flush=True,
        )

    print(f"{'preset':<7} {'model':<44} {'time':>7} " + " ".join(f"{c:>10}" for c in COLUMNS))
    start = time.perf_counter()
    nearest = _Nearest(data)
    plain_models = [("1-NN, L1 (pixels)", nearest, time.perf_counter() - start)]
    baselines = (("linear softmax (pixels)", ()), ("dense (256, 128) (pixels)", (256, 128)))
    for label, hidden in baselines:
        keras.utils.set_random_seed(args.seed)
        model, seconds = _fit(_pixel_model(data, hidden), data, data.train, args.baseline_epochs)
        plain_models.append((f"{label}, {args.baseline_epochs} ep", model, seconds))
    model, seconds = _cnn(data, args.epochs, args.seed, None)
    plain_models.append((f"lesson-04 CNN, plain, {args.epochs} ep", model, seconds))
    for difficulty in args.difficulties:
        for label, model, seconds in plain_models:
            report(difficulty, label, model, seconds)
        model, seconds = _cnn(data, args.epochs, args.seed, difficulty)
        report(difficulty, f"lesson-04 CNN, bg replacement, {args.epochs} ep", model, seconds)


def markdown(rows: list) -> str:
    lines = [
        "| source | preset | model | s | " + " | ".join(COLUMNS) + " |",
        "|---|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for source, difficulty, label, seconds, *scores in rows:
        values = " | ".join(f"{v:.1%}" for v in scores)
        lines.append(f"| {source} | {difficulty} | {label} | {seconds:.0f} | {values} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="lesson 04: 12 in full mode")
    parser.add_argument("--baseline-epochs", type=int, default=30, help="lesson 02: 30")
    parser.add_argument("--size", type=int, default=32, help="lesson 04: 32x32 pixels")
    parser.add_argument("--difficulties", default="easy,medium,hard")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()
    args.difficulties = [d.strip() for d in args.difficulties.split(",") if d.strip()]

    import tempfile

    from course_utils import contexts

    unknown = [d for d in args.difficulties if d not in contexts.PRESETS]
    if unknown:
        parser.exit(2, f"Unknown difficulties {unknown}; choose from {sorted(contexts.PRESETS)}.\n")
    if "COURSE_DATA_DIR" not in os.environ:
        os.environ["COURSE_DATA_DIR"] = tempfile.mkdtemp(prefix="measure-hard-")
    from course_utils import datasets, synthetic

    print(f"cores: {os.cpu_count()}; data folder: {os.environ['COURSE_DATA_DIR']}")
    rows: list = []
    real = None if args.skip_real else datasets.find_real_fruits()
    if real is not None:
        measure(f"real ({real.root.name})", real.root, args, rows)
    elif not args.skip_real:
        print("real photos: skipped (set COURSE_FRUITS_DIR)", file=sys.stderr)
    if not args.skip_generated:
        measure("generated", synthetic.ensure_generated_fruits(), args, rows)
    print("\n" + markdown(rows))


if __name__ == "__main__":
    main()
