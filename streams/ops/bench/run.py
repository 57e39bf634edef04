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
import math
import os
import platform
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import RawArticle
from schemas.codec import encode
from streams.clients import sources
from streams.clients.replay import cycle_articles, replay
from streams.clients.sources import SourceError
from streams.ops import broker
from streams.security import client_security, without_security
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import ensure_topics
from streams.worker import Supervisor, WorkerProcess

STREAM_PARTITIONS = 2  # both streaming runs, so 1 worker vs 2 workers compares like with like
# (result key, workers, role): the enrichment app alone (the targets), then a whole `newsfeed worker`
# whose alert lane and alerter share the cores, to show what the lane costs in throughput.
STREAM_SETUPS = (("stream1", 1, "enrich"), ("stream2", 2, "enrich"), ("stream1_all", 1, "all"))
OFFLINE_CHUNK = 64  # articles per enrich_batch call in the offline measurement
READY_TIMEOUT_S = 180.0
TARGETS = {  # name: (numerator, denominator, minimum ratio); RSS is checked separately
    "offline_vs_ceiling": ("offline_aps", "ceiling_aps", 0.8),
    "offline_vs_full_ceiling": ("selective_aps", "ceiling_aps", 1.3),  # issue #17
    "stream1_vs_offline": ("stream1_aps", "offline_aps", 0.9),
    "stream2_vs_stream1": ("stream2_aps", "stream1_aps", 1.7),
}
MAX_WORKER_RSS_MB = 500.0
MAX_ALERT_P99_S, ALERT_RATE_APS = 1.0, 20.0  # p99 alert latency below 1 s at 20 articles/s offered


class BenchError(RuntimeError):
    """The bench cannot run or a measurement failed; the message says where to look."""


# --------------------------------------------------------------------------
# pure helpers


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not within 0..100")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def load_corpus(
    corpus_dir: Path | None = None, seeds_dir: Path = PROJECT_ROOT / "seeds"
) -> tuple[list[RawArticle], str]:
    """streams.clients.sources.load_corpus, its problems as BenchError and its fallback said aloud."""
    try:
        articles, origin = sources.load_corpus(corpus_dir, seeds_dir)
    except SourceError as exc:
        raise BenchError(str(exc)) from None
    if origin.endswith("missing)"):
        _say(f"WARNING: benchmarking on {origin} ({len(articles)} article(s))")
    return articles, origin


