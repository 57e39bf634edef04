"""/metrics, /readyz and `newsfeed status` of a whole worker on the real broker, scraped over HTTP."""

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.base import SCHEMA_VERSION
from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.settings import PROJECT_ROOT
from streams.topics import ensure_topics_sync
from streams.worker import WorkerProcess
from tests.helpers import SEED, naming_problems, produce_raw, read_topic, stream_env, worker_process

pytestmark = pytest.mark.kafka

GOOD = [
    {"id": f"metrics-{i}", "title": f"Harbour report {i}", "body": f"The harbour authority met on day {i}."}
    for i in range(3)
]
BAD = [(b"m-bad-1", b"{not json"), (b"m-bad-2", b"[1, 2"), (b"m-bad-3", b'{"title": "no body here"}')]
DEAD = {"invalid_json": 2, "missing_body": 1}
ROLES = ("enrich", "lane", "alerts")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    """A real HTTP GET; (status, body), also for 503."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Scraped:
    """Samples of one /metrics scrape, by name and labels."""

    def __init__(self, text: str) -> None:
        self.families = list(text_string_to_metric_families(text))
        self.samples = [s for f in self.families for s in f.samples]

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples named `name` whose labels include `labels`."""
        return sum(s.value for s in self.samples if s.name == name and labels.items() <= s.labels.items())

    def by_label(self, name: str, label: str) -> dict[str, float]:
        return {s.labels[label]: s.value for s in self.samples if s.name == name}


MODEL_LOADED_LINE = "enrichment ready: model"


