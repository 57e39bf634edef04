"""Direct quotations and their speakers.

Quote marks are paired per paragraph (apostrophes never take part), then each quote is attributed
from the dependency parse of the sentences around it: the nearest speech verb outside any quote and
its subject ("X said", "said X", "X told Y that", "according to X"). Pronouns, titles ("the
spokesman") and follow-on quotes without a cue of their own are resolved to the nearest compatible
entity or the previous speaker; an unnamed speaker ("a top adviser to X") is kept as a description.
A document or a body speaks for its owner ("the report" -> the agency that put it out); "he"/"she"
skip a person whose gender the article itself makes plain (no list of names).
"""

import re
from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from processors.entities import resolve
from processors.name_words import NAMED, PARTICLES, TITLES
from processors.speech_words import (
    ADDRESSEE_VERBS,
    AUTHORING_VERBS,
    DOCUMENT_LINKS,
    DOCUMENT_NOUNS,
    GENDERED_PRONOUNS,
    GOVERNMENT_NOUNS,
    HONORIFICS,
    NAMING_WORDS,
    ORG_NOUNS,
    PART_NOUNS,
    PERSON_PRONOUNS,
    REACTION_NOUNS,
    READ_SOURCES,
    ROLE_LINKS,
    ROLE_NOUNS,
    SPEECH_VERBS,
    SPOKESPERSON_LINKS,
    SPOKESPERSON_NOUNS,
)
from schemas import Entity, Quote

_PRONOUN_GENDER = {"he": "male", "him": "male", "she": "female", "her": "female"}
GROUP_PRONOUNS = frozenset({"they", "it", "we"})
# A quote this short with no speech verb near it is a scare quote, title or nickname, not speech.
MIN_FLOATING_WORDS = 4
_GROUP_TYPES = frozenset({"ORG", "GPE"})
_THEY_TYPES = frozenset({"ORG", "DESCRIPTION"})
# Heads of a definite description that refers back to a place named before ("the city reasoned").
PLACE_NOUNS = frozenset(
    {"city", "town", "village", "municipality", "province", "state", "country", "capital"}
)
_PERSON = frozenset({"PERSON"})
_NAME_LINKS = frozenset({"appos", "compound", "flat", "conj"})

_OPEN = "“"
_CLOSE = "”"
_MARKS = re.compile(r"[\"“”]")
_PARAGRAPH = re.compile(r"\n\s*\n")
_DASH_AFTER = re.compile(r"[,.!?]?[ \t]*[-–—]{1,2}[ \t]*")  # after a closing mark: '" - ', '," — '


@dataclass(frozen=True)
class _Span:
    """A quote's inner text span (marks excluded) and the paragraph it sits in."""

    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class _Speaker:
    name: str
    type: str | None
    cue: str | None
    confidence: float = 0.9  # lowered for the less precise sieves (carry-over, pronouns, descriptions)


def extract_quotes(doc: Doc, entities: list[Entity]) -> list[Quote]:
    """Every attributed direct quotation in the document, in text order."""
    text = doc.text
    spans = find_quote_spans(text)
    index = _MentionIndex(entities, spans)
    quotes: list[Quote] = []
    last: tuple[_Speaker, int] | None = None
    for span in spans:
        if _names_something(doc, text, span):
            continue
        speaker = _attribute(doc, text, span, spans, index, entities, last)
        quoted, start, end = _trim(text, span.start, span.end)
        if speaker is None or not quoted:
            continue
        speaker = _completed(speaker, doc, index)
        quotes.append(
            Quote(
                text=quoted,
                speaker=speaker.name,
                speaker_type=speaker.type,
                cue=speaker.cue,
                speaker_confidence=speaker.confidence,
                start=start,
                end=end,
            )
        )
        last = (speaker, span.paragraph)
    return quotes


def _names_something(doc: Doc, text: str, span: _Span) -> bool:
    """A title or a name in quote marks is no quotation (label convention): one right after a naming
    word ('a campaign titled "..."', 'a man named "..."', 'known as "..."', 'a print called "..."'),
    or one inside the subject of a speech verb ('The "Morning Desk" programme said')."""
    pos = span.start - 2
    while pos >= 0 and text[pos] == " ":
        pos -= 1
    before = doc.char_span(pos, pos + 1, alignment_mode="expand") if pos >= 0 else None
    prev = before[-1] if before is not None and len(before) else None
    if prev is not None:
        left = [t.lower_ for t in doc[max(0, prev.i - 2) : prev.i]]
        if prev.lower_ in NAMING_WORDS or (prev.lower_ == "as" and left[-1:] == ["known"]):
            return True
        if prev.lower_ == "called" and (prev.dep_ == "acl" or left == ["so", "-"]):
            return True
        if (prev.pos_ == "ADP" or prev.text == ",") and _title_cased(text[span.start : span.end]):
            return True  # 'On a new website, "The Harbour Watch", ...', 'writes on "The Harbour Watch"'
    inner = doc.char_span(span.start, span.end, alignment_mode="contract")
    if inner is None or not len(inner):
        return False
    for token in (inner.root, *inner.root.ancestors):
        outside = not inner.start <= token.i < inner.end
        if (
            outside
            and token.dep_ in {"nsubj", "nsubjpass"}
            and _is_cue(token.head)
            and token.head.i >= inner.end
        ):
            return True
        if outside and token.dep_ not in {"compound", "amod", "nmod", "poss"}:
            return False
    return False


_TITLE_SMALL_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "at", "vs"})


def _title_cased(quoted: str) -> bool:
    """Words of a title, not of a sentence: two or more capitalised words, every other word a small
    linking word or a number, no first person and no closing sentence mark."""
    words = re.findall(r"[^\W\d_][\w'’-]*|\d+", quoted)
    capitalised = [w for w in words if w[0].isupper()]
    return (
        len(capitalised) >= 2
        and all(w[0].isupper() or w.isdigit() or w.lower() in _TITLE_SMALL_WORDS for w in words)
        and "I" not in words
        and not quoted.rstrip().endswith((".", "!", "?"))
    )


def find_quote_spans(text: str) -> list[_Span]:
    """Pair double quote marks paragraph by paragraph; an unclosed quote runs to its paragraph's end
    (the next paragraph then reopens it, as news style does for multi-paragraph quotes)."""
    spans: list[_Span] = []
    starts = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
    ends = [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]
    carried: _Span | None = None  # the previous paragraph's quote, when it ran to the paragraph end
    for number, (p_start, p_end) in enumerate(zip(starts, ends, strict=True)):
        open_at: int | None = None
        for mark in _MARKS.finditer(text, p_start, p_end):
            char, pos = mark.group(), mark.start()
            if carried is not None:
                closing = char == _CLOSE or (char == '"' and _looks_closing(text, pos, p_start))
                if closing and spans and spans[-1] == carried:
                    # A quote continued into this paragraph without a new opening mark: one quote.
                    spans[-1] = _Span(carried.start, pos, number)
                    carried = None
                    continue
                carried = None
            if open_at is None:
                if char == _OPEN or (char == '"' and not _looks_closing(text, pos, p_start)):
                    open_at = pos + 1
            elif char == _OPEN and not _looks_closing(text, pos, p_start):
                spans.append(_Span(open_at, pos, number))
                open_at = pos + 1
            else:
                spans.append(_Span(open_at, pos, number))
                open_at = None
        carried = None
        if open_at is not None and p_end - open_at > 1:
            carried = _Span(open_at, p_end, number)
            spans.append(carried)
    return [s for s in spans if s.end > s.start and text[s.start : s.end].strip()]


def _looks_closing(text: str, pos: int, p_start: int) -> bool:
    """A straight mark after a word and before a space or punctuation closes (a stray one is skipped);
    so does an opening curly mark typed in place of the closing one ('... sides.“ The vote')."""
    before = text[pos - 1] if pos > p_start else " "
    after = text[pos + 1] if pos + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)")


