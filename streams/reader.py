"""The one topic reader: every record of a topic's partitions (waiting for the topic to exist), with
the public aiokafka API only; `newsfeed tail`, dlq, reprocess, status, the story index, the probes,
the demo and the tests read topics through it."""

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka import errors as Errors
from aiokafka.admin import AIOKafkaAdminClient


class TopicNotFound(LookupError):
    pass


async def tail(
    bootstrap: str,
    topic: str,
    *,
    from_beginning: bool = False,
    count: int | None = None,
    timeout: float | None = None,
    security: Mapping[str, Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield records from every partition; stop after `count` records or `timeout` s without one.

    `security`: streams.security.client_security of the settings (None: PLAINTEXT).
    """
    consumer = await _reader(bootstrap, security)
    try:
        tps = await _assign_every_partition(consumer, topic, timeout, bootstrap, security)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        seen = 0
        while count is None or seen < count:
            batch = await consumer.getmany(timeout_ms=int((timeout or 3600) * 1000))
            if not batch:
                return
            for records in batch.values():
                for record in records:
                    yield record
                    seen += 1
                    if count is not None and seen >= count:
                        return
    finally:
        await consumer.stop()


async def _reader(bootstrap: str, security: Mapping[str, Any] | None) -> AIOKafkaConsumer:
    """A started group-less consumer that commits nothing: tail and read_to_end only look."""
    consumer = AIOKafkaConsumer(**(security or {}), bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    return consumer


async def _assign_every_partition(
    consumer: AIOKafkaConsumer,
    topic: str,
    timeout: float | None,
    bootstrap: str,
    security: Mapping[str, Any] | None,
) -> list[TopicPartition]:
    """Assign every partition of the topic (waiting for it to exist), in partition order."""
    partitions = await wait_for_partitions(bootstrap, topic, timeout, security)
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    return tps


async def wait_for_partitions(
    bootstrap: str, topic: str, timeout: float | None = None, security: Mapping[str, Any] | None = None
) -> set[int]:
    """The topic's partitions; it may not exist yet when a reader starts before the worker: wait for it.

    TopicNotFound after `timeout` s (default 30); TopicAuthorizationFailedError at once when the
    broker denies us the topic (an ACL).
    """
    deadline = time.monotonic() + (timeout if timeout is not None else 30.0)
    admin = AIOKafkaAdminClient(**(security or {}), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        while True:
            partitions = await partitions_of(admin, topic, may_be_denied="sasl_mechanism" in (security or {}))
            if partitions:
                return partitions
            if time.monotonic() > deadline:
                raise TopicNotFound(f"topic '{topic}' does not exist on the broker")
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def partitions_of(admin: AIOKafkaAdminClient, topic: str, *, may_be_denied: bool = False) -> set[int]:
    """The topic's partitions (empty: it does not exist), from the metadata of every topic we may see,
    which never auto-creates one (a request naming the topic would, on a broker that allows it).

    A broker leaves a topic we may not describe out of that list. `may_be_denied` (an authenticated
    client, so the broker may have ACLs): a topic missing from it is asked for by name, to tell
    "denied" (TopicAuthorizationFailedError) from "not there".
    """
    for meta in await admin.describe_topics():
        if meta["topic"] == topic and meta["error_code"] == 0:
            return {p["partition"] for p in meta["partitions"]}
    if may_be_denied:
        for meta in await admin.describe_topics([topic]):
            if (
                meta["topic"] == topic
                and Errors.for_code(meta["error_code"]) is Errors.TopicAuthorizationFailedError
            ):
                raise Errors.TopicAuthorizationFailedError(topic)
    return set()


async def read_to_end(
    bootstrap: str, topic: str, *, timeout: float = 30.0, security: Mapping[str, Any] | None = None
) -> AsyncIterator[Any]:
    """Every record now on the topic, oldest first per partition, then stop (at the end offsets
    read at the start: records produced meanwhile are left for the next run).

    `security`: streams.security.client_security of the settings (None: PLAINTEXT).
    """
    consumer = await _reader(bootstrap, security)
    try:
        tps = await _assign_every_partition(consumer, topic, timeout, bootstrap, security)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if ends[tp] > await consumer.position(tp)}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=int(timeout * 1000))
            if not batch:
                raise TimeoutError(f"no record from '{topic}' in {timeout:.0f} s before its end")
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp]:
                        yield record
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
