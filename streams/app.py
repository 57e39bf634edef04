"""The enrichment app: raw articles in; enriched, archive, dead letters and alert candidates out.

Run with `newsfeed worker` (which also starts the alerter, streams/alerter.py) or
`faust -A streams.app worker -l info`. It holds no table on purpose: faust-streaming's table
recovery resumes stream partitions before seeking them to their committed offsets, and after a
crash that race left a partition of the raw topic unconsumed (see the README); the dedup table
lives in the separate alerter app.

Delivery: at-least-once. A batch's input offsets are acknowledged to Faust (and so committed) only
after every output of the batch has been acknowledged by the broker (acks=all); outputs are keyed
by article id, so a redelivered article overwrites itself downstream (idempotent by key).
"""

import asyncio
import base64
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import faust
from faust.exceptions import ProducerSendError
from faust.types import EventT

from processors.alerts import build_alert
from processors.dedup import story_key
from processors.enrich import Enricher
from processors.errors import UnprocessableArticle
from processors.ids import stable_article_id
from schemas import ArchiveRecord, DeadLetter, EnrichedArticle, Origin, RawArticle
from schemas.codec import DecodeError, decode, encode
from streams import metrics
from streams.faust_app import new_app
from streams.pipeline import build_enricher
from streams.retry import until_delivered
from streams.settings import get_settings

log = logging.getLogger(__name__)
settings = get_settings()

app = new_app(
    settings,
    settings.app_id,
    producer_max_request_size=settings.max_output_bytes,
    stream_wait_empty=True,
)

raw_topic = app.topic(settings.topic_raw)
enriched_topic = app.topic(settings.topic_enriched)
archive_topic = app.topic(settings.topic_archive, compacting=True)
deadletter_topic = app.topic(settings.topic_deadletter)
alerts_topic = app.topic(settings.topic_alerts)
# Candidates are re-keyed by story, so every copy of a story meets the same dedup state.
candidates_topic = app.topic(settings.topic_alert_candidates)
metrics.instrument(app, settings, "enrich", [settings.topic_raw], needs_model=True)


_enricher: Enricher | None = None


def get_enricher() -> Enricher:
    """Load the model and rules once per worker process (slow: done off the event loop)."""
    global _enricher
    if _enricher is None:
        _enricher = build_enricher(settings)
    return _enricher


@app.task
async def declare_topics() -> None:
    """Create output topics up front so subscribers can attach before the first article."""
    for topic in (raw_topic, enriched_topic, archive_topic, deadletter_topic, alerts_topic, candidates_topic):
        await topic.maybe_declare()


@app.agent(raw_topic)
async def enrich_articles(stream: faust.StreamT) -> None:
    loop = asyncio.get_running_loop()
    enricher = await loop.run_in_executor(None, get_enricher)
    log.info("enrichment ready: model %s", enricher.model_name)
    metrics.model_loaded(enricher.nlp)
    # faust-streaming's StreamT stub lacks take_events (Stream has it since 0.10).
    batches = stream.take_events(settings.batch_size, within=settings.batch_within_s)  # type: ignore[attr-defined]
    async for events in batches:
        # Shielded so a shutdown lets the batch finish: take_events acks the batch when we return.
        task = asyncio.ensure_future(process_batch_until_delivered(enricher, events))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            try:
                await asyncio.wait_for(task, timeout=settings.shutdown_timeout_s)
            except TimeoutError:
                # Leaving by any exception lets take_events ack, and Faust commit, the undelivered batch.
                log.error(
                    "batch not delivered %s s into shutdown: exiting uncommitted", settings.shutdown_timeout_s
                )
                os._exit(1)
            raise


async def process_batch_until_delivered(enricher: Enricher, events: Sequence[EventT]) -> None:
    """Retry a batch until the broker has acknowledged all its outputs, however long that takes.

    take_events acks the batch in a `finally` after its `yield`, also when the agent body raises.
    Per-article failures are dead-lettered inside process_batch, so what is retried is the broker.
    """
    with metrics.batch(len(events)):
        await until_delivered(lambda: process_batch(enricher, events), f"batch of {len(events)}")


async def process_batch(enricher: Enricher, events: Sequence[EventT]) -> None:
    """Decode, enrich and publish one batch; return only when the broker acknowledged every output."""
    received_at = datetime.now(UTC)
    pending: list[tuple[EventT, RawArticle]] = []
    futures: list[Any] = []
    for event in events:
        try:
            raw = decode(event.message.value, RawArticle, max_bytes=settings.max_body_bytes)
        except DecodeError as exc:
            futures.append(await dead_letter(event, exc.error_type, exc.message, received_at))
            continue
        if raw.id is None:
            raw = raw.model_copy(update={"id": stable_article_id(raw.url, raw.title, raw.body)})
        pending.append((event, raw))

    loop = asyncio.get_running_loop()
    raws = [raw for _, raw in pending]
    enrich_batch = metrics.with_stage_times(enricher)
    results = await loop.run_in_executor(None, enrich_batch, raws, received_at) if raws else []
    for (event, raw), result in zip(pending, results, strict=True):
        if isinstance(result, Exception):
            error_type = result.error_type if isinstance(result, UnprocessableArticle) else "processing_error"
            detail = (
                str(result)
                if isinstance(result, UnprocessableArticle)
                else f"{type(result).__name__}: {result}"
            )
            futures.append(await dead_letter(event, error_type, detail, received_at))
            continue
        try:
            futures.extend(await publish(raw, result))
        except ProducerSendError as exc:  # refused before sending, e.g. larger than the request limit
            futures.append(await dead_letter(event, "output_too_large", str(exc), received_at))
        except Exception as exc:  # noqa: BLE001 - a bug in building one article's outputs
            futures.append(
                await dead_letter(event, "processing_error", f"{type(exc).__name__}: {exc}", received_at)
            )
    await asyncio.gather(*futures)


async def publish(raw: RawArticle, enriched: EnrichedArticle) -> list[Any]:
    key = enriched.id.encode()
    futures = [
        metrics.when_acked(await enriched_topic.send(key=key, value=encode(enriched)), metrics.ENRICHED),
        await archive_topic.send(
            key=key,
            value=encode(
                ArchiveRecord(id=enriched.id, raw=raw, enriched=enriched, archived_at=datetime.now(UTC))
            ),
        ),
    ]
    if enriched.escalation.alert:
        alert = build_alert(enriched, datetime.now(UTC))
        story = story_key(enriched.title, enriched.id).encode()
        sent = await candidates_topic.send(key=story, value=encode(alert))
        futures.append(metrics.when_acked(sent, metrics.CANDIDATES.labels(alert.level, alert.assessment)))
    return futures


async def dead_letter(event: EventT, error_type: str, message: str, received_at: datetime) -> Any:
    msg = event.message
    key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
    letter = DeadLetter(
        error_type=error_type,
        message=message,
        origin=Origin(topic=msg.topic, partition=msg.partition, offset=msg.offset, key=key),
        received_at=received_at,
        payload_b64=base64.b64encode(msg.value or b"").decode("ascii"),
    )
    log.warning("dead letter %s@%s/%s: %s (%s)", msg.topic, msg.partition, msg.offset, error_type, message)
    sent = await deadletter_topic.send(key=msg.key, value=encode(letter))
    return metrics.when_acked(sent, metrics.DEAD_LETTERED.labels(error_type))
