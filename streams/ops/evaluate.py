"""`newsfeed eval`: read labelled articles (and GUM gold), enrich them, and print the scores.

This is the I/O edge of evaluation; the metric definitions are in `processors.evaluation`.
"""

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.enrich import Enricher
from processors.evaluation import (
    CONFIDENT,
    PRF,
    ArticleScore,
    EvalResult,
    GumScore,
    evaluate,
    score_gum,
)
from processors.triage import AlertLane
from schemas import EnrichedArticle, RawArticle
from streams.clients.sources import gum_article


class LabelFileError(ValueError):
    """A labelled json file cannot be read as an article with labels."""


@dataclass
class EvalReport:
    """Scores on the labelled set, optional GUM recall, and how fast the enricher ran."""

    result: EvalResult
    gum: list[GumScore] = field(default_factory=list)
    seconds: float = 0.0
    lane_seconds: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def articles_per_second(self) -> float:
        return len(self.result.articles) / self.seconds if self.seconds else 0.0

    @property
    def gum_recall(self) -> float:
        total = sum(g.total for g in self.gum)
        return sum(g.found for g in self.gum) / total if total else 0.0


def score_results(
    labelled: Sequence[tuple[RawArticle, dict[str, Any]]], results: Sequence[EnrichedArticle | Exception]
) -> EvalReport:
    """Score enriched articles against their labels; an article that failed is reported, not scored."""
    scored: list[tuple[str, dict[str, Any], EnrichedArticle]] = []
    failures: dict[str, str] = {}
    for (raw, labels), result in zip(labelled, results, strict=True):
        article_id = raw.id or "?"
        if isinstance(result, Exception):
            failures[article_id] = f"{type(result).__name__}: {result}"
        else:
            scored.append((article_id, labels, result))
    return EvalReport(result=evaluate(scored), failures=failures)


def load_labelled(label_dir: Path) -> list[tuple[RawArticle, dict[str, Any]]]:
    """Every `*.json` in `label_dir`, sorted by name, as (raw article, labels)."""
    out = []
    for path in sorted(label_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            raw = RawArticle(
                id=data["id"],
                title=data.get("title", ""),
                body=data["body"],
                published_at=data.get("published"),
            )
            out.append((raw, data["labels"]))
        except (OSError, ValueError, KeyError) as exc:
            raise LabelFileError(f"{path}: not a labelled article ({exc})") from exc
    if not out:
        raise LabelFileError(f"{label_dir}: no labelled *.json files")
    return out


def run_eval(
    label_dir: Path, enricher: Enricher, gum_dir: Path | None = None, lane: AlertLane | None = None
) -> EvalReport:
    """Enrich the labelled articles in one batch, score them, and optionally check GUM entity recall
    and the alert lane's verdicts on the same articles."""
    labelled = load_labelled(label_dir)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    results = enricher.enrich_batch([raw for raw, _ in labelled], now)
    seconds = time.perf_counter() - t0
    report = dataclasses.replace(score_results(labelled, results), seconds=seconds)
    if lane is not None:
        raws = {raw.id: raw for raw, _ in labelled}
        t0 = time.perf_counter()
        report.result.articles = [_with_lane(a, lane, raws[a.id]) for a in report.result.articles]
        report.lane_seconds = time.perf_counter() - t0
    if gum_dir is not None:
        report.gum = _run_gum(gum_dir, enricher, now)
    return report


def _with_lane(score: ArticleScore, lane: AlertLane, raw: RawArticle) -> ArticleScore:
    escalation = lane.assess(raw, score.id).escalation
    return dataclasses.replace(score, lane_level=escalation.level, lane_alert=escalation.alert)


def _run_gum(gum_dir: Path, enricher: Enricher, now: datetime) -> list[GumScore]:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gum_dir.glob("*.json"))]
    raws = [gum_article(d) for d in docs]
    scores = []
    for doc, result in zip(docs, enricher.enrich_batch(raws, now), strict=True):
        if isinstance(result, Exception):
            raise LabelFileError(f"{doc['doc_id']}: enrichment failed ({result})") from result
        scores.append(score_gum(doc, result))
    return scores


