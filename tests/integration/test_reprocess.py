"""`newsfeed reprocess --from-archive`: archived raw articles go back to the raw topic, on the real broker."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer

from schemas import ArchiveRecord, RawArticle
from schemas.codec import decode, encode
from streams.clients.reprocess import DateRangeError, parse_bound
from streams.reader import read_to_end
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import ensure_topics_sync
from tests.helpers import stream_env


def test_bare_dates_are_whole_utc_days() -> None:
    assert parse_bound("2026-11-30", end=False) == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_bound("2026-11-30", end=True) == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_bound("2026-11-30T12:00", end=True) == datetime(2026, 11, 30, 12, tzinfo=UTC)
    with pytest.raises(DateRangeError, match="'30/11/2026' is not a date"):
        parse_bound("30/11/2026", end=False)


@pytest.mark.kafka
def test_reprocess_resends_the_latest_archived_raw_articles_within_the_dates(
    kafka_broker: str, enricher
) -> None:  # type: ignore[no-untyped-def]
    env = stream_env(kafka_broker)
    settings = Settings(**{k.removeprefix("NEWSFEED_").lower(): v for k, v in env.items()})
    ensure_topics_sync(settings)

    def archived(article_id: str, body: str, day: int) -> bytes:
        raw = RawArticle(id=article_id, title=f"Council report {article_id}", body=body)
        enriched = enricher.enrich(raw, datetime(2026, 11, day, 9, tzinfo=UTC))
        return encode(
            ArchiveRecord(
                id=article_id, raw=raw, enriched=enriched, archived_at=datetime(2026, 11, day, 9, tzinfo=UTC)
            )
        )

    records: list[tuple[bytes, bytes | None]] = [
        (b"old", archived("old", "The council met in March.", 2)),
        (b"kept", archived("kept", "The council met on Monday.", 20)),
        (b"kept", archived("kept", "The council met on Tuesday instead.", 21)),  # latest wins
        (b"gone", archived("gone", "A story later taken down.", 21)),
        (b"gone", None),  # tombstone: deleted, not to be re-sent
        (b"late", archived("late", "The council will meet in December.", 29)),
    ]

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for key, value in records:
                await producer.send_and_wait(settings.topic_archive, key=key, value=value)
        finally:
            await producer.stop()

    asyncio.run(produce())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli",
            "reprocess",
            "--from-archive",
            "--since",
            "2026-11-10",
            "--until",
            "2026-11-28",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith(
        f"re-sent 1 archived article(s) from {settings.topic_archive} to {settings.topic_raw}"
    )
    assert line.endswith("; left out: 2 outside the dates, 1 deleted (tombstone)"), line

    async def read_raw() -> list[tuple[bytes | None, RawArticle]]:
        return [
            (r.key, decode(r.value, RawArticle)) async for r in read_to_end(kafka_broker, settings.topic_raw)
        ]

    sent = asyncio.run(read_raw())
    assert [(key, raw.id, raw.body) for key, raw in sent] == [
        (b"kept", "kept", "The council met on Tuesday instead.")
    ]
