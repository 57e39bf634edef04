"""`newsfeed notify` on the real broker against real local HTTP receivers started by the test: one
answers 200, one fails three times first, one is down, one wants only nuclear alerts."""

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from schemas import Actor, Alert, Evidence, WebhookDeadLetter, WebhookPayload
from schemas.codec import decode, encode
from streams.ops.bench.desk import free_port
from streams.reader import TopicNotFound, tail
from streams.settings import PROJECT_ROOT, Settings, Webhook
from streams.topics import ensure_topics_sync
from streams.worker import NewsfeedProcess
from tests.helpers import stream_env

pytestmark = pytest.mark.kafka


class Receiver:
    """A webhook endpoint: records every request; answers `fail_first` times 503, then 200."""

    def __init__(self, fail_first: int = 0, on_failure: Any = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first, self.on_failure = fail_first, on_failure
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                failing = len(receiver.requests) < receiver.fail_first
                if failing and receiver.on_failure is not None:
                    receiver.on_failure(len(receiver.requests) + 1)
                receiver.requests.append(
                    {
                        "at": time.monotonic(),
                        "headers": dict(self.headers),
                        "body": body,
                        "status": 503 if failing else 200,
                    }
                )
                self.send_response(503 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["status"] == 200]


def _alert(n: int, level: str, categories: list[str]) -> Alert:
    sentence = f"Invented sentence number {n} about the {categories[0]} situation."
    return Alert(
        alert_id=f"alert-{n}-{level}",
        article_id=f"article-{n}",
        title=f"Invented headline {n}",
        url=f"https://news.example/{n}",
        source="Example Wire",
        level=level,  # type: ignore[arg-type]
        score=5.0 + n,
        categories=categories,
        evidence=[
            Evidence(
                sentence=sentence,
                start=0,
                end=len(sentence),
                rule="r",
                category=categories[0],
                terms=["x"],
                weight=2.0,
            )
        ],
        actors=[Actor(name="Ruritania", type="GPE")],
        published_at=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        assessment="lane",
    )


def _committed(settings: Settings) -> int:
    async def run() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.broker)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(f"{settings.app_id}-notify")
        finally:
            await admin.close()
        return sum(
            meta.offset
            for tp, meta in offsets.items()
            if tp.topic == settings.topic_alerts and meta.offset > 0
        )

    return asyncio.run(run())


@pytest.fixture(scope="module")
def notified(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = Settings(**{k.removeprefix("NEWSFEED_").lower(): v for k, v in stream_env(kafka_broker).items()})
    committed_while_failing: list[int] = []
    ok, flaky, nuclear = (
        Receiver(),
        Receiver(3, lambda n: committed_while_failing.append(_committed(base))),
        Receiver(),
    )
    down = f"http://127.0.0.1:{free_port()}/nobody-listens"
    hooks = [
        {"name": "ok", "url": ok.url, "secret": "s3cret-ok", "min_level": "medium"},
        {"name": "flaky", "url": flaky.url, "secret": "s3cret-flaky", "format": "slack"},
        {"name": "down", "url": down, "secret": "s3cret-down"},
        {"name": "nuclear", "url": nuclear.url, "min_level": "high", "categories": ["nuclear"]},
    ]
    settings = base.model_copy(
        update={
            "notify_webhooks": [Webhook(**h) for h in hooks],
            "notify_max_tries": 4,
            "notify_first_delay_s": 0.2,
            "notify_max_delay_s": 1.0,
            "notify_timeout_s": 10.0,
            "desk_public_url": "http://desk.example:8070",
        }
    )
    ensure_topics_sync(settings)
    alerts = [_alert(1, "critical", ["nuclear", "military-action"]), _alert(2, "medium", ["protest"])]
    alerts.append(alerts[0].model_copy(update={"alert_id": "alert-1-critical"}))  # a re-publication
    _produce(settings, alerts)
    log = tmp_path_factory.mktemp("notify") / "notify.log"
    proc = NewsfeedProcess(["notify"], settings, log, cwd=PROJECT_ROOT).start()
    letters = _read(settings, settings.topic_notify_deadletter, want=2, proc=proc, log=log)
    deadline = time.monotonic() + 30
    while _committed(settings) < 3 and time.monotonic() < deadline:
        time.sleep(0.3)
    yield {
        "settings": settings,
        "alerts": alerts,
        "receivers": {"ok": ok, "flaky": flaky, "nuclear": nuclear},
        "letters": [decode(r.value, WebhookDeadLetter) for r in letters],
        "committed": _committed(settings),
        "committed_while_failing": committed_while_failing,
        "log": log,
    }
    assert proc.stop() == 0, log.read_text()
    for r in (ok, flaky, nuclear):
        r.server.shutdown()


def _produce(settings: Settings, alerts: list[Alert]) -> None:
    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.broker, acks="all")
        await producer.start()
        try:
            for alert in alerts:
                await producer.send_and_wait(
                    settings.topic_alerts, encode(alert), key=alert.article_id.encode(), partition=0
                )
        finally:
            await producer.stop()

    asyncio.run(run())


