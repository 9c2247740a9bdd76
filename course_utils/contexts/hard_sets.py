"""The hard validation and test sets: :class:`FruitsInContext` and :func:`load_fruits_in_context`.

The plain validation split becomes the hard validation set (``"validation"`` photos) and
the plain Test split the hard Test (``"test"`` photos), with the plain labels in the
same order. Built once, then loaded from the cache (see :mod:`course_utils.contexts.cache`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_utils import datasets
from course_utils.contexts.cache import _cache_path, _read_cache, _stamp, _write_cache
from course_utils.contexts.scenes import compose_in_context
from course_utils.contexts.settings import DEFAULT_DIFFICULTY, ContextSettings, context_settings

SPLITS = ("validation", "test")
"""The plain splits that get a hard twin."""


@dataclass
class FruitsInContext:
    """The hard validation and test sets, with the fields and pipelines of ``FruitsData``.

    ``x_val``/``x_test`` are ``uint8`` arrays ``(n, height, width, 3)``; ``y_val`` and
    ``y_test`` are the plain splits' labels, in the same order (``class_names`` is the
    same list). ``x_test`` is ``None`` when the plain data has no Test split.
    """

    class_names: list[str]
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    image_size: tuple[int, int]
    batch_size: int
    seed: int
    difficulty: str
    settings: ContextSettings
    root: Path
    cache_file: Path | None = None
    backgrounds: dict[str, list[str]] = field(default_factory=dict)
    hidden: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    from_cache: bool = False

    def pipeline(self, split: str, batch_size: int | None = None):
        """Batched ``tf.data.Dataset`` of ``(float32 images 0-255, labels)``, not shuffled.

        Parameters
        ----------
        split : {"validation", "test"}
        batch_size : int, optional
            Default: the batch size of the plain data.
        """
        arrays = {"validation": (self.x_val, self.y_val), "test": (self.x_test, self.y_test)}
        if split not in arrays:
            raise ValueError(f"split must be one of {sorted(arrays)}, not {split!r}.")
        images, labels = arrays[split]
        if images is None:
            raise FileNotFoundError(f"This data has no {split} split (no Test/ in {self.root}).")
        return datasets.batches(images, labels, batch_size=batch_size or self.batch_size)

    @property
    def validation(self):
        """Hard validation batches (``tf.data.Dataset``): choose settings on these."""
        return self.pipeline("validation")

    @property
    def test(self):
        """Hard test batches (``tf.data.Dataset``), or ``None`` without a Test split."""
        return None if self.x_test is None else self.pipeline("test")

    def summary(self) -> str:
        """A few lines: what was built, from which photos, and whether it came from the cache."""
        test = "no Test split" if self.x_test is None else f"{len(self.x_test)} test"
        how = "loaded from the cache" if self.from_cache else "built"
        lines = [
            f"fruits in context ({self.difficulty}): {len(self.x_val)} validation, {test} "
            f"pictures at {self.image_size[0]}x{self.image_size[1]}, {how} in "
            f"{self.seconds:.1f} s"
        ]
        for split, names in self.backgrounds.items():
            lines.append(f"{split} backgrounds: {', '.join(sorted(set(names)))}")
        return "\n".join(lines)


def load_fruits_in_context(
    data,
    *,
    difficulty: str | ContextSettings = DEFAULT_DIFFICULTY,
    seed: int = 0,
    cache: bool = True,
    verbose: bool = True,
    **overrides,
) -> FruitsInContext:
    """Build (or load from the cache) the hard validation and test sets for loaded fruits.

    Parameters
    ----------
    data : FruitsData
        From :func:`course_utils.datasets.load_fruits`: its validation split becomes
        the hard validation set (``"validation"`` photos), its Test split the hard Test
        (``"test"`` photos). Any source works: real, a copy, generated.
    difficulty : {"easy", "medium", "hard"} or ContextSettings
        The preset (see :data:`PRESETS`).
    seed : int
        Decides the scenes; the same data, settings and seed give the same pictures.
    cache : bool
        Read and write ``<data folder>/contexts/`` (see :func:`cache_folder`).
    verbose : bool
        Print the summary.
    **overrides
        Knobs of :class:`ContextSettings` that differ from the preset.

    Returns
    -------
    FruitsInContext

    Raises
    ------
    ValueError
        For an unknown preset or knob, or a value out of range.

    Examples
    --------
    >>> hard = load_fruits_in_context(data, difficulty="hard")    # doctest: +SKIP
    >>> model.evaluate(hard.test)                                 # doctest: +SKIP
    """
    settings = context_settings(difficulty, **overrides)
    name = difficulty if isinstance(difficulty, str) and not overrides else "custom"
    if data.x_val is None or len(data.x_val) == 0:
        raise ValueError(
            "The data has no validation split: load it with validation_fraction > 0 "
            "(the default 0.2), so the hard validation set can be built."
        )
    started = time.perf_counter()
    stamp = _stamp(data, settings, name, seed)
    path = _cache_path(stamp)
    stored = _read_cache(path, stamp) if cache else None
    from_cache = stored is not None
    if stored is None:
        stored = {}
        for split, images in (("validation", data.x_val), ("test", data.x_test)):
            if images is None:
                continue
            pictures, info = compose_in_context(images, pool=split, difficulty=settings, seed=seed)
            stored[f"x_{split}"] = pictures
            stored[f"background_{split}"] = np.array(info["background"])
            stored[f"hidden_{split}"] = info["hidden"]
        if cache:
            _write_cache(path, stamp, stored)
    has_test = "x_test" in stored
    hard = FruitsInContext(
        class_names=list(data.class_names),
        x_val=stored["x_validation"],
        y_val=np.asarray(data.y_val).copy(),
        x_test=stored["x_test"] if has_test else None,
        y_test=np.asarray(data.y_test).copy() if has_test else None,
        image_size=tuple(data.image_size),
        batch_size=data.batch_size,
        seed=seed,
        difficulty=name,
        settings=settings,
        root=Path(data.root),
        cache_file=path if cache else None,
        backgrounds={
            split: [str(b) for b in stored[f"background_{split}"]]
            for split in SPLITS
            if f"background_{split}" in stored
        },
        hidden={
            split: stored[f"hidden_{split}"] for split in SPLITS if f"hidden_{split}" in stored
        },
        seconds=time.perf_counter() - started,
        from_cache=from_cache,
    )
    if verbose:
        print(hard.summary())
    return hard
