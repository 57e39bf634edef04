"""Metric definitions on tiny hand-made cases, so their meaning is pinned down."""

from datetime import UTC, datetime

from processors.evaluation import PRF, evaluate, is_validation, match_quotes, normalize_name, score_gum
from schemas import EnrichedArticle, Entity, Escalation, Mention, Quote, Section

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _article(
    body: str, entities: list[Entity], quotes: list[Quote], desk: str = "politics"
) -> EnrichedArticle:
    return EnrichedArticle(
        id="t",
        title="",
        body=body,
        url=None,
        source=None,
        published_at=None,
        processed_at=NOW,
        section=Section(desk=desk, iptc=None, confidence=1.0),  # type: ignore[arg-type]
        sections=[],
        entities=entities,
        quotes=quotes,
        escalation=Escalation(level="none", score=0.0, alert=False),
        model="test",
    )


def _entity(name: str, etype: str = "PERSON") -> Entity:
    return Entity(name=name, type=etype, mentions=[Mention(text=name, start=0, end=len(name))])


LABELS = {
    "topic": "politics",
    "escalation": True,
    "entities": {"PERSON": ["Volodymyr Zelensky"], "ORG": ["United Nations"], "GPE": ["Ukraine"]},
    "entity_aliases": {"Volodymyr Zelensky": ["Zelensky"], "United Nations": ["UN", "U.N."]},
    "quotes": [
        {"text": "more talks could happen soon.", "speaker": "A top adviser", "speaker_named": False},
        {"text": "We need to take extraordinary actions", "speaker": "Volodymyr Zelensky"},
    ],
}


def test_names_match_after_normalization() -> None:
    assert normalize_name("the U.N.'s") == normalize_name("UN")
    assert normalize_name("The White House") == "white house"


def test_a_second_prediction_of_one_entity_is_a_false_positive() -> None:
    article = _article(
        "x", [_entity("Zelensky"), _entity("Volodymyr Zelensky"), _entity("the U.N.", "ORG")], []
    )
    score = evaluate([("a", LABELS, article)]).articles[0]
    assert score.entities == PRF(tp=2, fp=1, fn=1)
    assert score.missed_entities == ["Ukraine"]
    assert score.extra_entities == ["Volodymyr Zelensky"]


def test_quotes_match_on_half_the_words_and_speakers_on_aliases() -> None:
    quotes = [
        Quote(
            text="We need to take extraordinary actions to meet this threat",
            speaker="Zelensky",
            start=0,
            end=1,
        ),
        Quote(text="more talks could happen", speaker="someone", start=0, end=1),
        Quote(text="an unrelated remark about the weather", speaker="x", start=0, end=1),
    ]
    result = evaluate([("a", LABELS, _article("x", [], quotes))])
    assert result.quotes == PRF(tp=2, fp=1, fn=0)
    assert result.speaker_accuracy == 1.0  # the unnamed speaker is not scored; Zelensky is an alias
    assert result.alerts == PRF(tp=0, fp=0, fn=1)
    assert result.desk_accuracy == 1.0


def test_quote_matching_is_one_to_one() -> None:
    assert match_quotes(["a b c d"], ["a b c d", "a b c"]) == {0: 0}
    assert match_quotes(["a b c d e f"], ["a b"]) == {}


def test_gum_recall_counts_an_entity_found_by_any_overlapping_mention() -> None:
    text = "Head line\n\nMonday\n\nThe United Nations met in Paris."
    gum = {
        "doc_id": "g",
        "text": text,
        "mentions": [
            {
                "chain": 1,
                "ner": "ORG",
                "identity": "United_Nations",
                "contains_propn": True,
                "start": 19,
                "end": 37,
                "text": "The United Nations",
            },
            {
                "chain": 2,
                "ner": "PLACE",
                "identity": "Paris",
                "contains_propn": True,
                "start": 45,
                "end": 50,
                "text": "Paris",
            },
        ],
    }
    body = "The United Nations met in Paris."
    article = _article(
        body,
        [
            Entity(
                name="United Nations", type="ORG", mentions=[Mention(text="United Nations", start=4, end=18)]
            )
        ],
        [],
    )
    score = score_gum(gum, article)
    assert (score.found, score.total, score.missed) == (1, 2, ["Paris"])


def test_validation_part_is_a_fixed_quarter_chosen_by_id_hash() -> None:
    ids = [f"art-{i:03d}" for i in range(400)]
    held = [i for i in ids if is_validation(i)]
    assert 70 <= len(held) <= 130  # about a quarter
    assert held == [i for i in ids if is_validation(i)]  # deterministic
    result = evaluate([(i, LABELS, _article("x", [], [])) for i in ids[:40]])
    tuning, validation = result.part(validation=False), result.part(validation=True)
    assert len(tuning.articles) + len(validation.articles) == 40
    assert all(is_validation(a.id) for a in validation.articles)
    assert not any(is_validation(a.id) for a in tuning.articles)


def test_precision_at_confidence_keeps_only_confident_predictions() -> None:
    sure = _entity("Volodymyr Zelensky").model_copy(update={"confidence": 0.95})
    unsure_wrong = _entity("Kyivstar Arena", "ORG").model_copy(update={"confidence": 0.4})
    sure_wrong = _entity("Blue Harbour", "ORG").model_copy(update={"confidence": 0.9})
    quotes = [
        Quote(
            text="We need to take extraordinary actions",
            speaker="Zelensky",
            speaker_confidence=0.9,
            start=0,
            end=1,
        )
    ]
    result = evaluate([("a", LABELS, _article("x", [sure, unsure_wrong, sure_wrong], quotes))])
    assert result.entities == PRF(tp=1, fp=2, fn=2)
    assert result.confident_entity_precision == PRF(tp=1, fp=1)
    assert result.confident_speaker_precision == (1.0, 1)
    assert result.confident_desk_precision == (1.0, 1)
