"""The Faust fixes: never commit over a message that was not acknowledged; fetch again what a
rebalance dropped in a partition with nothing committed."""

import asyncio
import uuid
from collections import defaultdict
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faust.types import TP
from intervaltree import IntervalTree

from streams import faust_fixes

TP0 = TP("news.articles.raw", 0)


def consumer_state(acked: list[int], committed: int | None) -> SimpleNamespace:
    return SimpleNamespace(
        _acked=defaultdict(list, {TP0: list(acked)}),
        _acked_index=defaultdict(set, {TP0: set(acked)}),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
        _gap=defaultdict(IntervalTree),
    )


def test_unfixed_faust_commits_over_a_single_unacked_message() -> None:
    """Offsets 0..30 committed (next to read: 31); 32 and 33 acked, 31 never was."""
    assert faust_fixes._original_new_offset(consumer_state([32, 33], committed=31), TP0) == 34


def test_fixed_offset_waits_for_the_missing_message() -> None:
    state = consumer_state([32, 33], committed=31)
    assert faust_fixes._new_offset_without_skipping(state, TP0) is None
    state._acked[TP0].insert(0, 31)
    state._acked_index[TP0].add(31)
    assert faust_fixes._new_offset_without_skipping(state, TP0) == 34


def test_known_gaps_are_still_committed_over() -> None:
    """Offsets that do not exist (e.g. compacted away) are recorded as gaps and must not block commits."""
    state = consumer_state([32, 33], committed=31)
    state._gap[TP0].addi(31, 32)
    assert faust_fixes._new_offset_without_skipping(state, TP0) == 34


async def _fetched_past_uncommitted(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    """A group member that fetched (but, as at a rebalance, never delivered) 5 uncommitted records."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic, f"article {i}".encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"{topic}-group",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    consumer.assign([TopicPartition(topic, 0)])
    fetched = 0
    while fetched < 5:
        batch = await consumer.getmany(timeout_ms=2000)
        fetched += sum(len(records) for records in batch.values())
    return consumer


@pytest.mark.parametrize("fixed", [False, True])
def test_seek_to_committed_refetches_what_a_rebalance_dropped(kafka_broker: str, fixed: bool) -> None:
    """With nothing committed, aiokafka's seek leaves the position past the dropped records; ours rewinds."""
    topic = f"faust-fixes-seek-{uuid.uuid4().hex[:8]}"

    async def position_after_seek() -> int:
        consumer = await _fetched_past_uncommitted(kafka_broker, topic)
        tp = TopicPartition(topic, 0)
        try:
            if fixed:
                committed = await faust_fixes.seek_to_committed_or_reset(consumer, "earliest")
            else:
                committed = await consumer.seek_to_committed()
            assert committed == {tp: None}
            return await consumer.position(tp)
        finally:
            await consumer.stop()

    assert asyncio.run(position_after_seek()) == (0 if fixed else 5)
