"""`newsfeed bench --metrics-overhead`: what the metrics cost, with NEWSFEED_METRICS on and off in one run.

First the metrics' own CPU is counted in this process: the hooks one article passes through (the
Faust sensor in and out, the delivery callbacks, its share of a batch's histograms) and one scrape;
that figure does not depend on what else the machine runs. Then one enrichment worker (`--role
enrich`) streams the same corpus through the bench's own broker, alternately with metrics on and
off (the order flips every round, so a neighbour's load drifting over the run weighs on both
alike). With metrics on, /metrics is also scraped every few seconds, more often than Prometheus'
usual 15 s, so serving is in the price. Reports throughput and worker CPU per article of each, and
their ratios.
"""

import asyncio
import contextlib
import time
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from faust.types import TP

from processors.enrich import STAGES
from streams.ops.bench.alternating import alternate, bench_corpus, on_off_lines
from streams.ops.bench.measure import measure_stream, say
from streams.settings import Settings

SCRAPE_EVERY_S = 5.0
MAX_COST = 0.02  # the target: metrics cost under 2% of throughput
T = TypeVar("T")


def run_metrics_overhead(
    settings: Settings, *, articles: int, runs: int, broker_port: int, corpus_dir: Path | None = None
) -> dict[str, Any]:
    corpus = bench_corpus(articles, runs, corpus_dir)
    hooks = measure_hook_cost()
    us, ms = hooks["hook_us_per_article"], hooks["scrape_ms"]
    say(f"metrics CPU: {us:.1f} us per article, {ms:.2f} ms per scrape")
    scrapes = 0

    async def scraped_round(s: Settings, bootstrap: str, on: bool) -> tuple[float, float, str]:
        nonlocal scrapes
        measure = measure_stream(s, bootstrap, corpus, 1, "enrich")
        # The first worker serves on its broker port + 10 (metrics_ports, streams/ops/bench/run.py).
        url = f"http://127.0.0.1:{broker_port + 10}/metrics" if on else None
        (a, _, c), n = await _scraping(measure, url)
        scrapes += n
        return a, c, f", {n} scrapes" if on else ""

    rounds = alternate(
        settings, "metrics", corpus, runs=runs, broker_port=broker_port, one_round=scraped_round
    )
    figures = rounds.figures("metrics")
    return {
        "articles": len(corpus),
        "runs": runs,
        **figures,
        "scrapes": scrapes,
        **hooks,
        "hook_share_of_article_cpu": round(
            hooks["hook_us_per_article"] / 1000 / figures["metrics_off_cpu_ms"], 6
        ),
        "met": figures["throughput_ratio_on_off"] >= 1 - MAX_COST,
    }


def format_metrics_overhead(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"metrics overhead: {r['articles']} articles, 1 enrichment worker, {r['runs']} alternating "
            f"round(s) of on and off, medians; /metrics scraped every {SCRAPE_EVERY_S:g} s when on",
            *on_off_lines(r, "metrics", f"throughput >= {1 - MAX_COST:.2f}"),
            f"  metrics CPU counted in-process: {r['hook_us_per_article']:.1f} us per article "
            f"({100 * r['hook_share_of_article_cpu']:.3f}% of an article's worker CPU), "
            f"{r['scrape_ms']:.2f} ms per scrape ({r['scrape_series']} series)",
        ]
    )


def measure_hook_cost(articles: int = 20_000, batch_size: int = 8, scrapes: int = 200) -> dict[str, Any]:
    """CPU of the metrics themselves: what one article's hooks cost, and one /metrics render."""
    from prometheus_client import REGISTRY, generate_latest

    from streams import metrics

    class _Message:
        timestamp = time.time()

    class _Enricher:
        stage_seconds = dict.fromkeys(STAGES, 0.0)

        def enrich_batch(self, raws: list[int], at: object) -> list[int]:
            return raws

    was = metrics._enabled  # noqa: SLF001 - switched on here as `instrument` does in a worker
    metrics._enabled = True  # noqa: SLF001
    sensor = metrics._FaustSensor({"bench.raw"})  # noqa: SLF001
    tp, message, enricher = TP("bench.raw", 0), _Message(), _Enricher()
    loop = asyncio.new_event_loop()
    try:
        t0 = time.process_time()
        for i in range(articles):
            sensor.on_message_in(tp, i, message)  # type: ignore[arg-type]
            fut = loop.create_future()
            metrics.when_acked(fut, metrics.ENRICHED)
            fut.set_result(None)
            if i % batch_size == 0:
                with metrics.batch(batch_size):
                    metrics.with_stage_times(enricher)([i], None)
            sensor.on_message_out(tp, i, message)  # type: ignore[arg-type]
        loop.run_until_complete(asyncio.sleep(0))  # the done callbacks run on the loop
        hook_s = time.process_time() - t0
        t0 = time.process_time()
        for _ in range(scrapes):
            body = generate_latest(REGISTRY)
        scrape_s = time.process_time() - t0
    finally:
        loop.close()
        metrics._enabled = was  # noqa: SLF001
    return {
        "hook_us_per_article": round(1e6 * hook_s / articles, 2),
        "scrape_ms": round(1000 * scrape_s / scrapes, 3),
        "scrape_series": sum(1 for line in body.splitlines() if line and not line.startswith(b"#")),
    }


async def _scraping(measure: Coroutine[Any, Any, T], url: str | None) -> tuple[T, int]:
    """Run `measure` while scraping `url` every SCRAPE_EVERY_S (none when None); (its result, scrapes)."""
    scrapes = 0

    async def scrape() -> None:
        nonlocal scrapes
        while True:
            await asyncio.sleep(SCRAPE_EVERY_S)
            with contextlib.suppress(OSError):  # the worker is still starting, or already stopping
                await asyncio.to_thread(_get, url or "")
                scrapes += 1

    task = asyncio.ensure_future(scrape()) if url else None
    try:
        return await measure, scrapes
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as resp:
        resp.read()
