"""Kafka headers of every output: the producer's own headers travel on, plus what the value is."""

from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from schemas.base import SCHEMA_VERSION

CONTENT_TYPE = "content-type"
SCHEMA = "schema"
JSON = b"application/json"

Headers = list[tuple[str, bytes]]


def schema_header(model: type[BaseModel]) -> bytes:
    """`<name>/<schema_version>`, e.g. `EnrichedArticle/3`: schemas/json/EnrichedArticle.schema.json."""
    return f"{model.__name__}/{SCHEMA_VERSION}".encode()


def output_headers(
    incoming: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes | None] | None, model: type[BaseModel]
) -> Headers:
    """The incoming headers in their order (e.g. `traceparent`), then `content-type` and `schema` for
    `model`, replacing any incoming header of those two names."""
    pairs = incoming.items() if isinstance(incoming, Mapping) else (incoming or ())
    ours = {CONTENT_TYPE, SCHEMA}
    kept = [(str(k), v if v is not None else b"") for k, v in pairs if str(k).lower() not in ours]
    return [*kept, (CONTENT_TYPE, JSON), (SCHEMA, schema_header(model))]
