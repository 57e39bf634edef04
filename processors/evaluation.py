"""Scoring of enriched articles against hand labels (pure: dicts and models in, typed results out).

The metric definitions live here, once, so that the CLI, tests and notebooks cannot drift apart.
Entity matching is type-agnostic across PERSON/ORG/GPE: a person labelled ORG by the model still
counts as found, because the type is not what these labels are meant to check.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas import EnrichedArticle

SCORED_TYPES = ("PERSON", "ORG", "GPE")
GUM_NER = ("PERSON", "ORG", "PLACE")
GUM_PREDICTED_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})

_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE = re.compile(r"['’]s?$")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

# Subscribers may filter on confidence; precision is reported above this threshold.
CONFIDENT = 0.8
# The validation part: about a quarter of the labelled articles, chosen once, before any tuning, by
# a hash of the article id (so neither its content nor its errors chose it). Tune on the rest.
VALIDATION_SALT = "newsfeed-validation"
VALIDATION_MODULUS = 4


def is_validation(article_id: str) -> bool:
    """True for the held-out articles: sha256("newsfeed-validation:" + id), first 8 hex digits, % 4 == 0."""
    digest = hashlib.sha256(f"{VALIDATION_SALT}:{article_id}".encode()).hexdigest()
    return int(digest[:8], 16) % VALIDATION_MODULUS == 0


@dataclass(frozen=True)
class PRF:
    """Counts of one detection task; the rates are derived so that sums of PRFs stay exact."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class QuotePair:
    """A gold quote and the predicted quote matched to it, kept to show speaker errors."""

    gold_text: str
    predicted_text: str
    gold_speaker: str
    predicted_speaker: str | None
    speaker_named: bool
    speaker_correct: bool
    speaker_confidence: float = 0.0


@dataclass
class ArticleScore:
    """Everything scored on one article, with the misses and extras needed to debug it."""

    id: str
    desk_gold: str
    desk_predicted: str
    alert_gold: bool
    alert_predicted: bool
    level_predicted: str
    entities: PRF
    quotes: PRF
    speakers_correct: int
    speakers_total: int
    missed_entities: list[str] = field(default_factory=list)
    extra_entities: list[str] = field(default_factory=list)
    missed_quotes: list[str] = field(default_factory=list)
    extra_quotes: list[str] = field(default_factory=list)
    quote_pairs: list[QuotePair] = field(default_factory=list)
    lane_level: str | None = None  # the alert lane's level (processors/triage.py), when it was run
    lane_alert: bool | None = None
    desk_confidence: float = 0.0
    confident_entities: PRF = PRF()  # only the predictions with confidence >= CONFIDENT (fn unused)
    confident_speakers: tuple[int, int] = (0, 0)  # (correct, total) of named quotes with a confident speaker

    @property
    def wrong_speakers(self) -> list[QuotePair]:
        return [p for p in self.quote_pairs if p.speaker_named and not p.speaker_correct]


@dataclass
class EvalResult:
    """Micro-averaged scores over a labelled set, and the per-article detail behind them."""

    articles: list[ArticleScore]

    @property
    def desk_accuracy(self) -> float:
        hits = sum(a.desk_gold == a.desk_predicted for a in self.articles)
        return hits / len(self.articles) if self.articles else 0.0

    @property
    def entities(self) -> PRF:
        return sum((a.entities for a in self.articles), PRF())

    @property
    def quotes(self) -> PRF:
        return sum((a.quotes for a in self.articles), PRF())

    @property
    def speaker_accuracy(self) -> float:
        total = sum(a.speakers_total for a in self.articles)
        return sum(a.speakers_correct for a in self.articles) / total if total else 0.0

    @property
    def alerts(self) -> PRF:
        return sum((_binary(a.alert_gold, a.alert_predicted) for a in self.articles), PRF())

    @property
    def lane_alerts(self) -> PRF:
        """The alert lane on its own, before the full assessment can add a missed alert."""
        scored = [a for a in self.articles if a.lane_alert is not None]
        return sum((_binary(a.alert_gold, bool(a.lane_alert)) for a in scored), PRF())

    def part(self, validation: bool) -> "EvalResult":
        """The validation articles (`is_validation`) or the tuning ones."""
        return EvalResult([a for a in self.articles if is_validation(a.id) == validation])

    @property
    def confident_entity_precision(self) -> PRF:
        return sum((a.confident_entities for a in self.articles), PRF())

    @property
    def confident_speaker_precision(self) -> tuple[float, int]:
        """Share of confidently attributed named quotes whose speaker is right, and how many there are."""
        correct = sum(a.confident_speakers[0] for a in self.articles)
        total = sum(a.confident_speakers[1] for a in self.articles)
        return (correct / total if total else 0.0), total

    @property
    def confident_desk_precision(self) -> tuple[float, int]:
        sure = [a for a in self.articles if a.desk_confidence >= CONFIDENT]
        hits = sum(a.desk_gold == a.desk_predicted for a in sure)
        return (hits / len(sure) if sure else 0.0), len(sure)

    @property
    def lane_agreement(self) -> float:
        """Share of articles where the lane's level equals the full assessment's."""
        scored = [a for a in self.articles if a.lane_level is not None]
        return sum(a.lane_level == a.level_predicted for a in scored) / len(scored) if scored else 0.0


