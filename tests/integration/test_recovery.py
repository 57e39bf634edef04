"""Crash recovery and graceful shutdown of real worker processes on the real broker.

The short variant of `newsfeed chaos`: SIGKILL mid-stream loses nothing; SIGTERM exits 0 in bounded
time, with the offsets of everything it published committed, so a restart does not redo it.
"""

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from schemas import Alert
from schemas.codec import decode
from streams.clients.replay import cycle_articles, replay
from streams.clients.sources import load_articles
from streams.ops import broker
from streams.ops.broker import BrokerConfig
from streams.ops.chaos import corpus
from streams.ops.probes import KeyCounter, committed_offsets, key_offsets, outputs_missing_for_committed
from streams.reader import read_to_end
from streams.settings import PROJECT_ROOT
from streams.worker import WorkerProcess
from tests.helpers import SEED, TEST_PORT, child_pid, started_worker, stream_env, wait_until

pytestmark = pytest.mark.kafka

ARTICLES = 200
LEAD_CHARS = 600


async def _all(bootstrap: str, topic: str) -> list[Any]:
    return [r async for r in read_to_end(bootstrap, topic)]


def start_pipeline(kafka_broker: str, log_path: Path) -> tuple[WorkerProcess, list[str]]:
    """A worker on fresh topics, and the ids of ARTICLES articles replayed to its raw topic."""
    worker = started_worker(stream_env(kafka_broker), log_path)
    # The leads only: delivery is under test here, and short texts keep the test within CI time.
    inputs = [a.model_copy(update={"body": a.body[:LEAD_CHARS]}) for a in corpus(ARTICLES)]
    s = worker.settings
    asyncio.run(replay(inputs, bootstrap=s.broker, topic=s.topic_raw, progress=False))
    return worker, [a.id for a in inputs if a.id]


