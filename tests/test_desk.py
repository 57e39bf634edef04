"""Desk classification on real text: the lexicon decides unless the source's own section names a desk."""

import json
from pathlib import Path

import pytest

from processors.desk import IPTC, classify_desk, desk_from_section, load_desks
from schemas import DESKS

LEXICON = load_desks()

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "dev" / "articles"  # ../shared


def desk_of(nlp, title: str, body: str, section: str | None = None) -> str:  # type: ignore[no-untyped-def]
    return classify_desk(title, nlp(body), [], section, lexicon=LEXICON).desk


def test_every_desk_has_its_iptc_code() -> None:
    assert set(IPTC) == set(DESKS)
    assert IPTC["conflict-war-peace"] == "medtop:16000000"
    assert IPTC["other"] is None
    assert set(load_desks().terms) == set(DESKS)  # "other" has a vocabulary of occasions too


def test_seed_is_conflict(nlp) -> None:  # type: ignore[no-untyped-def]
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    section = classify_desk(title, nlp(body.strip()), [], None, lexicon=LEXICON)
    assert (section.desk, section.iptc) == ("conflict-war-peace", "medtop:16000000")
    assert section.confidence > 0.7


@pytest.mark.parametrize(
    ("desk", "title", "body"),
    [
        (
            "sport",
            "United win penalty shootout to reach cup final",
            "Manchester United beat Chelsea 4-3 in a penalty shootout on Sunday. The striker scored twice "
            "and the goalkeeper saved two penalties in front of 80,000 fans.",
        ),
        (
            "economy-business",
            "Supermarkets launch price war",
            "Shares in the retailer fell 3 percent after it cut prices, and analysts warned that profits and "
            "revenue would suffer as investors sold the stock.",
        ),
        (
            "crime-law",
            "Man jailed for bank robbery",
            "A judge sentenced the man to eight years in prison after a jury found him guilty of robbery; "
            "prosecutors said he would appeal.",
        ),
        (
            "environment",
            "Government sets carbon target",
            "The plan cuts greenhouse gas emissions by half and protects forests and wildlife habitats, "
            "environmental groups said.",
        ),
        (
            "arts-culture-entertainment",
            "Review: a comic novel about fame",
            "The author's new novel follows an actress and a singer through the film festival circuit; the "
            "book was shortlisted for a literature prize.",
        ),
    ],
)
def test_generic_vocabulary_picks_the_desk(nlp, desk: str, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert desk_of(nlp, title, body) == desk


def test_source_section_decides_when_it_names_a_desk(nlp) -> None:  # type: ignore[no-untyped-def]
    body = "Troops and rebels clashed near the border, the army said."
    section = classify_desk(
        "Clashes at the border", nlp(body), [], "News > Sport > Football", lexicon=LEXICON
    )
    assert (section.desk, section.iptc, section.source_section) == (
        "sport",
        "medtop:15000000",
        "News > Sport > Football",
    )
    assert section.confidence >= 0.9
    assert desk_of(nlp, "Clashes at the border", body, "World/Middle East") == "conflict-war-peace"


def test_section_paths_map_by_their_most_specific_part() -> None:
    lexicon = load_desks()
    assert desk_from_section("Business/Technology", lexicon) == "science-technology"
    assert desk_from_section("World/Middle East", lexicon) is None
    assert desk_from_section(None, lexicon) is None


def test_text_without_desk_vocabulary_is_other(nlp) -> None:  # type: ignore[no-untyped-def]
    section = classify_desk("Notice", nlp("The meeting is on Tuesday at noon."), [], None, lexicon=LEXICON)
    assert (section.desk, section.iptc) == ("other", None)


@pytest.mark.skipif(not DEV.is_dir(), reason="labelled development set not available")
def test_dev_set_accuracy(nlp) -> None:  # type: ignore[no-untyped-def]
    articles = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEV.glob("*.json"))]
    right = sum(desk_of(nlp, a["title"], a["body"]) == a["labels"]["topic"] for a in articles)
    assert right / len(articles) >= 0.85


def test_a_shooting_with_hospital_words_is_crime_not_health(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "A gunman opened fire in a lecture hall at a small college on Tuesday, killing four students. "
        "The shooter, a former student, was found dead. Police said the gun had been bought legally. "
        "Eleven wounded were taken to the county hospital, where doctors said two patients were in "
        "critical condition after surgery. The hospital asked for blood donations."
    )
    assert desk_of(nlp, "Four dead in college shooting", body) == "crime-law"


