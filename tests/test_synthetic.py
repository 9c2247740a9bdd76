"""Tests of course_utils.synthetic: the generated, Fruits-360 look-alike dataset."""

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

from course_utils import WORKSHOP_CLASSES, fileio, generated_fruits, synthetic
from course_utils.synthetic import DEFAULT_DIFFICULTY, Difficulty

CITRUS = ("Clementine", "Mandarine", "Orange")


def fruit_mask(picture):
    """Pixels that are not (nearly) white: the fruit on a clean background."""
    return (255 - picture.astype(int)).max(axis=2) > 24


def render(class_name, seed, difficulty=DEFAULT_DIFFICULTY, size=100):
    return synthetic.render_fruit(class_name, np.random.default_rng(seed), difficulty, size)


def all_files(folder):
    """Map each file below ``folder`` (relative path) to its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def small_dataset(target, **settings):
    settings = {"train_per_class": 3, "test_per_class": 1, "progress": False, **settings}
    return synthetic.generate_fruits(target, **settings)


# -- single pictures ---------------------------------------------------------------------


def test_every_class_has_a_painter():
    assert set(synthetic._PAINTERS) == set(WORKSHOP_CLASSES)


@pytest.mark.parametrize("class_name", WORKSHOP_CLASSES)
def test_each_class_is_one_centred_fruit_on_white(class_name):
    for seed in range(3):
        picture = render(class_name, seed)
        assert picture.shape == (100, 100, 3)
        assert picture.dtype == np.uint8
        for corner in (picture[:5, :5], picture[:5, -5:], picture[-5:, :5], picture[-5:, -5:]):
            assert corner.min() >= 245, f"{class_name}: the background is not white"
        mask = fruit_mask(picture)
        rows, columns = np.nonzero(mask)
        assert abs(rows.mean() - 49.5) < 15 and abs(columns.mean() - 49.5) < 15
        least = 0.4 if class_name == "Banana" else 0.9  # a crescent leaves a gap above
        assert mask[35:65, 35:65].mean() > least, f"{class_name}: no fruit in the centre"
        across = max(np.ptp(rows), np.ptp(columns)) + 1
        assert 70 <= across <= 100, f"{class_name}: the fruit is {across} px across"


def test_render_size_and_determinism():
    first = render("Pineapple", 7, size=48)
    assert first.shape == (48, 48, 3)
    assert np.array_equal(first, render("Pineapple", 7, size=48))
    assert not np.array_equal(first, render("Pineapple", 8, size=48))


def test_unknown_class_lists_the_valid_names():
    with pytest.raises(ValueError, match="Strawberry"):
        render("Durian", 0)


@pytest.mark.parametrize(
    "knobs",
    [{"pose": 1.5}, {"clutter": -0.1}, {"occlusion": "high"}, {"illumination": True}],
)
def test_difficulty_rejects_values_outside_zero_to_one(knobs):
    with pytest.raises(ValueError, match="from 0"):
        Difficulty(**knobs)


def test_difficulty_rejects_nan_unknown_knobs_and_bad_sizes():
    with pytest.raises(ValueError):
        Difficulty(pose=float("nan"))
    with pytest.raises(ValueError, match="Unknown difficulty knob"):
        Difficulty.from_value({"blur": 0.5})
    with pytest.raises(ValueError, match="at least 16"):
        render("Kiwi", 0, size=8)
    with pytest.raises(ValueError, match="knob"):
        synthetic.difficulty_examples("Kiwi", "blur")
    assert Difficulty.from_value({"pose": 1}) == Difficulty(pose=1.0)


# -- what the classes look like ----------------------------------------------------------


def class_renders(per_class, size=8):
    """Small downsampled renders of every class (default difficulty)."""
    features, labels, colours = [], [], {}
    for label, name in enumerate(WORKSHOP_CLASSES):
        means = []
        for index in range(per_class):
            picture = render(name, [label, index])
            means.append(picture[fruit_mask(picture)].mean(axis=0))
            small = Image.fromarray(picture).resize((size, size), Image.Resampling.BOX)
            features.append(np.asarray(small, dtype=np.float32).ravel() / 255.0)
            labels.append(label)
        colours[name] = np.mean(means, axis=0)
    return np.array(features), np.array(labels), colours


def test_classes_are_distinguishable_and_citrus_look_alike():
    features, labels, colours = class_renders(per_class=14)
    train = np.arange(len(labels)) % 14 < 10
    model = LogisticRegression(max_iter=500).fit(features[train], labels[train])
    accuracy = model.score(features[~train], labels[~train])
    assert accuracy > 0.5, f"a linear model reaches only {accuracy:.2f} (chance is 0.06)"

    def distance(first, second):
        return float(np.linalg.norm(colours[first] - colours[second]))

    for first in CITRUS:
        citrus_gap = max(distance(first, second) for second in CITRUS)
        assert citrus_gap < distance(first, "Banana")
        assert citrus_gap < distance(first, "Plum")
    assert distance("Banana", "Plum") > 100
    assert distance("Lemon", "Limes") > 20


# -- the difficulty knobs ----------------------------------------------------------------


def examples(knob, levels=(0.0, 1.0), seeds=range(6), class_name="Orange"):
    """``pictures[level][seed]`` with only ``knob`` switched on."""
    by_seed = [
        synthetic.difficulty_examples(class_name, knob, levels, seed=seed, size=64)
        for seed in seeds
    ]
    return [list(pictures) for pictures in zip(*by_seed, strict=True)]


def test_knob_levels_share_everything_else():
    """At level 0 every knob gives the same picture, so a lesson compares like with like."""
    pictures = [
        synthetic.difficulty_examples("Banana", knob, (0.0,))[0] for knob in synthetic.KNOBS
    ]
    for picture in pictures[1:]:
        assert np.array_equal(picture, pictures[0])


def test_clutter_fills_the_background():
    calm, some, busy = examples("clutter", (0.0, 0.5, 1.0))

    def cluttered_share(pictures):
        """Share of the clean picture's white background that is no longer white."""
        shares = []
        for clean, picture in zip(calm, pictures, strict=True):
            background = ~fruit_mask(clean)
            shares.append(fruit_mask(picture)[background].mean())
        return np.mean(shares)

    assert cluttered_share(calm) == 0.0
    assert 0.2 < cluttered_share(some) < cluttered_share(busy)
    assert cluttered_share(busy) > 0.5


