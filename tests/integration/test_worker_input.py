"""What foreign producers send, through the real broker: every codec, their keys, their headers, extra
fields, numeric ids, a BOM, and tombstones that delete from the archive."""

import asyncio

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from schemas import ArchiveRecord, DeadLetter, EnrichedArticle
from schemas.codec import decode
from streams.worker import WorkerProcess
from tests.helpers import SEED, read_topic

pytestmark = pytest.mark.kafka

BODY = "The city council met on Monday and approved the new budget for schools, the mayor said."
TRACE = ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
CODECS = ("gzip", "snappy", "lz4", "zstd")

Message = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]


async def produce(
    bootstrap: str, topic: str, messages: list[Message], compression: str | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=compression)
    await producer.start()
    try:
        for key, value, headers in messages:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers, partition=0)
    finally:
        await producer.stop()


def article(**fields: object) -> bytes:
    return orjson.dumps({"body": BODY, **fields})


@pytest.fixture(scope="module")
def produced(worker: WorkerProcess) -> WorkerProcess:
    s = worker.settings

    async def run() -> None:
        for codec in CODECS:
            await produce(
                s.broker, s.topic_raw, [(None, article(id=f"codec-{codec}", title=codec), [])], codec
            )
        await produce(
            s.broker,
            s.topic_raw,
            [
                (b"producer-key-42", article(title="Keyed, no id"), [TRACE]),
                (b"some-key", article(id=7, title="Numeric id"), []),
                (None, b"\xef\xbb\xbf" + article(id="bom", title="BOM"), []),
                (
                    None,
                    article(id="open", title="Open", byline="A. Writer", tags=["schools"], wordcount=17),
                    [TRACE],
                ),
                (b"dup", b'{"id": "one", "body": "Dup.", "id": "two"}', [TRACE]),
                (None, orjson.dumps({"id": "seed-alert", **orjson.loads(SEED_JSON)}), [TRACE]),
            ],
        )
        await produce(s.broker, s.topic_raw, [(b"producer-key-42", None, [TRACE])])  # the takedown

    asyncio.run(run())
    return worker


SEED_JSON = orjson.dumps(
    {"title": SEED.read_text().split("\n", 1)[0], "body": SEED.read_text().split("\n", 1)[1]}
)


def enriched(worker: WorkerProcess, want: int) -> dict[bytes, tuple[EnrichedArticle, dict[str, bytes]]]:
    records = read_topic(worker, worker.settings.topic_enriched, want=want)
    return {r.key: (decode(r.value, EnrichedArticle), dict(r.headers)) for r in records}


def test_every_codec_is_read(produced: WorkerProcess) -> None:
    out = enriched(produced, want=9)
    assert {f"codec-{c}".encode() for c in CODECS} <= set(out), produced.log()


def test_the_key_is_the_id_without_a_json_id_and_a_number_is_its_decimal_string(
    produced: WorkerProcess,
) -> None:
    out = enriched(produced, want=9)
    assert out[b"producer-key-42"][0].id == "producer-key-42"
    assert out[b"7"][0].id == "7"  # the JSON id beats the key
    assert out[b"bom"][0].title == "BOM"


def test_headers_and_pipeline_version_travel_to_every_output(produced: WorkerProcess) -> None:
    s = produced.settings
    article_, headers = enriched(produced, want=9)[b"open"]
    assert headers["traceparent"] == TRACE[1] and headers["content-type"] == b"application/json"
    assert headers["schema"] == b"EnrichedArticle/4"
    version = article_.pipeline_version
    assert version is not None and version.model == article_.model and len(version.rules) == 16
    archive = {r.key: r for r in read_topic(produced, s.topic_archive, want=9)}
    assert dict(archive[b"open"].headers)["schema"] == b"ArchiveRecord/4"
    record = decode(archive[b"open"].value, ArchiveRecord)
    assert record.raw.extra == {"wordcount": 17} and record.raw.author == "A. Writer"
    assert record.raw.tags == ["schools"] and record.pipeline_version == version
    letters = [r for r in read_topic(produced, s.topic_deadletter, want=1) if r.key == b"dup"]
    assert letters and dict(letters[0].headers)["traceparent"] == TRACE[1]
    letter = decode(letters[0].value, DeadLetter)
    assert letter.error_type == "invalid_json" and "'id'" in letter.message and letter.pipeline_version
    alerts = read_topic(produced, s.topic_alerts, want=1)
    assert alerts and dict(alerts[0].headers)["traceparent"] == TRACE[1], produced.log()
    assert dict(alerts[0].headers)["schema"] == b"Alert/4"


def test_a_tombstone_deletes_the_article_from_the_archive(produced: WorkerProcess) -> None:
    records = [
        r
        for r in read_topic(produced, produced.settings.topic_archive, want=10)
        if r.key == b"producer-key-42"
    ]
    assert [r.value is None for r in records] == [False, True], produced.log()
    assert dict(records[1].headers)["traceparent"] == TRACE[1]
