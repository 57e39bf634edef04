"""Property-based tests: any input to the decoder or the processors gives a result or a specific error."""

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.errors import UnprocessableArticle
from processors.normalize import check_text, normalize_text
from schemas import EnrichedArticle, RawArticle
from schemas.codec import DecodeError, decode

DECODE_CLASSES = {
    "empty_message",
    "oversize",
    "invalid_utf8",
    "invalid_json",
    "too_deep",
    "wrong_shape",
    "missing_body",
    "empty_body",
    "missing_field",
    "wrong_type",
}
CHECK_CLASSES = {"null_bytes", "no_text", "html_only", "unsupported_language"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["id", "title", "body", "url", "source", "published_at", "section", "language", "schema_version", "x"]
)
# Objects shaped like a RawArticle, with any value in any field: most reach pydantic validation.
article_like = st.dictionaries(field_names, json_values | st.text(max_size=200), max_size=8)
# Text as feeds send it: prose, markup, other scripts, control and zero-width characters.
article_text = st.text(
    alphabet=st.characters(codec="utf-8")
    | st.sampled_from(list("<>/&;\"'\n\r\t \x00\u200b\ufeffАБВабв中文العربيةéü")),
    max_size=300,
)


def assert_decoded_or_specific_error(data: bytes, max_bytes: int | None = None) -> None:
    try:
        raw = decode(data, RawArticle, max_bytes=max_bytes)
    except DecodeError as exc:
        assert exc.error_type in DECODE_CLASSES and exc.message
    else:
        assert isinstance(raw, RawArticle) and raw.body.strip()


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_decode_arbitrary_bytes(data: bytes) -> None:
    assert_decoded_or_specific_error(data)


@settings(max_examples=500, deadline=None)
@given(article_like, st.sampled_from([None, 64, 1_048_576]))
def test_decode_arbitrary_json_objects(obj: dict[str, object], max_bytes: int | None) -> None:
    assert_decoded_or_specific_error(orjson.dumps(obj), max_bytes)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.sampled_from(["[", '{"a":']))
def test_decode_nested_json(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    value = opener * depth + ("1" if opener == '{"a":' else "") + closer * depth
    assert_decoded_or_specific_error(b'{"body": "text", "section": ' + value.encode() + b"}")


@settings(max_examples=500, deadline=None)
@given(article_text)
def test_normalize_and_check_give_text_or_unprocessable(text: str) -> None:
    normalized = normalize_text(text)
    assert isinstance(normalized, str)
    assert normalize_text(normalized) == normalized  # idempotent: a replayed article normalizes the same
    try:
        check_text(normalized)
    except UnprocessableArticle as exc:
        assert exc.error_type in CHECK_CLASSES and exc.message


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.text(max_size=40), article_text.filter(str.strip)), min_size=1, max_size=4))
def test_enrich_batch_never_raises(enricher, articles: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    raws = [RawArticle(id=f"fuzz-{i}", title=title, body=body) for i, (title, body) in enumerate(articles)]
    results = enricher.enrich_batch(raws, datetime.now(UTC))
    assert len(results) == len(raws)
    for raw, result in zip(raws, results, strict=True):
        assert isinstance(result, EnrichedArticle | Exception)
        if isinstance(result, EnrichedArticle):
            assert result.id == raw.id
            for entity in result.entities:
                for m in entity.mentions:
                    assert 0 <= m.start <= m.end <= len(result.body)
