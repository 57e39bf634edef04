"""Manage a real local single-node Apache Kafka 4.x broker for development.

Why: newsfeed needs a genuine Kafka to talk to, and Docker is not always
available. Kafka is only a set of jars, so we resolve them from Maven Central
with ``mvn`` (see ``broker/pom.xml``) and run ``kafka.Kafka`` with the local
``java`` as one combined KRaft broker+controller.

Everything lives under one git-ignored directory (``BrokerConfig.home``,
normally ``<project root>/.kafka``)::

    libs/               broker jars (+ libs/.version marker)
    data/               KRaft log dir (topics and the cluster metadata log)
    server.properties   rendered from BrokerConfig on every start
    log4j2.properties   broker logging: INFO to stdout, i.e. to broker.log
    broker.log          broker stdout/stderr (previous run: broker.log.1)
    broker.pid          pid of the detached broker JVM
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from streams.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from streams.ops.secure_broker import SecureSpec

__all__ = [
    "PROJECT_ROOT",
    "POM_PATH",
    "BrokerConfig",
    "BrokerError",
    "BrokerStatus",
    "default_config",
    "ensure_jars",
    "kafka_version",
    "render_server_properties",
    "start",
    "status",
    "stop",
]

POM_PATH = PROJECT_ROOT / "broker" / "pom.xml"

MIN_JAVA = 17  # Kafka 4 brokers are compiled for Java 17 (class file 61)
JVM_OPTS = (
    "-Xms256m",
    "-Xmx1g",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"

_T = TypeVar("_T")


class BrokerError(Exception):
    """A broker operation failed; the message says what to do about it."""


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker lives and which local ports it binds.

    ``host`` is both bound and advertised, so it must be an address clients
    can reach (not 0.0.0.0).
    """

    home: Path
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    start_timeout_s: float = 90.0
    secure: SecureSpec | None = None  # TLS + SCRAM + ACLs for these topics (streams/ops/secure_broker.py)

    @classmethod
    def for_port(cls, port: int, home: Path | None = None, **overrides: Any) -> BrokerConfig:
        """A broker on `port` with its controller on `port + 1` (home: `<project root>/.kafka`)."""
        return cls(home=home or PROJECT_ROOT / ".kafka", port=port, controller_port=port + 1, **overrides)

    def __post_init__(self) -> None:
        # Absolute, because the path is matched against the broker's argv.
        object.__setattr__(self, "home", Path(self.home).expanduser().resolve())

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients' ``bootstrap_servers``."""
        return f"{self.host}:{self.port}"

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.home / "log4j2.properties"

    @property
    def log(self) -> Path:
        return self.home / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"


@dataclass(frozen=True)
class BrokerStatus:
    """Result of status()/start(); ``started`` is True only if start() launched it."""

    running: bool
    pid: int | None
    bootstrap: str
    started: bool = False


def default_config(**overrides: Any) -> BrokerConfig:
    """The project's broker: ``<project root>/.kafka`` with default ports."""
    return BrokerConfig(home=PROJECT_ROOT / ".kafka", **overrides)


# --------------------------------------------------------------------------
# jars


def kafka_version(pom: Path = POM_PATH) -> str:
    """The Kafka version pinned in broker/pom.xml (the single source of truth)."""
    try:
        text = pom.read_text()
    except OSError as exc:
        raise BrokerError(f"cannot read {pom} ({exc.strerror}): run from a newsfeed checkout") from None
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", text)
    if not match:
        raise BrokerError(f"no <kafka.version> property in {pom}")
    return match.group(1)


def _jars_marker(pom: Path) -> str:
    # The pom hash makes any edit (e.g. a log4j bump) re-resolve, not only the version.
    version = kafka_version(pom)  # also checks that the pom is readable
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    return f"kafka={version}\npom-sha256={digest}\n"


