"""The Faust configuration both apps (enrichment, alerter) share, in one place."""

from typing import Any

import faust

from streams import faust_fixes
from streams.settings import Settings


def new_app(settings: Settings, app_id: str, **extra: Any) -> faust.App:
    """A Faust app on NEWSFEED_BROKER: raw bytes in and out (we decode ourselves, to dead-letter),
    acks=all, earliest offsets for a new group, in-memory tables recovered from their changelogs."""
    faust_fixes.apply()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_id,
        broker=[f"kafka://{host}" for host in settings.broker.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        store="memory://",
        datadir=str(settings.data_dir / app_id),
        web_enabled=False,
        **extra,
    )
