"""Fixes for faust-streaming: a commit past a message never processed; a producer not idempotent.

`Consumer._new_offset` refuses to commit over a gap at the head of the acked offsets only when
`min(acked) - committed > 1`; but the committed offset is the *next* offset to read, so a single
un-acked message (e.g. one whose delivery was cancelled while flow was suspended for a rebalance)
is committed over and lost. The correct condition is `min(acked) > committed`. Applied on import
of the app; remove when faust-streaming fixes `_new_offset`.
"""

from typing import Any

from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import Producer

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


def apply() -> None:
    Consumer._new_offset = _new_offset_without_skipping  # type: ignore[method-assign]
    Producer._settings_extra = _idempotent_settings_extra  # type: ignore[method-assign]
