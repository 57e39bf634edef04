"""The Faust fixes: never commit over a message that was not acknowledged; fetch again what a
rebalance dropped in a partition with nothing committed."""

from collections import defaultdict
from types import SimpleNamespace

from faust.types import TP
from intervaltree import IntervalTree

from streams import faust_fixes

TP0 = TP("news.articles.raw", 0)


def consumer_state(acked: list[int], committed: int | None) -> SimpleNamespace:
    return SimpleNamespace(
        _acked=defaultdict(list, {TP0: list(acked)}),
        _acked_index=defaultdict(set, {TP0: set(acked)}),
        _committed_offset=defaultdict(lambda: None, {TP0: committed}),
        _gap=defaultdict(IntervalTree),
    )


def test_unfixed_faust_commits_over_a_single_unacked_message() -> None:
    """Offsets 0..30 committed (next to read: 31); 32 and 33 acked, 31 never was."""
    assert faust_fixes._original_new_offset(consumer_state([32, 33], committed=31), TP0) == 34


def test_fixed_offset_waits_for_the_missing_message() -> None:
    state = consumer_state([32, 33], committed=31)
    assert faust_fixes._new_offset_without_skipping(state, TP0) is None
    state._acked[TP0].insert(0, 31)
    state._acked_index[TP0].add(31)
    assert faust_fixes._new_offset_without_skipping(state, TP0) == 34


def test_known_gaps_are_still_committed_over() -> None:
    """Offsets that do not exist (e.g. compacted away) are recorded as gaps and must not block commits."""
    state = consumer_state([32, 33], committed=31)
    state._gap[TP0].addi(31, 32)
    assert faust_fixes._new_offset_without_skipping(state, TP0) == 34
