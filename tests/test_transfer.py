"""Helpers of lessons 05 and 06: ImageNet class names, top-k comparisons, phased training curves."""

from __future__ import annotations

import dataclasses
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import fileio, paths, plotting, pretrained


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- class names


def test_class_names_without_the_index_are_numbers_with_a_notice(isolated, capsys):
    names = pretrained.imagenet_class_names()
    assert len(names) == 1000
    assert names[0] == "class 0" and names[954] == "class 954"
    assert "class numbers" in capsys.readouterr().err


def install_class_index(monkeypatch, index: dict) -> None:
    """Put ``index`` into the (isolated) Keras cache as the class index the course trusts.

    The file goes where a bundle or a download puts it; ``pretrained.CLASS_INDEX`` is
    pointed at its MD5 (the real one is the published file's), so the real cache
    lookup and hash check run unchanged.
    """
    path = paths.keras_cache_dir() / pretrained.CLASS_INDEX.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index), encoding="utf-8")
    item = dataclasses.replace(pretrained.CLASS_INDEX, md5=fileio.file_hash(path, alg="md5"))
    monkeypatch.setattr(pretrained, "CLASS_INDEX", item)


def test_class_names_are_read_in_index_order(isolated, monkeypatch, capsys):
    # Keys stored in a scrambled order: names must come out by class number, not file order.
    order = np.random.default_rng(0).permutation(1000)
    index = {str(i): [f"n{i:08d}", f"name {i}"] for i in order}
    assert list(index)[:3] != ["0", "1", "2"]
    install_class_index(monkeypatch, index)
    names = pretrained.imagenet_class_names()
    assert names == [f"name {i}" for i in range(1000)]
    predictions = np.full((1, 1000), 1e-4, dtype="float32")
    predictions[0, 954] = 0.9
    assert pretrained.decode(predictions, top=1)[0][0][:2] == ("n00000954", "name 954")
    assert "class numbers" not in capsys.readouterr().err


def test_a_class_index_with_the_wrong_hash_is_not_trusted(isolated, monkeypatch, capsys):
    install_class_index(monkeypatch, {str(i): [f"n{i}", f"name {i}"] for i in range(1000)})
    path = paths.keras_cache_dir() / pretrained.CLASS_INDEX.filename
    path.write_text(path.read_text(encoding="utf-8").replace("name 7", "nome 7"), encoding="utf-8")
    names = pretrained.imagenet_class_names()  # damaged and (offline) not downloadable again
    assert names[7] == "class 7"
    assert "class numbers" in capsys.readouterr().err


def test_class_names_agree_with_decode_when_the_index_is_installed():
    if pretrained.cached_path(pretrained.CLASS_INDEX, verify=True) is None:
        pytest.skip("the ImageNet class index is not installed (CI installs it from a bundle)")
    names = pretrained.imagenet_class_names()
    assert len(names) == 1000
    assert names[954] == "banana" and names[949] == "strawberry"
    predictions = np.zeros((1, 1000), dtype="float32")
    predictions[0, 957] = 1.0
    assert pretrained.decode(predictions, top=1)[0][0][1] == names[957] == "pomegranate"


# --------------------------------------------------------------------------- compare_top_k


def test_compare_top_k_draws_one_row_per_image_and_one_column_per_model():
    names = [f"fruit {i}" for i in range(10)]
    first = np.full((2, 10), 0.01)
    first[0, 7], first[1, 2] = 0.91, 0.91
    second = first[:, ::-1].copy()
    images = [np.zeros((8, 8, 3), dtype=np.uint8), np.ones((8, 8, 3))]
    fig = plotting.compare_top_k(images, {"A": first, "B": second}, names, k=3, titles=["x", "y"])
    axes = np.array(fig.axes).reshape(2, 3)
    assert axes[0, 1].get_title() == "A" and axes[0, 2].get_title() == "B"
    # the longest bar is drawn last (top of the chart) and names the most probable class
    assert axes[0, 1].get_yticklabels()[-1].get_text() == "fruit 7"
    assert axes[1, 1].get_yticklabels()[-1].get_text() == "fruit 2"
    assert axes[0, 2].get_yticklabels()[-1].get_text() == "fruit 2"
    assert len(axes[1, 2].patches) == 3


