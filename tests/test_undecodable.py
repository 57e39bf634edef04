"""A record batch the consumer cannot decode is skipped in order, not raised (streams/undecodable.py).

The fetch responses are built with aiokafka's own batch builder; the codec is made unavailable the
way a missing library makes it (aiokafka.codec finds no cramjam), and corruption is one flipped byte.
"""

from collections.abc import Iterator

import pytest
from aiokafka import codec
from aiokafka.consumer import fetcher
from aiokafka.errors import UnsupportedCodecError
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.structs import TopicPartition

from streams import undecodable

LZ4, NONE = 3, 0
TP = TopicPartition("news.articles.raw", 1)


def batch(base_offset: int, values: list[bytes], compression: int) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=compression,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    for delta, value in enumerate(values):
        builder.append(delta, timestamp=None, key=b"k%d" % delta, value=value, headers=[])
    data = bytearray(builder.build())
    data[0:8] = base_offset.to_bytes(8, "big", signed=True)
    return bytes(data)


# Built while the codec is there (the producer had it); the consumer below may lack it.
LZ4_10_TO_12 = batch(10, [b"a", b"b", b"c"], LZ4)
LZ4_10_TO_11 = batch(10, [b"a", b"b"], LZ4)


def fetched(data: bytes, fetch_offset: int = 10) -> list[tuple[int, bytes | None]]:
    records = fetcher.PartitionRecords(
        TP, fetcher.MemoryRecords(data), None, fetch_offset, None, None, True, 0
    )
    return [(r.offset, r.value) for r in records]


@pytest.fixture
def guarded() -> Iterator[None]:
    original = (fetcher.MemoryRecords, fetcher.PartitionRecords)
    undecodable.install()
    yield
    fetcher.MemoryRecords, fetcher.PartitionRecords = original


@pytest.fixture
def no_cramjam(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "cramjam", None)


def test_without_the_guard_a_missing_codec_raises_out_of_the_fetch(
    no_cramjam: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetcher, "MemoryRecords", undecodable.UNGUARDED[0])  # another test may have
    monkeypatch.setattr(fetcher, "PartitionRecords", undecodable.UNGUARDED[1])  # built an app
    data = LZ4_10_TO_11
    with pytest.raises(UnsupportedCodecError, match="lz4"):
        fetched(data)


def test_missing_codec_gives_placeholders_for_its_offsets_then_the_next_batch(
    guarded: None, no_cramjam: None, caplog: pytest.LogCaptureFixture
) -> None:
    lz4 = LZ4_10_TO_12
    data = lz4 + batch(13, [b"after"], NONE)
    assert fetched(data) == [(10, None), (11, None), (12, None), (13, b"after")]
    first = undecodable.take(TP.topic, TP.partition, 10)
    assert first is not None and first.first
    b = first.batch
    assert (b.topic, b.partition, b.first_offset, b.last_offset) == (TP.topic, 1, 10, 12)
    assert "lz4" in b.reason and b.payload == lz4  # the batch's own bytes, for the dead letter
    later = undecodable.take(TP.topic, TP.partition, 12)
    assert later is not None and not later.first and later.batch == b
    assert undecodable.take(TP.topic, TP.partition, 13) is None  # a real record
    assert undecodable.take(TP.topic, TP.partition, 10) is None  # taken once
    lines = [r.getMessage() for r in caplog.records if r.name == "streams.undecodable"]
    assert len(lines) == 1 and "news.articles.raw partition 1 offsets 10-12" in lines[0]


def test_corrupt_batch_is_skipped_like_an_undecodable_one(guarded: None) -> None:
    bad = bytearray(batch(10, [b"hello", b"world"], NONE))
    bad[-3] ^= 0xFF  # inside the records: the CRC no longer matches
    assert fetched(bytes(bad) + batch(12, [b"next"], NONE)) == [(10, None), (11, None), (12, b"next")]
    placeholder = undecodable.take(TP.topic, TP.partition, 10)
    assert placeholder is not None and "CRC" in placeholder.batch.reason
    undecodable.take(TP.topic, TP.partition, 11)


def test_a_decodable_fetch_is_untouched(guarded: None) -> None:
    data = LZ4_10_TO_11 + batch(12, [b"c"], NONE)
    assert fetched(data) == [(10, b"a"), (11, b"b"), (12, b"c")]
    assert fetched(data, fetch_offset=11) == [(11, b"b"), (12, b"c")]  # the fetcher's own skipping
    assert all(undecodable.take(TP.topic, TP.partition, o) is None for o in (10, 11, 12))
