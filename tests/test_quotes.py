"""Direct quotes and their speakers, on the seed article and development-article snippets."""

from spacy.language import Language

from processors.entities import extract_entities
from processors.quotes import extract_quotes, find_quote_spans
from schemas import Quote
from tests.nlp_fixtures import dev_article, nlp

__all__ = ["nlp"]


def _quotes(nlp: Language, text: str) -> list[Quote]:
    doc = nlp(text)
    return extract_quotes(doc, extract_entities(doc, ""))


def _said(quotes: list[Quote], start: str) -> Quote:
    return next(q for q in quotes if q.text.startswith(start))


def test_seed_quotes_have_their_speakers(nlp: Language) -> None:
    seed = dev_article("dev-seed-000")
    quotes = _quotes(nlp, seed["body"])
    assert _said(quotes, "I do not really believe").speaker == "Volodymyr Zelensky"
    assert _said(quotes, "Top officials in leading NATO").speaker == "Putin"
    assert _said(quotes, "another escalatory").speaker == "White House"
    assert _said(quotes, "This is really a pattern").speaker == "Jen Psaki"
    for start in ("the Security Council has taken", "We need to take", "President Putin put"):
        assert _said(quotes, start).speaker == "Linda Thomas-Greenfield"
    adviser = _said(quotes, "more talks could happen soon")
    assert adviser.speaker == "A top adviser to Zelensky" and adviser.speaker_type == "DESCRIPTION"


def test_text_excludes_marks_and_the_attribution_comma(nlp: Language) -> None:
    seed = dev_article("dev-seed-000")
    quotes = _quotes(nlp, seed["body"])
    putin = _said(quotes, "Top officials")
    assert putin.text.endswith("combat alert")
    assert seed["body"][putin.start : putin.end] == putin.text
    assert _said(quotes, "more talks").text == "more talks could happen soon."


def test_apostrophes_do_not_break_pairing() -> None:
    text = "It’s late. “Russia’s army isn’t ready, and we don't know why,” he said. Don’t panic."
    spans = find_quote_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["Russia’s army isn’t ready, and we don't know why,"]


def test_unclosed_quote_runs_to_the_end_of_its_paragraph() -> None:
    text = "“We will fight on, he said.\n\n“And we will win,” he added."
    assert [text[s.start : s.end] for s in find_quote_spans(text)] == [
        "We will fight on, he said.",
        "And we will win,",
    ]


def test_interrupted_quote_gives_two_entries_with_one_speaker(nlp: Language) -> None:
    text = (
        "Israeli Prime Minister Benjamin Netanyahu criticised the deal on Sunday. "
        '"Israel", he said, "is not bound by this agreement."'
    )
    quotes = _quotes(nlp, text)
    assert [q.text for q in quotes] == ["Israel", "is not bound by this agreement."]
    assert {q.speaker for q in quotes} == {"Benjamin Netanyahu"}


def test_scare_quotes_without_a_speech_cue_are_skipped(nlp: Language) -> None:
    quotes = _quotes(nlp, 'The protesters used the "Hunger Games" salute in Bangkok on Sunday.')
    assert quotes == []


def test_according_to_names_the_speaker(nlp: Language) -> None:
    text = 'The talks failed, according to Kofi Annan. "There is no agreement yet," Annan said.'
    quotes = _quotes(nlp, text)
    assert [q.speaker for q in quotes] == ["Kofi Annan"]
