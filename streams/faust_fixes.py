"""A fix for a faust-streaming bug that can commit past a message that was never processed.

`Consumer._new_offset` refuses to commit over a gap at the head of the acked offsets only when
`min(acked) - committed > 1`; but the committed offset is the *next* offset to read, so a single
un-acked message (e.g. one whose delivery was cancelled while flow was suspended for a rebalance)
is committed over and lost. The correct condition is `min(acked) > committed`. Applied on import
of the app; remove when faust-streaming fixes `_new_offset`.
"""

from typing import Any

from faust.transport.consumer import Consumer

_original_new_offset = Consumer._new_offset


def _new_offset_without_skipping(self: Any, tp: Any) -> int | None:
    acked = self._acked[tp]
    committed = self._committed_offset[tp]
    if acked and committed is not None and min(acked) > committed and not self._gap[tp].overlaps(committed):
        return None  # offset `committed` was neither acknowledged nor a known gap: wait for it
    result: int | None = _original_new_offset(self, tp)
    return result


def apply() -> None:
    Consumer._new_offset = _new_offset_without_skipping  # type: ignore[method-assign]
