"""Escalation rules as data: loaded from TOML, validated with line numbers, compiled once.

The rules file says *what* counts as an escalation (categories, lemma patterns, weights, guards);
this module owns the small lemma-sequence matcher that both the rules and the desk lexicon use,
and `explain`, the one code path that turns a parsed article into per-rule contributions.
"""

import bisect
import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.attrs import LEMMA, LOWER, ORTH, SPACY
from spacy.tokens import Doc, Span

from schemas import DESKS, LEVELS, Entity, Section

DEFAULT_RULES = Path(__file__).with_name("rules.toml")

KINDS = ("escalation", "de-escalation")
SCOPES = ("sentence", "title")
RULE_KEYS = {
    "id",
    "category",
    "weight",
    "patterns",
    "near",
    "window",
    "requires",
    "requires_actor",
    "unless",
    "title",
    "max_hits",
}
GUARD_KEYS = {"id", "patterns"}
MODIFIER_KEYS = {"id", "scope", "factor", "patterns"}
SCORING_DEFAULTS: dict[str, float] = {
    "title_factor": 1.0,
    "repeat_decay": 0.5,
    "max_hits_per_rule": 3,
    "deescalation_cap": 0.6,
}


class RulesError(ValueError):
    """The rules file cannot be used; the message names the file, line and rule to fix."""


# --------------------------------------------------------------------------------------------- matching


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


def _compile_variants(text: str) -> list[Pattern]:
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
        for i, word in enumerate(words):
            low = word.lower()
            for form in {low, lemmas.get(low, low), *_guess_lemmas(low)}:
                index.setdefault(form, []).append(i)
            if _YEAR.match(low):
                index.setdefault(YEAR_FORM, []).append(i)
        return cls(words, [lemmas.get(w.lower(), w.lower()) for w in words], index, text)

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


# --------------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    weight: float
    patterns: tuple[Pattern, ...]
    near: tuple[tuple[Pattern, ...], ...]
    window: int
    requires: tuple[Pattern, ...]
    requires_actor: bool
    unless: tuple[Pattern, ...]
    title: bool
    max_hits: int
    line: int
    triggers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Guard:
    """Figurative or non-security phrases ('price war'): a rule match inside one does not count."""

    id: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Modifier:
    """Context that discounts escalation hits: in the same sentence, or anywhere in the title."""

    id: str
    scope: str
    factor: float
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Category:
    name: str
    kind: str
    description: str
    cap: float


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...] = ()
    categories: dict[str, Category] = field(default_factory=dict)
    guards: tuple[Guard, ...] = ()
    modifiers: tuple[Modifier, ...] = ()
    levels: tuple[tuple[str, float], ...] = (("low", 1.0), ("medium", 3.0), ("high", 6.0), ("critical", 10.0))
    alert_level: str = "medium"
    desk_factors: dict[str, float] = field(default_factory=dict)
    actor_nouns: tuple[Pattern, ...] = ()
    actor_types: frozenset[str] = frozenset({"GPE", "NORP", "ORG", "PERSON"})
    title_factor: float = 1.0
    repeat_decay: float = 0.5
    max_hits_per_rule: int = 3
    deescalation_cap: float = 0.6
    source: str = "<defaults>"

    def level_for(self, score: float) -> str:
        """The highest level whose threshold the score reaches."""
        level = "none"
        for name, threshold in self.levels:
            if score >= threshold:
                level = name
        return level


# --------------------------------------------------------------------------------------------- loading


class _Lines:
    """Line numbers of keys in the TOML text, since tomllib reports none for values."""

    def __init__(self, text: str) -> None:
        self.tables: dict[str, list[dict[str, int]]] = {}
        current: dict[str, int] = {}
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            header = re.match(r"^\[\[?\s*([\w.\-]+)\s*\]\]?", stripped)
            if header:
                current = {"": lineno}
                self.tables.setdefault(header.group(1), []).append(current)
                continue
            key = re.match(r"^([\w\-]+|\"[^\"]+\")\s*=", stripped)
            if key:
                current.setdefault(key.group(1).strip('"'), lineno)

    def line(self, table: str, index: int = 0, key: str = "") -> int:
        """The key's line in the index-th [table] block, else the block header, else the parent's key."""
        blocks = self.tables.get(table, [])
        if index < len(blocks):
            return blocks[index].get(key, blocks[index][""])
        if "." in table:
            parent, _, name = table.rpartition(".")
            return self.line(parent, 0, name)
        return 1


