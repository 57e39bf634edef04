"""A worker that cannot decode a batch, and a worker stopped in the middle of a huge article.

The worker (all three apps: enrichment, alert lane, alerter) runs without cramjam, the library aiokafka
needs for snappy, lz4 and zstd: a `sitecustomize` on its PYTHONPATH makes the import fail, as on a
machine where it was never installed. Nothing in the project is told about it.
"""

import asyncio
import base64
import os
import signal
import time
from collections.abc import Iterator

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

from schemas import DeadLetter
from schemas.codec import decode
from streams.clients.dlq import replay_dead_letters
from streams.topics import ensure_topics_sync
from streams.worker import WorkerProcess
from tests.helpers import SEED, read_topic, stream_env, worker_process

pytestmark = pytest.mark.kafka

SHUTDOWN_TIMEOUT_S = 10
BODY = "The city council met on Monday and approved the new budget for schools, the mayor said."
HIDE_CRAMJAM = '''
import sys


class HideCramjam:
    """Test only: this interpreter behaves as if cramjam were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cramjam":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None


sys.meta_path.insert(0, HideCramjam())
'''


@pytest.fixture(scope="module")
def codecless(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    home = tmp_path_factory.mktemp("codecless")
    (home / "site").mkdir()
    (home / "site" / "sitecustomize.py").write_text(HIDE_CRAMJAM)
    env = stream_env(
        kafka_broker,
        NEWSFEED_COMPRESSION="gzip",  # the one codec Python has without cramjam
        NEWSFEED_SHUTDOWN_TIMEOUT_S=str(SHUTDOWN_TIMEOUT_S),
        # Not niced: on a loaded machine a niced process gets almost no CPU, and the piece in flight
        # would take long; the bound would still hold (the watchdog), but not the graceful path tested.
        NEWSFEED_ENRICH_NICE="0",
    )
    proc = worker_process(env, home / "worker.log")
    proc.env["PYTHONPATH"] = os.pathsep.join([str(home / "site"), os.environ.get("PYTHONPATH", "")])
    proc.env["APP_DATADIR"] = str(home / "faust-data")
    ensure_topics_sync(proc.settings)
    proc.start()
    yield proc
    proc.stop()


async def produce(
    bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]], compression: str | None = None
) -> list[int]:
    """One batch per call when compressed (sent together, flushed once); returns the offsets."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", compression_type=compression, max_request_size=2_000_000
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, value=v, key=k, partition=0) for k, v in messages]
        return [(await f).offset for f in futures]
    finally:
        await producer.stop()


def test_the_worker_really_lacks_the_codec(codecless: WorkerProcess) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import aiokafka.codec as c; print(c.has_lz4())"],
        env={**os.environ, **codecless.env},
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "False", out.stderr
    refused = subprocess.run(
        [sys.executable, "-m", "streams.cli", "worker"],
        env={**os.environ, **codecless.env, "NEWSFEED_COMPRESSION": "zstd"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and refused.stderr.strip() == (
        "newsfeed: error: NEWSFEED_COMPRESSION=zstd needs the cramjam package (pip install cramjam), "
        "or choose gzip or none"
    )


def test_an_undecodable_batch_is_dead_lettered_and_the_next_message_enriched(
    codecless: WorkerProcess,
) -> None:
    s = codecless.settings
    seed_title, seed_body = SEED.read_text().split("\n", 1)

    async def run() -> list[int]:
        lz4 = [(b"lz4-a", orjson.dumps({"body": BODY})), (b"lz4-b", orjson.dumps({"body": BODY}))]
        offsets = await produce(s.broker, s.topic_raw, lz4, "lz4")
        await produce(s.broker, s.topic_raw, [(b"after-lz4", orjson.dumps({"title": "After", "body": BODY}))])
        # The alerter too: an lz4 batch on its input, then an alerting article behind it.
        await produce(s.broker, s.topic_alert_candidates, [(b"story", b"{}")], "zstd")
        await produce(
            s.broker, s.topic_raw, [(b"seed", orjson.dumps({"title": seed_title, "body": seed_body}))]
        )
        return offsets

    offsets = asyncio.run(run())
    enriched = {r.key for r in read_topic(codecless, s.topic_enriched, want=2)}
    assert {b"after-lz4", b"seed"} <= enriched and not {b"lz4-a", b"lz4-b"} & enriched, codecless.log()
    letters = [decode(r.value, DeadLetter) for r in read_topic(codecless, s.topic_deadletter, want=1)]
    assert len(letters) == 1, letters
    letter = letters[0]
    assert letter.error_type == "undecodable" and "lz4" in letter.message
    assert (letter.origin.topic, letter.origin.partition) == (s.topic_raw, 0)
    assert (letter.origin.offset, letter.origin.last_offset) == (offsets[0], offsets[-1])
    # Nothing is lost: the batch as it came, readable where the codec is installed (here).
    batch = MemoryRecords(base64.b64decode(letter.payload_b64)).next_batch()
    assert batch is not None and [r.key for r in batch] == [b"lz4-a", b"lz4-b"]
    alerts = read_topic(codecless, s.topic_alerts, want=1)
    assert [r.key for r in alerts] == [b"seed"], codecless.log()
    log = codecless.log()
    lines = [line for line in log.splitlines() if "undecodable record batch on" in line]
    raw_lines = [
        line for line in lines if f"{s.topic_raw} partition 0 offsets {offsets[0]}-{offsets[-1]}" in line
    ]
    assert len(raw_lines) == 2, lines  # the enrichment app and the alert lane, once each
    assert any(s.topic_alert_candidates in line for line in lines), lines
    assert "exited with" not in log  # no child crashed and was restarted

    # Where the codec is installed, `newsfeed dlq replay` re-injects the batch's messages.
    assert replay_dead_letters(s, error_types={"undecodable"}, timeout=1.5) == 2
    enriched = {r.key for r in read_topic(codecless, s.topic_enriched, want=4)}
    assert {b"lz4-a", b"lz4-b"} <= enriched, codecless.log()


def test_sigterm_during_a_huge_article_exits_within_the_shutdown_bound(codecless: WorkerProcess) -> None:
    s = codecless.settings
    seed_body = SEED.read_text().split("\n", 1)[1]
    huge = orjson.dumps({"title": "Huge", "body": "\n\n".join([seed_body] * (900_000 // len(seed_body)))})
    assert 850_000 < len(huge) < 1_000_000
    [offset] = asyncio.run(produce(s.broker, s.topic_raw, [(b"huge", huge)]))
    time.sleep(4)  # taken into a batch: its enrichment takes about a minute
    assert codecless.proc is not None and codecless.proc.poll() is None
    t0 = time.monotonic()
    codecless.proc.send_signal(signal.SIGTERM)
    code = codecless.proc.wait(SHUTDOWN_TIMEOUT_S + 20)
    elapsed = time.monotonic() - t0
    log = codecless.log()
    # Interrupted between pieces, or (on a starved CPU) by the watchdog: either way uncommitted.
    assert "enrichment of a batch of 1 interrupted" in log or "still in flight" in log, log
    assert code == 1 and elapsed <= SHUTDOWN_TIMEOUT_S, f"exit {code} after {elapsed:.1f} s\n{log}"
    assert committed(s.broker, s.app_id, TopicPartition(s.topic_raw, 0)) <= offset  # redelivered later


def committed(bootstrap: str, group: str, tp: TopicPartition) -> int:
    async def run() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(group)
            return offsets[tp].offset if tp in offsets else -1
        finally:
            await admin.close()

    return asyncio.run(run())
