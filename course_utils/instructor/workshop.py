"""A workshop server: one JupyterHub for the room when laptops cannot run the course.

``python -m course_utils workshop-server start --port 8000`` starts JupyterHub in the
background with the course installed once (this virtual environment), and
``... workshop-server stop`` stops it, every attendee's server with it. Its state lives
in one folder (default ``build/workshop``): the hub's configuration and database, the
log, the passwords (``credentials.json``, readable by the instructor only), the student
edition it hands out and ``users/<name>/``, each attendee's own folder.

- **Authentication**: JupyterHub's ``SharedPasswordAuthenticator`` (JupyterHub 5): the
  attendees pick any user name and type the one workshop password written on the board;
  the instructor logs in as ``instructor`` with a separate admin password. Nobody needs
  a system account or an e-mail address; the price is that anyone with the password can
  log in under any attendee's name -- fine for a room, not for the internet.
- **Shared, read-only data**: the fruits and the Keras weight cache are installed once
  in a shared folder (``COURSE_DATA_DIR``, ``KERAS_HOME``; ``COURSE_FRUITS_DIR`` is
  passed on when set) and made read-only for the attendees' servers.
- **Each attendee's work** is in ``users/<name>``, a copy of the student edition.
- **Limits**: see :mod:`course_utils.instructor.workshop_spawner` (as root: a separate
  uid per attendee; an address-space limit per process and thread pools per
  ``cpu_limit``; exact limits need a cgroup spawner).
- The proxy is ``configurable-http-proxy`` from ``tools/workshop`` (``make npm``).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from course_utils.instructor.lessons import repository
from course_utils.instructor.student import student_edition, write_student_edition

WORKSHOP_FOLDER = "build/workshop"
ADMIN_USER = "instructor"
SERVICE = "course-admin"
PROXY_HINT = "Install the hub's proxy with `make npm` (npm ci --prefix tools/workshop)."
START_SECONDS = 60


@dataclass(frozen=True)
class Hub:
    """A running workshop hub."""

    url: str
    folder: Path
    pid: int
    token: str
    """An admin API token (the ``course-admin`` service) for scripts and tests."""
    password: str
    admin_password: str

    def api(self, path: str, method: str = "GET", body: object = None, timeout: float = 30):
        """Call the hub's REST API (``/hub/api`` + ``path``) with the admin token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
        return json.loads(text) if text else None


def proxy_command(tools: Path | None = None) -> Path:
    """The ``configurable-http-proxy`` executable of ``tools/workshop``.

    Raises
    ------
    FileNotFoundError
        When it is not installed, with the command that installs it.
    """
    folder = Path(tools) if tools else repository() / "tools" / "workshop"
    command = folder / "node_modules" / ".bin" / "configurable-http-proxy"
    if not command.is_file():
        raise FileNotFoundError(f"{command} is missing. {PROXY_HINT}")
    if shutil.which("node") is None:
        raise FileNotFoundError("Node.js (node) is not on the PATH; the hub's proxy needs it.")
    return command


def _free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def parse_size(text: str | None) -> int | None:
    """Bytes from ``"3G"``, ``"512M"`` or a number (None for none).

    Examples
    --------
    >>> parse_size("3G"), parse_size("512M"), parse_size(None)
    (3221225472, 536870912, None)
    """
    if not text:
        return None
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    text = str(text).strip().upper()
    try:
        if text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except (ValueError, IndexError):
        raise ValueError(f"Cannot read {text!r} as a size: write it like 3G or 512M.") from None


