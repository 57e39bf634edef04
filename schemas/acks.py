"""Who has seen an alert: the desk's acknowledge / assign state on the compacted `news.alerts.acks`."""

from pydantic import Field

from schemas.base import SCHEMA_VERSION, Message, Timestamp


class AlertAck(Message):
    """The whole current state of one alert on the desk (key: alert_id; the latest record wins)."""

    schema_version: int = SCHEMA_VERSION
    alert_id: str
    article_id: str
    acknowledged_by: str | None = Field(default=None, description="Who acknowledged it; null: not yet.")
    acknowledged_at: Timestamp | None = None
    assigned_to: str | None = Field(default=None, description="Who is following it up; null: nobody.")
    updated_by: str = Field(description="Who made the latest change.")
    updated_at: Timestamp
