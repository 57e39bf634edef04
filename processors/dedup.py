"""Alert deduplication: one alert per story unless its level rises (pure; state lives in a Faust table)."""

import hashlib
import re
from typing import TypedDict

from schemas.articles import LEVEL_ORDER

_NON_WORD = re.compile(r"[^\w]+")


class StoryState(TypedDict):
    level: str
    first_alert_at: float
    article_ids: list[str]


def story_key(title: str, article_id: str) -> str:
    """Syndicated copies share a normalized title; untitled articles are their own story."""
    norm = _NON_WORD.sub(" ", title.casefold()).strip()
    basis = f"title:{norm}" if norm else f"id:{article_id}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


def decide(
    previous: StoryState | None, article_id: str, level: str, now: float, window_s: float
) -> StoryState | None:
    """New state when an alert must be published, else None (a repeat at the same or a lower level)."""
    if previous is not None:
        same_article = article_id in previous["article_ids"]
        in_window = now - previous["first_alert_at"] < window_s
        rises = LEVEL_ORDER[level] > LEVEL_ORDER[previous["level"]]
        if (same_article or in_window) and not rises:
            return None
        if not rises:  # same story again after the window: a fresh alert cycle
            return StoryState(level=level, first_alert_at=now, article_ids=[article_id])
        ids = previous["article_ids"] if same_article else [*previous["article_ids"][-49:], article_id]
        return StoryState(level=level, first_alert_at=previous["first_alert_at"], article_ids=ids)
    return StoryState(level=level, first_alert_at=now, article_ids=[article_id])
