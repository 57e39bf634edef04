"""What `newsfeed notify` posts to webhooks, and what it keeps when a webhook will not take it."""

from typing import Literal

from pydantic import Field

from schemas.alerts import Alert
from schemas.base import SCHEMA_VERSION, Message, Timestamp
from schemas.deadletter import Origin


class WebhookPayload(Message):
    """The generic JSON body (format "json"); the same bytes on every try of one alert."""

    schema_version: int = SCHEMA_VERSION
    event: Literal["alert.new", "alert.raised"] = Field(
        description="alert.raised: the story alerted before at a lower level."
    )
    idempotency_key: str = Field(description="The alert_id, also sent as the Idempotency-Key header.")
    previous_level: str | None = Field(default=None, description="The story's level before, when raised.")
    desk_url: str | None = Field(default=None, description="The alert's page on the desk, when configured.")
    alert: Alert


class WebhookDeadLetter(Message):
    """An alert a webhook did not accept within the tries, on `news.alerts.notify.deadletter`."""

    schema_version: int = SCHEMA_VERSION
    webhook: str = Field(description="The webhook's name (its URL may hold a token, so it is not kept).")
    error_type: Literal["http_status", "connection", "timeout"]
    reason: str = Field(description="What the last try got, for a person.")
    tries: int = Field(ge=1)
    first_try_at: Timestamp
    dead_lettered_at: Timestamp
    origin: Origin
    alert: Alert
