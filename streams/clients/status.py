"""`newsfeed status`: a running deployment as the broker sees it, for operators without Prometheus.

Each topic's offsets, each consumer group's lag per partition, and the dead letters of the last hour
by error type, all read from the broker (not from the workers' metrics), so it also works when every
worker is down: then the lag shows what is waiting.
"""

import asyncio
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from schemas import DeadLetter
from schemas.codec import DecodeError, decode
from streams.offsets import PartitionOffsets, close_clients, read_offsets
from streams.reader import partitions_of
from streams.security import client_security
from streams.settings import TOPIC_FIELDS, Settings

DEAD_LETTER_WINDOW_S = 3600.0


class StatusError(RuntimeError):
    """The broker cannot be asked; the message says which and why."""


@dataclass
class GroupStatus:
    group: str
    role: str
    topic: str
    state: str
    members: int
    partitions: list[PartitionOffsets]

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)


@dataclass
class Status:
    broker: str
    at: datetime
    topics: dict[str, list[PartitionOffsets]]  # topic -> partitions; empty list: the topic is missing
    groups: list[GroupStatus]
    dead_letter_topic: str
    dead_letters: Counter[str] = field(default_factory=Counter)
    unreadable_dead_letters: int = 0

    def render(self) -> str:
        lines = [f"broker {self.broker} at {self.at.isoformat(timespec='seconds')}", "", "topics"]
        lines.append(f"  {'topic':<44} {'partition':>9} {'start':>10} {'end':>10}")
        for topic, parts in self.topics.items():
            if not parts:
                lines.append(f"  {topic:<44} {'(missing)':>9}")
            for p in parts:
                lines.append(f"  {topic:<44} {p.partition:>9} {p.start:>10} {p.end:>10}")
        for g in self.groups:
            lines += [
                "",
                f"consumer group {g.group} ({g.role}, reads {g.topic}): {g.state}, {g.members} member(s)",
            ]
            lines.append(f"  {'partition':>9} {'committed':>10} {'end':>10} {'lag':>10}")
            for p in g.partitions:
                committed = "-" if p.committed is None else str(p.committed)
                lines.append(f"  {p.partition:>9} {committed:>10} {p.end:>10} {p.lag:>10}")
            lines.append(f"  total lag {g.lag}")
        window_min = int(DEAD_LETTER_WINDOW_S // 60)
        total = sum(self.dead_letters.values())
        lines += ["", f"dead letters in the last {window_min} min ({self.dead_letter_topic}): {total}"]
        for error_type, n in self.dead_letters.most_common():
            lines.append(f"  {error_type:<24} {n:>6}")
        if self.unreadable_dead_letters:
            lines.append(f"  ({self.unreadable_dead_letters} record(s) are not DeadLetter messages)")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "at": self.at.isoformat(),
            "topics": {t: [asdict(p) for p in parts] for t, parts in self.topics.items()},
            "groups": [
                {**{k: v for k, v in asdict(g).items() if k != "partitions"}, "lag": g.lag}
                | {"partitions": [asdict(p) | {"lag": p.lag} for p in g.partitions]}
                for g in self.groups
            ],
            "dead_letters_last_hour": dict(self.dead_letters),
            "unreadable_dead_letters": self.unreadable_dead_letters,
        }


def consumer_groups(settings: Settings) -> list[tuple[str, str, str]]:
    """(group id, role, input topic) of the three apps (streams/app.py, lane.py, alerter.py)."""
    return [
        (settings.app_id, "enrichment", settings.topic_raw),
        (f"{settings.app_id}-lane", "alert lane", settings.topic_raw),
        (f"{settings.app_id}-alerts", "alerter", settings.topic_alert_candidates),
    ]


async def read_status(settings: Settings, timeout_s: float = 10.0) -> Status:
    security = client_security(settings)
    ms = int(timeout_s * 1000)
    admin = AIOKafkaAdminClient(**security, bootstrap_servers=settings.broker, request_timeout_ms=ms)
    consumer = AIOKafkaConsumer(
        **security,
        bootstrap_servers=settings.broker,
        enable_auto_commit=False,
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        await asyncio.wait_for(asyncio.gather(admin.start(), consumer.start()), timeout_s)
    except (TimeoutError, KafkaError, OSError) as exc:
        await close_clients(admin, consumer)
        raise StatusError(f"cannot reach the broker at {settings.broker} ({exc!r}); is it running?") from None
    try:
        tps_of = {
            name: [TopicPartition(name, p) for p in sorted(await partitions_of(admin, name))]
            for name in (getattr(settings, f) for f in TOPIC_FIELDS)
        }
        topics: dict[str, list[PartitionOffsets]] = {}
        for name, tps in tps_of.items():
            starts = await consumer.beginning_offsets(tps) if tps else {}
            ends = await consumer.end_offsets(tps) if tps else {}
            topics[name] = [
                PartitionOffsets(tp.topic, tp.partition, None, starts[tp], ends[tp]) for tp in tps
            ]
        groups = []
        for group, role, topic in consumer_groups(settings):
            state, members = await _describe_group(admin, group)
            groups.append(
                GroupStatus(
                    group=group,
                    role=role,
                    topic=topic,
                    state=state,
                    members=members,
                    partitions=await read_offsets(admin, consumer, group, tps_of.get(topic, [])),
                )
            )
        status = Status(
            broker=settings.broker,
            at=datetime.now(UTC),
            topics=topics,
            groups=groups,
            dead_letter_topic=settings.topic_deadletter,
        )
        await _count_recent_dead_letters(consumer, tps_of.get(settings.topic_deadletter, []), status)
        return status
    finally:
        await close_clients(admin, consumer)


async def _describe_group(admin: AIOKafkaAdminClient, group: str) -> tuple[str, int]:
    """(state, members) of a group; one group per request, as aiokafka 0.14 cannot always decode more."""
    try:
        (response,) = await admin.describe_consumer_groups([group])
        described = response.to_object()["groups"][0]
    except Exception:  # noqa: BLE001 - the state is informative; offsets and lag still come
        return "unknown", 0
    return described["state"] or "unknown", len(described["members"])


async def _count_recent_dead_letters(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], status: Status
) -> None:
    """Count by error_type the dead letters whose record timestamp is within the window."""
    if not tps:
        return
    since_ms = int((time.time() - DEAD_LETTER_WINDOW_S) * 1000)
    found = await consumer.offsets_for_times(dict.fromkeys(tps, since_ms))
    ends = await consumer.end_offsets(tps)
    todo = {tp: ends[tp] for tp, at in found.items() if at is not None and at.offset < ends[tp]}
    if not todo:
        return
    consumer.assign(list(todo))
    for tp, at in found.items():
        if tp in todo and at is not None:
            consumer.seek(tp, at.offset)
    while todo:
        batch = await consumer.getmany(*todo, timeout_ms=2000)
        if not batch:
            break  # nothing more arrives: the end offsets were compacted or deleted under us
        for tp, records in batch.items():
            for record in records:
                if record.offset >= todo.get(tp, 0):
                    continue
                try:
                    status.dead_letters[decode(record.value, DeadLetter).error_type] += 1
                except DecodeError:
                    status.unreadable_dead_letters += 1
            if tp in todo and records and records[-1].offset + 1 >= todo[tp]:
                del todo[tp]
