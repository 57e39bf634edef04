"""Prometheus metrics and health probes of a worker process: /metrics, /healthz, /readyz.

Every worker process (enrichment app, alert lane, alerter) serves them on its own port
(NEWSFEED_METRICS_PORT_*), from an aiohttp server on the Faust app's own event loop, so /healthz
answering means that loop answers. Names follow the Prometheus rules: base units (seconds), `_total`
only on counters. Counters of outputs count what the broker acknowledged (a delivery callback), not
what was sent. What Faust already reports (messages in and acknowledged, rebalances, failed sends)
comes from a Faust sensor; the app, lane and alerter add one-line hooks for what only they know.
Committed offset, end offset and lag of the partitions this process holds are read from the broker
every NEWSFEED_METRICS_REFRESH_S. With NEWSFEED_METRICS=false nothing is served or recorded.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import faust
import orjson
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faust.sensors import Sensor
from faust.types import TP, Message
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)

from schemas.base import SCHEMA_VERSION
from streams.offsets import PartitionOffsets, close_clients, read_offsets
from streams.security import client_security
from streams.settings import Settings

log = logging.getLogger(__name__)
disable_created_metrics()  # `_created` series double the output and no dashboard uses them

ROLES = ("enrich", "lane", "alerts")

CONSUMED = Counter("newsfeed_articles_consumed", "Input records taken into the stream", ["topic"])
ENRICHED = Counter("newsfeed_articles_enriched", "Enriched articles acknowledged by the broker")
DEAD_LETTERED = Counter(
    "newsfeed_articles_dead_lettered", "Dead letters acknowledged by the broker", ["error_type"]
)
CANDIDATES = Counter(
    "newsfeed_alert_candidates", "Alert candidates acknowledged by the broker", ["level", "assessment"]
)
ALERTS_PUBLISHED = Counter(
    "newsfeed_alerts_published", "Alerts acknowledged on the alerts topic", ["level", "assessment"]
)
ALERTS_SUPPRESSED = Counter(
    "newsfeed_alerts_suppressed",
    "Candidates not published: the story already alerted",
    ["level", "assessment"],
)
BATCH_SIZE = Histogram(
    "newsfeed_batch_articles", "Articles per enrichment batch", buckets=(1, 2, 4, 8, 16, 32, 64, 128)
)
BATCH_DURATION = Histogram(
    "newsfeed_batch_duration_seconds",
    "A batch from taken to every output acknowledged (retries included)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
STAGE_DURATION = Histogram(
    "newsfeed_stage_duration_seconds",
    "Time a batch spent in each enrichment stage (processors/enrich.py STAGES)",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LATENCY = Histogram(
    "newsfeed_end_to_end_latency_seconds",
    "Input record timestamp to the input acknowledged, after all its outputs were acknowledged",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
COMMITTED = Gauge(
    "newsfeed_consumer_committed_offset",
    "Group's committed offset of a held partition",
    ["topic", "partition"],
)
END_OFFSET = Gauge(
    "newsfeed_topic_end_offset", "End offset (next offset to be written)", ["topic", "partition"]
)
LAG = Gauge("newsfeed_consumer_lag_messages", "End offset minus committed offset", ["topic", "partition"])
ASSIGNED = Gauge("newsfeed_assigned_partitions", "Input partitions this process holds", ["topic"])
REBALANCES = Counter("newsfeed_rebalances", "Consumer group rebalances this process took part in")
BROKER_UP = Gauge("newsfeed_broker_reachable", "1 when the last offsets refresh reached the broker")
SEND_ERRORS = Counter("newsfeed_producer_send_errors", "Records the producer failed to deliver", ["topic"])
SEND_RETRIES = Counter(
    "newsfeed_producer_send_retries", "Deliveries retried after a failure (streams/retry.py)"
)
BUILD = Info("newsfeed_build", "Role, package version, message schema version, spaCy model")

# What each role serves beyond the metrics every role has; the others are unregistered in its process.
ROLE_METRICS: dict[str, tuple[Any, ...]] = {
    "enrich": (ENRICHED, DEAD_LETTERED, CANDIDATES, BATCH_SIZE, BATCH_DURATION, STAGE_DURATION, SEND_RETRIES),
    "lane": (CANDIDATES, SEND_RETRIES),
    "alerts": (ALERTS_PUBLISHED, ALERTS_SUPPRESSED),
}

_enabled = False


class _State:
    """What /readyz needs to know, set by the hooks of this process."""

    def __init__(self) -> None:
        self.app: faust.App | None = None
        self.role = ""
        self.topics: tuple[str, ...] = ()
        self.needs_model = False
        self.model_loaded = False
        self.broker_seen_at: float | None = None
        self.refresh_s = 10.0


_state = _State()


def instrument(
    app: faust.App, settings: Settings, role: str, topics: Sequence[str], *, needs_model: bool
) -> None:
    """Serve /metrics and the probes for this app's process and record its metrics (unless disabled)."""
    global _enabled
    if not settings.metrics:
        return
    _enabled = True
    for collector in {m for role_metrics in ROLE_METRICS.values() for m in role_metrics} - set(
        ROLE_METRICS[role]
    ):
        REGISTRY.unregister(collector)
    _state.app, _state.role, _state.topics = app, role, tuple(topics)
    _state.needs_model, _state.refresh_s = needs_model, settings.metrics_refresh_s
    _set_build(model="none", model_version="")
    app.sensors.add(_FaustSensor(set(topics)))

    async def serve_and_refresh() -> None:
        runner = await start_server(settings.metrics_host, metrics_port(settings, role))
        try:
            await refresh_offsets_forever(app, settings)
        finally:
            await runner.cleanup()

    app.task(serve_and_refresh)


