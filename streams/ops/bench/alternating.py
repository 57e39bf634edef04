"""One enrichment worker with a setting on and off in alternating rounds, on the bench's own broker.

Why: what a feature costs is the ratio of two runs of the same corpus; flipping the order every
round makes a neighbour's load drifting over the run weigh on both alike (2 shared cores). Used by
`--metrics-overhead` and `--stories-overhead`.
"""

import asyncio
import statistics
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import RawArticle
from streams.clients.replay import cycle_articles
from streams.ops.bench.measure import BenchError, measure_stream, say
from streams.ops.bench.run import load_corpus, own_broker
from streams.settings import Settings

# One round of one state: (settings with the setting on or off, bootstrap, on) -> (a/s, worker CPU
# ms per article, what to add to the round's line).
Round = Callable[[Settings, str, bool], Coroutine[Any, Any, tuple[float, float, str]]]


@dataclass
class Alternated:
    """Articles per second and worker CPU ms per article of each round, by state (True: on)."""

    aps: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})
    cpu: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})

    def median_aps(self, on: bool) -> float:
        return statistics.median(self.aps[on])

    def median_cpu(self, on: bool) -> float:
        return statistics.median(self.cpu[on])

    def figures(self, name: str) -> dict[str, Any]:
        """The medians, their on/off ratios and every round, keyed `<name>_on_aps` and so on."""
        on_aps, off_aps = self.median_aps(True), self.median_aps(False)
        on_cpu, off_cpu = self.median_cpu(True), self.median_cpu(False)
        return {
            f"{name}_on_aps": round(on_aps, 3),
            f"{name}_off_aps": round(off_aps, 3),
            "throughput_ratio_on_off": round(on_aps / off_aps, 4),
            f"{name}_on_cpu_ms": round(on_cpu, 1),
            f"{name}_off_cpu_ms": round(off_cpu, 1),
            "cpu_ratio_on_off": round(on_cpu / off_cpu, 4),
            f"{name}_on_aps_runs": [round(v, 3) for v in self.aps[True]],
            f"{name}_off_aps_runs": [round(v, 3) for v in self.aps[False]],
            f"{name}_on_cpu_ms_runs": [round(v, 1) for v in self.cpu[True]],
            f"{name}_off_cpu_ms_runs": [round(v, 1) for v in self.cpu[False]],
        }


def on_off_lines(r: dict[str, Any], name: str, target: str) -> list[str]:
    """The report lines every on/off measurement shares: both medians, their ratios, every round."""
    return [
        f"  {name} on   {r[f'{name}_on_aps']:.2f} a/s  {r[f'{name}_on_cpu_ms']:.0f} CPU ms/article",
        f"  {name} off  {r[f'{name}_off_aps']:.2f} a/s  {r[f'{name}_off_cpu_ms']:.0f} CPU ms/article",
        f"  on/off: throughput {r['throughput_ratio_on_off']:.3f}, CPU per article "
        f"{r['cpu_ratio_on_off']:.3f} (target: {target}: {'met' if r['met'] else 'NOT met'})",
        f"  runs (a/s): on {' '.join(f'{v:.2f}' for v in r[f'{name}_on_aps_runs'])}; "
        f"off {' '.join(f'{v:.2f}' for v in r[f'{name}_off_aps_runs'])}",
    ]


def bench_corpus(articles: int, runs: int, corpus_dir: Path | None) -> list[RawArticle]:
    if articles < 1 or runs < 1:
        raise BenchError("articles and runs must be >= 1")
    base, corpus_from = load_corpus(corpus_dir)
    corpus = cycle_articles(base, articles)
    say(f"corpus: {len(base)} distinct articles from {corpus_from}, cycled to {len(corpus)} messages")
    return corpus


def alternate(
    settings: Settings,
    setting: str,
    corpus: list[RawArticle],
    *,
    runs: int,
    broker_port: int,
    one_round: Round | None = None,
) -> Alternated:
    """`runs` rounds of `setting` on and off (order flipped each round); one worker, `--role enrich`."""

    async def stream_only(s: Settings, bootstrap: str, on: bool) -> tuple[float, float, str]:
        a, _, c = await measure_stream(s, bootstrap, corpus, 1, "enrich")
        return a, c, ""

    measure = one_round or stream_only
    label = setting.replace("_", " ")
    result = Alternated()
    with own_broker(broker_port) as cfg:
        for run in range(runs):
            for on in (True, False) if run % 2 == 0 else (False, True):
                state = "on" if on else "off"
                say(f"[{label} {state}, {run + 1}/{runs}] {len(corpus)} articles, 1 worker ...")
                run_settings = settings.model_copy(update={setting: on})
                a, c, extra = asyncio.run(measure(run_settings, cfg.bootstrap, on))
                result.aps[on].append(a)
                result.cpu[on].append(c)
                say(f"    {a:.2f} a/s ({c:.0f} worker CPU ms/article){extra}")
    return result
