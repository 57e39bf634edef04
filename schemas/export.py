"""JSON Schema of every topic's message, for subscribers that do not use Python."""

from typing import Any

from pydantic import BaseModel

from schemas.acks import AlertAck
from schemas.alerts import Alert
from schemas.archive import ArchiveRecord
from schemas.articles import EnrichedArticle, RawArticle
from schemas.base import SCHEMA_VERSION
from schemas.deadletter import DeadLetter
from schemas.notify import WebhookDeadLetter, WebhookPayload
from schemas.stories import StoryRecord

MODELS: dict[str, type[BaseModel]] = {
    "RawArticle": RawArticle,
    "EnrichedArticle": EnrichedArticle,
    "Alert": Alert,
    "ArchiveRecord": ArchiveRecord,
    "DeadLetter": DeadLetter,
    "AlertAck": AlertAck,
    "WebhookPayload": WebhookPayload,
    "WebhookDeadLetter": WebhookDeadLetter,
    "StoryRecord": StoryRecord,
}


DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic v2 generates


def schema_id(name: str) -> str:
    """A stable URI per message and schema version; the `schema` header of a record names the same."""
    return f"urn:newsfeed:schema:{name}/{SCHEMA_VERSION}"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (validation mode: what a producer may send)."""
    return {
        f"{name}.schema.json": {"$schema": DIALECT, "$id": schema_id(name), **model.model_json_schema()}
        for name, model in MODELS.items()
    }