def check_targets(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target's measured ratio (or value) and whether it is met."""
    out: dict[str, dict[str, Any]] = {}
    for name, (num, den, minimum) in TARGETS.items():
        if num not in result:  # a latency-only run
            continue
        ratio = result[num] / result[den] if result.get(den) else 0.0
        out[name] = {"ratio": round(ratio, 3), "min": minimum, "met": ratio >= minimum}
    p99 = result["alert_latency_p99_s"]
    met = p99 < MAX_ALERT_P99_S and result["offered_rate_aps"] >= ALERT_RATE_APS
    out["alert_latency"] = {"p99_s": p99, "max_s": MAX_ALERT_P99_S, "at_aps": ALERT_RATE_APS, "met": met}
    rss = result["worker_rss_mb"]
    out["worker_rss"] = {"value_mb": rss, "max_mb": MAX_WORKER_RSS_MB, "met": rss <= MAX_WORKER_RSS_MB}
    return out


def format_bench(result: dict[str, Any]) -> str:
    """The bench result as a table for people (the JSON file has the same figures and the runs)."""
    m, t = result["machine"], result["targets"]
    throughput = "stream1_aps" in result

    def row(label: str, value: str, target: str = "", check: str | None = None) -> str:
        ratio, met = "", ""
        if check:
            met = "yes" if t[check]["met"] else "NO"
            ratio = f"{t[check]['ratio']:.2f}" if "ratio" in t[check] else ""
        return f"{label:<52}{value:>12}  {target:<20}{ratio:>6}  {met}".rstrip()

    offered = f"{result['offered_rate_aps']:g} a/s offered"
    runs = (
        f"{result['articles']} articles ({result['corpus_distinct']} distinct, cycled), median of "
        f"{result['runs']} run(s)"
        if throughput
        else f"alert latency only ({result['corpus_distinct']} distinct articles, cycled)"
    )
    lines = [
        f"newsfeed bench: {runs}, worker batch {result['worker_batch_size']}, "
        f"{result['partitions']} partitions",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
        f"spaCy {m['spacy']}, {m['model']} [{', '.join(m['pipeline'])}]",
        f"load average at start {m['loadavg_start']}, at end {m['loadavg_end']}",
        "",
        f"{'measure':<52}{'value':>12}  {'target':<20}{'ratio':>6}  ok",
    ]
    if throughput:
        lines += [
            row("ceiling: spaCy nlp.pipe alone", f"{result['ceiling_aps']:.2f} a/s"),
            row(
                "offline: newsfeed process",
                f"{result['offline_aps']:.2f} a/s",
                ">= 0.8 x ceiling",
                "offline_vs_ceiling",
            ),
            row(
                "offline, parser on the lines that need it",
                f"{result['selective_aps']:.2f} a/s",
                ">= 1.3 x ceiling",
                "offline_vs_full_ceiling",
            )
            + f"  ({100 * result['selective_parsed_share']:.0f}% of tokens parsed)",
            row(
                "streaming: 1 enrichment worker",
                f"{result['stream1_aps']:.2f} a/s",
                ">= 0.9 x offline",
                "stream1_vs_offline",
            ),
            row(
                "streaming: 2 enrichment workers",
                f"{result['stream2_aps']:.2f} a/s",
                ">= 1.7 x 1 worker",
                "stream2_vs_stream1",
            ),
            *(
                [
                    row(
                        "streaming: 1 worker, all roles (+ lane, alerter)",
                        f"{result['stream1_all_aps']:.2f} a/s",
                    )
                    + f"  {result['stream1_all_aps'] / result['stream1_aps']:.2f} x 1 enrichment worker"
                ]
                if "stream1_all_aps" in result
                else []
            ),
        ]
    for label, lat in result["alert_latency"].items():
        lane = "alert lane on" if label == "lane" else "alert lane off"
        target, check = ("p99 < 1 s at 20 a/s", "alert_latency") if label == "lane" else ("", None)
        lines += [
            row(f"alert latency p50 ({offered}, {lane})", f"{lat['p50_s']:.2f} s"),
            row(f"alert latency p99 ({offered}, {lane})", f"{lat['p99_s']:.2f} s", target, check)
            + f"  ({lat['alerts']} alerts, sent at {lat['achieved_rate_aps']:.1f} a/s)",
        ]
    lines.append(row("worker peak RSS (max)", f"{result['worker_rss_mb']:.0f} MB", "<= 500 MB", "worker_rss"))
    if throughput:
        lines += [
            "",
            "CPU ms per article (less sensitive to other load than a/s): "
            + ", ".join(f"{k} {v:.0f}" for k, v in result.get("cpu_ms_per_article", {}).items()),
            "selective path, CPU ms per article by model component: "
            + ", ".join(f"{name} {ms:.1f}" for name, ms in result["component_cpu_ms"].items()),
            "offline time per article by stage (ms): "
            + ", ".join(f"{stage} {ms:.1f}" for stage, ms in result["offline_stage_ms"].items()),
            "runs (a/s): "
            + "; ".join(
                f"{key.removesuffix('_aps')} " + " ".join(f"{v:.2f}" for v in result[f"{key}_runs"])
                for key in (
                    "ceiling_aps",
                    "offline_aps",
                    "selective_aps",
                    "stream1_aps",
                    "stream2_aps",
                    "stream1_all_aps",
                )
                if f"{key}_runs" in result
            ),
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the run


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
    loadavg_start = _loadavg()
    base, corpus_from = load_corpus(corpus_dir)
    corpus = cycle_articles(base, articles)
    _say(f"corpus: {len(base)} distinct articles from {corpus_from}, cycled to {len(corpus)} messages")

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
        _say(f"[offline {run + 1}/{runs}] nlp.pipe alone and enrich_batch over {len(corpus)} articles ...")
        off = measure_offline(enricher, corpus, selective)
        ceiling_runs.append(off["ceiling_aps"])
        offline_runs.append(off["offline_aps"])
        selective_runs.append(off["selective_aps"])
        cpu_ms["ceiling"].append(off["ceiling_cpu_ms"])
        cpu_ms["offline"].append(off["offline_cpu_ms"])
        cpu_ms["selective"].append(off["selective_cpu_ms"])
        for stage, seconds in off["stages"].items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
        _say(
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
                _say(
                    f"[stream {workers} worker(s), role {role}, {run + 1}/{runs}] {len(corpus)} articles ..."
                )
                aps, peak, cpu = asyncio.run(measure_stream(settings, cfg.bootstrap, corpus, workers, role))
                stream_runs[key].append(aps)
                cpu_ms[key].append(cpu)
                rss.extend(peak)
                _say(
                    f"    {aps:.2f} a/s ({cpu:.0f} worker CPU ms/article), "
                    f"worker peak RSS {', '.join(f'{r:.0f}' for r in peak)} MB"
                )
        count = max(1, round(rate * latency_seconds))
        latency_corpus = cycle_articles(base, count, distinct_titles=True)
        latency: dict[str, dict[str, Any]] = {}
        for label, lane in [("lane", True)] + ([("no_lane", False)] if lane_baseline else []):
            _say(
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
            _say(
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
        "machine": {**machine, "loadavg_start": loadavg_start, "loadavg_end": _loadavg()},
        "seconds": round(time.perf_counter() - started, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    result["targets"] = check_targets(result)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        _say(f"wrote {json_path}")
    return result


@contextlib.contextmanager
def own_broker(port: int) -> Iterator[broker.BrokerConfig]:
    """A fresh broker of the bench's own (home .kafka/bench, empty data), stopped and wiped after."""
    cfg = broker.BrokerConfig.for_port(port, PROJECT_ROOT / ".kafka" / "bench")
    _say(f"broker: starting on {cfg.bootstrap} (home {cfg.home}) ...")
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


def measure_offline(enricher: Any, corpus: Sequence[RawArticle], selective: Any = None) -> dict[str, Any]:
    """nlp.pipe alone (ceiling), enrich_batch (offline) and, given a selective enricher on the same
    model, its enrich_batch, on the same chunks: a/s, CPU ms/article, stages.

    The ceiling parses the same normalized texts with the same pipeline object and batch size.
    """
    from processors.normalize import normalize_text

    now = datetime.now(UTC)
    paths = [enricher] + ([selective] if selective is not None and selective is not enricher else [])
    for path in paths:  # untimed: first-call allocations and caches
        path.enrich_batch(corpus[: OFFLINE_CHUNK // 8], now)
        path.stage_seconds.clear()
        if path.selective is not None:
            path.selective.reset()
    ceiling_s = ceiling_cpu = 0.0
    wall, cpu = [0.0] * len(paths), [0.0] * len(paths)
    for start in range(0, len(corpus), OFFLINE_CHUNK):
        chunk = corpus[start : start + OFFLINE_CHUNK]
        texts = [normalize_text(raw.body) for raw in chunk]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in enricher.nlp.pipe(texts, batch_size=enricher.batch_size):
            pass
        ceiling_s += time.perf_counter() - t0
        ceiling_cpu += time.process_time() - c0
        for n, path in enumerate(paths):
            t0, c0 = time.perf_counter(), time.process_time()
            results = path.enrich_batch(chunk, now)
            wall[n] += time.perf_counter() - t0
            cpu[n] += time.process_time() - c0
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise BenchError(f"offline enrichment failed on {len(failed)} article(s): {failed[0]!r}")
    n = len(corpus)
    last = len(paths) - 1
    return {
        "ceiling_aps": n / ceiling_s,
        "offline_aps": n / wall[0],
        "selective_aps": n / wall[last],
        "ceiling_cpu_ms": 1000 * ceiling_cpu / n,
        "offline_cpu_ms": 1000 * cpu[0] / n,
        "selective_cpu_ms": 1000 * cpu[last] / n,
        "stages": dict(enricher.stage_seconds),
        # measured since the warm-up (reset above), so this run's only
        "components": dict(paths[last].selective.component_seconds) if paths[last].selective else {},
        "parsed_share": paths[last].selective.parsed_share() if paths[last].selective else 0.0,
    }


async def measure_stream(
    settings: Settings,
    bootstrap: str,
    corpus: Sequence[RawArticle],
    workers: int,
    role: str = "enrich",
    partitions: int = STREAM_PARTITIONS,
) -> tuple[float, list[float], float]:
    """(a/s from the first send to the last enriched event readable, peak RSS MB per worker, worker CPU
    ms per article over the same interval)."""
    run = settings.isolated(bootstrap, "bench", uuid.uuid4().hex[:8]).model_copy(
        update={"partitions": partitions}
    )
    ids = {a.id for a in corpus if a.id}
    async with _workers(run, workers, role) as procs:
        collector = asyncio.ensure_future(
            _arrivals(run, run.topic_enriched, procs, lambda seen: ids <= seen.keys(), 120.0 + len(ids))
        )
        t0, cpu0 = time.time(), sum(_cpu_seconds(p.pid) for p in procs)
        await replay(
            corpus, bootstrap=bootstrap, topic=run.topic_raw, progress=False, security=client_security(run)
        )
        seen = await collector
        cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu0
        missing = ids - seen.keys()
        if missing:
            raise BenchError(
                f"{len(missing)} article(s) not enriched in time; see {_log_path(run, 0).parent}"
            )
        elapsed = max(seen[i] for i in ids) - t0
        return len(ids) / elapsed, [_peak_rss_mb(p.pid) for p in procs], 1000 * cpu / len(ids)


async def measure_alert_latency(
    settings: Settings, bootstrap: str, corpus: Sequence[RawArticle], rate: float
) -> tuple[list[float], float, list[float]]:
    """(alert latencies in s, achieved send rate, worker peak RSS MB) with 1 worker at `rate` offered."""
    run = settings.isolated(bootstrap, "bench", uuid.uuid4().hex[:8]).model_copy(
        update={"partitions": STREAM_PARTITIONS}
    )
    ids = {a.id for a in corpus if a.id}
    async with _workers(run, 1) as procs:
        enriched = asyncio.ensure_future(
            _arrivals(run, run.topic_enriched, procs, lambda seen: ids <= seen.keys(), 120.0 + len(ids))
        )
        done_at: list[float] = []

        def alerts_done(_: dict[str, float]) -> bool:
            # Alerts take one more hop (candidates -> dedup -> alerts) after the last enriched event.
            if enriched.done() and not done_at:
                done_at.append(time.monotonic())
            return bool(done_at) and time.monotonic() - done_at[0] > 5.0

        alerts = asyncio.ensure_future(_arrivals(run, run.topic_alerts, procs, alerts_done, 130.0 + len(ids)))
        stats = await replay(
            corpus,
            bootstrap=bootstrap,
            topic=run.topic_raw,
            rate=rate,
            progress=False,
            security=client_security(run),
        )
        await enriched
        alerted = await alerts
        sent = sorted((t, i) for i, t in stats.produced_at.items() if i in alerted)
        latencies = [alerted[i] - t for t, i in sent]
        children = [c for p in procs for c in p.children()]
        _say(
            "    alert lane and alerter peak RSS: "
            + ", ".join(f"{_peak_rss_mb(c):.0f}" for c in children)
            + " MB"
        )
        return latencies, stats.sent / stats.seconds, [_peak_rss_mb(p.pid) for p in procs]


def machine_info(nlp: Any, model: str) -> dict[str, Any]:
    """What the figures were measured on (the issue asks for the machine to be named)."""
    import spacy

    cpuinfo = _read("/proc/cpuinfo").splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "unknown")
    meminfo = _read("/proc/meminfo").splitlines()
    mem_kb = next((int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal:")), 0)
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "model": f"{model} {nlp.meta.get('version', '')}".strip(),
        "pipeline": list(nlp.pipe_names),
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------
# streaming plumbing


def metrics_ports(settings: Settings, index: int) -> dict[str, str]:
    """Metrics ports of the bench's `index`-th worker, from its broker's port up (+10, 10 per worker),
    so workers on one machine do not collide with each other or with a `newsfeed worker` on 9400."""
    base = settings.broker_port + 10 + 10 * index
    return {
        "NEWSFEED_METRICS_PORT_ENRICH": str(base),
        "NEWSFEED_METRICS_PORT_ALERTS": str(base + 1),
        "NEWSFEED_METRICS_PORT_LANE": str(base + 2),
    }


def _log_path(settings: Settings, index: int) -> Path:
    return PROJECT_ROOT / ".kafka" / "bench" / "workers" / f"{settings.app_id}-{index}.log"


class _workers:  # noqa: N801 - used as `async with _workers(...)`, like a function
    """Start `count` worker subprocesses on the run's topics; enter when all are assigned and warm."""

    def __init__(self, settings: Settings, count: int, role: str = "all") -> None:
        self.settings, self.count, self.role = settings, count, role
        self.procs: list[WorkerProcess] = []
        self.supervisor = Supervisor([])

    async def __aenter__(self) -> list[WorkerProcess]:
        await ensure_topics(self.settings)
        self.procs = [
            WorkerProcess(
                self.settings,
                _log_path(self.settings, i),
                role=self.role,
                loglevel="warning",
                env=metrics_ports(self.settings, i),
                cwd=PROJECT_ROOT,
                new_session=True,
            )
            for i in range(self.count)
        ]
        self.supervisor = Supervisor(self.procs).start()
        try:
            await self._wait_ready()
        except BaseException:
            await self.__aexit__()
            raise
        return self.procs

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.supervisor.stop)

    async def _wait_ready(self) -> None:
        """Every worker in the group with partitions assigned, and one article per partition processed."""
        t0 = time.monotonic()
        await _wait_group(self.settings, self.count, self.procs)
        warmups = await _send_warmups(self.settings)
        seen = await _arrivals(
            self.settings, self.settings.topic_enriched, self.procs, lambda s: warmups <= s.keys()
        )
        if not warmups <= seen.keys():
            raise BenchError(
                f"workers did not process the warm-up articles; see {_log_path(self.settings, 0)}"
            )
        await _wait_group(self.settings, self.count, self.procs)  # no rebalance pending behind the warm-up
        if self.role != "all":
            return _say(f"    {self.count} worker(s) ready in {time.monotonic() - t0:.1f} s")
        # The alerting side too: the clock must not start while the lane still loads its model.
        await _wait_group(self.settings, self.count, self.procs, f"{self.settings.app_id}-alerts")
        if self.settings.alert_lane:
            lane = f"{self.settings.app_id}-lane"
            await _wait_group(self.settings, self.count * self.settings.lane_processes, self.procs, lane)
            await _wait_consumed(self.settings, lane, self.settings.topic_raw, self.procs)
        _say(f"    {self.count} worker(s) ready in {time.monotonic() - t0:.1f} s")


async def _wait_group(
    settings: Settings, members: int, procs: Sequence[WorkerProcess], group_id: str | None = None
) -> None:
    """Until the consumer group (default: the enrichment app's) is Stable with `members` members, each
    with an assignment."""
    group_id = group_id or settings.app_id
    admin = AIOKafkaAdminClient(**client_security(settings), bootstrap_servers=settings.broker)
    await admin.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            _check_alive(settings, procs)
            with contextlib.suppress(Exception):  # the group's coordinator may not exist yet
                (response,) = await admin.describe_consumer_groups([group_id])
                group = response.to_object()["groups"][0]
                assigned = [m for m in group["members"] if m["member_assignment"]]
                if group["state"] == "Stable" and len(assigned) == members == len(group["members"]):
                    return
            await asyncio.sleep(0.5)
        raise BenchError(f"consumer group {group_id} not stable with {members} member(s) in time")
    finally:
        await admin.close()


async def _wait_consumed(
    settings: Settings, group_id: str, topic: str, procs: Sequence[WorkerProcess]
) -> None:
    """Until the group has committed the end of every partition of `topic` (it has read the warm-ups)."""
    admin = AIOKafkaAdminClient(**client_security(settings), bootstrap_servers=settings.broker)
    consumer = AIOKafkaConsumer(
        **client_security(settings), bootstrap_servers=settings.broker, enable_auto_commit=False
    )
    await admin.start()
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            _check_alive(settings, procs)
            committed = await admin.list_consumer_group_offsets(group_id, partitions=tps)
            if all(tp in committed and committed[tp].offset >= ends[tp] for tp in tps):
                return
            await asyncio.sleep(0.5)
        raise BenchError(f"consumer group {group_id} did not read the warm-ups in time")
    finally:
        await consumer.stop()
        await admin.close()


async def _send_warmups(settings: Settings) -> set[str]:
    """One short article to each partition explicitly, so every worker has parsed before the clock starts."""
    producer = AIOKafkaProducer(**client_security(settings), bootstrap_servers=settings.broker, acks="all")
    await producer.start()
    ids = set()
    try:
        for p in range(settings.partitions):
            article_id = f"warmup-{settings.app_id}-{p}"
            raw = RawArticle(
                id=article_id,
                title=f"Warm-up {p}",
                body='The council met on Monday in Springfield. "We are ready," said Mayor Ann Lee.',
            )
            await producer.send_and_wait(
                settings.topic_raw, encode(raw), key=article_id.encode(), partition=p
            )
            ids.add(article_id)
    finally:
        await producer.stop()
    return ids


async def _arrivals(
    settings: Settings,
    topic: str,
    procs: Sequence[WorkerProcess],
    done: Callable[[dict[str, float]], bool],
    timeout_s: float = READY_TIMEOUT_S,
) -> dict[str, float]:
    """Key -> wall-clock time its first record became readable on `topic`, until `done(seen)` or timeout.

    The run's topics are fresh, so reading from the beginning sees only this run's records.
    """
    consumer = AIOKafkaConsumer(
        **client_security(settings), bootstrap_servers=settings.broker, enable_auto_commit=False
    )
    await consumer.start()
    seen: dict[str, float] = {}
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while not done(seen) and time.monotonic() < deadline:
            _check_alive(settings, procs)
            batch = await consumer.getmany(timeout_ms=200)
            now = time.time()
            for records in batch.values():
                for record in records:
                    if record.key is not None:
                        seen.setdefault(record.key.decode(), now)
    finally:
        await consumer.stop()
    return seen


def _check_alive(settings: Settings, procs: Sequence[WorkerProcess]) -> None:
    for i, proc in enumerate(procs):
        if not proc.running:
            log = _log_path(settings, i)
            tail = "\n".join(_read(str(log)).splitlines()[-15:])
            raise BenchError(f"worker {i} exited with {proc.returncode}; see {log}:\n{tail}")


def _peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    fields = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _loadavg() -> str:
    return " ".join(_read("/proc/loadavg").split()[:3]) or "unknown"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
