"""`newsfeed bench`, the measurements: offline, streaming and alert latency through worker
processes it starts and waits for (groups stable, warm-ups read), and what the machine is."""

import asyncio
import contextlib
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import RawArticle
from schemas.codec import encode
from streams.clients.replay import replay
from streams.security import client_security
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import ensure_topics
from streams.worker import Supervisor, WorkerProcess

STREAM_PARTITIONS = 2  # both streaming runs, so 1 worker vs 2 workers compares like with like


OFFLINE_CHUNK = 64  # articles per enrich_batch call in the offline measurement


READY_TIMEOUT_S = 180.0


class BenchError(RuntimeError):
    """The bench cannot run or a measurement failed; the message says where to look."""


def measure_offline(enricher: Any, corpus: Sequence[RawArticle], selective: Any = None) -> dict[str, Any]:
    """nlp.pipe alone (ceiling), enrich_batch (offline) and, given a selective enricher on the same
    model, its enrich_batch, on the same chunks: a/s, CPU ms/article, stages.

    The ceiling parses the same normalized texts with the same pipeline object and batch size.
    """
    from processors.normalize import normalize_text

    now = datetime.now(UTC)
    paths = [enricher] + ([selective] if selective is not None and selective is not enricher else [])
    for path in paths:  # untimed: first-call allocations and caches
        path.enrich_batch(corpus[: OFFLINE_CHUNK // 8], now)
        path.stage_seconds.clear()
        if path.selective is not None:
            path.selective.reset()
    ceiling_s = ceiling_cpu = 0.0
    wall, cpu = [0.0] * len(paths), [0.0] * len(paths)
    for start in range(0, len(corpus), OFFLINE_CHUNK):
        chunk = corpus[start : start + OFFLINE_CHUNK]
        texts = [normalize_text(raw.body) for raw in chunk]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in enricher.nlp.pipe(texts, batch_size=enricher.batch_size):
            pass
        ceiling_s += time.perf_counter() - t0
        ceiling_cpu += time.process_time() - c0
        for n, path in enumerate(paths):
            t0, c0 = time.perf_counter(), time.process_time()
            results = path.enrich_batch(chunk, now)
            wall[n] += time.perf_counter() - t0
            cpu[n] += time.process_time() - c0
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise BenchError(f"offline enrichment failed on {len(failed)} article(s): {failed[0]!r}")
    n = len(corpus)
    last = len(paths) - 1
    return {
        "ceiling_aps": n / ceiling_s,
        "offline_aps": n / wall[0],
        "selective_aps": n / wall[last],
        "ceiling_cpu_ms": 1000 * ceiling_cpu / n,
        "offline_cpu_ms": 1000 * cpu[0] / n,
        "selective_cpu_ms": 1000 * cpu[last] / n,
        "stages": dict(enricher.stage_seconds),
        # measured since the warm-up (reset above), so this run's only
        "components": dict(paths[last].selective.component_seconds) if paths[last].selective else {},
        "parsed_share": paths[last].selective.parsed_share() if paths[last].selective else 0.0,
    }


async def measure_stream(
    settings: Settings,
    bootstrap: str,
    corpus: Sequence[RawArticle],
    workers: int,
    role: str = "enrich",
    partitions: int = STREAM_PARTITIONS,
) -> tuple[float, list[float], float]:
    """(a/s from the first send to the last enriched event readable, peak RSS MB per worker, worker CPU
    ms per article over the same interval)."""
    run = settings.isolated(bootstrap, "bench", uuid.uuid4().hex[:8]).model_copy(
        update={"partitions": partitions}
    )
    ids = {a.id for a in corpus if a.id}
    async with worker_group(run, workers, role) as procs:
        collector = asyncio.ensure_future(
            _arrivals(run, run.topic_enriched, procs, lambda seen: ids <= seen.keys(), 120.0 + len(ids))
        )
        t0, cpu0 = time.time(), sum(cpu_seconds(p.pid) for p in procs)
        await replay(
            corpus, bootstrap=bootstrap, topic=run.topic_raw, progress=False, security=client_security(run)
        )
        seen = await collector
        cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu0
        missing = ids - seen.keys()
        if missing:
            raise BenchError(
                f"{len(missing)} article(s) not enriched in time; see {_log_path(run, 0).parent}"
            )
        elapsed = max(seen[i] for i in ids) - t0
        return len(ids) / elapsed, [peak_rss_mb(p.pid) for p in procs], 1000 * cpu / len(ids)


async def measure_alert_latency(
    settings: Settings, bootstrap: str, corpus: Sequence[RawArticle], rate: float
) -> tuple[list[float], float, list[float]]:
    """(alert latencies in s, achieved send rate, worker peak RSS MB) with 1 worker at `rate` offered.

    Story grouping is off: copies of one article are one story, so with it on only the corpus's first
    cycle would alert (about 20 alerts, all in the run's first seconds, while the caches are cold)."""
    run = settings.isolated(bootstrap, "bench", uuid.uuid4().hex[:8]).model_copy(
        update={"partitions": STREAM_PARTITIONS, "story_grouping": False}
    )
    ids = {a.id for a in corpus if a.id}
    async with worker_group(run, 1) as procs:
        enriched = asyncio.ensure_future(
            _arrivals(run, run.topic_enriched, procs, lambda seen: ids <= seen.keys(), 120.0 + len(ids))
        )
        done_at: list[float] = []

        def alerts_done(_: dict[str, float]) -> bool:
            # Alerts take one more hop (candidates -> dedup -> alerts) after the last enriched event.
            if enriched.done() and not done_at:
                done_at.append(time.monotonic())
            return bool(done_at) and time.monotonic() - done_at[0] > 5.0

        alerts = asyncio.ensure_future(_arrivals(run, run.topic_alerts, procs, alerts_done, 130.0 + len(ids)))
        stats = await replay(
            corpus,
            bootstrap=bootstrap,
            topic=run.topic_raw,
            rate=rate,
            progress=False,
            security=client_security(run),
        )
        await enriched
        alerted = await alerts
        sent = sorted((t, i) for i, t in stats.produced_at.items() if i in alerted)
        latencies = [alerted[i] - t for t, i in sent]
        children = [c for p in procs for c in p.children()]
        say(
            "    alert lane and alerter peak RSS: "
            + ", ".join(f"{peak_rss_mb(c):.0f}" for c in children)
            + " MB"
        )
        return latencies, stats.sent / stats.seconds, [peak_rss_mb(p.pid) for p in procs]


def machine_info(nlp: Any, model: str) -> dict[str, Any]:
    """What the figures were measured on (the issue asks for the machine to be named)."""
    import spacy

    cpuinfo = read_proc("/proc/cpuinfo").splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "unknown")
    meminfo = read_proc("/proc/meminfo").splitlines()
    mem_kb = next((int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal:")), 0)
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "model": f"{model} {nlp.meta.get('version', '')}".strip(),
        "pipeline": list(nlp.pipe_names),
        "platform": platform.platform(),
    }


def metrics_ports(settings: Settings, index: int) -> dict[str, str]:
    """Metrics ports of the bench's `index`-th worker, from its broker's port up (+10, 10 per worker),
    so workers on one machine do not collide with each other or with a `newsfeed worker` on 9400."""
    base = settings.broker_port + 10 + 10 * index
    return {
        "NEWSFEED_METRICS_PORT_ENRICH": str(base),
        "NEWSFEED_METRICS_PORT_ALERTS": str(base + 1),
        "NEWSFEED_METRICS_PORT_LANE": str(base + 2),
    }


def _log_path(settings: Settings, index: int) -> Path:
    return PROJECT_ROOT / ".kafka" / "bench" / "workers" / f"{settings.app_id}-{index}.log"


class worker_group:  # noqa: N801 - used as `async with worker_group(...)`, like a function
    """Start `count` worker subprocesses on the run's topics; enter when all are assigned and warm."""

    def __init__(self, settings: Settings, count: int, role: str = "all") -> None:
        self.settings, self.count, self.role = settings, count, role
        self.procs: list[WorkerProcess] = []
        self.supervisor = Supervisor([])

    async def __aenter__(self) -> list[WorkerProcess]:
        await ensure_topics(self.settings)
        self.procs = [
            WorkerProcess(
                self.settings,
                _log_path(self.settings, i),
                role=self.role,
                loglevel="warning",
                env=metrics_ports(self.settings, i),
                cwd=PROJECT_ROOT,
                new_session=True,
            )
            for i in range(self.count)
        ]
        self.supervisor = Supervisor(self.procs).start()
        try:
            await self._wait_ready()
        except BaseException:
            await self.__aexit__()
            raise
        return self.procs

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.supervisor.stop)

    async def _wait_ready(self) -> None:
        """Every worker in the group with partitions assigned, and one article per partition processed."""
        t0 = time.monotonic()
        await wait_group(self.settings, self.count, self.procs)
        warmups = await _send_warmups(self.settings)
        seen = await _arrivals(
            self.settings, self.settings.topic_enriched, self.procs, lambda s: warmups <= s.keys()
        )
        if not warmups <= seen.keys():
            raise BenchError(
                f"workers did not process the warm-up articles; see {_log_path(self.settings, 0)}"
            )
        await wait_group(self.settings, self.count, self.procs)  # no rebalance pending behind the warm-up
        if self.role != "all":
            return say(f"    {self.count} worker(s) ready in {time.monotonic() - t0:.1f} s")
        # The alerting side too: the clock must not start while the lane still loads its model.
        await wait_group(self.settings, self.count, self.procs, f"{self.settings.app_id}-alerts")
        if self.settings.alert_lane:
            lane = f"{self.settings.app_id}-lane"
            await wait_group(self.settings, self.count * self.settings.lane_processes, self.procs, lane)
            await _wait_consumed(self.settings, lane, self.settings.topic_raw, self.procs)
        say(f"    {self.count} worker(s) ready in {time.monotonic() - t0:.1f} s")


async def wait_group(
    settings: Settings, members: int, procs: Sequence[WorkerProcess], group_id: str | None = None
) -> None:
    """Until the consumer group (default: the enrichment app's) is Stable with `members` members, each
    with an assignment."""
    group_id = group_id or settings.app_id
    admin = AIOKafkaAdminClient(**client_security(settings), bootstrap_servers=settings.broker)
    await admin.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            _check_alive(settings, procs)
            with contextlib.suppress(Exception):  # the group's coordinator may not exist yet
                (response,) = await admin.describe_consumer_groups([group_id])
                group = response.to_object()["groups"][0]
                assigned = [m for m in group["members"] if m["member_assignment"]]
                if group["state"] == "Stable" and len(assigned) == members == len(group["members"]):
                    return
            await asyncio.sleep(0.5)
        raise BenchError(f"consumer group {group_id} not stable with {members} member(s) in time")
    finally:
        await admin.close()


async def _wait_consumed(
    settings: Settings, group_id: str, topic: str, procs: Sequence[WorkerProcess]
) -> None:
    """Until the group has committed the end of every partition of `topic` (it has read the warm-ups)."""
    admin = AIOKafkaAdminClient(**client_security(settings), bootstrap_servers=settings.broker)
    consumer = AIOKafkaConsumer(
        **client_security(settings), bootstrap_servers=settings.broker, enable_auto_commit=False
    )
    await admin.start()
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            _check_alive(settings, procs)
            committed = await admin.list_consumer_group_offsets(group_id, partitions=tps)
            if all(tp in committed and committed[tp].offset >= ends[tp] for tp in tps):
                return
            await asyncio.sleep(0.5)
        raise BenchError(f"consumer group {group_id} did not read the warm-ups in time")
    finally:
        await consumer.stop()
        await admin.close()


async def _send_warmups(settings: Settings) -> set[str]:
    """One short article to each partition explicitly, so every worker has parsed before the clock starts."""
    producer = AIOKafkaProducer(**client_security(settings), bootstrap_servers=settings.broker, acks="all")
    await producer.start()
    ids = set()
    try:
        for p in range(settings.partitions):
            article_id = f"warmup-{settings.app_id}-{p}"
            raw = RawArticle(
                id=article_id,
                title=f"Warm-up {p}",
                body='The council met on Monday in Springfield. "We are ready," said Mayor Ann Lee.',
            )
            await producer.send_and_wait(
                settings.topic_raw, encode(raw), key=article_id.encode(), partition=p
            )
            ids.add(article_id)
    finally:
        await producer.stop()
    return ids


async def _arrivals(
    settings: Settings,
    topic: str,
    procs: Sequence[WorkerProcess],
    done: Callable[[dict[str, float]], bool],
    timeout_s: float = READY_TIMEOUT_S,
) -> dict[str, float]:
    """Key -> wall-clock time its first record became readable on `topic`, until `done(seen)` or timeout.

    The run's topics are fresh, so reading from the beginning sees only this run's records.
    """
    consumer = AIOKafkaConsumer(
        **client_security(settings), bootstrap_servers=settings.broker, enable_auto_commit=False
    )
    await consumer.start()
    seen: dict[str, float] = {}
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while not done(seen) and time.monotonic() < deadline:
            _check_alive(settings, procs)
            batch = await consumer.getmany(timeout_ms=200)
            now = time.time()
            for records in batch.values():
                for record in records:
                    if record.key is not None:
                        seen.setdefault(record.key.decode(), now)
    finally:
        await consumer.stop()
    return seen


def _check_alive(settings: Settings, procs: Sequence[WorkerProcess]) -> None:
    for i, proc in enumerate(procs):
        if not proc.running:
            log = _log_path(settings, i)
            tail = "\n".join(read_proc(str(log)).splitlines()[-15:])
            raise BenchError(f"worker {i} exited with {proc.returncode}; see {log}:\n{tail}")


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    for line in read_proc(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    fields = read_proc(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_proc(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def loadavg() -> str:
    return " ".join(read_proc("/proc/loadavg").split()[:3]) or "unknown"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
