"""Canonical entities on real news text: one entity per real-world thing, under its longest name."""

from spacy.language import Language

from processors.entities import extract_entities, resolve
from tests.nlp_fixtures import dev_article, nlp

__all__ = ["nlp"]


def _by_name(nlp: Language, text: str, title: str = "") -> dict[str, object]:
    return {e.name: e for e in extract_entities(nlp(text), title)}


def test_seed_surname_and_acronyms_join_their_full_names(nlp: Language) -> None:
    seed = dev_article("dev-seed-000")
    entities = extract_entities(nlp(seed["body"]), seed["title"])
    names = {e.name: e for e in entities}
    assert "Zelensky" in names["Volodymyr Zelensky"].aliases
    assert "UN" in names["United Nations"].aliases
    assert "AP" in names["Associated Press"].aliases
    assert "White House" in names and "the White House" not in names
    assert not {"Zelensky", "UN", "AP"} & set(names)
    assert names["Ukraine"].type == "GPE"


def test_title_and_lead_make_an_entity_salient(nlp: Language) -> None:
    seed = dev_article("dev-seed-000")
    entities = extract_entities(nlp(seed["body"]), seed["title"])
    salience = {e.name: e.salience for e in entities}
    assert salience["Ukraine"] > salience["Belarus"] > 0
    assert all(0.0 <= s <= 1.0 for s in salience.values())


def test_possessive_and_article_are_not_part_of_the_name(nlp: Language) -> None:
    names = _by_name(
        nlp, "The United Nations said on Monday. Russia's economy shrank as the United Nations met."
    )
    assert "United Nations" in names
    assert "Russia" in names and "Russia's" not in names


def test_resolve_finds_an_entity_by_surname_title_or_acronym(nlp: Language) -> None:
    seed = dev_article("dev-seed-000")
    entities = extract_entities(nlp(seed["body"]), seed["title"])
    assert resolve("Psaki", entities).name == "Jen Psaki"  # type: ignore[union-attr]
    assert resolve("President Zelensky", entities).name == "Volodymyr Zelensky"  # type: ignore[union-attr]
    assert resolve("the U.N.", entities).name == "United Nations"  # type: ignore[union-attr]
    assert resolve("nobody in particular", entities) is None
