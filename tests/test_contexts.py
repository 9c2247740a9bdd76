"""Tests of the hard test (fruits in context), its cache and background-replacement augmentation."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy import ndimage

from course_utils import contexts, datasets


def _load(root, size=32, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", datasets.DataWarning)
        return datasets.load_fruits(root, image_size=(size, size), verbose=False, **options)


@pytest.fixture
def tiny(fruits_tree, isolated):
    """Fruits loaded from a tiny generated tree (Test lacks Peach), with an empty data folder."""
    return _load(fruits_tree)


def _fruit_on_white(size=40):
    """A red disc with a pale stem, a white hole in the middle and a speck of dust."""
    image = np.full((1, size, size, 3), 255, dtype=np.uint8)
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - 22) ** 2 + (xx - 20) ** 2 < 12**2
    image[0][disc] = (190, 40, 30)
    image[0][(yy - 22) ** 2 + (xx - 20) ** 2 < 3**2] = 255  # a white highlight inside
    image[0, 4:11, 19:22] = (236, 230, 205)  # a pale stem touching the disc
    image[0, 2, 35] = (120, 120, 120)  # dust
    return image, disc


# --------------------------------------------------------------------------- the package


def test_package_re_exports_every_public_name_of_its_modules():
    """``contexts.X`` works for every public X of every module (lessons use only that)."""
    import importlib
    import inspect
    import pkgutil

    modules = [info.name for info in pkgutil.iter_modules(contexts.__path__)]
    assert {"settings", "masks", "photos", "scenes", "hard_sets", "augment"} <= set(modules)
    for name in modules:
        module = importlib.import_module(f"course_utils.contexts.{name}")
        assert module.__doc__ and module.__doc__.strip(), f"{name} has no opening docstring"
        for public, value in vars(module).items():
            if public.startswith("_") or inspect.ismodule(value):
                continue
            if getattr(value, "__module__", module.__name__) != module.__name__:
                continue  # imported from elsewhere (dataclass, Path, ...)
            assert public in contexts.__all__, f"{name}.{public} is not re-exported"
            assert getattr(contexts, public) is value


# --------------------------------------------------------------------------- masks


def test_mask_keeps_pale_stem_fills_holes_and_drops_specks():
    image, disc = _fruit_on_white()
    mask = contexts.fruit_masks(image, soft=False)[0].astype(bool)
    assert mask[disc].all()
    assert mask[22, 20], "the white highlight inside the fruit is a hole and must be filled"
    assert mask[5:10, 19:22].mean() > 0.9, "the pale stem must survive"
    assert not mask[2, 35], "a speck of dust is not fruit"
    assert not mask[0, :].any() and not mask[:, -1].any()


def test_soft_mask_has_a_partial_edge_only_on_the_outline():
    image, disc = _fruit_on_white()
    alpha = contexts.fruit_masks(image)[0]
    assert alpha.min() >= 0 and alpha.max() <= 1
    partial = (alpha > 0) & (alpha < 1)
    inner = ndimage.binary_erosion(disc, iterations=2)
    assert not partial[inner].any()


@pytest.mark.parametrize("size", [100, 32])
def test_masks_on_the_real_sample_match_a_simple_reference(real_sample, size):
    """Most of the fruit kept, most of the white removed, against a flood-fill reference.

    The reference calls background every near-white pixel (all channels >= 235) that is
    connected to the picture's border; everything else is fruit.
    """
    data = _load(real_sample, size=size, validation_fraction=0.0)
    images = np.concatenate([data.x_train, data.x_test])
    mask = contexts.fruit_masks(images, soft=False).astype(bool)
    white = images.min(axis=-1) >= 235
    background = np.zeros_like(white)
    for i in range(len(images)):
        labels, _ = ndimage.label(white[i])
        edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        background[i] = np.isin(labels, edge[edge > 0])
    fruit = ~background
    kept = (mask & fruit).sum(axis=(1, 2)) / fruit.sum(axis=(1, 2))
    removed = (~mask & background).sum(axis=(1, 2)) / np.maximum(background.sum(axis=(1, 2)), 1)
    assert kept.mean() > 0.995 and kept.min() > 0.97, (kept.mean(), kept.min())
    assert removed.mean() > 0.99 and removed.min() > 0.9, (removed.mean(), removed.min())
    strongly_coloured = (255 - images.astype(int)).max(axis=-1) > 60
    assert mask[strongly_coloured].all()


def test_mask_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        contexts.fruit_masks(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="weak"):
        contexts.fruit_masks(np.zeros((1, 8, 8, 3)), weak=10, strong=5)


# --------------------------------------------------------------------------- scenes


def test_compose_is_deterministic_and_depends_on_the_seed(tiny):
    first, info = contexts.compose_in_context(tiny.x_test, seed=3)
    again, _ = contexts.compose_in_context(tiny.x_test, seed=3)
    other, _ = contexts.compose_in_context(tiny.x_test, seed=4)
    assert first.dtype == np.uint8 and first.shape == tiny.x_test.shape
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len(info["background"]) == len(first)
    assert set(info["background"]) <= {p.name for p in contexts.background_photos("test")}


def test_scenes_replace_the_white_background(tiny):
    pictures, _ = contexts.compose_in_context(tiny.x_test, difficulty="easy")
    alpha = contexts.fruit_masks(tiny.x_test, soft=False)
    plain_white = (tiny.x_test.min(axis=-1) > 240) & (alpha == 0)
    now_white = pictures.min(axis=-1) > 240
    assert now_white[plain_white].mean() < 0.2


def test_difficulty_presets_order_the_knobs():
    easy, medium, hard = (contexts.PRESETS[k] for k in ("easy", "medium", "hard"))
    for knob in ("rotation", "colour_cast", "blur", "noise", "occlusion", "shadow"):
        assert getattr(easy, knob) <= getattr(medium, knob) <= getattr(hard, knob), knob
    assert easy.fruit_scale[0] >= medium.fruit_scale[0] >= hard.fruit_scale[0]
    assert contexts.PRESETS[contexts.DEFAULT_DIFFICULTY] == medium


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"difficulty": "brutal"}, "difficulty must be one of"),
        ({"rotations": 10}, "Unknown setting"),
        ({"rotation": 200}, "rotation must be"),
        ({"fruit_scale": (0.9, 0.5)}, "fruit_scale must be a pair"),
        ({"fruit_scale": 0.5}, "fruit_scale must be a pair"),
        ({"occlusion": -0.1}, "occlusion must be"),
        ({"jpeg_quality": (90, 200)}, "jpeg_quality"),
        ({"noise": "loud"}, "noise must be"),
    ],
)
def test_bad_settings_say_what_is_allowed(options, message):
    with pytest.raises(ValueError, match=message):
        contexts.context_settings(**options)


def test_bad_images_are_refused(tiny):
    with pytest.raises(ValueError, match="0-255"):
        contexts.compose_in_context(tiny.x_test.astype(float) * 2)
    with pytest.raises(ValueError, match="shape"):
        contexts.compose_in_context(tiny.x_test[..., 0])
    with pytest.raises(ValueError, match="pool"):
        contexts.compose_in_context(tiny.x_test, pool="training")


# --------------------------------------------------------------------------- pools


def _thumbnail(pixels):
    """A 16x16 grey thumbnail, normalised: the same photo resized or re-encoded looks alike."""
    grey = pixels.astype(np.float64).mean(axis=-1)
    height, width = grey.shape
    rows = np.linspace(0, height, 17).astype(int)
    cols = np.linspace(0, width, 17).astype(int)
    small = np.array(
        [
            [grey[rows[i] : rows[i + 1], cols[j] : cols[j + 1]].mean() for j in range(16)]
            for i in range(16)
        ]
    )
    small -= small.mean()
    return small / (np.linalg.norm(small) + 1e-9)


def test_background_pools_are_disjoint_by_photo_identity():
    pools = {pool: contexts.background_photos(pool) for pool in contexts.POOLS}
    assert all(pools.values())
    hashes = {pool: {p.sha256 for p in photos} for pool, photos in pools.items()}
    assert not hashes["train"] & hashes["test"]
    assert not hashes["train"] & hashes["validation"]
    assert not hashes["validation"] & hashes["test"]
    # Not just different bytes: no photo of one pool is a resized or flipped copy of another.
    # (The check itself works: a half-size, mirrored copy of a photo is recognised.)
    photo = pools["test"][0].pixels
    copy = photo[::2, ::-2]
    a, b = _thumbnail(photo), _thumbnail(copy)
    assert max(abs((a * b).sum()), abs((a * b[:, ::-1]).sum())) > 0.95
    for pool in ("test", "validation"):
        for held_out in pools[pool]:
            for seen in pools["train"]:
                a, b = _thumbnail(held_out.pixels), _thumbnail(seen.pixels)
                similarity = max(abs((a * b).sum()), abs((a * b[:, ::-1]).sum()))
                assert similarity < 0.9, (held_out.name, seen.name, similarity)
    for photo in contexts.background_photos():
        assert photo.source and photo.licence
        assert photo.pixels.ndim == 3 and photo.pixels.shape[-1] == 3


def test_augmentation_uses_only_the_training_pool(tiny):
    replacer = contexts.BackgroundReplacer(seed=0)
    assert {p.pool for p in replacer.photos} == {"train"}
    train_names = {p.name for p in contexts.background_photos("train")}
    hard = contexts.load_fruits_in_context(tiny, verbose=False)
    assert not train_names & set(hard.backgrounds["test"])
    assert not train_names & set(hard.backgrounds["validation"])


# --------------------------------------------------------------------------- the hard sets


def test_hard_sets_keep_labels_and_classes_of_the_plain_splits(tiny):
    hard = contexts.load_fruits_in_context(tiny, verbose=False)
    assert hard.class_names == tiny.class_names
    np.testing.assert_array_equal(hard.y_test, tiny.y_test)
    np.testing.assert_array_equal(hard.y_val, tiny.y_val)
    assert hard.x_test.shape == tiny.x_test.shape and hard.x_test.dtype == np.uint8
    assert hard.x_val.shape == tiny.x_val.shape
    peach = tiny.class_names.index("Peach")
    assert peach not in hard.y_test and peach in hard.y_val
    assert "test backgrounds" in hard.summary()


def test_hard_sets_on_the_real_sample_keep_every_label(real_sample, isolated):
    data = _load(real_sample)
    hard = contexts.load_fruits_in_context(data, verbose=False, cache=False)
    np.testing.assert_array_equal(hard.y_test, data.y_test)
    assert "Peach" in data.classes_missing_from_test
    assert data.class_names.index("Peach") not in hard.y_test
    assert not np.array_equal(hard.x_test, data.x_test)


def test_cache_is_reused_and_rebuilt_when_settings_or_data_change(tiny, isolated, capsys):
    first = contexts.load_fruits_in_context(tiny)
    assert not first.from_cache
    assert first.cache_file.parent == isolated / "data" / "contexts"
    assert first.cache_file.is_file()
    second = contexts.load_fruits_in_context(tiny)
    assert second.from_cache
    np.testing.assert_array_equal(first.x_test, second.x_test)
    assert "loaded from the cache" in capsys.readouterr().out

    changed = contexts.load_fruits_in_context(tiny, occlusion=0.0, verbose=False)
    assert not changed.from_cache and changed.cache_file != first.cache_file
    assert not np.array_equal(changed.x_test, first.x_test)
    reseeded = contexts.load_fruits_in_context(tiny, seed=1, verbose=False)
    assert not reseeded.from_cache

    other_data = dataclasses.replace(tiny, x_test=255 - tiny.x_test)
    rebuilt = contexts.load_fruits_in_context(other_data, verbose=False)
    assert not rebuilt.from_cache

    assert len(contexts.clear_cache()) == 4
    assert not list((isolated / "data" / "contexts").glob("*.npz"))


def test_a_damaged_cache_is_rebuilt_not_used(tiny, isolated, capsys):
    first = contexts.load_fruits_in_context(tiny, verbose=False)
    first.cache_file.write_bytes(first.cache_file.read_bytes()[:200])
    again = contexts.load_fruits_in_context(tiny, verbose=False)
    assert not again.from_cache
    assert "damaged" in capsys.readouterr().out
    np.testing.assert_array_equal(first.x_test, again.x_test)
    assert contexts.load_fruits_in_context(tiny, verbose=False).from_cache


def test_no_cache_writes_nothing(tiny, isolated):
    hard = contexts.load_fruits_in_context(tiny, cache=False, verbose=False)
    assert hard.cache_file is None
    assert not (isolated / "data" / "contexts").exists()


def test_missing_validation_split_is_explained(fruits_tree, isolated):
    data = _load(fruits_tree, validation_fraction=0.0)
    with pytest.raises(ValueError, match="validation_fraction"):
        contexts.load_fruits_in_context(data)


def test_pipelines_yield_float_batches_with_the_labels(tiny):
    hard = contexts.load_fruits_in_context(tiny, verbose=False)
    images, labels = next(iter(hard.test))
    assert images.dtype.name == "float32" and images.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(labels.numpy(), tiny.y_test[: len(labels)])
    with pytest.raises(ValueError, match="split"):
        hard.pipeline("train")


def test_show_in_context_draws_plain_above_hard(tiny):
    import matplotlib

    matplotlib.use("Agg")
    hard = contexts.load_fruits_in_context(tiny, verbose=False)
    figure = contexts.show_in_context(hard, plain=tiny, count=6, ncols=3)
    titles = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert len(titles) == 12
    assert sum("in context" in t for t in titles) == 6
    alone = contexts.show_in_context(hard, split="validation", count=4)
    assert len([a for a in alone.axes if a.get_title()]) == 4
    with pytest.raises(ValueError, match="plain"):
        contexts.show_in_context(hard, plain=dataclasses.replace(tiny, x_test=tiny.x_test[:3]))


# --------------------------------------------------------------------------- augmentation


def test_background_replacer_changes_backgrounds_and_is_seeded(tiny):
    batch = tiny.x_train[:16]
    first = contexts.BackgroundReplacer(seed=5, probability=1.0)(batch)
    again = contexts.replace_backgrounds(batch, seed=5, probability=1.0)
    assert first.dtype == np.float32 and first.shape == batch.shape
    np.testing.assert_array_equal(first, again)
    corners = first[:, :2, :2].min(axis=-1)
    assert (corners < 230).mean() > 0.7  # the white corners are now photo
    on_white = contexts.replace_backgrounds(batch, seed=5, probability=0.0, occlusion=0.0)
    assert (on_white[:, :2, :2].mean(axis=-1) > 150).mean() > 0.7
    replacer = contexts.BackgroundReplacer(seed=5)
    assert not np.array_equal(replacer(batch), replacer(batch))
    with pytest.raises(ValueError, match="probability"):
        contexts.BackgroundReplacer(probability=2)


def test_background_replacer_maps_a_tf_dataset(tiny):
    replacer = contexts.BackgroundReplacer(seed=0)
    images, labels = next(iter(replacer.map(tiny.train)))
    assert images.dtype.name == "float32" and tuple(images.shape[1:]) == (32, 32, 3)
    assert float(images.numpy().max()) <= 255 and len(labels) == len(images)
