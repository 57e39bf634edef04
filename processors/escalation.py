"""Escalation assessment: `explain`, the one code path that turns a parsed article into per-rule
contributions; the score and level they add up to, and the sentences that moved it; `could_match`,
the same matching without a parse (the alert lane's selection)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from processors.matcher import Pattern, TokenForms, WordForms, forms_of, lemma_map, spaced
from processors.rules import Rule, Rules
from schemas import Entity, Escalation, Evidence, Section
from schemas.articles import LEVEL_ORDER

__all__ = ["LEVEL_ORDER", "assess"]
MAX_EVIDENCE = 12


def assess(
    doc: Doc, title: str, entities: Sequence[Entity], section: Section, rules: Rules, *, alert_min_level: str
) -> Escalation:
    """Level, score, categories and evidence from exactly the hits `explain` reports; it alerts from
    `alert_min_level` up (NEWSFEED_ALERT_MIN_LEVEL, the one alert threshold)."""
    hits = explain(doc, title, entities, section, rules)
    score, per_category = score_hits(hits, rules)
    level = rules.level_for(score)
    categories = [c for c, v in sorted(per_category.items(), key=lambda cv: -cv[1]) if v > 0]
    return Escalation(
        level=level,  # type: ignore[arg-type]
        score=score,
        alert=LEVEL_ORDER[level] >= LEVEL_ORDER[alert_min_level],
        categories=categories,
        evidence=evidence(hits),
    )


def evidence(hits: Sequence[RuleHit]) -> list[Evidence]:
    """Body sentences behind the score, strongest escalation first; title hits have no offsets in the body."""
    body_hits = [h for h in hits if not h.in_title and h.contribution != 0]
    ranked = sorted(body_hits, key=lambda h: (h.kind != "escalation", -abs(h.contribution), h.start))
    return [
        Evidence(
            sentence=h.sentence,
            start=h.start,
            end=h.end,
            rule=h.rule,
            category=h.category,
            terms=list(h.terms),
            weight=h.contribution,
        )
        for h in ranked[:MAX_EVIDENCE]
    ]


@dataclass(frozen=True)
class RuleHit:
    """One rule matching in one sentence (or the title), and what it added to the score.

    `contribution` is signed (de-escalation is negative) and already includes the context
    `factor` (modifiers, desk) and the repeat decay; `start`/`end` are offsets into doc.text,
    or -1 for a title hit.
    """

    rule: str
    category: str
    kind: str
    base_weight: float
    factor: float
    contribution: float
    terms: tuple[str, ...]
    sentence: str
    start: int
    end: int
    in_title: bool
    modifiers: tuple[str, ...]


@dataclass(frozen=True)
class _Unit:
    """A body sentence, or the title, with its token range in its TokenForms."""

    forms: TokenForms
    start: int
    end: int
    text: str
    char_start: int
    char_end: int
    in_title: bool


class _Article:
    """One article's units and pattern matches, each pattern searched once and bucketed by unit."""

    def __init__(
        self,
        body: TokenForms,
        units: list[_Unit],
        head: TokenForms,
        title: str,
        rules: Rules,
        guards: bool = True,
    ) -> None:
        self.body, self.head, self.units = body, head, units
        self.unit_of = [0] * len(self.body.texts)
        for n, unit in enumerate(self.units):
            self.unit_of[unit.start : unit.end] = [n] * (unit.end - unit.start)
        self.title_unit = len(self.units)
        if title.strip():
            self.units.append(_Unit(self.head, 0, len(self.head.texts), title.strip(), -1, -1, True))
        self._memo: dict[int, dict[int, list[tuple[int, int]]]] = {}
        self._kept: dict[int, dict[int, list[tuple[int, int]]]] = {}
        self.guarded: dict[int, set[int]] = {}
        for guard in rules.guards if guards else ():
            for pattern in guard.patterns:
                for n, spans in self.spans(pattern, unguarded=False).items():
                    self.guarded.setdefault(n, set()).update(i for a, b in spans for i in range(a, b))

    @classmethod
    def parsed(cls, doc: Doc, title: str, rules: Rules) -> _Article:
        """Units are the parser's sentences; words are matched on the model's lemmas."""
        body = forms_of(doc)
        units = [_sentence_unit(body, s, body.text) for s in _sentences(doc)]
        return cls(body, units, TokenForms.from_text(title, lemma_map(doc)), title, rules)

    @classmethod
    def unparsed(
        cls, words: WordForms, sentences: Sequence[tuple[int, int]], title: str, rules: Rules
    ) -> _Article:
        """Units are the given sentence spans; lemmas are guessed from inflections; guards are off."""
        body, text = words.forms, words.forms.text
        starts = [a for a, _ in words.offsets]
        units = [
            _Unit(body, bisect.bisect_left(starts, a), bisect.bisect_left(starts, b), text[a:b], a, b, False)
            for a, b in sentences
        ]
        return cls(body, units, TokenForms.from_text(title), title, rules, guards=False)

    def spans(self, pattern: Pattern, unguarded: bool = True) -> dict[int, list[tuple[int, int]]]:
        """Matches of the pattern per unit (outside figurative guards unless asked otherwise)."""
        found = self._memo.get(id(pattern))
        if found is None:
            found = {}
            first = pattern.slots[0]
            if not self.body.index.keys().isdisjoint(first):  # iterates the smaller side
                for span in self.body.find(pattern):
                    found.setdefault(self.unit_of[span[0]], []).append(span)
            if not self.head.index.keys().isdisjoint(first) and self.title_unit < len(self.units):
                for span in self.head.find(pattern):
                    found.setdefault(self.title_unit, []).append(span)
            self._memo[id(pattern)] = found
        if not unguarded or not self.guarded:
            return found
        kept = self._kept.get(id(pattern))
        if kept is None:
            kept = {
                n: k
                for n, spans in found.items()
                if (k := [s for s in spans if not self.guarded.get(n, set()).intersection(range(*s))])
            }
            self._kept[id(pattern)] = kept
        return kept

    def lacks(self, words: frozenset[str]) -> bool:
        return self.body.index.keys().isdisjoint(words) and self.head.index.keys().isdisjoint(words)

    def units_with(self, patterns: Iterable[Pattern]) -> set[int]:
        return {n for p in patterns for n in self.spans(p)}