def _trim(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Label convention: no surrounding space, and a trailing comma belongs to the attribution."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return text[start:end], start, end


# --- attribution ---------------------------------------------------------------------------------


class _MentionIndex:
    """Entity mentions outside quotes, sorted by offset, for "which entity is at/before this point"."""

    def __init__(self, entities: Sequence[Entity], spans: Sequence[_Span]) -> None:
        quoted = [(s.start, s.end) for s in spans]
        self.quoted = quoted
        rows = [
            (m.start, m.end, e)
            for e in entities
            for m in e.mentions
            if not any(qs <= m.start < qe for qs, qe in quoted)
        ]
        rows.sort(key=lambda r: r[0])
        self.starts = [r[0] for r in rows]
        self.rows = rows
        self.genders: dict[str, str] | None = None  # learnt on the first he/she (learn_genders)
        self.completions: dict[str, str] = {}  # speaker name -> the longest form its mentions give

    def at(self, start: int, end: int) -> Entity | None:
        row = self.row_at(start, end)
        return row[2] if row else None

    def row_at(self, start: int, end: int) -> tuple[int, int, Entity] | None:
        i = bisect_right(self.starts, end - 1) - 1
        while i >= 0 and self.rows[i][1] > start - 40:
            s, e, _ = self.rows[i]
            if s < end and start < e:
                return self.rows[i]
            i -= 1
        return None

    def within(self, start: int, end: int, types: frozenset[str]) -> list[tuple[int, int, Entity]]:
        lo, hi = bisect_right(self.starts, start - 1), bisect_right(self.starts, end - 1)
        return [row for row in self.rows[lo:hi] if row[2].type in types and row[1] <= end]

    def country_of(self, nationality: str) -> Entity | None:
        """The mentioned country a nationality word names ("Yemeni" -> Yemen): the longest shared
        start, covering all but the last two letters of the country's name."""
        word = nationality.lower()
        best: tuple[int, Entity] | None = None
        for entity in {id(r[2]): r[2] for r in self.rows if r[2].type == "GPE"}.values():
            name = entity.name.lower()
            shared = next(
                (i for i, (a, b) in enumerate(zip(word, name, strict=False)) if a != b),
                min(len(word), len(name)),
            )
            if shared >= 4 and shared >= len(name) - 2 and (best is None or shared > best[0]):
                best = (shared, entity)
        return best[1] if best else None

    def before(self, pos: int, types: frozenset[str], floor: int, gender: str | None = None) -> Entity | None:
        i = bisect_right(self.starts, pos - 1) - 1
        while i >= 0 and self.rows[i][0] >= floor:
            entity = self.rows[i][2]
            if entity.type in types and self.rows[i][1] <= pos and self.may_be(entity.name, gender):
                return entity
            i -= 1
        return None

    def may_be(self, name: str, gender: str | None) -> bool:
        """False only when the article makes the person's gender plain and it is not `gender`."""
        if gender is None or self.genders is None:
            return True
        known = self.genders.get(name)
        return known is None or known == gender

    def learn_genders(self, doc: Doc, text: str) -> None:
        """Each person's gender, only where the article makes it plain: an honorific before a mention
        ("Mrs Doe"), or the pronouns that follow the person as the only name in their sentence so far
        ("Doe moved her legs"), by a clear majority (a wrongly resolved "he" is outvoted)."""
        if self.genders is not None:
            return
        votes: dict[str, list[int]] = {}
        for start, _, entity in self.rows:
            if entity.type != "PERSON":
                continue
            before = text[max(0, start - 6) : start].split()  # (Doc.text joins every token)
            honorific = before[-1].lower().rstrip(".") if before else ""
            if honorific in HONORIFICS:
                votes.setdefault(entity.name, [0, 0])[HONORIFICS[honorific]] += 3
        for sent in doc.sents:  # by sentence: Token.sent is slow
            for token in sent:
                side = GENDERED_PRONOUNS.get(token.lower_)
                if side is None or _inside(token.idx, self.quoted):
                    continue
                # Only where one person is named before the pronoun in its sentence, as a subject.
                rows = self.within(sent.start_char, token.idx, _PERSON)
                if len({r[2].name for r in rows}) == 1 and any(_is_subject(doc, r[0], r[1]) for r in rows):
                    votes.setdefault(rows[0][2].name, [0, 0])[side] += 1
        self.genders = {}
        for name, (male, female) in votes.items():
            if male >= 2 and male >= 3 * female:
                self.genders[name] = "male"
            elif female >= 2 and female >= 3 * male:
                self.genders[name] = "female"


def _attribute(
    doc: Doc,
    text: str,
    span: _Span,
    spans: Sequence[_Span],
    index: _MentionIndex,
    entities: Sequence[Entity],
    last: tuple[_Speaker, int] | None,
) -> _Speaker | None:
    """Cue verb near the quote -> its subject; else the previous speaker for a follow-on quote."""
    quoted = [(s.start, s.end) for s in spans]
    dashed = _dash_speaker(doc, text, span, index)
    if dashed is not None:
        return dashed
    cue = _find_cue(doc, text, span, spans)
    colon = _introducing_colon(doc, text, span)
    if colon is not None and (cue is None or cue.sent != colon.sent):
        subject = _colon_subject(colon) or _mention_before(colon.head, index) or _named_head(colon, index)
        if subject is not None:
            speaker = _speaker_from(subject, text, span, index, entities, last)
            if speaker is not None and speaker.type != "DESCRIPTION":
                return _Speaker(speaker.name, speaker.type, speaker.cue, 0.85)
    if cue is not None:
        subject = (
            _subject(cue, quoted) or _name_after_close(doc, text, span, cue) or _mention_before(cue, index)
        )
        if subject is not None:
            speaker = _speaker_from(subject, text, span, index, entities, last)
            if speaker is not None:
                return _Speaker(speaker.name, speaker.type, cue.text, speaker.confidence)
    following = _speaker_after(doc, text, span, spans)
    if following is not None:
        subject = _subject(following, quoted)
        named = _speaker_from(subject, text, span, index, entities, last) if subject is not None else None
        if named is not None and named.type in {"PERSON", "ORG", "GPE"}:
            return _Speaker(named.name, named.type, following.text, 0.75)
    words = len(text[span.start : span.end].split())
    if words < MIN_FLOATING_WORDS and not _short_follow_on(text, span, last):
        return None
    verb = _verb_before(doc, text, span)
    if verb is not None:
        subject = _subject(verb, quoted) or _mention_before(verb, index)
        named = _speaker_from(subject, text, span, index, entities, last) if subject is not None else None
        if named is not None and named.type in {"PERSON", "ORG", "GPE"}:
            return _Speaker(named.name, named.type, verb.text, 0.8)
    if last is not None and span.paragraph - last[1] <= 1:
        introduced = _introduced_before(doc, span, index, quoted)
        if introduced is not None and introduced.name != last[0].name:
            return introduced
        return _Speaker(last[0].name, last[0].type, None, 0.7)
    return _introduced_before(doc, span, index, ())


def _short_follow_on(text: str, span: _Span, last: tuple[_Speaker, int] | None) -> bool:
    """'"...," said the spokesman. "Nobody was hurt."': a short quote that is a whole sentence of its
    own (capital, final mark inside the quote, opening its sentence) goes on the words just quoted in
    its paragraph, or is a paragraph of its own right after them. A short quoted term never is."""
    if last is None or span.paragraph - last[1] > 1:
        return False
    inner = text[span.start : span.end].strip()
    if not inner or not inner[0].isupper() or inner[-1] not in ".!?":
        return False
    before = text[: span.start - 1].rstrip(" ")
    opens = not before or before[-1] in '.!?\n"”'
    if span.paragraph == last[1]:
        return opens
    after = text[span.end + 1 : span.end + 3]
    return before.endswith("\n") and (not after.strip() or after.startswith("\n"))


def _dash_speaker(doc: Doc, text: str, span: _Span, index: _MentionIndex) -> _Speaker | None:
    """'"..." - Jane Doe' or '"...," — Jane Doe, a lawyer': a person named right after a dash that
    follows the closing mark is the speaker. Not a source list ('"Headline" — Outlet, May 2, 2008'):
    only a person, and no figure after the name on its line."""
    match = _DASH_AFTER.match(text, span.end + 1)
    if match is None:
        return None
    row = index.row_at(match.end(), match.end() + 1)
    if row is not None and row[0] == match.end() and row[2].type == "PERSON":
        name, end, confidence = row[2].name, row[1], 0.85
    else:
        # A two-word name the model did not tag ("- Jan Kowal, the delegation head.").
        tokens = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
        token = tokens[0] if tokens is not None and len(tokens) else None
        if row is not None or token is None or token.idx != match.end() or token.pos_ != "PROPN":
            return None
        last = token
        while last.i + 1 < len(doc) and doc[last.i + 1].pos_ == "PROPN":
            last = doc[last.i + 1]
        if last == token:
            return None
        name, end, confidence = doc[token.i : last.i + 1].text, last.idx + len(last.text), 0.6
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)]
    if any(c.isdigit() for c in rest):
        return None
    return _Speaker(name, "PERSON", None, confidence)


def _verb_before(doc: Doc, text: str, span: _Span) -> Token | None:
    """The verb right before the opening mark ("X questioned \"...\"", "X remarked, \"...\""): a
    quote that is the verb's object is that subject's words (Muzny et al.'s Mention-Verb-Quote)."""
    pos = span.start - 2
    while pos >= 0 and text[pos] in " ,:":
        pos -= 1
    if pos < 0:
        return None
    tokens = doc.char_span(pos, pos + 1, alignment_mode="expand")
    token = tokens[0] if tokens is not None and len(tokens) else None
    if token is None or token.pos_ != "VERB" or token.tag_ == "VBG":
        return None
    inner = doc.char_span(span.start, span.end, alignment_mode="contract")
    # The quote must hang on the verb (its object or complement), not merely follow it.
    return token if inner is not None and any(t.head.i == token.i for t in inner) else None


