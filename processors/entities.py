"""Named entities, one per real-world entity, under a canonical (longest) name.

The small spaCy model finds most names but splits one entity into many surface forms ("Volodymyr
Zelensky", "Zelensky"; "United Nations", "UN", "U.N.") and makes typical errors (countries as ORG,
sentence-initial common words as names, "the"/"'s" inside spans). This module cleans each span,
fixes the type where maintained data (pycountry) or the rest of the article tells us better, and
groups the surface forms of one entity by acronym and name containment.
"""

import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from processors.countries import COUNTRIES, COUNTRY_IDS, COUNTRY_STEMS, SUBDIVISIONS
from processors.name_words import (
    ACRONYM_SKIP,
    ANIMAL_NOUNS,
    APPOSED_ROLES,
    AWARD_HEADS,
    CALENDAR_WORDS,
    COMPETITION_HEADS,
    COMPETITION_LEADS,
    COMPETITION_TAILS,
    COMPLEMENT_HEADS,
    CONCEPT_HEADS,
    CORPORATE_SUFFIXES,
    DOCUMENT_PARTS,
    EURO_PARTICLES,
    EVENT_HEADS,
    FACILITY_HEADS,
    FACILITY_NOUNS,
    GENERIC_BODIES,
    GENERIC_MODIFIERS,
    GROUP_WORDS,
    HYPHEN_TAILS,
    HYPHENS,
    IZAFE_LINKS,
    KEPT,
    LAW_HEADS,
    NAME_CUES,
    NOT_NAMES,
    ORG_WORDS,
    OUTLET_HEAD,
    OUTLET_HEADS,
    OUTLET_ONLY_HEADS,
    PARTICLES,
    PERSON_NOUNS,
    PRODUCT_HEADS,
    ROLE_TAILS,
    ROMANCE_ORG_HEADS,
    SETTLEMENT_NOUNS,
    SMALL_SETTLEMENTS,
    TITLE_LINKS,
    TITLES,
    WATER_NOUNS,
    WORK_NOUNS,
)
from schemas import Entity, Mention

_ATTRIBUTIVE = "ATTRIBUTIVE"  # a span label: the name only modifies a CONCEPT_HEADS noun here
_NOT_NAME_TYPES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})
_MODEL_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z]{1,3}-?\d{1,4}[A-Za-z]?$")
_ORG_HEADS = frozenset(
    {"university", "college", "school", "institute", "foundation", "trust", "company", "group"}
)
# An acronym that keeps a short word in lowercase ("MoD", Ministry of Defence); not "McCain".
_MIXED_ACRONYM = re.compile(r"^[A-Z](?:[a-z]?[A-Z])+$")
_QUOTE_CHARS = "\"'“”‘’«»"
_POSSESSIVE = re.compile(r"['’]s?$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


@dataclass
class _Group:
    """The surface forms of one entity while grouping; the first surface is the longest."""

    name: str
    label: str
    tokens: list[str]
    surfaces: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


def extract_entities(doc: Doc, title: str) -> list[Entity]:
    """Canonical entities of the article, most salient first."""
    text = doc.text
    ents = _rebounded_places(_after_hyphenated_ranks(_joined_complements(_joined_names(doc))))
    spans = [c for ent in ents if ent.label_ in KEPT for c in _clean(ent)]
    spans += _extended_repeats(doc, text, spans)
    spans += _outlet_names(doc, spans)
    spans += _cued_names(doc, spans)
    spans += _untagged_places(doc, spans)
    spans += _affiliation_acronyms(doc, spans)
    spans = _with_acronym_definitions(text, spans)
    spans = _drop_common_words(spans, doc)
    labels = _surface_labels(spans)
    groups = _group_surfaces(labels, _explicit_acronyms(text, spans))
    by_surface = {s: g for g in groups for s in g.surfaces}
    for surface, start, end, _ in spans:
        by_surface[surface].mentions.append(Mention(text=surface, start=start, end=end))
    _add_untagged_mentions(text, groups)
    _add_surname_mentions(text, groups)
    lead_end = _lead_end(text)
    entities = [_to_entity(g, title, lead_end) for g in groups if g.mentions]
    return sorted(entities, key=lambda e: (-e.salience, e.mentions[0].start))


def resolve(name: str, entities: Sequence[Entity]) -> Entity | None:
    """The entity a surface string ("Psaki", "the U.N.", "President Putin") refers to, if any."""
    key = name_key(name)
    if not key:
        return None
    for entity in entities:
        if key in {name_key(s) for s in [entity.name, *entity.aliases]}:
            return entity
    words = _words(key)
    for entity in entities:
        if entity.type == "PERSON" and _contains(_words(name_key(entity.name)), words):
            return entity
    return None


def name_key(name: str) -> str:
    """Compare surfaces without case, leading 'the', honorifics, periods or a possessive."""
    text = _POSSESSIVE.sub("", name.strip(_QUOTE_CHARS + " ,.;:")).replace(".", "").lower()
    text = _LEADING_THE.sub("", " ".join(text.split()))
    words = text.split()
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return " ".join(words)


# --- cleaning one span -------------------------------------------------------------------------


def _clean(ent: Span) -> list[tuple[str, int, int, str]]:
    """Trim a model span to the name itself; a "Name (ACR" span gives the name and the acronym."""
    tokens = list(ent)
    label = ent.label_
    if "(" in ent.text and ")" not in ent.text:
        cut = next(i for i, t in enumerate(tokens) if t.text == "(")
        return _clean_tokens(tokens[:cut], label) + _clean_tokens(tokens[cut + 1 :], label)
    parts = _coordinated_persons(tokens) if label in {"ORG", "GPE", "FAC"} else None
    if parts:
        return [c for part in parts for c in _clean_tokens(part, "PERSON")]
    split = _particle_person(tokens) if label in {"ORG", "GPE", "FAC"} else None
    if split:
        place, person, home = split
        return _clean_tokens(place, "GPE") + _clean_tokens(person, "PERSON") + _clean_tokens(home, "GPE")
    if label == "PERSON":
        cut = next((i for i, t in enumerate(tokens) if t.lower_ == "of" and i > 0), 0)
        place = tokens[cut + 1 :]
        if cut and place and all(t.ent_type_ == "GPE" or name_key(t.text) in COUNTRIES for t in place):
            # "Jan Kowal of Savannah": a person and where they come from
            return _clean_tokens(tokens[:cut], label) + _clean_tokens(tokens[cut + 1 :], "GPE")
    return _clean_tokens(_extend_compound(tokens, label), label)


def _joined_names(doc: Doc) -> list[Span]:
    """The model cuts long personal names in two ("Abd Rabbu" "Mansour Hadi") or before a capitalised
    first part ("Recep" of "Recep Tayyip Erdogan"), after a particle ("Daniel arap" of "Daniel arap
    Moi") or at the hyphen of a given name ("Park Hye" of "Park Hye-won"); the parts of one name are
    one span."""
    out: list[Span] = []
    for ent in doc.ents:
        if ent.label_ == "NORP" and _first_name_as_group(ent):
            out.append(Span(doc, ent.start, ent.end + 1, label="PERSON"))
            continue
        if ent.label_ != "PERSON" and len(ent) == 1 and _given_name(ent[0]):
            end = _through_particles(doc, ent.end)
            if end == ent.end and ent.label_ in {"GPE", "ORG"}:
                end = _untagged_rest_of_name(doc, ent.end)
            if end > ent.end:  # "Maartje" typed a place, "van den Hoevel" untagged
                out.append(Span(doc, ent.start, end, label="PERSON"))
                continue
        if ent.label_ in {"ORG", "GPE"} and _given_name_opens_sentence(ent):
            out.append(Span(doc, ent.start - 1, ent.end, label="PERSON"))  # "Olivier" + "Dabrowska-Hale"
            continue
        if ent.label_ != "PERSON":
            out.append(_with_izafe(ent))
            continue
        start, end = ent.start, ent.end
        while start > 0 and _opens_name(doc[start - 1]):
            start -= 1
        if start == ent.start and _given_name_opens_sentence(ent):
            start -= 1
        while end < len(doc) and doc[end - 1].lower_ in PARTICLES and doc[end].text[:1].isupper():
            end += 1
        chain = end  # "Femke van" + "den Hoevel": the model stopped inside a chain of particles
        while chain < len(doc) and chain - end < 2 and doc[chain].lower_ in PARTICLES:
            chain += 1
        if doc[end - 1].lower_ in PARTICLES and end < chain < len(doc) and doc[chain].text[:1].isupper():
            end = chain + 1
        end = _through_particles(doc, end)  # "Wouter" + "van den Hoevel"
        if (
            ent[0].lower_ in EURO_PARTICLES
            and start == ent.start
            and start > 0
            and _given_name(doc[start - 1])
        ):
            start -= 1  # "Maartje" (untagged, or typed a place) + "van der Brinkhorst"
            if out and out[-1].start == start and out[-1].label_ != "PERSON":
                out.pop()
        elif start == ent.start:
            start = _back_through_particles(doc, start)  # "Ines de la" + "Carrasquilla"
        if end - start >= 2 and end + 1 < len(doc) and _hyphenated_part(doc[end + 1]):
            end += 2  # "Park Hye" + "-won": the model stopped at the hyphen of a given name
        elif (
            end - start >= 3
            and doc[end - 1].text in HYPHENS
            and end < len(doc)
            and _hyphenated_part(doc[end])
        ):
            end += 1  # "Ahn Tae-" + "oh": the model stopped after the hyphen
        elif end + 2 < len(doc) and _hyphenated_given_name(doc[end : end + 3]):
            end += 3  # "Ahn" + "Do-yeon": the model tagged only the family name
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.label_ == "PERSON"
            and prev.end == start
            and doc[start - 1].whitespace_ == " "
            and not doc[start - 1].is_punct
            and doc[start - 1].dep_ != "case"
        ):
            out[-1] = Span(doc, prev.start, end, label="PERSON")
        else:
            out.append(Span(doc, start, end, label="PERSON") if (start, end) != (ent.start, ent.end) else ent)
    return out


