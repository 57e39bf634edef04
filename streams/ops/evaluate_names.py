"""`newsfeed eval --swap-names`: the labelled articles scored as they are and with other names.

The I/O edge of processors/name_swap.py: both versions are enriched in one batch and scored with
processors.evaluation, per part of the split, and per name shape on the same persons (found as an
entity; quotes whose speaker is right), so a drop can be traced to the shapes that cause it.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.enrich import Enricher
from processors.evaluation import ArticleScore, EvalResult, is_validation
from processors.name_swap import SHAPES, SwappedArticle, swap_names
from schemas import RawArticle
from streams.ops.evaluate import EvalReport, load_labelled, prf_row, report_json, score_results


@dataclass
class ShapeCounts:
    """On the persons given one shape: found as an entity, and their named quotes' speakers right,
    under the original name and under the invented one."""

    persons: int = 0
    found_original: int = 0
    found_swapped: int = 0
    quotes_original: int = 0  # named quotes of these persons matched to a predicted quote
    correct_original: int = 0
    quotes_swapped: int = 0
    correct_swapped: int = 0


@dataclass
class SwapReport:
    original: EvalReport
    swapped: EvalReport
    seed: int
    swaps: dict[str, SwappedArticle] = field(default_factory=dict)
    seconds: float = 0.0

    def shapes(self, validation: bool) -> dict[str, ShapeCounts]:
        """Per shape, on one part: the same persons and quotes before and after the swap."""
        counts = {shape: ShapeCounts() for shape in SHAPES}
        originals = {a.id: a for a in self.original.result.articles}
        for swapped in self.swapped.result.part(validation).articles:
            original, swap = originals.get(swapped.id), self.swaps[swapped.id]
            if original is None:
                continue
            for new, shape in swap.persons.items():
                c = counts[shape]
                old = swap.origin[new]
                c.persons += 1
                c.found_original += old not in original.missed_entities
                c.found_swapped += new not in swapped.missed_entities
                for score, name, side in ((original, old, "original"), (swapped, new, "swapped")):
                    correct, total = _named(score, name)
                    setattr(c, f"correct_{side}", getattr(c, f"correct_{side}") + correct)
                    setattr(c, f"quotes_{side}", getattr(c, f"quotes_{side}") + total)
        return {shape: c for shape, c in counts.items() if c.persons}


def _named(score: ArticleScore, speaker: str) -> tuple[int, int]:
    pairs = [p for p in score.quote_pairs if p.speaker_named and p.gold_speaker == speaker]
    return sum(p.speaker_correct for p in pairs), len(pairs)


def run_swap_eval(
    label_dir: Path, enricher: Enricher, seed: int, shapes: Sequence[str] | None = None
) -> SwapReport:
    """Enrich the originals and their swapped copies in one batch and score both."""
    labelled = load_labelled(label_dir)
    swaps: dict[str, SwappedArticle] = {}
    copies: list[tuple[RawArticle, dict[str, Any]]] = []
    for raw, labels in labelled:
        article_id = raw.id or "?"
        swap = swap_names(article_id, raw.title, raw.body, labels, seed, shapes)
        swaps[article_id] = swap
        copies.append((raw.model_copy(update={"title": swap.title, "body": swap.body}), swap.labels))
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    results = enricher.enrich_batch([raw for raw, _ in [*labelled, *copies]], now)
    seconds = time.perf_counter() - t0
    n = len(labelled)
    original = score_results(labelled, results[:n])
    swapped = score_results(copies, results[n:])
    return SwapReport(original, swapped, seed, swaps, seconds)


def format_swap_report(report: SwapReport) -> str:
    """Per part: the usual totals, original beside swapped, then the per-shape counts."""
    persons = sum(len(s.persons) for s in report.swaps.values())
    kept = sum(len(s.kept) for s in report.swaps.values())
    lines = [
        f"name swap, seed {report.seed}: {persons} persons renamed, {kept} kept (their forms are in "
        f"other labels); enrich {report.seconds:.2f}s for both versions"
    ]
    for name, validation in (("tuning", False), ("validation", True)):
        orig, swap = report.original.result.part(validation), report.swapped.result.part(validation)
        if not orig.articles:
            continue
        lines += [
            "",
            f"{name + f' ({len(orig.articles)} articles)':<24}{'P':>5}{'R':>7}{'F1':>7}{'tp/fp/fn':>14}",
            *_pair_rows("entities (PER/ORG/GPE)", orig, swap),
            f"{'speaker accuracy':<24}{orig.speaker_accuracy:>19.3f}  original",
            f"{'':<24}{swap.speaker_accuracy:>19.3f}  swapped",
            f"{'desk accuracy':<24}{orig.desk_accuracy:>19.3f}  original",
            f"{'':<24}{swap.desk_accuracy:>19.3f}  swapped",
            "",
            f"{'  by name shape':<22}{'persons':>8}{'found orig/swap':>18}{'speakers right orig / swap':>30}",
        ]
        for shape, c in sorted(report.shapes(validation).items()):
            found = f"{c.found_original}/{c.found_swapped}"
            spk = f"{c.correct_original}/{c.quotes_original} / {c.correct_swapped}/{c.quotes_swapped}"
            lines.append(f"  {shape:<20}{c.persons:>8}{found:>18}{spk:>30}")
    for article_id, error in {**report.original.failures, **report.swapped.failures}.items():
        lines.append(f"{article_id:<16}FAILED {error}")
    return "\n".join(lines)


def _pair_rows(name: str, orig: EvalResult, swap: EvalResult) -> list[str]:
    return [
        prf_row(name, orig.entities) + "  original",
        prf_row("", swap.entities) + "  swapped",
        prf_row("quotes", orig.quotes) + "  original",
        prf_row("", swap.quotes) + "  swapped",
    ]


def swap_report_json(report: SwapReport) -> dict[str, Any]:
    """Both reports (per-article rows of tuning articles only), the per-shape counts per part, and
    the shapes given to the tuning articles' persons."""
    return {
        "seed": report.seed,
        "original": report_json(report.original),
        "swapped": report_json(report.swapped),
        "shapes": {
            name: {shape: vars(c) for shape, c in report.shapes(validation).items()}
            for name, validation in (("tuning", False), ("validation", True))
        },
        "tuning_persons": {
            article_id: [
                {"name": new, "shape": shape, "replaced": swap.origin[new]}
                for new, shape in swap.persons.items()
            ]
            for article_id, swap in report.swaps.items()
            if not is_validation(article_id)
        },
    }
