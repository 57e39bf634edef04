"""Labelled articles with other people's names (pure, seeded): `newsfeed eval --swap-names`.

The dev set's own names are familiar to the rules by now, while unseen news brings names of shapes
the small model cuts or mistypes (hyphenated given names, al-/bin, van der/de la particles, family
name first, one-word names). This transform keeps an article and its labels and replaces every
labelled PERSON, with its aliases and surname forms wherever they occur (title, body, quote texts,
speakers), by an invented name of a chosen shape; honorifics and titles in the text stay as the text
has them. The figure on swapped articles, next to the original one, shows which name shapes break.

Invented names are built from syllable-like parts (no name is taken from the data); a name whose
forms already occur in the article, or in one of its organisation or place labels, is redrawn, and
a person whose forms occur inside an ORG/GPE label is kept as it is (swapping it would change that
label too).
"""

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from processors.story_eval import _rng

# Invented name parts per shape. Each shape builds a full name, its second-reference forms (what a
# reporter writes after the first mention) and its given name.
_KOREAN_FAMILY = ("Paek", "Seol", "Hwang", "Jeon", "Ahn", "Byun", "Tak")
_KOREAN_GIVEN = ("Min-sol", "Ha-rin", "Do-yeon", "Seo-jun", "Ye-bin", "Ji-hwan", "Tae-oh")
_CHINESE_FAMILY = ("Qiu", "Lou", "Yan", "Zhai", "Dou", "Xiang")
_CHINESE_GIVEN = ("Weiqian", "Haoran", "Ruolan", "Zhenbo", "Xinyue", "Jialun")
_ARABIC_GIVEN = ("Abdulkarim", "Nazmi", "Yousef", "Faisal", "Tariq", "Suhaim")
_ARABIC_FATHER = ("Rashid", "Hamad", "Dhafer", "Khalifa", "Marzouq")
_ARABIC_FAMILY = ("Hamdawi", "Qasimi", "Zubaidan", "Mutairan", "Shamlawi", "Harbawi")
_DUTCH_GIVEN = ("Pieterjan", "Maartje", "Joost", "Femke", "Wouter")
_DUTCH_FAMILY = ("van der Brinkhorst", "van den Hoevel", "van Oosterdijk", "de Wittekamp")
_ROMANCE_GIVEN = ("Ximena", "Rodrigo", "Inés", "Baltasar", "Leonor")
_ROMANCE_FAMILY = ("de la Carrasquilla", "del Valderrey", "da Montebranco", "de los Ríosmar")
_WEST_AFRICAN_GIVEN = ("Chidinma", "Oluwaseun", "Kwabena", "Adaeze", "Yaw", "Ifeoma")
_WEST_AFRICAN_FAMILY = ("Okonkwe", "Adeyemola", "Mensabah", "Nwachuku", "Owusuah", "Ekwuebe")
_ONE_WORD = ("Sutarjo", "Wiranata", "Hadiyanto", "Kusumadi", "Prasetyono", "Ronaldeo")
_HYPHEN_FAMILY_GIVEN = ("Marta", "Tomasz", "Ingrid", "Olivier", "Katarzyna")
_HYPHEN_FAMILY = ("Kowalczyk-Brandt", "Lindqvist-Moreau", "Dabrowska-Hale", "Fournier-Okada")
_PLAIN_GIVEN = ("Alwyn", "Melinda", "Trevor", "Fiona", "Declan", "Harriet")
_PLAIN_FAMILY = ("Thornbury", "Ashcombe", "Pellingham", "Wexley", "Brackwell", "Dunsmore")


Pick = Callable[[Sequence[str]], str]


@dataclass(frozen=True)
class InventedName:
    """A replacement person: the full name, the surname forms (first: the usual second reference) and
    the given name. `shape` names the pattern, for the per-shape figures."""

    shape: str
    full: str
    surname: tuple[str, ...]
    given: str


def _korean(pick: Pick) -> InventedName:
    family, given = pick(_KOREAN_FAMILY), pick(_KOREAN_GIVEN)
    return InventedName("family-first-hyphen", f"{family} {given}", (family,), given)


