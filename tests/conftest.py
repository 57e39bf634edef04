"""Shared fixtures: the spaCy pipeline, and the real Kafka broker + worker for integration tests."""

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.settings import PROJECT_ROOT, Settings
from streams.tail import TopicNotFound, tail

TEST_PORT = int(os.environ.get("NEWSFEED_TEST_BROKER_PORT", "19092"))
SEED = next((PROJECT_ROOT / "seeds").glob("*.txt"))


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from processors.nlp import load_pipeline

    return load_pipeline(Settings().spacy_model)


@pytest.fixture(scope="session")
def enricher(nlp):  # type: ignore[no-untyped-def]
    from processors.enrich import Enricher
    from processors.rules import load_rules

    return Enricher(nlp, load_rules())


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """A real single-node KRaft broker on a test port, started once per test session."""
    from streams import broker

    home = PROJECT_ROOT / ".kafka" / "test"
    cfg = broker.BrokerConfig(home=home, port=TEST_PORT, controller_port=TEST_PORT + 1)
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)
    status = broker.start(cfg)
    yield status.bootstrap
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)


def stream_env(bootstrap: str, **overrides: str) -> dict[str, str]:
    """Settings for one isolated pipeline (its own consumer group and topics), as NEWSFEED_* variables."""
    # Metrics on any free port: test sessions of several checkouts share this machine.
    any_port = {f"NEWSFEED_METRICS_PORT_{role}": "0" for role in ("ENRICH", "LANE", "ALERTS")}
    return Settings().isolated(bootstrap, "test", uuid.uuid4().hex[:8]).as_env() | any_port | overrides


class WorkerProcess:
    """A `newsfeed worker` subprocess, exactly as an operator runs it."""

    def __init__(self, env: dict[str, str], log_path: Path, role: str = "all") -> None:
        self.env = env
        self.role = role
        self.settings = Settings(**{k.removeprefix("NEWSFEED_").lower(): v for k, v in env.items()})
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker", "--role", self.role, "--loglevel", "info"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=PROJECT_ROOT,
            )

    def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-20000:]


@pytest.fixture(scope="module")
def worker(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One worker per test module, on its own topics."""
    from streams.topics import ensure_topics_sync

    proc = WorkerProcess(stream_env(kafka_broker), tmp_path_factory.mktemp("worker") / "worker.log")
    ensure_topics_sync(proc.settings)
    proc.start()
    time.sleep(0.5)
    yield proc
    proc.stop()


def read_topic(worker: WorkerProcess, topic: str, want: int, wait_s: float = 120.0) -> list[Any]:
    """All records of a topic once at least `want` are there (or the wait is over, or the worker died)."""
    bootstrap = worker.settings.broker

    async def run() -> list[Any]:
        deadline = time.monotonic() + wait_s
        records: list[Any] = []
        while time.monotonic() < deadline:
            assert worker.proc is not None and worker.proc.poll() is None, f"worker died:\n{worker.log()}"
            try:
                records = [r async for r in tail(bootstrap, topic, from_beginning=True, timeout=1.5)]
            except TopicNotFound:
                records = []
            if len(records) >= want:
                return records
            await asyncio.sleep(0.5)
        return records

    return asyncio.run(run())
