"""Escalation rules as data: loaded from TOML and validated (baseline)."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Rules:
    terms: dict[str, float] = field(default_factory=dict)


DEFAULT_RULES = Path(__file__).with_name("rules.toml")


def load_rules(path: Path | None = None) -> Rules:
    return Rules(terms={"nuclear": 3.0, "invasion": 2.0, "airstrike": 2.0})
