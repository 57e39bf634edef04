"""Selective parsing: the whole model over the whole text except the dependency parser, which runs
only on the lines that quotes, speakers, entity names or escalation rules read a parse from
(issue #17). It gives the full pipeline's output on every dev article, but on news like it nearly
every line needs a parse, so it saves nothing there (README "Selective parsing").

Sentence boundaries come from the model's `senter` (shipped disabled in en_core_web_sm) and from
line breaks, as `paragraph_boundaries` sets them for the parser. The chosen lines are parsed as
windows of whole lines: each window is a copy of its tokens (`Span.as_doc`, which keeps the shared
tok2vec's tensor, so the parser reads the same features as on the whole text) with the sentence
starts the full pipeline presets (line breaks), and its heads, labels and sentence starts are copied
back. Lines are independent for the parser, since a line break always starts a sentence, so a
parsed line gets the full pipeline's parse; an unparsed line keeps the senter's sentences and no
dependencies. The choice of lines needs no parse (`parse_lines`): a line is parsed when it is in a
quote's paragraph or the one before it, holds a rule candidate sentence (`rules.could_match`, as
the alert lane finds them) or a name whose extent the entity code reads from the parse.
"""

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy
from spacy.attrs import DEP, HEAD, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from processors.escalation import could_match
from processors.matcher import WordForms
from processors.nlp import paragraph_boundaries
from processors.quotes import find_quote_spans
from processors.rules import Rules
from processors.triage import sentence_spans

# A doc whose chosen lines hold at least this share of its tokens is parsed whole (same parse, and
# no copying in and out of windows).
WHOLE_DOC_SHARE = 0.6
# The full pipeline's components this path does not run over the whole text (the line-break
# presetter is `processors.nlp.paragraph_boundaries`, the parser runs on the chosen lines).
_PARSE = ("paragraph_boundaries", "parser")


class SelectiveParser:
    """Runs the loaded model (injected) with the parser restricted to the lines that need it.

    The order keeps what each component reads as in the full pipeline: the parser runs before the
    attribute ruler (some of its rules read dependency labels: auxiliaries, markers), the lemmatizer
    (which reads the ruler's parts of speech) and NER (entities never cross a sentence start).
    `component_seconds` adds up the CPU time of each step (the per-component figures of
    `newsfeed bench`); `parsed_tokens`/`tokens` say how much of the text the parser saw."""

    def __init__(self, nlp: Language, rules: Rules) -> None:
        missing = {"tok2vec", "tagger", "parser", "senter"} - set(nlp.component_names)
        if missing:
            raise ValueError(
                f"selective parsing needs a model with {sorted(missing)}; it has {nlp.pipe_names}"
            )
        self.nlp = nlp
        self.rules = rules
        self.parser = nlp.get_pipe("parser")
        names = [n for n in nlp.pipe_names if n not in _PARSE]
        at = names.index("tagger") + 1
        self.before = [(n, nlp.get_pipe(n)) for n in names[:at]] + [("senter", nlp.get_pipe("senter"))]
        self.after = [(n, nlp.get_pipe(n)) for n in names[at:]]
        self.component_seconds: dict[str, float] = defaultdict(float)
        self.parsed_tokens = 0
        self.tokens = 0

    def parsed_share(self) -> float:
        """The share of the tokens seen so far that the parser read."""
        return self.parsed_tokens / self.tokens if self.tokens else 0.0

    def reset(self) -> None:
        """Zero the counters (the bench does, after its untimed warm-up)."""
        self.component_seconds.clear()
        self.parsed_tokens = self.tokens = 0

    def pipe(self, items: Sequence[tuple[str, str]], batch_size: int = 8) -> list[Doc]:
        """One Doc per (text, title); the title only helps choose the lines rules may hit."""
        with self._timed("tokenizer"):
            docs = [self.nlp.make_doc(text) for text, _ in items]
        for name, component in self.before:
            with self._timed(name):
                docs = list(_run(component, docs, batch_size))
        with self._timed("select"):
            windows = [
                _windows(paragraph_boundaries(doc), parse_lines(doc, title, self.rules))
                for doc, (_, title) in zip(docs, items, strict=True)
            ]
        with self._timed("parser"):
            self._parse(docs, windows, batch_size)
        for name, component in self.after:
            with self._timed(name):
                docs = list(_run(component, docs, batch_size))
        return docs

    def _parse(self, docs: list[Doc], windows: list[list[tuple[int, int]]], batch_size: int) -> None:
        parts: list[Doc] = []
        for doc, spans in zip(docs, windows, strict=True):
            if spans and sum(b - a for a, b in spans) >= WHOLE_DOC_SHARE * len(doc):
                spans[:] = [(0, len(doc))]  # parsing it all costs less than cutting it into windows
                parts.append(_preset_only(doc))
            else:
                parts += [_preset_only(doc[a:b].as_doc()) for a, b in spans]
        parsed = iter(_run(self.parser, parts, batch_size))
        for doc, spans in zip(docs, windows, strict=True):
            _copy_parse(doc, [(a, next(parsed)) for a, _ in spans])
            self.tokens += len(doc)
            self.parsed_tokens += sum(b - a for a, b in spans)

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        t0 = time.process_time()
        try:
            yield
        finally:
            self.component_seconds[step] += time.process_time() - t0


