"""`newsfeed bench`: throughput, alert latency and memory of the pipeline on this machine, in one run.

What it measures, on the same corpus (real articles cycled to N messages with distinct ids):
- ceiling: spaCy `nlp.pipe` alone, the model's own cost;
- offline: `Enricher.enrich_batch` (what `newsfeed process` runs), with the time of each stage;
- selective: the same with the parser only on the lines that need it (NEWSFEED_SELECTIVE_PARSE,
  processors/selective.py), with the CPU ms of each model component, against the full ceiling;
- streaming: replay N articles as fast as possible through a real broker and time until the last
  enriched event is readable, with 1 worker and with 2 workers (2 partitions in both cases);
- alert latency at a fixed offered rate: raw message produced -> alert readable on the alerts topic;
- peak RSS (VmHWM) of the worker processes.

Ceiling and offline are measured interleaved, chunk by chunk, so a busy neighbour on a shared
machine slows both alike and their ratio stays meaningful. Each figure is the median of `runs`.
The bench starts its own broker (its own home and ports) and stops it at the end.
"""

import asyncio
import contextlib
import shutil
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from schemas import RawArticle
from streams.clients import sources
from streams.clients.replay import cycle_articles
from streams.clients.sources import SourceError
from streams.ops import broker
from streams.ops.bench.measure import (
    STREAM_PARTITIONS,
    BenchError,
    loadavg,
    machine_info,
    measure_alert_latency,
    measure_offline,
    measure_stream,
    say,
)
from streams.ops.bench.report import check_targets, percentile
from streams.security import without_security
from streams.settings import PROJECT_ROOT, Settings

# (result key, workers, role): the enrichment app alone (the targets), then a whole `newsfeed worker`
# whose alert lane and alerter share the cores, to show what the lane costs in throughput.
STREAM_SETUPS = (("stream1", 1, "enrich"), ("stream2", 2, "enrich"), ("stream1_all", 1, "all"))


def load_corpus(
    corpus_dir: Path | None = None, seeds_dir: Path = PROJECT_ROOT / "seeds"
) -> tuple[list[RawArticle], str]:
    """streams.clients.sources.load_corpus, its problems as BenchError and its fallback said aloud."""
    try:
        articles, origin = sources.load_corpus(corpus_dir, seeds_dir)
    except SourceError as exc:
        raise BenchError(str(exc)) from None
    if origin.endswith("missing)"):
        say(f"WARNING: benchmarking on {origin} ({len(articles)} article(s))")
    return articles, origin


