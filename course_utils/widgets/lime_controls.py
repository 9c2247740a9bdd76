"""The LIME controls of lesson 08: superpixels and how much of an explanation to show."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_utils.widgets.base import Explorer


class LimeControls(Explorer):
    """Change LIME's superpixels and how much of the explanation to show, for one image.

    Shows the image cut into superpixels, the explanation (blue: superpixels that
    speak for the class, orange: against, the rest dimmed) and the surrogate's weights of
    the superpixels shown. Changing the number of superpixels reruns LIME (with few
    samples, and cached per setting, so moving back is instant); ``positive only`` and
    ``superpixels shown`` only change the picture.

    The superpixel slider is a *target*: SLIC returns about that many regions, and the
    picture says how many it made. The superpixels shown are numbered 1, 2, ... by
    weight, in the explanation picture and on the bars alike.

    Parameters
    ----------
    image : array (h, w, 3)
        The image to explain (0-255).
    predict_fn : callable
        Batched, images -> probabilities (:func:`course_utils.explain.lime_predict_fn`).
    label : int, optional
        The class to explain; default the predicted one.
    class_names : sequence of str, optional
        For the title.
    num_samples : int
        Perturbed images per LIME run (small keeps the widget responsive).
    seed : int
        Same seed, same explanation.
    segment_choices : sequence of int
        The offered target numbers of superpixels (SLIC's ``n_segments``).
    n_segments : int
        The target shown first (one of ``segment_choices``).
    hide_color : None or number or RGB
        Passed to LIME (what a switched-off superpixel becomes).

    Examples
    --------
    >>> controls = LimeControls(image, predict, class_names=names)     # doctest: +SKIP
    >>> controls.controls["positive_only"].value = False                # doctest: +SKIP
    >>> controls.result["mask"].min()                                  # doctest: +SKIP
    -1
    """

    def __init__(
        self,
        image,
        predict_fn,
        *,
        label=None,
        class_names=None,
        num_samples: int = 200,
        seed: int = 0,
        segment_choices=(10, 20, 30, 40, 60, 80),
        n_segments: int = 30,
        hide_color=None,
    ):
        self.image = np.asarray(image)
        if self.image.ndim != 3 or self.image.shape[-1] != 3:
            raise ValueError(f"Pass one RGB image (h, w, 3), got shape {self.image.shape}.")
        if n_segments not in segment_choices:
            raise ValueError(f"n_segments={n_segments} is not one of {list(segment_choices)}.")
        self.predict_fn = predict_fn
        self.label = int(np.argmax(predict_fn(self.image[None])[0])) if label is None else label
        self.class_names = class_names
        self.num_samples = num_samples
        self.seed = seed
        self.hide_color = hide_color
        self.explanations: dict[int, object] = {}
        self.seconds: dict[int, float] = {}
        style = {"description_width": "130px"}
        controls = {
            "n_segments": widgets.SelectionSlider(
                options=list(segment_choices),
                value=n_segments,
                description="superpixels (target)",
                continuous_update=False,
                style=style,
            ),
            "positive_only": widgets.Checkbox(value=True, description="positive only"),
            "num_features": widgets.IntSlider(
                value=5,
                min=1,
                max=20,
                description="superpixels shown",
                continuous_update=False,
                style=style,
            ),
        }
        super().__init__(controls, columns=3)

    def explanation(self, n_segments: int):
        """The LIME explanation for this number of superpixels (computed once, then cached)."""
        import time

        from course_utils import explain

        if n_segments not in self.explanations:
            start = time.perf_counter()
            self.explanations[n_segments] = explain.explain_with_lime(
                self.image,
                self.predict_fn,
                segmentation_fn=explain.segmenter(n_segments),
                num_samples=self.num_samples,
                labels=[self.label],
                seed=self.seed,
                hide_color=self.hide_color,
                progress=False,
            )
            self.seconds[n_segments] = time.perf_counter() - start
        return self.explanations[n_segments]

    def compute(self, n_segments, positive_only, num_features):
        from course_utils import explain

        found = self.explanation(n_segments)
        weights = explain.lime_weights(found, self.label)
        chosen = explain.top_superpixels(found, self.label, num_features, positive_only)
        return {
            "segments": found.segments,
            "target": n_segments,
            "count": int(found.segments.max()) + 1,
            "weights": weights,
            "chosen": chosen,
            "mask": explain.lime_mask(found, self.label, num_features, positive_only),
            "positive_only": positive_only,
            "seconds": self.seconds[n_segments],
        }

    def draw(self, result):
        import matplotlib.patheffects as effects
        from skimage.segmentation import mark_boundaries

        from course_utils import explain

        name = self.class_names[self.label] if self.class_names else f"class {self.label}"
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.3), gridspec_kw={"width_ratios": [1, 1, 1.2]})
        picture = self.image.astype("float32") / (255.0 if self.image.max() > 1 else 1.0)
        axes[0].imshow(mark_boundaries(picture, result["segments"], color=(1, 1, 0)))
        axes[0].set_title(
            f"SLIC made {result['count']} superpixels (target {result['target']})", fontsize=9
        )
        axes[1].imshow(explain.render_lime(self.image, result["mask"]))
        kind = "for" if result["positive_only"] else "for (blue) / against (orange)"
        axes[1].set_title(f"{len(result['chosen'])} superpixels {kind} {name}", fontsize=9)
        outline = [effects.withStroke(linewidth=2.5, foreground="black")]
        for rank, (row, col) in enumerate(superpixel_centres(result), start=1):
            axes[1].text(
                col,
                row,
                str(rank),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                color="white",
                path_effects=outline,
            )
        for ax in axes[:2]:
            ax.axis("off")
        values = result["weights"][result["chosen"]]
        ranks = [str(rank) for rank in range(1, len(values) + 1)]
        axes[2].barh(
            ranks[::-1],
            values[::-1],
            color=[explain.FOR_COLOUR if v > 0 else explain.AGAINST_COLOUR for v in values[::-1]],
        )
        axes[2].axvline(0, color="black", linewidth=0.8)
        axes[2].set_xlabel("weight in the local linear model")
        axes[2].set_ylabel("superpixel")
        axes[2].set_title(
            f"weights of the numbered superpixels\n(LIME: {self.num_samples} samples, "
            f"{result['seconds']:.1f} s)",
            fontsize=9,
        )
        fig.tight_layout()
        return fig


def superpixel_centres(result) -> list[tuple[float, float]]:
    """Where to write each chosen superpixel's number: (row, column), in ``chosen`` order.

    The pixel of the superpixel farthest from its border, so the number sits inside the
    region even when the region is not convex.
    """
    from scipy import ndimage

    centres = []
    for segment in result["chosen"]:
        inside = np.pad(result["segments"] == segment, 1)
        depth = ndimage.distance_transform_edt(inside)[1:-1, 1:-1]
        row, col = np.unravel_index(int(np.argmax(depth)), depth.shape)
        centres.append((float(row), float(col)))
    return centres
