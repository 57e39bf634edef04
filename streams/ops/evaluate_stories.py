"""`newsfeed eval --stories`: build the story corpus from labelled articles, group it, print the scores.

The I/O edge of the story evaluation (processors/story_eval.py builds the corpus and scores it).
Each part of the split (tuning, held-out: processors.evaluation.is_validation of the source article)
is its own stream, with the other part's articles as donors of its same-desk other events. Every
item is enriched, so the grouping sees the entities the worker would; grouping and enrichment are
timed in the same run, which gives the grouping's share of the enrichment cost.
"""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.enrich import Enricher
from processors.evaluation import is_validation
from processors.stories import StoryIndex, fingerprint
from processors.story_eval import DEFAULT_SEED, PairScore, SourceArticle, build_corpus, score_grouping
from schemas import EnrichedArticle, RawArticle
from streams.ops.evaluate import LabelFileError

STREAM_GAP_S = 60.0  # the corpus arrives one item a minute: the whole part sits inside the window


@dataclass
class StoryReport:
    parts: dict[str, PairScore]
    enrich_seconds: float
    group_seconds: float
    items: int

    @property
    def overhead(self) -> float:
        return self.group_seconds / self.enrich_seconds if self.enrich_seconds else 0.0


def load_sources(label_dir: Path) -> list[SourceArticle]:
    out = []
    for path in sorted(label_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            labels = data["labels"]
            names = {kind: list(values) for kind, values in labels.get("entities", {}).items()}
            out.append(SourceArticle(data["id"], data.get("title", ""), data["body"], labels["topic"], names))
        except (OSError, ValueError, KeyError) as exc:
            raise LabelFileError(f"{path}: not a labelled article ({exc})") from exc
    if len(out) < 2:
        raise LabelFileError(f"{label_dir}: the story corpus needs at least two labelled *.json files")
    return out


def run_story_eval(
    label_dir: Path, enricher: Enricher, window_s: float, seed: int = DEFAULT_SEED
) -> StoryReport:
    sources = load_sources(label_dir)
    desks = {a.id: a.desk for a in sources}
    parts: dict[str, PairScore] = {}
    enrich_s = group_s = 0.0
    items_total = 0
    for name, held_out in (("tuning", False), ("held-out", True)):
        part = [a for a in sources if is_validation(a.id) == held_out]
        donors = [a for a in sources if is_validation(a.id) != held_out]
        items = build_corpus(part, donors, seed)
        raws = [RawArticle(id=i.id, title=i.title, body=i.body) for i in items]
        t0 = time.perf_counter()
        enriched = enricher.enrich_batch(raws, datetime.now(UTC))
        enrich_s += time.perf_counter() - t0
        index = StoryIndex(window_s)
        story: dict[str, str] = {}
        t0 = time.perf_counter()
        for n, (item, result) in enumerate(zip(items, enriched, strict=True)):
            names = [e.name for e in result.entities] if isinstance(result, EnrichedArticle) else []
            body = result.body if isinstance(result, EnrichedArticle) else item.body
            story[item.id] = index.assign(item.id, fingerprint(body, names), n * STREAM_GAP_S).story_id
        group_s += time.perf_counter() - t0
        items_total += len(items)
        parts[name] = score_grouping(items, story.__getitem__, desks)
    return StoryReport(parts, enrich_s, group_s, items_total)


def story_report_json(report: StoryReport) -> dict[str, Any]:
    return {
        "parts": {
            name: {
                "items": s.items,
                "events": s.events,
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "false_merge_rate": round(s.false_merge_rate, 4),
                "hard_pairs": s.hard_pairs,
                "true_pairs": s.true_pos + s.false_neg,
            }
            for name, s in report.parts.items()
        },
        "enrich_seconds": round(report.enrich_seconds, 3),
        "group_seconds": round(report.group_seconds, 3),
        "grouping_overhead": round(report.overhead, 4),
    }


def format_story_report(report: StoryReport) -> str:
    lines = ["Story grouping (pairwise; false merges: pairs of different events on one desk)"]
    for name, s in report.parts.items():
        lines.append(
            f"  {name:9} {s.items:4} items {s.events:3} events  precision {s.precision:.3f}  "
            f"recall {s.recall:.3f}  false merges {s.false_merge_rate:.2%} "
            f"({s.hard_merged}/{s.hard_pairs})  pairs: {s.true_pos} found, {s.false_pos} wrong, "
            f"{s.false_neg} missed"
        )
    lines.append(
        f"  cost: grouping {report.group_seconds * 1000 / max(report.items, 1):.2f} ms/article, "
        f"enrichment {report.enrich_seconds * 1000 / max(report.items, 1):.1f} ms/article: "
        f"+{report.overhead:.2%} (same run, {report.items} articles)"
    )
    return "\n".join(lines)
