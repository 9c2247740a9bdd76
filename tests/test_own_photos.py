"""check_folder finds each planted problem (and none in a clean folder); split_folder keeps
near-duplicates on one side; EXIF orientation is applied; the uploader saves safely."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from course_utils import folder_check, image_hash, photo_splits
from course_utils.widgets.upload import PhotoUploader, safe_name, save_upload


def photo(seed: int, size=(80, 60)) -> np.ndarray:
    """A distinct 'photo': smooth random blobs, so that dHashes differ between seeds."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (6, 8, 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BICUBIC))


def jpeg(array, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=92, **options)
    return buffer.getvalue()


def clean_folder(root, classes=("cat", "dog"), per_class=24):
    seed = 0
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            (root / name / f"{name}_{i:02d}.jpg").write_bytes(jpeg(photo(seed)))
            seed += 1
    return root


def test_distinct_photos_have_distant_hashes():
    hashes = [image_hash.dhash(photo(seed)) for seed in range(40)]
    assert image_hash.near_duplicate_groups(hashes) == []
    copy = np.clip(photo(3).astype(int) + 6, 0, 255).astype(np.uint8)
    assert image_hash.hamming(image_hash.dhash(copy), hashes[3]) <= image_hash.NEAR_DUPLICATE_BITS


def test_a_clean_folder_reports_nothing(tmp_path):
    report = folder_check.check_folder(clean_folder(tmp_path / "photos", per_class=100))
    assert report.problems == [], report.to_text()
    assert report.ok and report.counts == {"cat": 100, "dog": 100}
    assert "No problems found" in report.to_text() and "No problems" in report._repr_html_()


def plant(root, kind):
    """Add one problem of ``kind`` to a clean folder; return the files it should name."""
    cat = root / "cat"
    if kind == "hidden file":
        (cat / ".DS_Store").write_bytes(b"\0")
        return [cat / ".DS_Store"]
    if kind == "not an image":
        (cat / "notes.txt").write_text("hello")
        return [cat / "notes.txt"]
    if kind == "unreadable":
        (cat / "broken.jpg").write_bytes(jpeg(photo(500))[:300])
        return [cat / "broken.jpg"]
    if kind == "EXIF rotation":
        exif = Image.Exif()
        exif[0x0112] = 6
        (cat / "phone.jpg").write_bytes(jpeg(photo(501), exif=exif.tobytes()))
        return [cat / "phone.jpg"]
    if kind == "grayscale":
        Image.fromarray(photo(502)).convert("L").save(cat / "gray.png")
        return [cat / "gray.png"]
    if kind == "transparent":
        rgba = np.dstack([photo(503), np.full((60, 80), 255, np.uint8)])
        rgba[:10, :10, 3] = 0
        Image.fromarray(rgba, "RGBA").save(cat / "cutout.png")
        return [cat / "cutout.png"]
    if kind == "too few photos":
        (root / "bird").mkdir()
        (root / "bird" / "b.jpg").write_bytes(jpeg(photo(504)))
        return [root / "bird"]
    if kind == "class imbalance":
        for path in sorted((root / "dog").iterdir())[:14]:
            path.unlink()
        return [root / "cat", root / "dog"]
    if kind == "near-duplicates":
        source = cat / "cat_03.jpg"
        copy = np.clip(np.asarray(Image.open(source), int) + 5, 0, 255).astype(np.uint8)
        (cat / "cat_03_copy.jpg").write_bytes(jpeg(copy))
        return [source, cat / "cat_03_copy.jpg"]
    if kind == "same photo in two classes":
        (root / "dog" / "also_cat.jpg").write_bytes((cat / "cat_05.jpg").read_bytes())
        return [cat / "cat_05.jpg", root / "dog" / "also_cat.jpg"]
    if kind == "wildly different sizes":
        (cat / "huge.jpg").write_bytes(jpeg(photo(505, size=(640, 480))))
        return [cat / "huge.jpg"]
    if kind == "tiny image":
        (cat / "icon.png").write_bytes(jpeg(photo(506, size=(16, 16))))
        return [cat / "icon.png"]
    if kind == "loose file":
        (root / "stray.jpg").write_bytes(jpeg(photo(507)))
        return [root / "stray.jpg"]
    if kind == "sub-folder":
        (cat / "old").mkdir()
        return [cat / "old"]
    raise AssertionError(kind)


