"""The processors built from settings, in one place: every worker, command and bench loads them so."""

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from spacy.language import Language

from processors.desk import load_desks
from processors.enrich import Enricher
from processors.nlp import load_pipeline
from processors.rules import DEFAULT_RULES, load_rules
from processors.triage import AlertLane
from schemas import PipelineVersion
from streams.settings import Settings


def build_enricher(settings: Settings) -> Enricher:
    """Load the spaCy model, the rules and the desk lexicon (a few seconds); raises ModelNotInstalled."""
    return Enricher(
        load_pipeline(settings.spacy_model),
        load_rules(settings.alert_rules),
        desks=load_desks(),
        alert_min_level=settings.alert_min_level,
        batch_size=settings.batch_size,
        piece_chars=settings.enrich_piece_chars,
        selective_parse=settings.selective_parse,
    )


def selective_twin(enricher: Enricher) -> Enricher:
    """An enricher like this one, on the same loaded model, that parses only the lines that need it
    (the bench measures both paths in one run)."""
    if enricher.selective is not None:
        return enricher
    return Enricher(
        enricher.nlp,
        enricher.rules,
        desks=enricher.desks,
        alert_min_level=enricher.alert_min_level,
        batch_size=enricher.batch_size,
        piece_chars=enricher.piece_chars,
        selective_parse=True,
    )


def build_lane(settings: Settings, enricher: Enricher | None = None) -> AlertLane:
    """The alert lane, sharing an enricher's model, rules and desk lexicon when given one (as `newsfeed
    eval` does)."""
    if enricher is not None:
        return AlertLane(
            enricher.nlp, enricher.rules, desks=enricher.desks, alert_min_level=settings.alert_min_level
        )
    return AlertLane(
        load_pipeline(settings.spacy_model),
        load_rules(settings.alert_rules),
        desks=load_desks(),
        alert_min_level=settings.alert_min_level,
    )


def pipeline_version(settings: Settings, nlp: Language) -> PipelineVersion:
    """What every output says produced it: the model, a hash of the rules file, the code version."""
    meta = nlp.meta
    return PipelineVersion(
        model=f"{meta.get('lang', 'xx')}_{meta.get('name', 'model')}-{meta.get('version', '')}",
        rules=_file_digest(settings.alert_rules or DEFAULT_RULES),
        code=_code_version(),
    )


@cache
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@cache
def _code_version() -> str:
    try:
        return version("newsfeed")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"
