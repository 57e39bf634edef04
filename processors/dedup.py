"""Alert deduplication: one alert per story, updates when it rises (pure; state lives in a Faust table).

A story is what processors/stories.py grouped (copies and rewrites of one event). A later copy at
the same or a lower level is suppressed but counted (`sources`); a higher level, or a new evidence
category from another article, is an update in the story's lineage (`story_alert_id`: the first alert's id).
"""

import hashlib
import re
from dataclasses import dataclass
from typing import TypedDict

from schemas import Alert
from schemas.articles import LEVEL_ORDER
from schemas.stories import StorySources

_NON_WORD = re.compile(r"[^\w]+")
MAX_ARTICLE_IDS = 50  # remembered per story, to recognise a redelivery (not counted twice)
MAX_OUTLETS = 50


class StoryState(TypedDict, total=False):
    level: str
    first_alert_at: float
    article_ids: list[str]
    categories: list[str]
    alert_id: str  # the story's first alert: the lineage every update carries
    articles: int
    outlets: list[str]


@dataclass(frozen=True)
class Decision:
    state: StoryState  # what the table must hold after this candidate
    alert: Alert | None  # what to publish, None when suppressed
    changed: bool  # False: a redelivery, the table already holds `state`


def story_key(title: str, article_id: str) -> str:
    """Syndicated copies share a normalized title; untitled articles are their own story."""
    norm = _NON_WORD.sub(" ", title.casefold()).strip()
    basis = f"title:{norm}" if norm else f"id:{article_id}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


def candidate_key(alert: Alert) -> str:
    """The alerter's table key: the story when the enrichment grouped it, else the title's key."""
    return alert.story_id or story_key(alert.title, alert.article_id)


def update_id(lineage: str, level: str, categories: list[str]) -> str:
    """An update's own alert_id: stable for a replay, distinct from the story's earlier alerts."""
    basis = f"{lineage}\x1f{level}\x1f{'+'.join(sorted(categories))}"
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


def _fresh(alert: Alert, now: float) -> StoryState:
    return StoryState(
        level=alert.level,
        first_alert_at=now,
        article_ids=[alert.article_id],
        categories=sorted(alert.categories),
        alert_id=alert.alert_id,
        articles=1,
        outlets=[alert.source] if alert.source else [],
    )


def decide(previous: StoryState | None, alert: Alert, now: float, window_s: float) -> Decision:
    """Publish the story's first alert, suppress (and count) copies, publish an update when it rises."""
    if previous is None:
        state = _fresh(alert, now)
        return Decision(state, _stamped(alert, state), True)
    same_article = alert.article_id in previous.get("article_ids", [])
    in_window = now - previous.get("first_alert_at", now) < window_s
    rises_level = LEVEL_ORDER[alert.level] > LEVEL_ORDER[previous["level"]]
    # New categories from another article are new evidence; from the same one (the full pass after
    # the lane's partial look) they are not: that article alerts again only at a higher level.
    new_categories = (
        set(alert.categories) - set(previous.get("categories", [])) if not same_article else set()
    )
    rises = rises_level or bool(new_categories)
    if not same_article and not in_window:  # the story again after the window: a fresh alert cycle
        state = _fresh(alert, now)
        return Decision(state, _stamped(alert, state), True)
    state = StoryState(**previous)
    if not same_article:
        state["article_ids"] = [*previous.get("article_ids", [])[-(MAX_ARTICLE_IDS - 1) :], alert.article_id]
        state["articles"] = previous.get("articles", len(previous.get("article_ids", []))) + 1
        outlets = previous.get("outlets", [])
        if alert.source and alert.source not in outlets and len(outlets) < MAX_OUTLETS:
            state["outlets"] = [*outlets, alert.source]
    if not rises:
        # What the same article's full pass adds to its lane alert is kept, so a copy bringing the
        # same categories later is not mistaken for new evidence.
        merged = sorted(set(previous.get("categories", [])) | set(alert.categories))
        grew = merged != previous.get("categories", [])
        state["categories"] = merged
        return Decision(state, None, grew or not same_article)
    state["level"] = alert.level if rises_level else previous["level"]
    state["categories"] = sorted(set(previous.get("categories", [])) | set(alert.categories))
    lineage = previous.get("alert_id", alert.alert_id)
    state["alert_id"] = lineage
    update = alert.model_copy(
        update={
            "alert_id": update_id(lineage, alert.level, state["categories"]),
            "previous_level": previous["level"],
        }
    )
    return Decision(state, _stamped(update, state), True)


def _stamped(alert: Alert, state: StoryState) -> Alert:
    sources = StorySources(articles=state.get("articles", 1), outlets=state.get("outlets", []))
    return alert.model_copy(update={"story_alert_id": state.get("alert_id"), "sources": sources})