KINDS = [
    "hidden file",
    "not an image",
    "unreadable",
    "EXIF rotation",
    "grayscale",
    "transparent",
    "too few photos",
    "class imbalance",
    "near-duplicates",
    "same photo in two classes",
    "wildly different sizes",
    "tiny image",
    "loose file",
    "sub-folder",
]


@pytest.mark.parametrize("kind", KINDS)
def test_each_planted_problem_is_reported_with_its_files(tmp_path, kind):
    root = clean_folder(tmp_path / "photos")
    expected = plant(root, kind)
    report = folder_check.check_folder(root)
    problem = report.problem(kind)
    assert problem is not None, report.to_text()
    assert set(expected) <= set(problem.files), (problem.files, expected)
    assert problem.advice and problem.summary
    assert kind in report.to_text() and kind in report._repr_html_()
    unrelated = set(report.kinds()) - {kind, "too few photos"}
    if kind in (
        "EXIF rotation",
        "wildly different sizes",
        "tiny image",
        "same photo in two classes",
    ):
        unrelated -= {"near-duplicates", "wildly different sizes", "tiny image"}
    if kind == "too few photos":
        unrelated -= {"class imbalance"}
    assert not unrelated, report.to_text()


def test_too_few_photos_says_what_is_needed_for_what(tmp_path):
    root = clean_folder(tmp_path / "photos", per_class=3)
    problem = folder_check.check_folder(root).problem("too few photos")
    assert problem.severity == "error" and "cannot be split" in problem.summary
    assert "100" in problem.advice and "20" in problem.advice


def test_exif_rotation_is_applied_when_loading(tmp_path):
    root = clean_folder(tmp_path / "photos", per_class=8)
    upright = np.zeros((60, 80, 3), np.uint8)
    upright[:20] = 255  # white band at the top, as it should look
    stored = np.ascontiguousarray(np.rot90(upright, k=1))  # the sensor's pixels: turned left
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to show"
    (root / "cat" / "phone.jpg").write_bytes(jpeg(stored, exif=exif.tobytes()))
    report = folder_check.check_folder(root)
    info = next(p for p in report.photos if p.path.name == "phone.jpg")
    assert (info.width, info.height) == (60, 80) and info.orientation == 6
    split = photo_splits.split_folder(report, seed=1)
    data = photo_splits.load_split(split, image_size=(60, 80))
    where = split.split_of(root / "cat" / "phone.jpg")
    arrays = {"train": data.x_train, "validation": data.x_val, "test": data.x_test}[where]
    picture = arrays[split.files[where].index(root / "cat" / "phone.jpg")]
    assert picture[:15].mean() > 200 and picture[30:].mean() < 50  # band on top: upright


def test_split_keeps_near_duplicates_together_and_is_stratified(tmp_path):
    root = clean_folder(tmp_path / "photos", per_class=30)
    for i in range(0, 30, 3):  # ten photos of each class get two recompressed copies
        for name in ("cat", "dog"):
            source = root / name / f"{name}_{i:02d}.jpg"
            for shift in (4, 8):
                copy = np.clip(np.asarray(Image.open(source), int) + shift, 0, 255).astype(np.uint8)
                (root / name / f"{name}_{i:02d}_copy{shift}.jpg").write_bytes(jpeg(copy))
    report = folder_check.check_folder(root)
    assert len(report.duplicate_groups) == 20
    where = folder_check.plain_random_split(
        [report.class_names.index(p.class_name) for p in report.photos], (0.7, 0.15, 0.15), 0
    )
    index = {p.path: i for i, p in enumerate(report.photos)}
    naive = sum(len({where[index[p]] for p in g}) > 1 for g in report.duplicate_groups)
    assert naive > 0  # the danger is real: a plain split cuts groups
    for seed in range(5):
        split = photo_splits.split_folder(report, seed=seed)
        for group in report.duplicate_groups:
            assert len({split.split_of(p) for p in group}) == 1
        counts = split.counts()
        for name in ("cat", "dog"):
            assert 34 <= counts["train"][name] <= 40 and counts["test"][name] >= 5
    first, again = (
        photo_splits.split_folder(report, seed=3),
        photo_splits.split_folder(report, seed=3),
    )
    assert first.files == again.files
    assert photo_splits.split_folder(report, seed=4).files != first.files