def _named_head(colon: Token, index: _MentionIndex) -> Token | None:
    """A colon the parser hung on a person's name ("X, the mother of a victim, added: \"...\"")."""
    head = colon.head
    row = index.row_at(head.idx, head.idx + len(head.text))
    return head if row is not None and row[2].type == "PERSON" else None


def _mention_before(verb: Token, index: _MentionIndex) -> Token | None:
    """A person or organisation name ending right before the verb is its subject, however the parser
    attached it ("... Colonel Jane Doe shared a view:"), also past its acronym in brackets ("the
    Department of State (DoS) advised")."""
    i = verb.i - 1
    if i >= 1 and verb.doc[i].text == ")":
        opening = next((j for j in range(i - 1, max(i - 5, -1), -1) if verb.doc[j].text == "("), None)
        i = opening - 1 if opening is not None else i
    if i < 0:
        return None
    prev = verb.doc[i]
    row = index.row_at(prev.idx, prev.idx + len(prev.text))
    return prev if row is not None and row[2].type in {"PERSON", "ORG"} else None


_AFTER_CLOSE = re.compile(r"[,]?[ \t]+")


def _name_after_close(doc: Doc, text: str, span: _Span, cue: Token) -> Token | None:
    """'"...," Jan Kowal, head of the office, told Reuters.': a cue after the quote that the parser
    joined to the quote's own clause has no subject outside it; the name opening the words after the
    closing mark is the subject, when the cue closes the same sentence."""
    match = _AFTER_CLOSE.match(text, span.end + 1)
    if match is None or cue.idx <= match.end():
        return None
    between = text[match.end() : cue.idx]
    if _MARKS.search(between) or any(c in between for c in ".!?:;\n"):
        return None
    tokens = doc.char_span(match.end(), match.end() + 1, alignment_mode="expand")
    token = tokens[0] if tokens is not None and len(tokens) else None
    if token is None or token.idx != match.end() or token.pos_ != "PROPN":
        return None
    return token if token.ent_type_ in {"", "PERSON", "ORG"} else None


def _find_cue(doc: Doc, text: str, span: _Span, spans: Sequence[_Span]) -> Token | None:
    """The speech verb nearest to the quote, outside every quote, in the sentences it touches
    (or the sentence before, when that one ends with a colon)."""
    first = doc.char_span(span.start, span.end, alignment_mode="expand")
    if first is None or not len(first):
        return None
    sents = [first[0].sent, first[-1].sent]
    region_start, region_end = sents[0].start, sents[1].end
    prev = doc[region_start - 1] if region_start > 0 else None
    if prev is not None and prev.text == ":" or (region_start > 1 and doc[region_start - 2].text == ":"):
        region_start = doc[region_start - 2].sent.start
    quoted = [(s.start - 1, s.end + 1) for s in spans]
    best: tuple[bool, int, Token] | None = None
    for token in doc[region_start:region_end]:
        if not _is_cue(token) or any(qs <= token.idx < qe for qs, qe in quoted):
            continue
        between = text[token.idx : span.start] if token.idx < span.start else text[span.end : token.idx]
        if "\n\n" in between:
            continue
        distance = token.idx - span.end if token.idx >= span.end else span.start - token.idx
        # A cue whose clause holds the quote beats a nearer one beside it ("X said it was "..." and
        # described it as ...": "said").
        outside = not _governs(token, first[0])
        if best is None or (outside, distance) < best[:2]:
            best = (outside, distance, token)
    return best[2] if best else None


def _governs(verb: Token, token: Token) -> bool:
    """`token` is in the verb's clause (the verb is among its heads)."""
    for _ in range(12):
        if token == verb:
            return True
        if token.head == token:
            return False
        token = token.head
    return False


def _speaker_after(doc: Doc, text: str, span: _Span, spans: Sequence[_Span]) -> Token | None:
    """'"...." Roth said.' or '"...." Jane Doe, the harbour master, added that ...': a quote
    standing as its own sentence, first in its paragraph, is the words of the one the next sentence
    (same paragraph, no quote of its own) names as the subject of its speech verb."""
    first_in_paragraph = not any(s.paragraph == span.paragraph and s.start < span.start for s in spans)
    close = span.end + 1
    if not first_in_paragraph or close >= len(text) or "\n" in text[close : close + 2]:
        return None
    opening = doc.char_span(span.start - 1, span.start)
    if opening is None or opening[0].i != opening[0].sent.start:
        return None
    tokens = doc.char_span(close, len(text), alignment_mode="expand")
    start = next((t for t in tokens or () if not t.is_space), None) if tokens is not None else None
    if start is None or start.idx - close > 2 or start.i != start.sent.start:
        return None
    sent = start.sent
    root = sent.root
    if _MARKS.search(sent.text) or not _is_cue(root) or root.lower_ == "according":
        return None
    subject = next((c for c in root.children if c.dep_ == "nsubj" and c.i < root.i), None)
    return root if subject is not None else None


def _introducing_colon(doc: Doc, text: str, span: _Span) -> Token | None:
    """The colon right before the opening mark ("X welcomed the deal: \"...\""), also at the end of
    the paragraph before; or a comma ending that paragraph after a speech verb ("X stated,")."""
    pos = span.start - 2
    while pos >= 0 and text[pos].isspace():
        pos -= 1
    if pos < 0 or text[pos] not in ":,":
        return None
    tokens = doc.char_span(pos, pos + 1)
    token = tokens[0] if tokens is not None and len(tokens) == 1 else None
    if token is None or token.text == ":":
        return token
    paragraph_end = "\n" in text[pos : span.start]
    return token if paragraph_end and _is_cue(token.head) and token.head.i < token.i else None


def _colon_subject(colon: Token) -> Token | None:
    """A quote introduced by a colon is the words of the subject of the clause before the colon (also
    when the parser hung that clause on the quote's own verb: 'Ruiz went on: "The people have spoken."')."""
    verb = colon.head
    if verb.i > colon.i:
        clause = next(
            (c for c in verb.children if c.i < colon.i and c.dep_ in {"ccomp", "advcl", "parataxis"}), None
        )
        if clause is None:
            return None
        verb = clause
    for _ in range(3):
        subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"} and c.i < colon.i), None)
        if subject is not None:
            return subject
        if verb.dep_ not in {"conj", "advcl", "xcomp"} or verb.head == verb:
            return None
        verb = verb.head
    return None


def _is_cue(token: Token) -> bool:
    if token.lower_ == "according" or _words_of(token):
        return True
    if token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() == "read":
        return _read_source(token) is not None
    return token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() in SPEECH_VERBS


def _narrative_before(token: Token) -> Span | None:
    """The nearest sentence before the token's own that lies outside any quote (a quote of several
    sentences sits in between, as in '"... . ...," it read.')."""
    doc, i = token.doc, token.sent.start - 1
    for _ in range(6):
        if i < 0:
            return None
        sent = doc[i].sent
        marks = len(_MARKS.findall(doc.text, sent.start_char, token.idx))
        if marks % 2 == 0 and not _MARKS.match(sent.text):
            return sent
        i = sent.start - 1
    return None


def _words_of(token: Token) -> bool:
    """ "In the words of the prosecutor, X, "..."": like "according to", it names the speaker."""
    return (
        token.lower_ == "words"
        and token.i >= 2
        and token.doc[token.i - 1].lower_ == "the"
        and token.doc[token.i - 2].lower_ == "in"
        and any(c.lower_ == "of" for c in token.children)
    )


def _read_source(verb: Token) -> Token | None:
    """ "The statement read: "..."" and "...," it read.' after "X flashed a message": a document or
    message reads out its author's words; the speaker is its author where the article says who put
    it out, else the document. A sign or a banner that "reads" a slogan is no speaker."""
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return None
    if subject.lemma_.lower() in READ_SOURCES:
        return subject
    previous = _narrative_before(verb) if subject.lower_ == "it" else None
    if previous is None:
        return None
    source = next((t for t in previous if t.lemma_.lower() in READ_SOURCES and t.pos_ == "NOUN"), None)
    if source is None:
        return None
    if source.dep_ == "dobj":
        author = next((c for c in source.head.children if c.dep_ == "nsubj"), None)
        if author is not None:
            return author  # "State radio broadcast a message": the broadcaster's words
    return source