def metrics_port(settings: Settings, role: str) -> int:
    return {
        "enrich": settings.metrics_port_enrich,
        "lane": settings.metrics_port_lane,
        "alerts": settings.metrics_port_alerts,
    }[role]


def child_env(settings: Settings, roles: Sequence[str]) -> list[dict[str, str]]:
    """Per child of `newsfeed worker`: the k-th alert lane serves on the lane port + k (0 stays 0: any)."""
    envs, lanes = [], 0
    for role in roles:
        env: dict[str, str] = {}
        if role == "lane":
            if lanes and settings.metrics_port_lane:
                env["NEWSFEED_METRICS_PORT_LANE"] = str(settings.metrics_port_lane + lanes)
            lanes += 1
        envs.append(env)
    return envs


# --------------------------------------------------------------------------
# hooks for the app, the lane and the alerter


def model_loaded(nlp: Any) -> None:
    """The model is in memory: /readyz may say ready, and the info metric names the model."""
    if _enabled:
        _state.model_loaded = True
        meta = nlp.meta
        _set_build(
            model=f"{meta.get('lang', 'xx')}_{meta.get('name', '')}", model_version=meta.get("version", "")
        )


def when_acked(fut: Any, counter: Any) -> Any:
    """Return the send future `fut`; `counter` (a Counter child) counts it once the broker acknowledges."""
    if _enabled:
        fut.add_done_callback(
            lambda f: counter.inc() if not f.cancelled() and f.exception() is None else None
        )
    return fut


def count(counter: Any) -> None:
    """Count one (a Counter child), when metrics are on."""
    if _enabled:
        counter.inc()


@contextlib.contextmanager
def batch(size: int) -> Iterator[None]:
    """Observe a batch's size and how long it took to deliver."""
    if not _enabled:
        yield
        return
    BATCH_SIZE.observe(size)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        BATCH_DURATION.observe(time.perf_counter() - t0)


def with_stage_times(enricher: Any) -> Callable[..., Any]:
    """`enricher.enrich_batch`, observing each stage's share of the batch.

    Reuses the Enricher's own running totals (`stage_seconds`, what `newsfeed bench` reports): the
    difference across the call is this batch's time, as one batch is in flight per process.
    """
    if not _enabled:
        return enricher.enrich_batch

    def run(*args: Any) -> Any:
        before = dict(enricher.stage_seconds)
        try:
            return enricher.enrich_batch(*args)
        finally:
            for stage, total in enricher.stage_seconds.items():
                STAGE_DURATION.labels(stage).observe(total - before.get(stage, 0.0))

    return run


def retried() -> None:
    count(SEND_RETRIES)


def _set_build(*, model: str, model_version: str) -> None:
    try:
        package = version("newsfeed")
    except PackageNotFoundError:
        package = "unknown"
    BUILD.info(
        {
            "role": _state.role,
            "version": package,
            "schema_version": str(SCHEMA_VERSION),
            "model": model,
            "model_version": model_version,
        }
    )


class _FaustSensor(Sensor):
    """Faust's own events: input records in and acknowledged, rebalances, failed sends."""

    def __init__(self, topics: set[str]) -> None:
        super().__init__()
        self.topics = topics

    def on_message_in(self, tp: TP, offset: int, message: Message) -> None:
        if tp.topic in self.topics:
            CONSUMED.labels(tp.topic).inc()

    def on_message_out(self, tp: TP, offset: int, message: Message) -> None:
        # Our agents acknowledge an input only once its outputs are acknowledged.
        if tp.topic in self.topics and message.timestamp:
            LATENCY.observe(max(0.0, time.time() - message.timestamp))

    def on_rebalance_start(self, app: Any) -> dict[str, Any]:
        REBALANCES.inc()
        return super().on_rebalance_start(app)

    def on_send_error(self, producer: Any, exc: BaseException, state: Any) -> None:
        topic = state.get("topic", "") if isinstance(state, dict) else ""
        SEND_ERRORS.labels(topic if isinstance(topic, str) else str(topic)).inc()

    def on_send_initiated(
        self, producer: Any, topic: str, message: Any, keysize: int, valsize: int
    ) -> dict[str, Any]:
        return {"topic": topic}


