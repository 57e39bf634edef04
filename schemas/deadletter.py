"""Input that could not be processed, kept whole on `news.articles.deadletter`."""

from pydantic import Field

from schemas.base import SCHEMA_VERSION, Message, PipelineVersion, Timestamp


class Origin(Message):
    """Where the message was read, so it can be found and re-injected."""

    topic: str
    partition: int
    offset: int
    last_offset: int | None = Field(
        default=None,
        description="For an undecodable record batch: its last offset (the batch spans offset..last_offset).",
    )
    key: str | None = Field(default=None, description="The message key, decoded as UTF-8 with replacement.")


class DeadLetter(Message):
    schema_version: int = SCHEMA_VERSION
    error_type: str = Field(description="Machine-readable class, e.g. invalid_json, empty_body.")
    message: str = Field(description="What is wrong, for a person.")
    origin: Origin
    received_at: Timestamp
    payload_b64: str = Field(
        description="The original message value, base64; for an undecodable batch, the whole record batch "
        "as the broker sent it."
    )
    pipeline_version: PipelineVersion | None = Field(
        default=None, description="The worker that refused it: model, rules and code (since schema 3)."
    )