def ensure_jars(cfg: BrokerConfig) -> Path:
    """Put the broker jars into ``cfg.home/libs`` once; returns that directory.

    mvn is only run when the marker ``libs/.version`` does not match the
    pinned pom, so normal starts never touch the network.
    """
    marker = cfg.libs / ".version"
    wanted = _jars_marker(POM_PATH)
    if marker.is_file() and marker.read_text() == wanted:
        return cfg.libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            "mvn not found on PATH: install Maven 3.6+ (e.g. `apt-get install maven`); "
            "it is needed once to download the Kafka jars"
        )
    _require_java()  # mvn needs it too, and this gives the clearer message
    cfg.home.mkdir(parents=True, exist_ok=True)
    # Resolve into a scratch dir and swap it in, so an interrupted download
    # never leaves a half-filled libs/ that looks complete.
    tmp = cfg.home / "libs.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM_PATH),
        "dependency:copy-dependencies", f"-DoutputDirectory={tmp}", "-DincludeScope=runtime",
    ]  # fmt: skip
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0 or not any(tmp.glob("kafka_2.13-*.jar")):
        shutil.rmtree(tmp, ignore_errors=True)
        output = _tail(proc.stdout + proc.stderr, 30)
        raise BrokerError(
            f"mvn could not resolve the Kafka {kafka_version()} jars (exit {proc.returncode}); "
            f"is Maven Central reachable?\n$ {' '.join(cmd)}\n{output}"
        )
    (tmp / ".version").write_text(wanted)
    shutil.rmtree(cfg.libs, ignore_errors=True)
    tmp.rename(cfg.libs)
    return cfg.libs


# --------------------------------------------------------------------------
# configuration files


def render_server_properties(cfg: BrokerConfig) -> str:
    """server.properties for a small, fast, single-node KRaft dev broker."""
    h = cfg.host
    lines = [
        "# Generated by streams/ops/broker.py on every start; edit BrokerConfig instead.",
        "process.roles=broker,controller",
        "node.id=1",
        # Kafka 4 dynamic quorum: formatted with `StorageTool format --standalone`.
        f"controller.quorum.bootstrap.servers={h}:{cfg.controller_port}",
        f"listeners=PLAINTEXT://{h}:{cfg.port},CONTROLLER://{h}:{cfg.controller_port}",
        f"advertised.listeners=PLAINTEXT://{h}:{cfg.port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={cfg.data}",
        # One replica of everything: there is only one broker.
        "num.partitions=1",
        "default.replication.factor=1",
        "min.insync.replicas=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        # Few internal partitions: the first consumer group / transaction is fast.
        "offsets.topic.num.partitions=1",
        "transaction.state.log.num.partitions=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "delete.topic.enable=true",
        # Small footprint: few threads, small segments, modest cleaner buffer.
        "num.network.threads=2",
        "num.io.threads=4",
        "num.recovery.threads.per.data.dir=1",
        "log.segment.bytes=16777216",
        "log.retention.hours=168",
        "log.retention.check.interval.ms=300000",
        "log.cleaner.dedupe.buffer.size=16777216",
    ]
    if cfg.secure is not None:
        from streams.ops import secure_broker

        lines = secure_broker.server_properties(cfg, lines)
    return "\n".join(lines) + "\n"


