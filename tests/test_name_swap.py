"""The name swap of `newsfeed eval --swap-names`, on invented articles: labels stay consistent with
the text, the result depends only on the seed, and everything but the names is left as it was."""

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from processors.evaluation import normalize_name
from processors.name_swap import SHAPES, swap_names
from schemas import EnrichedArticle, Entity, Escalation, Mention, RawArticle, Section
from streams.ops.evaluate_names import format_swap_report, run_swap_eval

TITLE = "Harlow Quenby wins the Brisvale council vote"
BODY = (
    'Councillor Harlow Quenby won the vote in Brisvale on Monday. "We listened to every street," '
    "Quenby said after the count, thanking Dr. Odile Marchetti of the Brisvale Water Board.\n\n"
    'Marchetti said the board would "work with Quenby from the first day." Quenby\'s rival, '
    'Tobias Renwick, conceded. "Harlow ran a fair race," Renwick told reporters.'
)
LABELS: dict[str, Any] = {
    "topic": "politics",
    "escalation": False,
    "entities": {
        "PERSON": ["Harlow Quenby", "Odile Marchetti", "Tobias Renwick"],
        "ORG": ["Brisvale Water Board"],
        "GPE": ["Brisvale"],
    },
    "entity_aliases": {"Harlow Quenby": ["Quenby", "Harlow"], "Odile Marchetti": ["Marchetti"]},
    "quotes": [
        {"text": "We listened to every street,", "speaker": "Harlow Quenby"},
        {"text": "work with Quenby from the first day.", "speaker": "Odile Marchetti"},
        {"text": "Harlow ran a fair race,", "speaker": "Tobias Renwick"},
        {"text": "the vote was close", "speaker": "the council", "speaker_named": False},
    ],
}
OLD_FORMS = ("Harlow", "Quenby", "Odile", "Marchetti", "Tobias", "Renwick")


def _swap(seed: int = 7, shapes: list[str] | None = None) -> Any:
    labels = json.loads(json.dumps(LABELS))
    return swap_names("invented-1", TITLE, BODY, labels, seed, shapes)


def test_every_person_and_its_forms_are_renamed_in_text_and_labels() -> None:
    swap = _swap()
    text = f"{swap.title}\n{swap.body}\n{json.dumps(swap.labels)}"
    for old in OLD_FORMS:
        assert not re.search(rf"\b{old}\b", text), old
    persons = swap.labels["entities"]["PERSON"]
    assert len(set(persons)) == 3 and set(persons) == set(swap.persons)
    for name in persons:  # each new name occurs in the text, and so does each of its aliases
        assert name in swap.body
        for alias in swap.labels["entity_aliases"].get(name, []):
            assert normalize_name(alias) in normalize_name(swap.body)
    speakers = [q["speaker"] for q in swap.labels["quotes"]]
    assert speakers[:3] == [swap.labels["entities"]["PERSON"][i] for i in (0, 1, 2)]
    assert speakers[3] == "the council"  # not a person: left as it is
    assert swap.labels["entities"]["ORG"] == ["Brisvale Water Board"]
    assert {swap.origin[n] for n in persons} == set(LABELS["entities"]["PERSON"])


def test_quotes_stay_in_the_text_and_everything_but_names_is_unchanged() -> None:
    for seed in range(12):
        swap = _swap(seed)
        for quote in swap.labels["quotes"][:3]:
            assert quote["text"] in swap.body
        new_words = {w.lower() for n in swap.persons for w in re.findall(r"\w+", n)}
        for alias_list in swap.labels["entity_aliases"].values():
            new_words |= {w.lower() for a in alias_list for w in re.findall(r"\w+", a)}

        def rest(text: str, names: set[str]) -> list[str]:
            return [w for w in re.findall(r"\w+", text) if w.lower() not in names]

        assert rest(swap.body, new_words) == rest(BODY, {w.lower() for w in OLD_FORMS})
        assert "Councillor " in swap.body and "Dr. " in swap.body  # honorifics kept as the text has them


def test_the_swap_depends_only_on_the_seed() -> None:
    assert _swap(3) == _swap(3)
    assert len({_swap(seed).body for seed in range(6)}) > 1


