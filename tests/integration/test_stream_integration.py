"""The whole stream on the real broker: seed in; enriched event, alert, archive and dead letters out."""

import asyncio
import base64

import orjson
import pytest

from schemas import LEVELS, Alert, ArchiveRecord, DeadLetter, EnrichedArticle
from schemas.codec import decode
from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.worker import WorkerProcess
from tests.helpers import SEED, produce_raw, read_topic

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def seed_replayed(worker: WorkerProcess) -> WorkerProcess:
    s = worker.settings
    asyncio.run(replay(load_articles([SEED]), bootstrap=s.broker, topic=s.topic_raw, progress=False))
    return worker


def test_seed_comes_out_enriched(seed_replayed: WorkerProcess) -> None:
    s = seed_replayed.settings
    records = read_topic(seed_replayed, s.topic_enriched, want=1)
    assert records, f"no enriched event; worker log:\n{seed_replayed.log()}"
    article = decode(records[0].value, EnrichedArticle)
    assert records[0].key == SEED.stem.encode() == article.id.encode()
    names = {e.name for e in article.entities}
    assert {"Volodymyr Zelensky", "Russia", "Ukraine"} <= names
    speakers = {q.speaker for q in article.quotes}
    assert {"Volodymyr Zelensky", "Jen Psaki", "Linda Thomas-Greenfield"} <= speakers
    assert article.escalation.level in {"high", "critical"} and article.escalation.alert
    assert [s.heading for s in article.sections][:2] == [None, "Putin raises tensions"]


def test_seed_raises_one_alert_with_evidence_and_actors(seed_replayed: WorkerProcess) -> None:
    s = seed_replayed.settings
    records = read_topic(seed_replayed, s.topic_alerts, want=1)
    assert len(records) == 1, seed_replayed.log()
    alert = decode(records[0].value, Alert)
    assert alert.article_id == SEED.stem and alert.level in {"high", "critical"}
    assert any("nuclear" in ev.sentence for ev in alert.evidence)
    assert {"Russia", "Putin"} <= {a.name for a in alert.actors}


def test_seed_is_archived_raw_and_enriched(seed_replayed: WorkerProcess) -> None:
    s = seed_replayed.settings
    records = read_topic(seed_replayed, s.topic_archive, want=1)
    record = decode(records[0].value, ArchiveRecord)
    assert record.id == record.raw.id == record.enriched.id == SEED.stem
    assert record.raw.body.startswith("\nUkraine and Russia") or record.raw.body.lstrip().startswith(
        "Ukraine"
    )


def test_bad_message_is_dead_lettered_and_the_next_one_processed(seed_replayed: WorkerProcess) -> None:
    s = seed_replayed.settings
    good = orjson.dumps(
        {"id": "after-bad", "title": "Council meets", "body": "The city council met on Monday."}
    )
    produce_raw(
        s.broker, s.topic_raw, [(b"bad-1", b"{not json"), (b"bad-2", b'{"title": "x"}'), (b"after-bad", good)]
    )

    letters = [decode(r.value, DeadLetter) for r in read_topic(seed_replayed, s.topic_deadletter, want=2)]
    by_key = {d.origin.key: d for d in letters}
    assert by_key["bad-1"].error_type == "invalid_json"
    assert by_key["bad-2"].error_type == "missing_body"
    assert by_key["bad-1"].origin.topic == s.topic_raw and by_key["bad-1"].origin.partition == 0
    assert by_key["bad-2"].origin.offset == by_key["bad-1"].origin.offset + 1
    assert base64.b64decode(by_key["bad-1"].payload_b64) == b"{not json"

    enriched = read_topic(seed_replayed, s.topic_enriched, want=2)
    assert b"after-bad" in {r.key for r in enriched}, seed_replayed.log()


def _send_articles(worker: WorkerProcess, articles: list[dict[str, str]]) -> None:
    s = worker.settings
    produce_raw(s.broker, s.topic_raw, [(a["id"].encode(), orjson.dumps(a)) for a in articles])


def _alerts(worker: WorkerProcess, want: int, wait_s: float = 60.0) -> list[Alert]:
    return [decode(r.value, Alert) for r in read_topic(worker, worker.settings.topic_alerts, want, wait_s)]


def _levels(alerts: list[Alert], article_id: str) -> list[str]:
    return [a.level for a in alerts if a.article_id == article_id]


def test_replayed_story_does_not_alert_twice_but_a_rising_level_does(seed_replayed: WorkerProcess) -> None:
    s = seed_replayed.settings
    assert len(_alerts(seed_replayed, want=1)) == 1
    # The same seed again: enriched again (idempotent by key), no second alert.
    asyncio.run(replay(load_articles([SEED]), bootstrap=s.broker, topic=s.topic_raw, progress=False))
    title = "Tension at the northern border"
    medium = "Russia deployed additional troops to the border with Ukraine, Kyiv said on Monday. " + (
        "Ukrainian President Volodymyr Zelensky ordered a partial mobilisation of reservists."
    )
    high = (
        "Russian forces launched airstrikes on Kyiv on Monday, killing 12 people, Ukrainian officials said. "
        + ("President Putin ordered nuclear forces on high alert.")
    )
    _send_articles(seed_replayed, [{"id": "border-1", "title": title, "body": medium}])
    first = _alerts(seed_replayed, want=2)
    _send_articles(seed_replayed, [{"id": "border-1", "title": title, "body": high}])
    risen = _alerts(seed_replayed, want=3)
    # A syndicated copy (other id, same headline) at the same level is the same story: no alert.
    _send_articles(seed_replayed, [{"id": "border-2", "title": title.upper(), "body": high}])
    read_topic(seed_replayed, s.topic_enriched, want=6)  # everything sent so far has been processed
    final = _alerts(seed_replayed, want=4, wait_s=5.0)

    # Alerts are keyed by article: one article's alerts keep their order, two articles' need not.
    assert sorted(a.article_id for a in first) == sorted([SEED.stem, "border-1"])
    assert _levels(first, "border-1") == ["medium"]
    border = _levels(risen, "border-1")
    assert len(border) == 2 and border[0] == "medium" and LEVELS.index(border[1]) > LEVELS.index("medium")
    assert len(final) == 3, [(a.article_id, a.level) for a in final]
    assert len({a.alert_id for a in final}) == 3
