"""Record batches the consumer cannot decode (codec library missing, corrupt batch) never stop a partition.

aiokafka decodes a fetched batch lazily while iterating it (`PartitionRecords._unpack_records`), and
an `UnsupportedCodecError` or `CorruptRecordException` raised there propagates out of `getmany`:
Faust's consumer dies, and every restart dies again on the same offset. `install()` wraps the batches
of every fetch response (aiokafka's `MemoryRecords` in its fetcher), so a batch that fails to decode
is replaced by one placeholder record per offset it covers (key and value None): the consumer moves
past it in order, every app acknowledges the placeholders like any message, and `take()` tells the
app which offsets they stand for, with the reason and the batch's bytes, so the enrichment app can
dead-letter it (`undecodable`). One log line per batch names topic, partition and offsets.
"""

import base64
import logging
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from aiokafka.consumer import fetcher
from aiokafka.record.memory_records import MemoryRecords

log = logging.getLogger(__name__)

# Placeholders not yet taken by an app; bounded in case a revoked partition never reads its own.
MAX_PENDING = 100_000
_LOG_OVERHEAD = 12  # offset (int64) + length (int32) before every batch, in every message format


@dataclass(frozen=True)
class UndecodableBatch:
    """A batch that could not be decoded: where it is, why, and its bytes as the broker sent them."""

    topic: str
    partition: int
    first_offset: int
    last_offset: int
    reason: str
    payload: bytes

    @property
    def payload_b64(self) -> str:
        return base64.b64encode(self.payload).decode("ascii")

    def describe(self) -> str:
        return (
            f"undecodable record batch on {self.topic} partition {self.partition} "
            f"offsets {self.first_offset}-{self.last_offset}: {self.reason}"
        )


@dataclass(frozen=True)
class Placeholder:
    """What a placeholder record stands for: `first` is the one the batch is dead-lettered on."""

    batch: UndecodableBatch
    first: bool


_pending: "OrderedDict[tuple[str, int, int], Placeholder]" = OrderedDict()
_lock = threading.Lock()  # the Faust consumer fetches in its own thread


def take(topic: str, partition: int, offset: int) -> Placeholder | None:
    """The undecodable batch this message stands for, or None for a real message (removes the entry)."""
    if not _pending:
        return None
    with _lock:
        return _pending.pop((topic, partition, offset), None)


@dataclass(frozen=True)
class _PlaceholderRecord:
    """Shaped like an aiokafka record, so the fetcher turns it into a ConsumerRecord as usual."""

    offset: int
    timestamp: int
    timestamp_type: int = 0
    key: bytes | None = None
    value: bytes | None = None
    checksum: int | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


class _GuardedBatch:
    """One batch of a fetch response; iterating it never raises on content it cannot decode."""

    def __init__(self, batch: Any, payload: bytes, records: "_GuardedRecords") -> None:
        self._batch = batch
        self._payload = payload
        self._owner = records
        self._failure: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._batch, name)

    def validate_crc(self) -> bool:
        try:
            valid = bool(self._batch.validate_crc())
        except Exception as exc:  # noqa: BLE001 - a batch too broken to check is undecodable too
            valid, self._failure = False, f"{type(exc).__name__}: {exc}"
        if not valid and self._failure is None:
            self._failure = "CorruptRecordException: invalid CRC"
        return True  # the placeholders go through; the fetcher must not raise

    def __iter__(self) -> Any:
        if self._failure is None:
            try:
                decoded = list(self._batch)
            except Exception as exc:  # noqa: BLE001 - any codec or framing error of this batch
                self._failure = f"{type(exc).__name__}: {exc}"
            else:
                return iter(decoded)
        return iter(self._placeholders(self._failure))

    def _placeholders(self, reason: str) -> list[_PlaceholderRecord]:
        (header_offset,) = struct.unpack_from(">q", self._payload, 0)
        last = int(self._batch.next_offset) - 1
        first = min(header_offset, last)  # v2: the base offset; v0/v1: the wrapper's (last) offset
        topic, partition = self._owner.topic, self._owner.partition
        batch = UndecodableBatch(topic, partition, first, last, reason, self._payload)
        timestamp = int(getattr(self._batch, "max_timestamp", -1) or -1)
        with _lock:
            for offset in range(first, last + 1):
                _pending[(topic, partition, offset)] = Placeholder(batch, first=offset == first)
            while len(_pending) > MAX_PENDING:
                _pending.popitem(last=False)
        log.error("%s; skipped (the enrichment app dead-letters it as 'undecodable')", batch.describe())
        return [_PlaceholderRecord(offset=o, timestamp=timestamp) for o in range(first, last + 1)]


class _GuardedRecords:
    """aiokafka's MemoryRecords over one partition's fetch response, handing out guarded batches."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._records = MemoryRecords(self._data)
        self._pos = 0
        self.topic, self.partition = "?", -1

    def size_in_bytes(self) -> int:
        return int(self._records.size_in_bytes())

    def has_next(self) -> bool:
        return bool(self._records.has_next())

    def next_batch(self) -> Any:
        start = self._pos
        (length,) = struct.unpack_from(">i", self._data, start + 8)
        self._pos = start + _LOG_OVERHEAD + length
        batch = self._records.next_batch()
        return None if batch is None else _GuardedBatch(batch, self._data[start : self._pos], self)


class _GuardedPartitionRecords(fetcher.PartitionRecords):
    """Tells its guarded records which partition they belong to (for the log line and the dead letter)."""

    def __init__(self, tp: Any, records: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(records, _GuardedRecords):
            records.topic, records.partition = tp.topic, tp.partition
        super().__init__(tp, records, *args, **kwargs)


UNGUARDED = (fetcher.MemoryRecords, fetcher.PartitionRecords)  # aiokafka's own, before install()


def install() -> None:
    """Guard every consumer of this process (idempotent); called when a Faust app is built."""
    fetcher.MemoryRecords = _GuardedRecords
    fetcher.PartitionRecords = _GuardedPartitionRecords
