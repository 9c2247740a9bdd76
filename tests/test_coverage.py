"""Every concept of the seed decks is taught: docs/coverage.md names the lesson and section.

The table in docs/coverage.md has one row per concept: ``| concept | seeds | lesson | section |``.
This test checks that the table lists every concept below (so a row cannot silently vanish)
and that each named section exists as a Markdown heading in that lesson's notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "coverage.md"

# The concepts the seed decks teach (../shared/seeds/ 000-004), in the words of the table.
REQUIRED_CONCEPTS = (
    "images as arrays of numbers",
    "exploratory data analysis",
    "the challenges: illumination, deformation, occlusion, background clutter, class variation",
    "data-driven approach",
    "training, validation and test data",
    "hold-out validation",
    "cross-validation",
    "nearest neighbour with L1 and L2 distance",
    "linear classifier",
    "softmax",
    "cross-entropy loss",
    "one-hot encoding",
    "perceptron",
    "multi-layer perceptron",
    "activation functions",
    "why non-linearity matters",
    "gradient descent and the learning rate",
    "backpropagation",
    "Adam optimizer",
    "epochs and batches",
    "pixels as independent features vs convolutions",
    "convolution and filters",
    "padding",
    "stride",
    "ReLU",
    "max pooling",
    "flatten and fully connected layers",
    "tensors",
    "TensorFlow graphs and TensorBoard",
    "data augmentation: flip, zoom, brighten",
    "enlarging the network: can we beat this accuracy?",
    "Keras Sequential and functional API",
    "batch normalization",
    "dropout",
    "1x1 convolutions",
    "architecture history: LeNet to SENet",
    "ImageNet",
    "pretrained VGG16",
    "pretrained Xception",
    "transfer learning: frozen base and new head",
    "fine-tuning",
    "the transfer-learning guide: data size and similarity",
    "feature maps: what the layers see",
    "explaining predictions with LIME",
)


def table_rows() -> list[list[str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("concept", "") or set(cells[0]) <= set("-: "):
            continue
        rows.append(cells)
    return rows


def headings(notebook: Path) -> set[str]:
    found = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            match = re.match(r"#{1,6}\s+(.*\S)\s*$", line)
            if match:
                found.add(match.group(1).strip())
    return found


def test_every_seed_concept_has_a_row():
    listed = {row[0] for row in table_rows()}
    missing = [c for c in REQUIRED_CONCEPTS if c not in listed]
    assert not missing, f"docs/coverage.md lacks rows for: {missing}"


@pytest.mark.parametrize("row", table_rows(), ids=lambda row: row[0][:40])
def test_named_section_exists(row):
    concept, _seeds, lesson, section = row
    matches = sorted((ROOT / "notebooks").glob(f"{lesson}_*.ipynb"))
    assert len(matches) == 1, f"{concept}: no single notebook numbered {lesson!r}"
    assert section in headings(matches[0]), (
        f"{concept}: {matches[0].name} has no heading {section!r}; "
        "update docs/coverage.md or the lesson"
    )
