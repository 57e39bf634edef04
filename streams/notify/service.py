"""The notify consumer: each alert of `news.alerts` to every webhook that wants it, then commit.

Consumer group `{app_id}-notify` (several processes share the partitions). Within a partition,
alerts go in order; an alert's offset is committed only once every webhook that wants it answered
2xx or the alert is on the notify dead-letter topic (acks=all) with the reason. A crash before the
commit re-sends that alert: receivers deduplicate on the Idempotency-Key (the alert_id).
"""

import asyncio
import base64
import contextlib
import logging
import signal
from collections import OrderedDict
from datetime import UTC, datetime
from functools import partial

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from schemas import Alert, DeadLetter, Origin, WebhookDeadLetter
from schemas.codec import DecodeError, decode, encode
from streams.notify.delivery import deliver
from streams.notify.payloads import body_for, wants
from streams.retry import until_delivered
from streams.security import client_security
from streams.settings import Settings, Webhook

log = logging.getLogger(__name__)

REMEMBERED = 10_000  # (webhook, alert_id) pairs delivered: a re-published alert is not posted twice


class Notifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.consumer = AIOKafkaConsumer(
            settings.topic_alerts,
            **client_security(settings),
            bootstrap_servers=settings.broker,
            group_id=f"{settings.app_id}-notify",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.producer = AIOKafkaProducer(
            **client_security(settings),
            bootstrap_servers=settings.broker,
            acks="all",
            enable_idempotence=True,
        )
        self._done: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        await self.producer.start()
        await self.consumer.start()
        self.http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self.consumer.stop()
        await self.producer.stop()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                batch = await self.consumer.getmany(timeout_ms=500)
            except KafkaError as exc:
                log.warning("notify: reading alerts failed (%r); again in 2 s", exc)
                await asyncio.sleep(2.0)
                continue
            # Partitions in parallel (a slow webhook holds back only its partition), each in order.
            await asyncio.gather(*(self._partition(tp, records) for tp, records in batch.items()))

    async def _partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        for record in records:
            await self.handle(record)
            try:
                await self.consumer.commit({tp: record.offset + 1})
            except CommitFailedError:
                log.warning("partition %s moved to another notifier: it re-sends from its commit", tp)
                return

    async def handle(self, record: ConsumerRecord) -> None:
        """Deliver one alert to every webhook that wants it, or dead-letter it; returns when settled."""
        origin = Origin(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        )
        try:
            alert = decode(record.value, Alert)
        except DecodeError as exc:
            letter = DeadLetter(
                error_type=exc.error_type,
                message=f"not an alert: {exc.message}",
                origin=origin,
                received_at=datetime.now(UTC),
                payload_b64=base64.b64encode(record.value or b"").decode("ascii"),
            )
            # Not an alert: the general dead-letter topic (one schema per topic), with its origin.
            await self._dead_letter(
                self.settings.topic_deadletter, origin.key, encode(letter), f"undecodable alert at {origin}"
            )
            return
        targets = [w for w in self.settings.notify_webhooks if wants(w, alert)]
        await asyncio.gather(*(self._one(w, alert, origin) for w in targets))

    async def _one(self, webhook: Webhook, alert: Alert, origin: Origin) -> None:
        if (webhook.name, alert.alert_id) in self._done:
            return
        assert self.http is not None
        body = body_for(webhook, alert, self.settings.desk_public_url)
        outcome = await deliver(self.http, webhook, alert, body, self.settings)
        if not outcome.delivered:
            letter = WebhookDeadLetter(
                webhook=webhook.name,
                error_type=outcome.error_type or "connection",
                reason=outcome.reason or "not delivered",
                tries=outcome.tries,
                first_try_at=outcome.first_try_at,
                dead_lettered_at=datetime.now(UTC),
                origin=origin,
                alert=alert,
            )
            await self._dead_letter(
                self.settings.topic_notify_deadletter,
                alert.alert_id,
                encode(letter),
                f"alert {alert.alert_id} for {webhook.name}",
            )
            log.error(
                "webhook %s: alert %s dead-lettered after %d tries: %s",
                webhook.name,
                alert.alert_id,
                outcome.tries,
                outcome.reason,
            )
        self._done[(webhook.name, alert.alert_id)] = None
        while len(self._done) > REMEMBERED:
            self._done.popitem(last=False)

    async def _dead_letter(self, topic: str, key: str | None, value: bytes, what: str) -> None:
        send = partial(self.producer.send_and_wait, topic, value=value, key=key.encode() if key else None)

        async def attempt() -> None:
            await send()

        await until_delivered(attempt, f"notify dead letter ({what})")


async def run_notify(settings: Settings) -> None:
    """Until SIGINT / SIGTERM; the alert in flight is settled (bounded by NEWSFEED_SHUTDOWN_TIMEOUT_S)."""
    from streams.topics import ensure_topics

    await ensure_topics(settings)
    notifier = Notifier(settings)
    await notifier.start()
    names = ", ".join(f"{w.name} ({w.format}, >= {w.min_level})" for w in settings.notify_webhooks)
    print(f"notify: {len(settings.notify_webhooks)} webhook(s): {names}; Ctrl-C to stop", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(notifier.run(stop))
    try:
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if task.done():
            task.result()  # the loop failed: raise its error (exit non-zero), nothing committed past it
        try:
            await asyncio.wait_for(asyncio.shield(task), settings.shutdown_timeout_s)
        except TimeoutError:
            log.warning("notify: stopping with an alert unsettled; it is re-sent on the next start")
            task.cancel()
    finally:
        with contextlib.suppress(asyncio.CancelledError, KafkaError):
            await task
        await notifier.stop()
