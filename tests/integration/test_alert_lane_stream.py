"""The alert lane on the real broker: it alerts without the enrichment app, and without it the full
assessment still does."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas import Alert
from schemas.codec import decode
from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.topics import ensure_topics_sync
from streams.worker import WorkerProcess
from tests.helpers import SEED, read_topic, stream_env, worker_process

pytestmark = pytest.mark.kafka


def _started(env: dict[str, str], log_dir: Path, roles: list[str]) -> list[WorkerProcess]:
    procs = [worker_process(env, log_dir / f"{role}.log", role) for role in roles]
    ensure_topics_sync(procs[0].settings)
    for proc in procs:
        proc.start()
    return procs


@pytest.fixture
def roles(request: pytest.FixtureRequest, kafka_broker: str, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    env_overrides, roles = request.param
    procs = _started(stream_env(kafka_broker, **env_overrides), tmp_path, roles)
    yield procs
    for proc in procs:
        proc.stop()


def _seed_alerts(procs: list[WorkerProcess]) -> list[Alert]:
    s = procs[0].settings
    asyncio.run(replay(load_articles([SEED]), bootstrap=s.broker, topic=s.topic_raw, progress=False))
    records = read_topic(procs[0], s.topic_alerts, want=1)
    assert records, "\n".join(p.log() for p in procs)
    return [decode(r.value, Alert) for r in records]


@pytest.mark.parametrize("roles", [({}, ["lane", "alerts"])], indirect=True)
def test_lane_alerts_on_the_seed_with_no_enrichment_app_running(roles: list[WorkerProcess]) -> None:
    (alert,) = _seed_alerts(roles)
    assert alert.assessment == "lane" and alert.article_id == SEED.stem
    assert alert.level in {"high", "critical"}
    assert any("nuclear" in ev.sentence and "alert" in ev.sentence for ev in alert.evidence)
    assert {"Russia", "Putin"} <= {a.name for a in alert.actors}
    assert read_topic(roles[0], roles[0].settings.topic_enriched, want=1, wait_s=2.0) == []


@pytest.mark.parametrize("roles", [({"NEWSFEED_ALERT_LANE": "false"}, ["all"])], indirect=True)
def test_with_the_lane_off_the_full_assessment_alerts(roles: list[WorkerProcess]) -> None:
    (alert,) = _seed_alerts(roles)
    assert alert.assessment == "full" and alert.level in {"high", "critical"}
    assert {"Russia", "Putin"} <= {a.name for a in alert.actors}
