"""Named entities, one per real-world entity, under a canonical name (baseline)."""

from spacy.tokens import Doc

from schemas import Entity, Mention

KEPT = {"PERSON", "ORG", "GPE", "LOC", "NORP"}


def extract_entities(doc: Doc, title: str) -> list[Entity]:
    groups: dict[tuple[str, str], list[Mention]] = {}
    for ent in doc.ents:
        if ent.label_ not in KEPT:
            continue
        name = ent.text[4:] if ent.text.lower().startswith("the ") else ent.text
        groups.setdefault((name, ent.label_), []).append(
            Mention(text=ent.text, start=ent.start_char, end=ent.end_char)
        )
    return [Entity(name=n, type=t, mentions=m) for (n, t), m in groups.items()]