def test_the_sale_of_a_weapons_maker_is_business(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "The government sold its majority stake in the state missile maker to a private buyer for 300 "
        "million pounds. The firm builds nuclear warheads and missiles for the navy. Critics said the "
        "company was undervalued and that the sale, part of a privatisation plan, left weapons work in "
        "foreign hands. The minister said the stake would fetch more than its valuation."
    )
    assert desk_of(nlp, "Government sells stake in missile maker", body) == "economy-business"


@pytest.mark.parametrize(
    ("desk", "title", "body"),
    [
        # Accidents: a gas blast, a collapse or a crowd crush with no war vocabulary is an accident.
        (
            "disaster-accident",
            "Gas blast destroys block of flats",
            "A gas explosion destroyed a block of flats before dawn on Sunday, killing six people. "
            "Neighbours pulled a child from the rubble. Officials said a leaking pipe caused the blast."
            "\n\nResidents had reported the smell for a week.",
        ),
        (
            "disaster-accident",
            "Many hurt in crush at concert gates",
            "Twenty people died in a stampede at the gates of a crowded religious gathering on Friday when "
            "the crowd surged forward. Organisers had let too many people in, officials said.\n\nAn inquiry "
            "was ordered.",
        ),
        # Crime: a knife attack on a train is not a transport accident.
        (
            "crime-law",
            "Man stabs three on tram",
            "A man attacked passengers with a knife on a tram on Monday evening, wounding three people. "
            "Officers arrested him at the next stop and said there was no sign of a terrorist motive.\n\nThe "
            "line was closed for two hours.",
        ),
        # Captivity: being imprisoned by a group is crime news even without police vocabulary.
        (
            "crime-law",
            "Woman says commune imprisoned her",
            "A woman says a commune imprisoned her for nine years on its farm and took her papers. The "
            "group denies it. She escaped in the spring and has asked for help.\n\nThe commune's leader "
            "declined to comment.",
        ),
        # Migration policy is politics, not crime, even when smuggling and the law are mentioned.
        (
            "politics",
            "Government to shorten asylum interviews",
            "The government will replace asylum interviews with written forms for some applicants, the "
            "home secretary said. Critics said criminal gangs that traffic people would exploit the change "
            "and that it broke the law; the secretary said immigration law was being applied.\n\nThe "
            "change starts in May.",
        ),
        # Video games and fan conventions are entertainment, not sport.
        (
            "arts-culture-entertainment",
            "Thousands of fans at gaming convention",
            "Thousands of fans came to the city's video game and comic book convention this weekend. Players "
            "tried new games, and the winning team of a cosplay contest took home a trophy.\n\nThe event "
            "returns next year.",
        ),
    ],
)
def test_confusable_fields_pick_the_story_desk(nlp, desk: str, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert desk_of(nlp, title, body) == desk


def test_a_desk_word_inside_an_office_name_is_not_that_desk(nlp) -> None:  # type: ignore[no-untyped-def]
    """'Finance minister' names an office: the resignation is politics, not economy news."""
    body = (
        "The finance minister resigned on Monday after a row with the prime minister over the budget, "
        "throwing the coalition into crisis. Opposition parties called for an early election.\n\nThe "
        "president will meet party leaders on Tuesday."
    )
    assert desk_of(nlp, "Finance minister quits over budget", body) == "politics"


def test_one_distinct_term_does_not_decide_the_desk(nlp) -> None:  # type: ignore[no-untyped-def]
    """'vaccine' in the title and once in the body is one term; the story is about a sacked minister."""
    body = (
        "The prime minister sacked the health minister on Tuesday after a row over the purchase of vaccines. "
        "The minister was accused of favouring a company owned by a party donor. Opposition leaders "
        "demanded an inquiry."
    )
    assert desk_of(nlp, "Minister sacked after vaccine row", body) == "politics"


def test_the_lead_counts_more_than_the_rest(nlp) -> None:  # type: ignore[no-untyped-def]
    """The same words score higher for a desk when they are in the lead paragraph."""
    from processors.desk import desk_scores

    crime = "Police arrested two suspects after the robbery at the bank, and a judge ordered them held."
    other = "The city council met on Tuesday to discuss the market square and the new stadium for the team."
    first, second = nlp(f"{crime}\n\n{other}"), nlp(f"{other}\n\n{crime}")
    assert desk_scores("", first, LEXICON)["crime-law"] > desk_scores("", second, LEXICON)["crime-law"]


def test_a_short_text_with_some_desk_evidence_gets_that_desk_with_low_confidence(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Police arrested a man in the city centre.")
    section = classify_desk("Update", doc, [], None, lexicon=LEXICON)
    assert section.desk == "crime-law"
    assert section.confidence < 0.5
