"""Long bodies are parsed in pieces: one spaCy call on a 1 MB body takes about a minute, holds the
interpreter for long stretches and cannot be stopped, so a shutdown could not keep its bound."""

import re

# Where a piece may end, best first: a paragraph break, a sentence end, any space.
_BREAKS = (re.compile(r"\n\n+"), re.compile(r"[.!?][\"'”’)]*\s+"), re.compile(r"\s+"))


def split_pieces(text: str, max_chars: int) -> list[str]:
    """Consecutive pieces of at most `max_chars` characters whose concatenation is `text` exactly,
    each ending at a paragraph break, else a sentence end, else a space where one is near."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        end = _break_before(text, start, start + max_chars)
        pieces.append(text[start:end])
        start = end
    if start < len(text) or not pieces:
        pieces.append(text[start:])
    return pieces


def _break_before(text: str, start: int, limit: int) -> int:
    """The end of the last break in text[start:limit] in its second half, else `limit`."""
    floor = start + (limit - start) // 2
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(text, floor, limit)]
        if ends:
            return ends[-1]
    return limit


def group_by_size(sizes: list[int], max_total: int, max_count: int) -> list[list[int]]:
    """Indexes of consecutive items in groups of at most `max_count` items and `max_total` summed size
    (an item larger than `max_total` is a group of its own)."""
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, size in enumerate(sizes):
        if current and (total + size > max_total or len(current) >= max_count):
            groups.append(current)
            current, total = [], 0
        current.append(i)
        total += size
    if current:
        groups.append(current)
    return groups
