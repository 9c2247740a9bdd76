"""JupyterLab really renders the course's widgets and plots (headless Chromium).

The notebook tests (nbval) only see what the kernel sends; they cannot tell whether a
student's JupyterLab shows a slider or the text ``IntSlider(value=3, ...)``. This test
starts JupyterLab on a copy of ``notebooks/00_setup-check.ipynb`` in a temporary folder,
opens it in Debian's Chromium driven by Playwright (no browser download), runs all cells
and checks the page: a slider element, no "Error displaying widget", no raw widget text,
and a matplotlib image. A screenshot lands in ``build/test-artifacts/``.

A second test starts JupyterLab with the widget extension disabled and checks that the
same page check reports the failure, so the first test can fail.

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
    workdir: Path, keep_log: Path, disabled_extensions: tuple[str, ...] = ()
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
    )
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
