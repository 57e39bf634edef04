"""Speaker error classes seen on unseen news (issue 11), each on invented text."""

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from processors.entities import extract_entities
from processors.quotes import extract_quotes, find_quote_spans
from schemas import Quote
from tests.helpers import parsed_doc


def _quotes(nlp: Language, text: str) -> list[Quote]:
    doc = nlp(text)
    return extract_quotes(doc, extract_entities(doc, ""))


def _speaker(quotes: list[Quote], start: str) -> str | None:
    return next(q.speaker for q in quotes if q.text.startswith(start))


def _doc_quotes(doc: Doc) -> list[Quote]:
    return extract_quotes(doc, extract_entities(doc, ""))


def test_a_title_with_its_name_in_apposition_gives_the_name(nlp: Language) -> None:
    # "Westland's Prime Minister, Jan Kowal said, "...": the parser gives "said" two subjects.
    doc = parsed_doc(
        nlp,
        """
        Westland NNP PROPN poss 3 Westland B-GPE
        's POS PART case 0 's O
        Prime NNP PROPN compound 3 Prime O
        Minister NNP PROPN nsubj 7 Minister O
        , , PUNCT punct 7 , O
        Jan NNP PROPN compound 6 Jan B-PERSON
        Kowal NNP PROPN nsubj 7 Kowal I-PERSON
        said VBD VERB ROOT 7 say O
        , , PUNCT punct 7 , O
        " `` PUNCT punct 7 " O
        We PRP PRON nsubj 11 we O
        agree VBP VERB ccomp 7 agree O
        . . PUNCT punct 11 . O
        " '' PUNCT punct 7 " O
        """,
    )
    assert _speaker(_doc_quotes(doc), "We agree") == "Jan Kowal"


def test_an_opening_participle_is_not_the_speaker(nlp: Language) -> None:
    # "Writing in a post, Martin Gorski of The Daily Planet dubbed it: "...": the parser made
    # "Writing" the subject, with the name and the newspaper inside its phrase.
    doc = parsed_doc(
        nlp,
        """
        Writing NN NOUN nsubj 11 writing O
        in IN ADP prep 0 in O
        a DT DET det 3 a O
        post NN NOUN pobj 1 post O
        , , PUNCT punct 0 , O
        Martin NNP PROPN compound 6 Martin B-PERSON
        Gorski NNP PROPN npadvmod 0 Gorski I-PERSON
        of IN ADP prep 6 of O
        The DT DET det 10 the B-ORG
        Daily NNP PROPN compound 10 Daily I-ORG
        Planet NNP PROPN pobj 7 Planet I-ORG
        dubbed VBD VERB ROOT 11 dub O
        it PRP PRON dobj 11 it O
        : : PUNCT punct 11 : O
        " `` PUNCT punct 11 " O
        Acme NNP PROPN oprd 11 Acme O
        against IN ADP prep 15 against O
        everyone NN PRON pobj 16 everyone O
        " '' PUNCT punct 15 " O
        """,
    )
    assert _speaker(_doc_quotes(doc), "Acme against") == "Martin Gorski"


def test_a_surname_alone_is_a_mention_of_the_full_name(nlp: Language) -> None:
    doc = parsed_doc(
        nlp,
        """
        Zapp NNP PROPN compound 1 Zapp B-PERSON
        Brannigan NNP PROPN nsubj 2 Brannigan I-PERSON
        spoke VBD VERB ROOT 2 speak O
        . . PUNCT punct 2 . O
        Brannigan NNP PROPN poss 6 Brannigan O
        's POS PART case 4 's O
        office NN NOUN nsubj 7 office O
        wrote VBD VERB ROOT 7 write O
        . . PUNCT punct 7 . O
        """,
    )
    entity = next(e for e in extract_entities(doc, "") if e.name == "Zapp Brannigan")
    assert [m.text for m in entity.mentions] == ["Zapp Brannigan", "Brannigan"]
    # A weekday or month before the surname is a date, not another given name ("on Friday Osei").
    doc = nlp(
        "The report was meant to help president Kwabena Osei.\n\n"
        "In an interview published on Friday Osei indicated he wishes to keep sanctions."
    )
    entity = next(e for e in extract_entities(doc, "") if e.name == "Kwabena Osei")
    assert [m.text for m in entity.mentions] == ["Kwabena Osei", "Osei"]


