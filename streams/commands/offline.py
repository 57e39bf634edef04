"""Commands without Kafka: process, eval, schemas, rules."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

from streams.commands import CommandError, build_enricher, load_articles
from streams.settings import Settings

if TYPE_CHECKING:
    pass


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from streams.clients.summary import summarize_article

    articles = load_articles(args.paths)
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


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops.evaluate import format_report, report_json, run_eval

    if not args.label_dir.is_dir():
        raise CommandError(f"{args.label_dir}: not a directory")
    if args.shapes and not args.swap_names:
        raise CommandError("--shape only applies with --swap-names")
    from streams.pipeline import build_lane

    enricher = build_enricher(settings)
    if args.stories:
        from streams.ops.evaluate_stories import format_story_report, run_story_eval, story_report_json

        stories = run_story_eval(args.label_dir, enricher, settings.story_window_s, args.seed)
        if args.json:
            print(orjson.dumps(story_report_json(stories), option=orjson.OPT_INDENT_2).decode())
        else:
            print(format_story_report(stories))
        return 0
    if args.swap_names:
        from streams.ops.evaluate_names import format_swap_report, run_swap_eval, swap_report_json

        try:
            swapped = run_swap_eval(args.label_dir, enricher, args.seed, args.shapes)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if args.json:
            print(orjson.dumps(swap_report_json(swapped), option=orjson.OPT_INDENT_2).decode())
        else:
            print(format_swap_report(swapped))
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
    from streams.ops.asyncapi import asyncapi_document, render

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
    from processors.escalation import explain, render_hits
    from processors.rules import RulesError, load_rules

    articles = load_articles([args.article])
    if not articles:
        raise CommandError(f"{args.article}: no article")
    try:
        rules = load_rules(args.rules or settings.alert_rules)
    except RulesError as exc:
        raise CommandError(str(exc)) from None
    enricher = build_enricher(settings.model_copy(update={"alert_rules": args.rules or settings.alert_rules}))
    enriched = enricher.enrich(articles[0], datetime.now(UTC))
    hits = explain(enricher.nlp(enriched.body), enriched.title, enriched.entities, enriched.section, rules)
    print(f"{enriched.title}\n  desk {enriched.section.desk}\n")
    print(render_hits(hits, rules))
    return 0
