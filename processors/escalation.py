"""Escalation assessment of an article against the rules (baseline)."""

from spacy.tokens import Doc

from processors.rules import Rules
from schemas import Entity, Escalation, Section

LEVEL_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def assess(doc: Doc, title: str, entities: list[Entity], section: Section, rules: Rules) -> Escalation:
    score = sum(w for t in doc if (w := rules.terms.get(t.lemma_.lower(), 0.0)))
    level = "high" if score >= 6 else "medium" if score >= 3 else "low" if score > 0 else "none"
    return Escalation(level=level, score=score, alert=False)