# Console only: the JVM's stdout/stderr already go to broker.log.
_LOG4J2_PROPERTIES = """\
# Generated by streams/ops/broker.py. Broker logs go to stdout = broker.log.
status = warn
name = newsfeed-kafka
# Kafka logs its own shutdown from a JVM shutdown hook; log4j's hook would
# close logging first and lose those lines. Console output needs no flush.
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# Per-request and authorizer logging are only useful when debugging Kafka itself.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
# The full config dumps (~2000 lines per start); see server.properties instead.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


def _write_configs(cfg: BrokerConfig) -> None:
    cfg.home.mkdir(parents=True, exist_ok=True)
    cfg.data.mkdir(exist_ok=True)
    cfg.properties.write_text(render_server_properties(cfg))
    cfg.log4j.write_text(_LOG4J2_PROPERTIES)


def _new_cluster_id() -> str:
    # Same format as `kafka-storage random-uuid`: url-safe base64 of 16 random
    # bytes without padding; Kafka rejects ids starting with '-'.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _java_cmd(java: str, cfg: BrokerConfig, main: str, *args: str) -> list[str]:
    return [
        java, *JVM_OPTS,
        f"-Dlog4j2.configurationFile={cfg.log4j}",
        f"-Dkafka.logs.dir={cfg.home}",
        "-cp", f"{cfg.libs}{os.sep}*",
        main, *args,
    ]  # fmt: skip


def _format_storage(java: str, cfg: BrokerConfig) -> None:
    """Format data/ once: KRaft refuses to start on an unformatted log dir."""
    if (cfg.data / "meta.properties").is_file():
        return
    cmd = _java_cmd(
        java, cfg, STORAGE_TOOL, "format", "--standalone",
        "--cluster-id", _new_cluster_id(), "--config", str(cfg.properties), *_secure_format_args(cfg),
    )  # fmt: skip
    proc = subprocess.run(cmd, cwd=cfg.home, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BrokerError(
            f"formatting {cfg.data} failed (exit {proc.returncode}):\n{_tail(proc.stdout + proc.stderr, 20)}"
        )


def _secure_format_args(cfg: BrokerConfig) -> list[str]:
    if cfg.secure is None:
        return []
    from streams.ops import secure_broker

    return secure_broker.format_args(cfg)


# --------------------------------------------------------------------------
# processes


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise BrokerError(f"java not found on PATH: install Java {MIN_JAVA}+")
    return java


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" -> 8


def _cmdline(pid: int) -> list[str] | None:
    """argv of pid, or None if unknown (no /proc, e.g. macOS)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # An exited but unreaped broker (its parent is gone and PID 1 does not
    # reap, as in some containers) still answers kill(0): treat it as dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _is_our_broker(pid: int, cfg: BrokerConfig) -> bool:
    """pid runs kafka.Kafka with our server.properties (guards against pid reuse)."""
    if not _alive(pid):
        return False
    argv = _cmdline(pid)
    if argv is None:
        return True  # cannot tell without /proc; trust the pid file
    return MAIN_CLASS in argv and str(cfg.properties) in argv


def _read_pid(cfg: BrokerConfig) -> int | None:
    try:
        return int(cfg.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _find_pid(cfg: BrokerConfig) -> int | None:
    """The running broker's pid; removes a stale pid file.

    Also finds our broker if the pid file was lost, by scanning /proc.
    """
    pid = _read_pid(cfg)
    if pid is not None and _is_our_broker(pid, cfg):
        return pid
    if cfg.pid_file.exists():
        cfg.pid_file.unlink(missing_ok=True)
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    wanted = str(cfg.properties)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        argv = _cmdline(int(entry.name))
        if argv and MAIN_CLASS in argv and wanted in argv and _alive(int(entry.name)):
            cfg.pid_file.write_text(f"{entry.name}\n")
            return int(entry.name)
    return None


@contextlib.contextmanager
def _lock(cfg: BrokerConfig) -> Iterator[None]:
    """Serialize start/stop across processes (e.g. two CLI calls at once)."""
    cfg.home.mkdir(parents=True, exist_ok=True)
    with open(cfg.home / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BrokerError(
                    f"port {port} is in use by another process (on {host}); stop it "
                    f"(see `ss -ltnp 'sport = :{port}'`) or configure another port"
                ) from None
            raise BrokerError(f"cannot bind {host}:{port}: {exc}") from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


# Runs in a throwaway interpreter: it starts the broker in its own session and
# exits at once, so the broker is not our child (no zombie, no ResourceWarning,
# survives the CLI) and is reparented to init.
_LAUNCHER = """\
import subprocess, sys
log = open(sys.argv[1], "ab", buffering=0)
proc = subprocess.Popen(sys.argv[3:], cwd=sys.argv[2], stdin=subprocess.DEVNULL,
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
print(proc.pid)
"""


def _spawn_detached(cmd: list[str], cfg: BrokerConfig) -> int:
    if cfg.log.exists():
        cfg.log.replace(cfg.log.with_name(cfg.log.name + ".1"))
    out = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(cfg.log), str(cfg.home), *cmd],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0 or not out.stdout.strip().isdigit():
        raise BrokerError(f"could not launch the broker JVM:\n{_tail(out.stderr, 20)}")
    return int(out.stdout.strip())


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _log_tail(cfg: BrokerConfig, lines: int = 15) -> str:
    try:
        return _tail(cfg.log.read_text(errors="replace"), lines)
    except OSError:
        return ""


def _rel(path: Path) -> str:
    """Path for messages: relative to the cwd when that is shorter (.kafka/broker.log)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# readiness


def _run_coro(coro: Coroutine[Any, Any, _T]) -> _T:
    """asyncio.run, also when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=runner, name="kafka-broker-probe")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _metadata_ok(cfg: BrokerConfig, timeout_s: float) -> bool:
    """True if the broker answers a metadata request listing itself."""
    from aiokafka.admin import AIOKafkaAdminClient  # lazy: only start() needs it

    ms = max(1000, int(timeout_s * 1000))
    security: dict[str, Any] = {}
    if cfg.secure is not None:
        from streams import security as client_security
        from streams.ops import secure_broker

        security = client_security.client_security(secure_broker.client_settings(cfg, "admin"))
    admin = AIOKafkaAdminClient(bootstrap_servers=cfg.bootstrap, request_timeout_ms=ms, **security)
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout_s)
        return bool(cluster.get("brokers"))
    except Exception:  # not up yet: any client error means "retry"
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _wait_ready(pid: int, cfg: BrokerConfig) -> None:
    # Poll the TCP port first (cheap, and keeps aiokafka from logging
    # connection errors), then confirm with a real metadata request.
    deadline = time.monotonic() + cfg.start_timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise BrokerError(f"broker exited during startup; see {_rel(cfg.log)}:\n{_log_tail(cfg)}")
        if _port_open(cfg.host, cfg.port):
            left = deadline - time.monotonic()
            if left > 0 and _run_coro(_metadata_ok(cfg, min(5.0, left))):
                return
        time.sleep(0.2)
    raise BrokerError(f"broker did not answer within {cfg.start_timeout_s:g} s; see {_rel(cfg.log)}")