def test_sigkill_mid_stream_loses_nothing(kafka_broker: str, tmp_path: Path) -> None:
    worker, ids = start_pipeline(kafka_broker, tmp_path / "worker.log")
    s = worker.settings
    origin = asyncio.run(key_offsets(s.broker, s.topic_raw))  # article id -> (partition, offset)
    try:
        with KeyCounter(s.broker, [s.topic_enriched, s.topic_archive]) as seen:
            for kill_at in (ARTICLES // 4, ARTICLES // 2):

                def reached(n: int = kill_at) -> bool:
                    return len(seen.distinct(s.topic_enriched)) >= n

                wait_until(reached, worker, 60, f"{kill_at} enriched")
                worker.kill()  # SIGKILL: no shutdown code runs
                # Commit after acknowledgement: nothing committed lacks its outputs on the broker.
                committed = asyncio.run(committed_offsets(s.broker, s.app_id, s.topic_raw))
                outputs = [s.topic_enriched, s.topic_archive]
                early = outputs_missing_for_committed(seen, outputs, origin, committed)
                assert not early, f"committed before the outputs were on the broker: {sorted(early)[:5]}"
                worker.start()
            try:
                wait_until(
                    lambda: (
                        set(ids) <= seen.distinct(s.topic_enriched)
                        and set(ids) <= seen.distinct(s.topic_archive)
                    ),
                    worker,
                    60,
                    "every id on enriched and archive",
                )
            except AssertionError:
                missing = sorted(set(ids) - seen.distinct(s.topic_enriched))
                committed = asyncio.run(committed_offsets(s.broker, s.app_id, s.topic_raw))
                where = {i: origin.get(i) for i in missing[:10]}
                detail = f"missing {len(missing)}: {where}; committed {committed}"
                raise AssertionError(f"{detail}\n{worker.log()}") from None
    finally:
        worker.stop()


def test_broker_restart_mid_stream_worker_reconnects_by_itself(kafka_broker: str, tmp_path: Path) -> None:
    worker, ids = start_pipeline(kafka_broker, tmp_path / "worker.log")
    s = worker.settings
    cfg = BrokerConfig.for_port(TEST_PORT, PROJECT_ROOT / ".kafka" / "test")
    try:
        with KeyCounter(s.broker, [s.topic_enriched, s.topic_archive]) as seen:
            wait_until(lambda: len(seen.distinct(s.topic_enriched)) >= ARTICLES // 3, worker, 60, "a third")
            assert broker.stop(cfg)
            time.sleep(2.0)
            broker.start(cfg)
            # The same worker process, never restarted, finishes the stream.
            wait_until(
                lambda: (
                    set(ids) <= seen.distinct(s.topic_enriched) and set(ids) <= seen.distinct(s.topic_archive)
                ),
                worker,
                90,
                "every id on enriched and archive after the broker restart",
            )
    finally:
        worker.stop()


def test_sigterm_exits_0_in_bounded_time_and_commits_what_it_published(
    kafka_broker: str, tmp_path: Path
) -> None:
    worker, ids = start_pipeline(kafka_broker, tmp_path / "worker.log")
    s = worker.settings
    origin = asyncio.run(key_offsets(s.broker, s.topic_raw))  # article id -> (partition, offset)
    try:
        with KeyCounter(s.broker, [s.topic_enriched]) as seen:
            wait_until(lambda: len(seen.distinct(s.topic_enriched)) >= ARTICLES // 3, worker, 60, "a third")
            t0 = time.monotonic()
            code = worker.stop(s.shutdown_timeout_s + 5)  # SIGTERM (SIGKILL, failing, after that)
            took = time.monotonic() - t0
            assert code == 0, f"SIGTERM exit code {code}; log:\n{worker.log()}"
            assert took <= s.shutdown_timeout_s, f"shutdown took {took:.1f} s"

            time.sleep(1.0)  # the counter has read everything the stopped worker published
            published = seen.snapshot(s.topic_enriched)
            committed = asyncio.run(committed_offsets(s.broker, s.app_id, s.topic_raw))
            below_commit = {i for i, (p, off) in origin.items() if off < committed.get(p, 0)}
            # Commit after acknowledgement: every committed input has its output on the broker.
            early = outputs_missing_for_committed(seen, [s.topic_enriched], origin, committed)
            assert not early, sorted(early)[:5]
            # Graceful: what was published before the exit was committed (the in-flight batch finished).
            assert set(published) <= below_commit, sorted(set(published) - below_commit)[:5]

            worker.start()
            wait_until(lambda: set(ids) <= seen.distinct(s.topic_enriched), worker, 60, "every id enriched")
            time.sleep(1.0)
            redone = {i for i, n in seen.snapshot(s.topic_enriched).items() if n > 1}
            assert not redone & below_commit, (
                f"committed input processed again: {sorted(redone & below_commit)[:5]}"
            )
    finally:
        worker.stop()


def test_killed_alerting_children_are_restarted_and_alert_the_backlog(
    kafka_broker: str, tmp_path: Path
) -> None:
    # Copies of one text are one story since issue 18; here each copy must be its own.
    env = stream_env(kafka_broker, NEWSFEED_STORY_GROUPING="false")
    worker = started_worker(env, tmp_path / "worker.log")
    s = worker.settings
    stories = cycle_articles(list(load_articles([SEED])), 8, distinct_titles=True)  # 8 alerting stories
    try:
        with KeyCounter(s.broker, [s.topic_alerts]) as seen:
            asyncio.run(replay(stories[:4], bootstrap=s.broker, topic=s.topic_raw, progress=False))
            wait_until(lambda: len(seen.distinct(s.topic_alerts)) >= 4, worker, 90, "the first 4 alerts")
            killed = {role: child_pid(worker, role) for role in ("alerts", "lane")}
            for pid in killed.values():
                os.kill(pid, signal.SIGKILL)
            # A backlog for the restarted alerter: its dedup table must be recovered, then the backlog read.
            asyncio.run(replay(stories[4:], bootstrap=s.broker, topic=s.topic_raw, progress=False))
            wait_until(
                lambda: {a.id for a in stories} <= seen.distinct(s.topic_alerts), worker, 120, "all 8 alerts"
            )
            assert all(child_pid(worker, role) != pid for role, pid in killed.items())
            time.sleep(2.0)
        # One alert per story. A repeat may only be the same alert published again (same alert_id): an
        # alerter killed between publishing and its changelog write republishes it after the restart.
        ids: dict[str, set[str]] = {}
        for record in asyncio.run(_all(s.broker, s.topic_alerts)):
            ids.setdefault(record.key.decode(), set()).add(decode(record.value, Alert).alert_id)
        assert ids.keys() == {a.id for a in stories}
        assert all(len(v) == 1 for v in ids.values()), ids
    finally:
        worker.stop()
