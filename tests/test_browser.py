"""JupyterLab really renders the course's widgets and plots (headless Chromium).

The notebook tests (nbval) only see what the kernel sends; they cannot tell whether a
student's JupyterLab shows a slider or the text ``IntSlider(value=3, ...)``. This test
starts JupyterLab on a copy of ``notebooks/00_setup-check.ipynb`` in a temporary folder,
opens it in Debian's Chromium driven by Playwright (no browser download), runs all cells
and checks the page: a slider element, no "Error displaying widget", no raw widget text,
and a matplotlib image. A screenshot lands in ``build/test-artifacts/``.

A second test starts JupyterLab with the widget extension disabled and checks that the
same page check reports the failure, so the first test can fail.

Then every lesson with an explorer (00, 01, 03, 04, 07, 08) runs with "Run All" in quick
mode (``COURSE_QUICK=1``, a temporary ``COURSE_DATA_DIR``) in one JupyterLab; the test
moves one control of the explorer with a real input event and checks that its picture
changed and that the page did not jump: the explorer's height, sampled on every animation
frame from just before the change until the new picture has settled, stays within a few
pixels. Its negative twin redraws the old way (empty output first, then the picture) and
the same check must report the collapse.

Without Chromium the tests are skipped with the reason, unless ``COURSE_REQUIRE_BROWSER=1``
(set by ``.ci/run``), which turns the skip into a failure. ``COURSE_CHROMIUM`` points at
another Chromium or Chrome executable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course_utils import paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = paths.repo_root()
NOTEBOOK = ROOT / "notebooks" / "00_setup-check.ipynb"
ARTIFACTS = ROOT / "build" / "test-artifacts"
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
REQUIRE_ENV = "COURSE_REQUIRE_BROWSER"

# Headless, as root, and quiet on a closed network: without the background-networking
# flags Chromium keeps trying to reach Google services.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

SERVER_START_SECONDS = 90
RUN_ALL_SECONDS = 240  # the setup check imports TensorFlow; CI machines are slow
WIDGET_SECONDS = 30


def find_chromium() -> str | None:
    """Return a Chromium executable: ``COURSE_CHROMIUM``, then ``chromium`` on the PATH."""
    override = os.environ.get("COURSE_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def browser_unavailable(reason: str) -> None:
    """Skip (or fail, when ``COURSE_REQUIRE_BROWSER=1``) with ``reason``."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 requires the browser test)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- JupyterLab


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: where to reach it and where it logs."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


USER_SETTINGS = {
    # every cell stays in the DOM, so the page check sees all outputs
    "notebook-extension/tracker": {"windowingMode": "none"},
    # no "would you like news?" toast over the screenshot, no request for it
    "apputils-extension/notification": {"fetchNews": "false"},
}


def write_lab_config(config: Path, disabled_extensions: tuple[str, ...]) -> None:
    """A private Jupyter config: settings above, and the given extensions disabled."""
    for name, values in USER_SETTINGS.items():
        settings = config / "lab" / "user-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    if disabled_extensions:
        labconfig = config / "labconfig"
        labconfig.mkdir()
        page_config = {"disabledExtensions": {name: True for name in disabled_extensions}}
        (labconfig / "page_config.json").write_text(json.dumps(page_config))


@contextlib.contextmanager
def jupyterlab(
    workdir: Path,
    keep_log: Path,
    disabled_extensions: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Iterator[LabServer]:
    """Run JupyterLab on ``workdir/notebooks`` with a private config; always stop it.

    The server's log is copied to ``keep_log`` at the end, and printed on an error.
    """
    root, config = workdir / "notebooks", workdir / "jupyter-config"
    write_lab_config(config, disabled_extensions)
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # a non-inline backend would hide the plot
    env.update(
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        IPYTHONDIR=str(workdir / "ipython"),
        PYTHONUNBUFFERED="1",
        COURSE_QUICK="1",  # the lessons' quick mode, as `make test` runs them
    )
    env.update(extra_env or {})
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, as JupyterLab's own tests
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root
    log = workdir / "jupyterlab.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, log, process)
    try:
        wait_until_serving(server)
        yield server
    except BaseException:
        print(f"JupyterLab log (full copy: {keep_log}):\n{server.log_tail()}")
        raise
    finally:
        stop(server)
        keep_log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, keep_log)


