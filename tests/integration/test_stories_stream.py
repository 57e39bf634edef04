"""Stories on the real broker: copies of one story on several raw partitions, the alerter killed
midway, and exactly one alert for the story plus an update for each rise (issue 18)."""

import asyncio
import os
import signal
import time
from typing import Any

import pytest

from processors.dedup import StoryState, decide
from processors.story_eval import SourceArticle, paragraphs, variant
from schemas import Alert, EnrichedArticle, RawArticle
from schemas.codec import decode
from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.ops.probes import KeyCounter
from streams.reader import read_to_end
from streams.worker import WorkerProcess
from tests.helpers import SEED, child_pid, started_worker, stream_env, wait_until

pytestmark = pytest.mark.kafka


def _records(worker: WorkerProcess, topic: str) -> list[Any]:
    async def run() -> list[Any]:
        return [m async for m in read_to_end(worker.settings.broker, topic)]

    return asyncio.run(run())


def _restarted(worker: WorkerProcess, old_pid: int) -> bool:
    try:
        return child_pid(worker, "alerts") != old_pid
    except AssertionError:  # between the kill and the restart there is no alerter child
        return False


def test_copies_across_partitions_make_one_alert_per_story_through_an_alerter_restart(
    kafka_broker: str, tmp_path: Any
) -> None:
    seed = next(iter(load_articles([SEED])))
    source = SourceArticle("story", seed.title, seed.body, "conflict-war-peace", {"GPE": ["Capital"]})

    def copy(kind: str, outlet: str) -> RawArticle:
        item = variant(source, kind, seed=7) if kind != "original" else None
        title, body = (item.title, item.body) if item else (seed.title, seed.body)
        return RawArticle(id=f"copy-{kind}", title=title, body=body, source=outlet)

    def early(paras: int, outlet: str) -> RawArticle:
        """An early, shorter report: on the seed, 7 paragraphs assess medium and 8 high."""
        body = "\n\n".join(paragraphs(seed.body)[:paras])
        return RawArticle(id=f"early-{paras}-{outlet}", title=seed.title, body=body, source=outlet)

    # The story starts short and grows (medium, then high, then critical: two updates); the rest are
    # copies at critical or lower, which must be suppressed, before and after the alerter's restart.
    first = early(7, "wire.example")
    before = [early(8, "a.example"), copy("trimmed", "b.example"), early(7, "c.example")]
    after = [copy("original", "c.example"), copy("added", "d.example"), copy("reordered", "b.example")]
    ids = {a.id for a in [first, *before, *after]}

    env = stream_env(kafka_broker, NEWSFEED_PARTITIONS="3")
    worker = started_worker(env, tmp_path / "worker.log")
    s = worker.settings
    try:
        with KeyCounter(s.broker, [s.topic_enriched, s.topic_alerts]) as seen:

            def send(articles: list[RawArticle]) -> None:
                asyncio.run(replay(articles, bootstrap=s.broker, topic=s.topic_raw, progress=False))

            send([first])
            wait_until(lambda: first.id in seen.distinct(s.topic_enriched), worker, 120, "the first copy")
            send(before)
            wait_until(
                lambda: ids - {a.id for a in after} <= seen.distinct(s.topic_enriched), worker, 90, "copies"
            )
            alerter = child_pid(worker, "alerts")
            os.kill(alerter, signal.SIGKILL)  # its table must come back from the changelog
            send(after)
            wait_until(lambda: ids <= seen.distinct(s.topic_enriched), worker, 120, "every copy enriched")
            wait_until(lambda: _restarted(worker, alerter), worker, 60, "the alerter restarted")
            time.sleep(8.0)  # the restarted alerter recovers its table, then reads the backlog

        enriched = {m.key.decode(): m for m in _records(worker, s.topic_enriched)}
        assert len({m.partition for m in enriched.values()}) >= 2, "the copies all landed on one partition"
        stories = {k: decode(m.value, EnrichedArticle).story for k, m in enriched.items()}
        assert all(st is not None and st.story_id == first.id for st in stories.values()), stories

        # The oracle: the alerter's own rule applied to the candidates in the order they reached it.
        candidates = [decode(m.value, Alert) for m in _records(worker, s.topic_alert_candidates)]
        assert {c.story_id for c in candidates} == {first.id}
        state: StoryState | None = None
        expected = []
        for c in candidates:
            d = decide(state, c, 0.0, s.alert_dedup_window_s)
            state = d.state
            if d.alert is not None:
                expected.append((d.alert.alert_id, d.alert.level))
        # At-least-once: an alerter killed between publishing an alert and writing its state to the
        # changelog publishes that same alert again after the restart (same alert_id, level and lineage),
        # which the desk and the notifier deduplicate. A repeat must be that copy, never a new alert.
        first_of: dict[str, Alert] = {}
        for a in (decode(m.value, Alert) for m in _records(worker, s.topic_alerts)):
            one = first_of.setdefault(a.alert_id, a)
            assert (a.level, a.previous_level, a.story_alert_id) == (
                one.level,
                one.previous_level,
                one.story_alert_id,
            ), f"alert_id {a.alert_id} reused for a different alert"
        alerts = list(first_of.values())
        assert [(a.alert_id, a.level) for a in alerts] == expected, worker.log()
        assert len(alerts) < len(candidates), "no copy was suppressed"
        assert alerts[0].previous_level is None
        assert [a.level for a in alerts][:3] == ["medium", "high", "critical"], [a.level for a in alerts]
        assert [a.previous_level for a in alerts][1:3] == ["medium", "high"]
        assert {a.story_alert_id for a in alerts} == {alerts[0].alert_id}
        assert alerts[0].sources is not None and alerts[0].sources.articles == 1
        assert alerts[-1].sources is not None and alerts[-1].sources.articles >= 2
    finally:
        worker.stop()
