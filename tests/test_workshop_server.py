"""The workshop hub on 127.0.0.1: three attendees run lessons through JupyterHub.

Starts the hub of ``python -m course_utils workshop-server start`` (JupyterHub 5, the
proxy from ``tools/workshop``) in a temporary folder, creates three users through its
REST API with the admin token, starts their servers, and in each runs notebook 00 and
lesson 01 in quick mode in a kernel of that user's server, through the proxy (the
contents, sessions and kernel-websocket APIs a browser uses), plus a small notebook
uploaded through the API that checks the kernel's folder and environment. Then
everything is stopped and the test checks that no process of the hub is left.

Skipped with the reason when the proxy or JupyterHub is not installed, unless
``COURSE_REQUIRE_NPM=1`` (``.ci/run``), which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course_utils.__main__ import main

pytestmark = [pytest.mark.slow]

USERS = ("ann", "ben", "cho")
LESSONS = ("00_setup-check.ipynb", "01_explore-the-data.ipynb")
BUDGET_SECONDS = 900  # the whole test, on a loaded 2-core machine
REQUIRE_NPM = "COURSE_REQUIRE_NPM"

PROBE = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": (
                "import json, os, pathlib\n"
                "pathlib.Path('probe.json').write_text(json.dumps({\n"
                "    'cwd': os.getcwd(), 'quick': os.environ['COURSE_QUICK'],\n"
                "    'keras_home': os.environ['KERAS_HOME'],\n"
                "    'data': os.environ['COURSE_DATA_DIR'], 'uid': os.getuid()}))"
            ),
        }
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_NPM) == "1":
        pytest.fail(f"{reason} ({REQUIRE_NPM}=1 requires the hub test)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def hub():
    pytest.importorskip("jupyterhub", reason="JupyterHub is missing: pip install -e '.[dev]'")
    from course_utils.instructor import workshop

    try:
        workshop.proxy_command()
    except FileNotFoundError as error:
        unavailable(str(error))
    # Not under pytest's 0700 tmp folder: attendees' servers may run under other uids.
    folder = Path(tempfile.mkdtemp(prefix="course-hub-test-"))
    folder.chmod(0o755)
    keras_home = folder / "shared" / "keras"
    keras_home.mkdir(parents=True)
    started = time.monotonic()
    running = workshop.start_hub(
        port=workshop._free_port(), ip="127.0.0.1", folder=folder, quick=True, mem_limit="3G"
    )
    try:
        yield running
    finally:
        workshop.stop_hub(folder=folder, timeout=60)
        leftovers = [pid for name in USERS for pid in workshop._server_pids(folder, name)] + [
            pid for pid in [running.pid] if workshop._pid_alive(pid)
        ]
        print(f"hub test: {time.monotonic() - started:.0f} s; leftovers {leftovers}")
        log = folder / "jupyterhub.log"
        if log.is_file():
            artifacts = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"
            artifacts.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, artifacts / "workshop-hub.log")
        shutil.rmtree(folder, ignore_errors=True)
        assert not leftovers, f"processes left after stopping the hub: {leftovers}"


def attendee(hub, name: str) -> list:
    from course_utils.instructor import workshop_client as client

    client.start_server(hub, name)
    client.server_api(
        hub,
        name,
        "/contents/probe.ipynb",
        method="PUT",
        body={"type": "notebook", "format": "json", "content": PROBE},
    )
    runs = [client.run_notebook(hub, name, "probe.ipynb")]
    runs += [client.run_notebook(hub, name, lesson) for lesson in LESSONS]
    return runs


def test_three_attendees_run_lessons_through_the_hub(hub):
    from course_utils.instructor import workshop_client as client

    start = time.monotonic()
    client.create_users(hub, list(USERS))
    assert set(USERS) <= {user["name"] for user in hub.api("/users")}
    with ThreadPoolExecutor(len(USERS)) as pool:
        results = dict(zip(USERS, pool.map(lambda n: attendee(hub, n), USERS), strict=True))
    for name, runs in results.items():
        for run in runs:
            print(f"{name}: {run.notebook} {run.seconds:.0f} s, {run.cells} cells, {run.errors}")
            assert run.ok, f"{name}: {run.notebook} failed through the hub: {run.errors}"
        home = hub.folder / "users" / name
        probe = json.loads((home / "probe.json").read_text())
        assert Path(probe["cwd"]) == home.resolve(), "the kernel works in the user's own folder"
        assert probe["quick"] == "1"
        assert Path(probe["keras_home"]) == (hub.folder / "shared" / "keras").resolve()
        lesson = json.loads((home / LESSONS[1]).read_text())
        tags = [tag for cell in lesson["cells"] for tag in cell["metadata"].get("tags", [])]
        assert "exercise" in tags and "solution" not in tags, "a student-edition copy"
    assert time.monotonic() - start < BUDGET_SECONDS
    for name in USERS:
        client.stop_server(hub, name)


def test_a_second_start_is_refused_and_stop_without_a_hub_says_so(hub, tmp_path, capsys):
    from course_utils.instructor import workshop

    with pytest.raises(RuntimeError, match="already runs"):
        workshop.start_hub(port=workshop._free_port(), ip="127.0.0.1", folder=hub.folder)
    assert main(["workshop-server", "stop", "--folder", str(tmp_path / "no-hub")]) == 1
    assert "no workshop hub is running" in capsys.readouterr().err


def test_a_short_password_is_refused_before_anything_starts(tmp_path):
    from course_utils.instructor import workshop

    with pytest.raises(ValueError, match="at least 8 characters"):
        workshop._credentials(tmp_path, "short")
    assert workshop.parse_size("1.5G") == int(1.5 * 2**30)
    with pytest.raises(ValueError, match="like 3G"):
        workshop.parse_size("lots")
