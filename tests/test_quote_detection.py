"""Which quoted strings are quotes, and where their text ends: mark pairing, short follow-ons, reporting
verbs, titles and names in quote marks. All on invented text."""

from spacy.language import Language

from processors.entities import extract_entities
from processors.quotes import extract_quotes, find_quote_spans
from schemas import Quote
from tests.helpers import parsed_doc


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


def test_a_short_whole_sentence_after_a_quote_goes_on_the_words_just_quoted(nlp: Language) -> None:
    text = (
        '"As the convoy left the capital, the rebels began firing at the trucks," said a spokesman for '
        'the army, Tomas Ruiz. "Nobody was hurt."\n\n'
        '"We will not give up," said Jane Doe, the union leader.\n\n"Never."\n\nThe strike goes on.'
    )
    quotes = _quotes(nlp, text)
    assert [(q.text, q.speaker) for q in quotes[1::2]] == [
        ("Nobody was hurt.", "Tomas Ruiz"),
        ("Never.", "Jane Doe"),
    ]


def test_a_short_quoted_term_or_exclamation_inside_narrative_is_not_a_follow_on(nlp: Language) -> None:
    text = (
        '"We will not give up," said Jane Doe, the union leader. The crowd chanted "Enough!" outside, '
        'waving "strike" banners.'
    )
    assert [q.text for q in _quotes(nlp, text)] == ["We will not give up"]


def test_reporting_verbs_of_judgement_and_advice_attribute_a_fragment(nlp: Language) -> None:
    text = (
        'Jane Doe criticised the plan as "a step backwards". Tomas Ruiz hailed the vote as "historic". '
        'The ministry advised "all travellers to stay away from the border" until further notice.'
    )
    quotes = _quotes(nlp, text)
    assert [(q.text, q.speaker) for q in quotes[:2]] == [
        ("a step backwards", "Jane Doe"),
        ("historic", "Tomas Ruiz"),
    ]
    assert [q.text for q in quotes[2:]] == ["all travellers to stay away from the border"]


def test_a_name_before_its_bracketed_acronym_is_the_subject_the_parser_lost(nlp: Language) -> None:
    # "In the wake of the coup, the Northland Department of Roads (NDR) advised "...": the parser hung
    # the name on "coup" as an apposition, so "advised" has no subject.
    doc = parsed_doc(
        nlp,
        """
        In IN ADP prep 15 in O
        the DT DET det 2 the O
        wake NN NOUN pobj 0 wake O
        of IN ADP prep 2 of O
        the DT DET det 5 the O
        coup NN NOUN pobj 3 coup O
        , , PUNCT punct 5 , O
        the DT DET det 9 the O
        Northland NNP PROPN compound 9 Northland B-ORG
        Department NNP PROPN appos 5 Department I-ORG
        of IN ADP prep 9 of I-ORG
        Roads NNP PROPN pobj 10 Roads I-ORG
        ( -LRB- PUNCT punct 13 ( O
        NDR NNP PROPN parataxis 9 NDR B-ORG
        ) -RRB- PUNCT punct 13 ) O
        advised VBD VERB ROOT 15 advise O
        " `` PUNCT punct 15 " O
        drivers NNS NOUN nsubj 18 driver O
        stay VBP VERB ccomp 15 stay O
        home RB ADV advmod 18 home O
        " '' PUNCT punct 15 " O
        . . PUNCT punct 15 . O
        """,
    )
    quotes = extract_quotes(doc, extract_entities(doc, ""))
    assert [(q.text, q.speaker) for q in quotes] == [("drivers stay home", "Northland Department of Roads")]


def test_in_the_words_of_names_the_speaker(nlp: Language) -> None:
    text = (
        "The court heard the case on Monday. The boy was badly hurt and, in the words of the prosecutor, "
        'Jane Doe, "he spent the last months of his life in pain."'
    )
    assert [(q.text, q.speaker) for q in _quotes(nlp, text)] == [
        ("he spent the last months of his life in pain.", "Jane Doe")
    ]