def wait_until_serving(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.process.returncode}")
        with contextlib.suppress(OSError, ValueError):
            server.api("/api/status")
            return
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer within {SERVER_START_SECONDS} s")


def stop(server: LabServer) -> None:
    """Shut the kernels down through the API, then the server (its process group)."""
    if server.process.poll() is None:
        with contextlib.suppress(OSError, ValueError, TypeError):
            for kernel in server.api("/api/kernels"):
                server.api(f"/api/kernels/{kernel['id']}", method="DELETE")
        server.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):  # the server's whole process group, leftovers included
            os.killpg(server.process.pid, signal.SIGKILL)
        else:
            server.process.kill()
    server.process.wait(timeout=10)


# --------------------------------------------------------------------------- the page

# Runs in the page. The model says which cells ran and which raised; the DOM says what
# the student sees.
_REPORT_JS = """() => {
  const panel = window.courseNotebook;
  const cells = panel.content.widgets.filter((cell) => cell.model.type === "code");
  const errors = [];
  for (const cell of cells) {
    for (const output of cell.model.outputs.toJSON()) {
      if (output.output_type === "error") errors.push(`${output.ename}: ${output.evalue}`);
    }
  }
  const outputs = [...panel.node.querySelectorAll(".jp-OutputArea-output")];
  return {
    code_cells: cells.length,
    unexecuted: cells.filter((cell) => cell.model.executionCount === null).length,
    cell_errors: errors,
    sliders: panel.node.querySelectorAll(".jp-OutputArea-output .widget-slider").length,
    images: panel.node.querySelectorAll(".jp-OutputArea-output img").length,
    explorer_images: panel.node.querySelectorAll(".widget-output img").length,
    output_texts: outputs.map((output) => output.innerText),
  };
}"""

_READY_JS = """(path) => {
  const app = window.jupyterapp;
  if (!app) return false;
  const panel = [...app.shell.widgets("main")].find(
    (widget) => widget.context && widget.context.path === path && widget.sessionContext);
  if (!panel || !panel.context.isReady || !panel.sessionContext.isReady) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== "idle") return false;
  window.courseNotebook = panel;  // the later checks read this panel, focused or not
  app.shell.activateById(panel.id);
  return true;
}"""

_DONE_JS = """() => {
  const panel = window.courseNotebook;
  const kernel = panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter((cell) => cell.model.type === "code");
  const ran = cells.every((cell) => cell.model.executionCount !== null);
  const raised = cells.some((cell) =>
    cell.model.outputs.toJSON().some((output) => output.output_type === "error"));
  return kernel.status === "idle" && (ran || raised);
}"""

# Settled: the slider cell shows a widget, an error, or the raw text fallback.
_WIDGET_SETTLED_JS = """() => {
  const node = window.courseNotebook.node;
  if (node.querySelector(".jp-OutputArea-output .widget-slider")) return true;
  const text = [...node.querySelectorAll(".jp-OutputArea-output")].map((o) => o.innerText);
  return text.some((t) => t.includes("Error displaying widget") || t.includes("IntSlider("));
}"""


@dataclass
class PageReport:
    """What the notebook page shows after running all cells."""

    code_cells: int
    unexecuted: int
    cell_errors: list[str]
    sliders: int
    images: int
    explorer_images: int
    output_texts: list[str] = field(repr=False)

    @property
    def widget_errors(self) -> list[str]:
        return [t for t in self.output_texts if "Error displaying widget" in t]

    @property
    def raw_widget_texts(self) -> list[str]:
        return [t.strip()[:120] for t in self.output_texts if "IntSlider(" in t]


