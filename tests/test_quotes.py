"""Direct quotes and their speakers, on the seed article and development-article snippets."""

from spacy.language import Language

from processors.entities import extract_entities
from processors.quotes import extract_quotes, find_quote_spans
from schemas import Quote
from tests.helpers import dev_article


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


def test_the_addressee_of_tell_is_not_the_speaker(nlp: Language) -> None:
    text = (
        "However, farmer Jim Carter, a neighbour of the victims, believes Mark Hollis was innocent. "
        'He described the ruling as "a sad day", telling Reuters he was "sure that this man did '
        'nothing wrong".'
    )
    quotes = _quotes(nlp, text)
    assert {q.speaker for q in quotes} == {"Jim Carter"}


def test_a_pronoun_refers_to_the_source_of_according_to(nlp: Language) -> None:
    text = (
        "According to political analyst Maria Lopez, Brown is losing voters who now back Johnson. "
        '"There is a need to rebuild the party before the election," she said.'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Maria Lopez"]


def test_a_colon_introduces_the_words_of_the_clause_subject(nlp: Language) -> None:
    text = (
        "Governor Peter Novak told reporters that the bridge would reopen. Mayor Tom Berg welcomed the "
        'deal: "This is a good day for our city and for everyone who works here." He said the council '
        "would vote on Monday."
    )
    assert _said(_quotes(nlp, text), "This is a good day").speaker == "Tom Berg"


def test_the_government_is_the_main_country(nlp: Language) -> None:
    text = (
        "A rebel group in Kenya said that it had killed 40 Kenya soldiers near the border with Uganda. "
        'Kenya sent troops to the border with Uganda. The government, however, called the claim "a complete '
        'fabrication".'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Kenya"]


def test_an_organisation_description_is_the_nearest_organisation(nlp: Language) -> None:
    text = (
        "The Human Rights Commission of Pakistan has condemned the killings in Quetta. "
        '"There is a growing sense of insecurity among reporters," the commission said.'
    )
    quote = _said(_quotes(nlp, text), "There is a growing sense")
    assert quote.speaker is not None and quote.speaker.startswith("Human Rights Commission")


def test_an_apposition_names_a_described_speaker(nlp: Language) -> None:
    text = (
        "A spokesman for the president, John Mwangi, in a briefing for foreign reporters said: "
        '"We will not resign and we will not leave the capital."'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["John Mwangi"]


def test_a_pronoun_after_a_quote_refers_to_its_speaker(nlp: Language) -> None:
    text = (
        "A spokesman for Ruiz, Pedro Alvarez, told reporters: "
        '"The army will defend the capital to the end."\n\n'
        '"We hold the foreign leaders responsible for every death in this country," he added.'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Pedro Alvarez", "Pedro Alvarez"]


def test_a_new_speaker_introduced_before_a_quote_beats_carry_over(nlp: Language) -> None:
    text = (
        'Mr. Tomlin said the budget was balanced. "We have cut waste in every department," he said.\n\n'
        "Ms. Arkwright accused Mr. Tomlin of hiding the deficit. "
        '"You have borrowed more in four years than anyone before you, and the bill is coming due."'
    )
    quotes = _quotes(nlp, text)
    assert _said(quotes, "We have cut").speaker.endswith("Tomlin")  # type: ignore[union-attr]
    assert _said(quotes, "You have borrowed").speaker.endswith("Arkwright")  # type: ignore[union-attr]


def test_a_participle_cue_takes_the_subject_of_its_clause(nlp: Language) -> None:
    text = (
        'The mayor, Jo Bell, said "the storm caused less damage than we feared and the roads are open."\n\n'
        'Nordair Airlines issued a statement saying "the usual route had been declared safe by the '
        'aviation authority before the flight."'
    )
    quotes = _quotes(nlp, text)
    assert _said(quotes, "the storm caused").speaker == "Jo Bell"
    assert _said(quotes, "the usual route").speaker == "Nordair Airlines"


def test_the_subject_of_the_verb_before_a_quote_is_its_speaker(nlp: Language) -> None:
    text = (
        "Ben Marlow praised the plan. Their finance spokesman, Dale Hurst, questioned "
        '"the whole argument for a separate agency when the ministry already does this work."'
    )
    quote = _said(_quotes(nlp, text), "the whole argument")
    assert quote.speaker == "Dale Hurst"
    assert quote.speaker_confidence >= 0.8


def test_a_report_speaks_for_the_agency_that_wrote_it(nlp: Language) -> None:
    text = (
        "The World Refugee Agency published its yearly figures on Monday.\n\n"
        "The report by the World Refugee Agency states: "
        '"Poor countries host four in five of the world\'s refugees, far more than rich ones."'
    )
    quote = _said(_quotes(nlp, text), "Poor countries host")
    assert quote.speaker == "World Refugee Agency"


def test_a_role_noun_is_the_person_named_at_the_end_of_its_sentence(nlp: Language) -> None:
    text = (
        "The president was not hurt in the attack.\n\n"
        "“As the president flew out to Nairobi for a meeting of regional leaders, insurgents began "
        "shelling the airport,” said a spokesman for the presidency in an interview, Hassan Ali Dirie."
    )
    quote = _said(_quotes(nlp, text), "As the president flew")
    assert quote.speaker == "Hassan Ali Dirie"