def _sentences(doc: Doc) -> list[Span]:
    """Parsed sentences; a pipeline without a parser or senter gives one sentence for the whole text."""
    if len(doc) and doc.has_annotation("SENT_START"):
        return list(doc.sents)
    return [doc[:]] if len(doc) else []


def _sentence_unit(forms: TokenForms, sent: Span, doc_text: str) -> _Unit:
    """A body sentence with offsets trimmed of surrounding whitespace, so text == doc.text[start:end]."""
    text = doc_text[sent.start_char : sent.end_char]
    lead = len(text) - len(text.lstrip())
    clean = text.strip()
    start = sent.start_char + lead
    return _Unit(forms, sent.start, sent.end, clean, start, start + len(clean), False)


def explain(
    doc: Doc, title: str, entities: Sequence[Entity], section: Section, rules: Rules
) -> list[RuleHit]:
    """Every rule hit with its contribution, in rule-file order; `assess` scores exactly these."""
    article = _Article.parsed(doc, title, rules)
    actors = _actor_units(doc, entities, article, rules)
    title_mods = [
        m
        for m in rules.modifiers
        if m.scope == "title" and article.title_unit in article.units_with(m.patterns)
    ]
    sentence_mods = [(m, article.units_with(m.patterns)) for m in rules.modifiers if m.scope == "sentence"]
    desk_factor = rules.desk_factors.get(section.desk, 1.0)
    raw_hits: list[RuleHit] = []
    for rule in rules.rules:
        kind = rules.categories[rule.category].kind
        for n, terms in _rule_matches(rule, article, actors).items():
            unit = article.units[n]
            context: tuple[str, ...] = ()
            factor = rules.title_factor if unit.in_title else 1.0
            if kind == "escalation":
                mods = title_mods + [m for m, units in sentence_mods if n in units]
                desk = 1.0 if section.desk in rule.literal_on else desk_factor
                factor *= math.prod(m.factor for m in mods) * desk
                context = tuple(m.id for m in mods) + ((f"desk:{section.desk}",) if desk != 1.0 else ())
            raw_hits.append(
                RuleHit(
                    rule=rule.id,
                    category=rule.category,
                    kind=kind,
                    base_weight=rule.weight,
                    factor=round(factor, 4),
                    contribution=0.0,
                    terms=tuple(terms),
                    sentence=unit.text,
                    start=unit.char_start,
                    end=unit.char_end,
                    in_title=unit.in_title,
                    modifiers=context,
                )
            )
    return _decay(raw_hits, rules)


