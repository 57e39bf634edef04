"""The model's attribute ruler, memoized per word and tag, for docs without a dependency parse.

The alert lane (processors/triage.py) runs the tagger but not the parser, and the stock attribute
ruler then spent as long matching its ~180 patterns against every token as the tagger and the
shared tok2vec together. Without dependencies, a one-token pattern's verdict on a token depends on
the word and its tag alone (the patterns read TAG and word attributes; DEP is unset), so each
(word, tag) pair is matched once, on a one-token doc with the stock matcher, and remembered. The
few multi-token patterns ('let' + "'s", 'gon' + 'na') still run on the whole doc. Attributes are
applied as the stock component applies them, in pattern order, so the result is the same; a doc with
dependencies, or a ruler reading other attributes, goes to the stock component.
"""

from typing import Any, cast

from spacy.attrs import ORTH, TAG
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc, Span
from spacy.tokens._retokenize import set_token_attrs

# What a pattern may read for the memo to be exact: the word (its lexeme), its tag, and DEP,
# which is unset on every doc the memo handles.
_KEYED_BY_WORD_AND_TAG = {"ORTH", "TEXT", "LOWER", "IS_SPACE", "TAG", "DEP"}
_MAX_MEMO = 200_000


class MemoAttributeRuler:
    """Callable like the pipeline component it wraps; see the module docstring for when it is exact."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.ruler = ruler
        self.vocab = ruler.vocab
        # Group i: its patterns, matcher key str(i), ruler.attrs[i] and ruler.indices[i].
        groups = cast(list[list[list[dict[str, Any]]]], [g["patterns"] for g in ruler.patterns])
        read = {key.upper() for patterns in groups for p in patterns for spec in p for key in spec}
        self.exact = read <= _KEYED_BY_WORD_AND_TAG
        self.single = Matcher(self.vocab)
        self.multi = Matcher(self.vocab)
        for i, patterns in enumerate(groups):
            matcher = self.single if all(len(p) == 1 for p in patterns) else self.multi
            matcher.add(str(i), patterns)
        self.has_multi = len(self.multi) > 0
        self._groups: dict[tuple[int, int], tuple[int, ...]] = {}
        self._merged: dict[tuple[int, ...], dict[int, int]] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not self.exact or doc.has_annotation("DEP"):
            return self.ruler(doc)
        rows = doc.to_array([ORTH, TAG]).tolist() if len(doc) else []
        per_token = [self._groups_of(orth, tag) for orth, tag in rows]
        if self.has_multi:
            extra: dict[int, list[int]] = {}
            strings = self.vocab.strings
            for match_id, start, end in self.multi(doc, allow_missing=True, as_spans=False):
                group = int(strings[match_id])
                token = Span(doc, start, end)[self.ruler.indices[group]]
                extra.setdefault(token.i, []).append(group)
            for i, more in extra.items():
                per_token[i] = tuple(sorted((*per_token[i], *more)))
        for i, matched in enumerate(per_token):
            if matched:
                set_token_attrs(doc[i], self._attrs_of(matched))
        return doc

    def _groups_of(self, orth: int, tag: int) -> tuple[int, ...]:
        """The one-token pattern groups that match this word with this tag, in pattern order."""
        key = (orth, tag)
        found = self._groups.get(key)
        if found is None:
            if len(self._groups) >= _MAX_MEMO:
                self._groups.clear()
            one = Doc(self.vocab, words=[self.vocab.strings[orth]], spaces=[False])
            one[0].tag = tag
            strings = self.vocab.strings
            matches = self.single(one, allow_missing=True, as_spans=False)
            found = tuple(sorted({int(strings[m_id]) for m_id, _, _ in matches}))
            self._groups[key] = found
        return found

    def _attrs_of(self, groups: tuple[int, ...]) -> dict[int, int]:
        """The groups' attributes applied in order, later over earlier, as the stock component does."""
        merged = self._merged.get(groups)
        if merged is None:
            merged = {}
            for group in groups:
                merged.update(self.ruler.attrs[group])
            if len(self._merged) >= _MAX_MEMO:
                self._merged.clear()
            self._merged[groups] = merged
        return merged
