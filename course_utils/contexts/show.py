"""The picture grid of the hard sets: hard pictures alone, or each below its plain twin."""

from __future__ import annotations

import numpy as np

from course_utils.contexts.hard_sets import SPLITS, FruitsInContext


def show_in_context(
    hard: FruitsInContext,
    *,
    split: str = "test",
    count: int = 16,
    plain=None,
    ncols: int = 8,
    seed: int = 0,
):
    """Show hard pictures with their class names; with ``plain``, each above its plain twin.

    Parameters
    ----------
    hard : FruitsInContext
    split : {"test", "validation"}
    count : int
        How many pictures (chosen at random, seeded, spread over the classes).
    plain : FruitsData, optional
        The plain data: then rows alternate plain and in-context versions of the same fruit.
    ncols : int
        Pictures per row.
    seed : int
        Which pictures are shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from course_utils import plotting

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}.")
    images = hard.x_test if split == "test" else hard.x_val
    labels = hard.y_test if split == "test" else hard.y_val
    if images is None or len(images) == 0:
        raise ValueError(f"There are no {split} pictures to show.")
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}.")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=min(count, len(images)), replace=False))
    names = [hard.class_names[label] for label in labels[chosen]]
    if plain is None:
        return plotting.show_images(
            list(images[chosen]),
            titles=names,
            ncols=ncols,
            suptitle=f"Fruits in context ({hard.difficulty}, {split})",
        )
    plain_images = plain.x_test if split == "test" else plain.x_val
    if plain_images is None or len(plain_images) != len(images):
        raise ValueError("plain must be the FruitsData the hard sets were built from.")
    shown, titles = [], []
    for start in range(0, len(chosen), ncols):
        row = chosen[start : start + ncols]
        shown += [plain_images[i] for i in row] + [images[i] for i in row]
        row_names = [hard.class_names[label] for label in labels[row]]
        titles += [f"{n}\nplain" for n in row_names] + [f"{n}\nin context" for n in row_names]
    return plotting.show_images(
        shown,
        titles=titles,
        ncols=min(ncols, len(chosen)),
        suptitle=f"The same {split} fruits, plain and in context ({hard.difficulty})",
    )