def test_a_statement_speaks_for_the_person_who_made_it(nlp: Language) -> None:
    text = (
        "Senator Zapp Brannigan issued a statement about the decision.\n\n"
        'Brannigan\'s statement added, "There is no question the city should have been chosen."'
    )
    assert _speaker(_quotes(nlp, text), "There is no question") == "Zapp Brannigan"


def test_a_letter_named_for_its_organisation_is_its_words(nlp: Language) -> None:
    text = (
        "Prime Minister Anna Kowal will speak on Friday about the Interior Office.\n\n"
        'The Interior Office letter reads "we may extend the use of the form to other claimants".'
    )
    assert _speaker(_quotes(nlp, text), "we may extend") == "Interior Office"


def test_the_city_is_the_place_named_before(nlp: Language) -> None:
    text = (
        "The request was advanced by the Municipality of Westford in 2010.\n\n"
        'The city reasoned, "because the users pay a fee, this activity is a commercial one".'
    )
    assert _speaker(_quotes(nlp, text), "because the users") == "Municipality of Westford"


def test_they_is_a_group_not_a_country(nlp: Language) -> None:
    text = (
        "The Ruritanian Institute of Nutrition studied children in Ruritania and Borduria.\n\n"
        'They call for "urgent implementation of mandatory iodisation of all edible salt".'
    )
    assert _speaker(_quotes(nlp, text), "urgent implementation") == "Ruritanian Institute of Nutrition"


def test_a_quote_continued_into_the_next_paragraph_without_a_new_mark_is_one_quote(
    nlp: Language,
) -> None:
    text = (
        'After the match, Jan Kowal, the Westland coach, said, "I think we have learned a lot today.\n\n'
        'It was a very emotional day for all of us."\n\nThe next match is on Friday.'
    )
    spans = find_quote_spans(text)
    assert [text[s.start : s.end] for s in spans] == [
        "I think we have learned a lot today.\n\nIt was a very emotional day for all of us."
    ]
    assert _speaker(_quotes(nlp, text), "I think we have learned") == "Jan Kowal"


def test_a_speech_verb_ending_the_paragraph_before_introduces_the_quote(nlp: Language) -> None:
    text = (
        "Mark Rathford left the group in May. He later stated,\n\n"
        '"Daniel was picked up by an investigator in a black car with dark windows."'
    )
    assert _speaker(_quotes(nlp, text), "Daniel was picked up") == "Mark Rathford"


@pytest.mark.parametrize(
    "sentence",
    [
        "Former inspector Hans Brixen recommended that Westland give a similar commitment, just as it "
        'has given to Eastland, stating, "Regime change from the outside is not a cure for anything."',
    ],
)
def test_a_participle_hung_on_a_subordinate_clause_is_the_main_subjects(nlp: Language, sentence: str) -> None:
    assert _speaker(_quotes(nlp, "The talks were tense.\n\n" + sentence), "Regime change") == "Hans Brixen"


def test_a_name_the_parser_made_the_head_of_its_verb_is_the_speaker(nlp: Language) -> None:
    text = (
        "Officials in Westland said the man died on Sunday.\n\n"
        "US citizen Susan Kohlberg, the mother of one of those killed in the Westford bombing, thought of "
        'al-Mahdi as "a mass murderer" who "deserved to die", adding to the BBC: "I feel no pity around him."'
    )
    quotes = _quotes(nlp, text)
    assert [_speaker(quotes, s) for s in ("a mass murderer", "deserved", "I feel no pity")] == [
        "Susan Kohlberg"
    ] * 3


def test_a_body_named_by_its_own_words_is_the_speaker(nlp: Language) -> None:
    text = (
        "The prize was awarded today to Dr Amina Odhiambo from Westland.\n\n"
        'The Halvorsen committee cited "her contribution to sustainable development and peace" as the reason.'
    )
    assert _speaker(_quotes(nlp, text), "her contribution") == "Halvorsen committee"


def test_a_panel_is_the_organisation_that_formed_it(nlp: Language) -> None:
    text = (
        "After the crash, the International Karting Federation formed a panel to investigate.\n\n"
        'The panel stated that the driver was "going much too fast for the wet conditions on the track".'
    )
    assert _speaker(_quotes(nlp, text), "going much too fast") == "International Karting Federation"


