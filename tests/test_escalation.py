"""Escalation on real text: the seed alerts on its nuclear-forces sentence; figurative war talk does not."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from processors.alerts import actors, alert_id, build_alert
from processors.desk import classify_desk, load_desks
from processors.entities import extract_entities
from processors.escalation import LEVEL_ORDER, assess
from processors.rules import load_rules
from schemas import Escalation, PipelineVersion, RawArticle, Story

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
RULES = load_rules()
DESKS = load_desks()


def seed_article() -> tuple[str, str]:
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    return title.strip(), body.strip()


def escalation_of(nlp, title: str, body: str, section: str | None = None) -> Escalation:  # type: ignore[no-untyped-def]
    doc = nlp(body)
    entities = extract_entities(doc, title)
    return assess(
        doc,
        title,
        entities,
        classify_desk(title, doc, entities, section, lexicon=DESKS),
        RULES,
        alert_min_level="medium",
    )


def alerts(esc: Escalation) -> bool:
    return LEVEL_ORDER[esc.level] >= LEVEL_ORDER["medium"]


def test_seed_alerts_high_on_nuclear_forces_sentence(nlp) -> None:  # type: ignore[no-untyped-def]
    title, body = seed_article()
    esc = escalation_of(nlp, title, body)
    assert esc.level in ("high", "critical")
    assert esc.alert
    assert "nuclear" in esc.categories
    nuclear = [e for e in esc.evidence if e.category == "nuclear"]
    assert any("ordering nuclear deterrence forces to be activated" in e.sentence for e in nuclear)


def test_evidence_offsets_point_into_the_body(nlp) -> None:  # type: ignore[no-untyped-def]
    title, body = seed_article()
    doc = nlp(body)
    esc = assess(
        doc,
        title,
        extract_entities(doc, title),
        classify_desk(title, doc, [], None, lexicon=DESKS),
        RULES,
        alert_min_level="medium",
    )
    assert esc.evidence
    for ev in esc.evidence:
        assert doc.text[ev.start : ev.end] == ev.sentence
        assert all(term.split()[0].lower() in ev.sentence.lower() for term in ev.terms)


def test_seed_alert_names_russia_and_putin(enricher) -> None:  # type: ignore[no-untyped-def]
    title, body = seed_article()
    enriched = enricher.enrich(
        RawArticle(id="seed", title=title, body=body), datetime(2026, 1, 1, tzinfo=UTC)
    )
    alert = build_alert(enriched, datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    names = [a.name for a in alert.actors]
    assert any("Russia" in n for n in names), names
    assert any("Putin" in n for n in names), names
    assert alert.alert_id == alert_id("seed", enriched.escalation.level)
    assert alert.evidence == enriched.escalation.evidence


def test_an_alert_carries_its_articles_story_and_pipeline_version(enricher) -> None:  # type: ignore[no-untyped-def]
    """The alerter deduplicates by story and subscribers audit by version: both come from the article."""
    title, body = seed_article()
    enriched = enricher.enrich(
        RawArticle(id="seed", title=title, body=body), datetime(2026, 1, 1, tzinfo=UTC)
    ).model_copy(
        update={
            "story": Story(story_id="first-copy", similarity=0.9),
            "pipeline_version": PipelineVersion(model="m-1", rules="r" * 16, code="0.0"),
        }
    )
    alert = build_alert(enriched, datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    assert alert.story_id == "first-copy"
    assert alert.pipeline_version == enriched.pipeline_version
    assert build_alert(enriched.model_copy(update={"story": None}), datetime.now(UTC)).story_id is None


def test_troops_crossing_the_border_alerts(nlp) -> None:  # type: ignore[no-untyped-def]
    esc = escalation_of(
        nlp,
        "Troops cross into neighbouring country",
        "Russian troops crossed the border into Ukraine before dawn on Thursday, officials in Kyiv said. "
        "Tanks and armoured vehicles were seen moving towards the regional capital.",
    )
    assert alerts(esc)
    assert "incursion" in esc.categories


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "United win penalty shootout to reach cup final",
            "Manchester United beat Chelsea 4-3 in a penalty shootout on Sunday to reach the cup final. "
            "The striker's relentless attack down the left wing killed off the game, and fans stormed "
            "the pitch.",
        ),
        (
            "President vows to step up war on drugs",
            "The president vowed on Tuesday to escalate the war on drugs, promising more police patrols "
            "in poor neighbourhoods of the capital.",
        ),
        (
            "Supermarkets launch price war",
            "The two largest supermarket chains launched a price war on Monday, slashing the price of milk. "
            "Analysts said the battle for market share would hit profits.",
        ),
        (
            "Review: a war epic that drops you into the cockpit",
            "The director's new war film follows British troops trapped on the beaches of Dunkirk as German "
            "bombers attack the evacuation fleet. The movie's air battles are spectacular, and the film "
            "opens in cinemas on Friday.",
        ),
        (
            "Veterans mark 75th anniversary of D-Day",
            "Veterans gathered in Normandy on Thursday to mark the 75th anniversary of the D-Day landings, "
            "when allied troops stormed the beaches under heavy German fire.",
        ),
    ],
    ids=["penalty-shootout", "war-on-drugs", "price-war", "film-review", "anniversary"],
)
def test_figurative_and_retrospective_war_talk_does_not_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert not alerts(escalation_of(nlp, title, body))


def test_peace_talks_lower_the_score(nlp) -> None:  # type: ignore[no-untyped-def]
    fighting = (
        "Government forces shelled rebel positions near the city on Monday, killing at least ten fighters. "
    )
    talks = "Both sides agreed to a ceasefire and said peace talks would begin in Geneva next week."
    alone = escalation_of(nlp, "Fighting near the city", fighting)
    with_talks = escalation_of(nlp, "Fighting near the city", fighting + talks)
    assert 0 < with_talks.score < alone.score


def test_trial_about_past_bombing_scores_below_fresh_bombing(nlp) -> None:  # type: ignore[no-untyped-def]
    fresh = escalation_of(
        nlp,
        "Car bomb kills 12 in capital",
        "A car bomb killed 12 people outside the interior ministry on Monday.",
    )
    trial = escalation_of(
        nlp,
        "Court convicts man over 1998 car bomb",
        "A court convicted a man on Monday of planning the 1998 car bomb that killed 12 people.",
    )
    assert alerts(fresh)
    assert not alerts(trial)


def test_actors_put_entities_cited_in_evidence_first(nlp) -> None:  # type: ignore[no-untyped-def]
    title, body = seed_article()
    entities = extract_entities(nlp(body), title)
    esc = escalation_of(nlp, title, body)
    names = [a.name for a in actors(entities, esc.evidence)]
    cited = {
        e.name for e in entities for m in e.mentions for ev in esc.evidence if ev.start <= m.start < ev.end
    }
    assert names and names[0] in cited


def test_alert_id_is_stable_per_article_and_level() -> None:
    assert alert_id("a1", "high") == alert_id("a1", "high")
    assert alert_id("a1", "high") != alert_id("a1", "critical")
    assert alert_id("a1", "high") != alert_id("a2", "high")


def test_a_hijacked_ship_alerts(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "Pirates hijacked an oil tanker off the coast of Nerania on Monday. The vessel and its crew of 20 "
        "were seized about 200 miles out at sea, the maritime bureau said. The pirates have demanded a "
        "ransom for the ship. Piracy has risen in the area this year."
    )
    assert alerts(escalation_of(nlp, "Pirates hijack tanker off coast", body))


def test_an_attack_that_failed_alerts(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "An attempted attack on the presidential palace in Velmora failed on Friday, officials said. "
        "Guards stopped two men carrying explosives at the gate."
    )
    assert alerts(escalation_of(nlp, "Attack on palace fails", body))


def test_a_troop_surge_into_a_war_alerts(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "The president ordered a surge of 20,000 troops into Karvistan, where the war against the "
        "insurgents is in its eighth year. The Pentagon said it would boost troop numbers in the south first."
    )
    assert alerts(escalation_of(nlp, "Troop surge", body))


def test_a_report_on_past_abuses_does_not_alert(nlp) -> None:  # type: ignore[no-untyped-def]
    body = (
        "A human rights report released on Tuesday documented abuse by the army in Velmora. It says "
        "soldiers shelled villages with artillery and killed dozens of civilians in air strikes. The "
        "rights group documented torture of prisoners. Amnesty International called for an inquiry."
    )
    assert not alerts(escalation_of(nlp, "Rights report on army abuses", body))


@pytest.mark.parametrize(
    ("title", "body"),
    [
        # An assassination attempt: the verb "assassinate" after "an attempt to".
        (
            "Governor survives assassination attempt",
            "Gunmen opened fire on the convoy of the governor of Dorvik province on Monday in an attempt "
            "to assassinate him, killing two of his guards. The governor escaped unhurt. A militant "
            "group said it carried out the attack and vowed more.\n\nThe army has sent reinforcements to "
            "the province.",
        ),
        # A building stormed by an armed group, the verb apart from its subject ("militants armed with
        # rifles ... stormed").
        (
            "Militants storm police post",
            "Militants armed with rifles and grenades stormed a police post near Valka on Tuesday, "
            "killing seven officers. The insurgents set fire to the building before fleeing into the "
            "hills, the provincial government said.\n\nThe police have sealed off the area.",
        ),
        # A failed bombing without the word "attack": trying to set off explosives.
        (
            "Man held after failed attempt to bomb airliner",
            "A man was arrested on Friday after trying to set off explosives hidden in his shoes on a "
            "flight to Ostrava, officials said. Passengers and crew overpowered him. Investigators "
            "believe he was trained by a militant group abroad.\n\nAirports have tightened security.",
        ),
        # A troop increase said with the singular noun ("boost troop numbers").
        (
            "Alliance to boost troop numbers",
            "The alliance agreed on Wednesday to boost its troop numbers in Karvistan by 5,000 next year "
            "to fight a growing insurgency.\n\nThe war is in its ninth year.",
        ),
    ],
)
def test_attempts_assaults_and_troop_increases_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert alerts(escalation_of(nlp, title, body))


@pytest.mark.parametrize(
    ("title", "body"),
    [
        (
            "Quarry blasting angers villagers",
            "Villagers in Dorvik say a quarry company sets off explosives every afternoon, cracking the "
            "walls of their homes. The company says its blasting is within legal limits.\n\nThe council "
            "will review the permit.",
        ),
        (
            "Protesters storm parliament grounds",
            "Hundreds of protesters stormed the grounds of the Valkan parliament on Tuesday, demanding "
            "new elections. Police fired tear gas and arrested 40 people.\n\nThe opposition leader urged "
            "calm.",
        ),
        (
            "Man jailed for trying to bomb a temple",
            "A court in Ostrava jailed a man for 20 years on Wednesday for trying to bomb a temple in "
            "2019. The judge said he had planted explosives in a bag outside the building, but the "
            "device failed.\n\nHe plans to appeal.",
        ),
    ],
)
def test_blasting_protests_and_trials_about_attempts_do_not_alert(nlp, title: str, body: str) -> None:  # type: ignore[no-untyped-def]
    assert not alerts(escalation_of(nlp, title, body))