def test_a_chosen_shape_gives_names_of_that_shape() -> None:
    swap = _swap(5, ["bin-al"])
    assert set(swap.persons.values()) == {"bin-al"}
    assert all(" bin " in name and " al-" in name for name in swap.persons)
    quenby = swap.labels["entities"]["PERSON"][0]
    assert quenby.split()[-1] in swap.body.split("\n\n")[0]  # "al-X said": the second reference
    one = _swap(5, ["one-word"])
    assert all(" " not in name for name in one.persons)
    assert all(name not in one.labels["entity_aliases"] for name in one.persons)  # no alias left but itself
    with pytest.raises(ValueError, match="unknown name shape"):
        _swap(5, ["mononym"])


def test_a_particle_name_opening_a_sentence_is_capitalised() -> None:
    body = "Lorna Vick spoke first. Vick said little.\n\nThe rest was quiet."
    labels = {
        "entities": {"PERSON": ["Lorna Vick"]},
        "entity_aliases": {"Lorna Vick": ["Vick"]},
        "quotes": [],
    }
    swap = swap_names("invented-2", "", body, labels, 1, ["van-particle"])
    name = swap.labels["entities"]["PERSON"][0]
    short = swap.labels["entity_aliases"][name][0]
    assert short.startswith(("van", "de"))
    assert f"first. {short[0].upper()}{short[1:]} said" in swap.body


def test_a_person_whose_name_is_inside_another_label_is_kept() -> None:
    body = "Aldo Fenwick opened the Fenwick Institute. Fenwick said it was a start."
    labels = {
        "entities": {"PERSON": ["Aldo Fenwick"], "ORG": ["Fenwick Institute"]},
        "entity_aliases": {"Aldo Fenwick": ["Fenwick"]},
        "quotes": [],
    }
    swap = swap_names("invented-3", "", body, labels, 1)
    assert swap.body == body and swap.kept == ("Aldo Fenwick",) and not swap.persons


class _TwoWordFinder:
    """A stand-in enricher that finds only names of two capitalised words, so shapes differ."""

    def enrich_batch(self, raws: list[RawArticle], now: datetime) -> list[EnrichedArticle]:
        out = []
        for raw in raws:
            names = re.findall(r"(?=\b([A-Z][a-z]+ [A-Z][a-z]+)\b)", raw.body)
            out.append(
                EnrichedArticle(
                    id=raw.id or "?",
                    title=raw.title,
                    body=raw.body,
                    url=None,
                    source=None,
                    published_at=None,
                    processed_at=now,
                    section=Section(desk="politics", iptc=None, confidence=1.0),  # type: ignore[arg-type]
                    sections=[],
                    entities=[
                        Entity(name=n, type="PERSON", mentions=[Mention(text=n, start=0, end=len(n))])
                        for n in names
                    ],
                    quotes=[],
                    escalation=Escalation(level="none", score=0.0, alert=False),
                    model="test",
                )
            )
        return out


def test_the_report_counts_found_persons_per_shape(tmp_path: Path) -> None:
    article = {"id": "invented-4", "title": TITLE, "body": BODY, "labels": LABELS}
    (tmp_path / "a.json").write_text(json.dumps(article), encoding="utf-8")
    for shape, found in (("plain", 3), ("one-word", 0)):
        report = run_swap_eval(tmp_path, _TwoWordFinder(), 2, [shape])  # type: ignore[arg-type]
        part = "validation" if report.shapes(True) else "tuning"
        counts = report.shapes(part == "validation")[shape]
        assert (counts.persons, counts.found_original, counts.found_swapped) == (3, 3, found)
        assert shape in format_swap_report(report)


def test_every_shape_draws_names() -> None:
    for shape in SHAPES:
        assert set(_swap(1, [shape]).persons.values()) == {shape}


def test_eval_refuses_a_shape_without_the_swap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from streams import cli

    assert cli.main(["eval", str(tmp_path), "--shape", "one-word"]) == 1
    assert capsys.readouterr().err == "newsfeed: error: --shape only applies with --swap-names\n"