@pytest.mark.parametrize(
    ("intro", "owner"),
    [
        (
            "The 2030 Global Shelter report by the Northern Relief Agency was released on Monday.",
            "Northern Relief Agency",
        ),
        ("The Harbour Safety Board published a report on the collapse on Monday.", "Harbour Safety Board"),
    ],
)
def test_the_report_is_the_words_of_whoever_put_it_out(nlp: Language, intro: str, owner: str) -> None:
    text = (
        f"{intro} Most of the families have found shelter in poor countries.\n\n"
        "The number of families has grown every year since 2004.\n\n"
        'The report states: "Poor countries host four in five of the families, and the share keeps growing."'
    )
    assert _speaker(_quotes(nlp, text), "Poor countries host") == owner


def test_a_document_named_by_a_nationality_speaks_for_that_country(nlp: Language) -> None:
    text = (
        "Peru and Chile signed a fishing accord in Lima on Tuesday.\n\n"
        "A statement from the Peruvian embassy in Washington read: "
        '"The government of Peru reiterates its firm position that all fishing stays within the limits."'
    )
    assert _speaker(_quotes(nlp, text), "The government of Peru") == "Peru"


def test_an_untagged_name_owns_its_analysis(nlp: Language) -> None:
    # "Acme Weekly's analysis concluded, "...": the model tags no entity on the possessor.
    doc = parsed_doc(
        nlp,
        """
        Acme NNP PROPN compound 1 Acme O
        Weekly NNP PROPN poss 3 Weekly O
        's POS PART case 1 's O
        analysis NN NOUN nsubj 4 analysis O
        concluded VBD VERB ROOT 4 conclude O
        , , PUNCT punct 4 , O
        " `` PUNCT punct 4 " O
        Usually RB ADV advmod 9 usually O
        it PRP PRON nsubj 9 it O
        wins VBZ VERB ccomp 4 win O
        the DT DET det 11 the O
        race NN NOUN dobj 9 race O
        . . PUNCT punct 9 . O
        " '' PUNCT punct 4 " O
        """,
    )
    assert _speaker(_doc_quotes(doc), "Usually it wins") == "Acme Weekly"


def test_they_is_the_organisation_the_sentence_before_is_about(nlp: Language) -> None:
    text = (
        '"The sea is calm tonight," said the Harbour Safety Office.\n\n'
        "In its report, the Coastal Warning Centre issued a watch for nine countries. They mentioned that "
        '"earthquakes of this size can cause a destructive tsunami across the whole ocean."'
    )
    assert _speaker(_quotes(nlp, text), "earthquakes of this size") == "Coastal Warning Centre"


def test_they_after_a_plural_description_is_that_description(nlp: Language) -> None:
    text = (
        "Children in Westland and Queensland are not getting enough iodine, a study found.\n\n"
        "The authors say the results confirm that intake is too low. They call for "
        '"urgent implementation of mandatory iodisation of all edible salt."'
    )
    assert _speaker(_quotes(nlp, text), "urgent implementation") == "The authors"


def test_a_participle_after_a_preposition_is_the_clause_subjects(nlp: Language) -> None:
    text = (
        'Union leader Ada Brunner said the plan was "a trap for the workers of this country".\n\n'
        "During the debate on Wednesday, Jan Kowal defended the record of the government whilst promising "
        'a "formal update" is forthcoming: "We are working as quickly as possible to bring the law forward."'
    )
    quotes = _quotes(nlp, text)
    assert [_speaker(quotes, s) for s in ("formal update", "We are working")] == ["Jan Kowal"] * 2


def test_the_newspaper_is_the_one_that_was_the_subject_not_the_one_it_wrote_about(nlp: Language) -> None:
    text = (
        "On Sunday, the Daily Chronicle claimed that planners at the Defence Ministry are drawing up plans "
        "for air raids.\n\n"
        'The newspaper also claims that the preparations are active, stating, "planners are identifying '
        'targets and working on logistics for an operation".'
    )
    assert _speaker(_quotes(nlp, text), "planners are identifying") == "Daily Chronicle"


@pytest.mark.parametrize(
    ("sentence", "owner"),
    [
        (
            'The Northern League\'s armed wing described the truce as "a betrayal of the people".',
            "Northern League",
        ),
        (
            'The armed wing of the Northern League described the truce as "a betrayal of the people".',
            "Northern League",
        ),
    ],
)
def test_a_body_belongs_to_the_organisation_it_names(nlp: Language, sentence: str, owner: str) -> None:
    text = (
        f"The Northern League and the Freedom Front agreed a truce.\n\nThe Freedom Front kept it. {sentence}"
    )
    assert _speaker(_quotes(nlp, text), "a betrayal") == owner


