"""The story index of a worker process, kept in Kafka: the compacted `news.stories` topic.

Every enrichment worker holds the whole index (processors/stories.StoryIndex: the articles of the
last NEWSFEED_STORY_WINDOW_S, at most NEWSFEED_STORY_MAX_ENTRIES) rather than a partition of it,
because copies of one story arrive on any raw partition. It rebuilds the index from the topic
before its first batch (a restart loses nothing), then follows the topic, so the records other
workers publish reach it too; its own assignments are indexed at once. The topic holds one small
record per article (two 128-value signatures, about 1.5 kB), compacted by article id and deleted
after twice the window, so the rebuild reads at most that much.
"""

import asyncio
import base64
import contextlib
import logging
from collections.abc import Iterable

import numpy as np

from processors.stories import Fingerprint, StoryIndex, StoryMatch, fingerprint
from schemas import Story, StoryRecord
from schemas.codec import DecodeError, decode
from streams.reader import read_to_end, tail
from streams.security import client_security
from streams.settings import Settings

log = logging.getLogger(__name__)


def _pack(values: np.ndarray) -> str:
    return base64.b64encode(values.astype("<u4").tobytes()).decode("ascii")


def _unpack(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<u4").copy()


def to_record(article_id: str, match: StoryMatch, fp: Fingerprint, seen_at: float) -> StoryRecord:
    return StoryRecord(
        article_id=article_id,
        story=as_story(match),
        seen_at=seen_at,
        body=_pack(fp.body),
        body_size=fp.body_size,
        lead=_pack(fp.lead),
        lead_size=fp.lead_size,
    )


def as_story(match: StoryMatch) -> Story:
    return Story(story_id=match.story_id, duplicate_of=match.duplicate_of, similarity=match.similarity)


class StoryStore:
    """A worker's StoryIndex, rebuilt from and kept up with the stories topic."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = StoryIndex(settings.story_window_s, max_entries=settings.story_max_entries)
        self._follower: asyncio.Task[None] | None = None

    def assign(
        self, article_id: str, body: str, entities: Iterable[str], now: float
    ) -> tuple[Story, StoryRecord | None]:
        """The article's story (joining an earlier one or starting its own) and the record to publish;
        with NEWSFEED_STORY_GROUPING off, its own story and no record (nothing computed)."""
        if not self.settings.story_grouping:
            return Story(story_id=article_id, similarity=1.0), None
        fp = fingerprint(body, entities)
        record = to_record(article_id, self.index.assign(article_id, fp, now), fp, now)
        return record.story, record

    def add(self, record: StoryRecord) -> None:
        story = record.story
        match = StoryMatch(story.story_id, story.duplicate_of, story.similarity, None)
        fp = Fingerprint(_unpack(record.body), record.body_size, _unpack(record.lead), record.lead_size)
        self.index.add(record.article_id, match, fp, record.seen_at)

    async def load(self, now: float) -> int:
        """Read the topic to its end into the index (expired records skipped), then follow it."""
        loaded = 0
        async for msg in read_to_end(
            self.settings.broker, self.settings.topic_stories, security=client_security(self.settings)
        ):
            record = self._decode(msg)
            if record is not None and now - record.seen_at <= self.settings.story_window_s:
                self.add(record)
                loaded += 1
        self.index.expire(now)
        self._follower = asyncio.ensure_future(self._follow())
        log.info("story index: %d articles loaded from %s", loaded, self.settings.topic_stories)
        return loaded

    async def _follow(self) -> None:
        """Other workers' records (own ones are already indexed: add skips them)."""
        while True:
            try:
                async for msg in tail(
                    self.settings.broker,
                    self.settings.topic_stories,
                    from_beginning=True,
                    security=client_security(self.settings),
                ):
                    record = self._decode(msg)
                    if record is not None:
                        self.add(record)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the local index still works; retry following
                log.exception("following %s failed; retrying in 5 s", self.settings.topic_stories)
                await asyncio.sleep(5.0)

    async def stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    def _decode(self, msg: object) -> StoryRecord | None:
        value = getattr(msg, "value", None)
        if value is None:
            return None
        try:
            return decode(value, StoryRecord)
        except DecodeError as exc:
            log.warning("unreadable story record skipped: %s", exc)
            return None