def test_split_refuses_a_class_that_cannot_be_split(tmp_path):
    root = clean_folder(tmp_path / "photos", per_class=12)
    (root / "bird").mkdir()
    for i in range(2):
        (root / "bird" / f"b{i}.jpg").write_bytes(jpeg(photo(900 + i)))
    with pytest.raises(ValueError, match="bird"):
        photo_splits.split_folder(root)
    with pytest.raises(ValueError, match="fractions"):
        photo_splits.split_folder(root, fractions=(0.5, 0.5, 0.5))


def test_missing_folder_says_what_to_make(tmp_path):
    with pytest.raises(FileNotFoundError, match="one sub-folder of photos per class"):
        folder_check.check_folder(tmp_path / "nothing")


def test_offender_grid_shows_unreadable_files_too(tmp_path):
    root = clean_folder(tmp_path / "photos")
    plant(root, "unreadable")
    plant(root, "EXIF rotation")
    figure = folder_check.check_folder(root).show_offenders()
    titles = [axis.get_title() for axis in figure.axes]
    assert any("broken.jpg" in t for t in titles) and any("phone.jpg" in t for t in titles)
    assert (
        folder_check.check_folder(clean_folder(tmp_path / "clean", per_class=100)).show_offenders()
        is None
    )


def test_uploads_are_saved_safely_and_never_overwrite(tmp_path):
    data = jpeg(photo(1))
    first = save_upload(tmp_path, "Coffee mugs!", "../../IMG 001.JPG", data)
    second = save_upload(tmp_path, "Coffee mugs!", "IMG 001.JPG", data)
    assert first == tmp_path / "Coffee_mugs" / "IMG_001.JPG"
    assert second.name == "IMG_001-2.JPG" and first.read_bytes() == data
    with pytest.raises(ValueError, match="cannot be used"):
        save_upload(tmp_path, "mugs", "fake.jpg", b"not an image")
    with pytest.raises(ValueError, match="class name"):
        save_upload(tmp_path, "  ", "a.jpg", data)
    assert not any(p.name.startswith(".") for p in (tmp_path / "Coffee_mugs").iterdir())
    assert safe_name(".hidden") == "hidden"


def upload_item(name: str, content: bytes) -> dict:
    """One file as ipywidgets' FileUpload holds it."""
    return {
        "name": name,
        "type": "",
        "size": len(content),
        "content": memoryview(content),
        "last_modified": datetime.datetime.now(datetime.timezone.utc),
    }


def test_uploader_widget_saves_and_shows_thumbnails(tmp_path):
    uploader = PhotoUploader(tmp_path / "mine", class_name="plant")
    uploader.controls["upload"].value = (
        upload_item("a.jpg", jpeg(photo(2))),
        upload_item("b.txt", b"x"),
    )
    assert [p.name for p, _ in uploader.added] == ["a.jpg"]
    assert (tmp_path / "mine" / "plant" / "a.jpg").is_file()
    assert uploader.result["counts"] == {"plant": 1}
    assert any("b.txt" in m for m in uploader.messages)
    assert uploader.controls["upload"].value == ()
    assert uploader.figure is not None