def _subject(verb: Token, quoted: Sequence[tuple[int, int]] = ()) -> Token | None:
    """Subject of the cue, never a word inside a quote; "according to X" gives X; a conjoined verb
    borrows its head's subject."""
    if verb.lower_ == "according":
        for child in verb.children:
            if child.lower_ == "to":
                return next((c for c in child.children if c.dep_ == "pobj"), None)
        return None
    if _words_of(verb):
        of = next(c for c in verb.children if c.lower_ == "of")
        return next((c for c in of.children if c.dep_ == "pobj"), None)
    if verb.pos_ in {"VERB", "AUX"} and verb.lemma_.lower() == "read":
        return _read_source(verb)
    token: Token | None = verb
    from_participle = False
    for step in range(5):
        if token is None or (step >= 3 and not from_participle):
            return None
        # A participle cue ("..., saying", "a statement adding") has no subject of its own: an nsubj
        # the parser hung on it is a misparse; the speaker is the subject of the clause it modifies.
        # "whilst promising" borrows the clause's subject; "with Boswell stating" has its own.
        own = token.dep_ == "pcomp" and any(c.dep_ == "nsubj" for c in token.children)
        # Unless the clause it hangs on is the quote itself: then its subject is the speaker
        # ("Jane Doe, the mother, ..., adding to CNN: "I feel ...": "adding" on "feel").
        own = own or (token.head.i > token.i and _inside(token.head.idx, quoted))
        participle = token.tag_ == "VBG" and token.dep_ in {"advcl", "acl", "xcomp", "pcomp"} and not own
        from_participle = from_participle or participle
        # "X claims that Y is active, stating ...": a participle the parser hung on a subordinate
        # clause still tells what the main clause's subject did.
        subordinate = (
            from_participle
            and not participle
            and token.dep_ in {"advcl", "ccomp"}
            and token.head != token
            and not _inside(token.head.idx, quoted)
        )
        reactor = _reaction_source(token) if from_participle and not participle else None
        if reactor is not None:
            return reactor
        subjects = [
            c
            for c in token.children
            if c.dep_ in {"nsubj", "nsubjpass"}
            and not participle
            and not subordinate
            and not _inside(c.idx, quoted)
        ]
        if subjects:
            # "Ruritania's Prime Minister, Jan Kowal said": the parser gives the verb two subjects,
            # the title and the name in apposition to it; the one next to the verb is the name.
            before = [c for c in subjects if c.i < token.i]
            if before:
                return before[-1]
            last = subjects[-1]
            if (
                len(subjects) > 1
                and last.pos_ == "PROPN"
                and last.left_edge.i > 0
                and last.doc[last.left_edge.i - 1].text == ","
                and _names_a_person(subjects[0])
            ):
                return last  # '"...," said a spokesman for X in an interview, Jan Kowal.': the name
            return subjects[0]
        if token.lemma_.lower() not in ADDRESSEE_VERBS:
            for child in token.children:
                if (
                    child.dep_ in {"attr", "dobj", "npadvmod"}
                    and child.pos_ == "PROPN"
                    and child.i > token.i
                    and not _inside(child.idx, quoted)
                ):
                    return child
        head = token.head
        if (
            token.dep_ == "acl"
            and head.pos_ == "PROPN"
            and head.i < token.i
            and not _inside(head.idx, quoted)
        ):
            return head  # "Jane Doe, a victim's mother, thought ...": the parser hung the verb on her
        if participle and token.dep_ == "acl" and token.head.dep_ in {"dobj", "pobj", "attr"}:
            token = token.head.head  # "X issued a statement saying": the statement's issuer
        elif participle and token.dep_ == "pcomp" and token.head.dep_ == "prep":
            token = token.head.head  # "X defended it whilst promising": the clause the preposition opens
        else:
            token = (
                token.head
                if token.dep_ in {"conj", "xcomp", "advcl", "ccomp"} and token.head != token
                else None
            )
    return None


def _reaction_source(verb: Token) -> Token | None:
    """ "The decision drew the criticism of X, stating ...": the participle tells what X said, the
    one whose reaction the clause's object names, not what the clause's subject did."""
    for child in verb.children:
        if child.dep_ != "dobj" or child.lemma_.lower() not in REACTION_NOUNS:
            continue
        # "criticism of X"; "drew criticism from X" (the parser may hang "from" on the verb).
        links = [*child.children, *(c for c in verb.children if c.i > child.i and c.lower_ == "from")]
        link = next((c for c in links if c.lower_ in {"of", "from"}), None)
        source = next((c for c in link.children if c.dep_ == "pobj"), None) if link is not None else None
        if source is not None:
            return source
    return None


def _inside(pos: int, quoted: Sequence[tuple[int, int]]) -> bool:
    return any(qs <= pos < qe for qs, qe in quoted)


def _speaker_from(
    subject: Token,
    text: str,
    span: _Span,
    index: _MentionIndex,
    entities: Sequence[Entity],
    last: tuple[_Speaker, int] | None,
) -> _Speaker | None:
    """Name the subject: a mentioned entity, a pronoun or title resolved backwards, or a description."""
    bracketed = _before_brackets(subject, index)
    if bracketed is not None:
        return _Speaker(bracketed.name, bracketed.type, None)
    entity = index.at(subject.idx, subject.idx + len(subject.text))
    if entity is not None:
        return _Speaker(entity.name, entity.type, None)
    doc = subject.doc
    phrase = doc[subject.left_edge.i : subject.right_edge.i + 1]
    trailing = _trailing_name(subject, phrase, index) or _after_participle(subject, index)
    if trailing is not None:
        return trailing
    entity = (
        _named_in(subject, index)
        or _appositive_person(subject, phrase, index)
        or _detached_apposition(subject, index)
    )
    if entity is not None:
        return _Speaker(entity.name, entity.type, None)
    detached = _detached_name(subject)
    if detached is not None:
        return _Speaker(detached, "PERSON", None, 0.75)
    lower = subject.lower_
    floor = _paragraph_floor(text, subject.idx, 2)
    if lower in PERSON_PRONOUNS:
        previous = last[0].name if last is not None else None
        gender = _PRONOUN_GENDER[lower]
        index.learn_genders(doc, text)
        recent = _recent(last, span, {"PERSON"})
        if recent is not None and last is not None and not index.may_be(last[0].name, gender):
            recent = None
        return (
            _antecedent(subject, index, floor, previous, gender)
            or recent
            or _described_before(subject, index)
        )
    if lower in GROUP_PRONOUNS:
        # A country is "it", never "they": a plural pronoun is a group, or the people just quoted.
        if lower == "they":
            plural = last is not None and last[0].type == "DESCRIPTION" and last[0].name.endswith("s")
            return (
                _previous_subject(subject, index)
                or _recent(last, span, _THEY_TYPES if plural else {"ORG"})
                or _entity_speaker(index.before(subject.idx, frozenset({"ORG"}), floor), 0.6)
                or _recent(last, span, _GROUP_TYPES)
                or _entity_speaker(index.before(subject.idx, _GROUP_TYPES, floor), 0.5)
            )
        return _recent(last, span, _GROUP_TYPES) or _entity_speaker(
            index.before(subject.idx, _GROUP_TYPES, floor), 0.6
        )
    verb = subject.head
    edge = verb.right_edge.idx + len(verb.right_edge.text)
    inside = verb.idx < span.start and (span.start <= edge or not text[edge : span.start - 1].strip(" ,:"))
    if lower in {"who", "that"} and verb.dep_ == "relcl" and verb.head.i < subject.i and inside:
        # "criticised by Jane Doe, who said it was "..."": the relative pronoun is its antecedent,
        # when the quote is what the relative clause says (not a word before it).
        antecedent = verb.head
        if antecedent.lower_ not in {"who", "that", "which"}:
            described = _speaker_from(antecedent, text, span, index, entities, last)
            if described is None or described.type != "DESCRIPTION":
                return described
            # "The minister, who told reporters "...": the description ends before its clause.
            name = _phrase(subject.doc[antecedent.left_edge.i : subject.i])
            return _Speaker(name, "DESCRIPTION", None, described.confidence) if name else None
    if lower in {"i", "you", "who", "that", "which", "this"}:
        return None
    if subject.pos_ == "PROPN":
        name = _propn_run(subject)
        found = resolve(name, entities)
        return _Speaker(found.name, found.type, None, 0.8) if found else _Speaker(name, None, None, 0.6)
    return _describe(subject, phrase, index, floor)


