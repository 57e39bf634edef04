"""Shared model configuration: strict types, no unknown fields, immutable messages."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

# JSON has no datetime type: accept ISO-8601 strings even though the models are strict.
Timestamp = Annotated[datetime, Field(strict=False)]


class Message(BaseModel):
    """Base of every topic message: strict (no silent coercion) and closed (no unknown fields)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
