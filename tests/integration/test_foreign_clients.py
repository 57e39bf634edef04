"""A client nobody here wrote: kcat (librdkafka) produces the raw input and reads every output topic.

Every record read validates against the checked-in JSON Schemas with `jsonschema` (not pydantic),
formats included; the inputs cover each codec, with and without a key, a tombstone, headers and an
extra field.
"""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from streams.settings import PROJECT_ROOT
from streams.topics import TOPICS
from streams.worker import WorkerProcess

pytestmark = pytest.mark.kafka

SCHEMA_DIR = PROJECT_ROOT / "schemas" / "json"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def kcat() -> str:
    path = shutil.which("kcat")
    if path is None:
        message = "kcat not found: install the Debian package `kcat` (apt-get install kcat)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def produce(
    kcat: str,
    worker: WorkerProcess,
    value: bytes | None,
    *,
    key: str | None = None,
    codec: str = "gzip",
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    """One message to partition 0 of the raw topic (in order), produced by kcat with `codec`."""
    args = [kcat, "-P", "-q", "-b", worker.settings.broker, "-t", worker.settings.topic_raw, "-p", "0"]
    args += ["-z", codec]
    for name, text in headers:
        args += ["-H", f"{name}={text}"]
    if key is not None:
        args += ["-K", "\t", "-Z"]  # -Z: an empty value is sent as null, a tombstone
    line = (f"{key}\t".encode() if key is not None else b"") + (value or b"") + b"\n"
    subprocess.run(args, input=line, check=True, timeout=30)


def consume(kcat: str, worker: WorkerProcess, topic: str) -> list[dict[str, Any]]:
    """Every record now on `topic`, as kcat's JSON envelope (key, payload, headers as a flat list)."""
    args = [kcat, "-C", "-q", "-b", worker.settings.broker, "-t", topic, "-o", "beginning", "-e", "-J"]
    out = subprocess.run(args, capture_output=True, check=True, timeout=60).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def article(article_id: str | None, title: str, body: str, **fields: Any) -> bytes:
    data: dict[str, Any] = {"title": title, "body": body, **fields}
    if article_id is not None:
        data["id"] = article_id
    return json.dumps(data).encode()


@dataclass
class Outputs:
    """Every output topic's records as kcat read them, and the worker that produced them."""

    worker: WorkerProcess
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, setting: str) -> list[dict[str, Any]]:
        return self.records[getattr(self.worker.settings, setting)]

    def enriched(self) -> dict[str, dict[str, Any]]:
        """Enriched records by their Kafka key."""
        return {r["key"]: r for r in self.of("topic_enriched")}

    def headers(self, record: dict[str, Any]) -> dict[str, str]:
        flat = record.get("headers") or []
        return dict(zip(flat[::2], flat[1::2], strict=True))


OUTPUT_SETTINGS = [role.setting for role in TOPICS if role.setting != "topic_raw"]


def _read_all(kcat: str, worker: WorkerProcess) -> Outputs:
    return Outputs(
        worker,
        {
            getattr(worker.settings, s): consume(kcat, worker, getattr(worker.settings, s))
            for s in OUTPUT_SETTINGS
        },
    )


def _wait(kcat: str, worker: WorkerProcess, done: Any, wait_s: float) -> Outputs:
    """Read the outputs until `done(outputs)`, the wait is over, or the worker has died."""
    deadline = time.monotonic() + wait_s
    while True:
        outputs = _read_all(kcat, worker)
        if done(outputs) or time.monotonic() > deadline or (worker.proc is not None and not worker.running):
            return outputs
        time.sleep(1.0)


PHASE_TWO = {  # codecs gzip aside: (key, JSON id, title)
    "snappy": ("kc-snappy-key", None, "Snappy ferry timetable"),
    "lz4": (None, "kc-lz4", "Lz4 library opening hours"),
    "zstd": (None, None, "Zstd harbour report"),
}


@pytest.fixture(scope="module")
def outputs(kcat: str, worker: WorkerProcess) -> Outputs:
    """Phase one in gzip (the codec every client library can read), then one message per other codec,
    so that a worker unable to read those has already produced everything else."""
    body = "The harbour authority in Port Elena opened a new ferry terminal on Tuesday, officials said."
    produce(kcat, worker, article("kc-gzip", "Ferry terminal opens", body), key="kc-gzip")
    produce(
        kcat,
        worker,
        article(
            "kc-headers", "Tram line extended", "The city extended its tram line to the airport on Friday."
        ),
        key="kc-headers",
        headers=(("traceparent", TRACEPARENT), ("tracestate", "newsfeed=test")),
    )
    produce(
        kcat,
        worker,
        article(
            "kc-extra",
            "Library reopens",
            "The central library reopened on Monday after a year of repairs, the council said.",
            author="A. Writer",
            tags=["local", "culture"],
            edition="late",  # no field of ours: must travel in `extra`
        ),
        key="kc-extra",
    )
    produce(kcat, worker, b"{not json", key="kc-bad")
    produce(
        kcat,
        worker,
        article(
            "kc-alert",
            "Airstrikes on the capital",
            "Russian forces launched airstrikes on Kyiv on Monday, killing 12 people, Ukrainian officials "
            "said. President Putin ordered nuclear forces on high alert.",
        ),
        key="kc-alert",
    )
    produce(kcat, worker, None, key="kc-gzip")  # tombstone: a takedown of the first article

    def phase_one_done(o: Outputs) -> bool:
        dead = {r["key"] for r in o.of("topic_deadletter")}
        return (
            {"kc-gzip", "kc-alert"} <= o.enriched().keys() and "kc-bad" in dead and bool(o.of("topic_alerts"))
        )

    _wait(kcat, worker, phase_one_done, wait_s=180)
    for codec, (key, article_id, title) in PHASE_TWO.items():
        body = f"The {title.lower()} was published on Wednesday by the port office, a spokesman said."
        produce(kcat, worker, article(article_id, title, body), key=key, codec=codec)

    def phase_two_done(o: Outputs) -> bool:
        titles = {json.loads(r["payload"])["title"] for r in o.of("topic_enriched")}
        return {t for _, _, t in PHASE_TWO.values()} <= titles

    return _wait(kcat, worker, phase_two_done, wait_s=90)


