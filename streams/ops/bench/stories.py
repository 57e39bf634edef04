"""`newsfeed bench --stories-overhead`: what story grouping costs the enrichment worker, in one run.

One enrichment worker (`--role enrich`) streams the same corpus through the bench's own broker,
alternately with NEWSFEED_STORY_GROUPING on and off (off computes and records nothing; the order
flips every round, so a neighbour's load drifting over the run weighs on both alike). Reports
throughput and worker CPU per article of each and their ratios; the target is under 5%.
"""

import asyncio
import statistics
from pathlib import Path
from typing import Any

from streams.clients.replay import cycle_articles
from streams.ops.bench.measure import BenchError, measure_stream, say
from streams.ops.bench.run import load_corpus, own_broker
from streams.settings import Settings

MAX_COST = 0.05  # issue 18: grouping adds under 5% to enrichment cost


def run_stories_overhead(
    settings: Settings, *, articles: int, runs: int, broker_port: int, corpus_dir: Path | None = None
) -> dict[str, Any]:
    if articles < 1 or runs < 1:
        raise BenchError("articles and runs must be >= 1")
    base, corpus_from = load_corpus(corpus_dir)
    corpus = cycle_articles(base, articles)
    say(f"corpus: {len(base)} distinct articles from {corpus_from}, cycled to {len(corpus)} messages")
    aps: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    with own_broker(broker_port) as cfg:
        for run in range(runs):
            for on in (True, False) if run % 2 == 0 else (False, True):
                state = "on" if on else "off"
                say(f"[grouping {state}, {run + 1}/{runs}] {len(corpus)} articles, 1 worker ...")
                run_settings = settings.model_copy(update={"story_grouping": on})
                a, _, c = asyncio.run(measure_stream(run_settings, cfg.bootstrap, corpus, 1, "enrich"))
                aps[on].append(a)
                cpu[on].append(c)
                say(f"    {a:.2f} a/s ({c:.0f} worker CPU ms/article)")
    on_aps, off_aps = statistics.median(aps[True]), statistics.median(aps[False])
    on_cpu, off_cpu = statistics.median(cpu[True]), statistics.median(cpu[False])
    return {
        "articles": len(corpus),
        "runs": runs,
        "grouping_on_aps": round(on_aps, 3),
        "grouping_off_aps": round(off_aps, 3),
        "throughput_ratio_on_off": round(on_aps / off_aps, 4),
        "grouping_on_cpu_ms": round(on_cpu, 1),
        "grouping_off_cpu_ms": round(off_cpu, 1),
        "cpu_ratio_on_off": round(on_cpu / off_cpu, 4),
        "grouping_on_aps_runs": [round(v, 3) for v in aps[True]],
        "grouping_off_aps_runs": [round(v, 3) for v in aps[False]],
        "met": on_cpu / off_cpu <= 1 + MAX_COST,
    }


def format_stories_overhead(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"story grouping overhead: {r['articles']} articles, 1 enrichment worker, {r['runs']} "
            "alternating round(s) of on and off, medians",
            f"  grouping on   {r['grouping_on_aps']:.2f} a/s  {r['grouping_on_cpu_ms']:.0f} CPU ms/a",
            f"  grouping off  {r['grouping_off_aps']:.2f} a/s  {r['grouping_off_cpu_ms']:.0f} CPU ms/a",
            f"  on/off: throughput {r['throughput_ratio_on_off']:.3f}, CPU per article "
            f"{r['cpu_ratio_on_off']:.3f} (target: CPU <= {1 + MAX_COST:.2f}: "
            f"{'met' if r['met'] else 'NOT met'})",
            "  runs (a/s): on " + " ".join(f"{v:.2f}" for v in r["grouping_on_aps_runs"])
            + "; off " + " ".join(f"{v:.2f}" for v in r["grouping_off_aps_runs"]),
        ]
    )  # fmt: skip
