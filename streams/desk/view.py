"""The desk's picture of the alerts, in memory: one row per story, its article and its acknowledgements.

Rebuilt from the topics when the desk starts (streams/desk/feed.py), so it needs no store of its own;
every change wakes the open pages (`subscribe`), which re-render the rows that changed.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from processors.dedup import candidate_key
from schemas import Alert, AlertAck, EnrichedArticle
from schemas.articles import LEVEL_ORDER

MAX_PENDING_ARTICLES = 2000  # alerting articles whose alert has not been read (yet, or ever: suppressed)
Change = tuple[str, str]  # (row id, what changed: "alert" | "article" | "ack"); ("", "") ends a stream
MAX_QUEUED_CHANGES = 1000  # a page this far behind is dropped; its browser reconnects and resets
MAX_TALLIED_STORIES = 5000  # stories whose articles are counted (the oldest are forgotten first)
MAX_TALLIED_ARTICLES = 500  # per story


@dataclass
class Sources:
    """A story's articles and outlets as the desk has seen them (suppressed copies included): the
    enriched topic carries every copy's story, the alerts only the ones that alerted."""

    articles: dict[str, None] = field(default_factory=dict)  # ids, an ordered set
    outlets: dict[str, None] = field(default_factory=dict)

    def add(self, article_id: str, outlet: str | None) -> bool:
        """True when the tally changed."""
        changed = article_id not in self.articles and len(self.articles) < MAX_TALLIED_ARTICLES
        if changed:
            self.articles[article_id] = None
        if outlet and outlet not in self.outlets:
            self.outlets[outlet] = None
            changed = True
        return changed


@dataclass
class Row:
    """A story on the desk: its highest alert so far, and every alert it raised, oldest first."""

    id: str
    alert: Alert
    history: list[Alert] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        return self.history[0].created_at

    @property
    def raised_from(self) -> str | None:
        """The level the story had before its latest raise, if it was raised."""
        lower = [a.level for a in self.history if LEVEL_ORDER[a.level] < LEVEL_ORDER[self.alert.level]]
        return lower[-1] if lower else self.alert.previous_level


@dataclass(frozen=True)
class Filters:
    """What a page shows, from its URL's query (so a filtered view can be bookmarked and shared)."""

    min_level: str = "low"
    category: str = ""
    actor: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Filters":
        level = query.get("min_level", "low")
        return cls(
            min_level=level if level in LEVEL_ORDER and level != "none" else "low",
            category=query.get("category", "").strip(),
            actor=query.get("actor", "").strip(),
            q=query.get("q", "").strip(),
        )

    def matches(self, row: Row) -> bool:
        alert = row.alert
        if LEVEL_ORDER[alert.level] < LEVEL_ORDER[self.min_level]:
            return False
        if self.category and self.category not in alert.categories:
            return False
        if self.actor and not any(self.actor.casefold() in a.name.casefold() for a in alert.actors):
            return False
        return not self.q or self.q.casefold() in alert.title.casefold()


