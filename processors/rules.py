"""Escalation rules as data: loaded from TOML, validated with line numbers, compiled once.

The rules file says *what* counts as an escalation (categories, lemma patterns, weights, guards);
the patterns are compiled by `processors.matcher`, and `processors.escalation` scores an article
with them.
"""

import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processors.matcher import Pattern, compile_variants, first_words
from schemas import DESKS, LEVELS

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
    "literal_on",
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
    literal_on: frozenset[str] = (
        frozenset()
    )  # desks whose factor does not apply: the words are security news there


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
    levels = _levels(data.get("levels", {}), problems)
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


def _levels(raw: Any, problems: _Problems) -> tuple[tuple[str, float], ...]:
    raw = dict(raw) if isinstance(raw, dict) else {}
    if "alert" in raw:  # one threshold: a second one here was silently overridden by the setting
        raw.pop("alert")
        problems.add(
            "levels",
            0,
            "alert",
            "'alert' is not read from the rules file: the alert threshold is the "
            "one setting NEWSFEED_ALERT_MIN_LEVEL (remove the key)",
        )
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
    return tuple(out)


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
            out.extend(compile_variants(text))
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
        literal_on=_desks(raw.get("literal_on", []), i, problems, owner),
    )


def _desks(raw: Any, i: int, problems: _Problems, owner: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        problems.add("rule", i, "literal_on", f"'literal_on' in {owner} must be a list of desks")
        return frozenset()
    for desk in raw:
        if desk not in DESKS:
            problems.add("rule", i, "literal_on", f"unknown desk '{desk}' in 'literal_on' of {owner}")
    return frozenset(raw)


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
