"""The operator tools: bench (and scale-out), chaos (and the drills), demo."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import orjson

from streams.commands import CommandError
from streams.settings import Settings


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops.bench.measure import BenchError
    from streams.ops.bench.report import format_bench
    from streams.ops.bench.run import run_bench

    if args.nodes != 1:
        return cmd_scale_out(args, settings)
    if args.metrics_overhead:
        from streams.ops.bench.metrics_overhead import format_metrics_overhead, run_metrics_overhead

        return _overhead(args, settings, run_metrics_overhead, format_metrics_overhead, articles=200)
    if args.stories_overhead:
        from streams.ops.bench.stories import format_stories_overhead, run_stories_overhead

        return _overhead(args, settings, run_stories_overhead, format_stories_overhead, articles=100)
    if args.desk_latency:
        from streams.ops.bench.desk import BrowserMissing, measure_desk_latency

        try:
            print(measure_desk_latency(settings, args.desk_latency, args.port))
        except BrowserMissing as exc:
            raise CommandError(str(exc)) from None
        return 0
    try:
        result = run_bench(
            settings,
            articles=args.articles or 2000,
            runs=args.runs,
            rate=args.rate,
            latency_seconds=args.latency_seconds,
            json_path=args.json_path,
            broker_port=args.port,
            corpus_dir=args.corpus,
            latency_only=args.latency_only,
            lane_baseline=args.lane_baseline,
        )
    except BenchError as exc:
        raise CommandError(str(exc)) from None
    print(format_bench(result))
    return 0


def cmd_scale_out(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops.bench.measure import BenchError
    from streams.ops.bench.scaleout import format_scale_out, run_scale_out
    from streams.ops.broker import BrokerError
    from streams.ops.cluster import ClusterConfig
    from streams.settings import PROJECT_ROOT

    cfg = ClusterConfig(home=PROJECT_ROOT / ".kafka" / "bench-cluster", nodes=args.nodes, base_port=args.port)
    try:
        result = run_scale_out(
            settings, cfg, articles=args.articles or 200, corpus_dir=args.corpus, json_path=args.json_path
        )
    except (BenchError, BrokerError) as exc:
        raise CommandError(str(exc)) from None
    print(format_scale_out(result))
    return 0


def cmd_chaos(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops.chaos import run_chaos

    if args.nodes != 1:
        return cmd_drills(args, settings)

    report = run_chaos(
        settings,
        articles=args.articles,
        kills=args.kills,
        broker_restarts=args.broker_restarts,
        broker_port=args.port,
        seed=args.seed,
    )  # prints its progress and the report itself
    return 0 if report.lost == 0 and report.committed_before_output == 0 else 1


def cmd_drills(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import drills
    from streams.ops.broker import BrokerError
    from streams.ops.cluster import ClusterConfig
    from streams.settings import PROJECT_ROOT

    cfg = ClusterConfig(home=PROJECT_ROOT / ".kafka" / "chaos-cluster", nodes=args.nodes, base_port=args.port)
    try:
        result = drills.run_drills(
            settings,
            cfg,
            drills=args.drills or drills.DRILLS,
            articles=args.articles,
            rate=args.rate,
            lead_chars=args.lead_chars,
        )
    except (drills.DrillError, BrokerError) as exc:
        raise CommandError(str(exc)) from None
    print("\n".join(["", *(r.render() for r in result.reports)]))
    return 0 if result.ok else 1


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from streams.desk.server import DeskConfigError
    from streams.ops.broker import BrokerError
    from streams.ops.demo import run_demo

    try:
        return run_demo(settings, args.paths, keep_broker=args.keep, desk=args.desk)
    except (BrokerError, DeskConfigError) as exc:
        raise CommandError(str(exc)) from None


def _overhead(
    args: argparse.Namespace,
    settings: Settings,
    run: Callable[..., dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    *,
    articles: int,
) -> int:
    """One of the bench's on/off cost measurements: run it, write --json, print it; 1 if not met."""
    from streams.ops.bench.measure import BenchError

    try:
        result = run(
            settings,
            articles=args.articles or articles,
            runs=args.runs,
            broker_port=args.port,
            corpus_dir=args.corpus,
        )
    except BenchError as exc:
        raise CommandError(str(exc)) from None
    if args.json_path is not None:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    print(render(result))
    return 0 if result["met"] else 1