def test_he_is_not_a_person_the_article_shows_to_be_a_woman(nlp: Language) -> None:
    text = (
        "Tomas Brandt and his wife are on trial over the death of their daughter, Lena.\n\n"
        "Lena developed a severe rash at four months. Lena soon became unable to move her legs, and she "
        "kept getting worse.\n\n"
        'Tomas Brandt\'s sister begged him to take Lena to a clinic, he replied "I am not able to do that".'
    )
    assert _speaker(_quotes(nlp, text), "I am not able") == "Tomas Brandt"


def test_she_is_not_a_man_named_with_an_honorific(nlp: Language) -> None:
    text = (
        "Mr Karel Novak and Jana Dvorak met at the council on Monday. Mr Novak spoke first.\n\n"
        'Asked about Mr Novak\'s plan, she said "We will not support it without a vote."'
    )
    assert _speaker(_quotes(nlp, text), "We will not support") == "Jana Dvorak"


def test_the_party_is_the_organisation_named_with_that_head_word(nlp: Language) -> None:
    text = (
        "Leaders of the Green Party met the Farmers Union in Westford on Monday.\n\n"
        'The party said the talks were "a first step towards a fair price for milk".'
    )
    assert _speaker(_quotes(nlp, text), "a first step") == "Green Party"


def test_a_subject_inside_brackets_is_an_aside_on_the_name_before_them(nlp: Language) -> None:
    # The small model makes the party and state label the subject of "said" ("Minnesota").
    text = (
        '"The changes made me reconsider my position," said Representative Wouter van der Brinkhorst '
        "(R Minnesota), who voted against the first bill."
    )
    doc = nlp(text)
    assert [t.text for t in doc if t.dep_ == "nsubj" and t.head.text == "said"] == ["Minnesota"]
    quotes = extract_quotes(doc, extract_entities(doc, ""))
    assert [q.speaker for q in quotes] == ["Wouter van der Brinkhorst"]


def test_a_title_subject_introduces_the_name_in_apposition_over_carry_over(nlp: Language) -> None:
    # "The opposition leader, X, disagreed." then a quote with no cue: X, not the last speaker.
    text = (
        'Jan Kowal opened the meeting. "We have done our part and now it is their turn," he said.\n\n'
        "The opposition leader, Maria Lindqvist, disagreed. "
        '"We were never consulted about this plan at all and we will vote against it."'
    )
    quotes = _quotes(nlp, text)
    assert _speaker(quotes, "We have done") == "Jan Kowal"
    assert _speaker(quotes, "We were never") == "Maria Lindqvist"


def test_a_name_in_apposition_to_a_person_noun_is_the_speaker_whatever_its_type(nlp: Language) -> None:
    # The small model types the one-word name ORG; the speaker was the description.
    text = (
        "The train hit a parked freight train. In a press conference, the state governor, Wiranata, "
        'said the locomotive was "barely recognizable".'
    )
    doc = nlp(text)
    assert [(e.text, e.label_) for e in doc.ents if e.text == "Wiranata"] == [("Wiranata", "ORG")]
    assert [q.speaker for q in _doc_quotes(doc)] == ["Wiranata"]


