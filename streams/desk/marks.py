"""An article body as HTML with its evidence sentences, quotes and entity mentions marked.

The spans overlap (a quote inside an evidence sentence, a name inside a quote), so the body is cut at
every span edge and each piece is wrapped in the spans that cover it, outermost first; a span is
split only where it crosses the edge of an outer one, so the HTML stays well nested.
"""

from dataclasses import dataclass
from html import escape

from schemas import EnrichedArticle

LAYERS = ("evidence", "quote", "entity")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    layer: str
    open_tag: str
    close_tag: str
    after: str = ""  # a label after the span's last piece (the quote's speaker, the rule categories)


def article_spans(article: EnrichedArticle) -> list[Span]:
    spans: list[Span] = []
    by_sentence: dict[tuple[int, int], list[str]] = {}
    for ev in article.escalation.evidence:
        cats = by_sentence.setdefault((ev.start, ev.end), [])
        if ev.category not in cats:
            cats.append(ev.category)
    for (start, end), cats in by_sentence.items():
        label = ", ".join(cats)
        spans.append(
            Span(
                start,
                end,
                "evidence",
                f'<mark class="evidence" data-categories="{escape(label)}">',
                "</mark>",
                f'<span class="tag evidence-tag">[{escape(label)}]</span>',
            )
        )
    for quote in article.quotes:
        who = quote.speaker or "unattributed"
        spans.append(
            Span(
                quote.start,
                quote.end,
                "quote",
                f'<span class="quote" data-speaker="{escape(who)}">',
                "</span>",
                f'<span class="tag speaker-tag">[quote: {escape(who)}]</span>',
            )
        )
    for entity in article.entities:
        for mention in entity.mentions:
            spans.append(
                Span(
                    mention.start,
                    mention.end,
                    "entity",
                    f'<span class="entity entity-{escape(entity.type.lower())}" '
                    f'title="{escape(entity.type)}: {escape(entity.name)}">',
                    "</span>",
                )
            )
    return [s for s in spans if 0 <= s.start < s.end <= len(article.body)]


def mark_body(body: str, spans: list[Span]) -> str:
    """Escaped HTML of `body` with every span wrapped around its text."""
    edges = sorted({0, len(body), *(s.start for s in spans), *(s.end for s in spans)})
    order = {layer: n for n, layer in enumerate(LAYERS)}
    out: list[str] = []
    stack: list[Span] = []
    for a, b in zip(edges, edges[1:], strict=False):
        want = sorted(
            (s for s in spans if s.start <= a and b <= s.end),
            key=lambda s: (order[s.layer], s.start, -s.end),
        )
        keep = 0
        while keep < min(len(stack), len(want)) and stack[keep] is want[keep]:
            keep += 1
        for span in reversed(stack[keep:]):
            out.append(span.close_tag + (span.after if span.end <= a else ""))
        out.extend(span.open_tag for span in want[keep:])
        stack = want
        out.append(escape(body[a:b], quote=False))
    for span in reversed(stack):
        out.append(span.close_tag + span.after)
    return "".join(out)


def marked_article(article: EnrichedArticle) -> str:
    return mark_body(article.body, article_spans(article))
