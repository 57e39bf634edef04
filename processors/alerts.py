"""Alerts for the security desk, built from an escalation assessment that reached the alert level."""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from processors.triage import LaneResult
from schemas import Actor, Alert, EnrichedArticle, Entity, Escalation, Evidence, PipelineVersion, RawArticle

ACTOR_TYPES = ("GPE", "PERSON", "ORG", "NORP")
MAX_ACTORS = 8


def alert_id(article_id: str, level: str) -> str:
    """Same article at the same level -> same id, so a replay or redelivery is idempotent downstream."""
    return hashlib.sha256(f"{article_id}\x1f{level}".encode()).hexdigest()[:20]


def actors(entities: Sequence[Entity], evidence: Sequence[Evidence], limit: int = MAX_ACTORS) -> list[Actor]:
    """Who is involved: entities named in the evidence sentences first (most cited), then the most salient."""
    spans = [(e.start, e.end) for e in evidence]
    candidates = [e for e in entities if e.type in ACTOR_TYPES]

    def cited(entity: Entity) -> int:
        return sum(1 for m in entity.mentions for a, b in spans if a <= m.start and m.end <= b)

    ranked = sorted(
        candidates,
        key=lambda e: (-cited(e), ACTOR_TYPES.index(e.type) == 3, -e.salience, -len(e.mentions), e.name),
    )
    out: list[Actor] = []
    for entity in ranked:
        if entity.name.lower() not in {a.name.lower() for a in out}:
            out.append(Actor(name=entity.name, type=entity.type))
    return out[:limit]


def build_alert(enriched: EnrichedArticle, created_at: datetime) -> Alert:
    """The alert for a fully enriched article; the clock is injected so this stays pure. It carries
    the article's pipeline version and story, so the alerter can deduplicate by story."""
    return alert_from(
        enriched.id,
        enriched.title,
        enriched.url,
        enriched.source,
        enriched.published_at,
        enriched.escalation,
        enriched.entities,
        created_at,
        "full",
        pipeline_version=enriched.pipeline_version,
        story_id=enriched.story.story_id if enriched.story is not None else None,
    )


def lane_alert(
    raw: RawArticle,
    lane: LaneResult,
    created_at: datetime,
    *,
    pipeline_version: PipelineVersion | None = None,
    story_id: str | None = None,
) -> Alert:
    """The alert raised by the alert lane (processors/triage.py) before the article is enriched."""
    return alert_from(
        lane.article_id,
        lane.title,
        raw.url,
        raw.source,
        raw.published_at,
        lane.escalation,
        lane.entities,
        created_at,
        "lane",
        pipeline_version=pipeline_version,
        story_id=story_id,
    )


def alert_from(
    article_id: str,
    title: str,
    url: str | None,
    source: str | None,
    published_at: datetime | None,
    escalation: Escalation,
    entities: Sequence[Entity],
    created_at: datetime,
    assessment: Literal["lane", "full"],
    *,
    pipeline_version: PipelineVersion | None = None,
    story_id: str | None = None,
) -> Alert:
    return Alert(
        alert_id=alert_id(article_id, escalation.level),
        article_id=article_id,
        title=title,
        url=url,
        source=source,
        level=escalation.level,
        score=escalation.score,
        categories=escalation.categories,
        evidence=escalation.evidence,
        actors=actors(entities, escalation.evidence),
        published_at=published_at,
        created_at=created_at,
        assessment=assessment,
        pipeline_version=pipeline_version,
        story_id=story_id,
    )
