"""Create the pipeline's topics before anything subscribes or publishes (no 1-partition auto-creation)."""

import asyncio
import contextlib
import time
from collections.abc import Collection

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import NoError, TopicAlreadyExistsError, for_code

from streams.security import client_security
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
