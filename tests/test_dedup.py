"""Alert deduplication decisions: one alert per story unless its level rises."""

from processors.dedup import decide, story_key

DAY = 86400.0


def test_syndicated_copies_share_a_story_key() -> None:
    assert story_key("Russia puts nuclear forces on alert!", "a") == story_key(
        "russia puts nuclear forces on ALERT", "b"
    )
    assert story_key("", "a") != story_key("", "b")


def test_first_alert_is_published() -> None:
    state = decide(None, "a", "high", now=100.0, window_s=DAY)
    assert state == {"level": "high", "first_alert_at": 100.0, "article_ids": ["a"]}


def test_replay_at_same_level_is_suppressed_even_after_the_window() -> None:
    state = decide(None, "a", "high", now=0.0, window_s=DAY)
    assert decide(state, "a", "high", now=10.0, window_s=DAY) is None
    assert decide(state, "a", "medium", now=2 * DAY, window_s=DAY) is None


def test_other_copy_within_window_is_suppressed_but_alerts_after_it() -> None:
    state = decide(None, "a", "high", now=0.0, window_s=DAY)
    assert decide(state, "b", "high", now=60.0, window_s=DAY) is None
    later = decide(state, "b", "high", now=2 * DAY, window_s=DAY)
    assert later is not None and later["article_ids"] == ["b"]


def test_rising_level_alerts_again() -> None:
    state = decide(None, "a", "medium", now=0.0, window_s=DAY)
    risen = decide(state, "a", "critical", now=5.0, window_s=DAY)
    assert risen is not None and risen["level"] == "critical"
    assert decide(risen, "a", "high", now=6.0, window_s=DAY) is None