def normalize_name(name: str) -> str:
    """Compare names as a reader would: no case, no leading 'the', no periods, no possessive."""
    text = _SPACES.sub(" ", name.strip().lower().replace(".", ""))
    text = _LEADING_THE.sub("", text)
    return _POSSESSIVE.sub("", text).strip()


def score_article(article_id: str, labels: dict[str, Any], enriched: EnrichedArticle) -> ArticleScore:
    """Score one enriched article against the `labels` object of its dev json."""
    aliases: dict[str, list[str]] = labels.get("entity_aliases", {})
    entity_prf, missed_e, extra_e = score_entities(labels["entities"], aliases, enriched)
    confident = enriched.model_copy(
        update={"entities": [e for e in enriched.entities if e.confidence >= CONFIDENT]}
    )
    confident_prf = score_entities(labels["entities"], aliases, confident)[0]
    quote_prf, pairs, missed_q, extra_q = score_quotes(labels["quotes"], aliases, enriched)
    named = [p for p in pairs if p.speaker_named]
    sure = [p for p in named if p.speaker_confidence >= CONFIDENT]
    return ArticleScore(
        id=article_id,
        desk_gold=labels["topic"],
        desk_predicted=enriched.section.desk,
        alert_gold=bool(labels["escalation"]),
        alert_predicted=enriched.escalation.alert,
        level_predicted=enriched.escalation.level,
        entities=entity_prf,
        quotes=quote_prf,
        speakers_correct=sum(p.speaker_correct for p in named),
        speakers_total=len(named),
        missed_entities=missed_e,
        extra_entities=extra_e,
        missed_quotes=missed_q,
        extra_quotes=extra_q,
        quote_pairs=pairs,
        desk_confidence=enriched.section.confidence,
        confident_entities=PRF(tp=confident_prf.tp, fp=confident_prf.fp),
        confident_speakers=(sum(p.speaker_correct for p in sure), len(sure)),
    )


def evaluate(pairs: Iterable[tuple[str, dict[str, Any], EnrichedArticle]]) -> EvalResult:
    """Score (article id, labels, enriched article) triples and micro-average them."""
    return EvalResult([score_article(article_id, labels, enriched) for article_id, labels, enriched in pairs])


def score_entities(
    gold: dict[str, list[str]], aliases: dict[str, list[str]], enriched: EnrichedArticle
) -> tuple[PRF, list[str], list[str]]:
    """Distinct PERSON/ORG/GPE names; a second prediction of an already found entity is a false positive."""
    gold_names = [name for etype in SCORED_TYPES for name in gold.get(etype, [])]
    key_to_gold = _gold_keys(gold_names, aliases)
    predicted: dict[str, str] = {}
    for entity in enriched.entities:
        if entity.type in SCORED_TYPES:
            predicted.setdefault(normalize_name(entity.name), entity.name)
    found: set[str] = set()
    extra: list[str] = []
    for key, name in predicted.items():
        target = key_to_gold.get(key)
        if target is None or target in found:
            extra.append(name)
        else:
            found.add(target)
    missed = [name for name in gold_names if name not in found]
    return PRF(tp=len(found), fp=len(extra), fn=len(missed)), missed, extra


def score_quotes(
    gold: Sequence[dict[str, Any]], aliases: dict[str, list[str]], enriched: EnrichedArticle
) -> tuple[PRF, list[QuotePair], list[str], list[str]]:
    """One-to-one greedy matching by shared word tokens, then speaker agreement on the matched pairs."""
    predicted = enriched.quotes
    matches = match_quotes([g["text"] for g in gold], [q.text for q in predicted])
    pairs: list[QuotePair] = []
    for gi, pi in sorted(matches.items()):
        g, p = gold[gi], predicted[pi]
        accepted = {normalize_name(n) for n in [g["speaker"], *aliases.get(g["speaker"], [])]}
        pairs.append(
            QuotePair(
                gold_text=g["text"],
                predicted_text=p.text,
                gold_speaker=g["speaker"],
                predicted_speaker=p.speaker,
                speaker_named=g.get("speaker_named", True) is not False,
                speaker_correct=p.speaker is not None and normalize_name(p.speaker) in accepted,
                speaker_confidence=p.speaker_confidence,
            )
        )
    matched_pred = set(matches.values())
    missed = [g["text"] for i, g in enumerate(gold) if i not in matches]
    extra = [q.text for i, q in enumerate(predicted) if i not in matched_pred]
    return PRF(tp=len(matches), fp=len(extra), fn=len(missed)), pairs, missed, extra


