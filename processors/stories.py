"""Same-story detection: MinHash LSH over word shingles of the body and of the lead (pure).

Two articles are one story when their bodies (word 3-shingles plus entity names) have a Jaccard
similarity of at least `body_threshold`, or when the shorter one's lead is contained in the other's
lead (a short wire version, a trimmed copy). The index is bounded: entries older than the window
are dropped (`expire`), and beyond `max_entries` the oldest go first. Time is given by the caller.
"""

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 3
LEAD_WORDS = 40  # about the first sentence or two: what a wire version of the lead keeps
MIN_SHINGLES = 5  # fewer words than this: too little text to call two articles one story
# Tuned on the tuning part of `newsfeed eval --stories` (the held-out part is reported apart).
BODY_THRESHOLD = 0.35
LEAD_CONTAINMENT = 0.6
DUPLICATE_THRESHOLD = 0.8  # at least this similar: a near copy (`duplicate_of`), not a rewrite
# LSH candidate thresholds sit below the verified ones: LSH is recall-first, the estimate decides.
_LSH_BODY = 0.25
_LSH_LEAD = 0.3
_SEED = 18

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps of an article: two MinHash signatures and the sizes of their sets."""

    body: np.ndarray
    body_size: int
    lead: np.ndarray
    lead_size: int


@dataclass(frozen=True)
class StoryMatch:
    """The story an article joins: `story_id` is the id of the story's first article."""

    story_id: str
    duplicate_of: str | None
    similarity: float
    matched: str | None  # the most similar earlier article, None for a new story


@dataclass
class _Entry:
    story: StoryMatch
    fingerprint: Fingerprint
    seen_at: float


def words(text: str) -> list[str]:
    """Casefolded NFKC word tokens: punctuation, quotes and spacing edits do not change a shingle."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(tokens: Sequence[str], n: int = SHINGLE_WORDS) -> set[str]:
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


_SCHEME = "affine32"
# The permutations depend only on the seed: drawn once, not per article.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations


def _signature(items: Iterable[str]) -> np.ndarray:
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_PERMUTATIONS)
    mh.update_batch([item.encode("utf-8") for item in items])
    return mh.hashvalues.astype(np.uint32)


def fingerprint(body: str, entities: Iterable[str] = ()) -> Fingerprint:
    """The body's shingles plus entity names (so a rewrite naming the same actors scores higher),
    and the lead's shingles alone (so a short wire version still meets its full article)."""
    tokens = words(body)
    body_set = shingles(tokens) | {f"entity:{' '.join(words(name))}" for name in entities}
    lead_set = shingles(tokens[:LEAD_WORDS])
    return Fingerprint(_signature(body_set), len(body_set), _signature(lead_set), len(lead_set))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate: the share of permutations whose minimum agrees."""
    return float(np.count_nonzero(a == b)) / len(a)


def containment(a: np.ndarray, a_size: int, b: np.ndarray, b_size: int) -> float:
    """|A ∩ B| / min(|A|, |B|), from the Jaccard estimate and the set sizes."""
    j = jaccard(a, b)
    if not a_size or not b_size:
        return 0.0
    inter = j * (a_size + b_size) / (1.0 + j)
    return min(1.0, inter / min(a_size, b_size))


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(body Jaccard, lead containment) between two fingerprints."""
    return jaccard(a.body, b.body), containment(a.lead, a.lead_size, b.lead, b.lead_size)


def _minhash(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=_SEED, hashvalues=values.astype(np.uint64), scheme=_SCHEME)


@cache
def _bands(threshold: float) -> tuple[int, int]:
    """datasketch's (bands, rows) for a threshold: found by numerical integration, so once."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class StoryIndex:
    """Recent articles and their stories, searchable by similarity; bounded by time and by size."""

    def __init__(
        self,
        window_s: float,
        max_entries: int = 100_000,
        body_threshold: float = BODY_THRESHOLD,
        lead_containment: float = LEAD_CONTAINMENT,
        duplicate_threshold: float = DUPLICATE_THRESHOLD,
    ) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self.body_threshold = body_threshold
        self.lead_containment = lead_containment
        self.duplicate_threshold = duplicate_threshold
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # oldest first
        self._body = MinHashLSH(num_perm=NUM_PERM, params=_bands(_LSH_BODY))
        self._lead = MinHashLSH(num_perm=NUM_PERM, params=_bands(_LSH_LEAD))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._entries

    def story_of(self, article_id: str) -> str | None:
        entry = self._entries.get(article_id)
        return entry.story.story_id if entry else None

    def match(self, fp: Fingerprint, now: float, exclude: str | None = None) -> StoryMatch | None:
        """The most similar live article above a threshold, as the story to join; None: a new story."""
        if fp.body_size < MIN_SHINGLES:
            return None
        found = set(self._body.query(_minhash(fp.body))) | set(self._lead.query(_minhash(fp.lead)))
        best: tuple[float, float, str] | None = None
        for key in found:
            entry = self._entries.get(key)
            if key == exclude or entry is None or now - entry.seen_at > self.window_s:
                continue
            body, lead = similarity(fp, entry.fingerprint)
            if body < self.body_threshold and lead < self.lead_containment:
                continue
            candidate = (max(body, lead), body, key)
            if best is None or candidate > best:
                best = candidate
        if best is None:
            return None
        score, body, key = best
        return StoryMatch(
            story_id=self._entries[key].story.story_id,
            duplicate_of=key if body >= self.duplicate_threshold else None,
            similarity=round(score, 3),
            matched=key,
        )

    def assign(self, article_id: str, fp: Fingerprint, now: float) -> StoryMatch:
        """Join the most similar story, or start one; the article is then indexed under that story.
        An article already indexed keeps its story (a redelivery or an update must not move it), and
        an update's text replaces the old one in the index."""
        known = self._entries.get(article_id)
        if known is not None:
            if not np.array_equal(known.fingerprint.body, fp.body):  # the article was updated in place:
                self._drop(article_id)  # its copies will be copies of the new text
                self.add(article_id, known.story, fp, now)
            return known.story
        self.expire(now)
        story = self.match(fp, now) or StoryMatch(article_id, None, 1.0, None)
        self.add(article_id, story, fp, now)
        return story

    def add(self, article_id: str, story: StoryMatch, fp: Fingerprint, seen_at: float) -> None:
        """Index an article whose story is known (assigned here, or replayed from the state topic)."""
        if article_id in self._entries:
            return
        self._entries[article_id] = _Entry(story, fp, seen_at)
        self._body.insert(article_id, _minhash(fp.body), check_duplication=False)
        self._lead.insert(article_id, _minhash(fp.lead), check_duplication=False)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def expire(self, now: float) -> int:
        """Drop the articles seen more than the window ago; returns how many."""
        dropped = 0
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if now - entry.seen_at <= self.window_s:
                break
            self._drop(key)
            dropped += 1
        return dropped

    def _drop(self, key: str) -> None:
        del self._entries[key]
        self._body.remove(key)
        self._lead.remove(key)
