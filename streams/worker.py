"""The child processes of `newsfeed worker` (alert lane, alerter): started, restarted, stopped with it.

A child that dies (a crash, an OOM kill) is restarted after a short, growing delay, so a worker
never keeps running without its alerting side; each child also dies with the worker, even when the
worker is SIGKILLed or exits uncommitted (Linux PR_SET_PDEATHSIG), so none is left orphaned. That
signal is SIGKILL: a child told by SIGTERM after its parent was gone could hang in Faust's shutdown
(seen: a lane spinning for minutes once the test broker was stopped). Nothing is lost by it, as
each child commits only what the broker has acknowledged; `stop` still stops them gracefully.
"""

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

RESTART_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER_S = 60.0  # a child that ran this long before dying starts again from the first delay


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """SIGTERM first (graceful: finish and commit the batch in flight), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def child_pids(pid: int) -> list[int]:
    """A process's direct children, spawned by any of its threads (a restart comes from the watcher)."""
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread or the process has just exited
            pids += [int(c) for c in task.read_text().split()]
    return pids


class Children:
    """One `newsfeed worker --role ROLE` process per role given; `stop` terminates and waits for them.

    `envs`, one per role, are extra environment variables of that child (e.g. its metrics port).
    """

    def __init__(self, roles: list[str], loglevel: str, envs: list[dict[str, str]] | None = None) -> None:
        self.roles, self.loglevel = roles, loglevel
        self.envs = envs or [{} for _ in roles]
        self.procs: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._stop_timeout_s = 30.0
        self._watcher = threading.Thread(target=self._watch, name="children", daemon=True)

    def start(self) -> None:
        self.procs = [self._spawn(i) for i in range(len(self.roles))]
        self._watcher.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop_timeout_s = timeout_s
        self._stopping.set()
        if self._watcher.is_alive():
            # The watcher stops the children itself, then exits: no restart can start after that,
            # and the children it restarted (whose PR_SET_PDEATHSIG follows its thread) are stopped
            # gracefully before that thread ends.
            self._watcher.join()
        else:
            self._stop_children()

    def _stop_children(self) -> None:
        for proc in self.procs:  # all at once, so they shut down in parallel
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            stop_worker(proc, self._stop_timeout_s)

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        def die_with_parent() -> None:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG

        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streams.cli",
                "worker",
                "--role",
                self.roles[index],
                "--loglevel",
                self.loglevel,
            ],
            preexec_fn=die_with_parent,
            env={**os.environ, **self.envs[index]} if self.envs[index] else None,
        )

    def _watch(self) -> None:
        self._restart_until_stopped()
        self._stop_children()  # only on stop: if the loop above failed, stop() does it instead

    def _restart_until_stopped(self) -> None:
        started = [time.monotonic()] * len(self.procs)
        failures = [0] * len(self.procs)
        while not self._stopping.wait(0.5):
            for i, proc in enumerate(self.procs):
                if proc.poll() is None:
                    continue
                ran_s = time.monotonic() - started[i]
                failures[i] = 0 if ran_s > STABLE_AFTER_S else failures[i] + 1
                delay = RESTART_DELAYS_S[min(failures[i], len(RESTART_DELAYS_S) - 1)]
                log.warning(
                    "worker child '%s' (pid %s) exited with %s after %.0f s; restarting in %.0f s",
                    self.roles[i],
                    proc.pid,
                    proc.returncode,
                    ran_s,
                    delay,
                )
                if self._stopping.wait(delay):
                    return
                self.procs[i] = self._spawn(i)
                started[i] = time.monotonic()
