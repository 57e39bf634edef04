"""The main job in one command: local broker, a worker, the seeds replayed, enriched events and alerts."""

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from schemas import Alert, EnrichedArticle
from schemas.codec import decode
from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.clients.summary import summarize_alert, summarize_article
from streams.ops import broker
from streams.reader import TopicNotFound, tail
from streams.security import client_security
from streams.settings import Settings
from streams.topics import ensure_topics_sync
from streams.worker import NewsfeedProcess, WorkerProcess


def start_worker(settings: Settings, log_path: Path, loglevel: str = "warning") -> WorkerProcess:
    """A worker in its own process, as in production; its log goes to a file."""
    return WorkerProcess(settings, log_path, loglevel=loglevel, new_session=True).start()


def start_desk(settings: Settings, log_path: Path) -> NewsfeedProcess:
    """`newsfeed desk` in its own process (its log, with its URL, goes to a file)."""
    return NewsfeedProcess(["desk"], settings, log_path, new_session=True).start()


def run_demo(settings: Settings, paths: list[Path], *, keep_broker: bool = False, desk: bool = False) -> int:
    """Raises broker.BrokerError (the broker did not start) and DeskConfigError (--desk, no logins)."""
    cfg = broker.BrokerConfig.for_port(settings.broker_port, settings.broker_home)
    articles = list(load_articles(paths))
    ids = {a.id for a in articles if a.id}
    print(
        f"[1/4] local Kafka broker on {settings.broker} (first run resolves the jars with mvn) ...",
        flush=True,
    )
    t0 = time.perf_counter()
    status = broker.start(cfg)
    print(f"      {'started' if status.started else 'already running'} in {time.perf_counter() - t0:.1f} s")
    log_path = settings.broker_home / "demo-worker.log"
    print(f"[2/4] worker starting (log: {log_path}) ...", flush=True)
    ensure_topics_sync(settings)
    worker = start_worker(settings, log_path)
    desk_proc = None
    if desk:
        from streams.desk.server import DeskConfigError, check_config, desk_url

        try:
            check_config(settings)
        except DeskConfigError:
            worker.stop()
            raise
        desk_proc = start_desk(settings, settings.broker_home / "demo-desk.log")
        print(
            f"      desk at {desk_url(settings)} (log: {settings.broker_home / 'demo-desk.log'})", flush=True
        )
    try:
        since_ms = int(time.time() * 1000)
        print(f"[3/4] replaying {len(articles)} article(s) from {', '.join(map(str, paths))} ...", flush=True)
        asyncio.run(
            replay(
                articles,
                bootstrap=settings.broker,
                topic=settings.topic_raw,
                total=len(articles),
                security=client_security(settings),
            )
        )
        print("[4/4] waiting for the enriched events and alerts ...\n", flush=True)
        enriched, alerts = asyncio.run(_collect(settings, ids, since_ms, worker))
        for article in enriched:
            print(summarize_article(article), end="\n\n")
        for alert in alerts:
            print(summarize_alert(alert), end="\n\n")
        missing = ids - {a.id for a in enriched}
        if missing:
            print(f"not enriched in time: {', '.join(sorted(missing))}; see {log_path}", file=sys.stderr)
            return 1
        print(
            f"{len(enriched)} enriched, {len(alerts)} alert(s). Topics: {settings.topic_enriched}, "
            f"{settings.topic_alerts}, {settings.topic_archive}, {settings.topic_deadletter}"
        )
        if desk_proc is not None:
            from streams.desk.server import desk_url

            print(f"\nthe desk runs at {desk_url(settings)}: open it in a browser; Ctrl-C stops everything")
            _wait_for_ctrl_c(desk_proc)
        else:
            print("(`newsfeed demo --desk` also runs the security desk, a live alert page in the browser)")
        return 0
    finally:
        if desk_proc is not None:
            desk_proc.stop()
        worker.stop()
        if status.started and not keep_broker:
            broker.stop(cfg)
            print("stopped the worker and the broker this demo started")


async def _collect(
    settings: Settings, ids: set[str], since_ms: int, worker: WorkerProcess, wait_s: float = 180.0
) -> tuple[list[EnrichedArticle], list[Alert]]:
    """Enriched events of this run (by id and time), then the alerts published for them."""
    enriched: dict[str, EnrichedArticle] = {}
    deadline = time.monotonic() + wait_s
    while len(enriched) < len(ids) and time.monotonic() < deadline and worker.running:
        for record in await _records(settings, settings.topic_enriched):
            if record.timestamp >= since_ms and record.key and record.key.decode() in ids:
                article = decode(record.value, EnrichedArticle)
                enriched[article.id] = article
    alerted = {a.id for a in enriched.values() if a.escalation.alert}
    alerts: dict[str, Alert] = {}
    deadline = time.monotonic() + 15.0
    while len(alerts) < len(alerted) and time.monotonic() < deadline:
        for record in await _records(settings, settings.topic_alerts):
            alert = decode(record.value, Alert)
            if alert.article_id in alerted:
                # An earlier run's alert is kept: a replay of the same story does not alert twice.
                alerts[alert.article_id] = alert
    return list(enriched.values()), list(alerts.values())


async def _records(settings: Settings, topic: str) -> list[Any]:
    """Every record of the topic now; none (after a pause) while the worker has not declared it yet."""
    try:
        return [
            r
            async for r in tail(
                settings.broker, topic, from_beginning=True, timeout=2.0, security=client_security(settings)
            )
        ]
    except TopicNotFound:
        await asyncio.sleep(0.5)
        return []


def _wait_for_ctrl_c(proc: NewsfeedProcess) -> None:
    try:
        while proc.running:
            time.sleep(0.5)
        print(f"the desk exited with {proc.returncode}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping ...")