def _described_before(pronoun: Token, index: _MentionIndex) -> _Speaker | None:
    """ "One of the survivors, a farmer, recalled the raid. "...," he said.': with no person named
    before, he/she is the unnamed person the sentence before (same paragraph) is about."""
    previous = _narrative_before(pronoun)
    if previous is None or "\n\n" in pronoun.doc.text[previous.end_char : pronoun.idx]:
        return None
    subject = next((c for c in previous.root.children if c.dep_ == "nsubj"), None)
    if subject is None or index.at(subject.idx, subject.idx + len(subject.text)) is not None:
        return None
    one_of = subject.lower_ == "one" and any(c.lower_ == "of" for c in subject.children)
    if not one_of and not (_names_a_person(subject) and subject.tag_ == "NN"):
        return None
    doc = pronoun.doc
    end = next(
        (t.i for t in doc[subject.i : subject.right_edge.i + 1] if t.text == ","), subject.right_edge.i + 1
    )
    text = _phrase(doc[subject.left_edge.i : end])
    return _Speaker(text, "DESCRIPTION", None, 0.5) if text else None


def _previous_subject(pronoun: Token, index: _MentionIndex) -> _Speaker | None:
    """ "In its report, the Centre issued a watch. They mentioned ...": "they" opening a sentence is
    the subject of the sentence before when that is an organisation or a plural description, even
    when another speaker was quoted last (Muzny et al.: the most salient matching mention)."""
    sent = pronoun.sent
    if pronoun.i - sent.start > 2 or sent.start == 0:
        return None
    previous = pronoun.doc[sent.start - 1].sent
    root = previous.root
    for child in root.children:
        if child.dep_ != "nsubj":
            continue
        entity = index.at(child.idx, child.idx + len(child.text))
        if entity is not None:
            # The model types some bodies ("... Warning Centre") as facilities.
            return _Speaker(entity.name, entity.type, None, 0.7) if entity.type in {"ORG", "FAC"} else None
        if child.tag_ == "NNS" and child.pos_ == "NOUN" and not _MARKS.search(previous.text):
            text = _phrase(pronoun.doc[child.left_edge.i : child.right_edge.i + 1])
            return _Speaker(text, "DESCRIPTION", None, 0.5) if text else None
    return None


def _after_participle(subject: Token, index: _MentionIndex) -> _Speaker | None:
    """ "Writing in a blog post, Jane Doe of the Daily Planet called it ...": the parser can make the
    opening participle the subject; the speaker is the first name after its comma."""
    opening = subject.i == subject.sent.start and subject.lower_.endswith("ing")
    if subject.tag_ != "VBG" and not opening:
        return None
    tokens = list(subject.subtree)
    comma = next((i for i, t in enumerate(tokens) if t.text == ","), None)
    for token in tokens[comma + 1 :] if comma is not None else ():
        entity = index.at(token.idx, token.idx + len(token.text))
        if entity is not None and entity.type in {"PERSON", "ORG"}:
            return _Speaker(entity.name, entity.type, None, 0.8)
    return None


def _antecedent(
    pronoun: Token, index: _MentionIndex, floor: int, last_speaker: str | None, gender: str | None = None
) -> _Speaker | None:
    """He/she: the nearest person earlier in the same sentence; else, in the nearest earlier sentence
    naming a person, the one it is about ("according to X", the main clause's subject) before the
    one it merely mentions ("X, father of a victim, believes Y was not guilty. He said..."); the
    speaker of the last quote goes first when that sentence names them ("...," he added), also when
    the model did not tag that mention a person. A sentence naming no tagged person offers a name
    the model did not tag, where the words make it a person (`_untagged_person`)."""
    sent = pronoun.sent
    same = index.before(pronoun.idx, _PERSON, max(floor, sent.start_char), gender)
    if same is not None:
        return _entity_speaker(same, 0.75)
    untagged = _untagged_person(pronoun.doc, max(floor, sent.start_char), pronoun.idx, index)
    if untagged is not None:
        return untagged
    doc = pronoun.doc
    i = sent.start - 1
    while i >= 0 and doc[i].idx >= floor:
        prev = doc[i].sent
        rows = [
            r
            for r in index.within(prev.start_char, prev.end_char, _PERSON)
            if index.may_be(r[2].name, gender)
        ]
        spoke = [r for r in rows if r[2].name == last_speaker]
        if spoke:
            return _entity_speaker(spoke[0][2], 0.75)
        if last_speaker is not None and _mentions(doc, prev, last_speaker, index):
            return _Speaker(last_speaker, "PERSON", None, 0.75)
        if rows:
            return _entity_speaker(min(rows, key=lambda r: (_prominence(doc, r[0], r[1]), r[0]))[2], 0.75)
        untagged = _untagged_person(doc, max(floor, prev.start_char), prev.end_char, index)
        if untagged is not None:
            return untagged
        i = prev.start - 1
    return None


def _mentions(doc: Doc, sent: Span, name: str, index: _MentionIndex) -> bool:
    """The sentence names `name` (in full or by its last word) outside quotes, however it was typed."""
    words = {name, name.split()[-1]}
    return any(
        t.text in words and not _inside(t.idx, index.quoted) for t in sent if t.pos_ == "PROPN"
    ) or any(name in doc.text[s:e] for s, e, _ in index.within(sent.start_char, sent.end_char, NAMED))


def _untagged_person(doc: Doc, start: int, end: int, index: _MentionIndex) -> _Speaker | None:
    """A name between `start` and `end` that the model did not tag, where the words make it a person:
    right after a person's title or noun ("coach X", "Representative X"), or a clause's subject that
    a verb follows at once ("... on Friday X indicated he ..."). Names an article types as a place or
    body elsewhere are left out; the confidence stays low (a guess from the words alone)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return None
    i = span.start
    while i < span.end:
        token = doc[i]
        if not _loose_name_word(token, index):
            i += 1
            continue
        j = i
        while j + 1 < span.end and _loose_name_word(doc[j + 1], index):
            j += 1
        words = doc[i : j + 1]
        before = doc[i - 1] if i > 0 else None
        after = doc[j + 1] if j + 1 < len(doc) else None
        titled = before is not None and (before.lower_ in TITLES or _names_a_person(before))
        subject = after is not None and after.pos_ == "VERB" and after.tag_ in {"VBD", "VBZ"}
        if (titled or subject) and _is_name(list(words)) and not _named_otherwise(words.text, index):
            return _Speaker(words.text, "PERSON", None, 0.6)
        i = j + 1
    return None


def _loose_name_word(token: Token, index: _MentionIndex) -> bool:
    """A proper noun outside quotes that no entity covers and the model gave no other type."""
    return (
        token.pos_ == "PROPN"
        and token.ent_type_ in {"", "PERSON"}
        and token.is_alpha
        and not token.is_upper
        and token.lower_ not in TITLES
        and not _inside(token.idx, index.quoted)
        and index.at(token.idx, token.idx + len(token.text)) is None
    )


def _named_otherwise(name: str, index: _MentionIndex) -> bool:
    return any(e.type != "PERSON" and name in e.name.split() for _, _, e in index.rows) or any(
        e.type != "PERSON" and e.name == name for _, _, e in index.rows
    )


def _is_subject(doc: Doc, start: int, end: int) -> bool:
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and span.root.dep_ in {"nsubj", "nsubjpass"}


def _prominence(doc: Doc, start: int, end: int) -> int:
    """0 for the source of "according to X" and the topic of an opening "For X, ...", 1 for the main
    clause's subject, 2 for other subjects."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return 3
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ == "to" and root.head.head.lower_ == "according":
        return 0
    if root.dep_ == "pobj" and root.head.lower_ == "for" and root.head.i == root.sent.start:
        return 0  # "For Jane Doe, a teacher, X was a hero. She said ...": the sentence is about her
    if root.dep_ == "appos" and root.head.dep_ in {"nsubj", "nsubjpass"}:
        root = root.head  # "the union's chairman, X, called off the strike": X is the subject
    if root.dep_ in {"nsubj", "nsubjpass"}:
        return 1 if root.head.dep_ == "ROOT" else 2
    return 3


def _before_brackets(subject: Token, index: _MentionIndex) -> Entity | None:
    """A subject inside brackets is an aside on the name before them: the parser can make the party
    and state label the head ("said Representative Jan Kowal (R Ohio)" parsed with "Ohio" as the
    subject), and the speaker is the person named right before the opening bracket."""
    doc = subject.doc
    opening = next((t for t in reversed(doc[subject.left_edge.i : subject.i]) if t.text in {"(", ")"}), None)
    if opening is None or opening.text != "(" or opening.i == 0:
        return None
    before = doc[opening.i - 1]
    entity = index.at(before.idx, before.idx + len(before.text))
    return entity if entity is not None and entity.type == "PERSON" else None


