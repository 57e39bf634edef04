"""The enrichment pipeline: one spaCy pass, then each processor adds its part of the EnrichedArticle."""

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from spacy.language import Language
from spacy.tokens import Doc

from processors.desk import DeskLexicon, classify_desk, load_desks
from processors.entities import extract_entities
from processors.errors import EnrichmentInterrupted
from processors.escalation import assess
from processors.ids import stable_article_id
from processors.normalize import check_text, language_identifier, normalize_text
from processors.pieces import group_by_size, split_pieces
from processors.quotes import extract_quotes
from processors.rules import Rules
from processors.sections import split_sections
from processors.selective import SelectiveParser
from schemas import EnrichedArticle, RawArticle

STAGES = ("normalize", "nlp", "entities", "quotes", "sections", "desk", "escalation")


class Enricher:
    """Holds the loaded model and rules (injected) and turns raw articles into enriched ones."""

    def __init__(
        self,
        nlp: Language,
        rules: Rules,
        *,
        desks: DeskLexicon | None = None,
        alert_min_level: str = "medium",
        batch_size: int = 16,
        piece_chars: int = 10_000,
        selective_parse: bool = False,
    ):
        self.nlp = nlp
        self.rules = rules
        self.desks = desks if desks is not None else load_desks()  # loaded here once, or passed in
        self.alert_min_level = alert_min_level
        self.batch_size = batch_size
        self.piece_chars = piece_chars
        self.model_name = (
            f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'model')}-{nlp.meta.get('version', '')}"
        )
        self.stage_seconds: dict[str, float] = defaultdict(float)
        # The parser only on the lines that need it (processors/selective.py); None: the whole model.
        self.selective = SelectiveParser(nlp, rules) if selective_parse else None
        language_identifier()

    def enrich(self, raw: RawArticle, processed_at: datetime) -> EnrichedArticle:
        """Enrich one article; raises UnprocessableArticle for text we refuse."""
        result = self.enrich_batch([raw], processed_at)[0]
        if isinstance(result, Exception):
            raise result
        return result

    def enrich_batch(
        self,
        raws: Sequence[RawArticle],
        processed_at: datetime,
        should_stop: Callable[[int, int], bool] | None = None,
    ) -> list[EnrichedArticle | Exception]:
        """Enrich many articles with `nlp.pipe`; a failure is returned in its slot, not raised.

        Bodies longer than `piece_chars` are parsed in pieces and joined back into one Doc (same text,
        same offsets). Pieces are parsed in calls of at most `piece_chars` characters in all, and
        before each call `should_stop(chars_parsed, chars_left)` is asked: True raises
        EnrichmentInterrupted, so no article holds a shutdown for longer than one call (about 1 s of
        CPU with the default 10,000 characters)."""
        texts: list[str | Exception] = []
        t0 = time.perf_counter()
        for raw in raws:
            try:
                body = normalize_text(raw.body)
                check_text(body, self.nlp.lang or "en")
                texts.append(body)
            except Exception as exc:  # noqa: BLE001 - isolated per article by design
                texts.append(exc)
        self.stage_seconds["normalize"] += time.perf_counter() - t0

        good = [
            (t, normalize_text(raw.title)) for raw, t in zip(raws, texts, strict=True) if isinstance(t, str)
        ]
        t0 = time.perf_counter()
        pieces = [split_pieces(text, self.piece_chars) for text, _ in good]
        flat = [piece for article in pieces for piece in article]
        titles = [title for article, (_, title) in zip(pieces, good, strict=True) for _ in article]
        parsed_pieces: list[Doc | Exception] = []
        done, left = 0, sum(map(len, flat))
        for group in group_by_size([len(p) for p in flat], self.piece_chars, self.batch_size):
            if should_stop is not None and should_stop(done, left):
                raise EnrichmentInterrupted(f"stopped with {len(flat) - len(parsed_pieces)} pieces unparsed")
            texts_now = [flat[i] for i in group]
            parsed_pieces += self._parse_group(texts_now, [titles[i] for i in group])
            size = sum(map(len, texts_now))
            done, left = done + size, left - size
        parsed = self._join(pieces, parsed_pieces)
        docs = iter(parsed)
        self.stage_seconds["nlp"] += time.perf_counter() - t0

        out: list[EnrichedArticle | Exception] = []
        for raw, text in zip(raws, texts, strict=True):
            if isinstance(text, Exception):
                out.append(text)
                continue
            doc = next(docs)
            if isinstance(doc, Exception):
                out.append(doc)
                continue
            try:
                out.append(self._annotate(raw, doc, processed_at))
            except Exception as exc:  # noqa: BLE001 - a processor bug dead-letters one article only
                out.append(exc)
        return out

    def _parse_group(self, texts: list[str], titles: list[str]) -> list[Doc | Exception]:
        try:
            if self.selective is not None:
                return list(self.selective.pipe(list(zip(texts, titles, strict=True)), self.batch_size))
            return list(self.nlp.pipe(texts, batch_size=self.batch_size))
        except Exception:  # noqa: BLE001 - one pathological text must not sink its batch
            return [self._parse_alone(t, title) for t, title in zip(texts, titles, strict=True)]

    def _join(self, pieces: list[list[str]], parsed: list[Doc | Exception]) -> list[Doc | Exception]:
        """One Doc per article from its pieces' Docs (the first failed piece fails the article)."""
        out: list[Doc | Exception] = []
        at = 0
        for article in pieces:
            docs = parsed[at : at + len(article)]
            at += len(article)
            failed = next((d for d in docs if isinstance(d, Exception)), None)
            if failed is not None:
                out.append(failed)
            elif len(docs) == 1:
                out.append(docs[0])
            else:
                out.append(Doc.from_docs([d for d in docs if isinstance(d, Doc)], ensure_whitespace=False))
        return out

    def _parse_alone(self, text: str, title: str) -> Doc | Exception:
        try:
            if self.selective is not None:
                return self.selective.pipe([(text, title)])[0]
            return self.nlp(text)
        except Exception as exc:  # noqa: BLE001
            return exc

    def _annotate(self, raw: RawArticle, doc: Doc, processed_at: datetime) -> EnrichedArticle:
        title = normalize_text(raw.title)
        with _timed(self.stage_seconds, "entities"):
            entities = extract_entities(doc, title)
        with _timed(self.stage_seconds, "quotes"):
            quotes = extract_quotes(doc, entities)
        with _timed(self.stage_seconds, "sections"):
            sections = split_sections(doc.text)
        with _timed(self.stage_seconds, "desk"):
            section = classify_desk(title, doc, entities, raw.section, lexicon=self.desks)
        with _timed(self.stage_seconds, "escalation"):
            escalation = assess(
                doc, title, entities, section, self.rules, alert_min_level=self.alert_min_level
            )
        return EnrichedArticle(
            id=raw.id or stable_article_id(raw.url, raw.title, raw.body),
            title=title,
            body=doc.text,
            url=raw.url,
            source=raw.source,
            published_at=raw.published_at,
            processed_at=processed_at,
            section=section,
            sections=sections,
            entities=entities,
            quotes=quotes,
            escalation=escalation,
            model=self.model_name,
        )


@contextmanager
def _timed(totals: dict[str, float], stage: str) -> Iterator[None]:
    """Add the block's wall time to `totals[stage]` (the per-stage figures of `newsfeed bench`)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        totals[stage] += time.perf_counter() - t0
