"""Escalation alerts published to `news.alerts` for the security desk."""

from typing import Literal

from pydantic import Field

from schemas.articles import Evidence, Level
from schemas.base import SCHEMA_VERSION, Message, PipelineVersion, Timestamp
from schemas.stories import StorySources


class Actor(Message):
    name: str
    type: str


class Alert(Message):
    schema_version: int = SCHEMA_VERSION
    alert_id: str = Field(description="Stable from article id and level: a replay is idempotent.")
    article_id: str
    title: str
    url: str | None
    source: str | None = Field(default=None, description="The publisher, as the raw article named it.")
    level: Level
    score: float
    categories: list[str]
    evidence: list[Evidence]
    actors: list[Actor]
    published_at: Timestamp | None
    created_at: Timestamp
    previous_level: Level | None = Field(
        default=None,
        description="Set by the alerter when the same story alerted before, at this lower level: "
        "the alert is a raise, not a new story.",
    )
    assessment: Literal["lane", "full"] = Field(
        default="full",
        description="Which pass raised it: 'lane' parsed only the sentences that could match (seconds "
        "sooner), 'full' the whole enriched article. The full pass alerts again only if its level is higher.",
    )
    pipeline_version: PipelineVersion | None = Field(
        default=None, description="Model, rules and code of the pass that raised it (since schema 3)."
    )
    story_id: str | None = Field(
        default=None, description="The story (EnrichedArticle.story.story_id); null from the alert lane."
    )
    story_alert_id: str | None = Field(
        default=None,
        description="Set by the alerter: the alert_id of the story's first alert, on it and on every update "
        "of the story (a higher level or new categories), so the updates form one lineage (since schema 4).",
    )
    sources: StorySources | None = Field(
        default=None,
        description="Set by the alerter: the story's articles so far, suppressed copies included.",
    )