def _trailing_name(subject: Token, phrase: Span, index: _MentionIndex) -> _Speaker | None:
    """A name closing the subject phrase after a title or a comma is the speaker, however the parser
    attached it ("U.S. Ambassador to the U.N. Jane Doe", "The director of X, Amir Said")."""
    tokens = [t for t in phrase if not t.is_punct or t.text == "-"]
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    if not tokens or tokens[-1].pos_ != "PROPN" or tokens[-1] == subject:
        return None
    last = tokens[-1]
    run = _propn_run(last)
    first = last.doc[last.i - len(run.split()) + 1] if run else last
    after_comma = first.i > 0 and last.doc[max(first.i - 1, 0)].text == ","
    row = index.row_at(last.idx, last.idx + len(last.text))
    if row is not None and row[2].type == "PERSON":
        # A known person closing the phrase names it unless a preposition or possessive ties it
        # to the head ("a top adviser to X", "X's spokesman").
        start = last.doc.char_span(row[0], row[1], alignment_mode="expand")
        before = last.doc[start.start - 1] if start is not None and start.start > 0 else None
        if before is None or not (before.pos_ == "ADP" or before.tag_ == "POS"):
            return _Speaker(row[2].name, "PERSON", None)
    if not (after_comma or subject.text[:1].isupper()):
        return None
    if after_comma and last.dep_ == "appos" and last.head == subject and _names_a_person(subject):
        # "the state governor, Wiranata,": a name in apposition to a person noun is that person,
        # also when the model typed it ORG/GPE or did not tag it (one-word names).
        return _Speaker(row[2].name if row is not None else run, "PERSON", None, 0.75)
    if row is not None:
        return _Speaker(row[2].name, row[2].type, None) if row[2].type == "PERSON" else None
    return _Speaker(run, "PERSON", None) if after_comma and " " in run else None


def _names_a_person(noun: Token) -> bool:
    """A common noun that describes a person ("governor", "father"), not a body, place or document."""
    lemma = noun.lemma_.lower()
    return (
        noun.pos_ == "NOUN"
        and noun.lower_ not in ORG_NOUNS | PLACE_NOUNS | PART_NOUNS | GOVERNMENT_NOUNS
        and lemma not in DOCUMENT_NOUNS
    )


def _propn_run(token: Token) -> str:
    """The proper-noun words around a token (a name the model did not tag), hyphens included."""
    doc = token.doc
    left = token.i
    while left > 0 and (
        doc[left - 1].pos_ == "PROPN" or doc[left - 1].text == "-" or _hyphen_piece(doc, left - 1)
    ):
        left -= 1
    right = token.i
    while right + 1 < len(doc) and (
        doc[right + 1].pos_ == "PROPN" or doc[right + 1].text == "-" or _hyphen_piece(doc, right + 1)
    ):
        right += 1
    return doc[left : right + 1].text


def _hyphen_piece(doc: Doc, i: int) -> bool:
    """A word glued to a hyphen ("Do" and "hyun" of "Do-hyun"), which the model often tags a noun."""
    token = doc[i]
    before = i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_
    after = i + 1 < len(doc) and doc[i + 1].text == "-" and not token.whitespace_
    return token.is_alpha and (before or after)


def _completed(speaker: _Speaker, doc: Doc, index: _MentionIndex) -> _Speaker:
    """A person's name the model cut at a particle or a hyphen ("Montebranco" of "Ines da
    Montebranco", "Ahn Tae" of "Ahn Tae-oh") is named by the longest form its own mentions give."""
    if speaker.type not in {"PERSON", None}:
        return speaker
    full = index.completions.get(speaker.name)
    if full is None:
        full = index.completions[speaker.name] = _longest_form(speaker.name, doc, index)
    return replace(speaker, name=full) if full != speaker.name else speaker


def _longest_form(name: str, doc: Doc, index: _MentionIndex) -> str:
    """The name grown at each of its mentions outside quotes; unchanged when two forms disagree."""
    text = doc.text
    spans = [(s, e) for s, e, entity in index.rows if entity.name == name and text[s:e] == name]
    if not spans:
        spans = [
            (m.start(), m.end())
            for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text)
            if not _inside(m.start(), index.quoted)
        ]
    forms: set[str] = set()
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            forms.add(_grown(doc, span.start, span.end))
    longest = max(forms, key=len, default=name)
    if any(form not in longest for form in forms):
        return name
    return longest


def _grown(doc: Doc, i: int, j: int) -> str:
    """Tokens i..j grown right over glued hyphen pieces ("Tae" + "-oh"), left over lowercase
    particles ("de la") and then over the given name before them."""
    while j + 1 < len(doc) and doc[j].text == "-" and not doc[j - 1].whitespace_ and not doc[j].whitespace_:
        if not doc[j + 1].is_alpha:
            break
        j += 2
    while i > 0:
        prev = doc[i - 1]
        if prev.text.islower() and prev.lower_ in PARTICLES:
            i -= 1
        elif prev.text == "-" and not prev.whitespace_ and i > 1 and doc[i - 2].lower_ in PARTICLES:
            i -= 2
        else:
            break
    # Only a name that opens with a particle takes the given name before it: a capitalised word
    # before a plain surname is as often a descriptor ("Education Minister X", "Labour MP X").
    if i > 0 and doc[i].text in PARTICLES and _given_name(doc[i - 1]):
        i -= 1
    return doc[i:j].text


def _given_name(token: Token) -> bool:
    """A capitalised proper noun before a name's particle ("Jan" of "Jan bin Said") that is no
    title, acronym, place or body."""
    return (
        token.pos_ == "PROPN"
        and token.is_alpha
        and token.text[:1].isupper()
        and not token.is_upper
        and token.lower_ not in TITLES
        and token.ent_type_ in {"", "PERSON"}
    )


def _named_in(subject: Token, index: _MentionIndex) -> Entity | None:
    """The entity the subject names: the subject itself, or a name joined to it by apposition or
    compounding ("spokesman John Smith", "U.S. Ambassador ... Jane Doe"), a person
    first; names behind a preposition ("a top adviser to X") describe the speaker, they are not it."""
    found: list[Entity] = []
    stack = [(c, False) for c in subject.children if c.dep_ in _NAME_LINKS]
    while stack:
        token, described = stack.pop()
        entity = index.at(token.idx, token.idx + len(token.text))
        if entity is not None and (entity.type == "PERSON" or not described):
            found.append(entity)
        # Below a description in apposition ("X, a senior Hamas official,") a body is the
        # speaker's affiliation, not the speaker.
        described = described or (token.dep_ == "appos" and token.pos_ == "NOUN")
        stack.extend((c, described) for c in token.children if c.dep_ in _NAME_LINKS)
    persons = [e for e in found if e.type == "PERSON"]
    if persons:
        return persons[0]
    return found[0] if found and subject.pos_ == "PROPN" else None


def _appositive_person(subject: Token, phrase: Span, index: _MentionIndex) -> Entity | None:
    """ "A spokesman for X, NAME, ..." names the spokesman, wherever the parser hung the apposition."""
    if subject.pos_ != "NOUN":
        return None
    for token in phrase:
        if token.dep_ == "appos" and token.i > subject.i and token.doc[token.left_edge.i - 1].text == ",":
            entity = index.at(token.idx, token.idx + len(token.text))
            if entity is not None and entity.type == "PERSON":
                return entity
    return None


def _detached_apposition(subject: Token, index: _MentionIndex) -> Entity | None:
    """ "..., said a spokesman for the office in an interview, Jan Kowal.": a role noun's name can
    close its sentence after a comma, far from the noun in the parse."""
    if subject.lower_ not in SPOKESPERSON_NOUNS | ROLE_NOUNS:
        return None
    sent = subject.sent
    for start, end, entity in index.within(subject.idx, sent.end_char, _PERSON):
        span = subject.doc.char_span(start, end, alignment_mode="expand")
        if span is None or span.start == 0 or subject.doc[span.start - 1].text != ",":
            continue
        rest = subject.doc[span.end : sent.end]
        if all(t.is_punct or t.is_space for t in rest):
            return entity
    return None


def _detached_name(subject: Token) -> str | None:
    """The same closing name when the model did not tag it as a person (a one-word name typed
    GPE): proper nouns alone between the last comma and the sentence's end."""
    if subject.lower_ not in SPOKESPERSON_NOUNS | ROLE_NOUNS:
        return None
    words = [t for t in subject.doc[subject.i + 1 : subject.sent.end] if not (t.is_punct or t.is_space)]
    if not words or words[-1].pos_ != "PROPN":
        return None
    run = _propn_run(words[-1])
    first = subject.doc[words[-1].i - len(run.split()) + 1]
    rest = subject.doc[words[-1].i + 1 : subject.sent.end]
    closing = all(t.is_punct or t.is_space for t in rest)
    return run if closing and first.i > subject.i + 1 and subject.doc[first.i - 1].text == "," else None


