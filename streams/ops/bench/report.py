"""`newsfeed bench`, the report: targets, percentiles and the table of figures (pure)."""

import math
from collections.abc import Sequence
from typing import Any

TARGETS = {  # name: (numerator, denominator, minimum ratio); RSS is checked separately
    "offline_vs_ceiling": ("offline_aps", "ceiling_aps", 0.8),
    "offline_vs_full_ceiling": ("selective_aps", "ceiling_aps", 1.3),  # issue #17
    "stream1_vs_offline": ("stream1_aps", "offline_aps", 0.9),
    "stream2_vs_stream1": ("stream2_aps", "stream1_aps", 1.7),
}


MAX_WORKER_RSS_MB = 500.0
# The throughput measurements, in the order the table lists them: `<key>` median, `<key>_runs` each run.
THROUGHPUT_KEYS = (
    "ceiling_aps",
    "offline_aps",
    "selective_aps",
    "stream1_aps",
    "stream2_aps",
    "stream1_all_aps",
)


MAX_ALERT_P99_S, ALERT_RATE_APS = 1.0, 20.0  # p99 alert latency below 1 s at 20 articles/s offered


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
                for key in THROUGHPUT_KEYS
                if f"{key}_runs" in result
            ),
        ]
    return "\n".join(lines)
