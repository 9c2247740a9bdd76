"""The workshop hub's spawner: one folder per attendee, a copy of the student edition, limits.

JupyterHub imports this module (``c.JupyterHub.spawner_class``); nothing else should, as
it imports JupyterHub. :class:`WorkshopSpawner` is JupyterHub's
``SimpleLocalProcessSpawner`` (no system accounts needed) with:

- a home folder per user, ``<users>/<name>``, filled on the first start with a copy of
  the student edition (files already there, the attendee's work, are never overwritten);
- when the hub runs as root and other accounts can run this Python (not one inside
  ``/root``, say): each user's server runs under its own unprivileged uid (``uid_base +
  the user's hub id``, no system account needed) and owns only its folder (mode 0700),
  so attendees cannot read each other's work or write to the shared data; otherwise all
  servers run as the hub's own account: no isolation between users, and the shared data
  is read-only only by its permission bits (which root ignores);
- per-process limits set before the server starts (inherited by its kernels):
  ``RLIMIT_AS`` (address space) from ``mem_limit`` plus ``address_space_reserve`` -- a
  guard against a runaway kernel, not an exact cap of resident memory, because
  TensorFlow reserves 2-3 GB of address space it never uses -- and TensorFlow / OpenMP
  thread pools sized to ``cpu_limit`` (cooperative: the threads, not a CPU quota).

Exact memory and CPU limits need a spawner with cgroups (``systemdspawner``,
``dockerspawner``); JupyterHub's local spawners cannot enforce ``mem_limit``.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Integer, Unicode

GiB = 2**30


def others_can_run(program: Path) -> bool:
    """True when accounts other than its owner can run ``program`` (every folder on the way
    to the real file, and the file itself, are executable by others)."""
    real = Path(program).resolve()
    return all(part.stat().st_mode & 0o001 for part in [*reversed(real.parents), real])


class WorkshopSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner with per-user folders, a student-edition copy and limits."""

    student_edition = Unicode(
        "", config=True, help="Folder copied into each new user's folder (the student edition)."
    )
    uid_base = Integer(
        20000, config=True, help="As root, user N's server runs as uid uid_base + N."
    )
    address_space_reserve = Integer(
        3 * GiB, config=True, help="Bytes of address space allowed beyond mem_limit."
    )

    def run_as_uid(self) -> int | None:
        """The uid this user's server runs as (None: the hub's own; see the module notes)."""
        if os.geteuid() != 0 or not others_can_run(Path(sys.executable)):
            return None
        return self.uid_base + int(self.user.id)

    def prepare_home(self) -> Path:
        """Create the user's folder and copy in the student edition's missing files."""
        home = Path(self.home_dir)
        home.mkdir(parents=True, exist_ok=True)
        source = Path(self.student_edition) if self.student_edition else None
        if source is not None and source.is_dir():
            for item in sorted(source.iterdir()):
                target = home / item.name
                if item.is_file() and not target.exists():
                    shutil.copy2(item, target)
        uid = self.run_as_uid()
        if uid is not None:
            for path in [home, *home.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
            home.chmod(0o700)
        return home

    def get_args(self):
        args = super().get_args()
        if os.geteuid() == 0 and self.run_as_uid() is None:
            args.append("--allow-root")  # Jupyter refuses root otherwise (see module notes)
        return args

    def user_env(self, env):
        env = super().user_env(env)
        if self.cpu_limit:
            threads = str(max(1, math.floor(self.cpu_limit)))
            env.update(
                OMP_NUM_THREADS=threads,
                TF_NUM_INTRAOP_THREADS=threads,
                TF_NUM_INTEROP_THREADS="1",
            )
        return env

    def make_preexec_fn(self, name):
        home, uid = str(self.home_dir), self.run_as_uid()
        limit = self.mem_limit + self.address_space_reserve if self.mem_limit else None

        def preexec():  # runs in the child between fork and exec: no logging, no imports
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            os.chdir(home)

        return preexec

    async def start(self):
        self.prepare_home()
        return await super().start()