def hub_config(
    *,
    folder: Path,
    ip: str,
    port: int,
    credentials: dict,
    shared: Path,
    student: Path,
    mem_limit: int | None,
    cpu_limit: float | None,
    quick: bool,
    fruits: Path | None = None,
    ports: tuple[int, int] | None = None,
) -> str:
    """The text of ``jupyterhub_config.py`` for a workshop hub (see the module docstring)."""
    hub_port, proxy_api_port = ports or (_free_port(), _free_port())
    environment = {
        "COURSE_DATA_DIR": str(shared / "data"),
        "KERAS_HOME": str(shared / "keras"),
        "COURSE_QUICK": "1" if quick else "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    if fruits is not None:
        environment["COURSE_FRUITS_DIR"] = str(fruits)
    settings = {
        "JupyterHub.bind_url": f"http://{ip}:{port}",
        "JupyterHub.hub_bind_url": f"http://127.0.0.1:{hub_port}",
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{proxy_api_port}",
        "ConfigurableHTTPProxy.command": [str(proxy_command())],
        "JupyterHub.db_url": f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(folder / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(folder / "jupyterhub.pid"),
        "JupyterHub.authenticator_class": "shared-password",
        "SharedPasswordAuthenticator.user_password": credentials["password"],
        "SharedPasswordAuthenticator.admin_password": credentials["admin_password"],
        "Authenticator.admin_users": [ADMIN_USER],
        "Authenticator.allow_all": True,
        "JupyterHub.spawner_class": "course_utils.instructor.workshop_spawner.WorkshopSpawner",
        "WorkshopSpawner.home_dir_template": str(folder / "users" / "{username}"),
        "WorkshopSpawner.student_edition": str(student),
        "Spawner.cmd": [str(Path(sys.executable).parent / "jupyterhub-singleuser")],
        "Spawner.default_url": "/lab",
        "Spawner.environment": environment,
        "Spawner.start_timeout": 120,
        "Spawner.http_timeout": 120,
        "JupyterHub.services": [{"name": SERVICE, "api_token": credentials["token"]}],
        "JupyterHub.load_roles": [
            {
                "name": SERVICE,
                "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"],
                "services": [SERVICE],
            }
        ],
    }
    if mem_limit:
        settings["Spawner.mem_limit"] = mem_limit
    if cpu_limit:
        settings["Spawner.cpu_limit"] = float(cpu_limit)
    lines = [
        "# Written by `python -m course_utils workshop-server start`; rewritten at each start.",
        "c = get_config()  # noqa: F821",
    ]
    lines += [f"c.{name} = {value!r}" for name, value in settings.items()]
    return "\n".join(lines) + "\n"


def _credentials(folder: Path, password: str | None) -> dict:
    """The workshop password, the instructor's and the API token (kept between starts)."""
    path = folder / "credentials.json"
    saved = json.loads(path.read_text()) if path.is_file() else {}
    if password is not None and len(password) < 8:
        raise ValueError("The workshop password needs at least 8 characters (JupyterHub's rule).")
    credentials = {
        "password": password or saved.get("password") or secrets.token_urlsafe(6)[:8],
        "admin_password": saved.get("admin_password") or secrets.token_urlsafe(24),  # 32 chars
        "token": saved.get("token") or secrets.token_hex(32),
    }
    path.write_text(json.dumps(credentials, indent=1))
    path.chmod(0o600)
    return credentials


def make_read_only(folder: Path) -> None:
    """Let everyone read ``folder`` and enter its folders; only the owner may write.

    As root, attendees' servers run under their own uids, so this is enforced; without
    root they run as the instructor, who owns the files, so it protects nothing then.
    """
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if path.is_dir():
            mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode & ~(stat.S_IWGRP | stat.S_IWOTH))


def _running_pid(folder: Path) -> int | None:
    pid_file = folder / "jupyterhub.pid"
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    return None


