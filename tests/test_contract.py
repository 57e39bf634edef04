"""The subscriber contract: AsyncAPI document in step with the code, self-identifying JSON Schemas,
and span offsets in the unit the schemas state."""

import json
from datetime import UTC, datetime

from jsonschema import Draft202012Validator

from schemas import RawArticle
from schemas.export import DIALECT, json_schemas
from streams.ops.asyncapi import asyncapi_document, render
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import topic_specs

ASYNCAPI = PROJECT_ROOT / "schemas" / "asyncapi.json"


def test_checked_in_asyncapi_document_matches_the_code() -> None:
    """Regenerate with `make schemas` after changing a model or the topic table (streams/topics.py)."""
    assert ASYNCAPI.read_bytes() == render(asyncapi_document()), f"{ASYNCAPI} is stale: run `make schemas`"


def test_asyncapi_channels_are_the_topics_the_worker_creates() -> None:
    doc = json.loads(ASYNCAPI.read_text())
    created = {t.name: t for t in topic_specs(Settings.model_construct())}
    channels = {c["address"]: c["bindings"]["kafka"] for c in doc["channels"].values()}
    assert channels.keys() == created.keys()
    for name, kafka in channels.items():
        assert kafka["partitions"] == created[name].num_partitions
        policy = created[name].topic_configs.get("cleanup.policy", "delete")
        assert kafka["topicConfiguration"]["cleanup.policy"] == policy.split(",")
    assert channels["news.archive"]["topicConfiguration"]["cleanup.policy"] == ["compact"]
    for message in doc["components"]["messages"].values():
        ref = message["payload"]["schema"]["$ref"]
        assert (ASYNCAPI.parent / ref).is_file(), ref


def test_json_schemas_identify_themselves_and_are_valid_2020_12() -> None:
    ids = set()
    for name, schema in json_schemas().items():
        assert schema["$schema"] == DIALECT
        assert schema["$id"].startswith("urn:newsfeed:schema:" + name.removesuffix(".schema.json") + "/")
        Draft202012Validator.check_schema(schema)
        ids.add(schema["$id"])
    assert len(ids) == len(json_schemas())


def test_span_descriptions_state_the_unit_and_the_utf16_conversion() -> None:
    enriched = json.loads((PROJECT_ROOT / "schemas" / "json" / "EnrichedArticle.schema.json").read_text())
    for model in ("Mention", "Quote", "SectionSpan", "Evidence"):
        for field in ("start", "end"):
            text = enriched["$defs"][model]["properties"][field]["description"]
            assert "Unicode code points" in text and "UTF-16" in text and "U+FFFF" in text, (model, field)


def _utf16_offset(body: str, offset: int) -> int:
    """The conversion the schemas describe: +1 for every code point above U+FFFF before the offset."""
    return offset + sum(1 for ch in body[:offset] if ord(ch) > 0xFFFF)


def test_offsets_count_code_points_so_the_documented_utf16_conversion_finds_the_span(enricher) -> None:  # type: ignore[no-untyped-def]
    body = (
        "🚀🌍 Launch day. 🎉 Mayor Ann Keller of Springfield said on Monday: "
        '"We are ready for the new bridge 🌉 to open." The council approved the plan.'
    )
    result = enricher.enrich(RawArticle(id="emoji-1", title="Bridge opens", body=body), datetime.now(UTC))
    spans = [(m.text, m.start, m.end) for e in result.entities for m in e.mentions]
    spans += [(q.text, q.start, q.end) for q in result.quotes]
    assert any(text == "Ann Keller" for text, _, _ in spans), spans
    assert any("bridge" in text for text, _, _ in spans), spans
    utf16 = result.body.encode("utf-16-le")
    for text, start, end in spans:
        assert result.body[start:end] == text  # Python: code points
        a, b = _utf16_offset(result.body, start), _utf16_offset(result.body, end)
        assert utf16[2 * a : 2 * b].decode("utf-16-le") == text  # Java/JavaScript, after the conversion
        if start > 3:  # after the emoji, the raw offset is wrong for UTF-16 readers
            assert a != start