class DeskView:
    """Rows by story, articles by id, acknowledgements by alert_id; changes fan out to subscribers."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._row_of_alert: dict[str, str] = {}
        self._rows_of_article: dict[str, set[str]] = {}
        self._sources: OrderedDict[str, Sources] = OrderedDict()  # by story id
        self.articles: dict[str, EnrichedArticle] = {}
        self._pending: OrderedDict[str, EnrichedArticle] = OrderedDict()
        self.acks: dict[str, AlertAck] = {}
        self._subscribers: set[asyncio.Queue[Change]] = set()

    # -- what the feed puts in

    def add_alert(self, alert: Alert) -> None:
        row_id = candidate_key(alert)  # the story: its copies and updates are one row
        row = self.rows.get(row_id)
        if row is None:
            row = self.rows[row_id] = Row(row_id, alert)
        elif any(a.alert_id == alert.alert_id for a in row.history):
            return  # a redelivery
        elif LEVEL_ORDER[alert.level] > LEVEL_ORDER[row.alert.level]:
            row.alert = alert
        row.history.append(alert)
        self._tally(row_id, alert.article_id, alert.source)
        self._row_of_alert[alert.alert_id] = row_id
        self._rows_of_article.setdefault(alert.article_id, set()).add(row_id)
        if alert.article_id in self._pending:
            self.articles[alert.article_id] = self._pending.pop(alert.article_id)
        self._changed(row_id, "alert")

    def add_article(self, article: EnrichedArticle) -> None:
        """Keep the articles of alerted stories (and, a while, alerting ones whose alert may follow);
        count every article of a story among its sources."""
        story = article.story.story_id if article.story is not None else None
        if story is not None and self._tally(story, article.id, article.source) and story in self.rows:
            self._changed(story, "article")
        row_ids = self._rows_of_article.get(article.id)
        if row_ids:
            self.articles[article.id] = article
            for row_id in row_ids:
                self._changed(row_id, "article")
        elif article.escalation.alert:
            self._pending[article.id] = article
            self._pending.move_to_end(article.id)
            while len(self._pending) > MAX_PENDING_ARTICLES:
                self._pending.popitem(last=False)

    def add_ack(self, ack: AlertAck) -> None:
        self.acks[ack.alert_id] = ack
        row_id = self._row_of_alert.get(ack.alert_id)
        if row_id:
            self._changed(row_id, "ack")

    def _tally(self, story_id: str, article_id: str, outlet: str | None) -> bool:
        sources = self._sources.get(story_id)
        if sources is None:
            sources = self._sources[story_id] = Sources()
            while len(self._sources) > MAX_TALLIED_STORIES:
                self._sources.popitem(last=False)
        self._sources.move_to_end(story_id)
        return sources.add(article_id, outlet)

    # -- what the pages read

    def sources_of(self, row: Row) -> tuple[int, list[str]]:
        """How many articles the story has and from which outlets: the desk's own count, or the
        alerter's (on the latest alert) when that is higher (articles enriched before the desk's history)."""
        seen = self._sources.get(row.id) or Sources()
        counted = row.alert.sources
        articles = max(len(seen.articles), counted.articles if counted else 1)
        outlets = list(dict.fromkeys([*(counted.outlets if counted else []), *seen.outlets]))
        return articles, outlets

    def row_of(self, alert_id: str) -> Row | None:
        row_id = self._row_of_alert.get(alert_id)
        return self.rows.get(row_id) if row_id else None

    def matching(self, filters: Filters) -> list[Row]:
        """Rows the filters let through, newest story first."""
        rows = [row for row in self.rows.values() if filters.matches(row)]
        return sorted(rows, key=lambda r: r.first_seen, reverse=True)

    def categories(self) -> list[str]:
        return sorted({c for row in self.rows.values() for c in row.alert.categories})

    def ack_of(self, row: Row) -> AlertAck | None:
        """The current alert's state; a raise is a new alert, so it needs acknowledging again."""
        return self.acks.get(row.alert.alert_id)

    def earlier_ack(self, row: Row) -> AlertAck | None:
        """The latest acknowledgement of a lower level of the story, shown beside a raised alert."""
        acked = [self.acks[a.alert_id] for a in row.history if a.alert_id in self.acks]
        earlier = [a for a in acked if a.alert_id != row.alert.alert_id and a.acknowledged_by]
        return earlier[-1] if earlier else None

    # -- live updates

    def subscribe(self) -> "asyncio.Queue[Change]":
        queue: asyncio.Queue[Change] = asyncio.Queue(MAX_QUEUED_CHANGES)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: "asyncio.Queue[Change]") -> None:
        self._subscribers.discard(queue)

    def _changed(self, row_id: str, what: str) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait((row_id, what))
            except asyncio.QueueFull:
                self._subscribers.discard(queue)
                queue.get_nowait()
                queue.put_nowait(("", ""))  # ends the page's stream; its browser reconnects and resets
