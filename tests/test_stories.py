"""Same-story detection on invented text: copies join the first article's story, other events do not."""

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.stories import StoryIndex, fingerprint
from processors.story_eval import VARIANTS, SourceArticle, build_corpus, score_grouping, variant

LEAD = (
    "A car bomb exploded outside the central market of Port Verity on Tuesday morning, killing at "
    "least twelve people and wounding dozens more, the city's police chief Anna Morrow said."
)
BODY = "\n\n".join(
    [
        LEAD,
        "Witnesses described a thick column of smoke rising above the stalls as ambulances raced to "
        "the scene. Shopkeepers said the blast shattered windows several streets away.",
        "No group has claimed responsibility. The interior ministry said an investigation was under "
        "way and that security would be tightened at markets across the province.",
        "The market had reopened only last month after repairs following flooding in the spring, and "
        "traders said they feared customers would now stay away for weeks.",
        "Hospital officials appealed for blood donors and said several of the wounded were in a "
        "critical condition. The mayor declared three days of mourning.",
    ]
)
OTHER = "\n\n".join(
    [
        "A suicide bomber struck a checkpoint at the northern gate of Port Verity late on Friday, "
        "killing three soldiers, according to army spokesman Daniel Reyes.",
        "The attack came hours after the army announced new patrols along the coastal road. Residents "
        "reported hearing gunfire for nearly an hour after the explosion.",
        "Officials said the checkpoint had been targeted twice before this year and that the bomber "
        "had approached on foot before detonating a vest.",
    ]
)
BODY_FP = fingerprint(BODY)
SOURCE = SourceArticle(
    "inv-1",
    "Car bomb kills twelve at Port Verity market",
    BODY,
    "conflict-war-peace",
    {"GPE": ["Port Verity"], "PERSON": ["Anna Morrow"]},
)


def test_every_kind_of_copy_joins_the_first_articles_story() -> None:
    index = StoryIndex(window_s=3600)
    assert index.assign("first", fingerprint(BODY), now=0.0).story_id == "first"
    for n, kind in enumerate(VARIANTS):
        copy = variant(SOURCE, kind, seed=1)
        match = index.assign(copy.id, fingerprint(copy.body), now=10.0 + n)
        assert match.story_id == "first", kind


def test_a_different_event_in_the_same_city_is_its_own_story() -> None:
    index = StoryIndex(window_s=3600)
    index.assign("first", fingerprint(BODY, ["Port Verity"]), now=0.0)
    assert index.assign("other", fingerprint(OTHER, ["Port Verity"]), now=5.0).story_id == "other"


def test_an_identical_copy_is_a_duplicate_and_a_redelivery_keeps_its_story() -> None:
    index = StoryIndex(window_s=3600)
    index.assign("first", fingerprint(BODY), now=0.0)
    copy = index.assign("copy", fingerprint(BODY.replace("Tuesday", "Tuesday,")), now=1.0)
    assert copy.duplicate_of == "first" and copy.similarity >= 0.8
    assert index.assign("copy", fingerprint(OTHER), now=2.0).story_id == "first"


def test_old_stories_expire_and_the_index_stays_bounded() -> None:
    index = StoryIndex(window_s=60, max_entries=3)
    index.assign("first", fingerprint(BODY), now=0.0)
    assert index.assign("late", fingerprint(BODY), now=120.0).story_id == "late"
    assert "first" not in index
    for n in range(5):
        index.assign(f"x{n}", fingerprint(f"{OTHER} {n} " * 2), now=121.0 + n)
    assert len(index) == 3


def test_the_corpus_is_deterministic_and_scores_pairs() -> None:
    donor = SourceArticle(
        "inv-2", "Checkpoint bombing", OTHER, "conflict-war-peace", {"GPE": ["Port Verity"]}
    )
    one = build_corpus([SOURCE], [donor], seed=3)
    assert one == build_corpus([SOURCE], [donor], seed=3)
    assert {i.kind for i in one} == {"original", *VARIANTS, "other-event"}
    grouped = score_grouping(one, lambda i: "s" if "@" not in i else i, {"inv-1": "conflict-war-peace"})
    assert grouped.precision == 1.0 and grouped.recall == 1.0 and grouped.hard_pairs == 6
    merged = score_grouping(one, lambda i: "s", {"inv-1": "conflict-war-peace"})
    assert merged.false_merge_rate == 1.0 and merged.precision < 1.0


@given(st.text(max_size=400), st.lists(st.text(max_size=20), max_size=5))
@settings(max_examples=40, deadline=None)
def test_any_text_gets_a_story_never_a_crash(body: str, names: list[str]) -> None:
    index = StoryIndex(window_s=60)
    index.assign("seen", BODY_FP, now=0.0)
    match = index.assign("new", fingerprint(body, names), now=1.0)
    assert match.story_id in {"seen", "new"} and 0.0 <= match.similarity <= 1.0


def test_a_worker_rebuilt_from_the_records_joins_copies_to_the_same_story() -> None:
    from streams.settings import Settings
    from streams.stories import StoryStore

    before = StoryStore(
        Settings.model_construct(story_window_s=3600.0, story_max_entries=1000, story_grouping=True)
    )
    _, record = before.assign("first", BODY, ["Port Verity"], now=0.0)
    assert record is not None
    after = StoryStore(
        Settings.model_construct(story_window_s=3600.0, story_max_entries=1000, story_grouping=True)
    )
    after.add(record.model_validate_json(record.model_dump_json()))  # as read back from the topic
    copy = variant(SOURCE, "trimmed", seed=2)
    assert after.assign(copy.id, copy.body, ["Port Verity"], now=5.0)[0].story_id == "first"


def test_an_article_updated_in_place_keeps_its_story_and_copies_of_its_new_text_join_it() -> None:
    index = StoryIndex(window_s=3600)
    index.assign("a", fingerprint(BODY), now=0.0)
    assert index.assign("a", fingerprint(OTHER), now=5.0).story_id == "a"
    assert index.assign("copy-of-new", fingerprint(OTHER), now=6.0).story_id == "a"