def _given_name_opens_sentence(ent: Span) -> bool:
    """The model leaves a given name that opens a sentence out of the name after it ("Olivier" of
    "Olivier Dabrowska-Hale, foreign minister of X, said"): a word opening a sentence is mostly no
    name ("Police", "Government"), so it joins only when a role in apposition makes the name a
    person's."""
    doc = ent.doc
    if ent.start == 0:
        return False
    first = doc[ent.start - 1]
    return (
        first.is_sent_start is True
        and first.dep_ in {"compound", "flat"}
        and first.head.i in range(ent.start, ent.end)
        and _given_name(first)
        and _role_follows(doc, ent.end)
    )


def _hyphenated_rank(ent: Span) -> bool:
    """ "Major-General", "Lieutenant-Colonel": titles joined by hyphens and nothing else."""
    words = [t for t in ent if t.text not in HYPHENS]
    return len(words) >= 2 and len(words) < len(ent) and all(t.lower_ in TITLES for t in words)


def _after_hyphenated_ranks(ents: list[Span]) -> list[Span]:
    """The model types a hyphenated rank as a name of its own and cuts the name after it into
    pieces of any type ("Major-General" + "Marta" + "Kowalska-Hale"): the rank is no name, and the
    name words right after it, up to four, are one person."""
    out: list[Span] = []
    i = 0
    while i < len(ents):
        ent = ents[i]
        if not _hyphenated_rank(ent):
            out.append(ent)
            i += 1
            continue
        doc, j, end = ent.doc, i + 1, ent.end
        while j < len(ents) and ents[j].start == end and ents[j].end - ent.end <= 6:
            if not all(t.text[:1].isupper() or t.text in HYPHENS or _hyphenated_part(t) for t in ents[j]):
                break
            end = ents[j].end
            j += 1
        if j > i + 1:
            out.append(Span(doc, ent.end, end, label="PERSON"))
        i = j
    return out


def _untagged_rest_of_name(doc: Doc, end: int) -> int:
    """Where a one-word place or organisation goes on as a personal name the model left untagged:
    a hyphenated given name ("Hwang" typed GPE + "Do-yeon") or one capitalised name word that ends
    the name ("Zhai" typed GPE + "Zhenbo,"); not a word the article also writes in lowercase, nor a
    given name opening a name of its own ("in Mogadishu Joost van der Hoevel")."""
    if end + 2 < len(doc) and _hyphenated_given_name(doc[end : end + 3]):
        return end + 3
    if end >= len(doc) or doc[end - 1].whitespace_ != " ":
        return end
    word = doc[end]
    last = end + 1
    if last + 1 < len(doc) and doc[last].text in HYPHENS and _hyphen_joined(doc, last):
        last += 2  # "Marta" typed GPE + "Fournier-Okada"
    following = doc[last] if last < len(doc) else None
    if (
        word.ent_iob_ == "O"
        and word.pos_ == "PROPN"
        and _bare_name_word(word)
        and (following is None or not (following.text[:1].isupper() or following.lower_ in PARTICLES))
        and not any(t.lower_ == word.lower_ for t in doc if t.is_lower)
    ):
        return last
    return end


def _with_izafe(ent: Span) -> Span:
    """South Asian and Persian names join their parts with a linking vowel ("Jaish-e-Mohammed",
    "Tehrik-i-Taliban", "Hizb-ut-Tahrir"); the model stops at the first hyphen, so the name (an
    organisation's: these are groups and parties, not peoples) goes on to the word after the link."""
    doc, end = ent.doc, ent.end
    if (
        end + 3 < len(doc)
        and doc[end].text in HYPHENS
        and doc[end + 1].lower_ in IZAFE_LINKS
        and doc[end + 2].text in HYPHENS
        and doc[end + 3].text[:1].isupper()
        and doc[end + 3].is_alpha
        and not any(t.whitespace_ for t in doc[end - 1 : end + 3])
    ):
        return Span(doc, ent.start, end + 4, label="ORG")
    return ent


def _through_particles(doc: Doc, end: int) -> int:
    """A person's name goes on through lowercase European particles to the capitalised word after
    them ("Wouter" + "van den Hoevel", "Baltasar" + "de los Rios")."""
    k = end
    while k < len(doc) and k - end < 3 and doc[k].is_lower and doc[k].lower_ in EURO_PARTICLES:
        k += 1
    if end < k < len(doc) and doc[k].text[:1].isupper() and doc[k].is_alpha and not doc[k].is_sent_start:
        return k + 1
    return end


def _hyphenated_given_name(tokens: Span) -> bool:
    """A short capitalised syllable, a hyphen and a short lowercase one ("Do-yeon", "Min-sol"): the
    given name after a family name, not an English compound ("Co-founder", "Anti-war")."""
    first, hyphen, last = tokens
    return (
        first.ent_iob_ == "O"
        and first.is_alpha
        and first.text[:1].isupper()
        and not first.is_upper
        and len(first) <= 4
        and first.lower_ not in {"co", "ex", "anti", "pro", "non", "re", "pre", "post", "mid", "sub", "vice"}
        and len(last) <= 4
        and first.doc[first.i - 1].whitespace_ == " "
        and _hyphenated_part(last)
        and hyphen.text in HYPHENS
    )


def _back_through_particles(doc: Doc, start: int) -> int:
    """The start of an untagged given name and particles before a name ("Ines de la" of "Ines de la
    Carrasquilla", when the model tagged only "Carrasquilla")."""
    k = start
    while k > 0 and start - k < 3 and doc[k - 1].is_lower and doc[k - 1].lower_ in EURO_PARTICLES:
        k -= 1
    if k < start and k > 0 and doc[k - 1].ent_iob_ == "O" and _given_name(doc[k - 1]):
        return k - 1
    return start


def _given_name(token: Token) -> bool:
    """A capitalised word right before a name that opens with a particle is its given name, even when
    the model typed it a place or left it untagged; not a country, an office or a nationality."""
    return (
        token.ent_type_ not in {"PERSON", *_NOT_NAME_TYPES}
        and (
            token.ent_iob_ == "O"
            or (
                token.ent_iob_ == "B"
                and token.i + 1 < len(token.doc)
                and token.doc[token.i + 1].ent_iob_ != "I"
            )
        )
        and token.pos_ == "PROPN"
        and _bare_name_word(token)
    )


def _joined_complements(ents: list[Span]) -> list[Span]:
    """The model cuts a name before the rest of its complement: after "of" ("Democratic Republic of"
    + "the Congo"), before "for"/"on" after an organisation's head noun ("Joint Council" + "for the
    Welfare of Immigrants"), or before the second part of a coordinated complement ("National
    Council for Peace" + "and Order", not "and Jan Kowal"). The capitalised words that complete the
    name join it, and any span the model made of them is dropped. "X of Y" in general stays apart:
    "the Ministry of Defence of Ruritania" is a ministry and a country."""
    out: list[Span] = []
    for ent in ents:
        if out and ent.start < out[-1].end:
            continue  # consumed by the name before it
        end = _complement_end(ent)
        out.append(ent if end == ent.end else Span(ent.doc, ent.start, end, label=ent.label_))
    return out


def _complement_end(ent: Span) -> int:
    doc, end = ent.doc, ent.end
    if end >= len(doc):
        return end
    last, nxt = doc[end - 1], doc[end]
    if last.lower_ in {"of", "the"} and len(ent) > 1:
        skip = last.lower_ == "of" and nxt.lower_ == "the"
        return _capitalised_run(doc, end + skip, connectors=False) or end
    if ent.label_ != "ORG" or end + 1 >= len(doc):
        return end
    if nxt.lower_ in COMPLEMENT_HEADS.get(last.lower_, ()):
        return _capitalised_run(doc, end + 1 + (doc[end + 1].lower_ == "the"), connectors=True) or end
    if nxt.lower_ in {"and", "&"} and any(t.lower_ in {"of", "for", "on"} for t in ent[1:-1]):
        run = _capitalised_run(doc, end + 1, connectors=False)
        part = doc[end + 1 : run] if run else None
        if (
            part is not None
            and len(part) <= 3
            and part.root.dep_ == "conj"
            and ent.start <= part.root.head.i < end
            and part[-1].lower_ not in ORG_WORDS | set(COMPLEMENT_HEADS)
            and not any(t.is_upper or t.ent_type_ == "GPE" for t in part)
            and (len(part) == 1 or not any(t.ent_type_ == "PERSON" for t in part))
        ):
            return run
    return end


