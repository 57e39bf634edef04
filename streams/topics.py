"""Create the pipeline's topics before anything subscribes or publishes (no 1-partition auto-creation)."""

import asyncio
import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def topic_specs(settings: Settings) -> list[NewTopic]:
    """Every topic with its partitions; the archive is log-compacted (the latest record per article id)."""
    compacted = {"cleanup.policy": "compact"}
    names = {
        settings.topic_raw: {},
        settings.topic_enriched: {},
        settings.topic_alerts: {},
        settings.topic_alert_candidates: {},
        settings.topic_archive: compacted,
        settings.topic_deadletter: {},
    }
    return [
        NewTopic(
            name,
            num_partitions=settings.partitions,
            replication_factor=settings.replication,
            topic_configs=cfg,
        )
        for name, cfg in names.items()
    ]


async def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create the missing topics; returns the names created. Existing topics are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.broker, request_timeout_ms=int(timeout_s * 1000))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in topic_specs(settings) if spec.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was faster
                await admin.create_topics(missing)
        return [spec.name for spec in missing]
    finally:
        await admin.close()


def ensure_topics_sync(settings: Settings) -> list[str]:
    return asyncio.run(ensure_topics(settings))
