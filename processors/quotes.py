"""Direct quotations and their speakers (baseline)."""

import re

from spacy.tokens import Doc

from schemas import Entity, Quote

_QUOTE = re.compile(r"[\"“]([^\"“”]{2,}?)[\"”]")


def extract_quotes(doc: Doc, entities: list[Entity]) -> list[Quote]:
    return [
        Quote(text=m.group(1), speaker=None, start=m.start(1), end=m.end(1))
        for m in _QUOTE.finditer(doc.text)
    ]