def _capitalised_run(doc: Doc, start: int, connectors: bool) -> int:
    """End of the capitalised proper nouns from `start` (0 if none), through "of"/"and"/"the" between
    them when `connectors`; dates and numbers ("on Monday") are not part of a name."""
    i, end = start, 0
    while i < len(doc):
        token = doc[i]
        if _capitalised_propn(token) and not token.is_sent_start and token.ent_type_ not in _NOT_NAME_TYPES:
            i += 1
            end = i
        elif connectors and end and token.lower_ in {"of", "and", "the", "&"}:
            i += 1
        else:
            break
    return end


def _first_name_as_group(ent: Span) -> bool:
    """A given name the model typed as a nationality or group ("Ozcan" of "Ozcan Yalcin"): a proper
    noun compounded into the untagged capitalised word that ends the phrase after it. A real group
    word before a name is an adjective or heads a longer phrase ("French Formula Nissan")."""
    doc = ent.doc
    if len(ent) != 1 or ent.end >= len(doc):
        return False
    first, last = ent[0], doc[ent.end]
    if ent.end + 1 < len(doc) and any(c.isdigit() for c in doc[ent.end + 1].text):
        return False  # a code goes on with the name ("Launch Pad 39A")
    return (
        first.pos_ == "PROPN"
        and not _group_word(first.lower_)
        and first.dep_ == "compound"
        and first.head.i == last.i
        and _capitalised_propn(last)
        and last.ent_iob_ == "O"
        and not last.is_upper
        and not last.is_sent_start
        and last.dep_ not in {"compound", "flat"}
        and last.lower_ not in TITLES | ORG_WORDS | PERSON_NOUNS
        and first.whitespace_ == " "
    )


def _group_word(word: str) -> bool:
    """A nationality, religion or ethnic group: a listed word, or one that begins like a country's
    name ("Pakistani", "British", "Iraqi")."""
    return word in GROUP_WORDS or word[:4] in COUNTRY_STEMS


def _opens_name(token: Token) -> bool:
    """An untagged capitalised proper noun compounded into the name that follows it, not an office."""
    return (
        token.pos_ == "PROPN"
        and token.ent_iob_ == "O"
        and token.text[:1].isupper()
        and not token.is_upper
        and not token.is_sent_start
        and token.dep_ in {"compound", "flat"}
        and token.lower_.rstrip(".") not in TITLES
        and token.lower_ not in PERSON_NOUNS
    )


def _extend_compound(tokens: list[Token], label: str) -> list[Token]:
    """The model often cuts a name short ("Omar Hassan" of "Omar Hassan Farah", "Herald" of
    "Sunday Herald"); untagged capitalised proper nouns joined to the span by the parse belong to it.
    A person's name grows only to the right: words before it are mostly offices ("Premier", "Speaker")."""
    if label not in {"PERSON", "ORG"} or not tokens:
        return tokens
    doc = tokens[0].doc
    inside = {t.i for t in tokens}
    left, right = tokens[0].i, tokens[-1].i
    while right + 1 < len(doc) and _joins_name(doc[right + 1], inside):
        right += 1
        inside.add(right)
    while label == "ORG" and left > 0 and _joins_name(doc[left - 1], inside):
        left -= 1
        inside.add(left)
    if (left, right) == (tokens[0].i, tokens[-1].i):
        return tokens
    return (
        [doc[i] for i in range(left, tokens[0].i)]
        + tokens
        + [doc[i] for i in range(tokens[-1].i + 1, right + 1)]
    )


def _joins_name(token: Token, inside: set[int]) -> bool:
    if token.pos_ != "PROPN" or token.ent_iob_ != "O" or not token.text[:1].isupper() or token.is_upper:
        return False
    if token.lower_.rstrip(".") in TITLES or token.is_sent_start:
        return False
    return token.head.i in inside or any(
        c.i in inside and c.dep_ in {"compound", "flat"} for c in token.children
    )


def _extended_repeats(
    doc: Doc, text: str, spans: list[tuple[str, int, int, str]]
) -> list[tuple[str, int, int, str]]:
    """An untagged repeat of a found name can be part of a longer name the model never tagged
    ("Herald" found, "the Sunday Herald" not); the longer name is then a surface of its own."""
    labels = {s[0]: s[3] for s in spans if s[3] in {"PERSON", "ORG"} and len(s[0]) > 2}
    if not labels:
        return []
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(s) for s in sorted(labels, key=len, reverse=True))
        + r")(?![\w-])"
    )
    taken = sorted((s[1], s[2]) for s in spans)
    found: list[tuple[str, int, int, str]] = []
    for match in pattern.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        span = doc.char_span(match.start(), match.end())
        if span is None:
            continue
        label = labels[match.group()]
        tokens = _extend_compound(list(span), label)
        if len(tokens) > len(span):
            found += _clean_tokens(tokens, label)
    return found


