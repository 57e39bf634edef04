"""Managing the local broker, cluster and topics: `newsfeed broker`, `newsfeed topics`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from streams.commands import CommandError, check_connection
from streams.settings import Settings

if TYPE_CHECKING:
    from streams.ops.broker import BrokerConfig


def broker_config(settings: Settings) -> BrokerConfig:
    from streams.ops.broker import BrokerConfig

    return BrokerConfig.for_port(settings.broker_port, settings.broker_home)


def cmd_broker(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from streams.ops import broker, secure_broker

    if args.nodes != 1:
        if getattr(args, "secure", False):
            raise CommandError("--secure starts the single broker only (--nodes 1)")
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
        raise CommandError(str(exc)) from None
    return 0


def cmd_cluster(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import cluster
    from streams.ops.broker import BrokerError

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
        raise CommandError(str(exc)) from None
    return 0


def cmd_cluster_node(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import cluster
    from streams.ops.broker import BrokerError

    cfg = cluster.cluster_config(settings, args.nodes)
    try:
        if args.action == "kill":
            pid = cluster.kill(cfg, args.node)
            print(f"node {args.node} killed (pid {pid})" if pid else f"node {args.node} was not running")
        else:
            node = cluster.restart(cfg, args.node)
            print(f"node {args.node} running at {node.bootstrap} (pid {node.pid})")
    except BrokerError as exc:
        raise CommandError(str(exc)) from None
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