def test_a_name_closing_the_sentence_after_a_spokesman_is_the_speaker_untagged(nlp: Language) -> None:
    text = (
        '"The insurgents began shelling the airport as the plane left," said a spokesman for the '
        "presidency in an interview, Prasetyono."
    )
    doc = nlp(text)
    assert not [e for e in extract_entities(doc, "") if e.type == "PERSON"]
    assert [q.speaker for q in _doc_quotes(doc)] == ["Prasetyono"]
    # A two-word name the parser makes a second subject of "said" after the description, typed ORG.
    text = (
        "The president was not hurt.\n\n"
        '"As the president flew out, insurgents began shelling the airport," said a spokesman for the '
        'presidency in an interview, Tomasz Dabrowska-Hale. "Peacekeepers responded."'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Tomasz Dabrowska-Hale"] * 2


def test_a_person_after_a_dash_behind_the_closing_mark_is_the_speaker(nlp: Language) -> None:
    text = (
        'The talks collapsed. "We will not sign anything under pressure," said Tomas Ruiz.\n\n'
        "\"It's the Internet: one, the regime: zero. But it's a long game.\" - Anna Berg"
    )
    quotes = _quotes(nlp, text)
    assert _speaker(quotes, "We will not") == "Tomas Ruiz"
    assert _speaker(quotes, "It's the Internet") == "Anna Berg"


def test_a_source_line_after_a_dash_is_not_a_speaker(nlp: Language) -> None:
    # A list of sources: headline — outlet or author, date. Not speech.
    text = 'Sources\n\n"Minister quits over leaked report" — Anna Berg, Daily Planet, August 15, 2008'
    assert all(q.speaker != "Anna Berg" for q in _quotes(nlp, text))


def test_an_untagged_two_word_name_after_a_dash_is_the_speaker(nlp: Language) -> None:
    text = (
        'The talks in Varnholt collapsed on Monday. "We will not sign anything under pressure" - '
        "Jan Kowal, speaking for the delegation."
    )
    doc = nlp(text)
    assert not [e for e in extract_entities(doc, "") if e.type == "PERSON"]
    assert [q.speaker for q in _doc_quotes(doc)] == ["Jan Kowal"]


@pytest.mark.parametrize(
    ("after", "speaker"),
    [
        (" Roth said.", "Roth"),
        (" Peter Osei, the harbour master, added that repairs would take weeks.", "Peter Osei"),
    ],
)
def test_a_quote_sentence_is_the_words_of_the_speaker_the_next_sentence_names(
    nlp: Language, after: str, speaker: str
) -> None:
    # '"...." X said.': the attribution is a sentence of its own after the closing mark.
    text = (
        "The ports reopened after the storm.\n\n"
        f'"We expect the first ships to dock tomorrow morning and the rest by Friday."{after}'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == [speaker]


def test_a_quote_inside_a_sentence_does_not_take_the_next_sentence_speaker(nlp: Language) -> None:
    text = (
        "The ports reopened after the storm.\n\n"
        'The agency advised "all ships to wait outside the harbour until the morning". Peter Osei said '
        "the repairs would take weeks."
    )
    assert all(q.speaker != "Peter Osei" for q in _quotes(nlp, text))


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Interior Minister Laura Chen and police chief Tomas Ruiz visited the site on Monday. Ruiz "
            'said the area was safe. "We have made three arrests and more will follow," the minister said.',
            "Laura Chen",
        ),
        (
            "Laura Chen, the interior minister, met the mayor of Varnholt, Tomas Ruiz, on Monday. Ruiz "
            'spoke about the floods. "The army will stay as long as it is needed," the minister said.',
            "Laura Chen",
        ),
        (
            "Peter Osei, a spokesman for the Port Authority, said the harbour was closed. Shipping agent "
            'Anna Berg said her firm had lost millions. "We will reopen as soon as the channel is clear," '
            "the spokesman said.",
            "Peter Osei",
        ),
        (
            "President Maria Lindqvist arrived in Varnholt on Tuesday, where she met Prime Minister Jan "
            'Kowal. Kowal welcomed her at the airport. "This visit is a sign of our friendship," the '
            "president said.",
            "Maria Lindqvist",
        ),
    ],
)
def test_a_title_description_is_the_person_the_article_gave_that_title(
    nlp: Language, text: str, speaker: str
) -> None:
    # Not the nearest person (Muzny et al.: a title mention goes to the entity it matches).
    assert [q.speaker for q in _quotes(nlp, text)] == [speaker]


def test_a_noun_near_a_name_is_not_its_title(nlp: Language) -> None:
    # "Writing in a blog post, X": "post" is not X's title, "the post" stays a description.
    text = (
        'Writing in a blog post, Anna Berg called the dispute "a long war".\n\n'
        "The site went offline on Monday.\n\n"
        '"Someone emailed me a tool to attack the website this morning," said the post by an unknown author.'
    )
    assert _speaker(_quotes(nlp, text), "Someone emailed") != "Anna Berg"


