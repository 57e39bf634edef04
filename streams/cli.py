"""`newsfeed`: the command line of the news feed processor. Run `newsfeed COMMAND --help` for details."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from streams.settings import Settings, get_settings

if TYPE_CHECKING:  # heavy imports (spaCy, Faust) stay out of `newsfeed --help`
    from processors.enrich import Enricher
    from schemas import RawArticle
    from streams.broker import BrokerConfig

EPILOG = """
quick start:
  newsfeed process seeds/ --summary    enrich the seed offline (no Kafka), readable
  newsfeed demo                        local broker + worker, replay seeds, show events and alerts
  newsfeed broker start                start the local single-node Kafka (KRaft) on NEWSFEED_BROKER
  newsfeed worker                      run the stream processor against NEWSFEED_BROKER
  newsfeed replay seeds/ --repeat 10   publish articles to the raw topic

Settings come from NEWSFEED_* environment variables (see README.md).
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    from pydantic import ValidationError

    from streams.security import AccessError

    try:
        settings = get_settings()
    except ValidationError as exc:  # a NEWSFEED_* variable is wrong: say which, never echo its value
        for problem in settings_problems(exc):
            print(f"newsfeed: error: {problem}", file=sys.stderr)
        return 1
    try:
        return int(args.run(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except ValidationError as exc:  # a NEWSFEED_* setting is invalid: say which, no traceback
        for problem in settings_problems(exc):
            print(f"newsfeed: error: {problem}", file=sys.stderr)
        return 1
    except (CliError, AccessError) as exc:
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A broker that is down or goes away: one line, not aiokafka's traceback (--debug shows it).
        from aiokafka.errors import KafkaError

        from streams.connect import BrokerUnreachable

        if args.debug or not isinstance(exc, BrokerUnreachable | KafkaError):
            raise
        print(f"newsfeed: error: {_kafka_error_line(exc, get_settings())}", file=sys.stderr)
        return EXIT_BROKER_UNAVAILABLE


EXIT_BROKER_UNAVAILABLE = 69  # sysexits.h EX_UNAVAILABLE: scripts can tell "broker down" from bad input


def _kafka_error_line(exc: Exception, settings: Settings) -> str:
    from streams.connect import BrokerUnreachable, display_address

    if isinstance(exc, BrokerUnreachable):
        return f"{exc} (NEWSFEED_BROKER; --debug for the traceback)"
    return (
        f"Kafka at {display_address(settings.broker)} failed: {type(exc).__name__}: {exc} "
        "(--debug for the traceback)"
    )


def _reach_broker(settings: Settings) -> None:
    """Fail within seconds, in one line, when the broker refuses our TLS or SASL credentials
    (AccessError, naming the setting) or cannot be reached (instead of aiokafka's traceback)."""
    from streams.connect import probe
    from streams.security import client_security

    check_connection(settings)
    asyncio.run(probe(settings.broker, security=client_security(settings)))


def settings_problems(exc: Exception) -> list[str]:
    """One line per invalid setting, named by its variable (pydantic's own text is about fields)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return [str(exc)]
    lines = []
    for err in exc.errors():
        where = "NEWSFEED_" + "_".join(str(p) for p in err["loc"]).upper() + ": " if err["loc"] else ""
        lines.append(where + str(err.get("ctx", {}).get("error", err["msg"])))
    return lines


class CliError(Exception):
    """An error the user can act on; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Message-driven news feed processor: raw articles on Kafka in; enriched articles, "
        "escalation alerts, an archive and dead letters out.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error instead of one line"
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, run: Callable[..., int | None], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        return p

    broker = command(
        "broker", _help_of("broker"), "Manage the local Kafka (KRaft): one broker, or a cluster (--nodes)."
    )
    bsub = broker.add_subparsers(title="actions", metavar="ACTION")
    for action, text in (
        ("start", "Resolve the Kafka jars with mvn (once), format storage, start and wait until it answers."),
        ("stop", "Stop the local broker cleanly (SIGTERM, then SIGKILL after a timeout)."),
        ("status", "Say whether the local broker runs, and where."),
    ):
        p = bsub.add_parser(action, help=text, description=text)
        p.set_defaults(run=cmd_broker, action=action)
        _add_nodes(p, 1, "1: the single broker; 3: a local cluster under .kafka/cluster/ (default: 1)")
        if action == "start":
            p.add_argument(
                "--secure",
                action="store_true",
                help="the single broker with a SASL_SSL listener (SCRAM-SHA-512), a CA and broker "
                "certificate made with openssl, users admin/newsfeed/subscriber and their ACLs; prints the "
                "client settings of each (passwords in files under .kafka/secure/). Storage is formatted "
                "once: to switch an existing plain broker to secure, `broker stop` and remove .kafka/data.",
            )
    for action, text in (
        ("kill", "SIGKILL one node of the local cluster (no controlled shutdown), for failover drills."),
        ("restart", "Restart one node of the local cluster (SIGTERM if it runs, then start and wait)."),
    ):
        p = bsub.add_parser(action, help=text, description=text)
        p.add_argument("node", type=int, help="node id, 1 to --nodes")
        p.set_defaults(run=cmd_cluster_node, action=action)
        _add_nodes(p, 3, "nodes of the cluster (default: 3)")

    topics = command("topics", _help_of("topics"), "The pipeline's topics: create them, or verify them.")
    tsub = topics.add_subparsers(title="actions", metavar="ACTION")
    for action, text in (
        ("create", "Create every missing topic with its partitions, replication and configs (admin rights)."),
        (
            "check",
            "Verify that every topic exists with its partitions, replication and configs; exit 1 if not.",
        ),
    ):
        tsub.add_parser(action, help=text, description=text).set_defaults(run=cmd_topics, action=action)

    worker = command("worker", cmd_worker, "Run the stream processor (Faust worker) against NEWSFEED_BROKER.")
    worker.add_argument("-l", "--loglevel", default="info", help="log level (default: info)")
    worker.add_argument(
        "--role",
        choices=("all", "enrich", "lane", "alerts"),
        default="all",
        help="enrich: the enrichment app; lane: the alert lane (parses only what could alert, so alerts "
        "do not queue behind enrichment); alerts: the alert dedup app; all (default): the three, lane and "
        "alerter as child processes, enrichment at lower CPU priority (NEWSFEED_ENRICH_NICE). Scale out "
        "with more `all` or `enrich` + `lane` workers; the alerter's table is partitioned by story.",
    )

    replay = command(
        "replay", cmd_replay, "Publish articles to the raw topic (idempotent producer, acks=all)."
    )
    _add_paths(replay)
    replay.add_argument("--topic", help="target topic (default: NEWSFEED_TOPIC_RAW)")
    replay.add_argument("--rate", type=float, help="articles per second (default: as fast as possible)")
    replay.add_argument(
        "--repeat", type=int, default=1, help="send everything N times, distinct ids per copy"
    )
    replay.add_argument("--no-progress", action="store_true", help="no progress bar")

    process = command(
        "process", cmd_process, "Enrich articles offline (no Kafka); one EnrichedArticle per line."
    )
    _add_paths(process)
    process.add_argument("--summary", action="store_true", help="readable summary instead of JSON lines")

    tail = command("tail", cmd_tail, "Print a topic's messages as JSON lines.")
    tail.add_argument("topic", help="topic name, e.g. news.alerts")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest message")
    tail.add_argument("--count", type=int, help="stop after N messages")
    tail.add_argument("--timeout", type=float, help="stop after N seconds without a message")

    ev = command(
        "eval", cmd_eval, "Score enrichment against labelled articles (desk, entities, quotes, alerts)."
    )
    ev.description = (
        "Score enrichment against labelled articles (desk, entities, quotes, alerts). Totals are printed "
        "separately for the tuning part and the validation part. An article is in the validation part "
        "when the first 8 hex digits of sha256('newsfeed-validation:' + id), read as an integer, are "
        "divisible by 4: a choice made before tuning (19 of the 55 dev articles, mixed desks). Per-article "
        "rows are shown for tuning articles only, so the validation part stays unseen text. Also prints "
        "precision at confidence >= 0.8 and, with --gum, GUM entity recall."
    )
    ev.add_argument("label_dir", type=Path, help="directory of labelled article JSON files")
    ev.add_argument("--gum", type=Path, help="GUM derived/ directory for the entity-recall check")
    ev.add_argument("--json", action="store_true", help="machine-readable output")
    ev.add_argument(
        "--stories",
        action="store_true",
        help="score story grouping instead: copies of each labelled article (edited headline, trimmed, "
        "reordered, added paragraph, wire lead) among same-desk other events, built at run time; "
        "pairwise precision, recall and false merges per part, and the grouping's share of enrichment cost",
    )
    ev.add_argument("--seed", type=int, default=18, help="--stories: the corpus generator's seed")

    schemas = command("schemas", _help_of("schemas"), "Message contracts.")
    ssub = schemas.add_subparsers(title="actions", metavar="ACTION")
    export = ssub.add_parser("export", help="Write the JSON Schema of every topic's message to DIR.")
    export.add_argument("dir", type=Path)
    export.set_defaults(run=cmd_schemas_export)
    asyncapi = ssub.add_parser(
        "asyncapi",
        help="Write the AsyncAPI 3.0 document of every topic (channels, keys, messages, Kafka bindings).",
        description="Generate the AsyncAPI 3.0 document from the topic table (streams/topics.py) and the "
        "message schemas, with the default topic names and partitions; its payloads refer to the JSON "
        "Schemas in json/ beside it (`make schemas` refreshes schemas/asyncapi.json).",
    )
    asyncapi.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    asyncapi.set_defaults(run=cmd_schemas_asyncapi)

    rules = command("rules", _help_of("rules"), "Escalation rules: validate a rules file, explain a score.")
    rsub = rules.add_subparsers(title="actions", metavar="ACTION")
    check = rsub.add_parser("check", help="Validate a rules TOML file; errors name the line and the rule.")
    check.add_argument("file", type=Path)
    check.set_defaults(run=cmd_rules_check)
    explain = rsub.add_parser("explain", help="Show an article's escalation score rule by rule.")
    explain.add_argument(
        "article", type=Path, help="an article file (.txt, .json, .jsonl: the first article)"
    )
    explain.add_argument(
        "--rules", type=Path, help="rules file (default: NEWSFEED_ALERT_RULES or the packaged one)"
    )
    explain.set_defaults(run=cmd_rules_explain)

    bench = command("bench", cmd_bench, "Measure throughput, alert latency and memory through a real broker.")
    bench.add_argument("--json", type=Path, dest="json_path", help="also write the figures to this JSON file")
    bench.add_argument("--articles", type=int, help="messages per measurement (default: 2000)")
    bench.add_argument("--runs", type=int, default=3, help="runs per measurement; medians are reported")
    bench.add_argument("--rate", type=float, default=20.0, help="offered rate for alert latency (articles/s)")
    bench.add_argument(
        "--latency-seconds",
        type=float,
        default=90.0,
        help="how long to offer that rate (default 90: about 500 alerts, enough for a p99)",
    )
    bench.add_argument("--corpus", type=Path, help="labelled articles dir (default: ../shared/dev)")
    bench.add_argument("--port", type=int, default=29092, help="port of the bench's own broker")
    bench.add_argument(
        "--latency-only", action="store_true", help="skip the throughput runs, measure alert latency only"
    )
    bench.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="3: measure scale-out instead: enrichment a/s with 1, 2 and 4 workers on 4 partitions of a "
        "three-node cluster of its own (RF 3, ISR 2; one run; --articles default 200; node 1 on --port)",
    )
    bench.add_argument(
        "--lane-baseline",
        action="store_true",
        help="measure alert latency a second time with the alert lane off, for comparison",
    )
    bench.add_argument(
        "--metrics-overhead",
        action="store_true",
        help="measure only what the metrics cost: 1 enrichment worker, NEWSFEED_METRICS on and off "
        "alternating, --runs rounds of --articles (e.g. --articles 200 --runs 3: 6 worker runs, 10-25 min)",
    )
    bench.add_argument(
        "--stories-overhead",
        action="store_true",
        help="measure only what story grouping costs: 1 enrichment worker, NEWSFEED_STORY_GROUPING on and "
        "off alternating, --runs rounds of --articles (e.g. --articles 100 --runs 2: 4 worker runs)",
    )

    bench.add_argument(
        "--desk-latency",
        type=int,
        metavar="N",
        help="only measure replay -> alert row on the desk in headless Chromium, over N alerts (about "
        "N x 2 s plus a minute of start-up; needs chromium, chromium-driver and selenium)",
    )

    status = command(
        "status",
        cmd_status,
        "Show a running deployment from the broker: topic offsets, consumer group lag per partition, "
        "dead letters of the last hour by type.",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")

    reprocess = command(
        "reprocess",
        cmd_reprocess,
        "Re-enrich history: re-publish archived raw articles to the raw topic (idempotent producer).",
    )
    reprocess.description = (
        "Read the compacted archive topic (NEWSFEED_TOPIC_ARCHIVE) to its current end and send the raw "
        "record of every article still archived back to NEWSFEED_TOPIC_RAW, keyed by article id, so a "
        "running worker re-enriches it with the current model and rules (outputs are keyed by id: the "
        "new enrichment replaces the old one). Articles deleted by a tombstone are not re-sent."
    )
    reprocess.add_argument(
        "--from-archive",
        action="store_true",
        required=True,
        help="take the articles from the archive topic (the only source for now; required)",
    )
    reprocess.add_argument(
        "--since",
        metavar="DATE",
        help="only articles archived at or after DATE (YYYY-MM-DD, a whole UTC day, or an ISO date-time)",
    )
    reprocess.add_argument(
        "--until",
        metavar="DATE",
        help="only articles archived up to DATE (a bare date includes that whole UTC day)",
    )
    reprocess.add_argument("--dry-run", action="store_true", help="count what would be re-sent, send nothing")
    reprocess.add_argument("--no-progress", action="store_true", help="no progress bar")

    dlq = command("dlq", _help_of("dlq"), "Dead letters: summarise them, re-inject them after a fix.")
    dsub = dlq.add_subparsers(title="actions", metavar="ACTION")
    dlist = dsub.add_parser("list", help="Count dead letters by error type, with examples and their origin.")
    dlist.set_defaults(run=cmd_dlq_list)
    dreplay = dsub.add_parser("replay", help="Re-publish dead letters' original bytes to the raw topic.")
    dreplay.add_argument("--error-type", action="append", dest="error_types", help="only this class")
    dreplay.add_argument("--dry-run", action="store_true", help="count what would be re-sent, send nothing")
    dreplay.set_defaults(run=cmd_dlq_replay)

    chaos = command("chaos", cmd_chaos, "Kill workers, restart the broker mid-replay; count lost articles.")
    chaos.add_argument("--articles", type=int, default=1000, help="articles to replay (default: 1000)")
    chaos.add_argument("--kills", type=int, default=5, help="SIGKILLs of the worker at random moments")
    chaos.add_argument("--broker-restarts", type=int, default=1, help="broker stop/starts mid-stream")
    chaos.add_argument("--seed", type=int, help="random seed for the kill times")
    chaos.add_argument("--port", type=int, default=39092, help="port of the chaos run's own broker")
    chaos.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="3: the failover drills on a cluster of its own (2 workers, 4 partitions, RF 3, ISR 2) "
        "instead; --port is node 1's, the others follow (+2 each)",
    )
    chaos.add_argument(
        "--drill",
        action="append",
        dest="drills",
        choices=("leader-kill", "rolling", "worker-kill", "two-down"),
        help="with --nodes 3: run only this drill (repeatable; default: all four in turn)",
    )
    chaos.add_argument(
        "--rate", type=float, default=12.0, help="with --nodes 3: articles/s streamed in during each drill"
    )
    chaos.add_argument(
        "--lead-chars", type=int, help="with --nodes 3: cut bodies to their first N characters (faster)"
    )

    desk = command(
        "desk",
        cmd_desk,
        "The security desk: a live alert page (acknowledge, assign) on NEWSFEED_DESK_HOST:PORT; with no "
        "ACTION, run it. Beyond 127.0.0.1 it requires a login (users from `newsfeed desk adduser`).",
    )
    desk.add_argument("--host", help="bind address (default: NEWSFEED_DESK_HOST, 127.0.0.1)")
    desk.add_argument("--port", type=int, help="port (default: NEWSFEED_DESK_PORT, 8070)")
    desk_sub = desk.add_subparsers(title="actions", metavar="ACTION")
    adduser = desk_sub.add_parser(
        "adduser",
        help="Add a desk user or change a password (argon2 hash in NEWSFEED_DESK_USERS).",
        description="Add a desk user or change a password (argon2 hash in NEWSFEED_DESK_USERS).",
    )
    adduser.add_argument("name", help="user name (no colon)")
    adduser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input, not a prompt"
    )
    adduser.set_defaults(run=cmd_desk_adduser)
    command(
        "notify",
        cmd_notify,
        "POST each new or raised alert to the webhooks in NEWSFEED_NOTIFY_WEBHOOKS (signed, retried, "
        "dead-lettered to NEWSFEED_TOPIC_NOTIFY_DEADLETTER after NEWSFEED_NOTIFY_MAX_TRIES).",
    )

    demo = command(
        "demo", cmd_demo, "Start broker and worker, replay seeds/, show enriched events and alerts."
    )
    demo.add_argument(
        "paths", nargs="*", type=Path, default=[Path("seeds")], help="articles (default: seeds/)"
    )
    demo.add_argument("--keep", action="store_true", help="leave the broker running afterwards")
    demo.add_argument(
        "--desk",
        action="store_true",
        help="also run the desk (its URL is printed) and keep everything running until Ctrl-C",
    )
    return parser


