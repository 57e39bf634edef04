"""The article's own structure: lead and sub-headed sections, and text normalization."""

import pytest

from processors.errors import UnprocessableArticle
from processors.normalize import check_text, normalize_text
from processors.sections import split_sections
from streams.clients.sources import load_articles
from tests.helpers import SEED


def test_seed_sections_follow_its_sub_heads() -> None:
    (seed,) = load_articles([SEED])
    body = normalize_text(seed.body)
    spans = split_sections(body)
    assert [s.heading for s in spans] == [None, "Putin raises tensions", "UN to hold rare emergency session"]
    assert spans[0].start == 0 and spans[-1].end == len(body)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    assert body[spans[1].start :].startswith("Putin raises tensions:")


def test_quoted_or_sentence_paragraphs_are_not_headings() -> None:
    body = 'Lead paragraph here.\n\n"We will not stop"\n\nShort line.\n\nClosing words'
    assert [s.heading for s in split_sections(body)] == [None]


def test_normalize_unifies_newlines_and_spaces() -> None:
    assert normalize_text("A\u00a0b \r\n\r\n\r\n\u200bC  d ") == "A b\n\nC d"


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ("text with \x00 inside", "null_bytes"),
        ("<div><p></p><br/></div>", "html_only"),
        ("Москва и Киев провели переговоры в понедельник", "unsupported_language"),
        ("12345 -- 678", "no_text"),
    ],
)
def test_text_we_cannot_enrich_is_refused(body: str, error_type: str) -> None:
    with pytest.raises(UnprocessableArticle) as err:
        check_text(body)
    assert err.value.error_type == error_type


GERMAN = (
    "Die Bundesregierung hat am Montag neue Maßnahmen zur Unterstützung kleiner Unternehmen "
    "angekündigt. Der Finanzminister sagte, die Hilfen sollten noch vor dem Winter ausgezahlt werden."
)
FRENCH = (
    "Le gouvernement a annoncé lundi de nouvelles mesures pour soutenir les petites entreprises. "
    "Le ministre des Finances a déclaré que l'aide serait versée avant l'hiver."
)


@pytest.mark.parametrize(("body", "name"), [(GERMAN, "German"), (FRENCH, "French")])
def test_latin_script_text_in_another_language_is_refused_and_named(body: str, name: str) -> None:
    with pytest.raises(UnprocessableArticle) as err:
        check_text(body, "en")
    assert err.value.error_type == "unsupported_language" and f"body is in {name}" in str(err.value)
    check_text(body, "de" if name == "German" else "fr")  # the same text passes for a model of its language


@pytest.mark.parametrize(
    "body",
    [
        "Police said two people were hurt.",  # too short to judge
        "Volodymyr Zelensky met Emmanuel Macron and Olaf Scholz in Kyiv on Monday.",
        'The motto "Liberté, égalité, fraternité" was read aloud by the French president, who then '
        "spoke in English about the summit in Brussels and the new budget.",
    ],
)
def test_english_with_foreign_names_or_words_is_not_refused(body: str) -> None:
    check_text(body, "en")
