"""The alert lane: an escalation assessment that parses only the sentences that could move the score.

Full enrichment costs about 100 ms of CPU per article (the spaCy model), more than two cores can
give a burst of 20 articles a second; an alert must not wait behind that queue. The rules are
sentence-scoped (a pattern, its `requires`/`unless` and actor in one sentence), so an unparsed
first pass (`could_match`: words with guessed lemmas, actors assumed, guards off) finds the few
sentences where a rule might hit; only those are parsed, in a copy of the body where every other
sentence is blanked out, so evidence offsets stay those of the real body, and without the
dependency parser, since those spans are the sentences. An article where no escalation rule can
hit is not parsed at all. The desk, which guards against sport and the like,
is counted over the whole body's unparsed words.

It can differ from the full assessment (a lemma the guesses miss, a sentence split differently,
an entity recognised only with more context); the enrichment worker's full assessment still
raises an alert the lane missed or under-rated, and the alerter publishes one alert per story
unless the level rises. `newsfeed eval` reports the lane's own precision and recall, and how often
its level equals the full assessment's.
"""

import re
from dataclasses import dataclass

import numpy
from spacy.attrs import IDX, IS_SPACE, SENT_START
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from processors.attribute_memo import MemoAttributeRuler
from processors.desk import DeskLexicon, classify_desk, load_desks
from processors.entities import extract_entities
from processors.escalation import assess, could_match
from processors.matcher import WordForms
from processors.normalize import check_text, language_identifier, normalize_text
from processors.rules import Rules
from schemas import Entity, Escalation, RawArticle, Section

# A sentence ends at . ! or ? (and closing quotes/brackets) before a capital, digit or opening quote,
# unless the period ends a one-letter initial or a common title/abbreviation ("Mr.", "U.S.", "Gen.").
_ABBREVIATIONS = (
    "mr|mrs|ms|dr|prof|st|gen|lt|col|sgt|capt|maj|adm|gov|sen|rep|rev|sr|jr|no|vs|inc|corp|co|ltd|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|u\\.s|u\\.k|u\\.n"
)
_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_NOT_END = re.compile(rf"(?:\b(?:{_ABBREVIATIONS})|\b[A-Z])\.$", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of each line (a line break always ends a sentence)."""
    out: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end in _END.finditer(text, line.start(), line.end()):
            stop = end.start() + 1
            if _NOT_END.search(text, max(start, stop - 6), stop) and text[stop - 1] == ".":
                continue
            stop = end.end() - len(end.group()) + len(end.group().rstrip())
            out.append((start, stop))
            start = end.end()
        if text[start : line.end()].strip():
            out.append((start, line.end()))
    return out


def blank_except(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with every character outside `spans` turned into a space, line breaks kept."""
    out, at = [], 0
    for a, b in sorted(spans):
        a = max(a, at)
        if b > a:
            out += [_NOT_NEWLINE.sub(" ", text[at:a]), text[a:b]]
            at = b
    out.append(_NOT_NEWLINE.sub(" ", text[at:]))
    return "".join(out)


_NOT_NEWLINE = re.compile(r"[^\n]")


@dataclass(frozen=True)
class LaneResult:
    """The lane's verdict on one article, and how much of its body it had to parse."""

    article_id: str
    title: str
    escalation: Escalation
    entities: list[Entity]
    section: Section
    parsed_chars: int
    body_chars: int


class AlertLane:
    """Holds the loaded model and rules (injected); `assess` is pure apart from the model call."""

    def __init__(
        self,
        nlp: Language,
        rules: Rules,
        *,
        desks: DeskLexicon | None = None,
        alert_min_level: str = "medium",
    ) -> None:
        self.nlp = nlp
        self.rules = rules
        self.desks = desks if desks is not None else load_desks()  # loaded here once, or passed in
        self.alert_min_level = alert_min_level
        self._components = [
            (name, MemoAttributeRuler(c) if isinstance(c, AttributeRuler) else c)
            for name, c in nlp.pipeline
            if name not in _SKIPPED
        ]
        language_identifier()

    def assess(self, raw: RawArticle, article_id: str) -> LaneResult:
        """Raises UnprocessableArticle for text the enrichment worker would dead-letter too."""
        body = normalize_text(raw.body)
        check_text(body, self.nlp.lang or "en")
        title = normalize_text(raw.title)
        sentences = sentence_spans(body)
        words = WordForms.of(body)
        picked, title_may_hit = could_match(words, sentences, title, self.rules)
        spans = [sentences[i] for i in sorted(picked)]
        if title_may_hit:
            spans += _naming_title(body, sentences, title)
        text = blank_except(body, spans) if spans else ""
        doc = self._parse(text, spans)
        entities = extract_entities(doc, title)
        section = classify_desk(title, doc, entities, raw.section, lexicon=self.desks, body=words.forms)
        escalation = assess(doc, title, entities, section, self.rules, alert_min_level=self.alert_min_level)
        return LaneResult(
            article_id=article_id,
            title=title,
            escalation=escalation,
            entities=entities,
            section=section,
            parsed_chars=sum(b - a for a, b in set(spans)),
            body_chars=len(body),
        )

    def _parse(self, text: str, spans: list[tuple[int, int]]) -> Doc:
        """The model without its dependency parser (a sixth of its cost): the sentences are the spans."""
        doc = self.nlp.make_doc(text)
        if len(doc):  # a sentence starts at a span's start and after whitespace, as one array
            cols = doc.to_array([IDX, IS_SPACE])
            starts = numpy.isin(cols[:, 0], [a for a, _ in spans])
            starts[0] = True
            starts[1:] |= cols[:-1, 1].astype(bool)
            doc.from_array([SENT_START], numpy.where(starts, 1, -1).astype(numpy.uint64))  # type: ignore[arg-type]
        for _, component in self._components:
            doc = component(doc)
        return doc


_SKIPPED = {"parser", "paragraph_boundaries"}


def _naming_title(body: str, sentences: list[tuple[int, int]], title: str) -> list[tuple[int, int]]:
    """The first body sentence naming each capitalised title word: a title hit may need an actor
    ('Russia', 'Hamas') that only the body's entities recognise. A match opening its sentence does
    not count, so a title-cased headline ('Talks Fail Again') does not pick every sentence."""
    names = {w for w in re.findall(r"\b[A-Z][\w'’-]+", title) if len(w) > 2}
    out = []
    for name in names:
        pattern = re.compile(rf"(?<=[\w,;:] )\b{re.escape(name)}\b")
        found = next((s for s in sentences if pattern.search(body, s[0], s[1])), None)
        if found:
            out.append(found)
    return out