def test_occlusion_covers_part_of_the_fruit():
    clear, half, strong = examples("occlusion", (0.0, 0.5, 1.0))
    covered = []
    for plain, pictures in ((clear, clear), (clear, half), (clear, strong)):
        shares = []
        for before, after in zip(plain, pictures, strict=True):
            fruit = fruit_mask(before)
            changed = np.abs(before.astype(int) - after.astype(int)).max(axis=2) > 40
            shares.append(changed[fruit].mean())
        covered.append(np.mean(shares))
    assert covered[0] == 0.0
    assert 0.05 < covered[1] < covered[2]
    assert covered[2] > 0.2


def test_pose_moves_scales_and_turns_the_fruit():
    upright, posed = examples("pose", class_name="Banana", seeds=range(8))

    def spread(pictures):
        masks = [fruit_mask(p) for p in pictures]
        centres = np.array([np.argwhere(m).mean(axis=0) for m in masks])
        areas = np.array([m.sum() for m in masks])
        return centres.std(axis=0).max(), areas.std() / areas.mean()

    still_centre, still_area = spread(upright)
    moved_centre, moved_area = spread(posed)
    assert still_centre < 0.5 and still_area < 0.02
    assert moved_centre > 2.0 and moved_area > 0.1


def test_illumination_varies_brightness():
    steady, varied = examples("illumination", seeds=range(8))

    def brightness_spread(pictures):
        return np.std([p[fruit_mask(p)].mean() for p in pictures])

    assert brightness_spread(steady) < 2.0
    assert brightness_spread(varied) > 3 * brightness_spread(steady) + 5.0


def test_intra_class_varies_colour_and_shape():
    same, varied = examples("intra_class", seeds=range(8), class_name="Peach")

    def colour_spread(pictures):
        return np.std([p[fruit_mask(p)].mean(axis=0) for p in pictures], axis=0).max()

    assert colour_spread(varied) > 2 * colour_spread(same) + 3.0


def test_deformation_changes_the_outline():
    plain, bent = examples("deformation", seeds=range(4))
    overlaps = []
    for first, second in zip(plain, bent, strict=True):
        a, b = fruit_mask(first), fruit_mask(second)
        overlaps.append((a & b).sum() / (a | b).sum())
    assert max(overlaps) < 0.97
    assert np.mean(overlaps) > 0.6  # still the same fruit, only bent


# -- writing datasets ---------------------------------------------------------------------


def test_generation_layout_and_stamp(tmp_path):
    folder = small_dataset(tmp_path / "fruits", workers=1)
    for split, count in (("Training", 3), ("Test", 1)):
        assert sorted(p.name for p in (folder / split).iterdir()) == sorted(WORKSHOP_CLASSES)
        names = sorted(p.name for p in (folder / split / "Peach").iterdir())
        assert names == [f"{i}_100.jpg" for i in range(count)]
    with Image.open(folder / "Training" / "Banana" / "0_100.jpg") as picture:
        assert (picture.format, picture.mode, picture.size) == ("JPEG", "RGB", (100, 100))
    bananas = {path.read_bytes() for path in (folder / "Training" / "Banana").iterdir()}
    assert len(bananas) == 3, "each picture of a class must be a different fruit"
    stamp = json.loads((folder / synthetic.STAMP_NAME).read_text())
    assert stamp["version"] == synthetic.GENERATOR_VERSION
    assert stamp["settings"]["train_per_class"] == 3
    assert stamp["settings"]["difficulty"] == DEFAULT_DIFFICULTY.as_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["fruits"]  # no temporary folder left


