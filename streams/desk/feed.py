"""The desk's Kafka side: alerts, enriched articles and acknowledgements in; acknowledgements out.

Each desk reads every partition (it is a view, not a share of the work): partitions are assigned,
not balanced, under the consumer group `{app_id}-desk`, whose committed positions show the desk's
lag. At start it reads the alerts and articles of the last NEWSFEED_DESK_HISTORY_S and the whole
compacted acknowledgement topic, so a restarted desk shows what it showed before.
"""

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from schemas import Alert, AlertAck, EnrichedArticle
from schemas.codec import DecodeError, decode, encode
from streams.desk.view import DeskView
from streams.security import client_security
from streams.settings import Settings

log = logging.getLogger(__name__)

COMMIT_EVERY_S = 10.0


class DeskFeed:
    def __init__(self, settings: Settings, view: DeskView) -> None:
        self.settings, self.view = settings, view
        self.consumer = AIOKafkaConsumer(
            **client_security(settings),
            bootstrap_servers=settings.broker,
            group_id=f"{settings.app_id}-desk",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=settings.max_output_bytes,
            fetch_max_bytes=max(settings.max_output_bytes, 52_428_800),
        )
        self.producer = AIOKafkaProducer(
            **client_security(settings),
            bootstrap_servers=settings.broker,
            acks="all",
            enable_idempotence=True,
        )
        self._models: dict[str, type[Alert] | type[EnrichedArticle] | type[AlertAck]] = {
            settings.topic_alerts: Alert,
            settings.topic_enriched: EnrichedArticle,
            settings.topic_alert_acks: AlertAck,
        }

    async def start(self) -> None:
        """Assign every partition and seek to the history window; returns once reading can begin."""
        tps = await topic_partitions(self.settings, list(self._models))
        await self.consumer.start()
        await self.producer.start()
        self.consumer.assign(tps)
        since_ms = int((time.time() - self.settings.desk_history_s) * 1000)
        timed = [tp for tp in tps if tp.topic != self.settings.topic_alert_acks]
        offsets = await self.consumer.offsets_for_times(dict.fromkeys(timed, since_ms))
        for tp, found in offsets.items():
            if found is None:
                await self.consumer.seek_to_end(tp)  # nothing that recent: only what comes next
            else:
                self.consumer.seek(tp, found.offset)
        await self.consumer.seek_to_beginning(*[tp for tp in tps if tp not in offsets])

    async def run(self) -> None:
        last_commit = time.monotonic()
        while True:
            batch = await self.consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    self._apply(record)
            if time.monotonic() - last_commit > COMMIT_EVERY_S:
                last_commit = time.monotonic()
                with contextlib.suppress(KafkaError):  # only the lag report misses a beat
                    await self.consumer.commit()

    def _apply(self, record: object) -> None:
        topic = record.topic  # type: ignore[attr-defined]
        try:
            message = decode(record.value, self._models[topic])  # type: ignore[attr-defined]
        except DecodeError as exc:
            # The desk only reads: the record stays where it is, and the producers dead-letter theirs.
            log.warning(
                "desk skips %s/%s@%s: %s",
                topic,
                record.partition,  # type: ignore[attr-defined]
                record.offset,  # type: ignore[attr-defined]
                exc.message,
            )
            return
        if isinstance(message, Alert):
            self.view.add_alert(message)
        elif isinstance(message, EnrichedArticle):
            self.view.add_article(message)
        else:
            self.view.add_ack(message)

    async def publish_ack(self, ack: AlertAck) -> None:
        """Store the change in the compacted topic (acks=all), then show it at once on this desk."""
        await self.producer.send_and_wait(
            self.settings.topic_alert_acks, key=ack.alert_id.encode(), value=encode(ack)
        )
        self.view.add_ack(ack)

    async def stop(self) -> None:
        with contextlib.suppress(KafkaError):
            await self.consumer.commit()
        await self.consumer.stop()
        await self.producer.stop()


async def topic_partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics (they exist: the desk creates missing ones first)."""
    admin = AIOKafkaAdminClient(**client_security(settings), bootstrap_servers=settings.broker)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        for p in sorted(t["partitions"], key=lambda p: p["partition"])
    ]


async def run_feed(feed: DeskFeed) -> None:
    """The read loop, restarted after a broker error so the desk outlives a broker restart."""
    while True:
        try:
            await feed.run()
        except KafkaError as exc:
            log.warning("desk feed: %r; reading again in 2 s", exc)
            await asyncio.sleep(2.0)