def _chinese(pick: Pick) -> InventedName:
    family, given = pick(_CHINESE_FAMILY), pick(_CHINESE_GIVEN)
    return InventedName("family-first", f"{family} {given}", (family,), given)


def _arabic_nasab(pick: Pick) -> InventedName:
    given, father, family = pick(_ARABIC_GIVEN), pick(_ARABIC_FATHER), pick(_ARABIC_FAMILY)
    full = f"{given} bin {father} al-{family}"
    return InventedName("bin-al", full, (f"al-{family}", family), given)


def _arabic_al(pick: Pick) -> InventedName:
    given, family = pick(_ARABIC_GIVEN), pick(_ARABIC_FAMILY)
    return InventedName("al-surname", f"{given} al-{family}", (f"al-{family}", family), given)


def _dutch(pick: Pick) -> InventedName:
    given, family = pick(_DUTCH_GIVEN), pick(_DUTCH_FAMILY)
    return InventedName("van-particle", f"{given} {family}", (family, family.split()[-1]), given)


def _romance(pick: Pick) -> InventedName:
    given, family = pick(_ROMANCE_GIVEN), pick(_ROMANCE_FAMILY)
    return InventedName("de-la-particle", f"{given} {family}", (family, family.split()[-1]), given)


def _west_african(pick: Pick) -> InventedName:
    given, family = pick(_WEST_AFRICAN_GIVEN), pick(_WEST_AFRICAN_FAMILY)
    return InventedName("west-african", f"{given} {family}", (family,), given)


def _one_word(pick: Pick) -> InventedName:
    name = pick(_ONE_WORD)
    return InventedName("one-word", name, (name,), name)


def _hyphen_surname(pick: Pick) -> InventedName:
    given, family = pick(_HYPHEN_FAMILY_GIVEN), pick(_HYPHEN_FAMILY)
    return InventedName("hyphen-surname", f"{given} {family}", (family,), given)


def _plain(pick: Pick) -> InventedName:
    given, family = pick(_PLAIN_GIVEN), pick(_PLAIN_FAMILY)
    return InventedName("plain", f"{given} {family}", (family,), given)


SHAPES = {
    "family-first-hyphen": _korean,
    "family-first": _chinese,
    "bin-al": _arabic_nasab,
    "al-surname": _arabic_al,
    "van-particle": _dutch,
    "de-la-particle": _romance,
    "west-african": _west_african,
    "one-word": _one_word,
    "hyphen-surname": _hyphen_surname,
    "plain": _plain,  # the control: a familiar shape with a new name
}
_PARTICLES = frozenset(
    {"al", "el", "bin", "ibn", "abu", "van", "von", "der", "den", "de", "la", "le", "da", "del"}
)


@dataclass(frozen=True)
class SwappedArticle:
    """The article with other names; `persons` maps each new PERSON label to its shape, `origin` maps
    it to the label it replaced, and `kept` lists the labelled persons left as they were (their
    forms occur in other labels)."""

    title: str
    body: str
    labels: dict[str, Any]
    persons: dict[str, str]
    origin: dict[str, str]
    kept: tuple[str, ...]