def _run(component: object, docs: list[Doc], batch_size: int) -> Iterable[Doc]:
    pipe = getattr(component, "pipe", None)
    if pipe is not None:
        return pipe(docs, batch_size=batch_size)
    return [component(doc) for doc in docs]  # type: ignore[operator]


# --- which lines to parse --------------------------------------------------------------------------

_PROPER = frozenset({"NNP", "NNPS"})
_PARAGRAPH = re.compile(r"\n\s*\n")


def line_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the text's lines (without their line breaks)."""
    return [m.span() for m in re.finditer(r"[^\n]+", text)]


def parse_lines(doc: Doc, title: str, rules: Rules) -> list[int]:
    """Indexes into `line_spans(doc.text)` of the lines whose parse some processor reads, chosen from
    the text alone (before the parser, the ruler and NER have run):

    - the lines of a paragraph holding a quote, and of the paragraph before it: speakers, their
      cues ("said", "according to"), pronoun antecedents and the sentence introducing a quote are
      found there, and a cue across a paragraph break never counts;
    - the lines of the sentences where an escalation rule could hit, found as the alert lane finds
      them (`rules.could_match`), so a hit's sentence has the full pipeline's bounds;
    - a line with a name of two or more proper nouns (tags NNP/NNPS): the entity code reads a
      name's extent and kind from its compounds and appositions."""
    text = doc.text
    lines = line_spans(text)
    if not lines:
        return []
    starts = [a for a, _ in lines]
    chosen: set[int] = set()

    def line_of(pos: int) -> int:
        return max(0, _bisect(starts, pos))

    paragraphs = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
    for span in find_quote_spans(text):
        first = line_of(paragraphs[max(0, span.paragraph - 1)])
        last = line_of(max(span.end - 1, span.start))
        chosen.update(range(first, last + 1))
    sentences = sentence_spans(text)
    picked, _ = could_match(WordForms.of(text), sentences, title, rules)
    for n in picked:
        a, b = sentences[n]
        chosen.update(range(line_of(a), line_of(b - 1) + 1))
    for token in doc[1:]:
        if token.tag_ in _PROPER and doc[token.i - 1].tag_ in _PROPER:
            chosen.add(line_of(token.idx))
    return sorted(chosen)


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


# --- parsing the windows ---------------------------------------------------------------------------


def _windows(doc: Doc, lines: Sequence[int]) -> list[tuple[int, int]]:
    """Token ranges of runs of consecutive chosen lines, each with the line break that follows it."""
    if not lines:
        return []
    spans = line_spans(doc.text)
    out: list[tuple[int, int]] = []
    for n in lines:
        a, b = spans[n]
        first = doc.char_span(a, b, alignment_mode="expand")
        if first is None or not len(first):
            continue
        start, end = first.start, first.end
        if end < len(doc) and doc[end].is_space:
            end += 1  # the break after the line: the full parser attaches it too
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _preset_only(part: Doc) -> Doc:
    """The doc (a window's copy, or the whole doc) with only the sentence starts the full pipeline
    presets before its parser (line breaks): the parser finds the others."""
    column = numpy.zeros((len(part), 1), dtype=numpy.uint64)
    column[0, 0] = 1
    for token in part[1:]:
        prev = part[token.i - 1]
        if prev.is_space and "\n" in prev.text:
            column[token.i, 0] = 1
    _load(part, [SENT_START], column)
    return part


def _copy_parse(doc: Doc, parts: Sequence[tuple[int, Doc]]) -> None:
    """Heads, labels and sentence starts of the parsed windows into `doc`; other tokens keep the
    senter's sentence starts and no dependencies."""
    if not parts or parts[0][1] is doc:
        return
    sent_starts = doc.to_array([SENT_START]).astype(numpy.int64)
    heads = numpy.zeros(len(doc), dtype=numpy.int64)
    deps = numpy.zeros(len(doc), dtype=numpy.uint64)
    for start, part in parts:
        arr = part.to_array([HEAD, DEP, SENT_START]).astype(numpy.int64)
        heads[start : start + len(part)] = arr[:, 0]
        deps[start : start + len(part)] = arr[:, 1].astype(numpy.uint64)
        sent_starts[start : start + len(part)] = arr[:, 2]
    # HEAD with DEP recomputes every sentence start from the trees (one per unparsed token), so the
    # sentence starts are loaded again, alone, afterwards.
    _load(doc, [HEAD, DEP], numpy.stack([heads.astype(numpy.uint64), deps], axis=1))
    _load(doc, [SENT_START], sent_starts.astype(numpy.uint64).reshape(-1, 1))


def _load(doc: Doc, attrs: list[Any], array: Any) -> None:
    """`Doc.from_array` (its stubs want thinc's array types; numpy's uint64 arrays are what it reads)."""
    doc.from_array(attrs, array)
