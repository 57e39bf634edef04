"""Probes of a running pipeline, read from the broker, for chaos, the drills and the tests: a key
counter over output topics, offset audits (committed offsets, each input's offset, committed inputs
whose outputs are missing), and cluster state (partition leaders, in-sync replicas, group members).
"""

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.reader import read_to_end, wait_for_partitions


class KeyCounter:
    """Counts the keys arriving on some topics, from their beginning, in a background thread.

    The consumer is a plain aiokafka one (no group): it survives broker restarts by itself, and
    one that fails anyway is replaced (a silently dead counter would look like lost articles).
    """

    def __init__(
        self, bootstrap: str, topics: Sequence[str], security: Mapping[str, Any] | None = None
    ) -> None:
        self.bootstrap = bootstrap
        self.security = security or {}
        self.topics = list(topics)
        self.counts: dict[str, Counter[str]] = {t: Counter() for t in topics}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="key-counter", daemon=True)

    def __enter__(self) -> "KeyCounter":
        self._thread.start()
        if not self._ready.wait(60):
            raise TimeoutError(f"could not subscribe to {self.topics} on {self.bootstrap}")
        if self._error:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def distinct(self, topic: str) -> set[str]:
        return set(self.counts[topic].copy())

    def snapshot(self, topic: str) -> Counter[str]:
        return self.counts[topic].copy()

    @property
    def errors(self) -> list[str]:
        """Client errors the counter recovered from (it reconnects and resumes where it was)."""
        return list(self._errors)

    def _run(self) -> None:
        try:
            asyncio.run(self._consume())
        except BaseException as exc:  # reported to the caller by __enter__ or seen as no progress
            self._error = exc
            self._ready.set()

    async def _consume(self) -> None:
        """Count until stopped; a failing consumer is replaced and resumes at the next offsets."""
        positions: dict[TopicPartition, int] = {}
        while not self._stop.is_set():
            consumer = AIOKafkaConsumer(
                **self.security, bootstrap_servers=self.bootstrap, enable_auto_commit=False
            )
            try:
                await consumer.start()
                tps = []
                for topic in self.topics:
                    partitions = await wait_for_partitions(self.bootstrap, topic, 30.0, self.security)
                    tps += [TopicPartition(topic, p) for p in partitions]
                consumer.assign(tps)
                for tp in tps:
                    if tp in positions:
                        consumer.seek(tp, positions[tp])
                    else:
                        await consumer.seek_to_beginning(tp)
                self._ready.set()
                while not self._stop.is_set():
                    batch = await consumer.getmany(timeout_ms=500)
                    for tp, records in batch.items():
                        counts = self.counts[tp.topic]
                        for record in records:
                            if record.key is not None:
                                counts[record.key.decode()] += 1
                        if records:
                            positions[tp] = records[-1].offset + 1
            except LookupError:
                raise  # a topic that does not exist: the caller's mistake, not a fault to ride out
            except Exception as exc:  # noqa: BLE001 - e.g. a fetch error while the cluster fails over
                self._errors.append(repr(exc))
                await asyncio.sleep(1.0)
            finally:
                await consumer.stop()


async def committed_offsets(
    bootstrap: str, group: str, topic: str, security: Mapping[str, Any] | None = None
) -> dict[int, int]:
    """The consumer group's committed offset (the next one it reads) per partition of `topic`."""
    admin = AIOKafkaAdminClient(**(security or {}), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def key_offsets(
    bootstrap: str, topic: str, security: Mapping[str, Any] | None = None
) -> dict[str, tuple[int, int]]:
    """Key -> (partition, offset) of every record of `topic` up to its end offsets now (the last one
    for a repeated key; records produced meanwhile are left out)."""
    return {
        r.key.decode(): (r.partition, r.offset)
        async for r in read_to_end(bootstrap, topic, security=security)
        if r.key is not None
    }


def committed_without_output(
    origin: dict[str, tuple[int, int]], committed: dict[int, int], published: Iterable[str]
) -> set[str]:
    """Input ids whose offset is committed but whose output is not on the broker: a commit-order bug."""
    below = {i for i, (p, off) in origin.items() if off < committed.get(p, 0)}
    return below - set(published)


def outputs_missing_for_committed(
    seen: "KeyCounter",
    topics: Sequence[str],
    origin: dict[str, tuple[int, int]],
    committed: dict[int, int],
    wait_s: float = 5.0,
) -> set[str]:
    """Committed input ids missing from any of the output `topics`, once the counter has caught up."""
    deadline = time.monotonic() + wait_s
    while True:
        missing = set().union(
            *(committed_without_output(origin, committed, seen.distinct(t)) for t in topics)
        )
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.25)


async def leaders(bootstrap: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> leader node id (-1: none) as the cluster's metadata says now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
        return {(t["topic"], p["partition"]): p["leader"] for t in described for p in t["partitions"]}
    finally:
        await admin.close()


async def in_sync(bootstrap: str, topics: Sequence[str], replicas: int) -> bool:
    """Every partition has a leader and `replicas` in-sync replicas (no under-replicated partition)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
        return all(p["leader"] >= 0 and len(p["isr"]) >= replicas for t in described for p in t["partitions"])
    finally:
        await admin.close()


async def group_members(bootstrap: str, group: str) -> tuple[str, int, int]:
    """(state, members, members with an assignment) of a consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        g = response.to_object()["groups"][0]
        return g["state"], len(g["members"]), sum(1 for m in g["members"] if m["member_assignment"])
    finally:
        await admin.close()