def _describe(subject: Token, phrase: Span, index: _MentionIndex, floor: int) -> _Speaker | None:
    """ "The spokesman" is someone named before; "a BBC correspondent" or "officials" stay unnamed."""
    det = next((c.lower_ for c in subject.children if c.dep_ == "det"), None)
    definite = det == "the" or phrase[0].lower_ == "the"
    singular = subject.tag_ in {"NN", "NNP"}
    owner = _owner(subject, index) or (_earlier_document_owner(subject, index) if definite else None)
    if owner is not None:
        return _Speaker(owner.name, owner.type, None, 0.7)
    owned = subject.lower_ in SPOKESPERSON_NOUNS or subject.lemma_.lower() in DOCUMENT_NOUNS
    possessor = next((c for c in subject.children if c.dep_ == "poss" and c.pos_ == "PROPN"), None)
    if owned and possessor is not None and possessor.ent_type_ not in {"DATE", "TIME"}:
        # "PC World's analysis concluded": a name the model did not tag still owns its document.
        return _Speaker(_propn_run(possessor), None, None, 0.6)
    named = [c for c in subject.children if c.dep_ == "compound" and c.pos_ == "PROPN"]
    if definite and singular and named and subject.lower_ in ORG_NOUNS:
        # "The Nobel committee cited ...": a body named by its own words, not one named before.
        name = subject.doc[named[0].i : subject.i + 1].text
        return _Speaker(name, "ORG", None, 0.6)
    if definite and singular:
        entity = _described_entity(subject, index, floor)
        if entity is not None:
            return _Speaker(entity.name, entity.type, None, 0.65)
    holder = _name_in_description(subject, phrase, index)
    if holder is not None:
        return holder
    text = _phrase(phrase)
    return _Speaker(text, "DESCRIPTION", None, 0.5) if text else None


_PLACE_TYPES = NAMED - {"ORG"}  # places and peoples


def _name_in_description(subject: Token, phrase: Span, index: _MentionIndex) -> _Speaker | None:
    """A description that holds its speaker's name is that person, when the parser hung the name
    off a title ("X, Ukraine's foreign minister", "Japan's coach X", "A spokesman for Y, X, in a
    briefing") or the model did not tag it as a person (an unfamiliar or hyphenated name)."""
    words = [t for t in phrase if not t.is_space]
    commas = [i for i, t in enumerate(words) if t.text == ","]
    if commas:
        # "NAME, <person noun> ...": the name opens the phrase and a person noun follows the comma.
        head, rest = words[: commas[0]], words[commas[0] + 1 :]
        if _is_name(head) and any(
            _names_a_person(t) for t in rest if t.dep_ in {"appos", "nsubj"} or t == subject
        ):
            return _named_speaker(head, index)
    if _names_a_person(subject) or subject.lower_ in SPOKESPERSON_NOUNS | ROLE_NOUNS:
        # "<person noun> NAME" closing the phrase: the title is compounded onto the name.
        end = len(words)
        while end and words[end - 1].is_punct and words[end - 1].text != "-":
            end -= 1
        start = end
        while start and _name_word(words[start - 1]):
            start -= 1
        if start and start < end and _is_name(words[start:end]) and _names_a_person(words[start - 1]):
            return _named_speaker(words[start:end], index)
        if start and start < end and words[start - 1].pos_ == "ADP":
            # "Vice chairman of the X Organization in Mogadishu NAME": a place the article names on
            # its own opens the run; the rest is the name.
            after = _after_place(words[start:end], index)
            if after and _is_name(after, glued=True):
                return _named_speaker(after, index)
        # "A spokesman for Y, NAME, in a briefing": a name set off by commas after the title.
        bounds = [*commas, len(words)]
        for left, right in zip(bounds, bounds[1:], strict=False):
            if words[left].i > subject.i and _is_name(words[left + 1 : right]):
                return _named_speaker(words[left + 1 : right], index)
    return None


def _after_place(run: Sequence[Token], index: _MentionIndex) -> Sequence[Token]:
    """The words of a proper-noun run after a place it opens with, one the article mentions alone."""
    places = {entity.name for _, _, entity in index.rows if entity.type in {"GPE", "LOC"}}
    for k in range(1, len(run)):
        if run[0].doc.text[run[0].idx : run[k - 1].idx + len(run[k - 1].text)] in places:
            return run[k:]
    return ()


def _name_word(token: Token) -> bool:
    """A word personal names are made of: capitalised, a lowercase particle, or a hyphen piece."""
    if token.text == "-" or _hyphen_piece(token.doc, token.i):
        return True
    if not token.is_alpha or token.pos_ in {"DET", "PRON", "VERB", "AUX", "NUM", "CCONJ"}:
        return False
    return token.text[:1].isupper() or token.lower_ in PARTICLES


def _is_name(tokens: Sequence[Token], glued: bool = False) -> bool:
    """Name words only, opening and closing on a capitalised word, with a proper noun among them,
    not all typed a place (unless `glued`: the model gave them the type of a place before them)."""
    return (
        bool(tokens)
        and all(_name_word(t) for t in tokens)
        and tokens[0].text[:1].isupper()
        and tokens[-1].text != "-"
        and tokens[-1].lower_ not in PARTICLES
        and any(t.pos_ == "PROPN" for t in tokens)
        and (glued or not all(t.ent_type_ in _PLACE_TYPES for t in tokens if t.text != "-"))
    )


def _named_speaker(tokens: Sequence[Token], index: _MentionIndex) -> _Speaker:
    """The entity the name words are, else the words themselves as an untagged person."""
    first, last = tokens[0], tokens[-1]
    row = index.row_at(last.idx, last.idx + len(last.text))
    if row is not None and row[0] >= first.idx and row[2].type == "PERSON":
        return _Speaker(row[2].name, "PERSON", None, 0.75)
    return _Speaker(first.doc.text[first.idx : last.idx + len(last.text)], "PERSON", None, 0.6)


def _owner(subject: Token, index: _MentionIndex) -> Entity | None:
    """A spokesperson or a document speaks for the organisation it belongs to ("the Ministry's
    spokesman", "a report by the Agency") when the article credits nobody by name."""
    document = subject.lower_ in DOCUMENT_NOUNS or subject.lemma_.lower() in DOCUMENT_NOUNS
    links = DOCUMENT_LINKS if document else SPOKESPERSON_LINKS
    if subject.lower_ in ORG_NOUNS | PART_NOUNS:
        # "the UN's relief agency", "the armed wing of the Party": a body belongs to the one it names.
        return _belongs_to(subject, index)
    if not document and subject.lemma_.lower() in ROLE_NOUNS and subject.tag_ == "NNS":
        # "officials in the Defence Agency considered it ...": unnamed officials speak for their body.
        return _first_entity(_owner_tokens(subject, {"poss"}, ROLE_LINKS), index, {"ORG"})
    if not document and subject.lower_ not in SPOKESPERSON_NOUNS:
        return None
    # A person's statement is the person's words ("Doe's statement added"); a person's spokesman
    # is someone else. A name compounded into the head owns it too ("the Home Office letter").
    types = _GROUP_TYPES | _PERSON if document else _GROUP_TYPES
    owners = _owner_tokens(subject, {"poss", "compound"}, links)
    if document:
        # "a statement released by X", "the letter, signed by X,": the agent of its participle.
        owners += [
            g
            for c in subject.children
            if c.dep_ == "acl" and c.tag_ == "VBN" and c.lemma_.lower() in AUTHORING_VERBS
            for a in c.children
            if a.dep_ == "agent"
            for g in a.children
            if g.dep_ == "pobj"
        ]
    entity = _first_entity(owners, index, types)
    if entity is not None:
        return entity
    # "Yemeni statements", "a statement from the Yemeni embassy": the nationality names the country.
    bodies = [t for t in owners if t.lower_ in ORG_NOUNS | GOVERNMENT_NOUNS] if document else []
    for token in [subject, *bodies] if document else ():
        for child in token.children:
            if child.dep_ in {"amod", "compound"} and child.ent_type_ == "NORP":
                country = index.country_of(child.text)
                if country is not None:
                    return country
    return None


def _belongs_to(subject: Token, index: _MentionIndex) -> Entity | None:
    return _first_entity(_owner_tokens(subject, {"poss"}, {"of"}), index, _GROUP_TYPES)


def _owner_tokens(subject: Token, deps: Collection[str], links: Collection[str]) -> list[Token]:
    """Who a noun belongs to: its possessive (or compound) children, then the objects of its
    linking prepositions ("a report by X", "the wing of X")."""
    owners = [c for c in subject.children if c.dep_ in deps]
    owners += [
        g
        for c in subject.children
        if c.dep_ == "prep" and c.lower_ in links
        for g in c.children
        if g.dep_ == "pobj"
    ]
    return owners


