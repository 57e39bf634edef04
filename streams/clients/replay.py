"""Publish articles to the raw topic with an idempotent aiokafka producer (acks=all)."""

import asyncio
import itertools
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from processors.ids import stable_article_id
from schemas import RawArticle
from schemas.codec import encode


@dataclass(frozen=True)
class ReplayStats:
    sent: int
    seconds: float
    produced_at: dict[str, float]  # article id -> wall-clock time of the send, for latency measurements


def repeated(articles: list[RawArticle], repeat: int) -> Iterator[RawArticle]:
    """Each article `repeat` times; copies after the first get distinct ids (`<id>~<n>`) for load tests."""
    for n in range(repeat):
        for raw in articles:
            base = raw.id or stable_article_id(raw.url, raw.title, raw.body)
            yield raw.model_copy(update={"id": base if n == 0 else f"{base}~{n}"})


def cycle_articles(
    base: Sequence[RawArticle], count: int, *, distinct_titles: bool = False
) -> list[RawArticle]:
    """`count` messages cycling through `base`; copies get distinct ids (as `newsfeed replay --repeat`).

    With `distinct_titles`, copies also get " (copy N)" on the title, so the alert dedup (by normalized
    title) treats each as its own story and every alerting copy publishes an alert.
    """
    if not base:
        raise ValueError("no articles to cycle through")
    rounds = math.ceil(count / len(base))
    out = list(itertools.islice(repeated(list(base), rounds), count))
    if distinct_titles:
        out = [
            a.model_copy(update={"title": f"{a.title} (copy {i // len(base)})"}) if i >= len(base) else a
            for i, a in enumerate(out)
        ]
    return out


async def replay(
    articles: Iterable[RawArticle],
    *,
    bootstrap: str,
    topic: str,
    rate: float | None = None,
    total: int | None = None,
    progress: bool = True,
    desc: str = "replay",
    security: Mapping[str, Any] | None = None,
) -> ReplayStats:
    """Send every article keyed by its id; `rate` paces sends (articles/s), None means as fast as possible.

    `security`: streams.security.client_security of the settings (None: PLAINTEXT).
    """
    producer = AIOKafkaProducer(
        **(security or {}),
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=30000,
    )
    produced_at: dict[str, float] = {}
    futures = []
    start = time.perf_counter()
    bar = tqdm(total=total, unit="article", desc=f"{desc} -> {topic}", disable=not progress)
    try:
        await producer.start()
        for i, raw in enumerate(articles):
            if rate:
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            article_id = raw.id or stable_article_id(raw.url, raw.title, raw.body)
            value = encode(raw if raw.id else raw.model_copy(update={"id": article_id}))
            produced_at[article_id] = time.time()
            fut = await producer.send(topic, value=value, key=article_id.encode())
            fut.add_done_callback(lambda _: bar.update(1))
            futures.append(fut)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
        bar.close()
    return ReplayStats(sent=len(futures), seconds=time.perf_counter() - start, produced_at=produced_at)
