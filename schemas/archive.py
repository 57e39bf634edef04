"""Long-term storage records on the log-compacted `news.archive` topic (key: article id)."""

from schemas.articles import EnrichedArticle, RawArticle
from schemas.base import SCHEMA_VERSION, Message, Timestamp


class ArchiveRecord(Message):
    schema_version: int = SCHEMA_VERSION
    id: str
    raw: RawArticle
    enriched: EnrichedArticle
    archived_at: Timestamp