def test_same_seed_same_bytes_whatever_the_worker_count(tmp_path):
    serial = all_files(small_dataset(tmp_path / "serial", workers=1))
    parallel = all_files(small_dataset(tmp_path / "parallel", workers=2))
    assert len(serial) == 16 * 4 + 1
    assert serial == parallel
    other = all_files(small_dataset(tmp_path / "other", workers=1, seed=1))
    assert other.keys() == serial.keys()
    differing = [name for name in serial if serial[name] != other[name]]
    assert len(differing) == len(serial)  # every picture and the stamp differ


def test_ensure_regenerates_only_when_settings_change(tmp_path, capsys):
    settings = {"train_per_class": 2, "test_per_class": 1, "workers": 1, "progress": False}
    folder = synthetic.ensure_generated_fruits(tmp_path, **settings)
    assert folder == tmp_path / synthetic.FOLDER_NAME
    assert "Generated 48 fruit images" in capsys.readouterr().out
    marker = folder / "marker.txt"
    marker.write_text("still the same folder")

    assert synthetic.ensure_generated_fruits(tmp_path, **settings) == folder
    assert marker.exists()
    assert capsys.readouterr().out == ""

    changed = {**settings, "difficulty": {"pose": 1.0}}
    synthetic.ensure_generated_fruits(tmp_path, **changed)
    assert not marker.exists()
    assert "Generated" in capsys.readouterr().out
    assert synthetic.read_stamp(folder)["settings"]["difficulty"]["pose"] == 1.0

    marker.write_text("again")
    stamp = json.loads((folder / synthetic.STAMP_NAME).read_text())
    stamp["version"] = "0.0-old"
    (folder / synthetic.STAMP_NAME).write_text(json.dumps(stamp))
    synthetic.ensure_generated_fruits(tmp_path, **changed)
    assert not marker.exists()
    assert synthetic.read_stamp(folder)["version"] == synthetic.GENERATOR_VERSION
    assert sorted(p.name for p in tmp_path.iterdir()) == [synthetic.FOLDER_NAME]


def test_ensure_uses_the_course_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    folder = synthetic.ensure_generated_fruits(
        train_per_class=1, test_per_class=0, workers=1, progress=False
    )
    assert folder == (tmp_path / "data" / synthetic.FOLDER_NAME).resolve()
    assert len(list(folder.rglob("*.jpg"))) == 16


def test_ensure_rejects_bad_settings_before_writing(tmp_path):
    with pytest.raises(ValueError, match="Unknown setting"):
        synthetic.ensure_generated_fruits(tmp_path, colour="blue")
    with pytest.raises(ValueError, match="train_per_class"):
        synthetic.ensure_generated_fruits(tmp_path, train_per_class=-1)
    with pytest.raises(ValueError, match="from 0"):
        synthetic.ensure_generated_fruits(tmp_path, difficulty={"pose": 2})
    assert list(tmp_path.iterdir()) == []


def test_interrupted_generation_leaves_no_half_dataset(tmp_path, monkeypatch):
    target = tmp_path / "fruits"
    small_dataset(target, workers=1)
    before = all_files(target)

    real_save = generated_fruits._save_jpeg
    saved = []

    def save_then_interrupt(picture, path):
        if len(saved) == 5:
            raise KeyboardInterrupt  # as if the user stopped the kernel mid-way
        saved.append(path)
        real_save(picture, path)

    monkeypatch.setattr(generated_fruits, "_save_jpeg", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        small_dataset(target, workers=1, seed=5)
    assert all_files(target) == before  # the old, complete dataset is untouched
    with pytest.raises(KeyboardInterrupt):
        saved.clear()
        small_dataset(tmp_path / "new", workers=1)
    assert sorted(os.listdir(tmp_path)) == ["fruits"]  # no partial or temporary folder


# -- damage, full disks, read-only folders, leftovers, permissions -----------------------

SMALL = {"train_per_class": 2, "test_per_class": 1, "workers": 1, "progress": False}


def test_ensure_repairs_a_dataset_with_missing_pictures(tmp_path, capsys):
    """Probe case 64: Test/ and some Banana pictures deleted, stamp intact."""
    folder = synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    complete = all_files(folder)
    capsys.readouterr()
    shutil.rmtree(folder / "Test")
    (folder / "Training" / "Banana" / "1_100.jpg").unlink()
    assert generated_fruits.missing_pictures(folder, synthetic.read_stamp(folder)["settings"])
    synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    out = capsys.readouterr().out
    assert "incomplete (Training/Banana/ lacks 1 of its 2 pictures): drawing them again" in out
    assert all_files(folder) == complete  # the same bytes as before the damage


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda f: (f / "Training" / "Kiwi" / "0_100.jpg").write_bytes(b""), "lacks 1 of its 2"),
        (lambda f: (f / "Test" / "Plum" / "x.jpg").write_bytes(b"x"), "holds 1 file(s)"),
    ],
)
def test_ensure_repairs_empty_or_extra_files(tmp_path, capsys, damage, said):
    folder = synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    complete = all_files(folder)
    damage(folder)
    capsys.readouterr()
    synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    assert said in capsys.readouterr().out
    assert all_files(folder) == complete


