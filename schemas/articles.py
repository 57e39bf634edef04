"""Articles: the raw input message and the enriched output message."""

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from schemas.base import SCHEMA_VERSION, Message, PipelineVersion, Timestamp
from schemas.spans import End, Start
from schemas.stories import Story

Desk = Literal[
    "conflict-war-peace",
    "politics",
    "economy-business",
    "sport",
    "science-technology",
    "health",
    "crime-law",
    "disaster-accident",
    "environment",
    "arts-culture-entertainment",
    "other",
]
DESKS: tuple[str, ...] = Desk.__args__  # type: ignore[attr-defined]

Level = Literal["none", "low", "medium", "high", "critical"]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]
LEVEL_ORDER: dict[str, int] = {level: n for n, level in enumerate(LEVELS)}  # "none" 0 .. "critical" 4


class RawArticle(Message):
    """An article as published to `news.articles.raw` by a feed, a crawler or `newsfeed replay`.

    The input is open: fields this model does not name are kept in `extra` (and so reach the archive),
    never refused; `byline` is read as `author`; an integer `id` is read as its decimal string.
    """

    model_config = ConfigDict(json_schema_extra={"additionalProperties": True})

    schema_version: int = SCHEMA_VERSION
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The article id and Kafka key of every output. A JSON integer is taken as its decimal "
        "string; without an id, the message key is used, else a stable hash of the URL or content.",
    )
    title: str = ""
    body: str
    url: str | None = None
    source: str | None = None
    published_at: Timestamp | None = None
    section: str | None = Field(default=None, description="The source's own section, if it has one.")
    language: str | None = Field(default=None, description="The source's language tag, e.g. en, en-GB.")
    author: str | None = Field(default=None, description="Author or byline (input field `byline` too).")
    tags: list[str] = Field(default_factory=list, description="The source's own tags or keywords.")
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="Every input field this schema does not name, as sent; kept in the archive's raw record.",
    )

    @model_validator(mode="before")
    @classmethod
    def _open_input(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {k: v for k, v in data.items() if k in cls.model_fields}
        unknown = {k: v for k, v in data.items() if k not in cls.model_fields}
        if "byline" in unknown and "author" not in known:
            known["author"] = unknown.pop("byline")
        if unknown:
            given = known.get("extra")
            known["extra"] = {**given, **unknown} if isinstance(given, dict) else unknown
        ident = known.get("id")
        if isinstance(ident, int) and not isinstance(ident, bool):
            known["id"] = str(ident)
        return known

    @field_validator("body")
    @classmethod
    def _body_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body is empty")
        return value


class Mention(Message):
    text: str
    start: Start
    end: End


class Entity(Message):
    """One real-world entity of the article, under its canonical (longest) name."""

    name: str
    type: str = Field(description="PERSON | ORG | GPE | LOC | NORP | ...")
    mentions: list[Mention]
    aliases: list[str] = Field(default_factory=list)
    salience: float = Field(default=0.0, ge=0.0, le=1.0)
    confidence: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="How sure the enricher is of this entity's name and type, in [0, 1] (since v2).",
    )


class Quote(Message):
    """A direct quotation; `text` excludes the quote marks and `start`/`end` locate it in `body`."""

    text: str
    speaker: str | None
    speaker_type: str | None = Field(
        default=None, description="Entity type of the speaker, 'DESCRIPTION' for an unnamed one."
    )
    cue: str | None = Field(default=None, description="The attribution verb or phrase.")
    speaker_confidence: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="How sure the enricher is of the speaker: high for an explicit 'X said' cue (since v2).",
    )
    start: Start
    end: End


class SectionSpan(Message):
    """A part of the article under one of its own sub-heads (heading null for the lead)."""

    heading: str | None
    start: Start
    end: End


class Section(Message):
    """The news desk the article belongs to, with its IPTC Media Topic code."""

    desk: Desk
    iptc: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    source_section: str | None = None


class Evidence(Message):
    """A sentence that moved the escalation score, and why."""

    sentence: str
    start: Start
    end: End
    rule: str
    category: str
    terms: list[str]
    weight: float


class Escalation(Message):
    level: Level
    score: float
    alert: bool = Field(description="True when an Alert was published for this article.")
    categories: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class EnrichedArticle(Message):
    """The article with its desk, structure, entities, quotes and escalation assessment."""

    schema_version: int = SCHEMA_VERSION
    id: str
    title: str
    body: str = Field(
        description="Normalized text; every span offset (`start`, `end`) indexes it in Unicode code points, "
        "not UTF-16 code units: see any `start` field for the conversion."
    )
    url: str | None
    source: str | None
    published_at: Timestamp | None
    processed_at: Timestamp
    section: Section
    sections: list[SectionSpan]
    entities: list[Entity]
    quotes: list[Quote]
    escalation: Escalation
    model: str = Field(description="The spaCy pipeline that produced the annotations.")
    pipeline_version: PipelineVersion | None = Field(
        default=None, description="Model, rules and code that produced this record (since schema 3)."
    )
    story: Story | None = Field(default=None, description="The story it belongs to (since schema 4).")
