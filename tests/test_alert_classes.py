"""Escalation alert classes missed or raised wrongly on unseen text, pinned with invented articles."""

import pytest

from processors.desk import classify_desk, load_desks
from processors.entities import extract_entities
from processors.escalation import LEVEL_ORDER, assess
from processors.rules import DEFAULT_RULES, RulesError, load_rules

RULES = load_rules()
DESKS = load_desks()


def alerts(nlp, title: str, body: str) -> bool:  # type: ignore[no-untyped-def]
    doc = nlp(body)
    entities = extract_entities(doc, title)
    section = classify_desk(title, doc, entities, None, lexicon=DESKS)
    esc = assess(doc, title, entities, section, RULES, alert_min_level="medium")
    return LEVEL_ORDER[esc.level] >= LEVEL_ORDER["medium"]


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # A plot foiled by arrests, filed on the crime desk, with "arrest" in the title.
        (
            "Police arrest six over plot to attack parliament",
            "Police arrested six men on Thursday suspected of plotting to attack the parliament in Velmora "
            "with guns and explosives, the interior ministry said. Officers found rifles, detonators and "
            "maps of the building during raids.\n\nThe suspects belong to an extremist group.",
        ),
        # A would-be bomber caught before he struck: "would-be" is an attempt, not a hypothetical.
        (
            "Would-be suicide bomber arrested at checkpoint",
            "Soldiers arrested a would-be suicide bomber at a checkpoint outside Sarento on Friday, the army "
            "said. The man was wearing a vest packed with explosives and was trying to reach a market.\n\nAn "
            "insurgent group said it had sent him.",
        ),
        # A ship seized by armed men, without the word piracy.
        (
            "Armed men seize oil tanker in strait",
            "Armed men in speedboats seized an oil tanker in the strait on Tuesday and diverted it towards "
            "the coast, the tanker's owner said. The 23 crew members are believed to be unharmed.\n\nThe "
            "navy said it was tracking the vessel.",
        ),
        # A hijacked bus, not only ships and aircraft.
        (
            "Bus with 40 passengers hijacked by armed gang",
            "Armed men hijacked a bus carrying 40 passengers on a highway in the north on Saturday and drove "
            "it into the mountains, police said. The gang is demanding the release of its leader from prison."
            "\n\nSecurity forces have surrounded the area.",
        ),
    ],
)
def test_foiled_plots_would_be_bombers_and_seized_ships_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert alerts(nlp, title, body)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # An exhibition about a past bombing is a retrospective, like a film.
        (
            "Museum exhibition on the bombing of the old town",
            "A new exhibition at the city museum tells the story of the bombing of the old town in the last "
            "war, with photographs, letters and pieces of the bombs that fell on it.\n\nThe exhibition opens "
            "on Saturday.",
        ),
        # "Pirates" as a name for rival ferry operators: no ship seized, no crew held.
        (
            "Pirates of the river: a ferry company's struggle",
            "The ferry company says illegal operators are stealing its passengers on the river crossing, "
            "calling them pirates. The council will license the boats next year.\n\nFares will rise.",
        ),
        # On the sport desk an attempt near "attacked" is still football.
        (
            "Striker's attempt saved as United attack in vain",
            "United attacked for most of the second half but the goalkeeper saved every attempt, and the "
            "match ended goalless.\n\nThe draw leaves the club third in the league.",
        ),
    ],
)
def test_exhibitions_figurative_pirates_and_football_attempts_do_not_alert(
    nlp, title: str, body: str
) -> None:  # type: ignore[no-untyped-def]
    assert not alerts(nlp, title, body)


def test_literal_on_names_desks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A rule's `literal_on` must name desks; a typo is an error naming the rule."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    text = text.replace('literal_on = ["crime-law", "disaster-accident"]', 'literal_on = ["crime"]', 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match="unknown desk 'crime' in 'literal_on'"):
        load_rules(path)


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # A plot by unnamed men: no entity, no actor noun; the police and the bomb are the context.
        (
            "Two men held over plan to bomb station",
            "Police said on Sunday they had foiled a plan to bomb the main railway station, arresting two "
            "men who had bought chemicals and built a device.\n\nThe station stayed open.",
        ),
        # An attempt whose bomb is six words from "tried".
        (
            "Passenger tried to set off bomb on flight",
            "A passenger tried to set off a small homemade bomb hidden in his shoe on a flight on Tuesday, "
            "but the cabin crew stopped him, police said.\n\nThe plane landed safely.",
        ),
        # An attempt reported by the prosecutors: "prosecutors say" attributes it, no court case yet.
        (
            "Man tried to detonate bomb on tram, prosecutors say",
            "A man tried to detonate a bomb on a crowded tram in Orveto on Monday evening, but the device "
            "only smouldered, prosecutors said on Tuesday.\n\nPassengers held him until police arrived.",
        ),
    ],
)
def test_plots_and_attempts_by_unnamed_men_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert alerts(nlp, title, body)


def test_an_attempt_told_at_its_trial_stays_quiet(nlp) -> None:  # type: ignore[no-untyped-def]
    """'prosecutors said' at a trial: the trial still makes it a court case about the past."""
    assert not alerts(
        nlp,
        "Prosecutors say accused tried to bomb tram, as trial opens",
        "Prosecutors said at the opening of his trial on Monday that the accused had tried to detonate a "
        "bomb on a tram in Orveto in 2019. He denies the charges.\n\nThe trial is expected to last a month.",
    )


def test_an_attack_on_a_budget_is_no_plot(nlp) -> None:  # type: ignore[no-untyped-def]
    """Without an actor the plot rule needs the police, an arrest or a weapon in its sentence."""
    assert not alerts(
        nlp,
        "Opposition plans attack on budget",
        "The opposition plans to attack the government's budget when parliament debates it next week, saying "
        "schools and hospitals get too little.",
    )


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # A massacre in a war that is over, told in a title that says so.
        (
            "Militia massacred villagers in past war, investigators say",
            "International investigators said on Tuesday that a militia killed about 150 villagers in a "
            "massacre during the war of the 1990s, after they opened a grave near the river.\n\nFighters "
            "rounded up the men and shot them, witnesses told the investigators.",
        ),
        # Photographs of a war on display are an exhibition.
        (
            "Soldiers' war photographs go on display",
            "Photographs taken by soldiers during the war went on display at the city gallery on Friday. The "
            "pictures show troops in trenches, shelled villages and refugees on the roads.\n\nThe exhibition "
            "runs until June.",
        ),
    ],
)
def test_a_past_war_or_its_pictures_do_not_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    """A title placing the events in a past war, or showing them in photographs on display, frames the
    undated sentences too."""
    assert not alerts(nlp, title, body)


def test_an_armed_groups_killing_alerts_on_the_crime_desk(nlp) -> None:  # type: ignore[no-untyped-def]
    title = "Gunmen open fire on market traders, killing seven"
    body = (
        "Gunmen opened fire on traders at a market in the town of Ardel on Thursday, killing seven people, "
        "police said.\n\nThe men escaped on motorbikes. An armed group active in the hills is suspected. "
        "Police have sealed off the town."
    )
    doc = nlp(body)
    assert classify_desk(title, doc, extract_entities(doc, title), None, lexicon=DESKS).desk == "crime-law"
    assert alerts(nlp, title, body)


def test_a_drug_gangs_gunmen_do_not_alert(nlp) -> None:  # type: ignore[no-untyped-def]
    assert not alerts(
        nlp,
        "Gunmen kill two in drug gang shooting",
        "Gunmen killed two men outside a bar on Friday in a feud between drug gangs, police said. Three "
        "suspects were arrested.",
    )
