"""The alerter app: deduplicates alert candidates per story and publishes alerts to the security desk.

A separate Faust app (its own consumer group) so that its dedup table, backed by a changelog
topic, never sits in the enrichment worker (see streams/app.py). Run with `newsfeed worker --role
alerts` or `faust -A streams.alerter worker -l info`; `newsfeed worker` starts it for you.
"""

import logging
import time

import faust

from processors.dedup import StoryState, decide
from schemas import Alert
from schemas.codec import DecodeError, decode, encode
from schemas.headers import output_headers
from streams import metrics, undecodable
from streams.faust_app import new_app
from streams.settings import get_settings

log = logging.getLogger(__name__)
settings = get_settings()
app_id = f"{settings.app_id}-alerts"

app = new_app(settings, app_id)

candidates_topic = app.topic(settings.topic_alert_candidates)
alerts_topic = app.topic(settings.topic_alerts)
# Story key -> StoryState (JSON in the changelog topic, so a restarted alerter remembers).
alert_state = app.Table("alert-state", partitions=settings.partitions)
metrics.instrument(app, settings, "alerts", [settings.topic_alert_candidates], needs_model=False)


@app.agent(candidates_topic)
async def publish_alerts(stream: faust.StreamT) -> None:
    """One alert per story: copies are suppressed and counted, a higher level or new categories update it."""
    async for event in stream.events():
        msg = event.message
        if undecodable.take(msg.topic, msg.partition, msg.offset) is not None:
            continue  # logged where it was fetched, with topic, partition and offsets
        try:
            alert = decode(msg.value, Alert)
            story = msg.key.decode()
        except (DecodeError, AttributeError, UnicodeDecodeError) as exc:
            log.error(
                "unreadable alert candidate %s/%s/%s skipped: %s", msg.topic, msg.partition, msg.offset, exc
            )
            continue
        previous: StoryState | None = alert_state.get(story)
        decision = decide(previous, alert, time.time(), settings.alert_dedup_window_s)
        if decision.alert is None:
            if decision.changed:  # a copy: counted in the story's sources
                alert_state[story] = decision.state
            log.info("alert for %s suppressed: story already alerted at %s", alert.article_id, alert.level)
            metrics.count(metrics.ALERTS_SUPPRESSED.labels(alert.level, alert.assessment))
            continue
        alert = decision.alert
        fut = await alerts_topic.send(
            key=alert.article_id.encode(), value=encode(alert), headers=output_headers(msg.headers, Alert)
        )
        await fut
        metrics.count(metrics.ALERTS_PUBLISHED.labels(alert.level, alert.assessment))
        alert_state[story] = decision.state
        log.info("ALERT %s %s: %s", alert.level, alert.article_id, alert.title)
