"""Drive a workshop hub through its REST API: users, their servers, a notebook in a kernel.

What an attendee's browser does, without the browser: create users and start their
servers through the hub's API (with the admin token), then, through the proxy and each
user's Jupyter server, open a notebook of their folder, start a kernel and execute its
code cells over the kernel's websocket. The instructor's smoke test of a hub before the
room fills, the hub test and ``benchmarks/bench_workshop.py`` use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from course_utils.instructor.workshop import Hub


@dataclass
class RemoteRun:
    """How one notebook ran in a user's kernel on the hub."""

    user: str
    notebook: str
    seconds: float
    cells: int
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def create_users(hub: Hub, names: list[str]) -> None:
    """Create ``names`` on the hub (existing users are fine)."""
    existing = {user["name"] for user in hub.api("/users")}
    new = [name for name in names if name not in existing]
    if new:
        hub.api("/users", method="POST", body={"usernames": new})


def start_server(hub: Hub, name: str, *, timeout: float = 180) -> None:
    """Start ``name``'s server and wait until the hub says it is ready.

    Raises
    ------
    TimeoutError
        When it is not ready within ``timeout`` seconds (see the hub's log).
    """
    try:
        hub.api(f"/users/{name}/server", method="POST", body={})
    except urllib.error.HTTPError as error:
        if error.code != 400:  # 400: already running
            raise
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = hub.api(f"/users/{name}").get("servers", {}).get("", {})
        if server.get("ready"):
            return
        time.sleep(1)
    raise TimeoutError(f"{name}'s server did not start in {timeout:.0f} s: see the hub's log.")


def stop_server(hub: Hub, name: str) -> None:
    """Stop ``name``'s server (and its kernels)."""
    hub.api(f"/users/{name}/server", method="DELETE")


def server_api(hub: Hub, name: str, path: str, method: str = "GET", body: object = None):
    """Call ``name``'s Jupyter server API through the proxy (``/user/<name>/api`` + path)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{hub.url}/user/{name}/api{path}",
        data=data,
        method=method,
        headers={"Authorization": f"token {hub.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else None


def _code_cells(notebook: dict) -> list[str]:
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            cells.append("".join(source) if isinstance(source, list) else source)
    return cells


async def _execute(url: str, token: str, cells: list[str], timeout: float) -> list[str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(url, headers={"Authorization": f"token {token}"})
    socket = await websocket_connect(request)
    session, errors = uuid.uuid4().hex, []
    try:
        for number, code in enumerate(cells, start=1):
            msg_id = uuid.uuid4().hex
            message = {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "session": session,
                    "username": "course",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "channel": "shell",
            }
            await socket.write_message(json.dumps(message))
            while True:
                raw = await asyncio.wait_for(socket.read_message(), timeout)
                if raw is None:
                    raise ConnectionError("the kernel's websocket closed (did the kernel die?)")
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = reply["header"]["msg_type"]
                if kind == "error":
                    content = reply["content"]
                    errors.append(f"cell {number}: {content['ename']}: {content['evalue']}")
                if kind == "execute_reply" and reply["channel"] == "shell":
                    break
            if errors:
                break
    finally:
        socket.close()
    return errors


def run_notebook(hub: Hub, name: str, notebook: str, *, timeout: float = 600) -> RemoteRun:
    """Run every code cell of ``notebook`` (a path in ``name``'s folder) in a new kernel there.

    The notebook is read through the server's contents API, a session (and kernel) is
    started for it, so the kernel works in the user's folder with the hub's environment
    (shared data, quick mode), and the session is deleted at the end.
    """
    quoted = urllib.parse.quote(notebook)
    content = server_api(hub, name, f"/contents/{quoted}?content=1")["content"]
    cells = _code_cells(content)
    body = {"path": notebook, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
    session = server_api(hub, name, "/sessions", method="POST", body=body)
    kernel = session["kernel"]["id"]
    url = hub.url.replace("http", "ws", 1) + f"/user/{name}/api/kernels/{kernel}/channels"
    start = time.perf_counter()
    try:
        errors = asyncio.run(_execute(url, hub.token, cells, timeout))
    except (ConnectionError, OSError, asyncio.TimeoutError) as error:
        errors = [f"{type(error).__name__}: {error}"]
    finally:
        with contextlib.suppress(urllib.error.URLError, OSError):
            server_api(hub, name, f"/sessions/{session['id']}", method="DELETE")
    return RemoteRun(name, notebook, time.perf_counter() - start, len(cells), errors)
