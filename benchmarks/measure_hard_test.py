"""Measure what the hard test shows: plain Test vs fruits in context, without and with augmentation.

For each data source (the real photos named by COURSE_FRUITS_DIR, when set, and the
generated fruits), at the lesson-04 settings (32x32 pixels, 12 epochs, the lesson-04 CNN
from course_utils.models):

1. train on plain Training; report accuracy on plain Test and on the hard Test
   (and hard validation);
2. train the same network on Training with background replacement + colour jitter
   (contexts.BackgroundReplacer, "train" photos only); report the same accuracies.

Prints one table row per (source, training) with epochs, image size and seconds.
Run: .venv/bin/python benchmarks/measure_hard_test.py [--epochs 12] [--size 32]
Uses a temporary data folder for the cache unless COURSE_DATA_DIR is set.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _load(root: Path, size: int):
    from course_utils import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", datasets.DataWarning)
        return datasets.load_fruits(root, image_size=(size, size), verbose=False)


def _accuracy(model, images, labels) -> float:

    predictions = model.predict(images.astype("float32"), batch_size=256, verbose=0)
    return float((predictions.argmax(axis=1) == labels).mean())


def _train(data, epochs: int, augment: bool, seed: int):
    import keras

    from course_utils import contexts, models

    keras.utils.set_random_seed(seed)
    height, width = data.image_size
    model = models.build_fruits_cnn((height, width, 3), len(data.class_names))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    train = data.train
    if augment:
        train = contexts.BackgroundReplacer(seed=seed).map(train)
    start = time.perf_counter()
    model.fit(train, validation_data=data.validation, epochs=epochs, verbose=0)
    return model, time.perf_counter() - start


def measure(name: str, root: Path, args) -> None:
    from course_utils import contexts

    data = _load(root, args.size)
    start = time.perf_counter()
    hard = contexts.load_fruits_in_context(data, difficulty=args.difficulty, verbose=False)
    built = time.perf_counter() - start
    print(
        f"\n{name}: {len(data.x_train)} training, {len(data.x_test)} test images at "
        f"{args.size}x{args.size}; hard sets ({args.difficulty}) ready in {built:.1f} s"
    )
    print(
        f"{'training':<36} {'epochs':>6} {'seconds':>8} {'plain val':>9} {'plain test':>10} "
        f"{'hard val':>8} {'hard test':>9}"
    )
    for label, augment in (("plain", False), ("background replacement + colour", True)):
        model, seconds = _train(data, args.epochs, augment, args.seed)
        row = [
            _accuracy(model, data.x_val, data.y_val),
            _accuracy(model, data.x_test, data.y_test),
            _accuracy(model, hard.x_val, hard.y_val),
            _accuracy(model, hard.x_test, hard.y_test),
        ]
        print(
            f"{label:<36} {args.epochs:>6} {seconds:>8.0f} {row[0]:>9.1%} {row[1]:>10.1%} "
            f"{row[2]:>8.1%} {row[3]:>9.1%}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="lesson 04: 12 in full mode")
    parser.add_argument("--size", type=int, default=32, help="lesson 04: 32x32 pixels")
    parser.add_argument("--difficulty", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()

    import tempfile

    if "COURSE_DATA_DIR" not in os.environ:
        os.environ["COURSE_DATA_DIR"] = tempfile.mkdtemp(prefix="measure-hard-")
    from course_utils import datasets, synthetic

    print(f"cores: {os.cpu_count()}; data folder: {os.environ['COURSE_DATA_DIR']}")
    real = datasets.find_real_fruits()
    if real is not None:
        measure(f"real photos ({real.root.name})", real.root, args)
    else:
        print("real photos: skipped (set COURSE_FRUITS_DIR)")
    if not args.skip_generated:
        measure("generated fruits", synthetic.ensure_generated_fruits(), args)


if __name__ == "__main__":
    main()
