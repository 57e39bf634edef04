"""JSON Schema of every topic's message, for subscribers that do not use Python."""

from typing import Any

from pydantic import BaseModel

from schemas.acks import AlertAck
from schemas.alerts import Alert
from schemas.archive import ArchiveRecord
from schemas.articles import EnrichedArticle, RawArticle
from schemas.deadletter import DeadLetter
from schemas.notify import WebhookDeadLetter, WebhookPayload

MODELS: dict[str, type[BaseModel]] = {
    "RawArticle": RawArticle,
    "EnrichedArticle": EnrichedArticle,
    "Alert": Alert,
    "ArchiveRecord": ArchiveRecord,
    "DeadLetter": DeadLetter,
    "AlertAck": AlertAck,
    "WebhookPayload": WebhookPayload,
    "WebhookDeadLetter": WebhookDeadLetter,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (validation mode: what a producer may send)."""
    return {f"{name}.schema.json": model.model_json_schema() for name, model in MODELS.items()}
