"""Rules as data: the packaged file is valid, bad files are reported by line and rule, explain adds up."""

from pathlib import Path

import pytest

from processors.desk import classify_desk, load_desks
from processors.escalation import assess, explain, score_hits
from processors.matcher import TokenForms, compile_pattern
from processors.rules import DEFAULT_RULES, RulesError, check_rules, load_rules
from schemas import LEVELS, Section

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
CONFLICT = Section(desk="conflict-war-peace", iptc="medtop:16000000", confidence=0.9)

MINIMAL = """\
[levels]
low = 1.0
medium = 3.0
high = 6.0
critical = 10.0

[categories.nuclear]
description = "Nuclear threats"

[[rule]]
id = "nuke-alert"
category = "{category}"
weight = 5.0
near = [["nuclear"], ["alert", "force"]]
window = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_rules_are_valid() -> None:
    assert check_rules(DEFAULT_RULES) == []
    rules = load_rules()
    assert {"nuclear", "military-action", "armed-attack", "mobilisation", "incursion", "sanctions"} <= set(
        rules.categories
    )
    assert rules.categories["de-escalation"].kind == "de-escalation"


def test_unknown_category_is_reported_with_line_and_rule(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.format(category="nucelar"))
    expected = "rules.toml line 12: unknown category 'nucelar' in rule 'nuke-alert' (did you mean 'nuclear'?)"
    assert check_rules(path) == [expected]
    with pytest.raises(RulesError, match="line 12: unknown category 'nucelar' in rule 'nuke-alert'"):
        load_rules(path)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = (
        MINIMAL.format(category="nuclear")
        + 'colour = "red"\n\n[[rule]]\nid = "nuke-alert"\ncategory = "nuclear"\n'
    )
    problems = check_rules(write(tmp_path, text))
    assert "rules.toml line 16: unknown key 'colour' in rule 'nuke-alert'" in problems
    assert "rules.toml line 19: duplicate rule id 'nuke-alert'" in problems
    assert any("line 18: weight in rule 'nuke-alert' must be a positive number" in p for p in problems)
    assert any("rule 'nuke-alert' has neither 'patterns' nor 'near'" in p for p in problems)


def test_levels_must_increase(tmp_path: Path) -> None:
    text = MINIMAL.format(category="nuclear").replace("high = 6.0", "high = 2.0")
    assert check_rules(write(tmp_path, text)) == [
        "rules.toml line 1: level thresholds must increase from low to critical"
    ]


def test_an_alert_level_in_the_rules_file_is_refused_for_the_one_setting(tmp_path: Path) -> None:
    text = MINIMAL.format(category="nuclear").replace("[levels]\n", '[levels]\nalert = "high"\n', 1)
    assert check_rules(write(tmp_path, text)) == [
        "rules.toml line 2: 'alert' is not read from the rules file: the alert threshold is the one "
        "setting NEWSFEED_ALERT_MIN_LEVEL (remove the key)"
    ]


def test_the_alert_threshold_is_the_one_passed_in(nlp) -> None:  # type: ignore[no-untyped-def]
    doc, rules = nlp(SEED.read_text().split("\n", 1)[1]), load_rules()
    level = assess(doc, "", [], CONFLICT, rules, alert_min_level="low").level
    at_or_below = LEVELS[1 : LEVELS.index(level) + 1]
    assert "medium" in at_or_below  # the seed alerts with the default threshold
    for threshold in LEVELS[1:]:
        alert = assess(doc, "", [], CONFLICT, rules, alert_min_level=threshold).alert
        assert alert == (threshold in at_or_below), threshold


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"rules.toml: not valid TOML: .*line 2"):
        load_rules(write(tmp_path, "[levels]\nlow = = 1\n"))


def test_hyphenated_patterns_match_every_spelling(nlp) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    (ceasefire,) = [r for r in rules.rules if r.id == "ceasefire"]
    for text in ("They agreed a ceasefire.", "They agreed a cease-fire.", "They agreed a cease fire."):
        forms = TokenForms.from_doc(nlp(text))
        assert any(forms.find(p) for p in ceasefire.patterns), text


def test_patterns_match_lemmas(nlp) -> None:  # type: ignore[no-untyped-def]
    forms = TokenForms.from_doc(nlp("The army deployed two brigades and launched air strikes."))
    assert forms.find(compile_pattern("launch air strike")) == [(6, 9)]
    assert forms.find(compile_pattern("deploy brigade|battalion")) == []
    assert forms.find(compile_pattern("deploy two")) == [(2, 4)]


def test_explain_lists_each_rule_contribution_and_adds_up(nlp) -> None:  # type: ignore[no-untyped-def]
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    doc = nlp(body.strip())
    rules = load_rules()
    hits = explain(doc, title, [], CONFLICT, rules)
    nuclear = [h for h in hits if h.rule == "nuclear-forces-alert"]
    assert nuclear and nuclear[0].contribution > 0 and "deterrence" in nuclear[0].terms
    assert any(h.kind == "de-escalation" and h.contribution < 0 and "cease-fire" in h.terms for h in hits)
    score, _ = score_hits(hits, rules)
    assert assess(doc, title, [], CONFLICT, rules, alert_min_level="medium").score == score


def test_guards_cancel_figurative_terms(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("The government promised to escalate its war on drugs with more police raids.")
    hits = explain(doc, "", [], classify_desk("", doc, [], None, lexicon=load_desks()), load_rules())
    assert [h.rule for h in hits if h.kind == "escalation"] == []


def test_sport_desk_discounts_battle_vocabulary(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Rebel fighters and army troops clashed in fierce fighting near the stadium.")
    rules = load_rules()
    sport = Section(desk="sport", iptc="medtop:15000000", confidence=0.9)
    as_sport = score_hits(explain(doc, "", [], sport, rules), rules)[0]
    as_conflict = score_hits(explain(doc, "", [], CONFLICT, rules), rules)[0]
    assert 0 < as_sport < as_conflict


def test_years_mark_dated_references(nlp) -> None:  # type: ignore[no-untyped-def]
    forms = TokenForms.from_doc(nlp("The 2003 invasion and the wars of the 1990s."))
    assert [forms.texts[a] for a, _ in forms.find(compile_pattern("#year"))] == ["2003", "1990s"]
    with pytest.raises(ValueError, match="unknown pseudo-word '#month'"):
        compile_pattern("#month")


def test_text_without_sentence_boundaries_is_still_assessed() -> None:
    import spacy

    doc = spacy.blank("en")("Rebels shelled the town, killing ten civilians.")
    rules = load_rules()
    hits = explain(doc, "", [], CONFLICT, rules)
    assert any("shelled" in h.terms and h.contribution > 0 for h in hits)
