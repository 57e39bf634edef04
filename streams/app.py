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
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import faust
from faust.exceptions import ProducerSendError
from faust.types import EventT

from processors.alerts import build_alert
from processors.dedup import candidate_key
from processors.enrich import Enricher
from processors.errors import EnrichmentInterrupted, UnprocessableArticle
from processors.ids import article_id
from schemas import (
    Alert,
    ArchiveRecord,
    DeadLetter,
    EnrichedArticle,
    Origin,
    PipelineVersion,
    RawArticle,
    StoryRecord,
)
from schemas.codec import DecodeError, decode, encode
from schemas.headers import Headers, output_headers
from streams import metrics, undecodable
from streams.faust_app import new_app
from streams.pipeline import build_enricher, pipeline_version
from streams.retry import until_delivered
from streams.settings import get_settings
from streams.stories import StoryStore

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
stories_topic = app.topic(settings.topic_stories, compacting=True)
stories = StoryStore(settings)  # the story index, rebuilt from stories_topic before the first batch
metrics.instrument(app, settings, "enrich", [settings.topic_raw], needs_model=True)


_enricher: Enricher | None = None
_version: PipelineVersion | None = None
# On SIGTERM Faust waits for the batch in flight before it cancels the agent; the batch's outputs
# and the commit need this much of NEWSFEED_SHUTDOWN_TIMEOUT_S after the enrichment.
PUBLISH_MARGIN_S = 2.0
EXIT_MARGIN_S = 1.0  # the watchdog's: noticing the stop (0.2 s polls) and exiting


_timed: tuple[Enricher, Any] | None = None


def _timed_enrich_batch(enricher: Enricher) -> Any:
    """`enricher.enrich_batch` observed by the stage metrics, wrapped once per enricher, not per batch."""
    global _timed
    if _timed is None or _timed[0] is not enricher:
        _timed = (enricher, metrics.with_stage_times(enricher))
    return _timed[1]


def get_enricher() -> Enricher:
    """Load the model and rules once per worker process (slow: done off the event loop)."""
    global _enricher, _version
    if _enricher is None:
        _enricher = build_enricher(settings)
        _version = pipeline_version(settings, _enricher.nlp)
    return _enricher


class _ShutdownClock:
    """Asked by the enricher before each piece of a batch (in its thread). Once a shutdown has begun,
    True when the rest of the batch, at the pace measured so far, would not be enriched and published
    within NEWSFEED_SHUTDOWN_TIMEOUT_S: the batch is then abandoned uncommitted, never overrun."""

    def __init__(self) -> None:
        self.batch_started = 0.0
        self.stop_seen: float | None = None

    def __call__(self, chars_done: int, chars_left: int) -> bool:
        now = time.monotonic()
        if chars_done == 0:
            self.batch_started = now
        if not app.should_stop:
            return False
        if self.stop_seen is None:
            self.stop_seen = now
        pace = (now - self.batch_started) / chars_done if chars_done else 0.0
        deadline = self.stop_seen + settings.shutdown_timeout_s - PUBLISH_MARGIN_S
        return now + pace * chars_left > deadline


_should_stop = _ShutdownClock()


_batch_in_flight = threading.Event()


def _watch_shutdown() -> None:
    """The bound holds even if one piece, or the publishing, is slower than measured (a starved CPU):
    NEWSFEED_SHUTDOWN_TIMEOUT_S after the shutdown began, a batch still in flight exits uncommitted."""
    while not app.should_stop:
        time.sleep(0.2)
    time.sleep(max(settings.shutdown_timeout_s - EXIT_MARGIN_S, 0.0))
    if _batch_in_flight.is_set():
        _exit_uncommitted(
            f"batch still in flight {settings.shutdown_timeout_s - EXIT_MARGIN_S:.0f} s into shutdown"
        )


def _exit_uncommitted(why: str) -> None:
    """Leaving the agent by any exception lets take_events ack, and Faust commit, the undelivered
    batch; so the process ends here and the batch is redelivered to the next worker."""
    log.error("%s: exiting uncommitted, the batch will be redelivered", why)
    logging.shutdown()
    os._exit(1)


@app.task
async def declare_topics() -> None:
    """Create output topics up front so subscribers can attach before the first article."""
    for topic in (
        raw_topic,
        enriched_topic,
        archive_topic,
        deadletter_topic,
        alerts_topic,
        candidates_topic,
        stories_topic,
    ):
        await topic.maybe_declare()


@app.agent(raw_topic)
async def enrich_articles(stream: faust.StreamT) -> None:
    loop = asyncio.get_running_loop()
    enricher = await loop.run_in_executor(None, get_enricher)
    log.info("enrichment ready: model %s", enricher.model_name)
    await stories.load(time.time())
    metrics.model_loaded(enricher.nlp)
    threading.Thread(target=_watch_shutdown, name="shutdown-watchdog", daemon=True).start()
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
                _exit_uncommitted(f"batch not delivered {settings.shutdown_timeout_s} s into shutdown")
            raise


async def process_batch_until_delivered(enricher: Enricher, events: Sequence[EventT]) -> None:
    """Retry a batch until the broker has acknowledged all its outputs, however long that takes.

    take_events acks the batch in a `finally` after its `yield`, also when the agent body raises.
    Per-article failures are dead-lettered inside process_batch, so what is retried is the broker.
    """
    _batch_in_flight.set()
    try:
        with metrics.batch(len(events)):
            await until_delivered(lambda: process_batch(enricher, events), f"batch of {len(events)}")
    finally:
        _batch_in_flight.clear()