def rendering_problems(report: PageReport) -> list[str]:
    """Everything wrong with the page, in words (an empty list: widgets and plots work)."""
    problems = []
    if report.code_cells == 0:
        problems.append("no code cells in the page (the notebook did not open)")
    if report.unexecuted:
        problems.append(f"{report.unexecuted} code cells did not run")
    if report.cell_errors:
        problems.append(f"cells raised: {report.cell_errors}")
    if report.sliders == 0:
        problems.append("no slider element in the page: the IntSlider did not render as a widget")
    if report.widget_errors:
        problems.append(f"'Error displaying widget' in the outputs: {report.widget_errors}")
    if report.raw_widget_texts:
        problems.append(f"raw widget text instead of a widget: {report.raw_widget_texts}")
    if report.images == 0:
        problems.append("no image output: the matplotlib figure did not appear")
    if report.explorer_images == 0:
        problems.append("no picture inside the explorer widget (course_utils.widgets.Explorer)")
    return problems


def run_all_and_inspect(page, server: LabServer, notebook: str, screenshot: Path) -> PageReport:
    """Open ``notebook``, run all cells, wait for the outputs; screenshot and report."""
    page.goto(f"{server.url}/lab/tree/{notebook}?token={server.token}")
    page.wait_for_function(
        _READY_JS, arg=notebook, timeout=SERVER_START_SECONDS * 1000, polling=500
    )
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(_DONE_JS, timeout=RUN_ALL_SECONDS * 1000, polling=500)
    with contextlib.suppress(Exception):  # a missing widget is reported, not raised
        page.wait_for_function(_WIDGET_SETTLED_JS, timeout=WIDGET_SECONDS * 1000, polling=250)
    page.wait_for_timeout(500)  # let the last outputs paint before the screenshot
    report = PageReport(**page.evaluate(_REPORT_JS))
    # Show the slider cell and the plot below it.
    page.evaluate(
        """() => {
          const node = window.courseNotebook.node;
          const cell = [...node.querySelectorAll(".jp-CodeCell")].find(
            (c) => c.querySelector(".jp-InputArea").innerText.includes("IntSlider"));
          if (cell) cell.scrollIntoView({ block: "start" });
        }"""
    )
    page.wait_for_timeout(300)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot))
    print(f"screenshot: {screenshot}")
    return report


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """Headless Chromium (Debian's, through Playwright) with a fresh profile."""
    chromium = find_chromium()
    if chromium is None:
        browser_unavailable(
            "Chromium not found (Debian: apt-get install chromium; or set COURSE_CHROMIUM)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the Python package playwright is missing (pip install -e '.[dev]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000},
            timeout=60_000,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def lab_copy(tmp_path) -> Path:
    """A working folder whose notebooks/ holds a copy of the setup-check notebook."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy2(NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK.name)
    return tmp_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspect_in_lab(browser_context, workdir: Path, screenshot: Path, disabled=()) -> PageReport:
    before = digest(NOTEBOOK)
    failed_shot = screenshot.with_name(f"{screenshot.stem}-failed.png")
    failed_shot.unlink(missing_ok=True)  # no stale picture from an earlier run
    page = browser_context.new_page()
    page.set_default_timeout(SERVER_START_SECONDS * 1000)  # loaded CI machines are slow
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else 0)
    try:
        with jupyterlab(workdir, screenshot.with_suffix(".log"), disabled) as server:
            try:
                return run_all_and_inspect(page, server, NOTEBOOK.name, screenshot)
            except BaseException:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(failed_shot))
                print("browser console errors:\n" + "\n".join(console[-20:]))
                raise
    finally:
        page.close()
        assert digest(NOTEBOOK) == before, "the repository's notebook was modified"


# --------------------------------------------------------------------------- tests


def test_widgets_and_plots_render_in_jupyterlab(browser_context, lab_copy):
    screenshot = ARTIFACTS / "jupyterlab-widgets.png"
    report = inspect_in_lab(browser_context, lab_copy, screenshot)
    problems = rendering_problems(report)
    assert not problems, (
        f"JupyterLab does not render the setup check as a student needs: {problems} "
        f"(screenshot: {screenshot}, server log: {screenshot.with_suffix('.log')})"
    )
    assert report.sliders >= 1 and report.images >= 1 and report.explorer_images >= 1


def test_the_page_check_fails_without_the_widget_front_end(browser_context, lab_copy):
    # The same check, with JupyterLab's widget extension disabled the way
    # `jupyter labextension disable` does it: it must report the missing widget.
    screenshot = ARTIFACTS / "jupyterlab-widgets-disabled.png"
    report = inspect_in_lab(browser_context, lab_copy, screenshot, (WIDGET_EXTENSION,))
    problems = rendering_problems(report)
    assert any("no slider element" in p for p in problems), problems
    assert any("raw widget text" in p for p in problems), problems
    # Only the widget is broken: the plot still shows, so the check is specific.
    assert not any("image" in p or "did not run" in p for p in problems), problems


# --------------------------------------------------------------------------- every explorer

LESSONS = ROOT / "notebooks"
JUMP_PIXELS = 6  # how much the explorer's height may change while it redraws
SETTLE_MS = 1200  # the picture must stay the same this long to count as settled


@dataclass(frozen=True)
class Move:
    """One real input event on an explorer's control.

    ``select``: choose ``option`` (text, or the second option when ``None``) in the
    dropdown labelled ``label``; ``click``: click the checkbox or button labelled ``label``.
    """

    kind: str
    label: str
    option: str | None = None


# One control per lesson whose change keeps the picture's size (so any jump is a bug).
EXPLORER_MOVES = {
    "00_setup-check.ipynb": Move("select", "kernel", "vertical edges"),
    "01_explore-the-data.ipynb": Move("select", "Class", "Banana"),
    "03_cnn-in-raw-tensorflow.ipynb": Move("select", "kernel", "vertical edges"),
    "04_fruits-cnn-with-keras.ipynb": Move("click", "random left-right flip"),
    "07_what-the-network-sees.ipynb": Move("select", "image"),
    "08_explaining-predictions-with-lime.ipynb": Move("click", "positive only"),
}

# The old redraw (empty output first, then the picture): the jump check must catch it.
JUMPY_NOTEBOOK = "jumpy-explorer.ipynb"
JUMPY_SOURCE = """\
from course_utils.widgets import ConvolutionPlayground


class TwoStepPlayground(ConvolutionPlayground):
    def refresh(self):
        self.output.outputs = ()  # what Explorer.refresh did before issue 10
        super().refresh()


TwoStepPlayground().widget
"""

# Finds the explorer (the widget box around the Output that holds a picture), marks the
# control to move with data-course-target, and starts sampling heights on every frame.
_MARK_AND_SAMPLE_JS = """([kind, label]) => {
  const panel = window.courseNotebook;
  const output = [...panel.node.querySelectorAll(".widget-output")].find(
    (node) => node.querySelector("img"));
  if (!output) return "no explorer picture (.widget-output img) in the page";
  const box = output.parentElement.closest(".widget-vbox") || output.parentElement;
  const area = box.closest(".jp-Cell-outputArea") || box;
  let target = null;
  if (kind === "select") {
    const control = [...box.querySelectorAll(".widget-dropdown")].find(
      (node) => node.querySelector("label").innerText.trim() === label);
    target = control && control.querySelector("select");
  } else {
    const checkbox = [...box.querySelectorAll("input[type=checkbox]")].find(
      (node) => (node.closest(".widget-checkbox") || node.parentElement).innerText.includes(label));
    target = checkbox || [...box.querySelectorAll("button")].find(
      (node) => node.innerText.trim() === label);
  }
  if (!target) return `no control labelled ${JSON.stringify(label)} in the explorer`;
  document.querySelectorAll("[data-course-target]").forEach(
    (node) => node.removeAttribute("data-course-target"));
  target.setAttribute("data-course-target", "1");
  box.setAttribute("data-course-explorer", "1");
  box.scrollIntoView({ block: "start" });
  const picture = () => { const img = output.querySelector("img"); return img ? img.src : ""; };
  const state = { before: picture(), height: area.getBoundingClientRect().height, samples: [] };
  const sample = () => state.samples.push({
    t: performance.now(), h: area.getBoundingClientRect().height, src: picture() });
  state.timer = setInterval(sample, 8);
  const frame = () => { sample(); if (state.timer) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  state.picture = picture;
  window.courseSampling = state;
  return "";
}"""

# Settled: a new picture, unchanged for SETTLE_MS, and the kernel idle.
_SETTLED_JS = """(settle) => {
  const state = window.courseSampling;
  const kernel = window.courseNotebook.sessionContext.session.kernel;
  const now = state.picture();
  if (!now || now === state.before || kernel.status !== "idle") return false;
  if (now !== state.last) { state.last = now; state.since = performance.now(); }
  return performance.now() - state.since > settle;
}"""

_STOP_SAMPLING_JS = """() => {
  const state = window.courseSampling;
  clearInterval(state.timer);
  state.timer = null;
  return { before: state.before, after: state.picture(), height: state.height,
           samples: state.samples.map((s) => [s.t, s.h, s.src === state.before]) };
}"""

_CELL_ERRORS_JS = """() => {
  const cells = window.courseNotebook.content.widgets.filter((c) => c.model.type === "code");
  return cells.flatMap((cell) => cell.model.outputs.toJSON()
    .filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`));
}"""


@dataclass
class Redraw:
    """What the page did between one control change and the settled new picture."""

    changed: bool
    height_before: float
    heights: list[float]  # every sample from the event until settled

    @property
    def lowest(self) -> float:
        return min(self.heights)

    @property
    def final(self) -> float:
        return self.heights[-1]

    def problems(self) -> list[str]:
        """What a student would see go wrong, in words (empty: a calm redraw)."""
        found = []
        if not self.changed:
            found.append("the picture did not change after the control moved")
        if self.lowest < self.height_before - JUMP_PIXELS:
            found.append(
                f"the explorer collapsed from {self.height_before:.0f} px to "
                f"{self.lowest:.0f} px while it redrew: the page below jumped"
            )
        if abs(self.final - self.height_before) > JUMP_PIXELS:
            found.append(
                f"the explorer's height went from {self.height_before:.0f} px to "
                f"{self.final:.0f} px for a change that keeps the picture's size"
            )
        return found


@pytest.fixture(scope="module")
def lesson_lab(browser_context, tmp_path_factory):
    """One JupyterLab (quick mode, temporary data folder) on copies of the lessons."""
    workdir = tmp_path_factory.mktemp("lessons")
    (workdir / "notebooks").mkdir()
    for name in EXPLORER_MOVES:
        shutil.copy2(LESSONS / name, workdir / "notebooks" / name)
    jumpy = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": JUMPY_SOURCE,
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (workdir / "notebooks" / JUMPY_NOTEBOOK).write_text(json.dumps(jumpy))
    env = {"COURSE_DATA_DIR": str(workdir / "data")}
    if not os.environ.get("KERAS_HOME"):  # never the user's Keras cache
        env["KERAS_HOME"] = str(workdir / "keras")
    with jupyterlab(workdir, ARTIFACTS / "jupyterlab-explorers.log", extra_env=env) as server:
        yield server


def shutdown_kernels(server: LabServer) -> None:
    """End every session (and its kernel), so lessons do not pile up in memory."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        for session in server.api("/api/sessions"):
            server.api(f"/api/sessions/{session['id']}", method="DELETE")


def move_and_watch(browser_context, server: LabServer, notebook: str, move: Move) -> Redraw:
    """Run ``notebook`` (Run All), make ``move`` on its explorer, and watch the redraw."""
    page = browser_context.new_page()
    page.set_default_timeout(SERVER_START_SECONDS * 1000)
    workspace = Path(notebook).stem.replace("_", "-")
    screenshot = ARTIFACTS / f"explorer-{Path(notebook).stem}.png"
    try:
        page.goto(
            f"{server.url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={server.token}"
        )
        page.wait_for_function(
            _READY_JS, arg=notebook, timeout=SERVER_START_SECONDS * 1000, polling=500
        )
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_function(_DONE_JS, timeout=RUN_ALL_SECONDS * 1000, polling=500)
        errors = page.evaluate(_CELL_ERRORS_JS)
        assert not errors, f"{notebook}: cells raised {errors}"
        page.wait_for_function(
            "() => !!window.courseNotebook.node.querySelector('.widget-output img')",
            timeout=WIDGET_SECONDS * 1000,
            polling=250,
        )
        page.wait_for_timeout(500)  # the first picture paints
        problem = page.evaluate(_MARK_AND_SAMPLE_JS, [move.kind, move.label])
        assert not problem, f"{notebook}: {problem}"
        target = page.locator("[data-course-target]")
        if move.kind == "select":
            if move.option is None:
                target.select_option(index=1)
            else:
                target.select_option(label=move.option)
        else:
            target.click()
        with contextlib.suppress(Exception):  # an unchanged picture is reported, not raised
            page.wait_for_function(
                _SETTLED_JS, arg=SETTLE_MS, timeout=WIDGET_SECONDS * 1000, polling=100
            )
        seen = page.evaluate(_STOP_SAMPLING_JS)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.locator("[data-course-explorer]").screenshot(path=str(screenshot))
        redraw = Redraw(
            changed=bool(seen["after"]) and seen["after"] != seen["before"],
            height_before=seen["height"],
            heights=[height for _, height, _ in seen["samples"]],
        )
        print(
            f"{notebook}: picture changed {redraw.changed}; height {redraw.height_before:.0f} px,"
            f" lowest {redraw.lowest:.0f}, final {redraw.final:.0f} ({len(redraw.heights)} "
            f"samples); screenshot: {screenshot}"
        )
        return redraw
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-failed.png")))
        raise
    finally:
        page.close()
        shutdown_kernels(server)


@pytest.mark.parametrize("notebook", list(EXPLORER_MOVES), ids=lambda name: name[:2])
def test_every_explorer_redraws_in_place(browser_context, lesson_lab, notebook):
    move = EXPLORER_MOVES[notebook]
    redraw = move_and_watch(browser_context, lesson_lab, notebook, move)
    problems = redraw.problems()
    assert not problems, (
        f"{notebook}, {move}: {problems} (heights {redraw.height_before:.0f} -> "
        f"lowest {redraw.lowest:.0f}, final {redraw.final:.0f}; "
        f"screenshot: {ARTIFACTS / ('explorer-' + Path(notebook).stem + '.png')})"
    )


def test_the_jump_check_catches_an_output_that_is_emptied_first(browser_context, lesson_lab):
    move = Move("select", "kernel", "vertical edges")
    redraw = move_and_watch(browser_context, lesson_lab, JUMPY_NOTEBOOK, move)
    problems = redraw.problems()
    assert redraw.changed, problems
    assert any("collapsed" in problem for problem in problems), (
        f"the two-step redraw went unnoticed: heights {redraw.height_before:.0f} -> lowest "
        f"{redraw.lowest:.0f}"
    )


def test_a_missing_browser_fails_when_required(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert find_chromium() is None
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="requires the browser test"):
        browser_unavailable("Chromium not found")
    monkeypatch.delenv(REQUIRE_ENV)
    with pytest.raises(pytest.skip.Exception):
        browser_unavailable("Chromium not found")
