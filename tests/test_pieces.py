"""Long bodies are parsed in pieces (processors/pieces.py) and joined back: same text, same offsets,
and a shutdown can stop the batch between pieces."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.enrich import Enricher
from processors.errors import EnrichmentInterrupted
from processors.pieces import group_by_size, split_pieces
from schemas import RawArticle

PARAGRAPH = (
    'The city council met on Monday and approved the new budget for schools. "We are ready," the mayor '
    "said, adding that Maria Lopez would lead the review. The opposition said the plan came too late."
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\"'")), max_size=3000), st.integers(10, 500))
def test_pieces_rebuild_the_text_and_respect_the_limit(text: str, limit: int) -> None:
    pieces = split_pieces(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces) or pieces == [""]


def test_pieces_end_at_paragraphs_when_they_can() -> None:
    text = "\n\n".join([PARAGRAPH] * 20)
    pieces = split_pieces(text, 1000)
    assert all(p.endswith("\n\n") for p in pieces[:-1])


def test_groups_bound_their_total_and_count() -> None:
    assert group_by_size([5, 5, 5, 20, 1, 1], max_total=10, max_count=2) == [[0, 1], [2], [3], [4, 5]]


def test_a_long_body_parsed_in_pieces_keeps_its_offsets(nlp) -> None:  # type: ignore[no-untyped-def]
    from processors.rules import load_rules

    body = "\n\n".join(PARAGRAPH.replace("Monday", f"day {n}") for n in range(12))
    whole = Enricher(nlp, load_rules(), piece_chars=100_000).enrich(RawArticle(id="a", body=body), NOW)
    pieces = Enricher(nlp, load_rules(), piece_chars=1000).enrich(RawArticle(id="a", body=body), NOW)
    assert pieces.body == whole.body == body
    assert [q.text for q in pieces.quotes] == [q.text for q in whole.quotes] == ["We are ready"] * 12
    assert all(body[q.start : q.end] == q.text for q in pieces.quotes)
    assert {e.name for e in pieces.entities} == {e.name for e in whole.entities}
    assert all(body[m.start : m.end] == m.text for e in pieces.entities for m in e.mentions)


def test_should_stop_interrupts_between_pieces(nlp) -> None:  # type: ignore[no-untyped-def]
    from processors.rules import load_rules

    asked: list[tuple[int, int]] = []

    def stop_on_second_call(done: int, left: int) -> bool:
        asked.append((done, left))
        return len(asked) >= 2

    enricher = Enricher(nlp, load_rules(), piece_chars=1000)
    body = "\n\n".join([PARAGRAPH] * 30)
    with pytest.raises(EnrichmentInterrupted):
        enricher.enrich_batch([RawArticle(id="a", body=body)], NOW, stop_on_second_call)
    assert len(asked) == 2  # one group parsed, stopped before the second
    (done0, left0), (done1, left1) = asked
    assert done0 == 0 and left0 == len(body) and 0 < done1 <= 1000 and done1 + left1 == len(body)


NOW = datetime(2026, 1, 1, tzinfo=UTC)
