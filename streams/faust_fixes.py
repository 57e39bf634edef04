"""Fixes for faust-streaming: a commit past a message never processed; records dropped at a rebalance
in a partition with nothing committed; a producer not idempotent.

`Consumer._new_offset` refuses to commit over a gap at the head of the acked offsets only when
`min(acked) - committed > 1`; but the committed offset is the *next* offset to read, so a single
un-acked message (e.g. one whose delivery was cancelled while flow was suspended for a rebalance)
is committed over and lost. The correct condition is `min(acked) > committed`.

At a rebalance Faust throws away the records it has fetched but not yet delivered (flow stopped,
generation changed) and relies on "Seek stream partitions to committed offsets" to fetch them
again. aiokafka's `seek_to_committed` seeks only where the committed offset is above 0, so in a
partition where nothing is committed yet (a new consumer group, a new or quiet partition) the
fetch position stays past the dropped records: they were never processed, and once later offsets
are acknowledged they are committed over. Seen in the three-broker drills: two workers joining a
new group left 6 of 16 warm-up articles unprocessed. Fixed by seeking such partitions to where the
consumer would start without a commit (`auto_offset_reset`): the beginning, for ours.

Applied on import of the app; remove each when faust-streaming / aiokafka fix it.
"""

import logging
from collections.abc import Collection
from typing import Any

from aiokafka import AIOKafkaConsumer
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Producer

log = logging.getLogger(__name__)

_original_new_offset = Consumer._new_offset


def _new_offset_without_skipping(self: Any, tp: Any) -> int | None:
    acked = self._acked[tp]
    committed = self._committed_offset[tp]
    if acked and committed is not None and min(acked) > committed and not self._gap[tp].overlaps(committed):
        return None  # offset `committed` was neither acknowledged nor a known gap: wait for it
    result: int | None = _original_new_offset(self, tp)
    return result


_original_settings_extra = Producer._settings_extra


def _idempotent_settings_extra(self: Any) -> Any:
    """Faust makes its producer idempotent only in transactions; ours always is (acks=all stays):
    a retried send after a leader change is then never written twice nor out of order."""
    return {**_original_settings_extra(self), "enable_idempotence": True}


async def seek_to_committed_or_reset(
    consumer: AIOKafkaConsumer, reset: str, changelogs: Collection[str] = ()
) -> dict[Any, int | None]:
    """Every assigned partition to its committed offset, or (nothing committed) to `reset`'s end.

    The reset offset is looked up and sought at once: a partition left awaiting a lazy reset has
    no position, which Faust's livelock detector reads (and crashes on). Table changelogs keep
    aiokafka's rule: Faust's recovery positions them itself.
    """
    committed: dict[Any, int | None] = {}
    uncommitted = []
    for tp in consumer.assignment():
        offset = await consumer.committed(tp)
        committed[tp] = offset
        if tp.topic in changelogs:
            if offset is not None and offset > 0:
                consumer.seek(tp, offset)
        elif offset is not None and offset >= 0:
            consumer.seek(tp, offset)
        else:
            uncommitted.append(tp)
    if uncommitted:
        try:
            lookup = consumer.end_offsets if reset == "latest" else consumer.beginning_offsets
            for tp, offset in (await lookup(uncommitted)).items():
                consumer.seek(tp, offset)
        except Exception as exc:  # noqa: BLE001 - a broker failing over: keep aiokafka's behaviour
            log.warning("uncommitted partitions %s not sought to their start: %r", uncommitted, exc)
    return committed


async def _seek_to_committed(self: Any) -> Any:
    reset = self.app.conf.consumer_auto_offset_reset
    changelogs = set(self.app.tables.changelog_topics)
    return await self.call_thread(seek_to_committed_or_reset, self._ensure_consumer(), reset, changelogs)


def apply() -> None:
    Consumer._new_offset = _new_offset_without_skipping  # type: ignore[method-assign]
    AIOKafkaConsumerThread.seek_to_committed = _seek_to_committed  # type: ignore[method-assign]
    Producer._settings_extra = _idempotent_settings_extra  # type: ignore[method-assign]