def format_report(report: EvalReport) -> str:
    """Plain text: totals on the tuning part and on the validation part (`is_validation`), then
    per-article rows for the tuning part only: validation errors stay unseen, so it stays unseen text."""
    r = report.result
    tuning, validation = r.part(validation=False), r.part(validation=True)
    lines = [
        f"articles {len(r.articles)} (tuning {len(tuning.articles)}, validation {len(validation.articles)})  "
        f"enrich {report.seconds:.2f}s ({report.articles_per_second:.1f} art/s)",
    ]
    for name, part in (("tuning", tuning), ("validation", validation)):
        if part.articles:
            lines += ["", *_totals(name, part, report)]
    if report.gum:
        found, total = sum(g.found for g in report.gum), sum(g.total for g in report.gum)
        lines += ["", f"{'GUM entity recall':<24}{report.gum_recall:>19.3f}  ({found}/{total})"]
    if tuning.articles:
        lines += [
            "",
            f"{'tuning article':<16}{'ent F1':>7}{'quo F1':>7}{'spk':>7}  desk gold/pred  alert gold/pred",
        ]
    for a in tuning.articles:
        spk = f"{a.speakers_correct}/{a.speakers_total}"
        lines.append(
            f"{a.id:<16}{a.entities.f1:>7.2f}{a.quotes.f1:>7.2f}{spk:>7}  "
            f"{a.desk_gold}/{a.desk_predicted}  {a.alert_gold}/{a.alert_predicted}"
        )
    for article_id, error in report.failures.items():
        lines.append(f"{article_id:<16}FAILED {error}")
    return "\n".join(lines)


def _totals(name: str, r: EvalResult, report: EvalReport) -> list[str]:
    ent = r.confident_entity_precision
    spk, spk_n = r.confident_speaker_precision
    desk, desk_n = r.confident_desk_precision
    lines = [
        f"{name + f' ({len(r.articles)} articles)':<24}{'P':>5}{'R':>7}{'F1':>7}{'tp/fp/fn':>14}",
        prf_row("entities (PER/ORG/GPE)", r.entities),
        prf_row("quotes", r.quotes),
        prf_row("escalation alerts", r.alerts),
    ]
    if report.lane_seconds:
        lines += [
            prf_row("  alert lane alone", r.lane_alerts),
            f"{'  lane level = full':<24}{r.lane_agreement:>19.3f}",
        ]
    lines += [
        f"{'desk accuracy':<24}{r.desk_accuracy:>19.3f}",
        f"{'speaker accuracy':<24}{r.speaker_accuracy:>19.3f}",
        f"{f'precision at confidence >= {CONFIDENT}':<24}",
        f"{'  entities':<24}{ent.precision:>19.3f}  ({ent.tp}/{ent.tp + ent.fp} kept)",
        f"{'  quote speakers':<24}{spk:>19.3f}  ({spk_n} kept)",
        f"{'  desk':<24}{desk:>19.3f}  ({desk_n} kept)",
    ]
    return lines


def report_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON data: totals per part, and misses and extras of tuning articles only."""
    r = report.result
    return {
        "articles": len(r.articles),
        "seconds": round(report.seconds, 3),
        "tuning": _totals_json(r.part(validation=False), report),
        "validation": _totals_json(r.part(validation=True), report),
        "gum_entity_recall": report.gum_recall if report.gum else None,
        "failures": report.failures,
        "per_article": [
            {
                "id": a.id,
                "desk": [a.desk_gold, a.desk_predicted],
                "alert": [a.alert_gold, a.alert_predicted],
                "level": a.level_predicted,
                "lane_level": a.lane_level,
                "entities": _prf_json(a.entities),
                "missed_entities": a.missed_entities,
                "extra_entities": a.extra_entities,
                "quotes": _prf_json(a.quotes),
                "missed_quotes": a.missed_quotes,
                "extra_quotes": a.extra_quotes,
                "wrong_speakers": [
                    {"text": p.gold_text, "gold": p.gold_speaker, "predicted": p.predicted_speaker}
                    for p in a.wrong_speakers
                ],
            }
            for a in r.part(validation=False).articles
        ],
        "gum": [{"id": g.doc_id, "found": g.found, "total": g.total, "missed": g.missed} for g in report.gum],
    }


def _totals_json(r: EvalResult, report: EvalReport) -> dict[str, Any]:
    return {
        "articles": len(r.articles),
        "desk_accuracy": r.desk_accuracy,
        "entities": _prf_json(r.entities),
        "quotes": _prf_json(r.quotes),
        "speaker_accuracy": r.speaker_accuracy,
        "alerts": _prf_json(r.alerts),
        "lane_alerts": _prf_json(r.lane_alerts) if report.lane_seconds else None,
        "lane_level_agreement": r.lane_agreement if report.lane_seconds else None,
        "confident_precision": {
            "threshold": CONFIDENT,
            "entities": r.confident_entity_precision.precision,
            "speakers": r.confident_speaker_precision[0],
            "desk": r.confident_desk_precision[0],
        },
    }


def prf_row(name: str, prf: PRF) -> str:
    """One aligned line of precision, recall, F1 and tp/fp/fn counts: the eval reports share it."""
    counts = f"{prf.tp}/{prf.fp}/{prf.fn}"
    return f"{name:<22}{prf.precision:>7.3f}{prf.recall:>7.3f}{prf.f1:>7.3f}{counts:>14}"


def _prf_json(prf: PRF) -> dict[str, float]:
    return {
        "precision": prf.precision,
        "recall": prf.recall,
        "f1": prf.f1,
        "tp": prf.tp,
        "fp": prf.fp,
        "fn": prf.fn,
    }