async def process_batch(enricher: Enricher, events: Sequence[EventT]) -> None:
    """Decode, enrich and publish one batch; return only when the broker acknowledged every output."""
    received_at = datetime.now(UTC)
    pending: list[tuple[EventT, RawArticle | None]] = []  # None: a tombstone
    futures: list[Any] = []
    for event in events:
        msg = event.message
        placeholder = undecodable.take(msg.topic, msg.partition, msg.offset)
        if placeholder is not None:
            if placeholder.first:
                futures.append(await dead_letter_batch(placeholder.batch, received_at))
            continue
        if msg.value is None and msg.key:
            pending.append((event, None))  # published in its place among the batch's articles
            continue
        try:
            raw = decode(msg.value, RawArticle, max_bytes=settings.max_body_bytes)
        except DecodeError as exc:
            futures.append(await dead_letter(event, exc.error_type, exc.message, received_at))
            continue
        ident = article_id(raw.id, msg.key, raw.url, raw.title, raw.body)
        pending.append((event, raw.model_copy(update={"id": ident})))

    loop = asyncio.get_running_loop()
    raws = [raw for _, raw in pending if raw is not None]
    enrich_batch = _timed_enrich_batch(enricher)
    try:
        results = (
            await loop.run_in_executor(None, enrich_batch, raws, received_at, _should_stop) if raws else []
        )
    except EnrichmentInterrupted as exc:
        _exit_uncommitted(f"shutdown: enrichment of a batch of {len(raws)} interrupted ({exc})")
        raise
    outcomes = iter(results)
    for event, maybe_raw in pending:
        if maybe_raw is None:
            futures.append(await delete_article(event))
            continue
        raw, result = maybe_raw, next(outcomes)
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
            futures.extend(await publish(event, raw, result))
        except ProducerSendError as exc:  # refused before sending, e.g. larger than the request limit
            futures.append(await dead_letter(event, "output_too_large", str(exc), received_at))
        except Exception as exc:  # noqa: BLE001 - a bug in building one article's outputs
            futures.append(
                await dead_letter(event, "processing_error", f"{type(exc).__name__}: {exc}", received_at)
            )
    await asyncio.gather(*futures)


async def publish(event: EventT, raw: RawArticle, enriched: EnrichedArticle) -> list[Any]:
    key = enriched.id.encode()
    incoming = event.message.headers
    names = (e.name for e in enriched.entities)
    story, record = stories.assign(enriched.id, enriched.body, names, time.time())
    enriched = enriched.model_copy(update={"story": story, "pipeline_version": _version})
    futures = [
        metrics.when_acked(
            await enriched_topic.send(
                key=key, value=encode(enriched), headers=output_headers(incoming, EnrichedArticle)
            ),
            metrics.ENRICHED,
        ),
        await archive_topic.send(
            key=key,
            value=encode(
                ArchiveRecord(
                    id=enriched.id,
                    raw=raw,
                    enriched=enriched,
                    archived_at=datetime.now(UTC),
                    pipeline_version=_version,
                )
            ),
            headers=output_headers(incoming, ArchiveRecord),
        ),
    ]
    if record is not None:
        headers = output_headers(incoming, StoryRecord)
        futures.append(await stories_topic.send(key=key, value=encode(record), headers=headers))
    if enriched.escalation.alert:
        alert = build_alert(enriched, datetime.now(UTC))
        sent = await candidates_topic.send(
            key=candidate_key(alert).encode(), value=encode(alert), headers=output_headers(incoming, Alert)
        )
        futures.append(metrics.when_acked(sent, metrics.CANDIDATES.labels(alert.level, alert.assessment)))
    return futures


async def delete_article(event: EventT) -> Any:
    """A keyed null value (a tombstone) deletes that article: a tombstone under its id on the
    compacted archive, which keeps no record of it after compaction. Other topics keep what they hold."""
    msg = event.message
    log.info(
        "tombstone for %r at %s/%s/%s: deleting it from the archive",
        msg.key,
        msg.topic,
        msg.partition,
        msg.offset,
    )
    return await archive_topic.send(key=msg.key, value=None, headers=_incoming(msg.headers))


def _incoming(headers: Any) -> Headers:
    pairs = headers.items() if isinstance(headers, dict) else (headers or ())
    return [(str(k), v if v is not None else b"") for k, v in pairs]


async def dead_letter(event: EventT, error_type: str, message: str, received_at: datetime) -> Any:
    msg = event.message
    key = msg.key.decode("utf-8", "replace") if isinstance(msg.key, bytes) else msg.key
    letter = DeadLetter(
        error_type=error_type,
        message=message,
        origin=Origin(topic=msg.topic, partition=msg.partition, offset=msg.offset, key=key),
        received_at=received_at,
        payload_b64=base64.b64encode(msg.value or b"").decode("ascii"),
        pipeline_version=_version,
    )
    log.warning("dead letter %s@%s/%s: %s (%s)", msg.topic, msg.partition, msg.offset, error_type, message)
    sent = await deadletter_topic.send(
        key=msg.key, value=encode(letter), headers=output_headers(msg.headers, DeadLetter)
    )
    return metrics.when_acked(sent, metrics.DEAD_LETTERED.labels(error_type))


async def dead_letter_batch(batch: undecodable.UndecodableBatch, received_at: datetime) -> Any:
    """A record batch nobody could decode: one dead letter for its offset range, with its bytes."""
    letter = DeadLetter(
        error_type="undecodable",
        message=batch.describe(),
        origin=Origin(
            topic=batch.topic,
            partition=batch.partition,
            offset=batch.first_offset,
            last_offset=batch.last_offset,
        ),
        received_at=received_at,
        payload_b64=batch.payload_b64,
        pipeline_version=_version,
    )
    sent = await deadletter_topic.send(
        key=None, value=encode(letter), headers=output_headers(None, DeadLetter)
    )
    return metrics.when_acked(sent, metrics.DEAD_LETTERED.labels("undecodable"))
