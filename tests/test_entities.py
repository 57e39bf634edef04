"""Canonical entities on real news text: one entity per real-world thing, under its longest name."""

from spacy.language import Language
from spacy.tokens import Span

from processors.entities import extract_entities, resolve
from tests.helpers import dev_article


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


def test_a_name_cut_short_by_the_model_takes_its_following_surname(nlp: Language) -> None:
    text = "Sports Minister Abdi Hassan Adow and Trade Minister Omar Ali Dheere were killed in the attack."
    names = _by_name(nlp, text)
    assert {"Abdi Hassan Adow", "Omar Ali Dheere"} <= set(names)
    assert not {"Abdi Hassan", "Omar Ali"} & set(names)


def test_an_untagged_longer_form_of_a_found_name_becomes_the_canonical_name(nlp: Language) -> None:
    text = (
        "The Telegraph reported the plan last week. On Monday, the Sunday Telegraph claimed that "
        "the generals are ready. The Telegraph did not name its sources."
    )
    names = _by_name(nlp, text)
    assert "Telegraph" in names["Sunday Telegraph"].aliases  # type: ignore[attr-defined]
    assert "Telegraph" not in names


def test_a_company_is_one_entity_with_and_without_its_legal_form(nlp: Language) -> None:
    text = (
        "Discount retailer Brightmart Corp. said on Wednesday it will buy Halvorsen, Dunmore & Co. "
        "for $11 billion. The chairman of Brightmart will lead the new company, and Halvorsen "
        "shareholders will get cash."
    )
    names = _by_name(nlp, text)
    assert "Brightmart" in names["Brightmart Corp."].aliases  # type: ignore[attr-defined]
    assert "Brightmart" not in names and "Halvorsen" not in names


def test_products_time_zones_and_document_parts_are_not_names(nlp: Language) -> None:
    text = (
        "The truce ended at 4 a.m. GMT. The army will send Abrams tanks and a Boeing 777 to the "
        "border with Poland. Division B of the bill covers energy taxes. Judaism forbids it."
    )
    scored = {n for n, e in _by_name(nlp, text).items() if e.type in {"PERSON", "ORG", "GPE"}}  # type: ignore[attr-defined]
    assert "Poland" in scored
    assert not {"GMT", "Abrams", "Boeing", "Division B", "Judaism"} & scored


def test_a_facility_named_head_first_is_not_an_organisation(nlp: Language) -> None:
    names = _by_name(nlp, "He served his sentence in Prison Barlinnie, near Glasgow, until 2009.")
    assert names["Prison Barlinnie"].type == "FAC"  # type: ignore[attr-defined]


def test_a_name_cut_in_two_by_the_model_is_one_person(nlp: Language) -> None:
    doc = nlp("Officials met President Abd Rabbu Mansour Hadi in Aden. Later, Hadi said the talks went well.")
    names = {e.name: e for e in extract_entities(doc, "")}
    hadi = next(e for e in names.values() if "Hadi" in e.name)
    assert "Abd Rabbu" in hadi.name and hadi.name.endswith("Mansour Hadi")


def test_a_name_the_model_typed_org_is_a_person_next_to_a_person_noun(nlp: Language) -> None:
    for text in (
        "Their Dutch colleague, Henrik Vosberg, said the plan was unacceptable.",
        "Henrik Vosberg, a spokesman for the league, said the plan was unacceptable.",
        "The plan was criticised by opposition leader Henrik Vosberg on Monday.",
    ):
        doc = nlp(text)
        start = next(t.i for t in doc if t.text == "Henrik")
        doc.ents = [Span(doc, start, start + 2, label="ORG")]  # the small model's typical confusion
        assert [(e.name, e.type) for e in extract_entities(doc, "") if "Vosberg" in e.name] == [
            ("Henrik Vosberg", "PERSON")
        ], text


def test_confidence_is_high_for_countries_and_full_names(nlp: Language) -> None:
    doc = nlp("Prime Minister Jane Okonkwo of Nigeria flew to Ghana. Okonkwo met Nigeria's traders.")
    by_name = {e.name: e for e in extract_entities(doc, "")}
    assert by_name["Nigeria"].confidence >= 0.9
    assert by_name["Jane Okonkwo"].confidence >= 0.9
    assert all(0.0 <= e.confidence <= 1.0 for e in by_name.values())


def test_an_organisation_defined_by_its_acronym_keeps_its_full_name(nlp: Language) -> None:
    doc = nlp(
        "Most evacuees went to small towns, according to a report by the European Agency for Coastal "
        "Safety (EACS) released on Monday. EACS will meet in June."
    )
    agency = next(e for e in extract_entities(doc, "") if "EACS" in e.aliases)
    assert (agency.name, agency.type) == ("European Agency for Coastal Safety", "ORG")
