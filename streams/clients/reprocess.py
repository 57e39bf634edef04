"""Re-enrich history: re-publish the archived raw articles to the raw topic (`newsfeed reprocess`).

The archive is log-compacted by article id, so it holds the latest raw record of every article the
worker has seen (and none of those deleted by a tombstone). Sending those records back through the
raw topic lets a new model or rules version re-enrich them; outputs are keyed by id, so each
article's new enrichment replaces the old one downstream.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from schemas import ArchiveRecord, RawArticle
from schemas.codec import DecodeError, decode
from streams.clients.replay import ReplayStats, replay
from streams.reader import TopicNotFound, read_to_end
from streams.security import client_security
from streams.settings import Settings


class DateRangeError(ValueError):
    pass


def parse_bound(text: str, *, end: bool) -> datetime:
    """An ISO date or date-time; a bare date is a whole UTC day (its start for --since, its end for
    --until), a date-time without an offset is UTC."""
    try:
        if "T" not in text and " " not in text:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(), tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DateRangeError(
            f"'{text}' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class ArchiveSelection:
    """The latest raw article of every archived id within the dates, and what was left out."""

    articles: dict[str, RawArticle] = field(default_factory=dict)
    outside_dates: int = 0
    deleted: int = 0  # ids whose latest archive record is a tombstone
    unreadable: int = 0  # records that are not ArchiveRecord messages

    def __iter__(self) -> Iterator[RawArticle]:
        return iter(self.articles.values())


async def select_archived(
    settings: Settings, since: datetime | None = None, until: datetime | None = None
) -> ArchiveSelection:
    """Read the whole archive (up to its current end) and keep, per id, its latest record if that was
    archived in [since, until)."""
    latest: dict[bytes, ArchiveRecord | None] = {}
    unreadable = 0
    try:
        async for record in read_to_end(
            settings.broker, settings.topic_archive, security=client_security(settings)
        ):
            key = record.key or b""
            if record.value is None:  # a tombstone: the article was deleted
                latest[key] = None
                continue
            try:
                latest[key] = decode(record.value, ArchiveRecord)
            except DecodeError:
                unreadable += 1
    except TopicNotFound:
        pass  # no archive yet: nothing to reprocess
    selection = ArchiveSelection(unreadable=unreadable)
    for archived in latest.values():
        if archived is None:
            selection.deleted += 1
            continue
        at = archived.archived_at if archived.archived_at.tzinfo else archived.archived_at.replace(tzinfo=UTC)
        if (since and at < since) or (until and at >= until):
            selection.outside_dates += 1
        else:
            selection.articles[archived.id] = archived.raw.model_copy(update={"id": archived.id})
    return selection


async def reprocess_from_archive(
    settings: Settings,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    dry_run: bool = False,
    progress: bool = True,
) -> tuple[ArchiveSelection, ReplayStats | None]:
    """Re-publish the selected raw articles to the raw topic, keyed by id (idempotent producer)."""
    selection = await select_archived(settings, since, until)
    if dry_run or not selection.articles:
        return selection, None
    stats = await replay(
        selection,
        bootstrap=settings.broker,
        topic=settings.topic_raw,
        total=len(selection.articles),
        progress=progress,
        desc="reprocess",
        security=client_security(settings),
    )
    return selection, stats
