"""Stable article ids, so replays and syndication map to the same Kafka key."""

import hashlib


def stable_article_id(url: str | None, title: str, body: str) -> str:
    """Id from the URL when there is one, else from the content; the same input gives the same id."""
    basis = url.strip() if url and url.strip() else f"{title.strip()}\n{body.strip()}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
