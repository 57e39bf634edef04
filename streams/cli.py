"""`newsfeed`: the command line of the news feed processor. Run `newsfeed COMMAND --help` for details.

This module only builds the parser, one small function per command, and turns errors into one line;
each command's handler lives in `streams/commands/` and is imported only when that command runs
(heavy imports, spaCy and Faust, stay out of `newsfeed --help`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from streams.settings import Settings, get_settings

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

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
    if args.run is None:  # a group of actions without one: its help
        args.parser.print_help()
        return 0
    from pydantic import ValidationError

    from streams.commands import CommandError
    from streams.security import AccessError
    from streams.worker import WorkerError

    try:
        settings = get_settings()
    except ValidationError as exc:  # a NEWSFEED_* variable is wrong: say which, never echo its value
        for problem in settings_problems(exc):
            print(f"newsfeed: error: {problem}", file=sys.stderr)
        return 1
    try:
        return int(handler(args.run)(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except ValidationError as exc:  # settings a command derived (e.g. isolated), or a message it read
        lines = settings_problems(exc) if exc.title == "Settings" else [f"invalid {exc.title}: {exc}"]
        for problem in lines:
            print(f"newsfeed: error: {problem}", file=sys.stderr)
        return 1
    except (CommandError, AccessError, WorkerError) as exc:
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


def handler(run: str) -> Callable[[argparse.Namespace, Settings], int | None]:
    """The function a command names as "module:function"."""
    module, _, name = run.partition(":")
    run_command: Callable[[argparse.Namespace, Settings], int | None] = getattr(
        importlib.import_module(module), name
    )
    return run_command


EXIT_BROKER_UNAVAILABLE = 69  # sysexits.h EX_UNAVAILABLE: scripts can tell "broker down" from bad input


def _kafka_error_line(exc: Exception, settings: Settings) -> str:
    from streams.connect import BrokerUnreachable, display_address

    if isinstance(exc, BrokerUnreachable):
        return f"{exc} (NEWSFEED_BROKER; --debug for the traceback)"
    return (
        f"Kafka at {display_address(settings.broker)} failed: {type(exc).__name__}: {exc} "
        "(--debug for the traceback)"
    )


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
    for add in COMMANDS:
        add(sub)
    return parser


def command(sub: Subparsers, name: str, run: str | None, help: str) -> argparse.ArgumentParser:
    """A command whose handler is `run` ("module:function", imported only when it runs, so that
    `--help` stays fast); None: a group of actions, which prints its help without one."""
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(run=run, parser=p)
    return p


def _add_broker(sub: Subparsers) -> None:
    broker = command(
        sub, "broker", None, "Manage the local Kafka (KRaft): one broker, or a cluster (--nodes)."
    )
    bsub = broker.add_subparsers(title="actions", metavar="ACTION")
    for action, text in (
        ("start", "Resolve the Kafka jars with mvn (once), format storage, start and wait until it answers."),
        ("stop", "Stop the local broker cleanly (SIGTERM, then SIGKILL after a timeout)."),
        ("status", "Say whether the local broker runs, and where."),
    ):
        p = bsub.add_parser(action, help=text, description=text)
        p.set_defaults(run="streams.commands.broker:cmd_broker", action=action)
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
        p.set_defaults(run="streams.commands.broker:cmd_cluster_node", action=action)
        _add_nodes(p, 3, "nodes of the cluster (default: 3)")


def _add_topics(sub: Subparsers) -> None:
    topics = command(sub, "topics", None, "The pipeline's topics: create them, or verify them.")
    tsub = topics.add_subparsers(title="actions", metavar="ACTION")
    for action, text in (
        ("create", "Create every missing topic with its partitions, replication and configs (admin rights)."),
        (
            "check",
            "Verify that every topic exists with its partitions, replication and configs; exit 1 if not.",
        ),
    ):
        tsub.add_parser(action, help=text, description=text).set_defaults(
            run="streams.commands.broker:cmd_topics", action=action
        )


def _add_worker(sub: Subparsers) -> None:
    worker = command(
        sub,
        "worker",
        "streams.commands.worker:cmd_worker",
        "Run the stream processor (Faust worker) against NEWSFEED_BROKER.",
    )
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


def _add_replay(sub: Subparsers) -> None:
    replay = command(
        sub,
        "replay",
        "streams.commands.clients:cmd_replay",
        "Publish articles to the raw topic (idempotent producer, acks=all).",
    )
    _add_paths(replay)
    replay.add_argument("--topic", help="target topic (default: NEWSFEED_TOPIC_RAW)")
    replay.add_argument("--rate", type=float, help="articles per second (default: as fast as possible)")
    replay.add_argument(
        "--repeat", type=int, default=1, help="send everything N times, distinct ids per copy"
    )
    replay.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_process(sub: Subparsers) -> None:
    process = command(
        sub,
        "process",
        "streams.commands.offline:cmd_process",
        "Enrich articles offline (no Kafka); one EnrichedArticle per line.",
    )
    _add_paths(process)
    process.add_argument("--summary", action="store_true", help="readable summary instead of JSON lines")


def _add_tail(sub: Subparsers) -> None:
    tail = command(
        sub, "tail", "streams.commands.clients:cmd_tail", "Print a topic's messages as JSON lines."
    )
    tail.add_argument("topic", help="topic name, e.g. news.alerts")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest message")
    tail.add_argument("--count", type=int, help="stop after N messages")
    tail.add_argument("--timeout", type=float, help="stop after N seconds without a message")


def _add_eval(sub: Subparsers) -> None:
    ev = command(
        sub,
        "eval",
        "streams.commands.offline:cmd_eval",
        "Score enrichment against labelled articles (desk, entities, quotes, alerts).",
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
    ev.add_argument(
        "--swap-names",
        action="store_true",
        help="score the labelled articles as they are and again with every labelled person renamed "
        "(aliases, quotes and speakers too) by an invented name of a shape unseen news brings "
        "(family name first, hyphenated given name, bin/al-, van der/de la, one word, ...); totals per "
        "part side by side, and per name shape the same persons found and their speakers right",
    )
    ev.add_argument(
        "--shape",
        action="append",
        dest="shapes",
        metavar="SHAPE",
        help="--swap-names: draw only this name shape (repeatable; default: all). Shapes: "
        "family-first-hyphen, family-first, bin-al, al-surname, van-particle, de-la-particle, "
        "west-african, one-word, hyphen-surname, plain",
    )
    ev.add_argument(
        "--seed", type=int, default=18, help="--stories, --swap-names: the generator's seed (default 18)"
    )


def _add_schemas(sub: Subparsers) -> None:
    schemas = command(sub, "schemas", None, "Message contracts.")
    ssub = schemas.add_subparsers(title="actions", metavar="ACTION")
    export = ssub.add_parser("export", help="Write the JSON Schema of every topic's message to DIR.")
    export.add_argument("dir", type=Path)
    export.set_defaults(run="streams.commands.offline:cmd_schemas_export")
    asyncapi = ssub.add_parser(
        "asyncapi",
        help="Write the AsyncAPI 3.0 document of every topic (channels, keys, messages, Kafka bindings).",
        description="Generate the AsyncAPI 3.0 document from the topic table (streams/topics.py) and the "
        "message schemas, with the default topic names and partitions; its payloads refer to the JSON "
        "Schemas in json/ beside it (`make schemas` refreshes schemas/asyncapi.json).",
    )
    asyncapi.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    asyncapi.set_defaults(run="streams.commands.offline:cmd_schemas_asyncapi")


def _add_rules(sub: Subparsers) -> None:
    rules = command(sub, "rules", None, "Escalation rules: validate a rules file, explain a score.")
    rsub = rules.add_subparsers(title="actions", metavar="ACTION")
    check = rsub.add_parser("check", help="Validate a rules TOML file; errors name the line and the rule.")
    check.add_argument("file", type=Path)
    check.set_defaults(run="streams.commands.offline:cmd_rules_check")
    explain = rsub.add_parser("explain", help="Show an article's escalation score rule by rule.")
    explain.add_argument(
        "article", type=Path, help="an article file (.txt, .json, .jsonl: the first article)"
    )
    explain.add_argument(
        "--rules", type=Path, help="rules file (default: NEWSFEED_ALERT_RULES or the packaged one)"
    )
    explain.set_defaults(run="streams.commands.offline:cmd_rules_explain")


def _add_bench(sub: Subparsers) -> None:
    bench = command(
        sub,
        "bench",
        "streams.commands.ops:cmd_bench",
        "Measure throughput, alert latency and memory through a real broker.",
    )
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


def _add_status(sub: Subparsers) -> None:
    status = command(
        sub,
        "status",
        "streams.commands.clients:cmd_status",
        "Show a running deployment from the broker: topic offsets, consumer group lag per partition, "
        "dead letters of the last hour by type.",
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")


def _add_reprocess(sub: Subparsers) -> None:
    reprocess = command(
        sub,
        "reprocess",
        "streams.commands.clients:cmd_reprocess",
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


def _add_dlq(sub: Subparsers) -> None:
    dlq = command(sub, "dlq", None, "Dead letters: summarise them, re-inject them after a fix.")
    dsub = dlq.add_subparsers(title="actions", metavar="ACTION")
    dlist = dsub.add_parser("list", help="Count dead letters by error type, with examples and their origin.")
    dlist.set_defaults(run="streams.commands.clients:cmd_dlq_list")
    dreplay = dsub.add_parser("replay", help="Re-publish dead letters' original bytes to the raw topic.")
    dreplay.add_argument("--error-type", action="append", dest="error_types", help="only this class")
    dreplay.add_argument("--dry-run", action="store_true", help="count what would be re-sent, send nothing")
    dreplay.set_defaults(run="streams.commands.clients:cmd_dlq_replay")


def _add_chaos(sub: Subparsers) -> None:
    chaos = command(
        sub,
        "chaos",
        "streams.commands.ops:cmd_chaos",
        "Kill workers, restart the broker mid-replay; count lost articles.",
    )
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


def _add_desk(sub: Subparsers) -> None:
    desk = command(
        sub,
        "desk",
        "streams.commands.services:cmd_desk",
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
    adduser.set_defaults(run="streams.commands.services:cmd_desk_adduser")


def _add_notify(sub: Subparsers) -> None:
    command(
        sub,
        "notify",
        "streams.commands.services:cmd_notify",
        "POST each new or raised alert to the webhooks in NEWSFEED_NOTIFY_WEBHOOKS (signed, retried, "
        "dead-lettered to NEWSFEED_TOPIC_NOTIFY_DEADLETTER after NEWSFEED_NOTIFY_MAX_TRIES).",
    )


def _add_demo(sub: Subparsers) -> None:
    demo = command(
        sub,
        "demo",
        "streams.commands.ops:cmd_demo",
        "Start broker and worker, replay seeds/, show enriched events and alerts.",
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


COMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    _add_broker,
    _add_topics,
    _add_worker,
    _add_replay,
    _add_process,
    _add_tail,
    _add_eval,
    _add_schemas,
    _add_rules,
    _add_bench,
    _add_status,
    _add_reprocess,
    _add_dlq,
    _add_chaos,
    _add_desk,
    _add_notify,
    _add_demo,
)


def _add_nodes(p: argparse.ArgumentParser, default: int, text: str) -> None:
    p.add_argument(
        "--nodes",
        type=int,
        default=default,
        help=f"{text}; node N listens on NEWSFEED_BROKER's first port + 2*(N-1), its controller on the next",
    )


def _add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=Path, help=".txt (title on line 1), .json, .jsonl files or dirs")


if __name__ == "__main__":
    sys.exit(main())