# --------------------------------------------------------------------------
# the HTTP server and the offsets refresher


def readiness() -> list[str]:
    """Why this process is not ready; empty when it is."""
    app, reasons = _state.app, []
    if _state.needs_model and not _state.model_loaded:
        reasons.append("model not loaded")
    seen = _state.broker_seen_at
    if seen is None:
        reasons.append("broker not reached yet")
    elif time.monotonic() - seen > 3 * _state.refresh_s + 5:
        reasons.append(f"broker unreachable for {time.monotonic() - seen:.0f} s")
    if app is not None:
        if app.rebalancing:
            reasons.append("consumer group rebalancing")
        elif not held_partitions(app):
            reasons.append("no input partitions assigned")
    return reasons


def held_partitions(app: faust.App) -> list[TopicPartition]:
    """This process's assigned input partitions (not table changelogs)."""
    try:
        assignment = app.consumer.assignment()
    except Exception:  # noqa: BLE001 - no consumer yet
        return []
    return sorted(
        (TopicPartition(tp.topic, tp.partition) for tp in assignment if tp.topic in _state.topics),
        key=lambda tp: (tp.topic, tp.partition),
    )


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _healthz(request: web.Request) -> web.Response:
    app = _state.app
    stopping = app is not None and app.should_stop
    body = {"status": "stopping" if stopping else "ok", "role": _state.role}
    return web.json_response(body, status=503 if stopping else 200, dumps=_dumps)


async def _readyz(request: web.Request) -> web.Response:
    reasons = readiness()
    body = {"ready": not reasons, "role": _state.role, "reasons": reasons}
    return web.json_response(body, status=503 if reasons else 200, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


async def start_server(host: str, port: int) -> web.AppRunner:
    """aiohttp on the running loop; a port in use is a clear error (the worker then stops)."""
    web_app = web.Application()
    web_app.add_routes(
        [web.get("/metrics", _metrics), web.get("/healthz", _healthz), web.get("/readyz", _readyz)]
    )
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise RuntimeError(
            f"metrics server cannot listen on {host}:{port} ({exc.strerror}): set NEWSFEED_METRICS_PORT_"
            f"{_state.role.upper()} to a free port (0: any) or NEWSFEED_METRICS=false"
        ) from exc
    bound = [a[1] for a in runner.addresses if isinstance(a, tuple)] or [port]
    log.info("metrics on http://%s:%s/metrics (/healthz, /readyz)", host, bound[0])
    return runner


async def refresh_offsets_forever(app: faust.App, settings: Settings) -> None:
    """Every refresh interval: committed and end offsets of the held partitions, from the broker."""
    security = client_security(settings)
    admin = AIOKafkaAdminClient(**security, bootstrap_servers=settings.broker, request_timeout_ms=10_000)
    consumer = AIOKafkaConsumer(**security, bootstrap_servers=settings.broker, enable_auto_commit=False)
    shown: set[tuple[str, int]] = set()
    started = False
    try:
        while True:
            try:
                if not started:
                    await admin.start()
                    await consumer.start()
                    started = True
                held = held_partitions(app)
                if held:
                    offsets = await read_offsets(admin, consumer, app.conf.id, held)
                else:
                    offsets = []
                    await admin.describe_cluster()  # still ask the broker: readiness says if it answers
                shown = _publish_offsets(offsets, shown)
                _state.broker_seen_at = time.monotonic()
                BROKER_UP.set(1)
            except Exception as exc:  # noqa: BLE001 - readiness reports it; the next round retries
                BROKER_UP.set(0)
                log.warning("offsets refresh failed: %r", exc)
                if not started:  # a half-started pair starts again from scratch
                    await close_clients(admin, consumer)
                    admin = AIOKafkaAdminClient(
                        **security, bootstrap_servers=settings.broker, request_timeout_ms=10_000
                    )
                    consumer = AIOKafkaConsumer(
                        **security, bootstrap_servers=settings.broker, enable_auto_commit=False
                    )
            await asyncio.sleep(settings.metrics_refresh_s)
    finally:
        await close_clients(admin, consumer)


def _publish_offsets(offsets: list[PartitionOffsets], shown: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Set the offset gauges; drop the series of partitions this process no longer holds."""
    now = {(o.topic, o.partition) for o in offsets}
    for topic, partition in shown - now:
        for gauge in (COMMITTED, END_OFFSET, LAG):
            with contextlib.suppress(KeyError):
                gauge.remove(topic, str(partition))
    per_topic: dict[str, int] = dict.fromkeys(_state.topics, 0)
    for o in offsets:
        labels = (o.topic, str(o.partition))
        if o.committed is not None:
            COMMITTED.labels(*labels).set(o.committed)
        END_OFFSET.labels(*labels).set(o.end)
        LAG.labels(*labels).set(o.lag)
        per_topic[o.topic] = per_topic.get(o.topic, 0) + 1
    for topic, n in per_topic.items():
        ASSIGNED.labels(topic).set(n)
    return now
