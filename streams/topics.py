"""Create the pipeline's topics before anything subscribes or publishes (no 1-partition auto-creation)."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import NoError, TopicAlreadyExistsError, for_code

from streams.security import client_security
from streams.settings import Settings


@dataclass(frozen=True)
class TopicRole:
    """One topic of the pipeline: the setting naming it, what travels on it, how it is configured.

    The one table of topics: topic creation and the AsyncAPI document (streams/ops/asyncapi.py) read it.
    """

    setting: str  # the Settings field (NEWSFEED_TOPIC_*) holding its name
    message: str  # the schemas.export.MODELS name of its values
    key: str  # what its Kafka key is
    summary: str
    compacted: bool = False  # cleanup.policy=compact: the latest record per key is kept
    large: bool = False  # outputs bigger than the input: max.message.bytes = NEWSFEED_MAX_OUTPUT_BYTES
    internal: bool = False  # between the worker's own apps; subscribers should not rely on it


TOPICS: tuple[TopicRole, ...] = (
    TopicRole(
        "topic_raw",
        "RawArticle",
        "The article id if the producer has one (used when the JSON has no `id`); may be empty.",
        "Raw articles from feeds, crawlers and `newsfeed replay`: the pipeline's input.",
    ),
    TopicRole(
        "topic_enriched",
        "EnrichedArticle",
        "The article id.",
        "Every article enriched: desk, sections, entities, quotes, escalation assessment.",
        large=True,
    ),
    TopicRole(
        "topic_alerts",
        "Alert",
        "The article id.",
        "Escalation alerts for the security desk, one per story and level.",
    ),
    TopicRole(
        "topic_alert_candidates",
        "Alert",
        "The story id (streams/stories.py), so every copy of a story meets the same dedup state.",
        "Alerts before deduplication, from the alert lane and from the full assessment.",
        internal=True,
    ),
    TopicRole(
        "topic_archive",
        "ArchiveRecord",
        "The article id; a null value (tombstone) deletes the article.",
        "The latest raw input and enrichment of every article (log-compacted).",
        compacted=True,
        large=True,
    ),
    TopicRole(
        "topic_alert_acks",
        "AlertAck",
        "The alert_id.",
        "The desk's acknowledge / assign state of each alert (log-compacted: the latest per alert).",
        compacted=True,
    ),
    TopicRole(
        "topic_notify_deadletter",
        "WebhookDeadLetter",
        "The alert_id.",
        "Alerts a webhook did not accept after every try, with the reason.",
    ),
    TopicRole(
        "topic_stories",
        "StoryRecord",
        "The article id.",
        "Each article's story and MinHash signatures: workers rebuild their story index from it.",
        compacted=True,
        internal=True,
    ),
    TopicRole(
        "topic_deadletter",
        "DeadLetter",
        "The key of the input message that could not be processed, byte for byte.",
        "Input that could not be processed, with the reason and its origin.",
        large=True,
    ),
)


def topic_config(settings: Settings, role: TopicRole) -> dict[str, str]:
    """The topic-level configs the worker creates a topic with."""
    # Outputs are bigger than their input (the archive holds the body twice, a dead letter in base64):
    # the broker's default 1 MB per record would refuse them.
    config = {"cleanup.policy": "compact"} if role.compacted else {}
    if role.setting == "topic_stories":  # bounded like the index: expired stories leave the topic
        config.update(
            {"cleanup.policy": "compact,delete", "retention.ms": str(int(settings.story_window_s * 2000))}
        )
    if role.large:
        config["max.message.bytes"] = str(settings.max_output_bytes)
    # An acks=all write is acknowledged only once this many replicas have it (README "Cluster").
    if settings.min_insync_replicas:
        config["min.insync.replicas"] = str(settings.min_insync_replicas)
    return config


def topic_specs(settings: Settings) -> list[NewTopic]:
    """Every topic with its partitions; the archive is log-compacted (the latest record per article id)."""
    return [
        NewTopic(
            getattr(settings, role.setting),
            num_partitions=settings.partitions,
            replication_factor=settings.replication,
            topic_configs=topic_config(settings, role),
        )
        for role in TOPICS
    ]


async def ensure_topics(
    settings: Settings, timeout_s: float = 30.0, only: Collection[str] | None = None
) -> list[str]:
    """Create the missing topics (or those of them named in `only`); returns the names created.

    Existing topics are left as they are.
    """
    admin = _admin(settings, timeout_s)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [spec for spec in topic_specs(settings) if only is None or spec.name in only]
        missing = [spec for spec in wanted if spec.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was faster
                response = await admin.create_topics(missing)
                for name, code, *_ in response.topic_errors:
                    error = for_code(code)
                    if error not in (NoError, TopicAlreadyExistsError):
                        raise error(name)  # e.g. TopicAuthorizationFailedError: no CREATE right
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


def _admin(settings: Settings, timeout_s: float) -> AIOKafkaAdminClient:
    ms = int(timeout_s * 1000)
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.broker, request_timeout_ms=ms, **client_security(settings)
    )


async def check_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """What is wrong with the topics on the broker, one line each; empty when all are as specified.

    For a worker without create rights (NEWSFEED_CREATE_TOPICS=false): an administrator creates the
    topics (`newsfeed topics create`) and the worker only verifies them.
    """
    admin = _admin(settings, timeout_s)
    await admin.start()
    try:
        # All topics, not the named ones: a metadata request naming a missing topic may auto-create it.
        found = {t["topic"]: t for t in await admin.describe_topics() if t["error_code"] == 0}
        specs = topic_specs(settings)
        problems = []
        present = []
        for spec in specs:
            topic = found.get(spec.name)
            if topic is None:
                problems.append(f"{spec.name}: missing (or not visible to this principal)")
                continue
            present.append(spec)
            partitions = len(topic["partitions"])
            if partitions != spec.num_partitions:
                problems.append(
                    f"{spec.name}: {partitions} partitions, NEWSFEED_PARTITIONS={spec.num_partitions}"
                )
            replicas = min(len(p["replicas"]) for p in topic["partitions"])
            if replicas < spec.replication_factor:
                problems.append(
                    f"{spec.name}: replication {replicas}, NEWSFEED_REPLICATION={spec.replication_factor}"
                )
        if present:
            resources = [ConfigResource(ConfigResourceType.TOPIC, spec.name) for spec in present]
            actual: dict[str, dict[str, str]] = {}
            for response in await admin.describe_configs(resources):
                for _err, _msg, _type, name, entries in response.resources:
                    actual[name] = {entry[0]: entry[1] for entry in entries}
            for spec in present:
                for key, want in spec.topic_configs.items():
                    have = actual.get(spec.name, {}).get(key)
                    if have != want:
                        problems.append(f"{spec.name}: {key}={have}, expected {want}")
        return problems
    finally:
        await admin.close()


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
            security=client_security(settings),
        )
    )
