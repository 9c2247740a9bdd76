"""paths: the one module that decides locations, relative settings, and quick mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import datasets, generated_fruits, paths, synthetic

# --------------------------------------------------------------------------- quick mode


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " On "])
def test_quick_mode_accepts_the_usual_yes_spellings(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    assert paths.quick_mode() is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "Off", ""])
def test_quick_mode_accepts_the_usual_no_spellings(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    assert paths.quick_mode() is False


def test_quick_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    assert paths.quick_mode() is False


@pytest.mark.parametrize("value", ["2", "fast", "y", "quick", "-1"])
def test_quick_mode_rejects_anything_else_naming_it(monkeypatch, value):
    monkeypatch.setenv("COURSE_QUICK", value)
    with pytest.raises(ValueError) as error:
        paths.quick_mode()
    message = str(error.value)
    assert f"COURSE_QUICK={value!r}" in message
    for spelling in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        assert spelling in message


# --------------------------------------------------------------------------- relative settings


@pytest.fixture
def shell_and_kernel(tmp_path, monkeypatch):
    """The user's shell folder (PWD) and a kernel's folder (the current folder)."""
    shell, kernel = tmp_path / "shell", tmp_path / "kernel"
    shell.mkdir()
    kernel.mkdir()
    monkeypatch.setenv("PWD", str(shell))
    monkeypatch.chdir(kernel)
    return shell, kernel


def test_relative_settings_are_relative_to_the_shell_folder(shell_and_kernel, monkeypatch):
    shell, _ = shell_and_kernel
    (shell / "myfruits" / "Training").mkdir(parents=True)
    monkeypatch.setenv("COURSE_DATA_DIR", "course-data")
    monkeypatch.setenv("COURSE_FRUITS_DIR", "myfruits")
    monkeypatch.setenv("KERAS_HOME", "keras")
    assert paths.data_dir(create=False) == shell / "course-data"
    assert paths.fruits_override() == shell / "myfruits"
    assert paths.keras_cache_dir() == shell / "keras" / "models"


def test_without_a_usable_pwd_the_current_folder_counts(shell_and_kernel, monkeypatch):
    _, kernel = shell_and_kernel
    monkeypatch.setenv("COURSE_DATA_DIR", "course-data")
    for pwd in ("", "relative/pwd", str(kernel / "gone")):
        monkeypatch.setenv("PWD", pwd)
        assert paths.data_dir(create=False) == kernel / "course-data"


def test_absolute_environment_fixes_every_path_setting(shell_and_kernel):
    shell, _ = shell_and_kernel
    env = {
        "COURSE_DATA_DIR": "course-data",
        "COURSE_FRUITS_DIR": "../shell/myfruits",
        "KERAS_HOME": "~/keras-cache",
        "COURSE_ROOT": "",
        "COURSE_QUICK": "1",
    }
    fixed = paths.absolute_environment(env)
    assert fixed["COURSE_DATA_DIR"] == str(shell / "course-data")
    assert fixed["COURSE_FRUITS_DIR"] == str(shell / "myfruits")
    assert fixed["KERAS_HOME"] == str(Path("~/keras-cache").expanduser().resolve())
    assert fixed["COURSE_ROOT"] == "" and fixed["COURSE_QUICK"] == "1"
    assert env["COURSE_DATA_DIR"] == "course-data"  # the input is not changed


def test_a_kernel_in_another_folder_sees_the_users_data_folder(tmp_path, monkeypatch):
    """Probe case 31: run-notebooks starts kernels in a temporary folder."""
    shell = tmp_path / "shell"
    shell.mkdir()
    monkeypatch.chdir(shell)
    monkeypatch.setenv("PWD", str(shell))
    monkeypatch.setenv("COURSE_DATA_DIR", "course-data")
    script = "from course_utils import paths; print(paths.data_dir(create=False))"

    def kernel_sees(env):
        with paths.notebook_workdir() as workdir:
            env = {key: value for key, value in env.items() if key != "PWD"}  # worst case
            done = subprocess.run(
                [sys.executable, "-c", script], cwd=workdir, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            return Path(done.stdout.strip()), workdir

    seen, workdir = kernel_sees(dict(os.environ))
    assert seen == workdir.resolve() / "course-data"  # what went wrong before
    seen, _ = kernel_sees(paths.absolute_environment())
    assert seen == shell / "course-data"


def test_notebook_workdir_is_empty_and_removed():
    with paths.notebook_workdir() as folder:
        assert folder.is_dir() and list(folder.iterdir()) == []
        (folder / "scratch.txt").write_text("thrown away")
    assert not folder.exists()


# --------------------------------------------------------------------------- locations


def test_every_data_location_is_inside_the_data_folder(isolated):
    data = isolated / "data"
    assert paths.data_dir() == data and data.is_dir()
    assert paths.downloads_dir() == data / "downloads"
    assert paths.real_fruits_dir() == data / datasets.REAL_FOLDER
    assert paths.generated_fruits_dir() == data / generated_fruits.FOLDER_NAME
    assert synthetic.FOLDER_NAME == generated_fruits.FOLDER_NAME  # the old name still works
    assert not (data / "models").exists()
    assert paths.models_dir() == data / "models" and (data / "models").is_dir()
    assert paths.keras_cache_dir() == isolated / "keras" / "models"


def test_one_constant_for_the_split_names():
    assert paths.SPLITS == ("Training", "Test")
    assert datasets.SPLITS is paths.SPLITS and generated_fruits.SPLITS is paths.SPLITS


def test_a_data_folder_that_cannot_be_created_says_what_to_do(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setenv("COURSE_DATA_DIR", str(blocker))
    with pytest.raises(FileNotFoundError, match="Set COURSE_DATA_DIR to a folder you can write"):
        paths.data_dir()
    with pytest.raises(FileNotFoundError, match="Set COURSE_DATA_DIR"):
        paths.models_dir()


def test_fruits_override_that_is_a_file_says_so(tmp_path, monkeypatch):
    target = tmp_path / "fruits.zip"
    target.write_bytes(b"PK")
    monkeypatch.setenv("COURSE_FRUITS_DIR", str(target))
    with pytest.raises(FileNotFoundError, match="is a file, not a folder"):
        paths.fruits_override()


def test_a_bad_course_root_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not look like the course repository"):
        paths.repo_root()


def test_build_dir_is_in_the_repository():
    root = paths.repo_root()
    if root is None:
        pytest.skip("not run from a clone")
    assert paths.build_dir() == root / "build"


def test_only_paths_decides_the_data_folder_names():
    """The loader and the generated data import folder names from paths, never spell them."""
    package = Path(paths.__file__).parent
    modules = ("datasets.py", "fruit_folders.py", "image_reader.py", "synthetic.py")
    offenders = [
        f"{name}: {literal}"
        for name in (*modules, "generated_fruits.py")
        for literal in ('"generated-fruits"', '"fruits-360"', '"downloads"', '("Training", "Test")')
        if literal in (package / name).read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_own_photos_folder_from_the_setting_or_the_variable(tmp_path, monkeypatch):
    mine, other = tmp_path / "my-photos", tmp_path / "other"
    (mine / "mug").mkdir(parents=True)
    other.mkdir()
    monkeypatch.delenv(paths.OWN_PHOTOS_ENV, raising=False)
    assert paths.own_photos_dir() is None and paths.own_photos_dir("  ") is None
    monkeypatch.setenv(paths.OWN_PHOTOS_ENV, str(mine))
    assert paths.own_photos_dir() == mine.resolve()
    assert paths.own_photos_dir("") == mine.resolve(), "an empty setting leaves the variable"
    assert paths.own_photos_dir(other) == other.resolve(), "the lesson's setting wins"
    monkeypatch.setenv("PWD", str(tmp_path))
    monkeypatch.setenv(paths.OWN_PHOTOS_ENV, "my-photos")
    assert paths.own_photos_dir() == mine.resolve(), "relative to the shell's folder"
    assert paths.OWN_PHOTOS_ENV in paths.PATH_VARIABLES, "made absolute for kernels"


def test_own_photos_that_are_not_a_folder_say_what_to_do(tmp_path, monkeypatch):
    note = tmp_path / "note.txt"
    note.write_text("x")
    monkeypatch.setenv(paths.OWN_PHOTOS_ENV, str(note))
    with pytest.raises(FileNotFoundError, match="COURSE_OWN_PHOTOS=.*a file, not a folder"):
        paths.own_photos_dir()
    with pytest.raises(FileNotFoundError, match="OWN_PHOTOS=.*not a folder.*sub-folder"):
        paths.own_photos_dir(tmp_path / "missing")