def _validator(message: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{message}.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_record_on_every_output_topic_validates_against_its_json_schema(outputs: Outputs) -> None:
    checked = 0
    for role in TOPICS:
        if role.setting == "topic_raw":
            continue
        validator = _validator(role.message)
        for record in outputs.of(role.setting):
            if record["payload"] is None:
                assert role.compacted, f"null value on {record['topic']}"  # tombstones: the archive only
                continue
            errors = [e.message for e in validator.iter_errors(json.loads(record["payload"]))]
            assert not errors, (record["topic"], record["offset"], errors[:3])
            checked += 1
    assert outputs.of("topic_enriched") and outputs.of("topic_archive") and outputs.of("topic_alerts")
    assert outputs.of("topic_deadletter") and outputs.of("topic_alert_candidates")
    assert checked >= 9, checked


def test_format_checks_are_on() -> None:
    """The validator would refuse a record whose date-time is not one (not only a wrong type)."""
    errors = list(_validator("Alert").iter_errors({"created_at": "yesterday"}))
    assert any("is not a 'date-time'" in e.message for e in errors), [e.message for e in errors]


def test_gzip_article_with_key_and_id_is_enriched_and_alerts_under_its_id(outputs: Outputs) -> None:
    enriched = outputs.enriched()
    assert json.loads(enriched["kc-gzip"]["payload"])["id"] == "kc-gzip"
    alerts = [json.loads(r["payload"]) for r in outputs.of("topic_alerts")]
    assert [(r["key"], a["article_id"]) for r, a in zip(outputs.of("topic_alerts"), alerts, strict=True)] == [
        ("kc-alert", "kc-alert")
    ]


def test_bad_input_is_dead_lettered_under_its_key(outputs: Outputs) -> None:
    letters = {r["key"]: json.loads(r["payload"]) for r in outputs.of("topic_deadletter")}
    assert letters["kc-bad"]["error_type"] == "invalid_json"
    assert letters["kc-bad"]["origin"]["topic"] == outputs.worker.settings.topic_raw


@pytest.mark.parametrize("codec", sorted(PHASE_TWO))
def test_every_codec_is_read(outputs: Outputs, codec: str) -> None:
    key, article_id, title = PHASE_TWO[codec]
    by_title = {json.loads(r["payload"])["title"]: r for r in outputs.of("topic_enriched")}
    assert title in by_title, f"{codec}: not enriched; worker log:\n{outputs.worker.log()[-3000:]}"
    record = by_title[title]
    payload = json.loads(record["payload"])
    assert record["key"] == payload["id"]
    if article_id is not None:
        assert payload["id"] == article_id


def test_producer_key_is_the_article_id_when_the_json_has_none(outputs: Outputs) -> None:
    record = outputs.enriched().get("kc-snappy-key")
    assert record is not None and json.loads(record["payload"])["id"] == "kc-snappy-key"


def test_tombstone_deletes_the_article_from_the_archive(outputs: Outputs) -> None:
    archive = [r for r in outputs.of("topic_archive") if r["key"] == "kc-gzip"]
    assert archive and archive[-1]["payload"] is None, [r["payload"] is None for r in archive]


def test_headers_travel_to_every_output_with_content_type_and_schema(outputs: Outputs) -> None:
    for setting, schema in (("topic_enriched", "EnrichedArticle"), ("topic_archive", "ArchiveRecord")):
        record = next(r for r in outputs.of(setting) if r["key"] == "kc-headers")
        headers = outputs.headers(record)
        assert headers["traceparent"] == TRACEPARENT and headers["tracestate"] == "newsfeed=test"
        assert headers["content-type"] == "application/json"
        assert headers["schema"].split("/")[0] == schema


def test_extra_field_is_kept_in_the_archive(outputs: Outputs) -> None:
    record = next(r for r in outputs.of("topic_archive") if r["key"] == "kc-extra")
    raw = json.loads(record["payload"])["raw"]
    assert raw["extra"] == {"edition": "late"}
    assert raw["author"] == "A. Writer" and raw["tags"] == ["local", "culture"]