def test_compare_top_k_rejects_mismatched_inputs():
    names = ["a", "b", "c"]
    with pytest.raises(ValueError, match="2 images"):
        plotting.compare_top_k([np.zeros((4, 4, 3))] * 2, {"A": np.ones((1, 3)) / 3}, names)
    with pytest.raises(ValueError, match="at least one"):
        plotting.compare_top_k([], {"A": np.ones((0, 3))}, names)


# --------------------------------------------------------------------------- phases


def test_history_phases_follow_each_other_with_a_marker_between():
    head = {"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.2, 1.8], "accuracy": [0.1, 0.4, 0.6]}
    tune = {"loss": [1.2, 1.0], "val_loss": [1.5, 1.4], "accuracy": [0.7, 0.8]}
    fig = plotting.plot_history_phases([head, tune], ["head", "fine-tuning"])
    loss_ax, accuracy_ax = fig.axes
    lines = [line for line in loss_ax.get_lines() if line.get_linestyle() in ("-", "--")]
    x_values = sorted({float(x) for line in lines for x in line.get_xdata()})
    assert x_values == [1, 2, 3, 4, 5]
    markers = [line for line in loss_ax.get_lines() if line.get_linestyle() == ":"]
    assert len(markers) == 1 and markers[0].get_xdata()[0] == pytest.approx(3.5)
    assert [t.get_text() for t in loss_ax.texts] == ["head", "fine-tuning"]
    # accuracy has no validation curve here: only the two training segments
    assert len([line for line in accuracy_ax.get_lines() if line.get_linestyle() == "-"]) == 2


def test_history_phases_need_one_label_per_phase():
    with pytest.raises(ValueError, match="one label each"):
        plotting.plot_history_phases([{"loss": [1.0]}], ["a", "b"])
    with pytest.raises(ValueError, match="every history"):
        plotting.plot_history_phases([{"loss": [1.0]}, {"accuracy": [1.0]}], ["a", "b"])


# --------------------------------------------------------------------------- transfer model


def test_transfer_model_freezes_the_base_and_adds_a_head():
    import keras

    from course_utils import models

    keras.utils.set_random_seed(0)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    model = models.build_transfer_model(base, 5, name="vgg16_transfer")
    assert [layer.name for layer in model.layers] == [
        "image",
        "vgg16",
        "pooling",
        "fruit_probabilities",
    ]
    assert model.output_shape == (None, 5) and model.name == "vgg16_transfer"
    assert not base.trainable
    assert len(model.trainable_weights) == 2, "only the head's kernel and bias train"
    images = np.random.default_rng(0).normal(0, 50, (3, 32, 32, 3)).astype("float32")
    probabilities = model.predict(images, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # the pooled base features are what the head sees
    pooled = base.predict(images, verbose=0).mean(axis=(1, 2))
    head = model.get_layer("fruit_probabilities")
    np.testing.assert_allclose(probabilities, keras.ops.convert_to_numpy(head(pooled)), atol=1e-5)


def test_transfer_model_reuses_a_trained_head():
    import keras

    from course_utils import models

    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)], name="base")
    head = keras.layers.Dense(3, activation="softmax", name="trained_head")
    head.build((None, 4))
    model = models.build_transfer_model(base, 99, head=head)
    assert model.get_layer("trained_head") is head
    assert model.output_shape == (None, 3)


def test_transfer_model_refuses_a_base_without_a_fixed_input():
    import keras

    from course_utils import models

    inputs = keras.Input((None, None, 3))
    flexible = keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))
    with pytest.raises(ValueError, match="fixed input shape"):
        models.build_transfer_model(flexible, 3)
    fixed = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
    with pytest.raises(ValueError, match="at least 2"):
        models.build_transfer_model(fixed, 1)