def could_match(
    words: WordForms, sentences: Sequence[tuple[int, int]], title: str, rules: Rules
) -> tuple[set[int], bool]:
    """Sentences (indexes into `sentences`) where some rule might hit, without a parse; and whether the
    title might. A superset of what `explain` can find on the parsed text, short of a lemma the
    inflection guesses miss: actors are assumed present and guards, which only remove hits, are off.
    Returns no sentences when no escalation rule can hit, since de-escalation alone scores nothing.
    """
    article = _Article.unparsed(words, sentences, title, rules)
    everywhere = set(range(len(article.units)))
    units: set[int] = set()
    escalates = False
    for rule in rules.rules:
        found = _rule_matches(rule, article, everywhere)
        units.update(found)
        escalates |= bool(found) and rules.categories[rule.category].kind == "escalation"
    if not escalates:
        return set(), False
    return {n for n in units if n != article.title_unit}, article.title_unit in units


def render_hits(hits: Sequence[RuleHit], rules: Rules) -> str:
    """A plain-text table of the hits and the resulting score, for `newsfeed rules explain`."""
    score, per_category = score_hits(hits, rules)
    lines = [f"{'contrib':>8}  {'rule':24} {'category':20} {'terms':32} context / sentence"]
    for hit in hits:
        where = "[title]" if hit.in_title else f"[{hit.start}:{hit.end}]"
        context = ",".join(hit.modifiers) or "-"
        lines.append(
            f"{hit.contribution:+8.2f}  {hit.rule:24} {hit.category:20} {', '.join(hit.terms)[:32]:32} "
            f"{context} {where} {hit.sentence[:100]!r}"
        )
    totals = ", ".join(f"{c} {v:.2f}" for c, v in sorted(per_category.items(), key=lambda cv: -cv[1]))
    lines.append(f"score {score:.2f} -> level {rules.level_for(score)} ({totals or 'no escalation hits'})")
    return "\n".join(lines)


def score_hits(hits: Iterable[RuleHit], rules: Rules) -> tuple[float, dict[str, float]]:
    """Total score and per-category escalation totals; de-escalation removes at most a capped share."""
    per_category: dict[str, float] = {}
    relief = 0.0
    for hit in hits:
        if hit.kind == "de-escalation":
            relief -= hit.contribution
        else:
            per_category[hit.category] = per_category.get(hit.category, 0.0) + hit.contribution
    per_category = {c: min(v, rules.categories[c].cap) for c, v in per_category.items()}
    escalation = sum(per_category.values())
    score = escalation - min(relief, rules.deescalation_cap * escalation)
    return round(max(score, 0.0), 3), per_category


def _decay(hits: list[RuleHit], rules: Rules) -> list[RuleHit]:
    """Repeats of one rule add less each time, so one word repeated cannot raise an alert alone."""
    by_rule: dict[str, list[RuleHit]] = {}
    for hit in hits:
        by_rule.setdefault(hit.rule, []).append(hit)
    limits = {r.id: r.max_hits for r in rules.rules}
    out = []
    for rule_id, group in by_rule.items():
        ranked = sorted(group, key=lambda h: -h.base_weight * h.factor)
        for k, hit in enumerate(ranked[: limits[rule_id]]):
            value = hit.base_weight * hit.factor * rules.repeat_decay**k
            sign = -1.0 if hit.kind == "de-escalation" else 1.0
            out.append(_replace(hit, round(sign * value, 4)))
    order = {r.id: n for n, r in enumerate(rules.rules)}
    return sorted(_one_per_sentence(out), key=lambda h: (order[h.rule], h.in_title, h.start))