def _outlet_names(doc: Doc, spans: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Newspapers the small model misses or calls an event ("The Daily Record reported", "according
    to the Morning Herald"): capitalised proper nouns ending in a newspaper's head word, after "the"
    (or with a head no other kind of name ends in: Herald, Tribune, Gazette, ...), are an outlet."""
    found: list[tuple[str, int, int, str]] = []
    taken = sorted((s[1], s[2]) for s in spans)
    for match in OUTLET_HEAD.finditer(doc.text):
        heads = doc.char_span(match.start(), match.end())
        if heads is None or len(heads) != 1 or not _in_outlet(heads[0]):
            continue
        end = heads[0].i
        if end + 1 < len(doc) and _in_outlet(doc[end + 1]):
            continue  # the name goes on ("Herald Sun"): its last word decides
        start = end
        while start > 0 and _in_outlet(doc[start - 1]):
            start -= 1
        after_the = start > 0 and doc[start - 1].lower_ == "the"
        if start < end and (doc[end].lower_ in OUTLET_ONLY_HEADS or after_the):
            start_char, end_char = doc[start].idx, match.end()
            if not _overlaps(start_char, end_char, taken):
                found.append((doc.text[start_char:end_char], start_char, end_char, "ORG"))
    return found


def _cued_names(doc: Doc, spans: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Names the model left untagged where the text says they are a person's: right after an
    honorific or occupation ("Passenger Wiranata told", "goalkeeper Wiranata", "Secretary of State
    Wiranata"), or before a comma and a role ("Wiranata, deputy Prime Minister", "Jan Brandt-Okada,
    a spokesperson for")."""
    found: list[tuple[str, int, int, str]] = []
    taken = sorted((s[1], s[2]) for s in spans)
    lower_words: set[str] | None = None
    i, n = 0, len(doc)
    while i < n:
        if not _untagged_name_word(doc[i]) or (
            i > 0
            and (
                _untagged_name_word(doc[i - 1])
                or not (doc[i - 1].whitespace_ or doc[i - 1].is_space or doc[i - 1].text == "[")
            )
        ):
            i += 1
            continue
        end = i + 1
        while end < n and end - i < 4:
            if _untagged_name_word(doc[end]) and doc[end - 1].whitespace_:
                end += 1
            elif end + 1 < n and doc[end].text in HYPHENS and _hyphen_joined(doc, end):
                end += 2
            elif end + 1 < n and _hyphenated_part(doc[end + 1]) and doc[end].text in HYPHENS:
                end += 2  # "Paek Min" + "-sol"
            elif _through_particles(doc, end) > end:
                end = _through_particles(doc, end)  # "Ines" + "de la Rios"
            else:
                break
        run = doc[i:end]
        after_cue = (
            i > 0 and not run[0].is_sent_start and _is_name_cue(doc[i - 1]) and run[-1].dep_ != "compound"
        )
        cued = after_cue or _role_follows(doc, end) or _person_by_context(doc, i, end)
        if cued and not _overlaps(run.start_char, run.end_char, taken):
            if lower_words is None:
                lower_words = {t.lower_ for t in doc if t.is_lower}
            if not any(t.lower_ in lower_words for t in run if not t.is_lower):
                found.append((run.text, run.start_char, run.end_char, "PERSON"))
        i = end
    return found


def _affiliation_acronyms(
    doc: Doc, spans: list[tuple[str, int, int, str]]
) -> list[tuple[str, int, int, str]]:
    """ "Jan Kowal of ADPL", "Jan Kowal from the NPP": an acronym the model left untagged after a
    person and "of"/"from" is the party or body the person belongs to."""
    found: list[tuple[str, int, int, str]] = []
    taken = sorted((s[1], s[2]) for s in spans)
    for ent in doc.ents:
        if ent.label_ != "PERSON" or ent.end + 1 >= len(doc) or doc[ent.end].lower_ not in {"of", "from"}:
            continue
        k = ent.end + 1 + (doc[ent.end + 1].lower_ == "the")
        if k >= len(doc):
            continue
        token = doc[k]
        if (
            token.ent_iob_ == "O"
            and token.is_upper
            and token.is_alpha
            and 2 <= len(token) <= 6
            and not (k + 1 < len(doc) and doc[k + 1].text[:1].isupper())
            and not _overlaps(token.idx, token.idx + len(token), taken)
        ):
            found.append((token.text, token.idx, token.idx + len(token), "ORG"))
    return found


def _untagged_name_word(token: Token) -> bool:
    return (
        token.ent_type_ not in KEPT
        and token.ent_type_ not in _NOT_NAME_TYPES
        and token.pos_ == "PROPN"
        and _bare_name_word(token)
    )


def _hyphen_joined(doc: Doc, hyphen: int) -> bool:
    """ "Brandt" "-" "Okada": a hyphen between two capitalised words, no space around it."""
    return (
        not doc[hyphen - 1].whitespace_
        and not doc[hyphen].whitespace_
        and doc[hyphen + 1].text[:1].isupper()
        and doc[hyphen + 1].is_alpha
    )


def _role_follows(doc: Doc, end: int) -> bool:
    """ ", a spokesperson", ", deputy Prime Minister", ", the provincial governor", ", of the National
    Foundation", ", Ruritania's foreign minister", ", the group's spokesman": a role or an
    affiliation in apposition."""
    after = doc[end : end + 7]
    if len(after) < 3 or after[0].text != ",":
        return False
    k = 1
    if after[k].lower_ == "of":
        k += after[k + 1].lower_ == "the"
        return k + 1 < len(after) and _capitalised_propn(after[k + 1])
    if after[k].lower_ in {"a", "an", "the", "his", "her", "their", "its"}:
        k += 1
    if k + 2 < len(after) and after[k + 1].text in {"'s", "’s"} and after[k].pos_ in {"PROPN", "NOUN"}:
        k += 2  # "Ruritania's foreign minister", "the group's spokesman"
    cues = TITLES | PERSON_NOUNS | NAME_CUES | APPOSED_ROLES
    while (
        k + 1 < len(after)
        and (after[k].pos_ == "ADJ" or (after[k].dep_ == "compound" and after[k].pos_ in {"NOUN", "PROPN"}))
        and after[k].lower_ not in cues
        and k < 5
    ):
        k += 1  # "the provincial governor", "a security analyst", "a senior Hamas official"
    word = after[k]
    return word.is_lower and (word.lower_ in cues or _occupation(word))


def _occupation(token: Token) -> bool:
    """A lowercase noun that names what a person does by its ending ("engineer", "historian",
    "scientist"): no other nouns of seven letters or more end so."""
    return token.pos_ == "NOUN" and len(token.text) >= 7 and token.lower_.endswith(("eer", "ian", "ist"))


def _in_outlet(token: Token) -> bool:
    return token.ent_type_ not in KEPT and _capitalised_propn(token)


def _capitalised_propn(token: Token) -> bool:
    return token.pos_ == "PROPN" and token.text[:1].isupper() and token.text.isalpha()


_DEFINED = re.compile(
    r"((?:(?:[A-Z][\w'’&.-]*|of|for|and|the|on|in|de)\s+){1,9})\(([A-Z]{2,8})(?:-[A-Z0-9]{1,2})?\)"
)
# An acronym in brackets after a name, with a faction's suffix: "(MDC)", "(MoD)", "(ABC-N)", and after
# a bracketed faction letter: "Majlis Ulama-e Nizam (S) (MUN-S)".
_BRACKETED = re.compile(r"(?:\s*\([A-Z]\))?\s*\(([A-Z][\w.&]*?)(-[A-Z0-9]{1,2})?\)")


def _with_acronym_definitions(
    text: str, spans: list[tuple[str, int, int, str]]
) -> list[tuple[str, int, int, str]]:
    """ "United Nations High Commissioner for Refugees (UNHCR)": the capitalised words whose initials
    spell the acronym after them are one organisation's name, however the model cut it; the parts it
    tagged inside that name are not names of their own."""
    found: list[tuple[str, int, int, str]] = []
    for match in _DEFINED.finditer(text):
        words = list(re.finditer(r"\S+", match.group(1)))
        acronym = match.group(2).lower()
        for i in range(len(words)):
            tail = [w.group() for w in words[i:]]
            if (
                tail[0][:1].isupper()
                and tail[0].lower() not in ACRONYM_SKIP
                and _acronym([w.lower() for w in tail]) == acronym
                and len(tail) > 1
            ):
                start = match.start(1) + words[i].start()
                end = match.start(1) + words[-1].end()
                # Only names the model saw at least in part: "Gross Domestic Product (GDP)" is not one.
                if any(start <= s[1] and s[2] <= end and s[3] in {"ORG", "GPE", "PERSON"} for s in spans):
                    found.append((text[start:end], start, end, _retype(text[start:end], "ORG")))
                break
    if not found:
        return spans
    kept = [s for s in spans if not any(f[1] <= s[1] and s[2] <= f[2] and s != f for f in found)]
    return kept + [f for f in found if f not in kept]


def _clean_tokens(tokens: list[Token], label: str) -> list[tuple[str, int, int, str]]:
    while tokens and _is_edge_noise(tokens[0]):
        tokens = tokens[1:]
    if label in {"ORG", "GPE", "FAC"} and _cued_person(tokens):
        label = "PERSON"  # "Dr X", "Bowler X Y", "State X" of "Secretary of State X"
    while tokens and (_is_edge_noise(tokens[0]) or (label == "PERSON" and _is_title(tokens[0], tokens))):
        tokens = tokens[1:]
    while tokens and (
        (
            _is_edge_noise(tokens[-1])
            and not (len(tokens) > 3 and _hyphenated_part(tokens[-1]))
            and not _faction_letter(tokens)
        )
        or tokens[-1].text in {"'s", "’s", "'", "’"}
        or (label == "ORG" and len(tokens) > 1 and tokens[-1].lower_ in ROLE_TAILS)
    ):
        tokens = tokens[:-1]
    if not tokens or not any(t.text[:1].isupper() for t in tokens):
        return []
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    text = tokens[0].doc[tokens[0].i : tokens[-1].i + 1].text
    if text.endswith(("'s", "’s")):
        text, end = text[:-2], end - 2
    if text.startswith(("pro-", "anti-", "ex-")) or "\n" in text:
        return []
    if _names_a_product(tokens):
        return [(text, start, end, "PRODUCT")]
    if _names_an_event(tokens):
        return [(text, start, end, "EVENT")]
    if label in {"PERSON", "ORG", "GPE", "FAC"} and _names_a_work(tokens):
        return [(text, start, end, "WORK")]
    if label in {"ORG", "GPE"} and _in_person_context(tokens):
        return [(text, start, end, "PERSON")]
    return [(text, start, end, _place_cue(tokens, label) or _retype(text, label))]


def _place_cue(tokens: list[Token], label: str) -> str | None:
    """The words around a name say what kind of place it is, where the small model guesses from
    its spelling: "the village of Al-Maya" (typed LOC) and "near Karakocan town" (typed NORP) are
    GPE; "Kandilli observatory", "Bakara market" (typed PERSON) are facilities and "the river
    Clyde" (typed GPE) is not a GPE."""
    doc = tokens[0].doc
    first, last = tokens[0].i, tokens[-1].i
    before = doc[first - 1] if first > 0 else None
    after = doc[last + 1] if last + 1 < len(doc) else None
    if before is not None and before.is_lower and before.lower_ in WATER_NOUNS and len(tokens) == 1:
        return "LOC"
    if label == "GPE":
        return None
    area = doc[first - 2].lower_ if first > 1 and doc[first - 1].lower_ == "of" else ""
    if label == "LOC" and area in SMALL_SETTLEMENTS:
        return "GPE"  # a region may be called a province or a district, not a village
    if after is None or not after.is_lower or after.tag_ != "NN":
        return None
    if after.lower_ in SETTLEMENT_NOUNS and label != "PERSON" and before is not None and before.pos_ == "ADP":
        return "GPE"  # "near Karakocan town", not "a Kurdish town"
    if after.lower_ in FACILITY_HEADS | FACILITY_NOUNS and label == "PERSON":
        return "FAC"
    if after.lower_ in CONCEPT_HEADS and label in {"PERSON", "ORG"} and tokens[-1].dep_ == "compound":
        return _ATTRIBUTIVE
    return None


def _in_person_context(tokens: list[Token]) -> bool:
    """A two- or three-word name the model typed ORG or GPE is a person when the text says so: an
    office or a person noun right before it ("colleague Jan Kowal") or in apposition ("their
    colleague, Jan Kowal,", "Jan Kowal, a spokesman for ...")."""
    words = [t for t in tokens if not t.is_punct and not (t.is_lower and t.lower_ in PARTICLES)]
    if len(words) == 1 == len(tokens) and words[0].pos_ == "PROPN" and _bare_name_word(words[0]):
        doc = words[0].doc  # "Wiranata, the governor of X", "president-elect Wiranata"
        return _role_follows(doc, words[0].i + 1) or _office_elect_before(doc, words[0].i)
    if not 2 <= len(words) <= 3 or not all(t.text[:1].isupper() and not t.is_upper for t in words):
        return False
    key = name_key(" ".join(t.text for t in words))
    if key in COUNTRIES or key in SUBDIVISIONS or any(w in ORG_WORDS for w in key.split()):
        return False
    doc = tokens[0].doc
    root = doc[tokens[0].i : tokens[-1].i + 1].root
    before = doc[tokens[0].i - 1] if tokens[0].i > 0 else None
    if before is not None and before.is_lower and before.lower_ in TITLES | PERSON_NOUNS:
        return True
    if _office_elect_before(doc, tokens[0].i):
        return True
    if root.dep_ == "appos" and root.head.lower_ in TITLES | PERSON_NOUNS:
        return True
    after = doc[tokens[-1].i + 1 : tokens[-1].i + 4]
    if len(after) >= 2 and after[0].text == ",":
        following = (
            after[2] if after[1].lower_ in {"a", "an", "the", "his", "her"} and len(after) > 2 else after[1]
        )
        return following.is_lower and following.lower_ in TITLES | PERSON_NOUNS
    return False


def _office_elect_before(doc: Doc, start: int) -> bool:
    """ "president-elect X", "prime minister-designate X": an office not yet taken, written in
    lowercase right before the name, makes it a person's, as the office alone does."""
    return (
        start >= 3
        and doc[start - 1].lower_ in {"elect", "designate"}
        and doc[start - 2].text in HYPHENS
        and doc[start - 3].is_lower
        and doc[start - 3].lower_ in TITLES
    )


def _names_a_product(tokens: list[Token]) -> bool:
    """A make or model: a model code in or right after the name ("Buk M1", "Boeing 777", "Antonov
    An-26"), or a vehicle or weapon noun right after it ("Abrams tanks", "Antonov aircraft")."""
    if any(_MODEL_CODE.match(t.text) for t in tokens[1:]):
        return True
    doc = tokens[0].doc
    after = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
    if after is None:
        return False
    if after.ent_type_ == "PRODUCT" or _MODEL_CODE.match(after.text):
        return True
    return after.is_lower and after.lower_ in PRODUCT_HEADS


def _names_an_event(tokens: list[Token]) -> bool:
    """A competition, race or award ("Coppa Valdora", "Formula Nissan", "First Intifada"), by the
    words of the span or the award head after it ("Halvorsen" of "Halvorsen Prize-winning")."""
    words = name_key(" ".join(t.text for t in tokens)).split()
    if not words:
        return False
    if words[-1] in COMPETITION_HEADS or " ".join(words[-2:]) in COMPETITION_TAILS:
        return True
    if len(words) > 1 and words[0] in COMPETITION_LEADS:
        return True
    doc, first, last = tokens[0].doc, tokens[0].i, tokens[-1].i
    after = doc[last + 1 : last + 3]
    if after and after[0].text in {"'s", "’s"}:
        after = after[1:]
    if after and after[0].text in AWARD_HEADS:
        return True
    return first > 1 and doc[first - 1].lower_ == "of" and doc[first - 2].text == "Hours"


def _names_a_work(tokens: list[Token]) -> bool:
    """A title of a book, film or strip, or a character's or animal's name: right after a work noun
    it stands in apposition to ("the second book Burning Sky"), quoted before one, or given after
    one with "named"/"called" ("a dog character named \"Rufus\"")."""
    doc, first, last = tokens[0].doc, tokens[0].i, tokens[-1].i
    before = doc[first - 1] if first > 0 else None
    if before is not None and before.is_lower and before.lower_ in WORK_NOUNS:
        root = doc[first : last + 1].root
        if (root.dep_ == "appos" and root.head.i == before.i) or (
            before.dep_ == "compound" and first <= before.head.i <= last
        ):
            return True
    opening = first - 1
    while opening >= 0 and (doc[opening].text[:1].isupper() or doc[opening].lower_ in TITLE_LINKS):
        opening -= 1
    if opening < 0 or doc[opening].text not in _QUOTE_CHARS:
        return False
    closing = last + 1
    while closing < len(doc) and (doc[closing].text[:1].isupper() or doc[closing].lower_ in TITLE_LINKS):
        closing += 1
    if closing >= len(doc) or doc[closing].text not in _QUOTE_CHARS:
        return False
    after = doc[closing + 1] if closing + 1 < len(doc) else None
    if after is not None and after.is_lower and after.lower_ in WORK_NOUNS:
        return True  # a quoted title before the noun for its kind
    namer = doc[opening - 1] if opening > 0 else None
    return (
        namer is not None
        and namer.lower_ in {"named", "called"}
        and namer.head.lower_ in WORK_NOUNS | ANIMAL_NOUNS
    )


def _is_edge_noise(token: Token) -> bool:
    """Determiners, punctuation, quote marks and lowercase words do not begin or end a name."""
    if token.is_punct or token.text in _QUOTE_CHARS or token.is_space or token.lower_ in {"the", "a", "an"}:
        return True
    return token.is_lower and token.lower_ not in PARTICLES and not token.lower_.startswith(("al-", "el-"))


def _hyphenated_part(token: Token) -> bool:
    """The lowercase end of a hyphenated name ("-yan" of "Lee Cheuk-yan", "-un" of "Kim Jong-un") is
    part of it, unlike a compound's English tail ("-led", "-based", "-style")."""
    doc = token.doc
    if token.i < 2 or not token.is_alpha or token.lower_ in HYPHEN_TAILS:
        return False
    hyphen, stem = doc[token.i - 1], doc[token.i - 2]
    return hyphen.text in HYPHENS and not hyphen.whitespace_ and not stem.whitespace_ and stem.is_alpha


def _is_title(token: Token, tokens: list[Token]) -> bool:
    return len(tokens) > 1 and (token.lower_.rstrip(".") in TITLES or _is_name_cue(token))


def _is_name_cue(token: Token) -> bool:
    """An honorific or occupation glued before a name ("Dr", "Bowler", "Environmentalist"), or the
    last word of an office before it ("State" of "Secretary of State")."""
    word = token.lower_.rstrip(".")
    if word in NAME_CUES or (len(word) >= 7 and word.endswith("ist") and token.text[:1].isupper()):
        return True
    doc, i = token.doc, token.i
    if word == "lady" and i > 0 and doc[i - 1].lower_ == "first":
        return True  # "First Lady X"
    if word == "minster" and i > 0 and doc[i - 1].lower_ == "prime":
        return True  # the common misspelling "Prime Minster X"
    return word in TITLES and i >= 2 and doc[i - 1].lower_ == "of" and doc[i - 2].lower_ in TITLES


def _coordinated_persons(tokens: list[Token]) -> list[list[Token]] | None:
    """ "Pieterjan de Wit and Ines da Monte" typed one organisation: personal names joined by "and"
    (one of two or more words), not a firm named for two people ("Marks and Spencer"); in an
    organisation's span also by commas ("A de B, C and D", "a spokesman for de B, C,"), unless a
    part is a country or region ("Fort Worth, Texas")."""
    tokens = _extend_compound(tokens, tokens[0].ent_type_) if tokens else tokens
    commas = bool(tokens) and tokens[0].ent_type_ == "ORG"
    cuts = [i for i, t in enumerate(tokens) if t.lower_ == "and" or (commas and t.text == ",")]
    if not cuts:
        return None
    bounds = [-1, *cuts, len(tokens)]
    parts = [tokens[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a + 1]
    sizes = [_name_words(part) for part in parts]
    particle = any(t.is_lower and t.lower_ in PARTICLES for t in tokens)  # "del Rio, X": a surname
    if len(parts) < 2 or 0 in sizes or (max(sizes) < 2 and not particle) or max(sizes) > 4:
        return None
    if any(t.text == "," for t in tokens) and any(
        name_key(" ".join(t.text for t in part)) in COUNTRIES for part in parts
    ):
        return None
    return parts


def _particle_person(tokens: list[Token]) -> tuple[list[Token], list[Token], list[Token]] | None:
    """A European particle name typed as an organisation or place, alone or glued to what the model
    read with it: "Baltasar de la Carrasquilla", "Mogadishu Ines de los Rios" (a place known from
    the article before it), "First Lady Ines de los Rios" (a title), "Ines de los Rios of Orange
    Park" (where she comes from). The name is one or two given names, the particles and one family
    name; not "the Banco de X", "Petroleos de Venezuela" (a country) or a longer name with more
    words after the family name ("Federacion Nacional de Cafeteros de Colombia")."""
    doc = tokens[0].doc
    if tokens[0].lower_ == "the" or (tokens[0].i > 0 and doc[tokens[0].i - 1].lower_ == "the"):
        return None
    at = next((i for i, t in enumerate(tokens) if t.is_lower and t.lower_ in EURO_PARTICLES), None)
    if not at:
        return None
    end = at
    while end < len(tokens) and tokens[end].is_lower and tokens[end].lower_ in EURO_PARTICLES:
        end += 1
    if end >= len(tokens) or not _bare_name_word(tokens[end]):
        return None
    end += 1
    while end + 1 < len(tokens) and tokens[end].text in HYPHENS and _bare_name_word(tokens[end + 1]):
        end += 2  # "de la Carrasquilla-Reyes"
    home = tokens[end + 1 :] if end < len(tokens) and tokens[end].lower_ == "of" else tokens[end:]
    if home and (
        len(home) == len(tokens) - end or not all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in home)
    ):
        return None
    start = at
    while start > 0 and at - start < 2 and _bare_name_word(tokens[start - 1]):
        start -= 1
    if start == at or _unaccented(tokens[start].lower_) in ROMANCE_ORG_HEADS:
        return None  # no given name, or an institution ("Banco de X")
    if at - start == 2 and _known_place_span(tokens[: start + 1]):
        start += 1  # "Mogadishu" + "Ines de los Rios"
    place = tokens[:start]
    if place and _is_name_cue(place[-1]):
        place = []  # a title before the name
    elif place and not _known_place_span(place):
        return None
    return place, tokens[start:end], home


def _known_place(token: Token) -> bool:
    return token.ent_type_ == "GPE" or name_key(token.text) in COUNTRIES or token.text in {",", "-"}


def _known_place_span(tokens: list[Token]) -> bool:
    """A country, or words the model tags as a GPE elsewhere in the article ("Mogadishu")."""
    text = " ".join(t.text for t in tokens)
    key = name_key(text)
    return (
        key in COUNTRIES
        or key in SUBDIVISIONS
        or any(e.label_ == "GPE" and e.text == text for e in tokens[0].doc.ents)
    )


def _name_words(tokens: list[Token]) -> int:
    """How many personal-name words the tokens are (0 if any is not one): particles and the parts of
    a hyphenated name do not count."""
    count = 0
    for t in tokens:
        if t.text in HYPHENS or (t.is_lower and t.lower_ in PARTICLES) or _hyphenated_part(t):
            continue
        if not _bare_name_word(t) or t.pos_ != "PROPN":
            return 0
        if t.i == 0 or t.doc[t.i - 1].text not in HYPHENS:
            count += 1
    return count


def _cued_person(tokens: list[Token]) -> bool:
    """A place or organisation span that opens with a personal cue and goes on with one to four
    capitalised name words is a person the model mistyped ("Dr Wiranata" as ORG)."""
    ranked = len(tokens) > 3 and tokens[0].lower_ in TITLES and tokens[1].text in HYPHENS
    if ranked:
        tokens = tokens[2:]  # "Major-General"
    if len(tokens) < 2 or not (_is_name_cue(tokens[0]) or (ranked and tokens[0].lower_ in TITLES)):
        return False
    rest = [
        t
        for t in tokens[1:]
        if not (t.is_lower and t.lower_ in PARTICLES) and t.text not in HYPHENS and t.text not in {"'s", "’s"}
    ]
    return 1 <= len(rest) <= 4 and all(_bare_name_word(t) for t in rest if not _hyphenated_part(t))


def _bare_name_word(token: Token) -> bool:
    """A capitalised word that can be part of a personal name: not an office, a person noun, an
    organisation's or a facility's head, a country or a nationality."""
    word = token.lower_
    return (
        token.text[:1].isupper()
        and token.is_alpha
        and not token.is_upper
        and word not in TITLES
        and word not in NAME_CUES
        and word not in PERSON_NOUNS
        and word not in ORG_WORDS
        and word not in FACILITY_HEADS
        and word not in _ORG_HEADS
        and word not in CORPORATE_SUFFIXES
        and word not in COUNTRIES
        and word not in SUBDIVISIONS
        and word not in GROUP_WORDS
        and not (word[:4] in COUNTRY_STEMS and word.endswith(("an", "ese", "ish", "i", "ic", "ch")))
    )


def _retype(text: str, label: str) -> str:
    """Countries are GPE whatever the model said; facilities, events and laws are not ORG or GPE."""
    key = name_key(text)
    words = key.split()
    if key in COUNTRIES and label != "NORP":
        return "GPE"
    if label in {"ORG", "LOC", "NORP"} and key in SUBDIVISIONS and len(words) > 0:
        return "GPE" if label != "NORP" else label
    if label == "ORG" and _generic_body(words):
        return "NONE"
    if key in NOT_NAMES or (len(words) == 1 and len(key) > 5 and key.endswith("ism")):
        return "NONE"
    if words and words[0] in DOCUMENT_PARTS and (len(words) == 1 or (len(words) == 2 and len(words[1]) <= 3)):
        return "NONE"
    if len(words) > 1 and words[-1] in FACILITY_HEADS:
        return "FAC"
    if (
        len(words) > 1
        and words[0] in FACILITY_HEADS
        and words[1] not in {"of", "for"}
        and words[-1] not in _ORG_HEADS
    ):
        return "FAC"
    if len(words) > 1 and words[-1] in PRODUCT_HEADS:
        return "PRODUCT"
    if len(words) > 1 and (words[0] == "operation" or words[-1] in EVENT_HEADS):
        return "EVENT"
    if len(words) > 1 and words[-1] in LAW_HEADS and label != "PERSON":
        return "LAW"
    return label


def _generic_body(words: Sequence[str]) -> bool:
    """A capitalised description of a government, not its name: "the Federal Government", "Yemeni
    Authorities" (a name has a word of its own, "Kurdistan Regional Government", or more than one
    modifier, "Transitional Federal Government")."""
    return (
        len(words) == 2
        and words[-1] in GENERIC_BODIES
        and (words[0] in GENERIC_MODIFIERS or _group_word(words[0]))
    )


def _drop_common_words(spans: list[tuple[str, int, int, str]], doc: Doc) -> list[tuple[str, int, int, str]]:
    """One-word "names" that the article also writes in lowercase are capitalised common words."""
    lower_words = {t.lower_ for t in doc if t.is_lower}
    return [
        s
        for s in spans
        if " " in s[0]
        or s[0].isupper()
        or (s[0].lower() not in lower_words and s[0].lower() not in TITLES and not _common_word(s, doc))
    ]


def _common_word(span: tuple[str, int, int, str], doc: Doc) -> bool:
    """A one-word "person" or "organisation" the tagger did not read as a proper noun ("Realistically,"
    or "Lunar" opening a sentence) is a common word, unless it has a capital inside ("MoD")."""
    tokens = doc.char_span(span[1], span[2])
    if span[3] not in {"PERSON", "ORG"} or tokens is None or len(tokens) != 1:
        return False  # places the model found are names even when tagged as adjectives ("pro-X camp")
    if tokens[0].pos_ in {"PROPN", "X", ""} or not tokens[0].is_sent_start:
        return False
    word = span[0]
    key = word.lower()
    return word[1:] == word[1:].lower() and key not in COUNTRIES and key not in SUBDIVISIONS


def _surface_labels(spans: Iterable[tuple[str, int, int, str]]) -> dict[str, str]:
    """Each distinct surface with its majority type, in order of first mention; a surface seen only
    as the modifier of a concept ("the Varden classification") is no name, one also seen as a name
    ("the Kimberley process", "Kimberley said") keeps its other mentions' type."""
    votes: dict[str, Counter[str]] = {}
    for text, _, _, label in spans:
        votes.setdefault(text, Counter())[label] += 1
    labels: dict[str, str] = {}
    for text, c in votes.items():
        named = [label for label, _ in c.most_common() if label != _ATTRIBUTIVE]
        labels[text] = named[0] if named else "NONE"
    return labels


# --- grouping surfaces into entities -------------------------------------------------------------


def _group_surfaces(labels: dict[str, str], acronyms: dict[str, str]) -> list[_Group]:
    """Longest surfaces first; each shorter one joins the entity it abbreviates or is contained in,
    and a country's other names join it ("America" the "United States")."""
    persons = [_words(name_key(s)) for s, lab in labels.items() if lab == "PERSON"]
    order = sorted(labels, key=lambda s: (-len(_words(name_key(s))), -len(s)))
    groups: list[_Group] = []
    by_key: dict[str, _Group] = {}
    by_country: dict[str, _Group] = {}
    for surface in order:
        key = name_key(surface)
        label = labels[surface]
        if label != "PERSON" and key not in COUNTRIES and _is_part_of_person(_words(key), persons):
            label = "PERSON"
        country = COUNTRY_IDS.get(key) if label == "GPE" else None
        group = (
            by_key.get(_unaccented(key))
            or (by_country.get(country) if country else None)
            or _find_parent(surface, key, label, groups, acronyms)
        )
        if group is None:
            group = _Group(name=_canonical(surface), label=label, tokens=_words(key))
            groups.append(group)
        group.surfaces.append(surface)
        by_key.setdefault(_unaccented(key), group)
        if country and group.label == "GPE":
            by_country.setdefault(country, group)
    return groups


def _find_parent(
    surface: str, key: str, label: str, groups: list[_Group], acronyms: dict[str, str]
) -> _Group | None:
    words = _words(key)
    compact = surface.replace(".", "").replace(" ", "")
    initials = compact if compact.isupper() else "".join(c for c in compact if c.isupper())
    # An acronym the article defines after an organisation's name is that organisation even where the
    # model typed a later use a person ("JUI-F's leader").
    defined = compact in acronyms
    if (
        2 <= len(compact) <= 6
        and (label != "PERSON" or defined)
        and (compact.isupper() or _MIXED_ACRONYM.match(compact))
    ):
        for group in groups:
            if group.label != "PERSON" and (
                _acronym(group.tokens) == initials.lower() or acronyms.get(compact) == group.name
            ):
                return group
    candidates = [
        g
        for g in groups
        if _compatible(label, g.label) and len(g.tokens) > len(words) and _is_short_form(g, words)
    ]
    if not candidates:
        return None
    if label == "PERSON":
        surname = [g for g in candidates if g.tokens[-1] == words[-1]]
        candidates = surname or candidates
    return candidates[0]


def _compatible(label: str, group_label: str) -> bool:
    """Containment joins a person to a person and an organisation to an organisation; places never
    (Kasai is not West Kasai, Panama is not Panama City)."""
    if label == "PERSON" or group_label == "PERSON":
        return label == group_label
    return label == group_label == "ORG" or {label, group_label} == {"ORG", "FAC"}


def _is_short_form(group: _Group, words: Sequence[str]) -> bool:
    """Any part of a person's name refers to them; an organisation is shortened to its head
    ("Security Council", "Senate") or to the part before "of"/"for"/"at" ("Liberal Party" of Ruritania),
    not to a modifier ("UN" is not the UN Security Council, "Arab League" not its Mission)."""
    tokens = group.tokens
    if group.label == "PERSON":
        return _contains(tokens, words)
    n = len(words)
    if list(tokens[-n:]) == list(words):
        return True
    # also without the country it belongs to ("House" of "U.S. House of Representatives"), and to
    # the part before a campus ("University of X" of "University of X at Y")
    core = tokens[1:] if tokens[0] in COUNTRIES and len(tokens) > n + 2 else tokens
    if any(list(seq[:n]) == list(words) and seq[n] in {"of", "for", "at"} for seq in (tokens, core)):
        return True
    return tokens[-1] in CORPORATE_SUFFIXES and _corporate_core(tokens) == list(words)


def _corporate_core(tokens: Sequence[str]) -> list[str]:
    """The name a company goes by: without its legal form, up to the first comma ("Globex, Hart & Co.")."""
    core: list[str] = []
    for word in tokens[:-1]:
        core.append(word.rstrip(","))
        if word.endswith(","):
            break
    return core


def _is_part_of_person(words: Sequence[str], persons: Sequence[Sequence[str]]) -> bool:
    """A surname or first name the model typed as a place or organisation, given the full name."""
    return any(len(p) > len(words) and _contains(p, words) for p in persons)


def _words(key: str) -> list[str]:
    """Name words for comparison: hyphenated parts split, particles dropped (al-Hakim = Hakim), and
    without accents, which news often drops in later mentions ("Chávez", "Chavez")."""
    words = [w for w in re.split(r"[\s\-‐–]+", _unaccented(key)) if w]
    kept = [w for w in words if w not in PARTICLES]
    return kept or words


def _unaccented(key: str) -> str:
    if key.isascii():
        return key
    return "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))


def _acronym(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w not in ACRONYM_SKIP and w[:1].isalpha())


def _explicit_acronyms(text: str, spans: Sequence[tuple[str, int, int, str]]) -> dict[str, str]:
    """ "Movement for Democratic Change (MDC)" defines MDC even when the initials do not spell it,
    and a faction's "(ABC-N)" defines that whole form (also when the model's span ran on into the
    bracket: "Department of State (DoS" is cut before it, so the bracket follows the cleaned name)."""
    found: dict[str, str] = {}
    for surface, _, end, label in spans:
        match = _BRACKETED.match(text, end) if label != "PERSON" else None
        if match and (match.group(1).isupper() or _MIXED_ACRONYM.match(match.group(1))):
            found[match.group(1) + (match.group(2) or "")] = _canonical(surface)
    return found


def _canonical(surface: str) -> str:
    """The name without a leading "the" (kept when the article's own name begins with "The")."""
    return _LEADING_THE.sub("", surface) if surface[:4].lower() == "the " else surface


# --- mentions, aliases, salience ------------------------------------------------------------------


def _add_untagged_mentions(text: str, groups: list[_Group]) -> None:
    """The model misses some repeats of a name it found elsewhere; one regex pass adds them."""
    surfaces = {s: g for g in groups for s in g.surfaces if len(s) > 2}
    if not surfaces:
        return
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
        + r")(?![\w-])"
    )
    taken = sorted((m.start, m.end) for g in groups for m in g.mentions)
    for match in pattern.finditer(text):
        if not _overlaps(match.start(), match.end(), taken):
            surfaces[match.group()].mentions.append(
                Mention(text=match.group(), start=match.start(), end=match.end())
            )
    for g in groups:
        g.mentions.sort(key=lambda m: m.start)


def _add_surname_mentions(text: str, groups: list[_Group]) -> None:
    """After "Jane Doe" a news text says "Doe" ("Doe's statement", "Doe added"), which the model
    often leaves untagged: a surname no other entity shares is a mention of the full name."""
    words = Counter(w for g in groups for w in {w for s in g.surfaces for w in name_key(s).split()})
    surnames: dict[str, _Group] = {}
    for g in groups:
        parts = g.name.split()
        if g.label == "PERSON" and len(parts) > 1 and g.mentions:
            last = parts[-1].rstrip(".,")
            if len(last) > 2 and last[:1].isupper() and last.lower() not in TITLES | PARTICLES:
                surnames[last] = g
    unique = {s: g for s, g in surnames.items() if words[s.lower()] == 1}
    if not unique:
        return
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in unique) + r")(?![\w-])")
    taken = sorted((m.start, m.end) for g in groups for m in g.mentions)
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()].split()
        prev = before[-1] if before else ""
        joined = (
            prev[:1].isupper()
            and prev.lower().rstrip(".") not in TITLES | CALENDAR_WORDS
            and prev[-1] not in ".,:;"
        )
        if joined or _overlaps(match.start(), match.end(), taken):
            continue  # "Jane Doe" of another name, or a mention already found
        group = unique[match.group()]
        group.mentions.append(Mention(text=match.group(), start=match.start(), end=match.end()))
    for g in groups:
        g.mentions.sort(key=lambda m: m.start)


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    i = bisect_left(spans, (start, start))
    return any(s < end and start < e for s, e in spans[max(0, i - 1) : i + 1])