def test_the_other_official_is_not_the_official_named_before(nlp: Language) -> None:
    # "X, the other official also stated": the parser made the description the subject.
    doc = parsed_doc(
        nlp,
        """
        Anna NNP PROPN compound 1 Anna B-PERSON
        Berg NNP PROPN nsubj 6 Berg I-PERSON
        , , PUNCT punct 1 , O
        an DT DET det 4 an O
        official NN NOUN appos 1 official O
        , , PUNCT punct 1 , O
        spoke VBD VERB ROOT 6 speak O
        . . PUNCT punct 6 . O
        Tomas NNP PROPN compound 9 Tomas B-PERSON
        Ruiz NNP PROPN dep 15 Ruiz I-PERSON
        , , PUNCT punct 9 , O
        the DT DET det 13 the O
        other JJ ADJ amod 13 other O
        official NN NOUN nsubj 15 official O
        also RB ADV advmod 15 also O
        stated VBD VERB ROOT 15 state O
        , , PUNCT punct 15 , O
        " `` PUNCT punct 15 " O
        We PRP PRON nsubj 19 we O
        agree VBP VERB ccomp 15 agree O
        . . PUNCT punct 19 . O
        " '' PUNCT punct 15 " O
        """,
    )
    assert [q.speaker for q in _doc_quotes(doc)] == ["Tomas Ruiz"]


@pytest.mark.parametrize(
    "text",
    [
        "After meeting Jan Kowal on Monday, the union's chairman, Tomas Ruiz, called off the strike. "
        '"We have a deal that protects every job," he said.',
        "Jan Kowal's rival, Tomas Ruiz, rejected the offer. "
        '"It is far too little and far too late," he said.',
        # The topic of an opening "For X," is whom the sentence is about, not its grammatical subject.
        "For Tomas Ruiz, a teacher at the college, Jan Kowal was also a hero. "
        'He said, "Kowal was the centre of the art world for a century."',
    ],
)
def test_he_is_the_person_in_apposition_to_the_subject_not_one_merely_mentioned(
    nlp: Language, text: str
) -> None:
    assert [q.speaker for q in _quotes(nlp, text)] == ["Tomas Ruiz"]


@pytest.mark.parametrize(
    ("text", "start", "speaker"),
    [
        (
            'A statement released by the Northline Rail Company read: "All trains will run to the '
            'normal timetable from Monday."',
            "All trains",
            "Northline Rail Company",
        ),
        (
            'The statement, signed by Tomas Ruiz, said the company "regrets the loss of life".',
            "regrets",
            "Tomas Ruiz",
        ),
    ],
)
def test_a_document_put_out_by_someone_speaks_for_them(
    nlp: Language, text: str, start: str, speaker: str
) -> None:
    assert _speaker(_quotes(nlp, text), start) == speaker


def test_a_document_seen_by_an_outlet_does_not_speak_for_the_outlet(nlp: Language) -> None:
    text = (
        "A leaked internal letter seen by Sky News warns staff that "
        '"failure to return the form without a reasonable explanation may lead to action".'
    )
    assert all(q.speaker != "Sky News" for q in _quotes(nlp, text))


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "The decision was criticised by Tomas Ruiz, who said it was "
            '"a disgrace to the city and its people".',
            "Tomas Ruiz",
        ),
        (
            "The plan has the support of Anna Berg, the party leader, who called it "
            '"the best deal in a generation".',
            "Anna Berg",
        ),
    ],
)
def test_a_speaker_in_a_relative_clause_is_its_antecedent(nlp: Language, text: str, speaker: str) -> None:
    assert [q.speaker for q in _quotes(nlp, text)] == [speaker]


def test_a_word_before_a_relative_clause_is_not_what_it_says(nlp: Language) -> None:
    # "observe" is a speech verb, but the quoted word is not what the clause says.
    text = 'The signal was "iftar", the moment when people who observe the fast break it.'
    assert [q.text for q in _quotes(nlp, text)] == []


def test_an_unnamed_antecedent_of_a_relative_clause_is_described_without_the_clause(nlp: Language) -> None:
    text = 'The minister, who told reporters "we will not back down on this", left the building.'
    assert [q.speaker for q in _quotes(nlp, text)] == ["The minister"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            'The village was hit hard. "The village is totally flattened," Marek Do-hyun, local '
            "administrator, told the radio.",
            "Marek Do-hyun",
        ),
        (
            'The match ended in a draw. "We played well in the second half and deserved the point," '
            "Japan's coach Okonkwe said.",
            "Okonkwe",
        ),
    ],
)
def test_a_description_that_holds_the_speakers_name_is_that_person(
    nlp: Language, text: str, speaker: str
) -> None:
    # The parser hangs the name off the title ("Do-hyun" tagged a noun), or the model types it
    # ORG: the speaker was the whole description.
    assert [q.speaker for q in _quotes(nlp, text)] == [speaker]