def _first_entity(tokens: Iterable[Token], index: _MentionIndex, types: Collection[str]) -> Entity | None:
    for token in tokens:
        entity = index.at(token.idx, token.idx + len(token.text))
        if entity is not None and entity.type in types:
            return entity
    return None


def _earlier_document_owner(subject: Token, index: _MentionIndex) -> Entity | None:
    """ "The report states" refers back to the report the article introduced ("a report by X", "X's
    report", "In its report, X ...", "X released a report"): that report's owner speaks."""
    if subject.lower_ not in DOCUMENT_NOUNS:
        return None
    doc = subject.doc
    for i in range(subject.i - 1, -1, -1):
        token = doc[i]
        if token.lemma_.lower() != subject.lemma_.lower() or token.pos_ != "NOUN":
            continue
        owner = _owner(token, index) or _issuer(token, index)
        if owner is not None:
            return owner
    return None


def _issuer(document: Token, index: _MentionIndex) -> Entity | None:
    """Who put a document out: the subject of the clause it is the object of ("X released a report"),
    or of the clause it opens with a possessive pronoun ("In its report, X said")."""
    verb = document.head
    pronoun = any(c.dep_ == "poss" and c.lower_ in {"its", "their"} for c in document.children)
    if document.dep_ == "pobj" and pronoun:
        verb = verb.head
    elif document.dep_ not in {"dobj", "nsubjpass"} or verb.pos_ != "VERB":
        return None
    for child in verb.children:
        if child.dep_ in {"nsubj", "agent"}:
            token = (
                next((g for g in child.children if g.dep_ == "pobj"), child)
                if child.dep_ == "agent"
                else child
            )
            entity = index.at(token.idx, token.idx + len(token.text))
            if entity is not None and entity.type in _GROUP_TYPES:
                return entity
    return None


def _described_entity(subject: Token, index: _MentionIndex, floor: int) -> Entity | None:
    """ "The government" is the article's main country (the most mentioned one named so far); "the
    association" the nearest organisation; "the spokesman" the nearest person."""
    head = subject.lower_
    if head in GOVERNMENT_NOUNS:
        places = index.within(0, subject.idx, frozenset({"GPE"}))
        if places:
            return max(places, key=lambda r: (len(r[2].mentions), -r[0]))[2]
        return index.before(subject.idx, _GROUP_TYPES, floor)
    if head in PLACE_NOUNS:
        place = index.before(subject.idx, frozenset({"GPE"}), floor)
        if place is not None:
            return place
        return index.before(subject.idx, _GROUP_TYPES, 0) or index.before(subject.idx, _PERSON, floor)
    if head in ORG_NOUNS:
        return (
            _headed_by(subject, index)
            or _salient_before(subject, index, floor)
            or index.before(subject.idx, frozenset({"ORG"}), floor)
            or index.before(subject.idx, _GROUP_TYPES, floor)
        )
    return _titled_person(subject, index) or index.before(subject.idx, _PERSON, floor)


def _titled_person(subject: Token, index: _MentionIndex) -> Entity | None:
    """ "the minister said": the person the article gave that title ("Interior Minister X", "X, the
    interior minister,", "the coach, X,"), the latest one named before, ahead of the nearest person
    (Muzny et al.: a title mention goes to the entity it matches); a modifier the description
    repeats ("the prime minister") picks among several."""
    doc = subject.doc
    words = SPOKESPERSON_NOUNS if subject.lower_ in SPOKESPERSON_NOUNS else {subject.lower_}
    modifiers = {c.lower_ for c in subject.children if c.dep_ in {"amod", "compound"}}
    if modifiers & {"other", "another"}:
        return None  # "the other official" is not the official named before
    left = subject.left_edge.i
    if left > 0 and doc[left - 1].text == ",":
        # "X, the other official, stated": an apposition the parser did not attach.
        named = index.at(doc[left - 2].idx, doc[left - 2].idx + 1) if left > 1 else None
        if named is not None and named.type == "PERSON":
            return named
    fallback: Entity | None = None
    i = bisect_right(index.starts, subject.idx - 1) - 1
    while i >= 0:
        start, end, entity = index.rows[i]
        i -= 1
        if entity.type != "PERSON" or end > subject.idx:
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        context = {t.lower_ for t in _title_context(span)} if span is not None else set()
        if words & context:
            if modifiers <= context:
                return entity
            fallback = fallback or entity
    return fallback


def _title_context(name: Span) -> list[Token]:
    """The words that give a name its title: the name itself, nouns compounded onto it ("police
    chief X"), and a noun it is in apposition with ("X, the interior minister,", "the coach, X",
    "X, a spokesman for Y"), with their modifiers; not a noun merely nearby ("in a post, X")."""
    root = name.root
    heads: list[Token] = []
    for token in name.doc[max(name.start - 6, 0) : min(name.end + 8, len(name.doc))]:
        if name.start <= token.i < name.end:
            continue
        chain = token
        for _ in range(3):  # "police chief X", "Interior Minister X": compounds onto the name
            if chain.dep_ not in {"compound", "amod", "nmod"} or chain.head == chain:
                break
            chain = chain.head
        compounded = name.start <= chain.i < name.end and chain != token
        apposed = (token.dep_ == "appos" and token.head == root) or (
            root.dep_ == "appos" and root.head == token
        )
        if compounded or apposed:
            heads.append(token)
    tokens = list(name)
    for head in heads:
        tokens.append(head)
        tokens.extend(c for c in head.children if c.dep_ in {"amod", "compound"})
    return tokens


def _headed_by(subject: Token, index: _MentionIndex) -> Entity | None:
    """ "The hospital said" after "the Central Hospital": the nearest organisation named before whose
    name ends in the description's head word."""
    head = subject.lower_
    i = bisect_right(index.starts, subject.idx - 1) - 1
    while i >= 0:
        entity = index.rows[i][2]
        i -= 1
        if entity.type == "ORG" and entity.name.lower().split()[-1] == head and " " in entity.name:
            return entity
    return None


def _salient_before(subject: Token, index: _MentionIndex, floor: int) -> Entity | None:
    """ "The Sunday Post claimed that planners at the Ministry ... The newspaper also claims": the
    organisation a definite description refers back to is the nearest one that was a clause's
    subject, not one merely mentioned after it (Muzny et al.: the most salient mention)."""
    doc = subject.doc
    i = bisect_right(index.starts, subject.idx - 1) - 1
    while i >= 0 and index.rows[i][0] >= floor:
        start, end, entity = index.rows[i]
        i -= 1
        if entity.type != "ORG":
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if (
            span is not None
            and span.root.dep_ in {"nsubj", "nsubjpass"}
            and span.root.head.pos_ in {"VERB", "AUX"}
        ):
            return entity
    return None


def _phrase(phrase: Span) -> str:
    return phrase.text.strip(" ,.;:\"“”'‘’").split("\n")[0].strip()


def _recent(
    last: tuple[_Speaker, int] | None, span: _Span, types: set[str] | frozenset[str]
) -> _Speaker | None:
    """A pronoun right after quotes by one speaker most often refers back to that speaker."""
    if last is not None and last[0].type in types and span.paragraph - last[1] <= 1:
        return _Speaker(last[0].name, last[0].type, None, 0.7)
    return None


def _entity_speaker(entity: Entity | None, confidence: float) -> _Speaker | None:
    return _Speaker(entity.name, entity.type, None, confidence) if entity else None


def _introduced_before(
    doc: Doc, span: _Span, index: _MentionIndex, quoted: Sequence[tuple[int, int]]
) -> _Speaker | None:
    """A quote with no cue after a sentence whose subject is a person ("X commented on it."). With
    `quoted` given, that sentence must hold no quote: then it introduces a new speaker, who wins
    over the previous quote's speaker."""
    first = doc.char_span(span.start, span.end, alignment_mode="expand")
    if first is None or not len(first) or first[0].sent.start == 0:
        return None
    previous = doc[first[0].sent.start - 1].sent
    if any(previous.start_char <= qe and qs <= previous.end_char for qs, qe in quoted):
        return None
    for token in previous:
        if token.dep_ in {"nsubj", "nsubjpass"}:
            # "The opposition leader, Jane Doe, disagreed.": a title subject introduces the person
            # in apposition to it (not one behind a preposition: "an adviser to X").
            entity = index.at(token.idx, token.idx + len(token.text)) or _named_in(token, index)
            if entity is not None and entity.type == "PERSON":
                return _Speaker(entity.name, entity.type, None, 0.6)
    return None


def _paragraph_floor(text: str, pos: int, paragraphs: int) -> int:
    """Offset where the paragraph `paragraphs - 1` before the one holding `pos` begins."""
    floor = pos
    for _ in range(paragraphs):
        found = text.rfind("\n\n", 0, floor)
        if found < 0:
            return 0
        floor = found
    return floor