def _add_nodes(p: argparse.ArgumentParser, default: int, text: str) -> None:
    p.add_argument(
        "--nodes",
        type=int,
        default=default,
        help=f"{text}; node N listens on NEWSFEED_BROKER's first port + 2*(N-1), its controller on the next",
    )


def _add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, help=".txt (title on line 1), .json, .jsonl files or dirs")


def _help_of(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    def show(args: argparse.Namespace, settings: Settings) -> int:
        build_parser().parse_args([name, "--help"])
        return 2

    return show


def _load_articles(paths: list[Path]) -> list[RawArticle]:
    from streams.sources import SourceError, load_articles

    try:
        return list(load_articles(paths))
    except (SourceError, OSError) as exc:
        raise CliError(str(exc)) from None


def build_enricher(settings: Settings) -> Enricher:
    """streams.pipeline.build_enricher, with a missing model as a clear CLI error."""
    from processors.nlp import ModelNotInstalled
    from streams import pipeline

    try:
        return pipeline.build_enricher(settings)
    except ModelNotInstalled as exc:
        raise CliError(str(exc)) from None


def broker_config(settings: Settings) -> BrokerConfig:
    from streams.broker import BrokerConfig

    return BrokerConfig(
        home=settings.broker_home, port=settings.broker_port, controller_port=settings.broker_port + 1
    )


def cmd_broker(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from streams import broker, secure_broker

    if args.nodes != 1:
        if getattr(args, "secure", False):
            raise CliError("--secure starts the single broker only (--nodes 1)")
        return cmd_cluster(args, settings)
    cfg = broker_config(settings)
    if getattr(args, "secure", False):
        cfg = dataclasses.replace(cfg, secure=secure_broker.SecureSpec.of(settings))
    try:
        if args.action == "start":
            st = broker.start(cfg)
            print(f"broker {'started' if st.started else 'already running'} at {st.bootstrap} (pid {st.pid})")
            if cfg.secure is not None:
                print(secure_broker.describe_clients(cfg))
        elif args.action == "stop":
            print("broker stopped" if broker.stop(cfg) else "broker was not running")
        else:
            st = broker.status(cfg)
            print(f"broker running at {st.bootstrap} (pid {st.pid})" if st.running else "broker not running")
            return 0 if st.running else 3
    except broker.BrokerError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_cluster(args: argparse.Namespace, settings: Settings) -> int:
    from streams import cluster
    from streams.broker import BrokerError

    cfg = cluster.cluster_config(settings, args.nodes)
    try:
        if args.action == "start":
            nodes = cluster.start(cfg)
            for node in nodes:
                print(
                    f"node {node.node_id} {'started' if node.started else 'already running'} at "
                    f"{node.bootstrap} (pid {node.pid})"
                )
            print(
                f"export NEWSFEED_BROKER={cfg.bootstrap} NEWSFEED_REPLICATION={cfg.replication} "
                f"NEWSFEED_MIN_INSYNC_REPLICAS={cfg.min_insync_replicas}"
            )
        elif args.action == "stop":
            stopped = cluster.stop(cfg)
            print(f"stopped node(s) {', '.join(map(str, stopped))}" if stopped else "no node was running")
        else:
            nodes = cluster.status(cfg)
            for node in nodes:
                state = f"running (pid {node.pid})" if node.running else "not running"
                print(f"node {node.node_id} at {node.bootstrap}: {state}")
            return 0 if all(n.running for n in nodes) else 3
    except BrokerError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_cluster_node(args: argparse.Namespace, settings: Settings) -> int:
    from streams import cluster
    from streams.broker import BrokerError

    cfg = cluster.cluster_config(settings, args.nodes)
    try:
        if args.action == "kill":
            pid = cluster.kill(cfg, args.node)
            print(f"node {args.node} killed (pid {pid})" if pid else f"node {args.node} was not running")
        else:
            node = cluster.restart(cfg, args.node)
            print(f"node {args.node} running at {node.bootstrap} (pid {node.pid})")
    except BrokerError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from streams.security import refusals_explained
    from streams.topics import check_topics, ensure_topics, topic_specs

    check_connection(settings)
    with refusals_explained(settings, f"{args.action} topics"):
        if args.action == "create":
            created = asyncio.run(ensure_topics(settings))
            print(f"created {', '.join(created)}" if created else "every topic exists")
        problems = asyncio.run(check_topics(settings))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(topic_specs(settings))} topics ok on {settings.broker}")
    return 1 if problems else 0


def check_connection(settings: Settings) -> None:
    """Fail in seconds, naming the setting, when the broker refuses our TLS or SASL credentials."""
    from streams.security import check_access

    asyncio.run(check_access(settings))


def prepare_worker(settings: Settings, loglevel: str = "info") -> None:
    """Wait until the broker accepts our credentials (retrying with backoff, the reason logged once per
    attempt), then create the missing topics, or with NEWSFEED_CREATE_TOPICS=false only verify them."""
    import time

    from streams.security import AccessError, AuthorizationError, refusals_explained
    from streams.topics import check_topics, wait_and_ensure_topics

    delay, attempt = 1.0, 1
    while True:
        try:
            check_connection(settings)
            break
        except AccessError as exc:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
            print(
                f"[{stamp}] newsfeed worker: attempt {attempt}: {exc}; retrying in {delay:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(delay)
            delay, attempt = min(delay * 2, 60.0), attempt + 1
    try:
        with refusals_explained(settings, f"{'create' if settings.create_topics else 'verify'} the topics"):
            if settings.create_topics:  # as before: existing topics are left as they are
                # A worker started ahead of its broker waits here (logging each attempt), so it
                # neither crash-loops nor reports Ready before it is connected.
                wait_and_ensure_topics(settings, loglevel=loglevel)
                return
            problems = asyncio.run(check_topics(settings))
    except AuthorizationError as exc:
        hint = " (no create rights? NEWSFEED_CREATE_TOPICS=false, and an admin runs `newsfeed topics create`)"
        raise CliError(f"{exc}{hint if settings.create_topics else ''}") from None
    if problems:
        raise CliError(
            "topics are not ready (run `newsfeed topics create` as an admin):\n  " + "\n  ".join(problems)
        )


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from faust import Worker

    from streams.faust_app import CodecUnavailable, check_compression

    try:
        check_compression(settings)
    except CodecUnavailable as exc:
        raise CliError(str(exc)) from None
    prepare_worker(settings, loglevel=args.loglevel)
    if args.role == "alerts":
        from streams.alerter import app as alerter_app

        Worker(alerter_app, loglevel=args.loglevel).execute_from_commandline()
        return 0
    if args.role == "lane":
        from streams.lane import app as lane_app

        Worker(lane_app, loglevel=args.loglevel).execute_from_commandline()
        return 0
    from streams.app import app
    from streams.children import Children
    from streams.metrics import child_env

    roles: list[str] = []
    if args.role == "all":
        roles = ["alerts"] + (["lane"] * settings.lane_processes if settings.alert_lane else [])
    children = Children(roles, args.loglevel, child_env(settings, roles))
    children.start()
    # After the children start (they inherit niceness): bulk enrichment yields the cores to alerting.
    os.nice(settings.enrich_nice)
    try:
        Worker(app, loglevel=args.loglevel).execute_from_commandline()
    finally:
        children.stop()
    return 0


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from streams.replay import repeated, replay
    from streams.security import client_security, refusals_explained
    from streams.topics import ensure_topics

    articles = _load_articles(args.paths)
    if not articles:
        raise CliError("no articles found in " + ", ".join(map(str, args.paths)))
    _reach_broker(settings)
    topic = args.topic or settings.topic_raw
    with refusals_explained(settings, f"publish to {topic}"):
        if not args.topic and settings.create_topics:  # the raw topic, with its partitions
            asyncio.run(ensure_topics(settings, only={topic}))
        stats = asyncio.run(
            replay(
                repeated(articles, args.repeat),
                bootstrap=settings.broker,
                topic=topic,
                rate=args.rate,
                total=len(articles) * args.repeat,
                progress=not args.no_progress,
                security=client_security(settings),
            )
        )
    print(
        f"sent {stats.sent} articles in {stats.seconds:.2f} s ({stats.sent / max(stats.seconds, 1e-9):.0f}/s)"
    )
    return 0


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from streams.summary import summarize_article

    articles = _load_articles(args.paths)
    enricher = build_enricher(settings)
    now = datetime.now(UTC)
    failed = 0
    out = sys.stdout.buffer
    for raw, result in zip(articles, enricher.enrich_batch(articles, now), strict=True):
        if isinstance(result, Exception):
            failed += 1
            print(f"newsfeed: {raw.id}: {result}", file=sys.stderr)
        elif args.summary:
            out.write((summarize_article(result) + "\n\n").encode())
        else:
            out.write(orjson.dumps(result.model_dump()) + b"\n")
    out.flush()
    return 1 if failed else 0


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.security import client_security, refusals_explained
    from streams.tail import TopicNotFound, as_json_line, tail

    async def run() -> None:
        async for record in tail(
            settings.broker,
            args.topic,
            from_beginning=args.from_beginning,
            count=args.count,
            timeout=args.timeout,
            security=client_security(settings),
        ):
            sys.stdout.buffer.write(orjson.dumps(as_json_line(record)) + b"\n")
            sys.stdout.flush()

    _reach_broker(settings)
    try:
        with refusals_explained(settings, f"read {args.topic}"):
            asyncio.run(run())
    except TopicNotFound as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from streams.evaluate import format_report, report_json, run_eval

    if not args.label_dir.is_dir():
        raise CliError(f"{args.label_dir}: not a directory")
    from streams.pipeline import build_lane

    enricher = build_enricher(settings)
    if args.stories:
        from streams.evaluate_stories import format_story_report, run_story_eval, story_report_json

        stories = run_story_eval(args.label_dir, enricher, settings.story_window_s, args.seed)
        if args.json:
            print(orjson.dumps(story_report_json(stories), option=orjson.OPT_INDENT_2).decode())
        else:
            print(format_story_report(stories))
        return 0
    lane = build_lane(settings, enricher)
    report = run_eval(args.label_dir, enricher, args.gum, lane)
    if args.json:
        print(orjson.dumps(report_json(report), option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_report(report))
    return 0


def cmd_schemas_export(args: argparse.Namespace, settings: Settings) -> int:
    from schemas.export import json_schemas

    args.dir.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (args.dir / name).write_bytes(
            orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        )
        print(args.dir / name)
    return 0


def cmd_schemas_asyncapi(args: argparse.Namespace, settings: Settings) -> int:
    from streams.asyncapi import asyncapi_document, render

    text = render(asyncapi_document())
    if args.output:
        args.output.write_bytes(text)
        print(args.output)
    else:
        sys.stdout.buffer.write(text)
    return 0


def cmd_rules_check(args: argparse.Namespace, settings: Settings) -> int:
    from processors.rules import check_rules

    problems = check_rules(args.file)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.file}: ok")
    return 1 if problems else 0


def cmd_rules_explain(args: argparse.Namespace, settings: Settings) -> int:
    from processors.rules import RulesError, explain, load_rules, render_hits

    articles = _load_articles([args.article])
    if not articles:
        raise CliError(f"{args.article}: no article")
    try:
        rules = load_rules(args.rules or settings.alert_rules)
    except RulesError as exc:
        raise CliError(str(exc)) from None
    enricher = build_enricher(settings.model_copy(update={"alert_rules": args.rules or settings.alert_rules}))
    enriched = enricher.enrich(articles[0], datetime.now(UTC))
    hits = explain(enricher.nlp(enriched.body), enriched.title, enriched.entities, enriched.section, rules)
    print(f"{enriched.title}\n  desk {enriched.section.desk}\n")
    print(render_hits(hits, rules))
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from streams.bench import BenchError, format_bench, run_bench

    if args.nodes != 1:
        return cmd_scale_out(args, settings)
    if args.metrics_overhead:
        from streams.bench_metrics import format_metrics_overhead, run_metrics_overhead

        try:
            overhead = run_metrics_overhead(
                settings,
                articles=args.articles or 200,
                runs=args.runs,
                broker_port=args.port,
                corpus_dir=args.corpus,
            )
        except BenchError as exc:
            raise CliError(str(exc)) from None
        if args.json_path is not None:
            args.json_path.parent.mkdir(parents=True, exist_ok=True)
            args.json_path.write_bytes(orjson.dumps(overhead, option=orjson.OPT_INDENT_2) + b"\n")
        print(format_metrics_overhead(overhead))
        return 0 if overhead["met"] else 1
    if args.stories_overhead:
        from streams.bench_stories import format_stories_overhead, run_stories_overhead

        try:
            cost = run_stories_overhead(
                settings,
                articles=args.articles or 100,
                runs=args.runs,
                broker_port=args.port,
                corpus_dir=args.corpus,
            )
        except BenchError as exc:
            raise CliError(str(exc)) from None
        if args.json_path is not None:
            args.json_path.parent.mkdir(parents=True, exist_ok=True)
            args.json_path.write_bytes(orjson.dumps(cost, option=orjson.OPT_INDENT_2) + b"\n")
        print(format_stories_overhead(cost))
        return 0 if cost["met"] else 1
    if args.desk_latency:
        from streams.desk_bench import BrowserMissing, measure_desk_latency

        try:
            print(measure_desk_latency(settings, args.desk_latency, args.port))
        except BrowserMissing as exc:
            raise CliError(str(exc)) from None
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
        raise CliError(str(exc)) from None
    print(format_bench(result))
    return 0


def cmd_scale_out(args: argparse.Namespace, settings: Settings) -> int:
    from streams.bench import BenchError
    from streams.broker import BrokerError
    from streams.cluster import ClusterConfig
    from streams.scaleout import format_scale_out, run_scale_out
    from streams.settings import PROJECT_ROOT

    cfg = ClusterConfig(home=PROJECT_ROOT / ".kafka" / "bench-cluster", nodes=args.nodes, base_port=args.port)
    try:
        result = run_scale_out(
            settings, cfg, articles=args.articles or 200, corpus_dir=args.corpus, json_path=args.json_path
        )
    except (BenchError, BrokerError) as exc:
        raise CliError(str(exc)) from None
    print(format_scale_out(result))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from streams.status import StatusError, read_status

    try:
        status = asyncio.run(read_status(settings))
    except StatusError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(orjson.dumps(status.as_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(status.render())
    return 0


def cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    from streams.reprocess import DateRangeError, parse_bound, reprocess_from_archive

    try:
        since = parse_bound(args.since, end=False) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except DateRangeError as exc:
        raise CliError(str(exc)) from None
    if since and until and since >= until:
        raise CliError(f"--since {args.since} is not before --until {args.until}")
    _reach_broker(settings)
    selection, stats = asyncio.run(
        reprocess_from_archive(
            settings, since=since, until=until, dry_run=args.dry_run, progress=not args.no_progress
        )
    )
    skipped = [
        f"{n} {what}"
        for n, what in (
            (selection.outside_dates, "outside the dates"),
            (selection.deleted, "deleted (tombstone)"),
            (selection.unreadable, "unreadable"),
        )
        if n
    ]
    verb = "would re-send" if args.dry_run else "re-sent"
    rate = f" in {stats.seconds:.2f} s" if stats else ""
    left_out = f"; left out: {', '.join(skipped)}" if skipped else ""
    print(
        f"{verb} {len(selection.articles)} archived article(s) from {settings.topic_archive} "
        f"to {settings.topic_raw}{rate}{left_out}"
    )
    return 0


def cmd_dlq_list(args: argparse.Namespace, settings: Settings) -> int:
    from streams.dlq import list_dead_letters
    from streams.security import refusals_explained

    _reach_broker(settings)
    with refusals_explained(settings, f"read {settings.topic_deadletter}"):
        print(list_dead_letters(settings).render())
    return 0


def cmd_dlq_replay(args: argparse.Namespace, settings: Settings) -> int:
    from streams.dlq import replay_dead_letters
    from streams.security import refusals_explained

    types = set(args.error_types) if args.error_types else None
    _reach_broker(settings)
    with refusals_explained(settings, f"re-send dead letters to {settings.topic_raw}"):
        sent = replay_dead_letters(settings, error_types=types, dry_run=args.dry_run)
    print(f"{'would re-send' if args.dry_run else 're-sent'} {sent} dead letter(s) to {settings.topic_raw}")
    return 0


def cmd_chaos(args: argparse.Namespace, settings: Settings) -> int:
    from streams.chaos import run_chaos

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
    from streams import drills
    from streams.broker import BrokerError
    from streams.cluster import ClusterConfig
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
        raise CliError(str(exc)) from None
    print("\n".join(["", *(r.render() for r in result.reports)]))
    return 0 if result.ok else 1


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from streams.demo import run_demo

    return run_demo(settings, args.paths, keep_broker=args.keep, desk=args.desk)


def _log_to_stderr() -> None:
    """Info logs for the desk and notify (Faust sets up its workers' own); no line per HTTP request."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    from streams.desk.auth import UsersFileError
    from streams.desk.server import DeskConfigError, serve_desk

    _log_to_stderr()
    overrides = {k: v for k, v in (("desk_host", args.host), ("desk_port", args.port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    try:
        asyncio.run(serve_desk(settings))
    except (DeskConfigError, UsersFileError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(
            f"cannot listen on {settings.desk_host}:{settings.desk_port}: {exc.strerror}"
        ) from None
    return 0


def cmd_desk_adduser(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from streams.desk.auth import UsersFileError, add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ")
    try:
        new = add_user(settings.desk_users, args.name, password)
    except UsersFileError as exc:
        raise CliError(str(exc)) from None
    print(f"{'added' if new else 'changed the password of'} {args.name} in {settings.desk_users}")
    return 0


def cmd_notify(args: argparse.Namespace, settings: Settings) -> int:
    from streams.notify.service import run_notify

    if not settings.notify_webhooks:
        raise CliError("no webhooks: set NEWSFEED_NOTIFY_WEBHOOKS (a JSON list, see README.md)")
    _log_to_stderr()
    asyncio.run(run_notify(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
