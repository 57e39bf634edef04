"""The AsyncAPI 3.0 document of every topic, generated from the topic table and the message schemas.

Subscribers get one machine-readable description of the whole pipeline (channels, keys, messages,
Kafka bindings); `newsfeed schemas asyncapi` writes it, `schemas/asyncapi.json` is the checked-in
copy (drift-tested, validated by the official AsyncAPI CLI in .ci/run). Payloads are references to
the checked-in JSON Schemas beside it, so the two can never disagree.
"""

from typing import Any

import orjson
from pydantic import BaseModel

from schemas.base import SCHEMA_VERSION
from schemas.export import MODELS, schema_id
from schemas.spans import UNIT
from streams.settings import Settings
from streams.topics import TOPICS, TopicRole, topic_config

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
JSON_SCHEMA_FORMAT = "application/schema+json;version=draft-07"  # the JSON Schema format AsyncAPI 3.0 names
SCHEMA_DIR = "json"  # the JSON Schemas, relative to the document (schemas/json/ beside schemas/asyncapi.json)

DESCRIPTION = f"""\
Raw news articles in; enriched articles, escalation alerts, a log-compacted archive and dead letters
out. Every value is UTF-8 JSON validated by the JSON Schema its message names (`schemas/json/`),
with a `schema_version`. Topic names are the defaults; each is configurable (`NEWSFEED_TOPIC_*`).

Delivery is at-least-once and idempotent by key: a redelivered article is republished under the same
key, so keep the latest record per key. Alerts carry a stable `alert_id`.

Span offsets (`start`, `end` of entity mentions, quotes, sections and evidence): {UNIT}
"""


def _channel_id(role: TopicRole) -> str:
    return role.setting.removeprefix("topic_")


def _message_id(role: TopicRole) -> str:
    """Per channel: the same payload can travel under different keys (alerts vs. their candidates)."""
    return role.message if role.setting != "topic_alert_candidates" else "AlertCandidate"


def _first_line(model: type[BaseModel]) -> str:
    return (model.__doc__ or model.__name__).strip().splitlines()[0]


def _message(role: TopicRole) -> dict[str, Any]:
    model = MODELS[role.message]
    return {
        "name": _message_id(role),
        "title": role.message,
        "summary": _first_line(model),
        "contentType": "application/json",
        "payload": {
            "schemaFormat": JSON_SCHEMA_FORMAT,
            "schema": {"$ref": f"{SCHEMA_DIR}/{role.message}.schema.json"},
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": role.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-schema-id": schema_id(role.message),
    }


def _channel(settings: Settings, role: TopicRole) -> dict[str, Any]:
    configured = topic_config(settings, role)
    config: dict[str, Any] = {"cleanup.policy": configured.get("cleanup.policy", "delete").split(",")}
    if "retention.ms" in configured:
        config["retention.ms"] = int(configured["retention.ms"])
    if "max.message.bytes" in configured:
        config["max.message.bytes"] = int(configured["max.message.bytes"])
    address = getattr(settings, role.setting)
    description = f"{role.summary} Name setting: `NEWSFEED_{role.setting.upper()}`."
    if role.internal:
        description += " Internal to the worker: subscribers should read `news.alerts` instead."
    return {
        "address": address,
        "title": address,
        "description": description,
        "messages": {_message_id(role): {"$ref": f"#/components/messages/{_message_id(role)}"}},
        "bindings": {
            "kafka": {
                "topic": address,
                "partitions": settings.partitions,
                "replicas": settings.replication,
                "topicConfiguration": config,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


# What the worker's three apps do on each channel: (operation id, action, channel setting, summary).
OPERATIONS = (
    ("enrichArticles", "receive", "topic_raw", "The enrichment app (and the alert lane) read raw articles."),
    ("publishEnriched", "send", "topic_enriched", "The enrichment app publishes each enriched article."),
    ("publishArchive", "send", "topic_archive", "The enrichment app archives raw and enriched together."),
    ("publishDeadLetters", "send", "topic_deadletter", "Input that cannot be processed is dead-lettered."),
    ("publishCandidates", "send", "topic_alert_candidates", "Lane and full assessment propose alerts."),
    ("deduplicateCandidates", "receive", "topic_alert_candidates", "The alerter reads the candidates."),
    ("publishAlerts", "send", "topic_alerts", "The alerter publishes one alert per story and its updates."),
    ("publishStories", "send", "topic_stories", "The enrichment app records each article's story."),
    ("rebuildStories", "receive", "topic_stories", "Workers rebuild and follow their story index."),
)


def _operation(action: str, role: TopicRole, summary: str) -> dict[str, Any]:
    channel = f"#/channels/{_channel_id(role)}"
    return {
        "action": action,
        "channel": {"$ref": channel},
        "summary": summary,
        "messages": [{"$ref": f"{channel}/messages/{_message_id(role)}"}],
    }


def asyncapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The document for `settings` (default: the documented defaults, not this shell's environment)."""
    settings = settings or Settings.model_construct()
    roles = {role.setting: role for role in TOPICS}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:newsfeed",
        "info": {
            "title": "newsfeed",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": DESCRIPTION,
            "license": {"name": "MIT"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": settings.broker,
                "protocol": "kafka",
                "description": "NEWSFEED_BROKER; `newsfeed broker start` runs a single-node broker here.",
            }
        },
        "channels": {_channel_id(role): _channel(settings, role) for role in TOPICS},
        "operations": {
            op_id: _operation(action, roles[setting], summary)
            for op_id, action, setting, summary in OPERATIONS
        },
        "components": {"messages": {_message_id(role): _message(role) for role in TOPICS}},
    }


def render(document: dict[str, Any]) -> bytes:
    """The document as the checked-in file holds it (indented JSON, keys in document order)."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
