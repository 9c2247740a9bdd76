"""Benchmark the hard test: time to build "fruits in context" for a Test split.

Prints, for this machine, the time to build the hard Test (no cache) for:
- the real photos' Test split, when COURSE_FRUITS_DIR points at them (the real sample
  has 250 Test photos; the full workshop subset has 2,428), extrapolated to 2,428;
- the generated fruits' Test split (generated in COURSE_DATA_DIR the first time, ~30 s).

Also the one-off start-up (loading the background photos, first use of the imports) and
the time to load a cached set. The goal: at most 20 s for 2,428 Test photos on 2 cores.

Run: .venv/bin/python benchmarks/bench_contexts.py [--size 32] [--difficulty medium]
Figures are wall-clock times: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FULL_TEST = 2428


def _load(root: Path, size: int):
    from course_utils import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", datasets.DataWarning)
        return datasets.load_fruits(root, image_size=(size, size), verbose=False)


def bench(name: str, data, difficulty: str, repeat: int) -> None:
    from course_utils import contexts

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        contexts.compose_in_context(data.x_test, pool="test", difficulty=difficulty)
        best = min(best, time.perf_counter() - start)
    count = len(data.x_test)
    print(
        f"{name}: {count} Test photos at {data.image_size[0]}x{data.image_size[1]} in "
        f"{best:.2f} s ({count / best:.0f} per s); {FULL_TEST:,} would take "
        f"{best * FULL_TEST / count:.1f} s"
    )
    saved = os.environ.get("COURSE_DATA_DIR")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COURSE_DATA_DIR"] = folder  # a throw-away cache, not the user's
        try:
            contexts.load_fruits_in_context(data, difficulty=difficulty, verbose=False)
            start = time.perf_counter()
            hard = contexts.load_fruits_in_context(data, difficulty=difficulty, verbose=False)
        finally:
            if saved is None:
                os.environ.pop("COURSE_DATA_DIR", None)
            else:
                os.environ["COURSE_DATA_DIR"] = saved
        assert hard.from_cache
        print(
            f"{name}: loading the cached validation + Test sets took "
            f"{time.perf_counter() - start:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32, help="image side in pixels (lesson 04: 32)")
    parser.add_argument("--difficulty", default="medium", help="easy, medium or hard")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()

    from course_utils import contexts, datasets, paths, synthetic

    start = time.perf_counter()
    contexts.background_photos()
    print(
        f"start-up: loading the {len(contexts.background_photos())} background photos "
        f"took {time.perf_counter() - start:.2f} s (once per process)"
    )
    print(f"cores: {os.cpu_count()}, difficulty: {args.difficulty}")

    real = datasets.find_real_fruits()
    if real is None:
        print("real photos: skipped (set COURSE_FRUITS_DIR to a Fruits-360 folder)")
    else:
        bench(f"real ({real.root.name})", _load(real.root, args.size), args.difficulty, args.repeat)

    data_dir = paths.data_dir()
    start = time.perf_counter()
    generated = synthetic.ensure_generated_fruits(data_dir)
    print(f"generated fruits ready in {time.perf_counter() - start:.1f} s ({generated})")
    bench("generated", _load(generated, args.size), args.difficulty, args.repeat)


if __name__ == "__main__":
    main()
