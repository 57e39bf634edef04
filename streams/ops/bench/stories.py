"""`newsfeed bench --stories-overhead`: what story grouping costs the enrichment worker, in one run.

One enrichment worker (`--role enrich`) streams the same corpus through the bench's own broker,
alternately with NEWSFEED_STORY_GROUPING on and off (off computes and records nothing; the order
flips every round, so a neighbour's load drifting over the run weighs on both alike). Reports
throughput and worker CPU per article of each and their ratios; the target is under 5%.
"""

from pathlib import Path
from typing import Any

from streams.ops.bench.alternating import alternate, bench_corpus, on_off_lines
from streams.settings import Settings

MAX_COST = 0.05  # issue 18: grouping adds under 5% to enrichment cost


def run_stories_overhead(
    settings: Settings, *, articles: int, runs: int, broker_port: int, corpus_dir: Path | None = None
) -> dict[str, Any]:
    corpus = bench_corpus(articles, runs, corpus_dir)
    rounds = alternate(settings, "story_grouping", corpus, runs=runs, broker_port=broker_port)
    figures = rounds.figures("grouping")
    return {
        "articles": len(corpus),
        "runs": runs,
        **figures,
        "met": figures["cpu_ratio_on_off"] <= 1 + MAX_COST,
    }


def format_stories_overhead(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"story grouping overhead: {r['articles']} articles, 1 enrichment worker, {r['runs']} "
            "alternating round(s) of on and off, medians",
            *on_off_lines(r, "grouping", f"CPU <= {1 + MAX_COST:.2f}"),
        ]
    )
