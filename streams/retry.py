"""Retry a delivery until the broker takes it: an input is never acknowledged with its output lost."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from streams import metrics

log = logging.getLogger(__name__)

FIRST_DELAY_S, MAX_DELAY_S = 0.5, 30.0


async def until_delivered(attempt: Callable[[], Awaitable[None]], what: str) -> None:
    """Await `attempt()` until it returns, backing off 0.5 s doubling to 30 s; never raises out.

    Faust acknowledges (and so commits) an event or batch once the agent moves on, also when the
    agent body raises, so giving up here would lose the input.
    """
    delay = FIRST_DELAY_S
    while True:
        try:
            await attempt()
            return
        except Exception as exc:  # noqa: BLE001 - retried, never acked undelivered
            log.warning("%s not delivered (%r); retrying in %.1f s", what, exc, delay)
            metrics.retried()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)