def test_a_title_phrase_ending_in_a_place_and_a_name_is_the_name(nlp: Language) -> None:
    # The model glues "Mogadishu Ruben de los Altos" into one ORG; the article names the city alone.
    text = (
        "Fighting broke out in Mogadishu on Monday. Vice chairman of the Lakeside Peace Organization "
        'in Mogadishu Ruben de los Altos said that "insurgents fired mortar bombs at the plane".'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Ruben de los Altos"]


@pytest.mark.parametrize(
    "text",
    [
        '"The village is totally flattened," a local administrator told the radio.',
        'Officials, speaking on condition of anonymity, said the plan was "a serious mistake for the city".',
    ],
)
def test_a_description_without_a_name_stays_a_description(nlp: Language, text: str) -> None:
    assert [q.speaker_type for q in _quotes(nlp, text)] == ["DESCRIPTION"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Environmentalist Ines da Montebranco said that the plan could pay for itself. "
            '"It is going to cost a lot of money but it will also save a lot," da Montebranco said.',
            "Ines da Montebranco",
        ),
        (
            "Prime Minister Ahn Tae-oh has been in the city since Monday. "
            '"Otherwise, they will face the most severe penalties," Ahn said in a televised statement.',
            "Ahn Tae-oh",
        ),
        (
            "Officials denied the claim. Teodor bin Rashad al-Kuwari, Westland's foreign minister, said "
            'to The Courier, "We are absolutely sure that nothing was taken from the army".',
            "Teodor bin Rashad al-Kuwari",
        ),
        (
            "Opposition Treasury spokesman Byun Min-sol suggested the deal was "
            '"probably in the millions rather than the billions", echoing fears.',
            "Byun Min-sol",
        ),
    ],
)
def test_a_name_cut_at_a_particle_or_hyphen_is_named_in_full(nlp: Language, text: str, speaker: str) -> None:
    # The model tags "Montebranco", "Ahn Tae", "bin Rashad al-Kuwari", "Byun Min": the speaker
    # takes the longest form the article gives at the person's own mentions.
    assert [q.speaker for q in _quotes(nlp, text)] == [speaker]


