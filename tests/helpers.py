"""Helpers the tests share (fixtures are in conftest.py): settings of an isolated pipeline, a worker
process on them, reading and producing records, the development articles, metric naming rules."""

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.metrics_core import Metric
from spacy.language import Language
from spacy.tokens import Doc

from streams.ops.chaos import FAST_REBALANCE_ENV
from streams.reader import TopicNotFound, tail
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import ensure_topics_sync
from streams.worker import WorkerProcess

TEST_PORT = int(os.environ.get("NEWSFEED_TEST_BROKER_PORT", "19092"))
SEED = next((PROJECT_ROOT / "seeds").glob("*.txt"))
DEV_DIR = PROJECT_ROOT.parent / "shared" / "dev" / "articles"


def stream_env(bootstrap: str, **overrides: str) -> dict[str, str]:
    """Settings for one isolated pipeline (its own consumer group and topics), as NEWSFEED_* variables."""
    # Metrics on any free port: test sessions of several checkouts share this machine.
    any_port = {f"NEWSFEED_METRICS_PORT_{role}": "0" for role in ("ENRICH", "LANE", "ALERTS")}
    return Settings().isolated(bootstrap, "test", uuid.uuid4().hex[:8]).as_env() | any_port | overrides


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a worker started with these NEWSFEED_* variables runs."""
    names = {k.removeprefix("NEWSFEED_").lower(): v for k, v in env.items() if k.startswith("NEWSFEED_")}
    return Settings(**names)


def worker_process(env: dict[str, str], log_path: Path, role: str = "all") -> WorkerProcess:
    """A `newsfeed worker` subprocess on these variables, exactly as an operator runs it (from the
    project root, log in `log_path`); extra variables (Faust's own) may be added to `.env` before start."""
    return WorkerProcess(settings_of(env), log_path, role=role, env=env, cwd=PROJECT_ROOT)


def started_worker(env: dict[str, str], log_path: Path) -> WorkerProcess:
    """A worker for kill and restart tests, started once its fresh topics are in sync: Faust's own
    variables make it rebalance quickly after a kill and keep its data dir beside the log."""
    worker = worker_process(env, log_path)
    worker.env |= FAST_REBALANCE_ENV | {"APP_DATADIR": str(log_path.parent / "faust-data")}
    ensure_topics_sync(worker.settings)
    worker.start()
    return worker


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


def produce_raw(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for key, value in messages:
                await producer.send_and_wait(topic, value=value, key=key, partition=0)
        finally:
            await producer.stop()

    asyncio.run(run())


def dev_article(name: str) -> dict:  # type: ignore[type-arg]
    """A labelled development article (../shared/dev beside the checkout); skips without the set."""
    path = DEV_DIR / f"{name}.json"
    if not path.exists():
        pytest.skip(f"development set not available at {DEV_DIR}")
    return json.loads(path.read_text(encoding="utf-8"))


NON_BASE_UNITS = {
    "ms", "msec", "millis", "milliseconds", "us", "microseconds", "ns", "nanoseconds", "minutes", "hours",
    "days", "kb", "kib", "mb", "mib", "gb", "kilobytes", "megabytes", "gigabytes", "percent",
}  # fmt: skip
TIME_WORDS = {"duration", "latency", "time", "age", "elapsed"}


def naming_problems(family: Metric) -> list[str]:
    """What breaks the Prometheus naming rules: snake_case with a namespace, base units (seconds,
    bytes), `_total` on counters and only on them, `_info` on info metrics, help text."""
    name, problems = family.name, []
    if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", name):
        problems.append(f"{name}: not snake_case with a namespace prefix")
    words = set(name.split("_"))
    if words & NON_BASE_UNITS:
        problems.append(f"{name}: unit {sorted(words & NON_BASE_UNITS)} is not a base unit (seconds, bytes)")
    if words & TIME_WORDS and "seconds" not in words:
        problems.append(f"{name}: a time must be in seconds")
    samples = {s.name for s in family.samples}
    if family.type == "counter":
        if not all(s.endswith(("_total", "_created")) for s in samples):  # none yet: nothing to judge
            problems.append(f"{name}: counter samples must end in _total: {sorted(samples)}")
    elif any(s.endswith("_total") for s in samples | {name}):
        problems.append(f"{name}: _total on a {family.type}")
    if family.type == "info" and not all(s.endswith("_info") for s in samples):
        problems.append(f"{name}: info samples must end in _info")
    if family.type in ("histogram", "gauge") and name.endswith(("_count", "_sum", "_bucket")):
        problems.append(f"{name}: reserved suffix")
    if not family.documentation.strip():
        problems.append(f"{name}: no help text")
    return problems


def wait_until(condition: Callable[[], bool], worker: WorkerProcess, timeout: float, what: str) -> None:
    """Until `condition()`; fails with the worker log if the worker dies or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.running, f"worker died:\n{worker.log()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}; worker log:\n{worker.log()}"
        time.sleep(0.1)


def child_pid(worker: WorkerProcess, role: str) -> int:
    """Pid of the worker's child process running `role` (the alert lane or the alerter)."""
    pid = worker.pid
    for child in worker.children():
        if f"\0--role\0{role}\0" in Path(f"/proc/{child}/cmdline").read_text():
            return child
    raise AssertionError(f"no '{role}' child of worker {pid}:\n{worker.log()}")


def parsed_doc(nlp: Language, rows: str) -> Doc:
    """A Doc with the parse written out (word tag pos dep head lemma entity per line), to pin down a
    misparse the small model makes in longer articles but not in a short invented one."""
    cols = [line.split() for line in rows.strip().splitlines()]
    words = [c[0] for c in cols]
    spaces = [i + 1 < len(words) and words[i + 1] not in {",", ".", "'s", ":"} for i in range(len(words))]
    return Doc(
        nlp.vocab,
        words=words,
        spaces=spaces,
        tags=[c[1] for c in cols],
        pos=[c[2] for c in cols],
        deps=[c[3] for c in cols],
        heads=[int(c[4]) for c in cols],
        lemmas=[c[5] for c in cols],
        ents=[c[6] for c in cols],
    )
