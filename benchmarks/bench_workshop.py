"""How many attendees can run lesson 04 at once on the workshop hub, and at what cost.

Not a test: it starts the workshop hub (``python -m course_utils workshop-server``) in a
temporary folder on 127.0.0.1, and for N = 1, 2, 3, ... concurrent users (``--users``)
starts N servers and runs lesson 04 in quick mode in all of them at the same time,
through the hub (kernel websockets). It reports the wall time of each run, and the peak
resident memory of each user's processes (server + kernel, sampled from /proc every
half second). Use it to size a machine: see the sizing table in docs/instructor-notes.md.

    .venv/bin/python benchmarks/bench_workshop.py --users 1 2 3 4

Needs the proxy (``make npm``) and JupyterHub (``pip install -e '.[workshop]'``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course_utils.instructor import workshop
from course_utils.instructor import workshop_client as client

LESSON = "04_fruits-cnn-with-keras.ipynb"


def rss_of(pids: list[int]) -> float:
    """Resident memory of these processes in MB (those that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemoryWatch:
    """Samples each user's resident memory (processes working in their folder)."""

    def __init__(self, folder: Path, names: list[str]):
        self.folder, self.names = folder, names
        self.peak = dict.fromkeys(names, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name in self.names:
                used = rss_of(workshop._server_pids(self.folder, name))
                self.peak[name] = max(self.peak[name], used)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def one_round(hub: workshop.Hub, users: int) -> list[tuple[str, float, float, bool]]:
    names = [f"bench{users}x{i}" for i in range(users)]
    client.create_users(hub, names)
    for name in names:
        client.start_server(hub, name)
    with MemoryWatch(hub.folder, names) as watch, ThreadPoolExecutor(users) as pool:
        runs = list(pool.map(lambda n: client.run_notebook(hub, n, LESSON, timeout=1200), names))
    for name in names:
        client.stop_server(hub, name)
    for run in runs:
        if not run.ok:
            print(f"  {run.user}: {run.errors}", flush=True)
    return [(r.user, r.seconds, watch.peak[r.user], r.ok) for r in runs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--cpu-limit", type=float, default=1.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="course-hub-bench-"))
    folder.chmod(0o755)
    print(f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f} at the start")
    hub = workshop.start_hub(
        port=workshop._free_port(),
        ip="127.0.0.1",
        folder=folder,
        quick=True,
        cpu_limit=args.cpu_limit,
    )
    rows = []
    try:
        for users in args.users:
            start = time.perf_counter()
            results = one_round(hub, users)
            wall = time.perf_counter() - start
            seconds = [s for _, s, _, _ in results]
            memory = [m for _, _, m, _ in results]
            ok = all(ok for *_, ok in results)
            rows.append((users, min(seconds), max(seconds), max(memory), wall, ok))
            print(
                f"{users} concurrent: lesson 04 took {min(seconds):.0f}-{max(seconds):.0f} s "
                f"each; peak memory per user {max(memory):.0f} MB; all ok: {ok}",
                flush=True,
            )
    finally:
        workshop.stop_hub(folder=folder)
        shutil.rmtree(folder, ignore_errors=True)
    print("\n| concurrent users | seconds per run (min-max) | peak MB per user | all ok |")
    print("|---:|---:|---:|---|")
    for users, low, high, memory, _, ok in rows:
        print(f"| {users} | {low:.0f}-{high:.0f} | {memory:.0f} | {'yes' if ok else 'NO'} |")
    return 0 if all(row[-1] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
