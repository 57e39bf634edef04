"""Message contracts: strict validation, the orjson codec, and the checked-in JSON Schemas."""

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas import DeadLetter, Origin, RawArticle
from schemas.codec import DecodeError, decode, encode
from schemas.export import json_schemas
from streams.settings import PROJECT_ROOT


def test_raw_article_round_trips_through_the_codec() -> None:
    raw = RawArticle(id="a1", title="T", body="Body text.", published_at=datetime(2022, 2, 28, tzinfo=UTC))
    assert decode(encode(raw), RawArticle) == raw


def test_published_at_accepts_iso_strings_but_fields_are_strictly_typed() -> None:
    raw = decode(b'{"body": "x", "published_at": "2022-02-28T10:00:00Z"}', RawArticle)
    assert raw.published_at == datetime(2022, 2, 28, 10, tzinfo=UTC)
    with pytest.raises(DecodeError) as err:
        decode(b'{"body": "x", "title": 42}', RawArticle)
    assert err.value.error_type == "wrong_type" and "title" in err.value.message


@pytest.mark.parametrize(
    ("payload", "error_type"),
    [
        (b"\xff\xfe garbage", "invalid_utf8"),
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "wrong_shape"),
        (b'{"title": "no body"}', "missing_body"),
        (b'{"body": "   "}', "empty_body"),
        (b'{"id": "a", "body": "x", "id": "b"}', "invalid_json"),
        (b"", "empty_message"),
        (b"[" * 5000 + b"]" * 5000, "too_deep"),
        (None, "empty_message"),
    ],
)
def test_bad_input_gets_a_specific_error(payload: bytes | None, error_type: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode(payload, RawArticle)
    assert err.value.error_type == error_type


def test_input_is_open_unknown_fields_travel_in_extra() -> None:
    data = b'{"body": "x", "byline": "A. Writer", "tags": ["budget"], "wordcount": 3, "meta": {"desk": 1}}'
    raw = decode(data, RawArticle)
    assert raw.author == "A. Writer" and raw.tags == ["budget"]
    assert raw.extra == {"wordcount": 3, "meta": {"desk": 1}}
    again = decode(encode(raw), RawArticle)  # as the archive's raw record holds it
    assert again == raw and orjson.loads(encode(raw))["extra"]["meta"] == {"desk": 1}
    schema = json_schemas()["RawArticle.schema.json"]
    assert schema["additionalProperties"] is True and "extra" in schema["properties"]


def test_numeric_id_is_its_decimal_string_and_bom_is_skipped() -> None:
    assert decode(b'{"id": 1234567890123, "body": "x"}', RawArticle).id == "1234567890123"
    assert decode(b'\xef\xbb\xbf{"id": "a", "body": "x"}', RawArticle).id == "a"
    for bad in (b'{"id": true, "body": "x"}', b'{"id": 1.5, "body": "x"}'):
        with pytest.raises(DecodeError) as err:
            decode(bad, RawArticle)
        assert err.value.error_type == "wrong_type" and "id" in err.value.message


def test_duplicate_keys_are_refused_naming_the_key() -> None:
    with pytest.raises(DecodeError) as err:
        decode(b'{"body": "x", "meta": {"a": 1, "a": 2}}', RawArticle)
    assert err.value.error_type == "invalid_json" and "'a'" in err.value.message


def test_our_own_messages_stay_closed() -> None:
    with pytest.raises(DecodeError) as err:
        decode(b'{"topic": "t", "partition": 0, "offset": 1, "surprise": 1}', Origin)
    assert err.value.error_type == "unknown_field" and "surprise" in err.value.message


def test_oversize_message_is_refused_before_parsing() -> None:
    with pytest.raises(DecodeError) as err:
        decode(b'{"body": "' + b"a" * 2000 + b'"}', RawArticle, max_bytes=1000)
    assert err.value.error_type == "oversize"


def test_dead_letter_keeps_its_origin() -> None:
    letter = DeadLetter(
        error_type="invalid_json",
        message="message is not valid JSON",
        origin=Origin(topic="news.articles.raw", partition=1, offset=42, key="k"),
        received_at=datetime.now(UTC),
        payload_b64="e25vdA==",
    )
    assert decode(encode(letter), DeadLetter).origin.offset == 42


def test_checked_in_json_schemas_match_the_models() -> None:
    """Subscribers read schemas/json: regenerate with `make schemas` after changing a model."""
    checked_in = PROJECT_ROOT / "schemas" / "json"
    for name, schema in json_schemas().items():
        path = checked_in / name
        assert path.exists(), f"{path} missing: run `make schemas`"
        assert json.loads(path.read_text()) == schema, f"{path} is stale: run `make schemas`"
    assert sorted(p.name for p in checked_in.glob("*.json")) == sorted(json_schemas())


def test_docker_compose_file_is_valid(tmp_path: Path) -> None:
    """Validated by Debian's docker-compose, which parses the file without a Docker engine."""
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is not installed (.ci/run installs it)")
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    out = subprocess.run(
        ["docker-compose", "-f", str(PROJECT_ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "apache/kafka" in out.stdout and "NEWSFEED_BROKER" in out.stdout
