"""Stories: which earlier article an article is a copy or rewrite of (issue 18)."""

from pydantic import Field

from schemas.base import SCHEMA_VERSION, Message


class Story(Message):
    """The story an enriched article belongs to: copies and rewrites of one event share `story_id`."""

    story_id: str = Field(description="The id of the story's first article (stable: copies join it).")
    duplicate_of: str | None = Field(
        default=None, description="The earlier article this one is a near copy of (not a rewrite), if any."
    )
    similarity: float = Field(
        ge=0.0, le=1.0, description="To the most similar earlier article of the story; 1.0 for its first."
    )


class StoryRecord(Message):
    """One article's entry in the story index, on the compacted `news.stories` topic (keyed by article
    id): a restarted or added worker rebuilds its index from it."""

    schema_version: int = SCHEMA_VERSION
    article_id: str
    story: Story
    seen_at: float = Field(description="When the worker indexed it (Unix seconds); expires after the window.")
    body: str = Field(description="MinHash signature of the body's shingles and entities (base64 uint32).")
    body_size: int = Field(ge=0)
    lead: str = Field(description="MinHash signature of the lead's shingles (base64 uint32).")
    lead_size: int = Field(ge=0)


class StorySources(Message):
    """How many articles of a story the alerter has seen, and from which outlets."""

    articles: int = Field(ge=1)
    outlets: list[str] = Field(default_factory=list, description="Distinct publishers, first seen first.")
