"""Long-term storage records on the log-compacted `news.archive` topic (key: article id)."""

from pydantic import Field

from schemas.articles import EnrichedArticle, RawArticle
from schemas.base import SCHEMA_VERSION, Message, PipelineVersion, Timestamp


class ArchiveRecord(Message):
    """The raw input as received (with its `extra` fields) and its enrichment; a null value (tombstone)
    under an article id means that article was deleted."""

    schema_version: int = SCHEMA_VERSION
    id: str
    raw: RawArticle
    enriched: EnrichedArticle
    archived_at: Timestamp
    pipeline_version: PipelineVersion | None = Field(
        default=None, description="Model, rules and code that produced `enriched` (since schema 3)."
    )
