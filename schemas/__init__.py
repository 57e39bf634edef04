"""Message contracts: what travels on each Kafka topic (pydantic v2 models)."""

from schemas.acks import AlertAck
from schemas.alerts import Actor, Alert
from schemas.archive import ArchiveRecord
from schemas.articles import (
    DESKS,
    LEVELS,
    EnrichedArticle,
    Entity,
    Escalation,
    Evidence,
    Mention,
    Quote,
    RawArticle,
    Section,
    SectionSpan,
)
from schemas.base import PipelineVersion
from schemas.deadletter import DeadLetter, Origin
from schemas.notify import WebhookDeadLetter, WebhookPayload
from schemas.stories import Story, StoryRecord, StorySources

__all__ = [
    "DESKS",
    "LEVELS",
    "Actor",
    "Alert",
    "AlertAck",
    "ArchiveRecord",
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "Escalation",
    "Evidence",
    "Mention",
    "Origin",
    "PipelineVersion",
    "Quote",
    "RawArticle",
    "Section",
    "SectionSpan",
    "Story",
    "StoryRecord",
    "StorySources",
    "WebhookDeadLetter",
    "WebhookPayload",
]
