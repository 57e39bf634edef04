"""Shared model configuration: strict types, no unknown fields, immutable messages."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# 2: Entity.confidence and Quote.speaker_confidence, additive with defaults (v1 messages still validate).
# 3: pipeline_version on every output; open raw input (extra, author, tags, numeric id); last_offset.
# 4: EnrichedArticle.story; Alert.story_id, story_alert_id and sources (issue 18), additive.
SCHEMA_VERSION = 4

# JSON has no datetime type: accept ISO-8601 strings even though the models are strict.
Timestamp = Annotated[datetime, Field(strict=False)]


class Message(BaseModel):
    """Base of every topic message: strict (no silent coercion) and closed (no unknown fields)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PipelineVersion(Message):
    """Which enrichment produced a record: what a subscriber holds, and what a reprocess would change."""

    model: str = Field(description="The spaCy pipeline, name and version, e.g. en_core_web_sm-3.8.0.")
    rules: str = Field(description="SHA-256 (first 16 hex digits) of the escalation rules file's bytes.")
    code: str = Field(description="Version of the newsfeed package that ran.")