def fail_after(count, error):
    """A _save_jpeg that writes ``count`` pictures, then raises ``error``."""
    real_save = generated_fruits._save_jpeg
    saved = []

    def save(picture, path):
        if len(saved) >= count:
            raise error
        saved.append(path)
        real_save(picture, path)

    return save


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on the disk"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only for you"),
        (PermissionError(errno.EACCES, "Permission denied"), "read-only for you"),
    ],
)
def test_full_or_read_only_disk_is_explained_and_nothing_is_half_written(
    tmp_path, monkeypatch, error, said
):
    folder = synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    before = all_files(folder)
    monkeypatch.setattr(generated_fruits, "_save_jpeg", fail_after(5, error))
    with pytest.raises(fileio.WriteError) as caught:
        synthetic.ensure_generated_fruits(tmp_path, **{**SMALL, "seed": 3})
    message = str(caught.value)
    assert said in message and "COURSE_DATA_DIR" in message and "generate-fruits" in message
    assert caught.value.errno == error.errno
    assert all_files(folder) == before  # the old dataset is untouched
    assert sorted(os.listdir(tmp_path)) == [synthetic.FOLDER_NAME]  # no staging folder left


def test_full_disk_while_writing_the_stamp_leaves_nothing(tmp_path, monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generated_fruits.fileio, "atomic_write_text", no_room)
    with pytest.raises(fileio.WriteError, match="No space left"):
        synthetic.ensure_generated_fruits(tmp_path, **SMALL)
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_really_read_only_data_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        with pytest.raises(fileio.WriteError, match="read-only"):
            synthetic.ensure_generated_fruits(data, **SMALL)
    finally:
        data.chmod(0o755)
    assert os.listdir(data) == []


def test_generate_fruits_command_explains_an_unusable_data_folder(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    env = {**os.environ, "COURSE_DATA_DIR": str(blocker)}
    done = subprocess.run(
        [sys.executable, "-m", "course_utils", "generate-fruits"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "COURSE_DATA_DIR" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def dead_pid():
    """The process id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_runs_are_removed_by_the_next_run(tmp_path):
    """Probe case 63: a SIGKILLed run leaves its staging folder behind."""
    target = tmp_path / synthetic.FOLDER_NAME
    killed = tmp_path / f".{target.name}.partial-{dead_pid()}-abc123"
    legacy = tmp_path / f".{target.name}.building-un6f6_v_"  # named by older versions
    running = tmp_path / f".{target.name}.partial-{os.getpid()}-live"
    fresh_legacy = tmp_path / f".{target.name}.building-justnow"
    for folder in (killed, legacy, running, fresh_legacy):
        (folder / "Training" / "Banana").mkdir(parents=True)
        (folder / "Training" / "Banana" / "0_100.jpg").write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(legacy, (hour_ago, hour_ago))
    generated_fruits.generate_fruits(target, **SMALL)
    left = sorted(os.listdir(tmp_path))
    assert left == sorted([target.name, running.name, fresh_legacy.name])


@pytest.mark.parametrize(
    ("umask", "folder_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)]
)
def test_generated_files_follow_the_umask(tmp_path, umask, folder_mode, file_mode):
    """Probe case 100: a shared data folder must stay readable for the group / others."""
    previous = os.umask(umask)
    try:
        folder = small_dataset(tmp_path / "fruits", workers=1)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == folder_mode
    assert stat.S_IMODE((folder / "Training").stat().st_mode) == folder_mode
    assert stat.S_IMODE((folder / "Training" / "Kiwi" / "0_100.jpg").stat().st_mode) == file_mode
    assert stat.S_IMODE((folder / synthetic.STAMP_NAME).stat().st_mode) == file_mode