# --------------------------------------------------------------------------
# public operations


def status(cfg: BrokerConfig) -> BrokerStatus:
    """Whether our broker process is running (no network call; cleans a stale pid file)."""
    pid = _find_pid(cfg) if cfg.home.is_dir() else None
    return BrokerStatus(running=pid is not None, pid=pid, bootstrap=cfg.bootstrap)


def start(cfg: BrokerConfig) -> BrokerStatus:
    """Start the broker detached and wait until it serves metadata.

    Idempotent: if it already runs, returns its status with started=False.
    The broker outlives the calling process; use stop() to end it.
    """
    with _lock(cfg):
        current = status(cfg)
        if current.running:
            return current
        java = _require_java()
        major = _java_major(java)
        if major is not None and major < MIN_JAVA:
            raise BrokerError(
                f"{java} is Java {major}; Kafka 4 needs Java {MIN_JAVA}+: install it and put it first on PATH"
            )
        _check_port_free(cfg.host, cfg.port)
        _check_port_free(cfg.host, cfg.controller_port)
        ensure_jars(cfg)
        if cfg.secure is not None:
            from streams.ops import secure_broker

            secure_broker.prepare(cfg)
        _write_configs(cfg)
        _format_storage(java, cfg)
        pid = _spawn_detached(_java_cmd(java, cfg, MAIN_CLASS, str(cfg.properties)), cfg)
        cfg.pid_file.write_text(f"{pid}\n")
        try:
            _wait_ready(pid, cfg)
            if cfg.secure is not None:
                from streams.ops import secure_broker

                secure_broker.apply_acls(cfg, java, cfg.secure)
        except BaseException:
            # Do not leave a half-started broker holding the ports.
            _terminate(pid, cfg, timeout_s=10.0)
            raise
        return BrokerStatus(running=True, pid=pid, bootstrap=cfg.bootstrap, started=True)


def _terminate(pid: int, cfg: BrokerConfig, timeout_s: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)  # Kafka shuts down cleanly on SIGTERM
    deadline = time.monotonic() + timeout_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10.0
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    cfg.pid_file.unlink(missing_ok=True)


def stop(cfg: BrokerConfig, timeout_s: float = 30.0) -> bool:
    """Stop the broker: SIGTERM (clean shutdown), SIGKILL after timeout_s.

    Returns True if a broker was running and has been stopped.
    """
    if not cfg.home.is_dir():
        return False
    with _lock(cfg):
        pid = _find_pid(cfg)
        if pid is None:
            return False
        _terminate(pid, cfg, timeout_s)
        return True
