"""Broker outages at start: tools fail in one line, the worker waits for a broker that comes up late."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.cli import EXIT_BROKER_UNAVAILABLE
from streams.connect import display_address
from streams.ops import broker
from streams.settings import PROJECT_ROOT
from tests.helpers import TEST_PORT, stream_env, worker_process

# Inside this session's port range (derived from NEWSFEED_TEST_BROKER_PORT): nothing listens there.
NO_BROKER_PORT = TEST_PORT + 7
LATE_BROKER_PORT = TEST_PORT + 4  # +5 is its controller


def _newsfeed(*args: str, port: int = NO_BROKER_PORT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSFEED_BROKER": f"127.0.0.1:{port}"}
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["tail", "news.alerts"],
        ["replay", "seeds/"],
        ["dlq", "list"],
        ["dlq", "replay"],
        ["reprocess", "--from-archive"],
    ],
    ids=" ".join,
)
def test_tools_fail_in_one_line_against_an_unreachable_broker(command: list[str]) -> None:
    started = time.monotonic()
    proc = _newsfeed(*command)
    seconds = time.monotonic() - started
    assert proc.returncode == EXIT_BROKER_UNAVAILABLE, proc.stderr
    assert proc.stderr.splitlines() == [
        f"newsfeed: error: cannot reach Kafka at 127.0.0.1:{NO_BROKER_PORT}: [Errno 111] Connect call failed "
        f"('127.0.0.1', {NO_BROKER_PORT}) (NEWSFEED_BROKER; --debug for the traceback)"
    ]
    assert seconds < 20, f"took {seconds:.1f} s"  # generous for a loaded machine; typically 0.3 s


def test_debug_flag_shows_the_traceback() -> None:
    proc = _newsfeed("--debug", "tail", "news.alerts")
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr
    assert "BrokerUnreachable: cannot reach Kafka at" in proc.stderr


def test_logged_address_carries_no_credentials() -> None:
    assert display_address("alice:s3cret@kafka-1:9092,kafka-2:9092") == "kafka-1:9092,kafka-2:9092"


@pytest.mark.kafka
def test_worker_started_before_the_broker_waits_and_is_ready_once_it_is_up(
    kafka_broker: str, tmp_path: Path
) -> None:
    """The alerter role: the same start path as every role, without the model load."""
    session_home = PROJECT_ROOT / ".kafka" / "test"  # the session broker's jars, already resolved
    cfg = broker.BrokerConfig.for_port(LATE_BROKER_PORT, PROJECT_ROOT / ".kafka" / "test-late")
    broker.stop(cfg)
    cfg.home.mkdir(parents=True, exist_ok=True)
    if not cfg.libs.exists():
        cfg.libs.symlink_to(session_home / "libs")
    shutil.rmtree(cfg.data, ignore_errors=True)
    address = f"127.0.0.1:{LATE_BROKER_PORT}"
    worker = worker_process(stream_env(address), tmp_path / "worker.log", role="alerts")
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while worker.log().count(f"waiting for Kafka at {address}") < 3 and time.monotonic() < deadline:
            assert worker.running, worker.log()
            time.sleep(0.5)
        log = worker.log()
        assert log.count(f"waiting for Kafka at {address}") >= 3, log
        assert "Ready" not in log and "Traceback" not in log, log

        broker.start(cfg)
        up = time.monotonic()
        while "[^Worker]: Ready" not in worker.log():
            assert worker.running, worker.log()
            assert time.monotonic() - up < 90, worker.log()
            time.sleep(0.5)
        assert f"connected to Kafka at {address}" in worker.log()
        assert worker.stop() == 0, worker.log()
    finally:
        worker.stop()
        broker.stop(cfg)
        shutil.rmtree(cfg.data, ignore_errors=True)
