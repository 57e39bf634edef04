"""The Faust fix on the real broker: a rebalance in a partition with nothing committed fetches again
what it had fetched and dropped (the unit tests of the fixes are in tests/test_faust_fixes.py)."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams import faust_fixes

pytestmark = pytest.mark.kafka


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
            # A position at once, not a pending reset: Faust's livelock detector reads it right
            # after the seek and crashes on a partition without one (seen in the drills).
            state = consumer._subscription.subscription.assignment.state_value(tp)  # noqa: SLF001
            assert state.has_valid_position
            return await consumer.position(tp)
        finally:
            await consumer.stop()

    assert asyncio.run(position_after_seek()) == (0 if fixed else 5)
