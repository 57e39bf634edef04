"""Selective parsing (processors/selective.py): the parser only on the lines that need it, with the
same quotes, speakers, entities and escalation as the full pipeline (invented articles)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors import selective
from processors.enrich import Enricher
from processors.rules import load_rules
from processors.selective import SelectiveParser, line_spans, parse_lines
from schemas import RawArticle

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Paragraphs of one invented article; which ones need a parse is said beside each.
WEATHER = "The weather in the valley stayed mild all week, and the markets were quiet."  # nothing
INTRO = "Jan Kowal, a spokesman for the Harbour Authority, spoke to reporters on Tuesday."  # before a quote
QUOTE = '"The port will reopen next month," he said. "Nobody was hurt."'  # a quote
STRIKE = "Later, warplanes struck a depot near the border, officials said."  # a rule may hit
NAMES = "Meanwhile Maria Lopez opened a bakery in Old Town."  # a name of two proper nouns
LATE = "the harbour cats were fed at noon."  # nothing

ARTICLES = [
    RawArticle(
        id="mixed",
        title="Port to reopen after talks",
        body="\n\n".join([WEATHER, INTRO, QUOTE, WEATHER, STRIKE, LATE, NAMES, LATE]),
    ),
    RawArticle(
        id="speakers",
        title="Council approves budget",
        body="\n\n".join(
            [
                "The city council met on Monday and approved the new budget for schools.",
                '"We are ready," Mayor Anna Berg said, adding that Maria Lopez would lead the review.',
                'According to the Teachers Union, the plan "came far too late for this year."',
                LATE,
                'Opposition leader Tom Reyes told the Daily Courier: "This budget is a gamble."',
                'Berg replied that she had "listened to every school in the district."',
                WEATHER,
            ]
        ),
    ),
    RawArticle(
        id="quiet",
        title="A quiet week",
        body="\n\n".join([WEATHER, LATE, "the ferry ran on time.", LATE]),
    ),
]


def test_the_selective_path_gives_the_full_paths_quotes_entities_and_escalation(nlp) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    full = Enricher(nlp, rules).enrich_batch(ARTICLES, NOW)
    picked = Enricher(nlp, rules, selective_parse=True).enrich_batch(ARTICLES, NOW)
    speakers = set()
    for a, b in zip(full, picked, strict=True):
        assert not isinstance(a, Exception) and not isinstance(b, Exception)
        assert b.quotes == a.quotes
        assert b.entities == a.entities
        assert b.escalation == a.escalation
        assert b.section == a.section and b.sections == a.sections
        speakers |= {(q.speaker, q.text) for q in b.quotes}
    # The comparison means something: the full path does find these speakers.
    assert ("Jan Kowal", "The port will reopen next month") in speakers
    assert any(s == "Tom Reyes" for s, _ in speakers)


def test_windows_give_the_parse_of_the_whole_text_on_the_lines_they_hold(nlp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selective, "WHOLE_DOC_SHARE", 2.0)  # never parse whole: always cut windows
    parser = SelectiveParser(nlp, load_rules())
    body, title = ARTICLES[0].body, ARTICLES[0].title
    doc = parser.pipe([(body, title)])[0]
    whole = nlp(body)
    assert 0 < parser.parsed_share() < 0.8
    spans = line_spans(body)
    parsed = {spans[n] for n in parse_lines(doc, title, parser.rules)}
    compared = 0
    for token in doc:
        if any(a <= token.idx < b for a, b in parsed):
            ref = whole[token.i]
            assert (token.dep_, token.head.i, token.is_sent_start) == (
                ref.dep_,
                ref.head.i,
                ref.is_sent_start,
            )
            assert (token.pos_, token.lemma_, token.ent_type_) == (ref.pos_, ref.lemma_, ref.ent_type_)
            compared += 1
        elif not token.is_space:  # (a line break after a parsed line is parsed with it)
            assert token.dep_ == "" and token.head.i == token.i  # unparsed: senter sentences only
    assert compared > 20
    assert [s.text for s in doc.sents if s.text.strip() == WEATHER]  # senter sentences where unparsed


def test_selection_picks_quotes_with_the_paragraph_before_rules_and_names(nlp) -> None:  # type: ignore[no-untyped-def]
    body, title = ARTICLES[0].body, ARTICLES[0].title
    parser = SelectiveParser(nlp, load_rules())
    doc = parser.pipe([(body, title)])[0]
    spans = line_spans(body)
    chosen = {body[a:b] for a, b in (spans[n] for n in parse_lines(doc, title, parser.rules))}
    assert chosen == {INTRO, QUOTE, STRIKE, NAMES}


def test_a_quiet_article_is_not_parsed_at_all(nlp) -> None:  # type: ignore[no-untyped-def]
    parser = SelectiveParser(nlp, load_rules())
    doc = parser.pipe([(ARTICLES[2].body, ARTICLES[2].title)])[0]
    assert parser.parsed_share() == 0.0
    assert len(list(doc.sents)) == 4  # sentence bounds from the senter and the line breaks


def test_a_model_without_a_senter_is_refused_with_the_reason(nlp) -> None:  # type: ignore[no-untyped-def]
    import spacy

    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    with pytest.raises(ValueError, match="selective parsing needs a model with"):
        SelectiveParser(blank, load_rules())


@pytest.mark.parametrize("text", ["", "\n\n", '"', '" "\n\n"', "a\n\n\n“b”", "Mr. A. B said: “", "  \t "])
def test_odd_texts_give_the_full_pipelines_parse_or_none(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    doc = SelectiveParser(nlp, load_rules()).pipe([(text, "")])[0]
    assert doc.text == text
    whole = nlp(text)
    assert [t.lemma_ for t in doc] == [t.lemma_ for t in whole]


_PIECES = st.sampled_from(
    ["Anna Berg", " said", " the port", ".", ",", " “", "” ", '"', "\n", "\n\n", " ", ":"]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_PIECES, max_size=40))
def test_any_text_is_parsed_without_error_and_keeps_its_offsets(nlp, pieces: list[str]) -> None:  # type: ignore[no-untyped-def]
    text = "".join(pieces)
    doc = SelectiveParser(nlp, load_rules()).pipe([(text, "Berg said")])[0]
    assert doc.text == text
    for token in doc[1:]:  # a line break always starts a sentence, parsed or not
        if doc[token.i - 1].is_space and "\n" in doc[token.i - 1].text:
            assert token.is_sent_start
