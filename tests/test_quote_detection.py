"""Which quoted strings are quotes, and where their text ends: mark pairing, short follow-ons, reporting
verbs, titles and names in quote marks. All on invented text."""

from spacy.language import Language

from processors.entities import extract_entities
from processors.quotes import extract_quotes, find_quote_spans
from schemas import Quote


def _quotes(nlp: Language, text: str) -> list[Quote]:
    doc = nlp(text)
    return extract_quotes(doc, extract_entities(doc, ""))


def test_an_opening_curly_mark_typed_as_the_closing_one_closes_the_quote() -> None:
    text = "Jane Doe said the deal was good. “This is a fair outcome for both sides.“ The vote is on Friday."
    spans = find_quote_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["This is a fair outcome for both sides."]


def test_an_opening_curly_mark_after_a_space_still_opens_the_next_quote() -> None:
    text = "“We are ready“ “and we will not wait,” he said."
    spans = find_quote_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["We are ready", "and we will not wait,"]
