"""Stable article ids, so replays and syndication map to the same Kafka key."""

import hashlib


def stable_article_id(url: str | None, title: str, body: str) -> str:
    """Id from the URL when there is one, else from the content; the same input gives the same id."""
    basis = url.strip() if url and url.strip() else f"{title.strip()}\n{body.strip()}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


MAX_ID_CHARS = 256


def article_id(json_id: str | None, key: bytes | None, url: str | None, title: str, body: str) -> str:
    """The article's id: the JSON `id` when present, else the producer's Kafka key (UTF-8, at most
    256 characters, not blank), else the stable hash of the URL or content."""
    if json_id:
        return json_id
    if key:
        try:
            text = key.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if text.strip() and len(text) <= MAX_ID_CHARS:
            return text
    return stable_article_id(url, title, body)
