"""Running workers: one `newsfeed worker` process, the supervisor of several, and the worker itself.

`WorkerProcess` is the one place that builds a worker's command line and environment, and stops
(SIGTERM, then SIGKILL) or kills it; `newsfeed worker`, the demo, the bench, chaos, the drills and
the tests all start workers through it. `Supervisor` starts several together, stops them in
parallel and, for `newsfeed worker`'s own children (alert lane, alerter), restarts one that dies.

A child that dies (a crash, an OOM kill) is restarted after a short, growing delay, so a worker
never keeps running without its alerting side; each child also dies with the worker, even when the
worker is SIGKILLed or exits uncommitted (Linux PR_SET_PDEATHSIG), so none is left orphaned. That
signal is SIGKILL: a child told by SIGTERM after its parent was gone could hang in Faust's shutdown
(seen: a lane spinning for minutes once the test broker was stopped). Nothing is lost by it, as
each child commits only what the broker has acknowledged; `stop` still stops them gracefully.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from streams.settings import Settings

log = logging.getLogger(__name__)

RESTART_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER_S = 60.0  # a child that ran this long before dying starts again from the first delay
ROLES = ("all", "enrich", "lane", "alerts")


class WorkerError(Exception):
    """The worker cannot start (topics not ready, no rights, a codec missing); said without a traceback."""


def child_pids(pid: int) -> list[int]:
    """A process's direct children, spawned by any of its threads (a restart comes from the watcher)."""
    pids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread or the process has just exited
            pids += [int(c) for c in task.read_text().split()]
    return pids


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """SIGTERM first (graceful: finish and commit the batch in flight), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


class NewsfeedProcess:
    """One `newsfeed ARGS...` subprocess running exactly `settings`, as an operator starts it.

    Its environment is this process's minus every NEWSFEED_* variable, then `settings` as NEWSFEED_*
    variables, then `env` (a mutable mapping: set extras such as Faust's own variables before
    `start`). The output goes to `log_path` (appended; all runs of one process share it) or, without
    one, to this process's own. `die_with_parent`: SIGKILLed when this process dies.
    """

    def __init__(
        self,
        args: Sequence[str],
        settings: Settings,
        log_path: Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        new_session: bool = False,
        die_with_parent: bool = False,
    ) -> None:
        self.args, self.settings, self.log_path = list(args), settings, log_path
        self.env = dict(env or {})
        self.cwd, self.new_session, self.die_with_parent = cwd, new_session, die_with_parent
        self.proc: subprocess.Popen[bytes] | None = None
        self.exit_codes: list[int] = []  # of every run, in order (a kill or stop records one)

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "streams.cli", *self.args]

    def environment(self) -> dict[str, str]:
        """The child's whole environment; holds secrets in clear: pass it on, never log it."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")}
        return base | self.settings.as_env() | self.env

    def start(self) -> Self:
        if self.cwd is not None:
            self.cwd.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            log_file = None
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                log_file = stack.enter_context(self.log_path.open("ab"))
            self.proc = subprocess.Popen(
                self.command,
                stdout=log_file,
                stderr=subprocess.STDOUT if log_file is not None else None,
                env=self.environment(),
                cwd=self.cwd,
                start_new_session=self.new_session,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def terminate(self) -> None:
        """SIGTERM without waiting (several stop in parallel); `stop` then waits."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, as an orchestrator stops a worker; SIGKILL if it does not exit within `timeout`."""
        if self.proc is None:
            return None
        was_running = self.running
        code = stop_process(self.proc, timeout)
        if was_running:
            self.exit_codes.append(code)
        return code

    def kill(self) -> int:
        """SIGKILL: no shutdown code runs, as in a power cut or the OOM killer."""
        assert self.proc is not None, "not started"
        self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait()
        self.exit_codes.append(code)
        return code

    def children(self) -> list[int]:
        return child_pids(self.pid) if self.running else []

    def log(self, chars: int = 20000) -> str:
        """The end of its log (for a failure message)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


class WorkerProcess(NewsfeedProcess):
    """One `newsfeed worker --role ROLE --loglevel LEVEL` subprocess (see NewsfeedProcess)."""

    def __init__(
        self,
        settings: Settings,
        log_path: Path | None = None,
        *,
        role: str = "all",
        loglevel: str = "info",
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        new_session: bool = False,
        die_with_parent: bool = False,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown worker role '{role}' (one of {', '.join(ROLES)})")
        self.role, self.loglevel = role, loglevel
        super().__init__(
            ["worker", "--role", role, "--loglevel", loglevel],
            settings,
            log_path,
            env=env,
            cwd=cwd,
            new_session=new_session,
            die_with_parent=die_with_parent,
        )


class Supervisor:
    """Several processes started together and stopped together, in parallel.

    `restart`: a process that exits before `stop` is started again after a growing delay (the
    children of `newsfeed worker`); the watcher thread stops them itself on `stop`.
    """

    def __init__(self, procs: Sequence[NewsfeedProcess], *, restart: bool = False) -> None:
        self.procs = list(procs)
        self.restart = restart
        self._stopping = threading.Event()
        self._stop_timeout_s = 30.0
        self._watcher = threading.Thread(target=self._watch, name="children", daemon=True)

    def start(self) -> Supervisor:
        for proc in self.procs:
            proc.start()
        if self.restart:
            self._watcher.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> list[int | None]:
        self._stop_timeout_s = timeout_s
        self._stopping.set()
        if self._watcher.is_alive():
            # The watcher stops the children itself, then exits: no restart can start after that,
            # and the children it restarted (whose PR_SET_PDEATHSIG follows its thread) are stopped
            # gracefully before that thread ends.
            self._watcher.join()
        else:
            self._stop_all()
        return [p.returncode for p in self.procs]

    def __enter__(self) -> Supervisor:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _stop_all(self) -> None:
        for proc in self.procs:  # all at once, so they shut down in parallel
            proc.terminate()
        for proc in self.procs:
            proc.stop(self._stop_timeout_s)

    def _watch(self) -> None:
        self._restart_until_stopped()
        self._stop_all()  # only on stop: if the loop above failed, stop() does it instead

    def _restart_until_stopped(self) -> None:
        started = [time.monotonic()] * len(self.procs)
        failures = [0] * len(self.procs)
        while not self._stopping.wait(0.5):
            for i, proc in enumerate(self.procs):
                if proc.proc is None or proc.running:
                    continue
                ran_s = time.monotonic() - started[i]
                failures[i] = 0 if ran_s > STABLE_AFTER_S else failures[i] + 1
                delay = RESTART_DELAYS_S[min(failures[i], len(RESTART_DELAYS_S) - 1)]
                log.warning(
                    "worker child '%s' (pid %s) exited with %s after %.0f s; restarting in %.0f s",
                    getattr(proc, "role", proc.args[0]),
                    proc.pid,
                    proc.returncode,
                    ran_s,
                    delay,
                )
                if self._stopping.wait(delay):
                    return
                proc.start()
                started[i] = time.monotonic()


# --------------------------------------------------------------------------
# the worker itself (`newsfeed worker`)


def prepare_worker(settings: Settings, loglevel: str = "info") -> None:
    """Wait until the broker accepts our credentials (retrying with backoff, the reason logged once per
    attempt), then create the missing topics, or with NEWSFEED_CREATE_TOPICS=false only verify them."""
    import asyncio

    from streams.security import AccessError, AuthorizationError, check_access, refusals_explained
    from streams.topics import check_topics, wait_and_ensure_topics

    delay, attempt = 1.0, 1
    while True:
        try:
            asyncio.run(check_access(settings))
            break
        except AccessError as exc:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
            print(
                f"[{stamp}] newsfeed worker: attempt {attempt}: {exc}; retrying in {delay:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(delay)
            delay, attempt = min(delay * 2, 60.0), attempt + 1
    try:
        with refusals_explained(settings, f"{'create' if settings.create_topics else 'verify'} the topics"):
            if settings.create_topics:  # as before: existing topics are left as they are
                # A worker started ahead of its broker waits here (logging each attempt), so it
                # neither crash-loops nor reports Ready before it is connected.
                wait_and_ensure_topics(settings, loglevel=loglevel)
                return
            problems = asyncio.run(check_topics(settings))
    except AuthorizationError as exc:
        hint = " (no create rights? NEWSFEED_CREATE_TOPICS=false, and an admin runs `newsfeed topics create`)"
        raise WorkerError(f"{exc}{hint if settings.create_topics else ''}") from None
    if problems:
        raise WorkerError(
            "topics are not ready (run `newsfeed topics create` as an admin):\n  " + "\n  ".join(problems)
        )


def run_worker(settings: Settings, role: str = "all", loglevel: str = "info") -> None:
    """Run one role's Faust app in this process; `all` also supervises the alert lane(s) and the
    alerter as child processes, and runs enrichment at lower CPU priority (NEWSFEED_ENRICH_NICE)."""
    from faust import Worker

    from streams.faust_app import CodecUnavailable, check_compression

    try:
        check_compression(settings)
    except CodecUnavailable as exc:
        raise WorkerError(str(exc)) from None
    prepare_worker(settings, loglevel=loglevel)
    if role == "alerts":
        from streams.alerter import app as alerter_app

        Worker(alerter_app, loglevel=loglevel).execute_from_commandline()
        return
    if role == "lane":
        from streams.lane import app as lane_app

        Worker(lane_app, loglevel=loglevel).execute_from_commandline()
        return
    from streams.app import app
    from streams.metrics import child_env

    roles: list[str] = []
    if role == "all":
        roles = ["alerts"] + (["lane"] * settings.lane_processes if settings.alert_lane else [])
    children = Supervisor(
        [
            WorkerProcess(settings, role=r, loglevel=loglevel, env=env, die_with_parent=True)
            for r, env in zip(roles, child_env(settings, roles), strict=True)
        ],
        restart=True,
    )
    children.start()
    # After the children start (they inherit niceness): bulk enrichment yields the cores to alerting.
    os.nice(settings.enrich_nice)
    try:
        Worker(app, loglevel=loglevel).execute_from_commandline()
    finally:
        children.stop()