def _one_per_sentence(hits: list[RuleHit]) -> list[RuleHit]:
    """Two rules of one category on one sentence ('suicide bombers', 'blow up') are one piece of evidence:
    only the strongest counts, the others stay listed with no contribution."""
    best: dict[tuple[str, bool, int], RuleHit] = {}
    for hit in hits:
        key = (hit.category, hit.in_title, hit.start)
        if key not in best or abs(hit.contribution) > abs(best[key].contribution):
            best[key] = hit
    kept = {id(h) for h in best.values()}
    return [
        h
        if id(h) in kept
        else RuleHit(**{**h.__dict__, "contribution": 0.0, "modifiers": (*h.modifiers, "same-sentence")})
        for h in hits
    ]


def _replace(hit: RuleHit, contribution: float) -> RuleHit:
    return RuleHit(**{**hit.__dict__, "contribution": contribution})


def _rule_matches(rule: Rule, article: _Article, actors: set[int]) -> dict[int, list[str]]:
    """Unit -> matched terms, after guards, required context (actor, `requires`) and `unless`."""
    if article.lacks(rule.triggers):
        return {}
    spans: dict[int, list[tuple[int, int]]] = {}
    for pattern in rule.patterns:
        for n, found in article.spans(pattern).items():
            spans.setdefault(n, []).extend(found)
    if rule.near:
        for n, found in _near(rule, article).items():
            spans.setdefault(n, []).extend(found)
    if not rule.title:
        spans.pop(article.title_unit, None)
    if rule.requires_actor:
        spans = {n: s for n, s in spans.items() if n in actors}
    if spans and rule.requires:
        required = article.units_with(rule.requires)
        spans = {n: s for n, s in spans.items() if n in required}
    if spans and rule.unless:
        excluded = article.units_with(rule.unless)
        spans = {n: s for n, s in spans.items() if n not in excluded}
    out: dict[int, list[str]] = {}
    for n, found in spans.items():
        texts = article.units[n].forms.texts
        terms = (" ".join(texts[a:b]).replace(" - ", "-").lower() for a, b in sorted(set(found)))
        out[n] = list(dict.fromkeys(terms))
    return out


def _near(rule: Rule, article: _Article) -> dict[int, list[tuple[int, int]]]:
    """Per unit, spans where every term group occurs within `window` tokens of a first-group term."""
    groups = []
    for group in rule.near:
        per_unit: dict[int, list[tuple[int, int]]] = {}
        for pattern in group:
            for n, found in article.spans(pattern).items():
                per_unit.setdefault(n, []).extend(found)
        groups.append(per_unit)
    out: dict[int, list[tuple[int, int]]] = {}
    for n in set(groups[0]).intersection(*groups[1:]):
        for anchor in groups[0][n]:
            picked = [anchor]
            for other in groups[1:]:
                close = [s for s in other[n] if abs(s[0] - anchor[0]) <= rule.window and s != anchor]
                if not close:
                    break
                picked.append(min(close, key=lambda s: abs(s[0] - anchor[0])))
            else:
                out.setdefault(n, []).extend(picked)
    return out


def _actor_units(doc: Doc, entities: Sequence[Entity], article: _Article, rules: Rules) -> set[int]:
    """Units naming an actor: an entity mention, an actor noun ('troops'), or a known name in the title."""
    out = article.units_with(rules.actor_nouns)
    ents = [e for e in doc.ents if e.label_ in rules.actor_types]
    starts = [m.start for e in entities if e.type in rules.actor_types for m in e.mentions]
    starts += [e.start_char for e in ents]
    sentences = [u for u in article.units if not u.in_title]
    lows = [u.char_start for u in sentences]
    for start in starts:
        n = bisect.bisect_right(lows, start) - 1
        if n >= 0 and start < sentences[n].char_end:
            out.add(n)
    if article.title_unit < len(article.units):
        names = {e.name for e in entities if e.type in rules.actor_types} | {e.text for e in ents}
        title = spaced(article.units[article.title_unit].text)
        if any(spaced(name) in title for name in names if len(name) > 2):
            out.add(article.title_unit)
    return out
