"""The story-grouping corpus and its scores (pure, seeded): `newsfeed eval --stories` builds the corpus
from the development articles at run time, so no article text is committed, and the figure is the
same on every run with the same articles and seed.

Each source article gets realistic copies (an edited headline with a dateline, trimmed paragraphs,
reordered paragraphs, an added paragraph, a short wire version of the lead), all with light copy
edits. Hard negatives are different events on the same topic: the other development articles of the same
desk, and for each source article a donor of its desk from the other part of the split (so the
donor's own text is not in the corpus) with the source's place, people and organisations (as
labelled) swapped in: another event in the same city with the same actors.
"""

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

DEFAULT_SEED = 18
VARIANTS = ("headline", "trimmed", "reordered", "added", "wire")

# Invented copy-desk edits: a regional paper's word choices.
_SYNONYMS = {
    "said": "stated",
    "says": "states",
    "killed": "left dead",
    "people": "persons",
    "police": "officers",
    "government": "administration",
    "announced": "revealed",
    "however": "but",
    "also": "additionally",
    "about": "around",
    "reported": "said",
    "more than": "over",
}
_PREFIXES = ("UPDATE: ", "Breaking: ", "", "Report: ")
_SUFFIXES = ("", " - report", " (updated)", ", officials say")
_AGENCIES = ("Wire", "News Service", "Press")
# Invented paragraphs a rewrite adds; {name} is one of the article's own labelled names.
_ADDED = (
    "{name} did not immediately respond to a request for comment. The details could not be "
    "independently verified, and this story may be updated as more information becomes available.",
    "The developments were being closely watched by observers, who noted that {name} had been in "
    "the news repeatedly in recent weeks. Further statements are expected later in the day.",
    "Reporting by staff correspondents; additional reporting from agencies. Readers with "
    "information about {name} can contact the newsroom through the usual channels.",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘])")


@dataclass(frozen=True)
class SourceArticle:
    """A development article as the corpus needs it: its desk and labelled names come from labels."""

    id: str
    title: str
    body: str
    desk: str
    names: dict[str, list[str]] = field(default_factory=dict)  # entity type -> labelled names


@dataclass(frozen=True)
class CorpusItem:
    id: str
    title: str
    body: str
    event: str  # items with the same event are one story
    kind: str  # "original", a VARIANTS name, or "other-event"
    origin: str  # the source article it was built from


@dataclass(frozen=True)
class PairScore:
    true_pos: int
    false_pos: int
    false_neg: int
    hard_pairs: int  # pairs of different events on the same desk
    hard_merged: int
    items: int
    events: int

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    @property
    def false_merge_rate(self) -> float:
        return self.hard_merged / self.hard_pairs if self.hard_pairs else 0.0


def _rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def copy_edit(text: str, rng: random.Random, rate: float = 0.3) -> str:
    """Swap some words for a regional paper's choices (each occurrence with probability `rate`)."""
    for word, other in _SYNONYMS.items():
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        text = pattern.sub(lambda m, o=other: o if rng.random() < rate else m.group(0), text)  # type: ignore[misc]
    return text


def edit_headline(title: str, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(1, len(words))]  # a copy editor drops a word
    text = copy_edit(" ".join(words), rng, rate=0.6)
    return f"{rng.choice(_PREFIXES)}{text}{rng.choice(_SUFFIXES)}"


def _dateline(article: SourceArticle, rng: random.Random) -> str:
    places = article.names.get("GPE") or ["Staff"]
    return f"{rng.choice(places).upper()} ({rng.choice(_AGENCIES)}) - "


def variant(article: SourceArticle, kind: str, seed: int) -> CorpusItem:
    """One realistic copy of the article; deterministic for (seed, article id, kind)."""
    rng = _rng(seed, article.id, kind)
    paras = paragraphs(article.body)
    title = edit_headline(article.title, rng)
    if kind == "headline":
        body_paras = [_dateline(article, rng) + paras[0], *paras[1:]]
    elif kind == "trimmed":
        keep = max(1, round(len(paras) * rng.uniform(0.45, 0.75)))
        body_paras = paras[:keep]
    elif kind == "reordered":
        rest = paras[1:]
        rng.shuffle(rest)
        if len(rest) > 3:
            rest.pop(rng.randrange(len(rest)))
        body_paras = [paras[0], *rest]
    elif kind == "added":
        names = [n for ns in article.names.values() for n in ns] or ["The ministry"]
        added = rng.choice(_ADDED).format(name=rng.choice(names))
        at = rng.randrange(1, len(paras) + 1)
        body_paras = [*paras[:at], added, *paras[at:]]
    elif kind == "wire":
        lead = sentences(paras[0])
        body_paras = [_dateline(article, rng) + " ".join(lead[: rng.choice((1, 2))])]
    else:
        raise ValueError(f"unknown variant kind {kind!r}; expected one of {', '.join(VARIANTS)}")
    body = "\n\n".join(copy_edit(p, rng) for p in body_paras)
    return CorpusItem(f"{article.id}~{kind}", title, body, article.id, kind, article.id)


def other_event(base: SourceArticle, donor: SourceArticle) -> CorpusItem:
    """The donor's event moved to the base article's place and actors: a different event on the same
    topic that shares the names a careless grouping would key on."""
    body, title = donor.body, donor.title
    for kind in ("GPE", "PERSON", "ORG"):
        for old, new in zip(donor.names.get(kind, []), base.names.get(kind, []), strict=False):
            if len(old) > 2 and old != new:
                body = re.sub(rf"\b{re.escape(old)}\b", new, body)
                title = re.sub(rf"\b{re.escape(old)}\b", new, title)
    ident = f"{donor.id}@{base.id}"
    return CorpusItem(ident, title, body, ident, "other-event", base.id)


def build_corpus(
    articles: Sequence[SourceArticle],
    donors: Sequence[SourceArticle],
    seed: int = DEFAULT_SEED,
    variants: Sequence[str] = VARIANTS,
) -> list[CorpusItem]:
    """Originals, their variants and other events on their desks (donors: articles not in the
    corpus), in a seeded stream order."""
    items = [CorpusItem(a.id, a.title, a.body, a.id, "original", a.id) for a in articles]
    for article in articles:
        items.extend(variant(article, kind, seed) for kind in variants)
    unused = list(donors)  # each donor once: two copies of one donor would be one event again
    for article in articles:
        same_desk = [d for d in unused if d.desk == article.desk]
        if same_desk:
            donor = _rng(seed, article.id, "donor").choice(same_desk)
            unused.remove(donor)
            items.append(other_event(article, donor))
    _rng(seed, "order").shuffle(items)
    return items


def score_grouping(
    items: Sequence[CorpusItem], story_of: Callable[[str], str], desk_of: dict[str, str]
) -> PairScore:
    """Pairwise scores of a grouping: a pair is right when both items are (or are not) one event.
    Hard pairs: different events whose source articles share a desk."""
    tp = fp = fn = hard = hard_merged = 0
    for a, b in combinations(items, 2):
        same_event = a.event == b.event
        same_story = story_of(a.id) == story_of(b.id)
        if same_event and same_story:
            tp += 1
        elif same_event:
            fn += 1
        elif same_story:
            fp += 1
        if not same_event and desk_of[a.origin] == desk_of[b.origin]:
            hard += 1
            hard_merged += same_story
    return PairScore(tp, fp, fn, hard, hard_merged, len(items), len({i.event for i in items}))
