"""The news desk (topic) of an article, with its IPTC Media Topic code.

The source's own section decides when it names a desk; otherwise a transparent weighted lexicon
(processors/desks.toml) over the lemmas of the title and body picks the desk, so an editor can
read why an article landed where it did.
"""

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from processors.matcher import Pattern, TokenForms, compile_pattern, forms_of, lemma_map
from processors.rules import RulesError
from schemas import DESKS, Entity, Section

DEFAULT_DESKS = Path(__file__).with_name("desks.toml")

IPTC = {
    "arts-culture-entertainment": "medtop:01000000",
    "crime-law": "medtop:02000000",
    "disaster-accident": "medtop:03000000",
    "economy-business": "medtop:04000000",
    "environment": "medtop:06000000",
    "health": "medtop:07000000",
    "politics": "medtop:11000000",
    "science-technology": "medtop:13000000",
    "sport": "medtop:15000000",
    "conflict-war-peace": "medtop:16000000",
    "other": None,
}


@dataclass(frozen=True)
class TitleFrame:
    """A title that says which words only frame the story: when it has one of `title` (and none of
    `unless`), the scores of `desks` count `factor` and their words in the title earn no title bonus
    ('stand collapses' makes 'cup match' the setting of an accident; 'film about' makes 'bus crash' the
    subject of a work)."""

    id: str
    title: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]
    desks: frozenset[str]
    factor: float

    def applies(self, head: TokenForms, guarded: frozenset[int]) -> bool:
        return any(_count(head, p, guarded) for p in self.title) and not any(
            _count(head, p, guarded) for p in self.unless
        )


@dataclass(frozen=True)
class DeskLexicon:
    terms: dict[str, tuple[tuple[Pattern, float], ...]]
    sections: tuple[tuple[str, str], ...]
    title_weight: float
    min_score: float
    lead_weight: float = 0.0
    single_cue_factor: float = 1.0
    fallback_score: float = 3.0
    guards: tuple[Pattern, ...] = ()
    desk_guards: dict[str, tuple[Pattern, ...]] = field(default_factory=dict)
    frames: tuple[TitleFrame, ...] = ()