def _read(settings: Settings, topic: str, want: int, proc: NewsfeedProcess, log: Path) -> list[Any]:
    async def run() -> list[Any]:
        deadline = time.monotonic() + 60
        records: list[Any] = []
        while len(records) < want and time.monotonic() < deadline:
            assert proc.running, log.read_text()
            try:
                records = [r async for r in tail(settings.broker, topic, from_beginning=True, timeout=1.0)]
            except TopicNotFound:
                await asyncio.sleep(0.5)
        return records

    return asyncio.run(run())


def _signed(secret: str, request: dict[str, Any]) -> bool:
    headers = request["headers"]
    expected = hmac.new(
        secret.encode(), headers["X-Newsfeed-Timestamp"].encode() + b"." + request["body"], hashlib.sha256
    )
    return hmac.compare_digest(headers["X-Newsfeed-Signature"], "sha256=" + expected.hexdigest())


def test_a_healthy_webhook_gets_each_alert_once_signed_with_its_schema(notified: dict[str, Any]) -> None:
    ok = notified["receivers"]["ok"]
    assert len(ok.requests) == 2, [
        r["headers"]["Idempotency-Key"] for r in ok.requests
    ]  # the re-publication too
    payloads = [decode(r["body"], WebhookPayload) for r in ok.requests]
    assert [p.alert.alert_id for p in payloads] == ["alert-1-critical", "alert-2-medium"]
    assert [r["headers"]["Idempotency-Key"] for r in ok.requests] == ["alert-1-critical", "alert-2-medium"]
    assert (
        payloads[0].event == "alert.new"
        and payloads[0].desk_url == "http://desk.example:8070/alerts/alert-1-critical"
    )
    assert all(_signed("s3cret-ok", r) for r in ok.requests)


def test_a_wrong_secret_or_a_changed_body_fails_the_signature_check(notified: dict[str, Any]) -> None:
    request = notified["receivers"]["ok"].requests[0]
    assert not _signed("another secret", request)
    assert not _signed("s3cret-ok", {**request, "body": request["body"].replace(b"critical", b"low")})


def test_a_webhook_failing_three_times_gets_the_alert_once_with_one_idempotency_key(
    notified: dict[str, Any],
) -> None:
    flaky = notified["receivers"]["flaky"]
    first = [r for r in flaky.requests if r["headers"]["Idempotency-Key"] == "alert-1-critical"]
    assert [r["status"] for r in first] == [503, 503, 503, 200]
    assert len(flaky.ok()) == 2  # alert 1 once (after 3 failures), alert 2 once
    gaps = [b["at"] - a["at"] for a, b in zip(first, first[1:], strict=False)]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.36 and gaps[2] >= 0.75, gaps  # 0.2 s, doubling
    assert orjson.loads(first[-1]["body"])["text"].startswith("*CRITICAL* <http://desk.example:8070/alerts/")
    assert all(_signed("s3cret-flaky", r) for r in first)
    # While it was failing, the alert's offset was not committed.
    assert notified["committed_while_failing"] and max(notified["committed_while_failing"]) == 0


def test_a_down_webhook_dead_letters_each_alert_after_the_tries_and_offsets_move_on(
    notified: dict[str, Any],
) -> None:
    letters = sorted(notified["letters"], key=lambda d: d.alert.alert_id)
    assert [(d.webhook, d.alert.alert_id, d.tries, d.error_type) for d in letters] == [
        ("down", "alert-1-critical", 4, "connection"),
        ("down", "alert-2-medium", 4, "connection"),
    ]
    assert "nobody-listens" not in letters[0].reason and "refused" in letters[0].reason.lower()
    assert letters[0].origin.topic == notified["settings"].topic_alerts and letters[0].origin.offset == 0
    assert notified["committed"] == 3  # every alert settled: delivered or dead-lettered
    assert "s3cret" not in notified["log"].read_text()


def test_level_and_category_settings_select_the_alerts_per_webhook(notified: dict[str, Any]) -> None:
    nuclear = notified["receivers"]["nuclear"]
    assert [r["headers"]["Idempotency-Key"] for r in nuclear.requests] == ["alert-1-critical"]
    assert "X-Newsfeed-Signature" not in nuclear.requests[0]["headers"]  # no secret, no signature
