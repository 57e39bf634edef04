"""Reaching the broker: a quick probe for the command-line tools, a patient wait for the worker.

A tool run against a broker that is down should say so in one line within seconds; a worker that
starts before its broker (both started together by a deployment) should wait for it, not crash-loop.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

T = TypeVar("T")

PROBE_TIMEOUT_S = 5.0
# Backoff between the worker's attempts: short at first (a broker started alongside is up in
# seconds), capped so that the worker notices a recovered broker within a few seconds.
WAIT_DELAYS_S = (0.5, 1.0, 2.0, 3.0)


class BrokerUnreachable(ConnectionError):
    """The bootstrap servers did not answer; the message names them (without any credentials)."""


def display_address(bootstrap: str) -> str:
    """The bootstrap servers as they may be logged: any `user:password@` part is dropped."""
    return ",".join(server.rsplit("@", 1)[-1] for server in bootstrap.split(","))


class _Captured(logging.Handler):
    """aiokafka logs the real cause of a failed bootstrap (refused, DNS, timeout) and raises a vague
    error; we keep the cause for our one line instead of letting it print."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.causes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.causes.append(record.getMessage())


@contextlib.contextmanager
def _capture_aiokafka() -> Iterator[_Captured]:
    logger = logging.getLogger("aiokafka")
    captured = _Captured()
    saved = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [captured], False
    try:
        yield captured
    finally:
        logger.handlers, logger.propagate = saved


def _reason(exc: BaseException, causes: list[str]) -> str:
    if isinstance(exc, BrokerUnreachable):
        return str(exc)
    if causes:  # 'Unable connect to "host:9092": [Errno 111] Connect call failed (...)'
        return causes[-1].split('": ', 1)[-1]
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    return f"{type(exc).__name__}: {exc}"


async def probe(
    bootstrap: str, timeout_s: float = PROBE_TIMEOUT_S, security: Mapping[str, Any] | None = None
) -> None:
    """Connect and read the cluster metadata once; raise BrokerUnreachable within about `timeout_s`.

    `security`: streams.security.client_security of the settings (None: PLAINTEXT).
    """
    address = display_address(bootstrap)
    client = AIOKafkaClient(
        **(security or {}), bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    with _capture_aiokafka() as captured:
        try:
            await asyncio.wait_for(client.bootstrap(), timeout_s + 1)
            if not client.cluster.brokers():
                raise BrokerUnreachable("it lists no brokers yet")
        except (OSError, KafkaError, TimeoutError) as exc:
            raise BrokerUnreachable(
                f"cannot reach Kafka at {address}: {_reason(exc, captured.causes)}"
            ) from exc
        finally:
            await client.close()


async def wait_for_broker(
    bootstrap: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    max_wait_s: float | None = None,
    delays: tuple[float, ...] = WAIT_DELAYS_S,
    security: Mapping[str, Any] | None = None,
) -> T:
    """Run `attempt` (which needs the broker) until it succeeds, logging one line per failed attempt.

    Waits forever by default: under a supervisor that restarts us, waiting is what a crash would do,
    minus the crash. With `max_wait_s`, gives up with BrokerUnreachable once it has passed.
    """
    started = time.monotonic()
    address = display_address(bootstrap)
    failures = 0
    while True:
        try:
            await probe(bootstrap, security=security)
            with _capture_aiokafka() as captured:
                try:
                    result = await attempt()
                except (OSError, KafkaError, TimeoutError) as exc:
                    raise BrokerUnreachable(_reason(exc, captured.causes)) from exc
        except BrokerUnreachable as exc:
            failures += 1
            waited = time.monotonic() - started
            reason = str(exc).removeprefix(f"cannot reach Kafka at {address}: ")
            if max_wait_s is not None and waited >= max_wait_s:
                raise BrokerUnreachable(
                    f"gave up waiting for Kafka at {address} after {waited:.0f} s: {reason}"
                ) from exc
            delay = delays[min(failures - 1, len(delays) - 1)]
            log.warning(
                "waiting for Kafka at %s (attempt %d, %.0f s so far): %s; next attempt in %.1f s",
                address,
                failures,
                waited,
                reason,
                delay,
            )
            await asyncio.sleep(delay)
            continue
        if failures:
            log.warning("connected to Kafka at %s after %.1f s", address, time.monotonic() - started)
        return result
