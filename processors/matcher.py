"""The small lemma-sequence matcher that the escalation rules and the desk lexicon share: patterns
('launch|fire missile'), and the token forms (words and lemmas, indexed) of a parsed or an unparsed
text, computed once per document."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from spacy.attrs import LEMMA, LOWER, ORTH, SPACY
from spacy.tokens import Doc

# A year or decade ("1988", "1990s") is indexed as this pseudo-word, so rules can treat dated references.
YEAR_FORM = "#year"
_YEAR = re.compile(r"^(?:19|20)\d\d(?:s|'s)?$")
_WORD = re.compile(r"\w+|'s\b|[^\w\s]")


@dataclass(frozen=True)
class Pattern:
    """A lemma sequence: each slot is a set of accepted lowercased lemmas or word forms."""

    text: str
    slots: tuple[frozenset[str], ...]


def compile_pattern(text: str) -> Pattern:
    """'launch|fire missile' -> two slots; hyphens are their own tokens, as spaCy splits them."""
    words = re.sub(r"(?<=\w)-(?=\w)", " - ", text.strip().lower()).split()
    slots = tuple(frozenset(alt for alt in word.split("|") if alt) for word in words)
    if not slots or any(not slot for slot in slots):
        raise ValueError(f"empty pattern or alternative in {text!r}")
    unknown = [alt for slot in slots for alt in slot if alt.startswith("#") and alt != YEAR_FORM]
    if unknown:
        raise ValueError(f"unknown pseudo-word {unknown[0]!r} in {text!r} (known: {YEAR_FORM})")
    return Pattern(text=text, slots=slots)


def compile_variants(text: str) -> list[Pattern]:
    """A hyphenated pattern also matches the spaced and the closed-up spelling ('cease-fire')."""
    variants = [text]
    if re.search(r"\w-\w", text):
        variants += [re.sub(r"(?<=\w)-(?=\w)", " ", text), re.sub(r"(?<=\w)-(?=\w)", "", text)]
    return [compile_pattern(v) for v in dict.fromkeys(variants)]


@dataclass
class TokenForms:
    """Tokens of one text with an index from each lowercased word form and lemma to its positions."""

    texts: list[str]
    lemmas: list[str]
    index: dict[str, list[int]]
    text: str = ""

    @classmethod
    def from_doc(cls, doc: Doc) -> "TokenForms":
        """Read token attributes as one array: creating Token objects costs more than all the matching."""
        rows = doc.to_array([ORTH, LOWER, LEMMA, SPACY]).tolist() if len(doc) else []
        strings = doc.vocab.strings
        names = {key: strings[key] for key in {key for row in rows for key in row[:3]}}
        lower_lemma = {key: names[key].lower() for key in {row[2] for row in rows}}
        texts = [names[row[0]] for row in rows]
        lemmas = [lower_lemma[row[2]] for row in rows]
        index: dict[str, list[int]] = {}
        for i, (row, lem) in enumerate(zip(rows, lemmas, strict=True)):
            low = names[row[1]]
            index.setdefault(low, []).append(i)
            if lem != low:
                index.setdefault(lem, []).append(i)
            if low[:1].isdigit() and _YEAR.match(low):
                index.setdefault(YEAR_FORM, []).append(i)
        text = "".join(t + " " * row[3] for t, row in zip(texts, rows, strict=True))
        return cls(texts, lemmas, index, text)

    @classmethod
    def from_text(cls, text: str, lemmas: dict[str, str] | None = None) -> "TokenForms":
        """Forms for text we have no parse of (the title): the body's lemma for the word, or a guess."""
        return cls._from_words(text, _WORD.findall(text), lemmas or {})

    @classmethod
    def _from_words(cls, text: str, words: list[str], lemmas: dict[str, str]) -> "TokenForms":
        index: dict[str, list[int]] = {}
        lows = [word.lower() for word in words]
        for i, low in enumerate(lows):
            lemma = lemmas.get(low) if lemmas else None
            for form in _word_forms(low) if lemma is None or lemma == low else {lemma, *_word_forms(low)}:
                if form in index:
                    index[form].append(i)
                else:
                    index[form] = [i]
        return cls(words, [lemmas.get(low, low) for low in lows] if lemmas else lows, index, text)

    def find(self, pattern: Pattern, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Token spans [i, j) in [start, end) where the pattern matches.

        Intersects the start positions implied by each slot, so a rare word anywhere in the pattern
        keeps the search short.
        """
        index = self.index
        candidates: set[int] = set()
        for k, slot in enumerate(pattern.slots):
            here = {i - k for alt in slot for i in index.get(alt, ())}
            candidates = here if k == 0 else candidates & here
            if not candidates:
                return []
        end = len(self.texts) if end is None else end
        n = len(pattern.slots)
        return [(i, i + n) for i in sorted(candidates) if start <= i and i + n <= end]


def first_words(patterns: Iterable[Pattern]) -> frozenset[str]:
    """Every word a match of these patterns starts with: a text lacking all of them needs no search."""
    return frozenset(alt for p in patterns for alt in p.slots[0])


# Past forms of security verbs that suffix stripping cannot undo.
_IRREGULAR = {
    "struck": "strike",
    "shot": "shoot",
    "fought": "fight",
    "sent": "send",
    "broke": "break",
    "broken": "break",
    "took": "take",
    "taken": "take",
    "fell": "fall",
    "fallen": "fall",
    "led": "lead",
    "held": "hold",
    "began": "begin",
    "begun": "begin",
    "overran": "overrun",
    "flew": "fly",
    "drove": "drive",
    "threw": "throw",
}


@lru_cache(maxsize=65536)
def _word_forms(low: str) -> tuple[str, ...]:
    """A lowercased word's index forms without a parse: itself, its guessed lemmas, the year form.
    Memoized: news repeats its vocabulary, and guessing every word of every article anew was a tenth
    of the alert lane's CPU."""
    forms = {low, *_guess_lemmas(low)}
    return (*forms, YEAR_FORM) if _YEAR.match(low) else tuple(forms)


def _guess_lemmas(word: str) -> set[str]:
    """Cheap inflection stripping for title words the body never uses ('shells' -> 'shell')."""
    out = {_IRREGULAR[word]} if word in _IRREGULAR else set()
    for suffix, repl in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.add(word[: -len(suffix)] + repl)
    return out


_FORMS_KEY = "newsfeed.token_forms"


def forms_of(doc: Doc) -> TokenForms:
    """The doc's token forms, computed once and shared by the desk classifier and the rules."""
    cached = doc.user_data.get(_FORMS_KEY)
    if not isinstance(cached, TokenForms):
        cached = TokenForms.from_doc(doc)
        doc.user_data[_FORMS_KEY] = cached
    return cached


def lemma_map(doc: Doc) -> dict[str, str]:
    """Word -> lemma as the parser saw it in the body, to lemmatize the (unparsed) title."""
    forms = forms_of(doc)
    return {t.lower(): lem for t, lem in zip(forms.texts, forms.lemmas, strict=True)}


@dataclass(frozen=True)
class WordForms:
    """Forms of an unparsed text (guessed lemmas) with each word's character span."""

    forms: TokenForms
    offsets: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> "WordForms":
        matches = list(_WORD.finditer(text))
        forms = TokenForms._from_words(text, [m.group() for m in matches], {})
        return cls(forms, [m.span() for m in matches])


def spaced(text: str) -> str:
    """' word word ' lowercased, so a name can be looked up in a title at word boundaries."""
    return f" {' '.join(_WORD.findall(text.lower()))} "
