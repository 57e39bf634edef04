"""Committed offsets, end offsets and lag per topic-partition, read from the broker.

One reader for the workers' lag gauges (streams/metrics.py) and for `newsfeed status`.
"""

import contextlib
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class PartitionOffsets:
    """A group's position in one partition. Without a commit, lag counts from the log start."""

    topic: str
    partition: int
    committed: int | None
    start: int
    end: int

    @property
    def lag(self) -> int:
        position = self.committed if self.committed is not None else self.start
        return max(0, self.end - position)


async def read_offsets(
    admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, group_id: str, tps: list[TopicPartition]
) -> list[PartitionOffsets]:
    """Offsets of `group_id` in `tps`; `consumer` has no group (it only asks for log start and end)."""
    if not tps:
        return []
    committed = await admin.list_consumer_group_offsets(group_id, partitions=tps)
    starts = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    out = []
    for tp in tps:
        meta = committed.get(tp)
        position = meta.offset if meta is not None and meta.offset >= 0 else None
        out.append(PartitionOffsets(tp.topic, tp.partition, position, starts[tp], ends[tp]))
    return out


async def close_clients(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> None:
    """Close both, also when they never started (a broker that was down)."""
    with contextlib.suppress(Exception):
        await consumer.stop()
    with contextlib.suppress(Exception):
        await admin.close()