def swap_names(
    article_id: str,
    title: str,
    body: str,
    labels: dict[str, Any],
    seed: int,
    shapes: Sequence[str] | None = None,
) -> SwappedArticle:
    """Replace each labelled PERSON by an invented name, deterministically for (seed, article id).

    `shapes` limits the shapes drawn (default: all of SHAPES). The labels stay consistent: PERSON
    names, entity_aliases, quote texts and speakers get the same replacements as the text.
    """
    chosen = list(shapes or SHAPES)
    unknown = [s for s in chosen if s not in SHAPES]
    if unknown:
        raise ValueError(f"unknown name shape {unknown[0]!r}; expected one of {', '.join(SHAPES)}")
    entities: dict[str, list[str]] = labels.get("entities", {})
    aliases: dict[str, list[str]] = labels.get("entity_aliases", {})
    other_labels = [
        form
        for etype, names in entities.items()
        if etype != "PERSON"
        for name in names
        for form in [name, *aliases.get(name, [])]
    ]
    other_words = {w for form in other_labels for w in _words(form)}
    rng = _rng(seed, article_id, "names")
    taken_text = f"{title}\n{body}"
    mapping: dict[str, str] = {}  # surface form in the text -> its replacement
    renamed: dict[str, str] = {}  # old PERSON label -> new
    speaker_of: dict[str, str] = {}  # any old form of a person -> the new PERSON label
    persons: dict[str, str] = {}
    kept: list[str] = []
    for person in entities.get("PERSON", []):
        forms = [person, *aliases.get(person, [])]
        if any(w in other_words for f in forms for w in _words(f) if w.lower() not in _PARTICLES):
            kept.append(person)
            continue
        new = _draw(rng, chosen, taken_text, other_words, mapping)
        for form in forms:
            mapping.setdefault(form, _counterpart(form, person, new))
            speaker_of.setdefault(form, new.full)
        surname = _surname(person)
        if surname and surname not in mapping:
            mapping[surname] = new.surname[0]  # the surname the text uses though no alias lists it
        renamed[person] = new.full
        persons[new.full] = new.shape
    replace, relabel = _replacer(mapping), _replacer(mapping, capitalise=False)
    new_labels = dict(labels)
    new_labels["entities"] = {
        etype: [renamed.get(n, n) for n in names] if etype == "PERSON" else list(names)
        for etype, names in entities.items()
    }
    new_aliases: dict[str, list[str]] = {}
    for name, forms in aliases.items():
        key = renamed.get(name, name)
        mapped = [relabel(f) for f in forms] if name in renamed else list(forms)
        new_aliases[key] = list(dict.fromkeys(f for f in mapped if f != key))
    new_labels["entity_aliases"] = {k: v for k, v in new_aliases.items() if v}
    new_labels["quotes"] = [
        {**q, "text": replace(q["text"]), "speaker": speaker_of.get(q["speaker"]) or relabel(q["speaker"])}
        for q in labels.get("quotes", [])
    ]
    origin = {new: old for old, new in renamed.items()}
    return SwappedArticle(replace(title), replace(body), new_labels, persons, origin, tuple(kept))


def _words(text: str) -> list[str]:
    return re.findall(r"[\w]+", text)


def _surname(person: str) -> str | None:
    tokens = person.split()
    return tokens[-1] if len(tokens) > 1 else None


def _counterpart(form: str, person: str, new: InventedName) -> str:
    """The new name's form that plays the old form's part: full, given name or a surname form."""
    if form == person:
        return new.full
    tokens = person.split()
    if len(tokens) > 1 and form == tokens[0]:
        return new.given
    bare = re.sub(r"^(?:al|el)-", "", form)
    if bare != form or form in tokens[1:]:
        return new.surname[0]  # "al-X" or a later token: the usual second reference
    return new.surname[-1]  # any other short form: the barest surname


def _draw(
    rng: random.Random, shapes: Sequence[str], text: str, other_words: set[str], mapping: dict[str, str]
) -> InventedName:
    """A name none of whose forms or words already occur in the article or its other labels."""
    used = {w for v in mapping.values() for w in _words(v)}
    for _ in range(200):
        name = SHAPES[rng.choice(list(shapes))](rng.choice)
        words = {w for w in _words(name.full) if w.lower() not in _PARTICLES}
        if words & (used | other_words):
            continue
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in words):
            continue
        return name
    raise ValueError("could not draw an unused invented name; the pool is too small for this article")


def _replacer(mapping: dict[str, str], capitalise: bool = True) -> Callable[[str], str]:
    """Replace whole-word occurrences of the forms, longest first, in one pass (so a replacement is
    never replaced again and "al-X" is not cut into "al-" + the bare form); in running text
    (`capitalise`) a replacement opening a sentence gets a capital, as a reporter would write it."""
    if not mapping:
        return lambda text: text
    forms = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w]|-\w)")

    def one(match: re.Match[str]) -> str:
        new = mapping[match.group(0)]
        start = match.start()
        if capitalise and (start == 0 or _SENTENCE_START.search(match.string[max(0, start - 4) : start])):
            return new[:1].upper() + new[1:]  # "van der X said" opens a sentence as "Van der X"
        return new

    return lambda text: pattern.sub(one, text)


_SENTENCE_START = re.compile(r"(?:[.!?][\"”’]?\s+|\n|[\"“])$")
