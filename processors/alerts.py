"""Alerts for the security desk, built from an enriched article whose escalation reached the alert level."""

import hashlib
from collections.abc import Sequence
from datetime import datetime

from schemas import Actor, Alert, EnrichedArticle, Entity, Evidence

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
    """The alert message for `news.alerts`; the clock is injected so this stays pure."""
    escalation = enriched.escalation
    return Alert(
        alert_id=alert_id(enriched.id, escalation.level),
        article_id=enriched.id,
        title=enriched.title,
        url=enriched.url,
        level=escalation.level,
        score=escalation.score,
        categories=escalation.categories,
        evidence=escalation.evidence,
        actors=actors(enriched.entities, escalation.evidence),
        published_at=enriched.published_at,
        created_at=created_at,
    )
