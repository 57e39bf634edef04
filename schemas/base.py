"""Shared model configuration: strict types, no unknown fields, immutable messages."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# 2: Entity.confidence and Quote.speaker_confidence, additive with defaults (v1 messages still validate).
SCHEMA_VERSION = 2

# JSON has no datetime type: accept ISO-8601 strings even though the models are strict.
Timestamp = Annotated[datetime, Field(strict=False)]


class Message(BaseModel):
    """Base of every topic message: strict (no silent coercion) and closed (no unknown fields)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
