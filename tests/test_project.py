"""The project's own files agree with each other: dependencies, README commands, CI."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from course_utils import paths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = paths.repo_root()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_name(spec: str) -> str:
    return re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_installs_the_package_and_pins_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert len(python) == 1 and re.fullmatch(r"python=3\.1[0-3]", python[0]), python
    # The pinned minor version must satisfy requires-python.
    minor = int(python[0].split(".")[1])
    assert re.fullmatch(r">=3\.10,<3\.1[1-4]", pyproject()["project"]["requires-python"])
    assert 10 <= minor < int(pyproject()["project"]["requires-python"].split("<3.")[1])
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e .[dev]"]], "install the course through pip, with its extras"
    # Nothing else is installed by conda that pyproject does not list (no drift).
    declared = {requirement_name(s) for s in pyproject()["project"]["dependencies"]}
    conda_only = {requirement_name(d) for d in deps if isinstance(d, str)} - {
        "python",
        "pip",
        "make",
    }
    assert conda_only <= declared, (
        f"conda installs packages pyproject lacks: {conda_only - declared}"
    )


def test_dependencies_are_bounded_both_ways():
    project = pyproject()["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    for spec in specs:
        if "python_version" in spec:
            continue
        assert ">=" in spec and "<" in spec.replace("<=", ""), (
            f"{spec}: needs a lower and an upper bound"
        )
        assert "==" not in spec, f"{spec}: no exact pins"
    keras = next(s for s in specs if requirement_name(s) == "keras")
    assert "<4" in keras.replace(" ", ""), "Keras 4 must not be admitted"
    names = {requirement_name(s) for s in specs}
    required = {
        "tensorflow",
        "keras",
        "jupyterlab",
        "matplotlib",
        "numpy",
        "ipywidgets",
        "lime",
        "nbval",
        "scikit-learn",
        "scikit-image",
        "pillow",
        "tqdm",
        "pooch",
        "ruff",
        "pytest",
    }
    assert required <= names, f"missing: {required - names}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Start here.*?```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M), ".ci/run must run the README's test command"
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = re.search(r"^test: .*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "ruff check" in test_recipe and "pytest" in test_recipe


def test_pytest_runs_notebooks_with_nbval():
    options = pyproject()["tool"]["pytest"]["ini_options"]
    assert "notebooks" in options["testpaths"]
    assert "--nbval-lax" in options["addopts"] and "--nbval-cell-timeout" in options["addopts"]


def test_no_machine_paths_in_tracked_text():
    pattern = re.compile(r"(/home/\w|/root/|/work/|/Users/\w|C:\\\\Users)")
    offenders = []
    for folder in ("course_utils", "tests", "notebooks"):
        for path in (ROOT / folder).rglob("*"):
            text_file = path.suffix in {".py", ".ipynb", ".md", ".json", ".toml", ".yml"}
            if text_file and pattern.search(path.read_text(encoding="utf-8", errors="ignore")):
                offenders.append(str(path.relative_to(ROOT)))
    offenders = [o for o in offenders if o != "tests/test_project.py"]
    assert not offenders, f"machine paths in {offenders}"


def test_data_folder_contents_are_ignored():
    ignore = (ROOT / ".gitignore").read_text()
    assert "/data/*" in ignore and "!/data/README.md" in ignore
    assert (ROOT / "data" / "README.md").is_file()


def test_package_import_is_light():
    # Importing the package (and the modules doctor needs) must not import TensorFlow.
    import subprocess

    code = (
        "import sys, course_utils, course_utils.paths, course_utils.datasets, "
        "course_utils.environment, course_utils.pretrained, course_utils.plotting; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert Path(ROOT / "course_utils" / "utils.py").exists() is False


def _layout_block() -> str:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_design_layout_names_every_module():
    layout = _layout_block()
    missing = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        if path.name == "__init__.py" or "__pycache__" in path.parts:
            continue
        if not re.search(rf"(?<![\w.]){re.escape(path.name)}\b", layout):
            missing.append(str(path.relative_to(ROOT)))
    for path in sorted(p for p in (ROOT / "course_utils").iterdir() if p.is_dir()):
        if (path / "__init__.py").is_file() and f"{path.name}/" not in layout:
            missing.append(f"{path.relative_to(ROOT)}/")
    assert not missing, f"docs/design.md's layout does not name: {missing}"


def test_every_module_states_its_concern():
    import ast

    silent = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))):
            silent.append(str(path.relative_to(ROOT)))
    assert not silent, f"modules without an opening docstring: {silent}"
