"""Failover drills on a local three-node cluster: broker and worker faults while articles stream in.

`newsfeed chaos --nodes 3` (and, shorter, tests/integration/test_cluster_drills.py) runs two `newsfeed worker`
processes on 4 partitions, replication 3, min.insync.replicas 2, and one drill after another on
the same pipeline, each with its own articles streaming in at a steady rate while the fault happens:

- ``leader-kill``: SIGKILL the broker leading a raw partition and an output partition, restart it;
- ``rolling``: restart the three brokers one at a time (controlled shutdown), each back in sync first;
- ``worker-kill``: SIGKILL one worker; its partitions move to the other; it rejoins;
- ``two-down``: SIGKILL two brokers at once: no write is acknowledged (acks=all cannot reach two
  replicas), producers block or fail loudly; the stream resumes when one broker returns.

After each: every input id on the enriched topic and the archive, no story alerted twice at one
level, no committed input offset ahead of its outputs, and the time each failover took. Kafka's own
system tests bounce brokers the same way (a rolling bounce waits for no under-replicated partition
before the next broker).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from processors.dedup import story_key
from processors.ids import stable_article_id
from schemas import Alert, RawArticle
from schemas.codec import decode, encode
from streams.clients.sources import load_articles
from streams.ops import cluster
from streams.ops.chaos import DEFAULT_CORPUS, chaos_worker
from streams.ops.probes import (
    KeyCounter,
    committed_offsets,
    group_members,
    in_sync,
    key_offsets,
    leaders,
    outputs_missing_for_committed,
)
from streams.reader import tail
from streams.settings import Settings
from streams.topics import ensure_topics
from streams.worker import Supervisor

DRILLS = ("leader-kill", "rolling", "worker-kill", "two-down")
PARTITIONS = 4
WORKERS = 2


class DrillError(Exception):
    """A drill could not be carried out (a node or a worker did not come back in time)."""


@dataclass
class DrillReport:
    drill: str
    inputs: int
    lost: int
    duplicates_enriched: int
    duplicates_archive: int
    duplicate_alerts: int
    committed_ahead: int
    failover: list[str]
    producer_errors: int = 0
    acked_while_down: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicate_alerts == 0 and self.committed_ahead == 0

    def render(self) -> str:
        return "\n".join(
            [
                f"drill {self.drill}: {'PASS' if self.ok else 'FAIL'} ({self.seconds:.0f} s)",
                f"  inputs {self.inputs}, lost {self.lost}, duplicates enriched {self.duplicates_enriched} "
                f"archive {self.duplicates_archive}, duplicate alerts {self.duplicate_alerts}, "
                f"committed ahead of outputs {self.committed_ahead}",
                f"  producer send errors (retried) {self.producer_errors}"
                + (f", acknowledged while two brokers were down {self.acked_while_down}"
                   if self.drill == "two-down" else ""),
                *(f"  failover: {line}" for line in self.failover),
            ]
        )  # fmt: skip


class Feeder:
    """Streams articles to the raw topic at a steady rate from a background thread, like a live source.

    Its producer is idempotent with acks=all; a send that fails (a broker down, too few in-sync
    replicas) is logged and sent again later on a fresh producer, as an at-least-once source does.
    It sends at least `minimum` articles and goes on until `stop()`, so a fault is always under load.
    """

    def __init__(self, bootstrap: str, topic: str, source: Iterator[RawArticle], rate: float, minimum: int):
        self.bootstrap, self.topic, self.source = bootstrap, topic, source
        self.rate, self.minimum = rate, minimum
        self.sent: dict[str, RawArticle] = {}  # every id attempted
        self.acked: dict[str, float] = {}  # id -> wall time of its acknowledgement
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="feeder", daemon=True)

    def start(self) -> Feeder:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 600.0) -> None:
        """Stop sending new articles; return when everything sent so far is acknowledged."""
        self._stop.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise DrillError(f"the feeder could not deliver {len(self.sent) - len(self.acked)} article(s)")

    @property
    def ids(self) -> set[str]:
        return set(self.sent)

    async def _run(self) -> None:
        retry: list[RawArticle] = []
        while retry or not (self._stop.is_set() and len(self.sent) >= self.minimum):
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
                request_timeout_ms=10000,
            )
            try:
                await producer.start()
                retry = await self._send(producer, retry)
            except Exception as exc:  # noqa: BLE001 - the cluster is down: say so, try again
                self._error(f"producer: {exc!r}")
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await producer.stop()

    async def _send(self, producer: AIOKafkaProducer, retry: list[RawArticle]) -> list[RawArticle]:
        """Send the retries, then new articles at the rate; returns the articles to send again."""
        failed: list[RawArticle] = []
        pending: list[tuple[RawArticle, asyncio.Future[Any]]] = []
        start, n = time.perf_counter(), 0
        queue = iter(retry)
        while True:
            raw = next(queue, None)
            if raw is None:
                if self._stop.is_set() and len(self.sent) >= self.minimum:
                    break
                delay = start + n / self.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                n += 1
                raw = next(self.source)
            assert raw.id is not None
            self.sent[raw.id] = raw
            try:
                fut = await producer.send(self.topic, value=encode(raw), key=raw.id.encode())
            except Exception as exc:  # noqa: BLE001 - e.g. no metadata: resend on a new producer
                self._error(f"send of {raw.id}: {exc!r}")
                failed.append(raw)
                break
            fut.add_done_callback(lambda f, i=raw.id: self._acked(f, i))
            pending.append((raw, fut))
            pending = [(r, f) for r, f in pending if not f.done() or f.cancelled() or f.exception()]
            if any(f.done() for _, f in pending):
                break  # a send failed: the rest goes again on a fresh producer
        for raw, fut in pending:
            try:
                await fut
            except Exception as exc:  # noqa: BLE001 - the producer says so: not acknowledged, send again
                self._error(f"send of {raw.id}: {exc!r}")
                failed.append(raw)
        failed += list(queue)
        return list({r.id: r for r in failed if r.id not in self.acked}.values())

    def _acked(self, fut: asyncio.Future[Any], article_id: str) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self.acked.setdefault(article_id, time.time())

    def _error(self, text: str) -> None:
        if len(self.errors) < 3 or len(self.errors) % 50 == 0:
            _say(f"feeder: {text} (will send again)")
        self.errors.append(text)


def cluster_settings(settings: Settings, cfg: cluster.ClusterConfig, home: Path) -> Settings:
    """A run of its own on the cluster: isolated topics and groups, 4 partitions, RF 3, ISR 2."""
    return settings.isolated(cfg.bootstrap, "drill", uuid.uuid4().hex[:8]).model_copy(
        update={
            "partitions": PARTITIONS,
            "replication": cfg.replication,
            "min_insync_replicas": cfg.min_insync_replicas,
            "data_dir": home / "faust-data",
        }
    )


class Pipeline:
    """Two workers on the run's topics, the counters of their outputs, and the fault helpers."""

    def __init__(self, s: Settings, cfg: cluster.ClusterConfig, home: Path, lead_chars: int | None) -> None:
        self.s, self.cfg, self.home = s, cfg, home
        self.workers = [
            chaos_worker(
                s.model_copy(update={"data_dir": home / f"faust-{i}"}), home / f"worker-{i}.log", home
            )
            for i in range(WORKERS)
        ]
        self.lead_chars = lead_chars
        self.seen: KeyCounter | None = None

    def articles(self, drill: str) -> Iterator[RawArticle]:
        """An endless stream of the corpus with ids of this drill (`<drill>.<n>.<id>`)."""
        base = list(load_articles([path for path in DEFAULT_CORPUS if path.exists()]))
        for n in itertools.count():
            for raw in base:
                body = raw.body[: self.lead_chars] if self.lead_chars else raw.body
                base_id = raw.id or stable_article_id(raw.url, raw.title, raw.body)
                yield raw.model_copy(update={"id": f"{drill}.{n}.{base_id}", "body": body})

    def enriched(self, ids: set[str]) -> int:
        assert self.seen is not None
        return len(self.seen.distinct(self.s.topic_enriched) & ids)

    def wait(self, done: Callable[[], bool], timeout_s: float, what: str) -> float:
        """Seconds until done(); DrillError after timeout_s (or if a worker died)."""
        t0 = time.monotonic()
        while not done():
            for i, w in enumerate(self.workers):
                if w.proc is not None and not w.running and w.proc.returncode not in (-9,):
                    raise DrillError(f"worker {i} exited with {w.proc.returncode}; see {w.log_path}")
            if time.monotonic() - t0 > timeout_s:
                raise DrillError(f"timed out after {timeout_s:g} s waiting for {what}\n{self.diagnosis()}")
            time.sleep(0.2)
        return time.monotonic() - t0

    def diagnosis(self, lines: int = 15) -> str:
        """What a stuck drill needs to be understood from CI output alone: counts, errors, log tails."""
        assert self.seen is not None
        parts = [
            f"seen so far: enriched {len(self.seen.distinct(self.s.topic_enriched))}, "
            f"archive {len(self.seen.distinct(self.s.topic_archive))}; "
            f"key counter errors: {self.seen.errors[-3:] or 'none'}"
        ]
        for i, w in enumerate(self.workers):
            state = "running" if w.running else f"exited {w.proc.returncode if w.proc else '-'}"
            tail_lines = w.log().splitlines()[-lines:]
            parts += [f"worker {i} ({state}), last lines of {w.log_path}:", *(f"  {t}" for t in tail_lines)]
        return "\n".join(parts)

    def committed_ahead(self, drill_ids: set[str] | None = None) -> int:
        """Input ids committed by the enrichment group whose outputs are not on the broker."""
        assert self.seen is not None
        # Committed first: every committed offset is then below the end offsets origin reads up to.
        committed = asyncio.run(committed_offsets(self.s.broker, self.s.app_id, self.s.topic_raw))
        origin = asyncio.run(key_offsets(self.s.broker, self.s.topic_raw))
        if drill_ids is not None:
            origin = {k: v for k, v in origin.items() if k in drill_ids}
        outputs = [self.s.topic_enriched, self.s.topic_archive]
        return len(outputs_missing_for_committed(self.seen, outputs, origin, committed))


