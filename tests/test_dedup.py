"""Alert deduplication decisions: one alert per story, copies counted, updates when it rises."""

from datetime import UTC, datetime

from processors.dedup import decide, story_key
from schemas import Alert

DAY = 86400.0


def alert(
    article: str, level: str = "high", categories: tuple[str, ...] = ("attack",), source: str = "a.example"
) -> Alert:
    return Alert(
        alert_id=f"id-{article}-{level}",
        article_id=article,
        title="Explosion near the harbour",
        url=None,
        source=source,
        level=level,  # type: ignore[arg-type]
        score=5.0,
        categories=list(categories),
        evidence=[],
        actors=[],
        published_at=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        story_id="story-1",
    )


def test_syndicated_copies_share_a_story_key() -> None:
    assert story_key("Russia puts nuclear forces on alert!", "a") == story_key(
        "russia puts nuclear forces on ALERT", "b"
    )
    assert story_key("", "a") != story_key("", "b")


def test_first_alert_is_published_as_the_story_lineage() -> None:
    d = decide(None, alert("a"), now=100.0, window_s=DAY)
    assert d.alert is not None and d.alert.story_alert_id == "id-a-high"
    assert d.alert.sources is not None and d.alert.sources.articles == 1
    assert d.state["first_alert_at"] == 100.0 and d.state["article_ids"] == ["a"]


def test_replay_at_same_level_is_suppressed_and_not_counted_even_after_the_window() -> None:
    first = decide(None, alert("a"), now=0.0, window_s=DAY).state
    again = decide(first, alert("a"), now=10.0, window_s=DAY)
    assert again.alert is None and not again.changed and again.state["articles"] == 1
    assert decide(first, alert("a", "medium"), now=2 * DAY, window_s=DAY).alert is None


def test_copies_within_window_are_suppressed_but_counted_with_their_outlets() -> None:
    state = decide(None, alert("a"), now=0.0, window_s=DAY).state
    for n, outlet in enumerate(("b.example", "c.example", "b.example")):
        d = decide(state, alert(f"copy{n}", "medium", source=outlet), now=60.0 + n, window_s=DAY)
        assert d.alert is None and d.changed
        state = d.state
    assert state["articles"] == 4 and state["outlets"] == ["a.example", "b.example", "c.example"]
    later = decide(state, alert("z"), now=2 * DAY, window_s=DAY)
    assert later.alert is not None and later.state["article_ids"] == ["z"]


def test_rising_level_updates_the_same_lineage_with_the_sources_so_far() -> None:
    state = decide(None, alert("a", "medium"), now=0.0, window_s=DAY).state
    state = decide(state, alert("b", "medium", source="b.example"), now=1.0, window_s=DAY).state
    risen = decide(state, alert("c", "critical", source="c.example"), now=5.0, window_s=DAY)
    assert risen.alert is not None and risen.alert.previous_level == "medium"
    assert risen.alert.story_alert_id == "id-a-medium" and risen.alert.alert_id != "id-c-critical"
    assert risen.alert.sources is not None and risen.alert.sources.articles == 3
    assert decide(risen.state, alert("d", "high"), now=6.0, window_s=DAY).alert is None


def test_new_evidence_category_is_an_update_but_a_known_one_is_not() -> None:
    state = decide(None, alert("a", categories=("attack",)), now=0.0, window_s=DAY).state
    more = decide(state, alert("b", categories=("attack", "casualties")), now=1.0, window_s=DAY)
    assert more.alert is not None and more.alert.story_alert_id == "id-a-high"
    assert decide(more.state, alert("c", categories=("casualties",)), now=2.0, window_s=DAY).alert is None


def test_the_full_pass_adding_categories_to_the_lanes_alert_is_not_an_update() -> None:
    lane = decide(None, alert("a", categories=("attack",)), now=0.0, window_s=DAY).state
    full = decide(lane, alert("a", categories=("attack", "casualties")), now=3.0, window_s=DAY)
    assert full.alert is None and full.changed  # the categories are kept...
    copy = decide(full.state, alert("b", categories=("attack", "casualties")), now=9.0, window_s=DAY)
    assert copy.alert is None  # ...so a copy with the same ones is no update


def test_an_update_id_is_stable_for_a_replay() -> None:
    state = decide(None, alert("a", "medium"), now=0.0, window_s=DAY).state
    one = decide(state, alert("b", "high"), now=1.0, window_s=DAY).alert
    two = decide(state, alert("b", "high"), now=9.0, window_s=DAY).alert
    assert one is not None and two is not None and one.alert_id == two.alert_id
