"""Text normalization and the checks that refuse text we cannot enrich."""

import re
import unicodedata

from processors.errors import UnprocessableArticle

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TAG = re.compile(r"<[^>]{0,2000}>")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def normalize_text(text: str) -> str:
    """NFC, one kind of newline and space, paragraphs separated by exactly one blank line."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def check_text(body: str) -> None:
    """Refuse text that would give garbage enrichment: control bytes, markup only, non-Latin script."""
    if "\x00" in body:
        raise UnprocessableArticle("null_bytes", "body contains NUL bytes (binary data, not text)")
    letters = _LETTER.findall(body)
    if not letters:
        raise UnprocessableArticle("no_text", "body has no letters")
    visible = _TAG.sub(" ", body)
    if not _LETTER.search(visible):
        raise UnprocessableArticle("html_only", "body is HTML markup with no text outside the tags")
    latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.5:
        raise UnprocessableArticle(
            "unsupported_language", "body is mostly in a non-Latin script; the English model cannot read it"
        )