def test_a_word_opening_the_sentence_before_a_cut_name_is_not_its_given_name(nlp: Language) -> None:
    text = (
        "Environmentalist Kowalczyk-Brandt said the plan would work. "
        '"It will pay for itself within ten years," Kowalczyk-Brandt said.'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Kowalczyk-Brandt"]


def test_a_body_in_the_speakers_description_is_not_the_speaker(nlp: Language) -> None:
    # "NAME, a senior Hamas official, commented": the untagged name, not the body in its apposition.
    text = (
        "Thousands rallied in the stadium. Wouter van den Hoevel, a senior Hamas official, commented "
        'that "the movement has gone from a few thousand people to a backing of millions".'
    )
    assert [q.speaker for q in _quotes(nlp, text)] == ["Wouter van den Hoevel"]


def test_a_name_after_the_closing_mark_is_the_subject_of_a_cue_joined_to_the_quote(nlp: Language) -> None:
    # '"...," Karel Dvorak, head of the office, told Reuters.': the parser made "told" a conjunct of
    # the quote's own verb, whose subject is inside the quote.
    doc = parsed_doc(
        nlp,
        """
        " `` PUNCT punct 2 " O
        There EX PRON expl 2 there O
        are VBP VERB ROOT 2 be O
        talks NNS NOUN attr 2 talk O
        . . PUNCT punct 2 . O
        Novak NNP PROPN nsubj 6 Novak B-PERSON
        asked VBD VERB ROOT 6 ask O
        to TO PART aux 8 to O
        meet VB VERB xcomp 6 meet O
        officials NNS NOUN dobj 8 official O
        , , PUNCT punct 6 , O
        " '' PUNCT punct 6 " O
        Karel NNP PROPN compound 13 Karel B-PERSON
        Dvorak NNP PROPN appos 9 Dvorak I-PERSON
        , , PUNCT punct 13 , O
        head NN NOUN appos 13 head O
        of IN ADP prep 15 of O
        the DT DET det 18 the O
        office NN NOUN pobj 16 office O
        , , PUNCT punct 6 , O
        told VBD VERB conj 6 tell O
        Reuters NNP PROPN dobj 20 Reuters B-ORG
        . . PUNCT punct 20 . O
        """,
    )
    assert [q.speaker for q in _doc_quotes(doc)] == ["Karel Dvorak"]


def test_the_cue_whose_clause_holds_the_quote_beats_a_nearer_cue_beside_it(nlp: Language) -> None:
    # "called" is nearer to the first quote, but the quote is what "said" reports; with "called" its
    # subject ("the bus") left the speaker to a guess.
    text = (
        "The driver, Jan Kowal, was unhurt. The mayor, Anna Berg, said the bus was "
        '"completely destroyed" and called it "the worst accident in our history".'
    )
    first = _quotes(nlp, text)[0]
    assert (first.text, first.speaker, first.cue) == ("completely destroyed", "Anna Berg", "said")


def test_a_participle_cue_hung_on_the_quotes_own_verb_keeps_its_subject(nlp: Language) -> None:
    # The parser made the quoted "feel" the root and hung "adding" on it, with the speaker as the
    # participle's subject: that subject is no misparse to skip here.
    doc = parsed_doc(
        nlp,
        """
        Anna NNP PROPN compound 1 Anna B-PERSON
        Berg NNP PROPN nsubj 9 Berg I-PERSON
        , , PUNCT punct 1 , O
        the DT DET det 4 the O
        mother NN NOUN appos 1 mother O
        of IN ADP prep 4 of O
        a DT DET det 7 a O
        victim NN NOUN pobj 5 victim O
        , , PUNCT punct 1 , O
        adding VBG VERB advcl 16 add O
        to IN ADP prep 9 to O
        the DT DET det 12 the O
        radio NN NOUN pobj 10 radio O
        : : PUNCT punct 16 : O
        " `` PUNCT punct 16 " O
        I PRP PRON nsubj 16 I O
        feel VBP VERB ROOT 16 feel O
        no DT DET det 18 no O
        pity NN NOUN dobj 16 pity O
        for IN ADP prep 18 for O
        him PRP PRON pobj 19 him O
        . . PUNCT punct 16 . O
        " '' PUNCT punct 16 " O
        """,
    )
    assert [q.speaker for q in _doc_quotes(doc)] == ["Anna Berg"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The model tags no name in the sentence before: the name a verb follows at once is its subject.
        (
            '"We stand with our allies," according to Alwyn Pellingham, the ambassador.\n\n'
            "In a Daily Planet interview published on Friday Mensabah indicated he wishes to keep the "
            'tariffs on steel. "If they help us, we will help them," he said.',
            "Mensabah",
        ),
        # The model typed the last speaker a body in the sentence that names them.
        (
            "Harriet Ashcombe scored twice for the visitors. After the match, Norway's coach Wiranata said, "
            '"I am devastated. We took the lead but we could not hold it." He added, "I have to accept the '
            'defeat as a fact."',
            "Wiranata",
        ),
    ],
)
def test_he_is_a_name_the_model_did_not_tag_a_person_when_the_words_make_it_one(
    nlp: Language, text: str, speaker: str
) -> None:
    assert [q.speaker for q in _quotes(nlp, text)][-1] == speaker


def test_a_name_a_place_or_body_elsewhere_is_no_antecedent_for_he(nlp: Language) -> None:
    text = (
        "Harriet Ashcombe opened the ward in March. Later Westfield reported a record number of patients, "
        'and Westfield Hospital is now the largest in the county. "We are overwhelmed," she said.'
    )
    assert _speaker(_quotes(nlp, text), "We are overwhelmed") == "Harriet Ashcombe"


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        (
            "The decision to ban the song has drawn the criticism of Amnesty International, stating it shows "
            '"a contempt for free speech that will not be forgotten."',
            "Amnesty International",
        ),
        (
            "The new curfew drew sharp condemnation from the Teachers Union, saying it "
            '"punishes children for the acts of a few."',
            "Teachers Union",
        ),
    ],
)
def test_a_participle_after_someones_reaction_is_what_they_said(
    nlp: Language, sentence: str, speaker: str
) -> None:
    text = f'"We will arrest anyone who sings it," the police chief said.\n\n{sentence}'
    assert [q.speaker for q in _quotes(nlp, text)][-1] == speaker
