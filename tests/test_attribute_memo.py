"""The memoized attribute ruler gives the stock POS, tag, morphology and lemma, token for token."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.attrs import DEP, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

from processors.attribute_memo import MemoAttributeRuler
from streams.clients.sources import load_file

# Multi-token patterns of the model ("let" + "'s", "gon" + "na", "ai" + "n't", "y'" + "all"), words
# the tag decides (PRP, DT, IN), spaces and line breaks, and a word seen twice with two tags.
TEXTS = [
    "Let's go, y'all. I'm gonna win and he ain't done. C'mon! We gotta leave.",
    "That is what they said: that that plan was the one.  Two  spaces,\n\nand a paragraph.",
    "The troops fired shells at the town. Officials said the shelling stopped, and the fire spread.",
    "",
    "   ",
]


def tagged(nlp: Language, text: str) -> Doc:
    """What the alert lane has before the ruler: tokens, tok2vec and tags, no dependencies."""
    doc = nlp.make_doc(text)
    for name in ("tok2vec", "tagger"):
        doc = nlp.get_pipe(name)(doc)
    return doc


def attributes(doc: Doc) -> list[list[int]]:
    return doc.to_array([POS, TAG, MORPH, LEMMA, DEP]).tolist()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def memo(nlp: Language) -> MemoAttributeRuler:
    return MemoAttributeRuler(nlp.get_pipe("attribute_ruler"))


def seed_body() -> str:
    return next(load_file(next(Path("seeds").glob("*.txt")))).body


def test_the_models_ruler_can_be_memoized(memo: MemoAttributeRuler) -> None:
    assert memo.exact and memo.has_multi  # else the comparisons below only test the fallback


@pytest.mark.parametrize("text", [*TEXTS, "seed"])
def test_same_attributes_as_the_stock_ruler(nlp: Language, memo: MemoAttributeRuler, text: str) -> None:
    text = seed_body() if text == "seed" else text
    stock = nlp.get_pipe("attribute_ruler")
    expected, got = stock(tagged(nlp, text)), memo(tagged(nlp, text))
    assert attributes(got) == attributes(expected)


def test_multi_token_patterns_still_apply(nlp: Language, memo: MemoAttributeRuler) -> None:
    doc = memo(tagged(nlp, "Let's go, we are gonna win."))
    assert [t.lemma_ for t in doc if t.text in {"'s", "gon", "na"}] == ["us", "go", "to"]


def test_a_doc_with_dependencies_goes_to_the_stock_component(nlp: Language, memo: MemoAttributeRuler) -> None:
    # The parser sets DEP, which some patterns read ("it" as object is accusative): no memo for it.
    text = "They saw it and it saw them."
    parsed = nlp.get_pipe("parser")(tagged(nlp, text))
    reference = nlp.get_pipe("parser")(tagged(nlp, text))
    assert attributes(memo(parsed)) == attributes(nlp.get_pipe("attribute_ruler")(reference))
    assert "Case=Acc" in str(memo(nlp.get_pipe("parser")(tagged(nlp, text)))[2].morph)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(["Let", "'s", "gon", "na", "it", "that", "The", "said", "fire", "  ", "\n", "."]),
        max_size=30,
    )
)
def test_any_word_sequence_gives_the_stock_attributes(
    nlp: Language, memo: MemoAttributeRuler, words: list[str]
) -> None:
    text = " ".join(words)
    assert attributes(memo(tagged(nlp, text))) == attributes(
        nlp.get_pipe("attribute_ruler")(tagged(nlp, text))
    )
