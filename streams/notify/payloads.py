"""What a webhook receives: the body (generic JSON or Slack text), its headers and their signature.

The signature is HMAC-SHA256 over `{timestamp}.{body}` with the webhook's secret, sent as
`X-Newsfeed-Signature: sha256=<hex>` beside `X-Newsfeed-Timestamp`; a receiver recomputes it, and
refuses old timestamps to stop replays. `Idempotency-Key` is the alert_id, the same on every try.
"""

import hashlib
import hmac

import orjson

from schemas import Alert, WebhookPayload
from schemas.articles import LEVEL_ORDER
from schemas.codec import encode
from streams.settings import Webhook

SIGNATURE_HEADER = "X-Newsfeed-Signature"
TIMESTAMP_HEADER = "X-Newsfeed-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def wants(webhook: Webhook, alert: Alert) -> bool:
    """The webhook's minimum level and categories (none listed: every category)."""
    if LEVEL_ORDER[alert.level] < LEVEL_ORDER[webhook.min_level]:
        return False
    return not webhook.categories or bool(set(webhook.categories) & set(alert.categories))


def alert_link(alert: Alert, desk_public_url: str | None) -> str | None:
    return f"{desk_public_url.rstrip('/')}/alerts/{alert.alert_id}" if desk_public_url else None


def json_body(alert: Alert, desk_public_url: str | None) -> bytes:
    payload = WebhookPayload(
        event="alert.raised" if alert.previous_level else "alert.new",
        idempotency_key=alert.alert_id,
        previous_level=alert.previous_level,
        desk_url=alert_link(alert, desk_public_url),
        alert=alert,
    )
    return encode(payload)


def slack_text(alert: Alert, desk_public_url: str | None) -> str:
    """Slack mrkdwn: level, linked title, categories, actors and the first evidence sentence."""
    link = alert_link(alert, desk_public_url) or alert.url
    title = _slack_escape(alert.title or alert.article_id)
    head = f"*{alert.level.upper()}*" + (
        f" (raised from {alert.previous_level})" if alert.previous_level else ""
    )
    lines = [f"{head} {'<' + link + '|' + title + '>' if link else title}"]
    if alert.categories:
        lines.append(f"Categories: {_slack_escape(', '.join(alert.categories))}")
    if alert.actors:
        lines.append(f"Actors: {_slack_escape(', '.join(a.name for a in alert.actors[:6]))}")
    if alert.evidence:
        lines.append("> " + _slack_escape(alert.evidence[0].sentence[:300]))
    return "\n".join(lines)


def slack_body(alert: Alert, desk_public_url: str | None) -> bytes:
    return orjson.dumps({"text": slack_text(alert, desk_public_url)})


def body_for(webhook: Webhook, alert: Alert, desk_public_url: str | None) -> bytes:
    return (slack_body if webhook.format == "slack" else json_body)(alert, desk_public_url)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def headers_for(webhook: Webhook, alert: Alert, body: bytes, timestamp: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "newsfeed-notify/1",
        IDEMPOTENCY_HEADER: alert.alert_id,
        TIMESTAMP_HEADER: timestamp,
    }
    if webhook.secret:
        headers[SIGNATURE_HEADER] = signature(webhook.secret, timestamp, body)
    return headers


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
