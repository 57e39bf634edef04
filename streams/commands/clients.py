"""The client tools: replay, tail, status, reprocess, dlq."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

import orjson

from streams.commands import CommandError, load_articles, reach_broker
from streams.settings import Settings

if TYPE_CHECKING:
    pass


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.replay import repeated, replay
    from streams.security import client_security, refusals_explained
    from streams.topics import ensure_topics

    articles = load_articles(args.paths)
    if not articles:
        raise CommandError("no articles found in " + ", ".join(map(str, args.paths)))
    reach_broker(settings)
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


def cmd_tail(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.tail import as_json_line
    from streams.reader import TopicNotFound, tail
    from streams.security import client_security, refusals_explained

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

    reach_broker(settings)
    try:
        with refusals_explained(settings, f"read {args.topic}"):
            asyncio.run(run())
    except TopicNotFound as exc:
        raise CommandError(str(exc)) from None
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.status import StatusError, read_status

    try:
        status = asyncio.run(read_status(settings))
    except StatusError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(orjson.dumps(status.as_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        print(status.render())
    return 0


def cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.reprocess import DateRangeError, parse_bound, reprocess_from_archive

    try:
        since = parse_bound(args.since, end=False) if args.since else None
        until = parse_bound(args.until, end=True) if args.until else None
    except DateRangeError as exc:
        raise CommandError(str(exc)) from None
    if since and until and since >= until:
        raise CommandError(f"--since {args.since} is not before --until {args.until}")
    reach_broker(settings)
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
    from streams.clients.dlq import list_dead_letters
    from streams.security import refusals_explained

    reach_broker(settings)
    with refusals_explained(settings, f"read {settings.topic_deadletter}"):
        print(list_dead_letters(settings).render())
    return 0


def cmd_dlq_replay(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.dlq import replay_dead_letters
    from streams.security import refusals_explained

    types = set(args.error_types) if args.error_types else None
    reach_broker(settings)
    with refusals_explained(settings, f"re-send dead letters to {settings.topic_raw}"):
        sent = replay_dead_letters(settings, error_types=types, dry_run=args.dry_run)
    print(f"{'would re-send' if args.dry_run else 're-sent'} {sent} dead letter(s) to {settings.topic_raw}")
    return 0
