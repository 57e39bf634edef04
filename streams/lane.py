"""The alert lane app: raw articles in, alert candidates out, seconds before enrichment gets to them.

A separate Faust app (consumer group `{app_id}-lane`) reading the raw topic beside the enrichment
app, with no table (see streams/app.py on why tables stay out of raw-topic consumers). It parses
only the sentences that could move the escalation score (processors/triage.py), so a burst that
queues up enrichment does not queue up alerts. `newsfeed worker` starts it as a child process and
lowers the enrichment app's CPU priority (NEWSFEED_ENRICH_NICE), so on shared cores it runs first.

It is best effort by design: input it cannot read is skipped here (the enrichment app dead-letters
it with its origin), and any failure only costs the head start, since the enrichment app's full
assessment still sends its candidate. Candidates go to the alerter, which publishes one alert per
story unless the level rises. Delivery is at-least-once: an event is acknowledged after its
candidate is acknowledged by the broker.
"""

import asyncio
import logging
import time
from datetime import UTC, datetime
from functools import partial

import faust

from processors.alerts import lane_alert
from processors.dedup import candidate_key
from processors.errors import UnprocessableArticle
from processors.ids import article_id
from processors.triage import AlertLane
from schemas import Alert, PipelineVersion, RawArticle
from schemas.codec import DecodeError, decode, encode
from schemas.headers import Headers, output_headers
from streams import metrics, undecodable
from streams.faust_app import new_app
from streams.pipeline import build_lane, pipeline_version
from streams.retry import until_delivered
from streams.settings import get_settings
from streams.stories import StoryStore

log = logging.getLogger(__name__)
settings = get_settings()
app_id = f"{settings.app_id}-lane"

app = new_app(settings, app_id)

raw_topic = app.topic(settings.topic_raw)
candidates_topic = app.topic(settings.topic_alert_candidates)
# The enrichment app's story index, read (not written): a lane candidate meets its story's state.
stories = StoryStore(settings)
metrics.instrument(app, settings, "lane", [settings.topic_raw], needs_model=True)

_lane: AlertLane | None = None
_version: PipelineVersion | None = None


def get_lane() -> AlertLane:
    """Load the model and rules once per process (slow: done off the event loop)."""
    global _lane, _version
    if _lane is None:
        _lane = build_lane(settings)
        _version = pipeline_version(settings, _lane.nlp)
    return _lane


@app.agent(raw_topic)
async def triage_articles(stream: faust.StreamT) -> None:
    loop = asyncio.get_running_loop()
    lane = await loop.run_in_executor(None, get_lane)
    await stories.load(time.time())
    log.info("alert lane ready")
    metrics.model_loaded(lane.nlp)
    async for event in stream.events():
        msg = event.message
        if undecodable.take(msg.topic, msg.partition, msg.offset) is not None:
            continue  # logged where it was fetched; the enrichment app dead-letters it
        try:
            raw = decode(msg.value, RawArticle, max_bytes=settings.max_body_bytes)
            ident = article_id(raw.id, msg.key, raw.url, raw.title, raw.body)
            result = await loop.run_in_executor(None, lane.assess, raw, ident)
        except (DecodeError, UnprocessableArticle):
            continue  # the enrichment app dead-letters it, with the reason and origin
        except Exception:  # noqa: BLE001 - the full assessment still covers this article
            log.exception("alert lane failed on %s/%s", event.message.partition, event.message.offset)
            continue
        if not result.escalation.alert:
            continue
        story, _ = stories.assign(ident, raw.body, (e.name for e in result.entities), time.time())
        alert = lane_alert(raw, result, datetime.now(UTC), pipeline_version=_version, story_id=story.story_id)
        key, value = candidate_key(alert).encode(), encode(alert)
        headers = output_headers(msg.headers, Alert)
        await until_delivered(partial(_send, key, value, headers), f"lane candidate for {ident}")
        metrics.count(metrics.CANDIDATES.labels(alert.level, alert.assessment))
        log.info("lane candidate %s %s", alert.level, ident)


async def _send(key: bytes, value: bytes, headers: Headers) -> None:
    await (await candidates_topic.send(key=key, value=value, headers=headers))