class _Problems:
    def __init__(self, name: str, lines: _Lines) -> None:
        self.name, self.lines = name, lines
        self.items: list[str] = []

    def add(self, table: str, index: int, key: str, message: str) -> None:
        self.items.append(f"{self.name} line {self.lines.line(table, index, key)}: {message}")


def load_rules(path: Path | None = None) -> Rules:
    """Load and compile a rules file (the packaged one by default); raise RulesError on any problem."""
    rules, problems = _load(path or DEFAULT_RULES)
    if problems or rules is None:
        more = (
            f" (and {len(problems) - 1} more problems; run `newsfeed rules check`)"
            if len(problems) > 1
            else ""
        )
        raise RulesError(problems[0] + more)
    return rules


def check_rules(path: Path) -> list[str]:
    """Every problem in a rules file, one message per problem; empty when the file is usable."""
    return _load(path)[1]


def _load(path: Path) -> tuple[Rules | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [f"{path}: cannot read rules file: {exc.strerror or exc}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path.name}: not valid TOML: {exc}"]
    problems = _Problems(path.name, _Lines(text))
    rules = _build(data, problems, str(path))
    return (None if problems.items else rules), problems.items


def _build(data: dict[str, Any], problems: _Problems, source: str) -> Rules:
    categories = _categories(data.get("categories", {}), problems)
    scoring = _scoring(data.get("scoring", {}), problems)
    levels, alert_level = _levels(data.get("levels", {}), problems)
    rules, seen = [], set()
    for i, raw in enumerate(_array(data, "rule", problems)):
        rule = _rule(raw, i, categories, problems, int(scoring["max_hits_per_rule"]))
        if rule is None:
            continue
        if rule.id in seen:
            problems.add("rule", i, "id", f"duplicate rule id '{rule.id}'")
        seen.add(rule.id)
        rules.append(rule)
    if not rules and not problems.items:
        problems.add("rule", 0, "", "no [[rule]] entries")
    actors = data.get("actors", {})
    return Rules(
        rules=tuple(rules),
        categories=categories,
        guards=tuple(
            g for i, raw in enumerate(_array(data, "guard", problems)) if (g := _guard(raw, i, problems))
        ),
        modifiers=tuple(
            m
            for i, raw in enumerate(_array(data, "modifier", problems))
            if (m := _modifier(raw, i, problems))
        ),
        levels=levels,
        alert_level=alert_level,
        desk_factors=_desk_factors(data.get("desk_factors", {}), problems),
        actor_nouns=_patterns(actors.get("nouns", []), problems, "actors", 0, "nouns", "[actors]"),
        actor_types=frozenset(actors.get("entity_types", ["GPE", "NORP", "ORG", "PERSON"])),
        title_factor=scoring["title_factor"],
        repeat_decay=scoring["repeat_decay"],
        max_hits_per_rule=int(scoring["max_hits_per_rule"]),
        deescalation_cap=scoring["deescalation_cap"],
        source=source,
    )


def _array(data: dict[str, Any], name: str, problems: _Problems) -> list[dict[str, Any]]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.add(name, 0, "", f"'{name}' must be written as [[{name}]] tables")
        return []
    return value


def _categories(raw: Any, problems: _Problems) -> dict[str, Category]:
    out: dict[str, Category] = {}
    if not isinstance(raw, dict) or not raw:
        problems.add("categories", 0, "", "missing [categories] table")
        return out
    for name, spec in raw.items():
        table = f"categories.{name}"
        spec = spec if isinstance(spec, dict) else {}
        kind = spec.get("kind", "escalation")
        if kind not in KINDS:
            problems.add(
                table, 0, "kind", f"category '{name}': kind must be one of {', '.join(KINDS)}, not {kind!r}"
            )
        cap = spec.get("cap", math.inf)
        if not isinstance(cap, int | float) or cap <= 0:
            problems.add(table, 0, "cap", f"category '{name}': cap must be a positive number")
            cap = math.inf
        out[name] = Category(
            name=name, kind=kind, description=str(spec.get("description", "")), cap=float(cap)
        )
    return out


def _scoring(raw: Any, problems: _Problems) -> dict[str, float]:
    out = dict(SCORING_DEFAULTS)
    for key, value in (raw if isinstance(raw, dict) else {}).items():
        if key not in SCORING_DEFAULTS:
            problems.add("scoring", 0, key, f"unknown scoring setting '{key}'")
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            problems.add("scoring", 0, key, f"scoring setting '{key}' must be a non-negative number")
        else:
            out[key] = float(value)
    return out


def _levels(raw: Any, problems: _Problems) -> tuple[tuple[tuple[str, float], ...], str]:
    raw = dict(raw) if isinstance(raw, dict) else {}
    alert_level = raw.pop("alert", "medium")
    if alert_level not in LEVELS[1:]:
        problems.add("levels", 0, "alert", f"alert level must be one of {', '.join(LEVELS[1:])}")
    out: list[tuple[str, float]] = []
    for key, value in raw.items():
        if key not in LEVELS[1:]:
            problems.add("levels", 0, key, f"unknown level '{key}' (levels: {', '.join(LEVELS[1:])})")
        elif not isinstance(value, int | float) or isinstance(value, bool):
            problems.add("levels", 0, key, f"threshold for level '{key}' must be a number")
        else:
            out.append((key, float(value)))
    out.sort(key=lambda lv: LEVELS.index(lv[0]))
    missing = [lv for lv in LEVELS[1:] if lv not in dict(out)]
    if missing:
        problems.add("levels", 0, "", f"[levels] is missing thresholds for {', '.join(missing)}")
    if any(b[1] <= a[1] for a, b in zip(out, out[1:], strict=False)):
        problems.add("levels", 0, "", "level thresholds must increase from low to critical")
    return tuple(out), alert_level


def _patterns(
    raw: Any, problems: _Problems, table: str, index: int, key: str, owner: str
) -> tuple[Pattern, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        problems.add(table, index, key, f"'{key}' in {owner} must be a list of strings")
        return ()
    out: list[Pattern] = []
    for text in raw:
        try:
            out.extend(_compile_variants(text))
        except ValueError as exc:
            problems.add(table, index, key, f"bad pattern in {owner}: {exc}")
    return tuple(out)


def _rule(
    raw: dict[str, Any], i: int, categories: dict[str, Category], problems: _Problems, default_max_hits: int
) -> Rule | None:
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        problems.add("rule", i, "", f"rule #{i + 1} has no id")
        return None
    owner = f"rule '{rid}'"
    for key in raw.keys() - RULE_KEYS:
        problems.add("rule", i, key, f"unknown key '{key}' in {owner}")
    category = raw.get("category")
    if category not in categories:
        close = difflib.get_close_matches(str(category), categories, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.add("rule", i, "category", f"unknown category '{category}' in {owner}{hint}")
    weight = raw.get("weight")
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        problems.add(
            "rule",
            i,
            "weight",
            f"weight in {owner} must be a positive number (de-escalation is a "
            f"category kind, not a negative weight)",
        )
        weight = 0.0
    patterns = _patterns(raw.get("patterns", []), problems, "rule", i, "patterns", owner)
    near_raw = raw.get("near", [])
    near: list[tuple[Pattern, ...]] = []
    if near_raw and (not isinstance(near_raw, list) or len(near_raw) < 2):
        problems.add("rule", i, "near", f"'near' in {owner} must be a list of at least two term lists")
    elif near_raw:
        near = [_patterns(group, problems, "rule", i, "near", owner) for group in near_raw]
    if not patterns and not near:
        problems.add("rule", i, "", f"{owner} has neither 'patterns' nor 'near'")
    window = raw.get("window", 5)
    if not isinstance(window, int) or window < 1:
        problems.add("rule", i, "window", f"window in {owner} must be a positive integer")
        window = 5
    max_hits = raw.get("max_hits", default_max_hits)
    if not isinstance(max_hits, int) or max_hits < 1:
        problems.add("rule", i, "max_hits", f"max_hits in {owner} must be a positive integer")
        max_hits = default_max_hits
    return Rule(
        id=rid,
        category=str(category),
        weight=float(weight),
        patterns=patterns,
        near=tuple(near),
        window=window,
        requires=_patterns(raw.get("requires", []), problems, "rule", i, "requires", owner),
        requires_actor=_flag(raw, "requires_actor", False, i, problems, owner),
        unless=_patterns(raw.get("unless", []), problems, "rule", i, "unless", owner),
        title=_flag(raw, "title", True, i, problems, owner),
        max_hits=max_hits,
        line=problems.lines.line("rule", i),
        triggers=first_words(patterns + tuple(near[0] if near else ())),
    )


def _flag(raw: dict[str, Any], key: str, default: bool, i: int, problems: _Problems, owner: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.add("rule", i, key, f"'{key}' in {owner} must be true or false")
        return default
    return value


def _guard(raw: dict[str, Any], i: int, problems: _Problems) -> Guard | None:
    gid = raw.get("id")
    if not isinstance(gid, str) or not gid:
        problems.add("guard", i, "", f"guard #{i + 1} has no id")
        return None
    for key in raw.keys() - GUARD_KEYS:
        problems.add("guard", i, key, f"unknown key '{key}' in guard '{gid}'")
    return Guard(
        id=gid,
        patterns=_patterns(raw.get("patterns", []), problems, "guard", i, "patterns", f"guard '{gid}'"),
    )


def _modifier(raw: dict[str, Any], i: int, problems: _Problems) -> Modifier | None:
    mid = raw.get("id")
    if not isinstance(mid, str) or not mid:
        problems.add("modifier", i, "", f"modifier #{i + 1} has no id")
        return None
    owner = f"modifier '{mid}'"
    for key in raw.keys() - MODIFIER_KEYS:
        problems.add("modifier", i, key, f"unknown key '{key}' in {owner}")
    scope = raw.get("scope", "sentence")
    if scope not in SCOPES:
        problems.add("modifier", i, "scope", f"scope in {owner} must be one of {', '.join(SCOPES)}")
    factor = raw.get("factor")
    if not isinstance(factor, int | float) or isinstance(factor, bool) or not 0 <= factor <= 1:
        problems.add("modifier", i, "factor", f"factor in {owner} must be a number from 0 to 1")
        factor = 1.0
    return Modifier(
        id=mid,
        scope=scope,
        factor=float(factor),
        patterns=_patterns(raw.get("patterns", []), problems, "modifier", i, "patterns", owner),
    )


def _desk_factors(raw: Any, problems: _Problems) -> dict[str, float]:
    out: dict[str, float] = {}
    for desk, factor in (raw if isinstance(raw, dict) else {}).items():
        if desk not in DESKS:
            problems.add("desk_factors", 0, desk, f"unknown desk '{desk}' in [desk_factors]")
        elif not isinstance(factor, int | float) or not 0 <= factor <= 1:
            problems.add("desk_factors", 0, desk, f"factor for desk '{desk}' must be a number from 0 to 1")
        else:
            out[desk] = float(factor)
    return out


# --------------------------------------------------------------------------------------------- explain


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
    def parsed(cls, doc: Doc, title: str, rules: Rules) -> "_Article":
        """Units are the parser's sentences; words are matched on the model's lemmas."""
        body = forms_of(doc)
        units = [_sentence_unit(body, s, body.text) for s in _sentences(doc)]
        return cls(body, units, TokenForms.from_text(title, lemma_map(doc)), title, rules)

    @classmethod
    def unparsed(
        cls, words: "WordForms", sentences: Sequence[tuple[int, int]], title: str, rules: Rules
    ) -> "_Article":
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
            if not first.isdisjoint(self.body.index):
                for span in self.body.find(pattern):
                    found.setdefault(self.unit_of[span[0]], []).append(span)
            if not first.isdisjoint(self.head.index) and self.title_unit < len(self.units):
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
        return words.isdisjoint(self.body.index) and words.isdisjoint(self.head.index)

    def units_with(self, patterns: Iterable[Pattern]) -> set[int]:
        return {n for p in patterns for n in self.spans(p)}


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
                factor *= math.prod(m.factor for m in mods) * desk_factor
                context = tuple(m.id for m in mods) + (
                    (f"desk:{section.desk}",) if desk_factor != 1.0 else ()
                )
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
        title = _spaced(article.units[article.title_unit].text)
        if any(_spaced(name) in title for name in names if len(name) > 2):
            out.add(article.title_unit)
    return out


def _spaced(text: str) -> str:
    """' word word ' lowercased, so a name can be looked up in a title at word boundaries."""
    return f" {' '.join(_WORD.findall(text.lower()))} "
