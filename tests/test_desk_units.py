"""The desk's pure parts and the webhook payloads: marking the body, rows and filters, users, signatures."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from schemas import Actor, Alert, AlertAck, WebhookPayload
from schemas.codec import decode
from streams.desk.auth import UsersFileError, add_user, load_users, login_required, verify_password
from streams.desk.marks import Span, mark_body
from streams.desk.view import DeskView, Filters
from streams.notify.payloads import body_for, headers_for, signature, wants
from streams.settings import Settings, Webhook

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _alert(article_id: str, title: str, level: str, categories: list[str], minutes: int = 0) -> Alert:
    return Alert(
        alert_id=f"{article_id}-{level}",
        article_id=article_id,
        title=title,
        url=None,
        level=level,  # type: ignore[arg-type]
        score=1.0,
        categories=categories,
        evidence=[],
        actors=[Actor(name="Ruritanian army", type="ORG")],
        published_at=None,
        created_at=T0 + timedelta(minutes=minutes),
    )


def _span(start: int, end: int, layer: str, name: str, after: str = "") -> Span:
    return Span(start, end, layer, f"<{name}>", f"</{name}>", after)


def test_overlapping_spans_nest_and_split_only_where_they_cross() -> None:
    body = 'He said "troops will move" today. Calm.'
    sentence = _span(0, 33, "evidence", "ev", "[tag]")
    quote = _span(9, 25, "quote", "q", "[who]")
    name = _span(9, 15, "entity", "en")
    assert mark_body(body, [name, quote, sentence]) == (
        '<ev>He said "<q><en>troops</en> will move</q>[who]" today.</ev>[tag] Calm.'
    )
    crossing = _span(16, 38, "quote", "q")  # starts inside the sentence, ends after it
    html = mark_body(body, [sentence, crossing])
    assert html == '<ev>He said "troops <q>will move" today.</q></ev>[tag]<q> Calm</q>.'


def test_marked_body_escapes_html() -> None:
    assert mark_body("<b>x</b>", [_span(3, 4, "entity", "en")]) == "&lt;b&gt;<en>x</en>&lt;/b&gt;"


def test_a_rising_level_updates_the_same_row_and_asks_for_a_new_acknowledgement() -> None:
    view = DeskView()
    queue = view.subscribe()
    view.add_alert(_alert("a1", "Border clash", "medium", ["military-action"]))
    view.add_ack(
        AlertAck(
            alert_id="a1-medium",
            article_id="a1",
            acknowledged_by="ann",
            acknowledged_at=T0,
            updated_by="ann",
            updated_at=T0,
        )
    )
    view.add_alert(_alert("a1", "Border clash", "critical", ["military-action", "nuclear"], minutes=1))
    view.add_alert(
        _alert("a1", "Border clash", "critical", ["military-action", "nuclear"], minutes=1)
    )  # again
    (row,) = view.rows.values()
    assert row.alert.level == "critical" and row.raised_from == "medium" and len(row.history) == 2
    assert view.ack_of(row) is None and view.earlier_ack(row).acknowledged_by == "ann"  # type: ignore[union-attr]
    changes = [queue.get_nowait() for _ in range(queue.qsize())]
    assert changes == [(row.id, "alert"), (row.id, "ack"), (row.id, "alert")]


def test_filters_select_rows_newest_first() -> None:
    view = DeskView()
    view.add_alert(_alert("a1", "Border clash", "high", ["military-action"], minutes=0))
    view.add_alert(_alert("a2", "Strike at the port", "medium", ["protest"], minutes=5))
    titles = lambda f: [r.alert.title for r in view.matching(f)]  # noqa: E731
    assert titles(Filters()) == ["Strike at the port", "Border clash"]
    assert titles(Filters.from_query({"min_level": "high"})) == ["Border clash"]
    assert titles(Filters.from_query({"category": "protest"})) == ["Strike at the port"]
    assert titles(Filters.from_query({"actor": "ruritanian", "q": "BORDER"})) == ["Border clash"]
    assert titles(Filters.from_query({"min_level": "nonsense"})) == ["Strike at the port", "Border clash"]


def test_users_file_holds_argon2_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "users"
    assert add_user(path, "ann", "long enough pw") is True
    assert add_user(path, "ann", "another long pw") is False
    text = path.read_text()
    assert "another long pw" not in text and "ann:$argon2id$" in text
    assert path.stat().st_mode & 0o077 == 0
    users = load_users(path)
    assert verify_password(users, "ann", "another long pw")
    assert not verify_password(users, "ann", "long enough pw") and not verify_password(users, "bob", "x" * 8)
    with pytest.raises(UsersFileError, match="at least 8"):
        add_user(path, "bob", "short")
    path.write_text("ann:plain-password\n")
    with pytest.raises(UsersFileError, match="line 1"):
        load_users(path)


def test_login_is_required_beyond_loopback() -> None:
    assert not login_required("127.0.0.1") and not login_required("::1") and not login_required("localhost")
    assert login_required("0.0.0.0") and login_required("10.1.2.3") and login_required("desk.example")


def test_webhook_selection_payload_and_signature() -> None:
    alert = _alert("a1", "Border clash", "high", ["military-action"]).model_copy(
        update={"previous_level": "medium"}
    )
    hook = Webhook(
        name="soc", url="https://hooks.example/x", secret="k", min_level="high", categories=["nuclear"]
    )
    assert not wants(hook, alert)
    assert wants(hook.model_copy(update={"categories": []}), alert)
    assert not wants(hook.model_copy(update={"categories": [], "min_level": "critical"}), alert)
    body = body_for(hook, alert, None)
    payload = decode(body, WebhookPayload)
    assert (
        payload.event == "alert.raised"
        and payload.previous_level == "medium"
        and payload.idempotency_key == "a1-high"
    )
    headers = headers_for(hook, alert, body, "1700000000")
    assert headers["Idempotency-Key"] == "a1-high"
    assert (
        headers["X-Newsfeed-Signature"]
        == signature("k", "1700000000", body)
        != signature("k", "1700000001", body)
    )
    slack = orjson.loads(
        body_for(hook.model_copy(update={"format": "slack"}), alert, "https://desk.example/")
    )
    assert slack["text"].startswith(
        "*HIGH* (raised from medium) <https://desk.example/alerts/a1-high|Border clash>"
    )
    assert "secret" not in repr(hook) and "hooks.example" not in repr(hook)


def test_webhooks_setting_round_trips_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = [{"name": "soc", "url": "https://hooks.example/x", "secret": "k", "categories": ["nuclear"]}]
    monkeypatch.setenv("NEWSFEED_NOTIFY_WEBHOOKS", orjson.dumps(hooks).decode())
    settings = Settings()
    assert settings.notify_webhooks[0].categories == ["nuclear"] and settings.notify_webhooks[0].secret == "k"
    copy = Settings(**{k.removeprefix("NEWSFEED_").lower(): v for k, v in settings.as_env().items()})
    assert copy.notify_webhooks == settings.notify_webhooks
    monkeypatch.setenv("NEWSFEED_NOTIFY_WEBHOOKS", '[{"name": "x", "url": "ftp://nope"}]')
    with pytest.raises(ValueError, match="url"):
        Settings()


def test_a_story_row_counts_every_copy_among_its_sources_suppressed_ones_too() -> None:
    from schemas import EnrichedArticle, Escalation, Story

    def copy(article_id: str, outlet: str) -> EnrichedArticle:
        story = Story(story_id="s1", similarity=0.9)
        escalation = Escalation(level="high", score=5.0, alert=True)
        return EnrichedArticle.model_construct(
            id=article_id, source=outlet, story=story, escalation=escalation
        )

    view = DeskView()
    queue = view.subscribe()
    alert = _alert("s1", "Harbour blast", "high", ["attack"]).model_copy(
        update={"story_id": "s1", "source": "first.example"}
    )
    view.add_alert(alert)
    (row,) = view.rows.values()
    assert row.id == "s1" and view.sources_of(row) == (1, ["first.example"])
    for article_id, outlet in (("s1", "first.example"), ("c2", "wire.example"), ("c3", "wire.example")):
        view.add_article(copy(article_id, outlet))
    view.add_article(copy("c3", "wire.example"))  # a redelivery is not another source
    assert view.sources_of(row) == (3, ["first.example", "wire.example"])
    changes = [queue.get_nowait() for _ in range(queue.qsize())]
    assert changes.count(("s1", "article")) >= 2