def _quiet(call: Callable[[], Any], default: Any) -> Any:
    """A metadata call while the cluster is failing over: any client error means 'not yet'."""
    try:
        return call()
    except Exception:  # noqa: BLE001
        return default


def until(check: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.2) -> float:
    t0 = time.monotonic()
    while not _quiet(check, False):
        if time.monotonic() - t0 > timeout_s:
            raise DrillError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(poll_s)
    return time.monotonic() - t0


def _group_stable(s: Settings, members: int, timeout_s: float, what: str) -> float:
    """Seconds until the enrichment group is Stable with `members` members, each assigned."""
    return until(
        lambda: asyncio.run(group_members(s.broker, s.app_id)) == ("Stable", members, members),
        timeout_s,
        what,
    )


def longest_pause(samples: Sequence[tuple[float, int]]) -> float:
    """Longest time the enriched count stood still, over (time, count) samples, while work was left."""
    longest, since = 0.0, samples[0][0] if samples else 0.0
    for (_, before), (t, count) in itertools.pairwise(samples):
        if count != before:
            since = t
        longest = max(longest, t - since)
    return longest


def run_drill(p: Pipeline, drill: str, articles: int, rate: float, timeout_s: float) -> DrillReport:
    """Stream `articles` (at least) in while the fault happens; then wait for every output and count."""
    s, cfg = p.s, p.cfg
    topics = [s.topic_raw, s.topic_enriched, s.topic_archive]
    t0 = time.monotonic()
    feeder = Feeder(s.broker, s.topic_raw, p.articles(drill), rate, articles).start()
    failover: list[str] = []

    def note(text: str) -> None:
        failover.append(text)
        _say(f"{drill}: {text}")

    samples: list[tuple[float, int]] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            samples.append((time.monotonic(), p.enriched(feeder.ids)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # The fault strikes once a third of the articles are in and enrichment is under way.
    p.wait(lambda: len(feeder.acked) >= articles // 3 and p.enriched(feeder.ids) >= 8, timeout_s, "load")
    _say(f"{drill}: {len(feeder.acked)} sent, {p.enriched(feeder.ids)} enriched: fault")
    ahead_after_fault = 0
    if drill == "leader-kill":
        now = asyncio.run(leaders(s.broker, topics))
        raw_leaders = {n for (t, _), n in now.items() if t == s.topic_raw}
        out_leaders = {n for (t, _), n in now.items() if t != s.topic_raw}
        victim = max(raw_leaders & out_leaders or raw_leaders, key=lambda n: list(now.values()).count(n))
        led = [tp for tp, n in now.items() if n == victim]
        cluster.kill(cfg, victim)
        tk = time.monotonic()
        _say(f"{drill}: SIGKILLed node {victim}, leader of {len(led)} partitions of raw/enriched/archive")
        took = until(
            lambda: all(n not in (-1, victim) for tp, n in asyncio.run(leaders(s.broker, topics)).items()
                        if tp in led),
            120, "new leaders",
        )  # fmt: skip
        note(f"node {victim} SIGKILLed: its {len(led)} partitions had new leaders in {took:.1f} s")
        ahead_after_fault = p.committed_ahead()
        time.sleep(max(0.0, 5.0 - (time.monotonic() - tk)))  # a while on two brokers, under load
        took = _restart_in_sync(p, victim, topics)
        note(f"node {victim} restarted: answering and all replicas in sync in {took:.1f} s")
    elif drill == "rolling":
        for node in cfg.node_ids:
            tk = time.monotonic()
            cluster.stop_node(cfg, node)
            down = time.monotonic() - tk
            took = _restart_in_sync(p, node, topics)
            note(
                f"node {node}: controlled shutdown {down:.1f} s, back with all replicas in sync {took:.1f} s"
            )
    elif drill == "worker-kill":
        victim_worker = p.workers[1]
        victim_worker.kill()
        took = _group_stable(s, 1, 120, "the surviving worker to hold every partition")
        note(f"worker SIGKILLed: the other held all {PARTITIONS} partitions after {took:.1f} s")
        ahead_after_fault = p.committed_ahead()
        victim_worker.start()
        took = _group_stable(s, WORKERS, 180, "the restarted worker to rejoin")
        note(f"worker restarted: group of {WORKERS} stable again after {took:.1f} s")
    elif drill == "two-down":
        now = asyncio.run(leaders(s.broker, topics))
        by_count = Counter(now.values())
        victims = sorted(cfg.node_ids, key=lambda n: -by_count.get(n, 0))[:2]
        errors0, tk = len(feeder.errors), time.time()
        for node in victims:
            cluster.kill(cfg, node)
        _say(f"{drill}: SIGKILLed nodes {victims} at once; producers must block or fail")
        time.sleep(10.0)
        acked_down = sum(1 for t in feeder.acked.values() if t > tk + 1.0)  # 1 s: acks already in flight
        errors = len(feeder.errors) - errors0
        note(f"10 s with nodes {victims} down: {acked_down} writes acknowledged, {errors} send errors")
        count_before = p.enriched(feeder.ids)
        tr = time.monotonic()
        cluster.start(cfg, only=victims[0])
        up = time.monotonic() - tr
        p.wait(lambda: p.enriched(feeder.ids) > count_before, timeout_s, "the stream to resume")
        took = time.monotonic() - tr
        note(
            f"node {victims[0]} restarted (answering after {up:.1f} s): "
            f"enriched output resumed {took:.1f} s after its start"
        )
        took = _restart_in_sync(p, victims[1], topics)
        note(f"node {victims[1]} restarted: all replicas in sync in {took:.1f} s")
    else:
        raise DrillError(f"unknown drill {drill!r}; known: {', '.join(DRILLS)}")

    feeder.stop()
    ids = feeder.ids
    assert p.seen is not None
    p.wait(
        lambda: ids <= p.seen.distinct(s.topic_enriched) and ids <= p.seen.distinct(s.topic_archive),  # type: ignore[union-attr]
        timeout_s,
        f"every {drill} article on enriched and archive",
    )
    sampling.set()
    sampler.join()
    note(f"longest pause in enriched output {longest_pause(samples):.1f} s")
    time.sleep(1.0)
    enriched, archive = p.seen.snapshot(s.topic_enriched), p.seen.snapshot(s.topic_archive)
    lost = ids - set(enriched) | ids - set(archive)
    report = DrillReport(
        drill=drill,
        inputs=len(ids),
        lost=len(lost),
        duplicates_enriched=sum(n - 1 for k, n in enriched.items() if k in ids),
        duplicates_archive=sum(n - 1 for k, n in archive.items() if k in ids),
        duplicate_alerts=duplicate_alerts(s),
        committed_ahead=ahead_after_fault + p.committed_ahead(ids),
        failover=failover,
        producer_errors=len(feeder.errors),
        acked_while_down=acked_down if drill == "two-down" else 0,
        seconds=time.monotonic() - t0,
    )
    print(report.render(), flush=True)
    return report


def _restart_in_sync(p: Pipeline, node: int, topics: Sequence[str]) -> float:
    """Start a node again; seconds until it answers and every partition has all its replicas in sync."""
    t0 = time.monotonic()
    cluster.start(p.cfg, only=node)
    until(lambda: asyncio.run(in_sync(p.s.broker, topics, p.cfg.replication)), 120, f"node {node} in sync")
    return time.monotonic() - t0


def duplicate_alerts(s: Settings) -> int:
    """Distinct alerts beyond the first for one story at one level (a rising level may alert again).

    The same alert_id published twice is a redelivery (an alerter killed between publishing and its
    changelog write), which the desk and the notifier deduplicate; it is not counted here.
    """

    async def read() -> list[Alert]:
        return [
            decode(r.value, Alert)
            async for r in tail(s.broker, s.topic_alerts, from_beginning=True, timeout=1.0)
            if r.value is not None
        ]

    distinct = {(story_key(a.title, a.article_id), a.level, a.alert_id) for a in asyncio.run(read())}
    per_story = Counter((story, level) for story, level, _ in distinct)
    return sum(n - 1 for n in per_story.values())


@dataclass
class DrillsResult:
    reports: list[DrillReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)


def run_drills(
    settings: Settings,
    cfg: cluster.ClusterConfig,
    *,
    drills: Sequence[str] = DRILLS,
    articles: int = 1000,
    rate: float = 12.0,
    lead_chars: int | None = None,
    timeout_s: float = 300.0,
) -> DrillsResult:
    """A fresh cluster, two workers on one isolated pipeline, and `drills` one after another."""
    unknown = set(drills) - set(DRILLS)
    if unknown:
        raise DrillError(f"unknown drill(s) {', '.join(sorted(unknown))}; known: {', '.join(DRILLS)}")
    result = DrillsResult()
    with drill_pipeline(settings, cfg, lead_chars) as p:
        for drill in drills:
            result.reports.append(run_drill(p, drill, articles, rate, timeout_s))
    return result


@contextlib.contextmanager
def drill_pipeline(
    settings: Settings, cfg: cluster.ClusterConfig, lead_chars: int | None = None
) -> Iterator[Pipeline]:
    """A new cluster (its data wiped), the run's topics, two warm workers; all stopped on exit."""
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    logging.getLogger("aiokafka").propagate = False  # reconnect noise during faults: the report says it
    cluster.stop(cfg)
    cluster.wipe(cfg)
    _say(f"starting {cfg.nodes} nodes on {cfg.bootstrap} ...")
    t0 = time.monotonic()
    cluster.start(cfg)
    _say(f"cluster up in {time.monotonic() - t0:.1f} s")
    home = cfg.home / "drills"
    s = cluster_settings(settings, cfg, home)
    p = Pipeline(s, cfg, home, lead_chars)
    try:
        asyncio.run(ensure_topics(s))
        # A fresh cluster may still be electing leaders of the new topics: start nothing before.
        topics = [s.topic_raw, s.topic_enriched, s.topic_archive]
        took = until(lambda: asyncio.run(in_sync(s.broker, topics, cfg.replication)), 120, "topics in sync")
        _say(f"topics have leaders and all replicas in sync after {took:.1f} s")
        with KeyCounter(s.broker, [s.topic_enriched, s.topic_archive]) as seen:
            p.seen = seen
            for w in p.workers:
                w.start()
            took = _group_stable(s, WORKERS, 300, "both workers in the group")
            _say(f"{WORKERS} workers in the group after {took:.1f} s; logs in {home}")
            warmup = Feeder(s.broker, s.topic_raw, p.articles("warmup"), 100.0, 4 * PARTITIONS).start()
            warmup.stop()
            took = p.wait(lambda: p.enriched(warmup.ids) == len(warmup.ids), 300, "the warm-up articles")
            _say(f"workers warm (models loaded) after {took:.1f} s more")
            yield p
    finally:
        Supervisor(p.workers).stop(settings.shutdown_timeout_s + 10)
        cluster.stop(cfg)


def _say(text: str) -> None:
    print(f"[drills {time.strftime('%H:%M:%S')}] {text}", flush=True)
