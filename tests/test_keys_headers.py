"""Which id an article gets (JSON id, else the producer's key, else a stable hash) and the Kafka
headers every output carries."""

from processors.ids import article_id, stable_article_id
from schemas import EnrichedArticle
from schemas.base import SCHEMA_VERSION
from schemas.headers import output_headers


def test_json_id_wins_then_the_key_then_the_hash() -> None:
    assert article_id("json-id", b"producer-key", None, "T", "Body") == "json-id"
    assert article_id(None, b"producer-key-42", None, "T", "Body") == "producer-key-42"
    hashed = stable_article_id("https://example.org/a", "T", "Body")
    assert article_id(None, None, "https://example.org/a", "T", "Body") == hashed
    for unusable in (b"", b"   ", b"\xff\xfe", b"k" * 257):  # blank, not UTF-8, longer than an id may be
        assert article_id(None, unusable, "https://example.org/a", "T", "Body") == hashed


def test_incoming_headers_travel_and_ours_say_what_the_value_is() -> None:
    incoming = [("traceparent", b"00-abc-def-01"), ("Content-Type", b"text/plain"), ("x-empty", None)]
    out = output_headers(incoming, EnrichedArticle)
    assert out == [
        ("traceparent", b"00-abc-def-01"),
        ("x-empty", b""),
        ("content-type", b"application/json"),
        ("schema", f"EnrichedArticle/{SCHEMA_VERSION}".encode()),
    ]
    assert output_headers({"a": b"1"}, EnrichedArticle)[0] == ("a", b"1")
    assert output_headers(None, EnrichedArticle)[-1] == (
        "schema",
        f"EnrichedArticle/{SCHEMA_VERSION}".encode(),
    )


def test_the_worker_produces_with_the_configured_codec() -> None:
    from streams.faust_app import new_app
    from streams.settings import Settings

    assert new_app(Settings(), "codec-check").conf.producer_compression_type == "zstd"  # the default
    assert new_app(Settings(compression="none"), "codec-none").conf.producer_compression_type is None
