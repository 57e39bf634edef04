"""The alert lane: sentence selection without a parse, and verdicts equal to the full assessment."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from spacy.language import Language

from processors.alerts import actors, alert_id, lane_alert
from processors.enrich import Enricher
from processors.rules import load_rules
from processors.triage import AlertLane, blank_except, sentence_spans
from schemas import RawArticle
from streams.clients.sources import load_file

RULES = load_rules()
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def lane(nlp: Language) -> AlertLane:
    return AlertLane(nlp, RULES)


def seed() -> RawArticle:
    return next(load_file(next(Path("seeds").glob("*.txt"))))


def test_sentence_spans_split_at_sentence_ends_not_at_abbreviations_or_initials() -> None:
    text = 'Mr. Smith met U.S. officials. "We agree," he said! Then J. R. Doe left.\nA new line'
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Mr. Smith met U.S. officials.",
        '"We agree," he said!',
        "Then J. R. Doe left.",
        "A new line",
    ]


def test_blank_except_keeps_offsets_and_line_breaks() -> None:
    text = "One two.\nThree four. Five."
    out = blank_except(text, [(9, 20)])
    assert len(out) == len(text) and out[9:20] == "Three four."
    assert out.strip() == "Three four." and out[8] == "\n"


def test_seed_lane_verdict_matches_the_full_assessment(lane: AlertLane, enricher: Enricher) -> None:
    raw = seed()
    result = lane.assess(raw, "seed")
    full = enricher.enrich(raw, NOW).escalation
    assert (result.escalation.level, result.escalation.score) == (full.level, full.score)
    assert result.escalation.level in ("high", "critical") and result.escalation.alert
    assert 0 < result.parsed_chars < result.body_chars  # only part of the body was parsed
    body = enricher.enrich(raw, NOW).body
    nuclear = [e for e in result.escalation.evidence if e.category == "nuclear"]
    assert any("nuclear" in e.sentence and "alert" in e.sentence for e in nuclear)
    assert all(body[e.start : e.end] == e.sentence for e in result.escalation.evidence)
    names = {a.name for a in actors(result.entities, result.escalation.evidence)}
    assert {"Russia", "Putin"} <= names or {"Russia", "Vladimir Putin"} <= names


def test_article_without_possible_escalation_is_not_parsed(lane: AlertLane) -> None:
    raw = RawArticle(
        id="cup",
        title="City win the cup final",
        body="The club won 2-1 at the stadium on Saturday. Fans sang in the streets until midnight.\n\n"
        "The manager praised the young goalkeeper, who saved a penalty in the second half.",
    )
    result = lane.assess(raw, "cup")
    assert result.parsed_chars == 0 and result.escalation.level == "none" and not result.escalation.alert


def test_de_escalation_alone_is_not_parsed(lane: AlertLane) -> None:
    raw = RawArticle(title="Talks", body="The two parties signed a peace agreement in Geneva on Monday.")
    assert lane.assess(raw, "talks").parsed_chars == 0


@pytest.mark.parametrize(
    "title, body",
    [
        (
            "Troops cross the border",
            "Russian troops crossed the border into Ukraine at dawn, officials said. Artillery shelled "
            "the city of Kharkiv through the night.\n\nThe government said it would hold talks on Friday.",
        ),
        (
            "Bomb attack in capital",
            "A suicide bomber killed 12 people at a market in Kabul on Tuesday, police said.\n\n"
            "The Taliban claimed responsibility for the attack. Shops reopened a day later.",
        ),
        (
            "Price war in the airline industry",
            "Two carriers launched a price war on transatlantic routes. Analysts said the fight for "
            "passengers would hurt profits.",
        ),
        (
            "Derby ends in a draw",
            "The striker fired a shot that the keeper blocked. The attack went on until the final whistle.",
        ),
    ],
)
def test_lane_level_equals_full_level(lane: AlertLane, enricher: Enricher, title: str, body: str) -> None:
    raw = RawArticle(id="x", title=title, body=body)
    assert lane.assess(raw, "x").escalation.level == enricher.enrich(raw, NOW).escalation.level


def test_lane_alert_names_its_pass_and_keeps_the_alert_id_of_the_level(lane: AlertLane) -> None:
    raw = seed()
    result = lane.assess(raw, "seed-1")
    alert = lane_alert(raw, result, NOW)
    assert alert.assessment == "lane" and alert.article_id == "seed-1"
    assert alert.level == result.escalation.level and alert.evidence == result.escalation.evidence
    assert alert.alert_id == alert_id("seed-1", alert.level)  # same id as a full-pass alert at that level
