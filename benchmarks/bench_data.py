"""Benchmark the data layer: generating the fruits and loading images.

Prints, for this machine:
- the time to generate the default generated-fruits dataset (4,000 images);
- the loader's throughput (images decoded, repaired and resized per second) on the
  generated data and, when COURSE_FRUITS_DIR points at real photos, on those;
- the tf.data pipeline's throughput once loaded (images per second through one epoch).

Run: .venv/bin/python benchmarks/bench_data.py [--workers N] [--repeat R]
Figures are wall-clock times, so run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def time_generation(workers: int | None) -> tuple[float, Path, tempfile.TemporaryDirectory]:
    from course_utils import generated_fruits

    folder = tempfile.TemporaryDirectory(prefix="bench-fruits-")
    target = Path(folder.name) / generated_fruits.FOLDER_NAME
    start = time.perf_counter()
    generated_fruits.generate_fruits(target, workers=workers, progress=False)
    return time.perf_counter() - start, target, folder


def time_loading(root: Path, image_size: tuple[int, int], repeat: int) -> tuple[int, float]:
    from course_utils import datasets

    best = float("inf")
    count = 0
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", datasets.DataWarning)
            start = time.perf_counter()
            data = datasets.load_fruits(root, image_size=image_size, verbose=False)
            best = min(best, time.perf_counter() - start)
        count = (
            len(data.x_train) + len(data.x_val) + (0 if data.x_test is None else len(data.x_test))
        )
    return count, best


def time_pipeline(root: Path, image_size: tuple[int, int]) -> float:
    from course_utils import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", datasets.DataWarning)
        data = datasets.load_fruits(root, image_size=image_size, verbose=False)
    for _ in data.train:  # first pass fills the cache
        pass
    start = time.perf_counter()
    seen = sum(int(images.shape[0]) for images, _ in data.train)
    return seen / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="generator processes")
    parser.add_argument("--repeat", type=int, default=3, help="loader runs (best is kept)")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f}")
    seconds, generated, folder = time_generation(args.workers)
    print(
        f"generate default fruits (4,000 images, workers={args.workers or 'auto'}): {seconds:.1f} s"
    )
    sources = [("generated", generated)]
    from course_utils import paths

    real = paths.fruits_override()
    if real is not None:
        sources.append(("real (COURSE_FRUITS_DIR)", real))
    for name, root in sources:
        for size in ((100, 100), (32, 32)):
            count, best = time_loading(root, size, args.repeat)
            rate = count / best
            print(
                f"load {name} at {size[0]}x{size[1]}: {count} images, {best:.2f} s, {rate:,.0f}/s"
            )
        rate = time_pipeline(root, (32, 32))
        print(f"tf.data training pipeline ({name}, 32x32, batch 32): {rate:,.0f} images/s")
    folder.cleanup()


if __name__ == "__main__":
    main()
