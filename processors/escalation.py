"""Escalation assessment: score an article against the rules and keep the sentences that moved it."""

from collections.abc import Sequence

from spacy.tokens import Doc

from processors.rules import RuleHit, Rules, explain, score_hits
from schemas import Entity, Escalation, Evidence, Section
from schemas.articles import LEVEL_ORDER

__all__ = ["LEVEL_ORDER", "assess"]
MAX_EVIDENCE = 12


def assess(doc: Doc, title: str, entities: Sequence[Entity], section: Section, rules: Rules) -> Escalation:
    """Level, score, categories and evidence from exactly the hits `explain` reports."""
    hits = explain(doc, title, entities, section, rules)
    score, per_category = score_hits(hits, rules)
    level = rules.level_for(score)
    categories = [c for c, v in sorted(per_category.items(), key=lambda cv: -cv[1]) if v > 0]
    return Escalation(
        level=level,  # type: ignore[arg-type]
        score=score,
        alert=LEVEL_ORDER[level] >= LEVEL_ORDER[rules.alert_level],
        categories=categories,
        evidence=evidence(hits),
    )


def evidence(hits: Sequence[RuleHit]) -> list[Evidence]:
    """Body sentences behind the score, strongest escalation first; title hits have no offsets in the body."""
    body_hits = [h for h in hits if not h.in_title and h.contribution != 0]
    ranked = sorted(body_hits, key=lambda h: (h.kind != "escalation", -abs(h.contribution), h.start))
    return [
        Evidence(
            sentence=h.sentence,
            start=h.start,
            end=h.end,
            rule=h.rule,
            category=h.category,
            terms=list(h.terms),
            weight=h.contribution,
        )
        for h in ranked[:MAX_EVIDENCE]
    ]
