"""Operate the dead-letter topic: summarise what is there, re-inject it into the raw topic after a fix."""

import asyncio
import base64
import binascii
from collections import Counter
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.record.memory_records import MemoryRecords

from schemas import DeadLetter
from schemas.codec import DecodeError, decode
from streams.reader import TopicNotFound, tail
from streams.security import client_security
from streams.settings import Settings

EXAMPLES_PER_TYPE = 3


@dataclass(frozen=True)
class DeadLetterExample:
    """One dead letter, located: where it sits on the dead-letter topic and where it came from."""

    offset: int
    partition: int
    letter: DeadLetter


@dataclass
class DeadLetterSummary:
    """Counts by error_type and a few examples of each, with their origin."""

    topic: str
    total: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[DeadLetterExample]] = field(default_factory=dict)
    unreadable: int = 0  # records on the dead-letter topic that are not DeadLetter messages

    def render(self) -> str:
        """Readable text for `newsfeed dlq list`."""
        if not self.total and not self.unreadable:
            return f"{self.topic}: no dead letters"
        lines = [f"{self.topic}: {self.total} dead letter(s)"]
        for error_type, n in self.counts.most_common():
            lines.append(f"  {error_type:<24} {n:>6}")
            for ex in self.examples.get(error_type, []):
                o = ex.letter.origin
                lines.append(
                    f"    {o.topic}[{o.partition}]@{o.offset} key={o.key!r} "
                    f"at {ex.letter.received_at.isoformat()}: {_shorten(ex.letter.message)}"
                )
        if self.unreadable:
            lines.append(f"  ({self.unreadable} record(s) on the topic are not DeadLetter messages)")
        return "\n".join(lines)


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _read_letters(
    settings: Settings, timeout: float
) -> list[tuple[bytes | None, DeadLetterExample | None]]:
    """(Kafka key, letter) of every record of the dead-letter topic, None for a record that is not one.

    Reads from the beginning until `timeout` s pass without a new record.
    """
    out: list[tuple[bytes | None, DeadLetterExample | None]] = []
    try:
        async for record in tail(
            settings.broker,
            settings.topic_deadletter,
            from_beginning=True,
            timeout=timeout,
            security=client_security(settings),
        ):
            try:
                letter = decode(record.value, DeadLetter)
            except DecodeError:
                out.append((record.key, None))
                continue
            out.append((record.key, DeadLetterExample(record.offset, record.partition, letter)))
    except TopicNotFound:
        return []
    return out


async def summarize_dead_letters(settings: Settings, *, timeout: float = 3.0) -> DeadLetterSummary:
    summary = DeadLetterSummary(topic=settings.topic_deadletter)
    for _, ex in await _read_letters(settings, timeout):
        if ex is None:
            summary.unreadable += 1
            continue
        summary.total += 1
        summary.counts[ex.letter.error_type] += 1
        examples = summary.examples.setdefault(ex.letter.error_type, [])
        if len(examples) < EXAMPLES_PER_TYPE:
            examples.append(ex)
    return summary


def list_dead_letters(settings: Settings, *, timeout: float = 3.0) -> DeadLetterSummary:
    """Read the whole dead-letter topic; `timeout` is the quiet time that marks its end."""
    return asyncio.run(summarize_dead_letters(settings, timeout=timeout))


async def republish_dead_letters(
    settings: Settings, *, error_types: set[str] | None = None, dry_run: bool = False, timeout: float = 3.0
) -> int:
    """Send the original bytes of every matching dead letter to the raw topic under its original key.

    Stateless: every matching letter on the topic is re-injected each time. That is safe because the
    pipeline is idempotent by article id; a letter that still fails is dead-lettered again.
    """
    chosen: list[tuple[bytes | None, bytes]] = []
    for key, ex in await _read_letters(settings, timeout):
        if ex is None or (error_types is not None and ex.letter.error_type not in error_types):
            continue
        try:
            payload = base64.b64decode(ex.letter.payload_b64, validate=True)
        except (binascii.Error, ValueError):
            continue  # not produced by our worker; nothing faithful to re-inject
        if ex.letter.error_type == "undecodable":  # a whole record batch: re-inject its messages
            chosen += _batch_messages(payload)
            continue
        # The dead letter's Kafka key is the original key byte for byte (origin.key is a lossy rendering).
        original_key = key if key is not None else _origin_key(ex.letter)
        chosen.append((original_key, payload))
    if dry_run or not chosen:
        return len(chosen)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.broker, enable_idempotence=True, acks="all", **client_security(settings)
    )
    await producer.start()
    try:
        futures = [await producer.send(settings.topic_raw, value=value, key=key) for key, value in chosen]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(chosen)


def _batch_messages(batch: bytes) -> list[tuple[bytes | None, bytes]]:
    """The messages of an undecodable batch, decoded here (where its codec is installed), or none."""
    try:
        records = MemoryRecords(batch).next_batch()
        return [(r.key, r.value) for r in records or () if r.value is not None]
    except Exception:  # noqa: BLE001 - still undecodable here: nothing faithful to re-inject
        return []


def _origin_key(letter: DeadLetter) -> bytes | None:
    return letter.origin.key.encode() if letter.origin.key is not None else None


def replay_dead_letters(
    settings: Settings, *, error_types: set[str] | None = None, dry_run: bool = False, timeout: float = 3.0
) -> int:
    """Re-inject dead letters (all, or those of `error_types`) into the raw topic; returns how many."""
    return asyncio.run(
        republish_dead_letters(settings, error_types=error_types, dry_run=dry_run, timeout=timeout)
    )