def _ready(url: str) -> bool:
    """/readyz answers 200 (a child whose server is not listening yet is not ready)."""
    try:
        return get(url + "/readyz")[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def observed(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A whole worker on its own ports; /readyz polled from the first moment it answers."""
    ports = {role: _free_port() for role in ROLES}
    env = stream_env(
        kafka_broker,
        NEWSFEED_METRICS_PORT_ENRICH=str(ports["enrich"]),
        NEWSFEED_METRICS_PORT_LANE=str(ports["lane"]),
        NEWSFEED_METRICS_PORT_ALERTS=str(ports["alerts"]),
        NEWSFEED_METRICS_REFRESH_S="1",
    )
    proc = worker_process(env, tmp_path_factory.mktemp("metrics") / "worker.log")
    ensure_topics_sync(proc.settings)
    proc.start()
    urls = {role: f"http://127.0.0.1:{port}" for role, port in ports.items()}
    answers: list[tuple[int, dict[str, Any], bool]] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert proc.running, f"worker died:\n{proc.log()}"
            try:
                status, body = get(urls["enrich"] + "/readyz")
            except OSError:
                time.sleep(0.2)  # not listening yet
                continue
            # Read after the answer: the app logs this line before it marks the model loaded, so an
            # answer given while it was not yet logged was given before the model was loaded.
            answers.append((status, orjson.loads(body), MODEL_LOADED_LINE in proc.log()))
            if status == 200 and all(_ready(u) for u in urls.values()):
                break
            time.sleep(0.5)
        yield {"worker": proc, "urls": urls, "readyz": answers}
    finally:
        proc.stop()


def scrape(url: str) -> Scraped:
    status, body = get(url + "/metrics")
    assert status == 200
    return Scraped(body.decode())


def scrape_until(url: str, done: Callable[[Scraped], bool], wait_s: float = 60.0) -> Scraped:
    deadline = time.monotonic() + wait_s
    while True:
        scraped = scrape(url)
        if done(scraped) or time.monotonic() > deadline:
            return scraped
        time.sleep(0.5)


def lag_zero(scraped: Scraped, partitions: int) -> bool:
    lags = scraped.by_label("newsfeed_consumer_lag_messages", "partition")
    return len(lags) == partitions and not any(lags.values())


def test_readyz_is_503_until_the_model_is_loaded_then_200(observed: dict[str, Any]) -> None:
    answers = observed["readyz"]
    assert answers, "the enrichment app's metrics server never answered"
    # The server may start after the model has loaded (it waits for Faust's worker to be ready): the
    # answers before it are the ones that must say so (and tests/test_metrics.py checks the reason).
    for status, body, loaded_logged in answers:
        if not loaded_logged:
            assert status == 503 and body["ready"] is False and "model not loaded" in body["reasons"], body
    assert answers[-1][0] == 200 and answers[-1][1] == {"ready": True, "role": "enrich", "reasons": []}
    for role, url in observed["urls"].items():
        assert get(url + "/healthz") == (200, orjson.dumps({"status": "ok", "role": role}))


def test_counters_match_what_was_replayed_and_lag_returns_to_zero(observed: dict[str, Any]) -> None:
    worker: WorkerProcess = observed["worker"]
    s = worker.settings
    asyncio.run(replay(load_articles([SEED]), bootstrap=s.broker, topic=s.topic_raw, progress=False))
    produce_raw(s.broker, s.topic_raw, [(a["id"].encode(), orjson.dumps(a)) for a in GOOD] + BAD)
    n_in, n_good = 1 + len(GOOD) + len(BAD), 1 + len(GOOD)
    assert len(read_topic(worker, s.topic_enriched, want=n_good)) == n_good, worker.log()
    assert len(read_topic(worker, s.topic_deadletter, want=len(BAD))) == len(BAD), worker.log()
    read_topic(worker, s.topic_alerts, want=1)

    urls = observed["urls"]
    enrich = scrape_until(urls["enrich"], lambda m: lag_zero(m, s.partitions))
    assert lag_zero(enrich, s.partitions), enrich.by_label("newsfeed_consumer_lag_messages", "partition")
    assert enrich.value("newsfeed_articles_consumed_total", topic=s.topic_raw) == n_in
    assert enrich.value("newsfeed_articles_enriched_total") == n_good
    assert enrich.by_label("newsfeed_articles_dead_lettered_total", "error_type") == DEAD
    assert enrich.value("newsfeed_end_to_end_latency_seconds_count") == n_in
    assert enrich.value("newsfeed_batch_articles_sum") == n_in
    assert enrich.value("newsfeed_stage_duration_seconds_count", stage="nlp") >= 1
    assert enrich.value("newsfeed_assigned_partitions", topic=s.topic_raw) == s.partitions
    assert enrich.value("newsfeed_rebalances_total") >= 1
    ends = enrich.by_label("newsfeed_topic_end_offset", "partition")
    assert sum(ends.values()) == n_in
    assert enrich.by_label("newsfeed_consumer_committed_offset", "partition") == ends
    (info,) = [x for x in enrich.samples if x.name == "newsfeed_build_info"]
    assert info.labels["role"] == "enrich" and info.labels["schema_version"] == str(SCHEMA_VERSION)
    assert info.labels["model"].startswith("en_") and info.labels["model_version"]

    lane = scrape_until(urls["lane"], lambda m: lag_zero(m, s.partitions))
    assert lane.value("newsfeed_articles_consumed_total", topic=s.topic_raw) == n_in
    assert lag_zero(lane, s.partitions)
    # The seed alerts in both passes; the alerter publishes one and suppresses the other.
    name = "newsfeed_alert_candidates_total"
    candidates = lane.value(name) + enrich.value(name)
    assert lane.value(name, assessment="lane") >= 1
    alerts = scrape_until(
        urls["alerts"],
        lambda m: (
            m.value("newsfeed_alerts_published_total") + m.value("newsfeed_alerts_suppressed_total")
            >= candidates
        ),
    )
    assert alerts.value("newsfeed_alerts_published_total") == 1
    assert alerts.value("newsfeed_alerts_suppressed_total") == candidates - 1
    assert alerts.value("newsfeed_articles_consumed_total", topic=s.topic_alert_candidates) == candidates


def test_every_served_metric_follows_the_naming_rules(observed: dict[str, Any]) -> None:
    for role, url in observed["urls"].items():
        scraped = scrape(url)
        assert any(f.name.startswith("process_") for f in scraped.families), role  # default collectors
        problems = [p for f in scraped.families for p in naming_problems(f)]
        assert not problems, (role, problems)
        served = {f.name for f in scraped.families}
        assert ("newsfeed_articles_enriched" in served) == (role == "enrich"), role


def test_status_shows_lag_per_partition_and_recent_dead_letters(observed: dict[str, Any]) -> None:
    worker: WorkerProcess = observed["worker"]
    s = worker.settings
    assert worker.stop() == 0
    waiting = [(f"waiting-{i}".encode(), orjson.dumps(GOOD[0] | {"id": f"waiting-{i}"})) for i in range(2)]
    produce_raw(s.broker, s.topic_raw, waiting)  # partition 0, nobody reads it now

    env = {k: v for k, v in worker.env.items()}
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "status", "--json"],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    groups = {g["group"]: g for g in status["groups"]}
    enrichment = groups[s.app_id]
    assert enrichment["lag"] == 2 and enrichment["members"] == 0
    lag_by_partition = {p["partition"]: p["lag"] for p in enrichment["partitions"]}
    assert lag_by_partition == {0: 2, **{p: 0 for p in range(1, s.partitions)}}
    assert groups[f"{s.app_id}-lane"]["lag"] == 2
    assert groups[f"{s.app_id}-alerts"]["lag"] == 0
    raw_ends = sum(p["end"] for p in status["topics"][s.topic_raw])
    assert raw_ends == 1 + len(GOOD) + len(BAD) + 2
    assert status["dead_letters_last_hour"] == DEAD
