"""Text normalization and the checks that refuse text we cannot enrich."""

import re
import unicodedata
from functools import cache
from pathlib import Path

import pycountry
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from processors.errors import UnprocessableArticle

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TAG = re.compile(r"<[^>]{0,2000}>")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WIDE_LETTER = re.compile(r"(?![a-zA-Z])[^\W\d_]")  # a letter outside ASCII
_NOT_ASCII_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())

# Language identification reads the start of the body; it is refused only when another language is
# near certain on enough words, so English with foreign names or a quoted motto is never refused.
LANGUAGE_SAMPLE_CHARS = 1000
LANGUAGE_MIN_WORDS = 20
LANGUAGE_MIN_PROBABILITY = 0.99


def normalize_text(text: str) -> str:
    """NFC, one kind of newline and space, paragraphs separated by exactly one blank line."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def check_text(body: str, language: str = "en") -> None:
    """Refuse text that would give garbage enrichment: control bytes, markup only, not in `language`
    (the spaCy model's language)."""
    if "\x00" in body:
        raise UnprocessableArticle("null_bytes", "body contains NUL bytes (binary data, not text)")
    # Letters counted without a list of every one: ASCII ones in bytes, the few others by regex.
    ascii_letters = len(body.encode("ascii", "ignore").translate(None, _NOT_ASCII_LETTER))
    wide = _WIDE_LETTER.findall(body)
    letters = ascii_letters + len(wide)
    if not letters:
        raise UnprocessableArticle("no_text", "body has no letters")
    visible = _TAG.sub(" ", body)
    if not _LETTER.search(visible):
        raise UnprocessableArticle("html_only", "body is HTML markup with no text outside the tags")
    latin = ascii_letters + sum(1 for ch in wide if "LATIN" in unicodedata.name(ch, ""))
    if latin / letters < 0.5:
        raise UnprocessableArticle(
            "unsupported_language", "body is mostly in a non-Latin script; the English model cannot read it"
        )
    sample = body[:LANGUAGE_SAMPLE_CHARS]
    if len(sample.split()) >= LANGUAGE_MIN_WORDS:
        found, probability = language_identifier().classify(sample)
        if found != language and probability >= LANGUAGE_MIN_PROBABILITY:
            raise UnprocessableArticle(
                "unsupported_language",
                f"body is in {_language_name(found)} ({found}, p={probability:.2f}), "
                f"not {_language_name(language)}; the {language} model cannot read it",
            )


@cache
def language_identifier() -> LanguageIdentifier:
    """py3langid's packaged model (97 languages), loaded once per process. It takes about 0.4 s, so
    the enricher and the alert lane load it when they are built, not on their first article."""
    return LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE, norm_probs=True)


def _language_name(code: str) -> str:
    found = pycountry.languages.get(alpha_2=code)
    return str(found.name) if found else code