def test_a_message_that_reads_gives_its_author_words(nlp: Language) -> None:
    text = (
        "The Northline Rail Company sent a message to its passengers. "
        '"Stay in the station and keep away from the tracks. Trains will run again tomorrow," it read.'
    )
    quotes = _quotes(nlp, text)
    assert [q.text[:30] for q in quotes] == ["Stay in the station and keep a"]
    assert quotes[0].speaker == "Northline Rail Company"


def test_a_sign_or_banner_that_reads_a_slogan_is_no_quote(nlp: Language) -> None:
    text = (
        'Protesters marched through the town. One banner read "No cuts to our schools". '
        'A sign hung on the gate. "Keep out of the factory grounds," it read.'
    )
    assert _quotes(nlp, text) == []


def test_he_said_after_an_unnamed_person_keeps_the_quote_with_that_description(nlp: Language) -> None:
    text = (
        "One of the survivors, a farmer from the village, recalled the night of the raid. "
        '"The soldiers came at dawn," he said. "They burned every house on the street."\n\n'
        'A resident of the town described the flood. "The water rose in minutes," she said.'
    )
    quotes = _quotes(nlp, text)
    assert [q.text for q in quotes] == [
        "The soldiers came at dawn",
        "They burned every house on the street.",
        "The water rose in minutes",
    ]
    assert [q.speaker_type for q in quotes] == ["DESCRIPTION"] * 3
    assert quotes[0].speaker == "One of the survivors" and quotes[2].speaker == "A resident of the town"


def test_titles_and_names_in_quote_marks_are_no_quotes(nlp: Language) -> None:
    text = (
        'The council approved a campaign titled "Clean Streets for Everyone" last week, and Mayor Tomas '
        'Ruiz said it was "long overdue". The rebel leader, known as "The Tiger", said the group "will '
        'fight to the end". The broadcaster\'s "Morning Desk" programme said the talks had failed.\n\n'
        'On a new website, "The Clean Streets Countdown", the council urged residents to recycle. "Every '
        'bottle counts," the council says on "The Clean Streets Countdown".'
    )
    assert [q.text for q in _quotes(nlp, text)] == [
        "long overdue",
        "will fight to the end",
        "Every bottle counts",
    ]


def test_a_fragment_the_subject_calls_something_or_a_quote_before_its_cue_stays(nlp: Language) -> None:
    text = '"A historic mistake," said Tomas Ruiz. Jane Doe called the ruling "a disgrace" on Monday.'
    quotes = _quotes(nlp, text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("A historic mistake", "Tomas Ruiz"),
        ("a disgrace", "Jane Doe"),
    ]


def test_a_colon_the_parser_hung_on_the_quote_still_introduces_the_clause_subject_words(
    nlp: Language,
) -> None:
    # The small model makes "Doe summed up the mood" a clausal complement of the quote's own verb.
    doc = nlp('Doe summed up the mood: "Everyone is tired."')
    colon = next(t for t in doc if t.text == ":")
    assert colon.head.i > colon.i
    quotes = extract_quotes(doc, extract_entities(doc, ""))
    assert [(q.text, q.speaker) for q in quotes] == [("Everyone is tired.", "Doe")]


def test_unnamed_officials_of_a_body_speak_for_it(nlp: Language) -> None:
    text = 'Officials at the Northline Rail Company said the delays were "regrettable but unavoidable".'
    quotes = _quotes(nlp, text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("regrettable but unavoidable", "Northline Rail Company")
    ]


def test_verbs_of_opinion_attribute_a_fragment(nlp: Language) -> None:
    text = (
        'Tomas Ruiz believes the plan is "doomed to fail". Officials at the Northline Rail Company '
        'considered the strike an act of "pure blackmail," as talks had only just begun.'
    )
    quotes = _quotes(nlp, text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("doomed to fail", "Tomas Ruiz"),
        ("pure blackmail", "Northline Rail Company"),
    ]
