"""`newsfeed bench --nodes 3`: enrichment throughput with 1, 2 and 4 workers on 4 partitions of a cluster.

Scale-out is Kafka's job: more partitions, more members of one consumer group. This measures it
against a local three-node cluster (replication 3, min.insync.replicas 2, acks=all), with the
bench's own streaming measurement (replay as fast as possible until the last enriched event is
readable, `--role enrich` workers), one run per worker count. The enrichment is CPU-bound (spaCy),
so on a machine with C cores the ratio cannot pass C, whatever the partitions: the figures say where
the cores, not Kafka, are the limit.
"""

import asyncio
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams.clients.replay import cycle_articles
from streams.ops import cluster
from streams.ops.bench.measure import loadavg, measure_stream, say
from streams.ops.bench.run import load_corpus
from streams.settings import Settings

SCALE_PARTITIONS = 4
SCALE_WORKERS = (1, 2, 4)


def run_scale_out(
    settings: Settings,
    cfg: cluster.ClusterConfig,
    *,
    articles: int = 200,
    workers: Sequence[int] = SCALE_WORKERS,
    corpus_dir: Path | None = None,
    json_path: Path | None = None,
) -> dict[str, Any]:
    """One run per worker count on a fresh cluster; returns a/s, the ratio to 1 worker, CPU and RSS."""
    base, corpus_from = load_corpus(corpus_dir)
    corpus = cycle_articles(base, articles)
    say(f"corpus: {len(base)} distinct articles from {corpus_from}, cycled to {len(corpus)} messages")
    cluster.stop(cfg)
    cluster.wipe(cfg)
    say(f"cluster: starting {cfg.nodes} nodes on {cfg.bootstrap} ...")
    cluster.start(cfg)
    loadavg_start = loadavg()
    runs: dict[int, dict[str, Any]] = {}
    s = settings.model_copy(
        update={"replication": cfg.replication, "min_insync_replicas": cfg.min_insync_replicas}
    )
    try:
        for n in workers:
            say(f"[{n} enrichment worker(s), {SCALE_PARTITIONS} partitions] {len(corpus)} articles ...")
            aps, rss, cpu = asyncio.run(
                measure_stream(s, cfg.bootstrap, corpus, n, "enrich", partitions=SCALE_PARTITIONS)
            )
            runs[n] = {"aps": round(aps, 3), "cpu_ms_per_article": round(cpu, 1), "rss_mb": rss}
            say(f"    {aps:.2f} a/s ({cpu:.0f} worker CPU ms/article)")
    finally:
        cluster.stop(cfg)
    one = runs[min(runs)]["aps"]
    result: dict[str, Any] = {
        "nodes": cfg.nodes,
        "replication": cfg.replication,
        "min_insync_replicas": cfg.min_insync_replicas,
        "partitions": SCALE_PARTITIONS,
        "articles": len(corpus),
        "corpus": corpus_from,
        "cores": os.cpu_count(),
        "workers": {str(n): {**r, "ratio_to_1": round(r["aps"] / one, 2)} for n, r in runs.items()},
        "loadavg_start": loadavg_start,
        "loadavg_end": loadavg(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    return result


def format_scale_out(result: dict[str, Any]) -> str:
    lines = [
        f"scale-out on {result['nodes']} nodes (RF {result['replication']}, min ISR "
        f"{result['min_insync_replicas']}), {result['partitions']} partitions, "
        f"{result['articles']} articles, {result['cores']} cores",
        f"{'workers':>8}  {'articles/s':>10}  {'ratio to 1':>10}  {'CPU ms/article':>14}",
    ]
    for n, r in result["workers"].items():
        lines.append(f"{n:>8}  {r['aps']:>10.2f}  {r['ratio_to_1']:>10.2f}  {r['cpu_ms_per_article']:>14.0f}")
    lines.append(
        f"limit: enrichment is CPU-bound; {result['cores']} cores cap the ratio at about {result['cores']} "
        f"(load average {result['loadavg_start']} -> {result['loadavg_end']})"
    )
    return "\n".join(lines)