def _lead_end(text: str) -> int:
    end = text.find("\n\n")
    return end if end >= 0 else len(text)


def _to_entity(group: _Group, title: str, lead_end: int) -> Entity:
    """Salience: half from mention count (saturating at 5), then a bonus for the title and the lead."""
    in_title = any(s in title and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", title) for s in group.surfaces)
    in_lead = group.mentions[0].start < lead_end
    salience = 0.5 * min(len(group.mentions), 5) / 5 + 0.3 * in_title + 0.2 * in_lead
    aliases = sorted({m.text for m in group.mentions} - {group.name})
    return Entity(
        name=group.name,
        type=group.label,
        mentions=group.mentions,
        aliases=aliases,
        salience=round(min(salience, 1.0), 3),
        confidence=_confidence(group),
    )


def _confidence(group: _Group) -> float:
    """The share of such entities that were right on the tuning articles: known countries and
    regions, full personal names and repeated places are nearly always right; a lone one-word
    "person" is often a place, a brand or a common word."""
    key = name_key(group.name)
    repeated = len(group.mentions) > 1
    if group.label == "GPE" and (key in COUNTRIES or key in SUBDIVISIONS):
        return 0.97
    if group.label == "PERSON":
        return (0.95 if repeated else 0.93) if len(group.tokens) > 1 else 0.6
    if group.label == "GPE":
        return 0.95 if repeated else 0.88
    if group.label == "ORG":
        return 0.85 if repeated and len(group.tokens) > 1 else (0.78 if len(group.tokens) == 1 else 0.82)
    return 0.5


# --- span boundaries: place names the model cuts or over-extends ---------------------------------

# Heads of a subdivision's name: "Zorivka Oblast of Ukraine" is the oblast and the country.
SUBDIVISION_HEADS = frozenset(
    ["oblast", "province", "region", "district", "county", "governorate", "prefecture", "state", "krai"]
)
_CAPITAL_DISTRICTS = frozenset(["D.C.", "DC"])


def _rebounded_places(ents: list[Span]) -> list[Span]:
    """Place names the model cuts or over-extends: a city and its district after a comma
    ("Westport, D.C." is one name, not two), a district name with a number in it ("North 12
    Mandalas": the model stops after the number) and a subdivision followed by its country ("the
    Varna Oblast of Ruritania": two places, not one organisation); a possessive place before an
    outlet's name is split from it (`_owner_and_outlet`), and a party name joined by an izafe link
    goes on past the model's span (`_izafe_party_end`)."""
    out: list[Span] = []
    skip_to = 0
    for n, ent in enumerate(ents):
        if ent.start < skip_to:
            continue
        doc = ent.doc
        nxt = ents[n + 1] if n + 1 < len(ents) else None
        if (
            ent.label_ == "GPE"
            and nxt is not None
            and nxt.text in _CAPITAL_DISTRICTS
            and nxt.start == ent.end + 1
            and doc[ent.end].text == ","
        ):
            out.append(Span(doc, ent.start, nxt.end, label="GPE"))
            skip_to = nxt.end
            continue
        end = _numbered_district_end(ent)
        if end > ent.end:
            out.append(Span(doc, ent.start, end, label="GPE"))
            skip_to = end
            continue
        end = _izafe_party_end(ent)
        if end > ent.end:
            out.append(Span(doc, ent.start, end, label="ORG"))
            skip_to = end
            continue
        out.extend(s for part in _subdivision_of_country(ent) for s in _owner_and_outlet(part))
    return out


def _numbered_district_end(ent: Span) -> int:
    """ "North 12" + "Mandalas": a place name ending in a number goes on to the capitalised proper
    nouns after it."""
    doc = ent.doc
    if ent.label_ != "GPE" or len(ent) < 2 or not ent[-1].like_num or not ent[0].text[:1].isupper():
        return ent.end
    end = ent.end
    while end < len(doc) and _capitalised_propn(doc[end]) and doc[end - 1].whitespace_:
        if doc[end].ent_iob_ == "I" or doc[end].ent_type_ in _NOT_NAME_TYPES:
            break
        end += 1
    return end


def _subdivision_of_country(ent: Span) -> list[Span]:
    if ent.label_ not in {"ORG", "GPE", "LOC", "FAC"} or len(ent) < 4:
        return [ent]
    cut = next((i for i, t in enumerate(ent) if t.lower_ == "of" and 1 < i < len(ent) - 1), 0)
    if not cut or ent[cut - 1].lower_ not in SUBDIVISION_HEADS:
        return [ent]
    country = ent[cut + 1 :]
    if name_key(country.text) not in COUNTRIES:
        return [ent]
    doc = ent.doc
    subdivision = Span(doc, ent.start, ent.start + cut, label="GPE")
    return [subdivision, Span(doc, country.start, country.end, label="GPE")]


# --- span boundaries: a possessive place before an outlet's name ---------------------------------


def _owner_and_outlet(ent: Span) -> list[Span]:
    """ "Westport's Evening Post" tagged as one name is the city and its newspaper: the outlet's
    name starts after the possessive. The owner is a place when it is a known one or a lone proper
    noun that ends no person's name in the article; a person or a group word before the possessive
    ("the People's Post") is left alone."""
    if (
        ent.label_ not in {"ORG", "FAC", "EVENT", "WORK_OF_ART"}
        or ent[-1].lower_ not in OUTLET_HEADS | OUTLET_ONLY_HEADS
    ):
        return [ent]
    cut = next((i for i, t in enumerate(ent) if t.text in {"'s", "’s"} and 0 < i < len(ent) - 2), 0)
    if not cut:
        return [ent]
    owner, outlet = ent[:cut], ent[cut + 1 :]
    if not all(t.text[:1].isupper() for t in outlet) or not (
        _known_place_span(list(owner))
        or (
            len(owner) == 1
            and _capitalised_propn(owner[0])
            and owner[0].lower_ not in PERSON_NOUNS | GROUP_WORDS
            and not any(e.label_ == "PERSON" and e[-1].text == owner.text for e in ent.doc.ents)
        )
    ):
        return [ent]
    doc = ent.doc
    return [Span(doc, owner.start, owner.end, label="GPE"), Span(doc, outlet.start, outlet.end, label="ORG")]


# --- span boundaries: izafe party names ----------------------------------------------------------


def _izafe_party_end(ent: Span) -> int:
    """Where a party name joined by an izafe link goes on past the model's span (see `_with_izafe`):
    after a country and the untagged word before the link ("Ruritania Tanzeem-e-Adl", the model
    tagging only the country), with a space after the link ("Majlis Ulama-e Nizam", the model tagging
    the two sides apart), and through a bracketed faction letter ("... (S)")."""
    doc, k = ent.doc, ent.end
    if (
        ent.label_ == "GPE"
        and name_key(ent.text) in COUNTRIES
        and k + 1 < len(doc)
        and doc[k].ent_iob_ == "O"
        and _capitalised_propn(doc[k])
        and not doc[k].whitespace_
    ):
        k += 1
    elif ent.label_ != "ORG":
        return ent.end
    if k + 2 >= len(doc) or doc[k].text not in HYPHENS or doc[k + 1].lower_ not in IZAFE_LINKS:
        return ent.end
    if doc[k - 1].whitespace_ or doc[k].whitespace_:
        return ent.end
    if doc[k + 2].text in HYPHENS and not doc[k + 1].whitespace_ and not doc[k + 2].whitespace_:
        last = k + 3
    elif doc[k + 1].whitespace_:
        last = k + 2
    else:
        return ent.end
    if last >= len(doc) or not (doc[last].text[:1].isupper() and doc[last].is_alpha):
        return ent.end
    end = last + 1
    if end + 2 < len(doc) and _faction_letter(list(doc[end - 1 : end + 3])):
        end += 3
    return end


def _faction_letter(tokens: list[Token]) -> bool:
    """A name ending in a bracketed capital letter, a party's faction ("... (S)")."""
    return (
        len(tokens) > 3
        and tokens[-3].text == "("
        and tokens[-1].text == ")"
        and len(tokens[-2].text) == 1
        and tokens[-2].text.isupper()
    )


# --- recall: untagged names the context makes persons ---------------------------------------------

_LIST_SEPARATORS = frozenset([",", "and", "&"])
_BRACKET_CUES = frozenset(["he", "she", "him", "her", "my", "our"])


def _person_by_context(doc: Doc, start: int, end: int) -> bool:
    """An untagged name `doc[start:end]` is a person's when its neighbours are persons in a list
    ("Jan Kowal, Wiranata and Piet Brandt"), when it is the subject before "of" an organisation
    ("Wiranata of the Ruritanian Survey told reporters"), or when a quote names in brackets a person
    it called by a noun or a pronoun ("my daughter [Anna Wiranata]", "he [Wiranata]")."""
    if start > 1 and doc[start - 1].text == "[" and end < len(doc) and doc[end].text == "]":
        before = doc[start - 2]
        return before.lower_ in PERSON_NOUNS or before.lower_ in _BRACKET_CUES
    if _listed_persons(doc, start, end) >= 2:
        return True
    k = end + 1 + (end + 1 < len(doc) and doc[end + 1].lower_ == "the")
    return (
        end + 1 < len(doc)
        and doc[end].lower_ == "of"
        and k < len(doc)
        and doc[k].ent_type_ == "ORG"
        and "B" in {doc[k].ent_iob_, doc[end + 1].ent_iob_}
        and doc[end - 1].dep_ in {"nsubj", "nsubjpass"}
    )


def _listed_persons(doc: Doc, start: int, end: int) -> int:
    """How many tagged persons stand next to the name in a list joined by commas and "and"."""
    count = 0
    i = start - 1  # leftwards: separators, then a person's name ending there
    while i > 0 and doc[i].lower_ in _LIST_SEPARATORS:
        while i > 0 and doc[i].lower_ in _LIST_SEPARATORS:
            i -= 1
        if doc[i].ent_type_ != "PERSON":
            break
        count += 1
        while i > 0 and doc[i].ent_iob_ == "I":
            i -= 1
        i -= 1
    j = end  # rightwards
    while j + 1 < len(doc) and doc[j].lower_ in _LIST_SEPARATORS:
        while j + 1 < len(doc) and doc[j].lower_ in _LIST_SEPARATORS:
            j += 1
        if doc[j].ent_type_ != "PERSON" or doc[j].ent_iob_ != "B":
            break
        count += 1
        j += 1
        while j < len(doc) and doc[j].ent_iob_ == "I":
            j += 1
    return count


# --- recall: untagged countries and subdivisions -------------------------------------------------


def _untagged_places(doc: Doc, spans: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """A lone capitalised word the model left untagged that names a country or a first-level
    subdivision in pycountry ("Tasmania was excluded", "the capital of Male") is that place: the
    small model misses such names at a sentence start or after a preposition. Not a word the article
    also writes in lowercase, nor one inside a longer capitalised name or glued to a hyphen."""
    found: list[tuple[str, int, int, str]] = []
    taken = sorted((s[1], s[2]) for s in spans)
    lower_words: set[str] | None = None
    for token in doc:
        word = token.lower_
        if (
            token.ent_iob_ != "O"
            or token.pos_ != "PROPN"
            or len(token) < 4
            or not _capitalised_propn(token)
            or token.is_upper
            or (word not in SUBDIVISIONS and word not in COUNTRIES)
        ):
            continue
        nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
        prev = doc[token.i - 1] if token.i > 0 else None
        if nxt is not None and (nxt.text[:1].isupper() or nxt.text in HYPHENS or not token.whitespace_):
            continue
        if prev is not None and (
            not prev.whitespace_ or (prev.text[:1].isupper() and not token.is_sent_start)
        ):
            continue
        if lower_words is None:
            lower_words = {t.lower_ for t in doc if t.is_lower}
        if word in lower_words or _overlaps(token.idx, token.idx + len(token), taken):
            continue
        found.append((token.text, token.idx, token.idx + len(token), "GPE"))
    return found