def start_hub(
    *,
    port: int = 8000,
    ip: str = "0.0.0.0",
    folder: Path | None = None,
    shared: Path | None = None,
    password: str | None = None,
    mem_limit: str | None = "3G",
    cpu_limit: float | None = 1.0,
    quick: bool = False,
    fruits: Path | None = None,
) -> Hub:
    """Start the workshop hub in the background and wait until it answers.

    Parameters
    ----------
    port, ip
        Where attendees connect (``ip="0.0.0.0"``: every network interface).
    folder
        The hub's state (default ``build/workshop``).
    shared
        The shared data (``<shared>/data`` is ``COURSE_DATA_DIR``, ``<shared>/keras`` is
        ``KERAS_HOME``); default ``<folder>/shared``. Install things there before
        starting (for example ``KERAS_HOME=<shared>/keras python -m course_utils bundle
        install course-bundle.zip``); it is made read-only.
    password
        The attendees' password (at least 8 characters); default: one generated on the
        first start and kept in ``credentials.json``.
    mem_limit, cpu_limit
        Per attendee (see :mod:`~course_utils.instructor.workshop_spawner`).
    quick
        Run the lessons in quick mode for everyone (slow or crowded machines).
    fruits
        A Fruits-360 folder for everyone (default: ``COURSE_FRUITS_DIR`` when set).

    Raises
    ------
    FileNotFoundError
        When the proxy or JupyterHub is not installed.
    RuntimeError
        When a hub already runs from ``folder``, or the hub does not start (with its log).
    """
    folder = (Path(folder) if folder else repository() / WORKSHOP_FOLDER).resolve()
    hub_command = Path(sys.executable).parent / "jupyterhub"
    if not hub_command.is_file():
        raise FileNotFoundError(
            f"{hub_command} is missing: pip install -e '.[workshop]' (JupyterHub 5)."
        )
    proxy_command()
    pid = _running_pid(folder)
    if pid is not None:
        raise RuntimeError(f"A workshop hub already runs from {folder} (pid {pid}): stop it first.")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    (folder / "users").mkdir(exist_ok=True)
    (folder / "users").chmod(0o755)
    shared = (Path(shared) if shared else folder / "shared").resolve()
    for part in ("data", "keras"):
        (shared / part).mkdir(parents=True, exist_ok=True)
    make_read_only(shared)
    edition = folder / "student-edition"
    write_student_edition(student_edition(), edition)
    make_read_only(edition)
    env_fruits = os.environ.get("COURSE_FRUITS_DIR")
    fruits = Path(fruits).resolve() if fruits else (Path(env_fruits) if env_fruits else None)
    credentials = _credentials(folder, password)
    config = folder / "jupyterhub_config.py"
    config.write_text(
        hub_config(
            folder=folder,
            ip=ip,
            port=port,
            credentials=credentials,
            shared=shared,
            student=edition,
            mem_limit=parse_size(mem_limit),
            cpu_limit=cpu_limit,
            quick=quick,
            fruits=fruits,
        )
    )
    config.chmod(0o600)
    log = folder / "jupyterhub.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(hub_command), "-f", str(config)],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ip
    hub = Hub(
        f"http://{host}:{port}",
        folder,
        process.pid,
        credentials["token"],
        credentials["password"],
        credentials["admin_password"],
    )
    _wait_until_up(hub, process, log)
    return hub


def _wait_until_up(hub: Hub, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise RuntimeError(f"JupyterHub exited with code {process.returncode}:\n{tail}")
        with contextlib.suppress(OSError, ValueError):
            hub.api("/", timeout=5)
            return
        time.sleep(0.5)
    _signal_group(process.pid, signal.SIGKILL)
    raise RuntimeError(f"JupyterHub did not answer within {START_SECONDS} s; see {log}.")


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie child of ours counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return True


def stop_hub(*, folder: Path | None = None, timeout: float = 60) -> bool:
    """Stop the hub running from ``folder`` and every attendee's server; False if none ran.

    The attendees' servers are stopped through the API first (their kernels with them),
    then the hub (which stops its proxy) gets SIGTERM, and SIGKILL after ``timeout``.
    """
    folder = (Path(folder) if folder else repository() / WORKSHOP_FOLDER).resolve()
    pid = _running_pid(folder)
    if pid is None:
        return False
    credentials = json.loads((folder / "credentials.json").read_text())
    config = (folder / "jupyterhub_config.py").read_text()
    bind = next(
        line.split("=", 1)[1].strip().strip("'\"")
        for line in config.splitlines()
        if line.startswith("c.JupyterHub.bind_url")
    )
    url = bind.replace("://0.0.0.0:", "://127.0.0.1:")
    hub = Hub(url, folder, pid, credentials["token"], "", "")
    user_pids = []
    with contextlib.suppress(OSError, ValueError):
        for user in hub.api("/users"):
            if user.get("servers"):
                user_pids += _server_pids(folder, user["name"])
                with contextlib.suppress(urllib.error.HTTPError):
                    hub.api(f"/users/{user['name']}/server", method="DELETE")
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)
    _signal_group(pid, signal.SIGKILL)
    for user_pid in user_pids:  # any server the hub did not stop in time
        _signal_group(user_pid, signal.SIGKILL)
    return True


def _server_pids(folder: Path, name: str) -> list[int]:
    """Processes whose working folder is the user's folder (their server and kernels)."""
    home = (folder / "users" / name).resolve()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if (proc / "cwd").readlink() == home:
                    found.append(int(proc.name))
    return found