def match_quotes(gold: Sequence[str], predicted: Sequence[str]) -> dict[int, int]:
    """Gold index -> predicted index, when each covers at least half of the other's word tokens."""
    gold_bags = [Counter(_WORD.findall(t.lower())) for t in gold]
    pred_bags = [Counter(_WORD.findall(t.lower())) for t in predicted]
    candidates: list[tuple[int, int, int]] = []
    for gi, g in enumerate(gold_bags):
        for pi, p in enumerate(pred_bags):
            shared = sum((g & p).values())
            if shared and 2 * shared >= g.total() and 2 * shared >= p.total():
                candidates.append((shared, gi, pi))
    matches: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if gi not in matches and pi not in used:
            matches[gi] = pi
            used.add(pi)
    return matches


def _gold_keys(names: Sequence[str], aliases: dict[str, list[str]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for name in names:
        for surface in [name, *aliases.get(name, [])]:
            keys.setdefault(normalize_name(surface), name)
    return keys


def _binary(gold: bool, predicted: bool) -> PRF:
    return PRF(tp=int(gold and predicted), fp=int(predicted and not gold), fn=int(gold and not predicted))


# --- GUM: entity recall against gold named-entity mentions -------------------------------------


@dataclass(frozen=True)
class GumDocument:
    """A GUM news text split as the enricher sees it: headline as title, body after the date line."""

    doc_id: str
    title: str
    body: str
    body_offset: int


@dataclass(frozen=True)
class GumEntity:
    """One gold named entity (a Wikification identity or a coreference chain) and its mention spans."""

    key: str
    ner: str
    texts: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]


@dataclass
class GumScore:
    """Gold entities found by at least one predicted mention, per document."""

    doc_id: str
    found: int
    total: int
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0


def gum_document(gum: dict[str, Any]) -> GumDocument:
    """Drop the headline and date-line paragraphs; the headline becomes the title."""
    text: str = gum["text"]
    head_end = text.index("\n\n")
    date_end = text.index("\n\n", head_end + 2)
    return GumDocument(
        doc_id=gum["doc_id"], title=text[:head_end], body=text[date_end + 2 :], body_offset=date_end + 2
    )


def gum_gold_entities(gum: dict[str, Any]) -> list[GumEntity]:
    """Named mentions in the body grouped by identity (else chain), as the GUM README prescribes."""
    offset = gum_document(gum).body_offset
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in gum["mentions"]:
        if m["ner"] not in GUM_NER or not (m["identity"] or m["contains_propn"]) or m["start"] < offset:
            continue
        key = f"id:{m['identity']}" if m["identity"] else f"chain:{m['chain']}"
        groups.setdefault(key, []).append(m)
    return [
        GumEntity(
            key=key,
            ner=ms[0]["ner"],
            texts=tuple(m["text"] for m in ms),
            spans=tuple((m["start"] - offset, m["end"] - offset) for m in ms),
        )
        for key, ms in groups.items()
    ]


def score_gum(gum: dict[str, Any], enriched: EnrichedArticle) -> GumScore:
    """Entity recall: a gold entity is found when a predicted mention overlaps one of its spans.

    A predicted mention lying wholly inside a smaller nested gold name (the "UK" of "the University
    of Sheffield of the UK") is credited to that nested name only, not to the enclosing one.
    """
    doc = gum_document(gum)
    if enriched.body != doc.body:
        raise ValueError(f"{doc.doc_id}: enriched body differs from the GUM text; offsets would not match")
    gold = gum_gold_entities(gum)
    all_spans = sorted({span for entity in gold for span in entity.spans})
    predicted = sorted(
        (m.start, m.end) for e in enriched.entities if e.type in GUM_PREDICTED_TYPES for m in e.mentions
    )
    found, missed = 0, []
    for entity in gold:
        if any(_credited(span, p, all_spans) for span in entity.spans for p in predicted):
            found += 1
        else:
            missed.append(entity.texts[0])
    return GumScore(doc_id=doc.doc_id, found=found, total=len(gold), missed=missed)


def _credited(span: tuple[int, int], pred: tuple[int, int], all_spans: Sequence[tuple[int, int]]) -> bool:
    if pred[0] >= span[1] or pred[1] <= span[0]:
        return False
    for inner in all_spans:
        nested = inner != span and span[0] <= inner[0] and inner[1] <= span[1]
        if nested and inner[0] <= pred[0] and pred[1] <= inner[1]:
            return False
    return True