def run_bench(
    settings: Settings,
    *,
    articles: int = 2000,
    runs: int = 3,
    rate: float = 20.0,
    latency_seconds: float = 90.0,
    json_path: Path | None,
    broker_port: int = 29092,
    corpus_dir: Path | None = None,
    latency_only: bool = False,
    lane_baseline: bool = False,
) -> dict[str, Any]:
    """Measure everything (see the module docstring), write `json_path` if given, return the result.

    `latency_only` skips the throughput runs; `lane_baseline` measures the alert latency a second time
    with the alert lane off (NEWSFEED_ALERT_LANE=false), so the lane's effect is seen in one run.
    """
    if articles < 1 or runs < 1 or rate <= 0 or latency_seconds <= 0:
        raise BenchError("articles and runs must be >= 1, rate and latency_seconds > 0")
    settings = without_security(settings)  # the bench's own broker is a local PLAINTEXT one
    started = time.perf_counter()
    loadavg_start = loadavg()
    base, corpus_from = load_corpus(corpus_dir)
    corpus = cycle_articles(base, articles)
    say(f"corpus: {len(base)} distinct articles from {corpus_from}, cycled to {len(corpus)} messages")

    from processors.enrich import STAGES
    from streams.pipeline import build_enricher, selective_twin

    enricher = build_enricher(settings)
    selective = selective_twin(enricher)
    ceiling_runs, offline_runs, selective_runs, stage_totals = [], [], [], dict.fromkeys(STAGES, 0.0)
    components: dict[str, float] = {}  # CPU seconds of each model component on the selective path
    parsed_shares: list[float] = []
    cpu_ms: dict[str, list[float]] = {
        "ceiling": [],
        "offline": [],
        "selective": [],
        **{k: [] for k, _, _ in STREAM_SETUPS},
    }
    for run in range(0 if latency_only else runs):
        say(f"[offline {run + 1}/{runs}] nlp.pipe alone and enrich_batch over {len(corpus)} articles ...")
        off = measure_offline(enricher, corpus, selective)
        ceiling_runs.append(off["ceiling_aps"])
        offline_runs.append(off["offline_aps"])
        selective_runs.append(off["selective_aps"])
        cpu_ms["ceiling"].append(off["ceiling_cpu_ms"])
        cpu_ms["offline"].append(off["offline_cpu_ms"])
        cpu_ms["selective"].append(off["selective_cpu_ms"])
        for stage, seconds in off["stages"].items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
        say(
            f"    ceiling {off['ceiling_aps']:.2f} a/s ({off['ceiling_cpu_ms']:.0f} CPU ms/article), "
            f"offline {off['offline_aps']:.2f} a/s ({off['offline_cpu_ms']:.0f} CPU ms/article), "
            f"selective {off['selective_aps']:.2f} a/s ({off['selective_cpu_ms']:.0f} CPU ms/article)"
        )
        for name, seconds in off["components"].items():
            components[name] = components.get(name, 0.0) + seconds
        parsed_shares.append(off["parsed_share"])
    parsed_share = statistics.median(parsed_shares) if parsed_shares else 0.0
    machine = machine_info(enricher.nlp, settings.spacy_model)
    del enricher, selective  # the bench process does not need the model while the workers run

    rss: list[float] = []
    with own_broker(broker_port) as cfg:
        stream_runs: dict[str, list[float]] = {key: [] for key, _, _ in STREAM_SETUPS}
        for key, workers, role in () if latency_only else STREAM_SETUPS:
            for run in range(runs):
                say(f"[stream {workers} worker(s), role {role}, {run + 1}/{runs}] {len(corpus)} articles ...")
                aps, peak, cpu = asyncio.run(measure_stream(settings, cfg.bootstrap, corpus, workers, role))
                stream_runs[key].append(aps)
                cpu_ms[key].append(cpu)
                rss.extend(peak)
                say(
                    f"    {aps:.2f} a/s ({cpu:.0f} worker CPU ms/article), "
                    f"worker peak RSS {', '.join(f'{r:.0f}' for r in peak)} MB"
                )
        count = max(1, round(rate * latency_seconds))
        latency_corpus = cycle_articles(base, count, distinct_titles=True)
        latency: dict[str, dict[str, Any]] = {}
        for label, lane in [("lane", True)] + ([("no_lane", False)] if lane_baseline else []):
            say(
                f"[latency, alert lane {'on' if lane else 'off'}] {count} articles at {rate:g} a/s, "
                "1 worker ..."
            )
            run_settings = settings.model_copy(update={"alert_lane": lane})
            latencies, achieved, peak = asyncio.run(
                measure_alert_latency(run_settings, cfg.bootstrap, latency_corpus, rate)
            )
            if not latencies:
                raise BenchError("no alert arrived during the latency run: do the seed articles still alert?")
            latency[label] = {
                "p50_s": round(percentile(latencies, 50), 3),
                "p99_s": round(percentile(latencies, 99), 3),
                "max_s": round(max(latencies), 3),
                "alerts": len(latencies),
                "achieved_rate_aps": round(achieved, 3),
                "samples_s": [round(v, 3) for v in latencies],  # in send order, to see when the tail hit
            }
            say(
                f"    p50 {latency[label]['p50_s']:.2f} s, p99 {latency[label]['p99_s']:.2f} s, "
                f"{len(latencies)} alerts"
            )
            rss.extend(peak)

    throughput = (
        {}
        if latency_only
        else {
            "ceiling_aps": round(statistics.median(ceiling_runs), 3),
            "offline_aps": round(statistics.median(offline_runs), 3),
            "selective_aps": round(statistics.median(selective_runs), 3),
            "selective_parsed_share": round(parsed_share, 3),
            "component_cpu_ms": {k: round(1000 * v / (runs * len(corpus)), 2) for k, v in components.items()},
            **{f"{k}_aps": round(statistics.median(v), 3) for k, v in stream_runs.items()},
            "offline_stage_ms": {
                s: round(1000 * v / (runs * len(corpus)), 2) for s, v in stage_totals.items()
            },
            "ceiling_aps_runs": [round(v, 3) for v in ceiling_runs],
            "offline_aps_runs": [round(v, 3) for v in offline_runs],
            "selective_aps_runs": [round(v, 3) for v in selective_runs],
            **{f"{k}_aps_runs": [round(x, 3) for x in v] for k, v in stream_runs.items()},
        }
    )
    result: dict[str, Any] = {
        **throughput,
        "alert_latency_p50_s": latency["lane"]["p50_s"],
        "alert_latency_p99_s": latency["lane"]["p99_s"],
        "offered_rate_aps": rate,
        "latency_achieved_rate_aps": latency["lane"]["achieved_rate_aps"],
        "alerts_measured": latency["lane"]["alerts"],
        "alert_latency": latency,
        "worker_rss_mb": round(max(rss), 1) if rss else 0.0,
        "articles": len(corpus),
        "corpus_distinct": len(base),
        "corpus": corpus_from,
        "runs": runs,
        "partitions": STREAM_PARTITIONS,
        "worker_batch_size": settings.batch_size,
        "worker_rss_mb_all": [round(v, 1) for v in rss],
        # CPU time per article depends less than a/s on what else the machine runs (not at all on waiting).
        "cpu_ms_per_article": {k: round(statistics.median(v), 1) for k, v in cpu_ms.items() if v},
        "machine": {**machine, "loadavg_start": loadavg_start, "loadavg_end": loadavg()},
        "seconds": round(time.perf_counter() - started, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result["targets"] = check_targets(result)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        say(f"wrote {json_path}")
    return result


@contextlib.contextmanager
def own_broker(port: int) -> Iterator[broker.BrokerConfig]:
    """A fresh broker of the bench's own (home .kafka/bench, empty data), stopped and wiped after."""
    cfg = broker.BrokerConfig.for_port(port, PROJECT_ROOT / ".kafka" / "bench")
    say(f"broker: starting on {cfg.bootstrap} (home {cfg.home}) ...")
    with contextlib.suppress(broker.BrokerError):
        broker.stop(cfg)
    shutil.rmtree(cfg.data, ignore_errors=True)
    status = broker.start(cfg)
    try:
        yield cfg
    finally:
        if status.started:
            broker.stop(cfg)
            shutil.rmtree(cfg.data, ignore_errors=True)
