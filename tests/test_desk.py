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
    assert set(load_desks().terms) == set(DESKS) - {"other"}


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
