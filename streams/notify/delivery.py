"""One alert to one webhook: POST, retried with exponential backoff, a bounded number of tries.

2xx is delivered. 5xx, 408, 425, 429, timeouts and connection errors are retried (first delay
NEWSFEED_NOTIFY_FIRST_DELAY_S, doubling up to NEWSFEED_NOTIFY_MAX_DELAY_S); any other answer (a 4xx:
the receiver refuses this payload) is final at once. Reasons never hold the URL, which may hold a token.
"""

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import aiohttp

from schemas import Alert
from streams.notify.payloads import headers_for
from streams.settings import Settings, Webhook

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429})
ErrorType = Literal["http_status", "connection", "timeout"]


@dataclass
class Outcome:
    delivered: bool
    tries: int
    first_try_at: datetime
    error_type: ErrorType | None = None
    reason: str | None = None
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (seconds since first try, result)


async def deliver(
    http: aiohttp.ClientSession,
    webhook: Webhook,
    alert: Alert,
    body: bytes,
    settings: Settings,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Outcome:
    """Try until a 2xx, a final refusal or NEWSFEED_NOTIFY_MAX_TRIES; never raises for the receiver."""
    outcome = Outcome(delivered=False, tries=0, first_try_at=datetime.now(UTC))
    started = time.monotonic()
    delay = settings.notify_first_delay_s
    timeout = aiohttp.ClientTimeout(total=settings.notify_timeout_s)
    while outcome.tries < settings.notify_max_tries:
        outcome.tries += 1
        headers = headers_for(webhook, alert, body, str(int(time.time())))
        retry = True
        try:
            async with http.post(
                webhook.url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                await response.read()
                status = response.status
            if 200 <= status < 300:
                outcome.delivered, outcome.error_type, outcome.reason = True, None, None
                outcome.timeline.append((time.monotonic() - started, f"HTTP {status}"))
                log.info(
                    "webhook %s: alert %s delivered (try %d)", webhook.name, alert.alert_id, outcome.tries
                )
                return outcome
            outcome.error_type, outcome.reason = (
                "http_status",
                f"HTTP {status} {response.reason or ''}".strip(),
            )
            retry = status >= 500 or status in RETRY_STATUSES
        except TimeoutError:
            outcome.error_type = "timeout"
            outcome.reason = f"no answer within {settings.notify_timeout_s:g} s"
        except aiohttp.ClientConnectorError as exc:
            err = exc.os_error
            outcome.error_type = "connection"
            outcome.reason = f"cannot connect: {os.strerror(err.errno) if err.errno else err}"
        except aiohttp.ClientError as exc:
            outcome.error_type, outcome.reason = "connection", f"{type(exc).__name__}"
        outcome.timeline.append((time.monotonic() - started, outcome.reason or ""))
        if not retry or outcome.tries >= settings.notify_max_tries:
            break
        log.warning(
            "webhook %s: try %d/%d of alert %s failed (%s); next try in %.1f s",
            webhook.name,
            outcome.tries,
            settings.notify_max_tries,
            alert.alert_id,
            outcome.reason,
            delay,
        )
        await sleep(delay)
        delay = min(delay * 2, settings.notify_max_delay_s)
    return outcome
