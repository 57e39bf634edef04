"""The article's own structure: the lead, then each sub-headed section."""

import re

from schemas import SectionSpan

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")


def _is_heading(paragraph: str) -> bool:
    """A short single line ending in ':' or with no final punctuation reads as a sub-head."""
    text = paragraph.strip()
    if "\n" in text or not text or len(text) > 80 or len(text.split()) > 10:
        return False
    if text.endswith(":"):
        return True
    return text[-1] not in ".!?\"”’)'" and text[0].isupper() and '"' not in text and "“" not in text


def split_sections(body: str) -> list[SectionSpan]:
    """Spans of `body` under each heading; the heading line itself belongs to its section."""
    paragraphs = list(_PARAGRAPH.finditer(body))
    spans: list[SectionSpan] = []
    heading: str | None = None
    start = 0
    for i, para in enumerate(paragraphs):
        is_last = i == len(paragraphs) - 1
        if i > 0 and not is_last and _is_heading(para.group()):
            if para.start() > start:
                spans.append(SectionSpan(heading=heading, start=start, end=para.start()))
            heading = para.group().strip().rstrip(":").strip()
            start = para.start()
    spans.append(SectionSpan(heading=heading, start=start, end=len(body)))
    return spans