def load_desks(path: Path = DEFAULT_DESKS) -> DeskLexicon:
    """Compile the desk lexicon (once, by whoever builds the enricher, which then passes it in, as the
    rules); a broken file is a RulesError naming the desk and term."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path.name}: {exc}") from exc
    terms: dict[str, tuple[tuple[Pattern, float], ...]] = {}
    for desk, table in data.get("desks", {}).items():
        if desk not in DESKS:
            raise RulesError(f"{path.name}: unknown desk '{desk}' in [desks.{desk}]")
        try:
            terms[desk] = tuple(
                (compile_pattern(t.strip()), float(w))
                for key, w in table.items()
                for t in key.split(",")
                if t.strip()
            )
        except (TypeError, ValueError) as exc:
            raise RulesError(f"{path.name}: bad term in [desks.{desk}]: {exc}") from exc
    sections = []
    for desk, keywords in data.get("source_sections", {}).items():
        if desk not in DESKS:
            raise RulesError(f"{path.name}: unknown desk '{desk}' in [source_sections]")
        sections += [(k.lower(), desk) for k in keywords]
    scoring = data.get("scoring", {})
    desk_guards = {}
    for desk, patterns in data.get("desk_guards", {}).items():
        if desk not in terms:
            raise RulesError(f"{path.name}: unknown desk '{desk}' in [desk_guards]")
        try:
            desk_guards[desk] = tuple(compile_pattern(g) for g in patterns)
        except (TypeError, ValueError) as exc:
            raise RulesError(f"{path.name}: bad pattern in [desk_guards] {desk}: {exc}") from exc
    frames = tuple(_frame(path.name, n, raw, terms) for n, raw in enumerate(data.get("frame", [])))
    return DeskLexicon(
        terms,
        tuple(sections),
        float(scoring.get("title_weight", 2.5)),
        float(scoring.get("min_score", 3.0)),
        lead_weight=float(scoring.get("lead_weight", 0.0)),
        single_cue_factor=float(scoring.get("single_cue_factor", 1.0)),
        fallback_score=float(scoring.get("fallback_score", scoring.get("min_score", 3.0))),
        guards=tuple(compile_pattern(g) for g in data.get("guards", {}).get("patterns", [])),
        desk_guards=desk_guards,
        frames=frames,
    )


def _frame(
    name: str, n: int, raw: dict[str, Any], desks: dict[str, tuple[tuple[Pattern, float], ...]]
) -> TitleFrame:
    """One [[frame]] table; a broken one is a RulesError naming it. `title_phrases_of` adds the
    several-word terms of those desks to its title patterns ('bus overturns', 'stand collapses' are
    written once, in the lexicon)."""
    owner = f"[[frame]] {raw.get('id', n + 1)}"
    framed = raw.get("desks", [])
    if not isinstance(framed, list) or not framed or any(d not in desks for d in framed):
        raise RulesError(f"{name}: {owner}: 'desks' must be a list of known desks")
    phrases_of = raw.get("title_phrases_of", [])
    if not isinstance(phrases_of, list) or any(d not in desks for d in phrases_of):
        raise RulesError(f"{name}: {owner}: 'title_phrases_of' must be a list of known desks")
    try:
        title = tuple(compile_pattern(t) for t in raw.get("title", []))
        title += tuple(p for d in phrases_of for p, _ in desks[d] if len(p.slots) > 1)
        unless = tuple(compile_pattern(t) for t in raw.get("unless", []))
        factor = float(raw.get("factor", 1.0))
    except (AttributeError, TypeError, ValueError) as exc:
        raise RulesError(f"{name}: {owner}: {exc}") from exc
    if not title:
        raise RulesError(f"{name}: {owner}: needs 'title' patterns")
    return TitleFrame(str(raw.get("id", n + 1)), title, unless, frozenset(framed), factor)


def classify_desk(
    title: str,
    doc: Doc,
    entities: Sequence[Entity],
    source_section: str | None,
    *,
    lexicon: DeskLexicon,
    body: TokenForms | None = None,
) -> Section:
    """Desk from the source's section when it names one, else from the lexicon scores.

    `body` replaces the doc's forms for counting terms when only part of the article was parsed
    (the alert lane, processors/triage.py): the desk is a property of the whole text.
    """
    scores = desk_scores(title, doc, lexicon, body)
    mapped = desk_from_section(source_section, lexicon)
    if mapped is not None:
        agrees = max(scores, key=scores.__getitem__, default=None) == mapped
        return _section(mapped, 0.98 if agrees else 0.9, source_section)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < min(lexicon.min_score, lexicon.fallback_score):
        return _section("other", 0.3, source_section)
    best, top = ranked[0]
    if top < lexicon.min_score:
        return _section(best, 0.35, source_section)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return _section(best, _confidence(top, runner_up), source_section)


def desk_scores(
    title: str, doc: Doc, lexicon: DeskLexicon, body: TokenForms | None = None
) -> dict[str, float]:
    """Per-desk evidence: damped body counts plus a bonus for each term in the title."""
    body = body or forms_of(doc)
    lemmas = lemma_map(doc)
    head = TokenForms.from_text(title, lemmas)
    lead = TokenForms.from_text(lead_paragraph(body.text), lemmas) if lexicon.lead_weight else None
    guards = lexicon.guards
    in_body, in_head = _guarded(body, guards), _guarded(head, guards)
    in_lead = _guarded(lead, guards) if lead is not None else frozenset()
    framed = {d: f.factor for f in lexicon.frames if f.applies(head, in_head) for d in f.desks}
    scores = {}
    for desk, terms in lexicon.terms.items():
        own = lexicon.desk_guards.get(desk)
        if own:  # phrases where this desk's words belong to another field ("death penalty" for sport)
            d_body, d_head = in_body | _guarded(body, own), in_head | _guarded(head, own)
            d_lead = in_lead | _guarded(lead, own) if lead is not None else in_lead
        else:
            d_body, d_head, d_lead = in_body, in_head, in_lead
        total = 0.0
        cues = 0
        for pattern, weight in terms:
            count = _count(body, pattern, d_body)
            # A framed desk's words in the title say where or to whom, not what: no title bonus.
            titled = desk not in framed and _count(head, pattern, d_head) > 0
            if not (count or titled):
                continue
            cues += 1
            led = lead is not None and count > 0 and _count(lead, pattern, d_lead) > 0
            bonus = (lexicon.title_weight if titled else 0.0) + (lexicon.lead_weight if led else 0.0)
            total += weight * (math.log1p(count) + bonus)
        if cues == 1:
            total *= lexicon.single_cue_factor
        total *= framed.get(desk, 1.0)
        scores[desk] = round(total, 3)
    return scores


def _guarded(forms: TokenForms, guards: Sequence[Pattern]) -> frozenset[int]:
    """Token positions inside a guard phrase ('finance minister': an office, not finance news)."""
    return frozenset(i for g in guards for a, b in forms.find(g) for i in range(a, b))


def _count(forms: TokenForms, pattern: Pattern, guarded: frozenset[int]) -> int:
    if forms.index.keys().isdisjoint(pattern.slots[0]):  # in C, over the smaller side
        return 0
    spans = forms.find(pattern)
    if guarded:
        spans = [(a, b) for a, b in spans if guarded.isdisjoint(range(a, b))]
    return len(spans)


def lead_paragraph(text: str, max_words: int = 60) -> str:
    """The first paragraph of at least a dozen words (a dateline or a byline is not the lead), cut at
    `max_words` so a text without paragraph breaks does not count whole as its lead."""
    for para in re.split(r"\n\s*\n", text):
        words = para.split()
        if len(words) >= 12:
            return " ".join(words[:max_words])
    return ""


def desk_from_section(source_section: str | None, lexicon: DeskLexicon) -> str | None:
    """'World/Middle East' names no desk; 'News > Sport > Football' names sport (most specific part first)."""
    if not source_section:
        return None
    parts = [p.strip().lower() for p in re.split(r"[/>|:»]", source_section) if p.strip()]
    for part in reversed(parts):
        words = f" {' '.join(re.findall(r'[a-z0-9]+', part))} "
        for keyword, desk in lexicon.sections:
            if f" {keyword} " in words:
                return desk
    return None


def _confidence(top: float, runner_up: float) -> float:
    """High when the winner is both well supported and clearly ahead of the next desk."""
    margin = (top - runner_up) / top if top else 0.0
    support = 1.0 - math.exp(-top / 10.0)
    return round(min(0.95, 0.35 + 0.6 * margin * support + 0.1 * support), 3)


def _section(desk: str, confidence: float, source_section: str | None) -> Section:
    return Section(desk=desk, iptc=IPTC[desk], confidence=confidence, source_section=source_section)  # type: ignore[arg-type]
