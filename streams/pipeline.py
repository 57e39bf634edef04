"""The processors built from settings, in one place: every worker, command and bench loads them so."""

from processors.enrich import Enricher
from processors.nlp import load_pipeline
from processors.rules import load_rules
from processors.triage import AlertLane
from streams.settings import Settings


def build_enricher(settings: Settings) -> Enricher:
    """Load the spaCy model and the rules (slow: a few seconds); raises ModelNotInstalled."""
    return Enricher(
        load_pipeline(settings.spacy_model),
        load_rules(settings.alert_rules),
        alert_min_level=settings.alert_min_level,
        batch_size=settings.batch_size,
    )


def build_lane(settings: Settings, enricher: Enricher | None = None) -> AlertLane:
    """The alert lane, sharing an enricher's model and rules when given one (as `newsfeed eval` does)."""
    if enricher is not None:
        return AlertLane(enricher.nlp, enricher.rules, alert_min_level=settings.alert_min_level)
    return AlertLane(
        load_pipeline(settings.spacy_model),
        load_rules(settings.alert_rules),
        alert_min_level=settings.alert_min_level,
    )
