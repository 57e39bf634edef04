"""Create the pipeline's topics before anything subscribes or publishes (no 1-partition auto-creation)."""

import asyncio
import contextlib
import logging
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def topic_specs(settings: Settings) -> list[NewTopic]:
    """Every topic with its partitions; the archive is log-compacted (the latest record per article id)."""
    # Outputs are bigger than their input (the archive holds the body twice, a dead letter in base64):
    # the broker's default 1 MB per record would refuse them.
    large = {"max.message.bytes": str(settings.max_output_bytes)}
    # An acks=all write is acknowledged only once this many replicas have it (README "Cluster").
    isr = {"min.insync.replicas": str(settings.min_insync_replicas)} if settings.min_insync_replicas else {}
    names = {
        settings.topic_raw: isr,
        settings.topic_enriched: {**large, **isr},
        settings.topic_alerts: isr,
        settings.topic_alert_candidates: isr,
        settings.topic_archive: {"cleanup.policy": "compact", **large, **isr},
        settings.topic_deadletter: {**large, **isr},
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
            await _wait_for_leaders(admin, [spec.name for spec in missing], timeout_s)
        return [spec.name for spec in missing]
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float) -> None:
    """A new topic is usable once every partition has a leader; before that, producers get errors."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = await admin.describe_topics(names)
        if all(
            t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        await asyncio.sleep(0.1)


def ensure_topics_sync(settings: Settings) -> list[str]:
    return asyncio.run(ensure_topics(settings))


def wait_and_ensure_topics(settings: Settings, loglevel: str = "info") -> list[str]:
    """For `newsfeed worker`: wait for the broker (NEWSFEED_BROKER_WAIT_S, 0 = forever), then create
    the missing topics. Each failed attempt is one log line naming the broker's address."""
    from streams.connect import log as connect_log
    from streams.connect import wait_for_broker

    if not connect_log.handlers:  # Faust sets up logging only once it starts, after this wait
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s"))
        connect_log.addHandler(handler)
        connect_log.setLevel(loglevel.upper())
        connect_log.propagate = False
    return asyncio.run(
        wait_for_broker(
            settings.broker,
            lambda: ensure_topics(settings),
            max_wait_s=settings.broker_wait_s or None,
        )
    )
