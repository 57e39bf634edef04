"""Bad input never stops the stream: every class of bad message is dead-lettered, the next one enriched.

Against the real broker, with a worker of this module's own. Then `newsfeed dlq` (streams.clients.dlq)
summarises the dead letters and re-injects one class of them. A processor that raises is tested at
the unit level: the exception lands in its article's slot, and the worker dead-letters that slot.
"""

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from aiokafka import AIOKafkaProducer

import processors.enrich
from schemas import DeadLetter, EnrichedArticle, RawArticle
from schemas.codec import decode
from streams.clients.dlq import list_dead_letters, replay_dead_letters
from streams.topics import ensure_topics_sync
from streams.worker import WorkerProcess
from tests.helpers import read_topic, stream_env, worker_process

MAX_BODY_BYTES = 64 * 1024  # the limit is a setting; the broker's own 1 MB cap forbids testing the default

VALID_BODY = "The city council met on Monday and approved the new budget for schools, the mayor said."


def raw(**fields: object) -> bytes:
    return orjson.dumps(fields)


def nested(depth: int) -> bytes:
    return b'{"body": "Deep.", "section": ' + b"[" * depth + b"]" * depth + b"}"


# (error_type, message value): one of each class of bad input the worker must survive.
BAD_INPUTS: list[tuple[str, bytes | None]] = [
    ("invalid_json", b"{not json"),
    ("invalid_utf8", b'{"title": "Caf\xe9", "body": "Cr\xe8me br\xfbl\xe9e for everyone."}'),
    ("wrong_shape", b'["a", "list", "not", "an", "article"]'),
    ("wrong_shape", b'"just a string"'),
    ("missing_body", raw(title="A title and nothing else")),
    ("empty_body", raw(title="Blank", body=" \n\t ")),
    ("wrong_type", raw(title="Numbers", body=42)),
    ("wrong_type", raw(body=VALID_BODY, published_at="last Tuesday-ish")),
    ("invalid_json", b'{"id": "first", "body": "Two ids.", "id": "second"}'),
    ("oversize", raw(title="Huge", body="word " * (MAX_BODY_BYTES // 5 + 10))),
    ("html_only", raw(title="Markup", body="<div class='x'><p><br/></p><img src='a.png'/></div>")),
    ("null_bytes", raw(title="Binary", body="Some text\u0000\u0000 with NUL bytes in it.")),
    ("too_deep", nested(5000)),
    ("unsupported_language", raw(title="Новости", body="Правительство объявило о новых мерах поддержки.")),
    ("unsupported_language", raw(title="新闻", body="政府今天宣布了新的经济支持措施，以帮助小企业。")),
    (
        "unsupported_language",
        raw(
            title="Neue Hilfen",
            body="Die Bundesregierung hat am Montag neue Maßnahmen zur Unterstützung kleiner Unternehmen "
            "angekündigt. Der Finanzminister sagte, die Hilfen kämen noch vor dem Winter.",
        ),
    ),
    ("no_text", raw(title="Digits", body="1234 5678 -- 90 !!")),
    ("empty_message", b""),
]


@pytest.fixture(scope="module")
def dl_worker(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    env = stream_env(kafka_broker, NEWSFEED_MAX_BODY_BYTES=str(MAX_BODY_BYTES))
    home = tmp_path_factory.mktemp("dl-worker")
    proc = worker_process(env, home / "worker.log")
    proc.env["APP_DATADIR"] = str(home / "faust-data")  # Faust's own variable: keep the tree clean
    ensure_topics_sync(proc.settings)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def produced(dl_worker: WorkerProcess) -> dict[str, tuple[int, bytes | None]]:
    """Each bad message then a valid article, on partition 0; key -> (offset, value)."""
    messages: list[tuple[bytes, bytes | None]] = []
    for n, (error_type, value) in enumerate(BAD_INPUTS):
        messages.append((f"bad-{n}-{error_type}".encode(), value))
        messages.append((f"ok-{n}".encode(), raw(id=f"ok-{n}", title=f"Council {n}", body=VALID_BODY)))
    return asyncio.run(produce(dl_worker.settings.broker, dl_worker.settings.topic_raw, messages))


async def produce(
    bootstrap: str, topic: str, messages: list[tuple[bytes, bytes | None]]
) -> dict[str, tuple[int, bytes | None]]:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_request_size=2_000_000
    )
    await producer.start()
    try:
        offsets = {}
        for key, value in messages:
            meta = await producer.send_and_wait(topic, value=value, key=key, partition=0)
            offsets[key.decode()] = (meta.offset, value)
        return offsets
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
def letters(dl_worker: WorkerProcess, produced: dict[str, tuple[int, bytes | None]]) -> dict[str, DeadLetter]:
    records = read_topic(dl_worker, dl_worker.settings.topic_deadletter, want=len(BAD_INPUTS))
    by_key: dict[str, DeadLetter] = {}
    for record in records:
        letter = decode(record.value, DeadLetter)
        assert letter.origin.key is not None and record.key == letter.origin.key.encode()  # original key
        by_key[letter.origin.key] = letter
    return by_key


@pytest.mark.kafka
@pytest.mark.parametrize(
    ("n", "error_type"), list(enumerate(t for t, _ in BAD_INPUTS)), ids=[t for t, _ in BAD_INPUTS]
)
def test_bad_input_is_dead_lettered_with_its_origin_and_bytes(
    dl_worker: WorkerProcess,
    produced: dict[str, tuple[int, bytes | None]],
    letters: dict[str, DeadLetter],
    n: int,
    error_type: str,
) -> None:
    key = f"bad-{n}-{error_type}"
    assert key in letters, f"no dead letter for {key}; got {sorted(letters)}\n{dl_worker.log()}"
    letter = letters[key]
    offset, value = produced[key]
    assert letter.error_type == error_type, letter.message
    assert letter.message
    assert (letter.origin.topic, letter.origin.partition, letter.origin.offset) == (
        dl_worker.settings.topic_raw,
        0,
        offset,
    )
    assert base64.b64decode(letter.payload_b64) == (value or b"")


@pytest.mark.kafka
def test_every_valid_article_after_a_bad_one_is_enriched(
    dl_worker: WorkerProcess, produced: dict[str, tuple[int, bytes | None]], letters: dict[str, DeadLetter]
) -> None:
    records = read_topic(dl_worker, dl_worker.settings.topic_enriched, want=len(BAD_INPUTS))
    enriched = {r.key.decode(): decode(r.value, EnrichedArticle) for r in records}
    assert {f"ok-{n}" for n in range(len(BAD_INPUTS))} <= set(enriched), dl_worker.log()
    assert all(a.body == VALID_BODY for a in enriched.values())
    assert not any(k.startswith("bad-") for k in enriched)  # nothing bad got through


@pytest.mark.kafka
def test_dlq_list_summarises_and_replay_reinjects_one_class(
    dl_worker: WorkerProcess, letters: dict[str, DeadLetter]
) -> None:
    s = dl_worker.settings
    summary = list_dead_letters(s, timeout=1.5)
    expected: dict[str, int] = {}
    for error_type, _ in BAD_INPUTS:
        expected[error_type] = expected.get(error_type, 0) + 1
    assert dict(summary.counts) == expected
    assert summary.total == len(BAD_INPUTS)
    examples = {e.letter.origin.key: e.letter for e in summary.examples["invalid_json"]}
    assert examples["bad-0-invalid_json"].origin.topic == s.topic_raw
    assert "duplicate key 'id'" in examples["bad-8-invalid_json"].message
    assert "invalid_json" in summary.render()

    assert replay_dead_letters(s, error_types={"wrong_shape"}, dry_run=True, timeout=1.5) == 2
    assert replay_dead_letters(s, error_types={"invalid_json"}, timeout=1.5) == 2  # incl. duplicate keys
    # Still bad, so dead-lettered again: a new record on the raw topic, with the same key and bytes.
    records = read_topic(dl_worker, s.topic_deadletter, want=len(BAD_INPUTS) + 2, wait_s=60)
    again = sorted(
        (decode(r.value, DeadLetter) for r in records if r.key == b"bad-0-invalid_json"),
        key=lambda d: d.received_at,
    )
    assert len(again) == 2 and again[1].origin != again[0].origin
    assert again[1].origin.key == "bad-0-invalid_json" and again[1].error_type == "invalid_json"
    assert base64.b64decode(again[1].payload_b64) == b"{not json"


@pytest.mark.kafka
def test_a_message_whose_dead_letter_is_over_1_mb_does_not_lose_the_next_one(
    dl_worker: WorkerProcess, letters: dict[str, DeadLetter]
) -> None:
    """Outputs are larger than inputs (base64, archive): they must not crash the agent and lose the batch."""
    s = dl_worker.settings
    huge = b"{" + b"x" * 800_000  # under the broker's 1 MB limit; its dead letter is not
    valid = raw(id="after-huge", title="Council", body=VALID_BODY)
    asyncio.run(produce(s.broker, s.topic_raw, [(b"huge", huge), (b"after-huge", valid)]))
    records = read_topic(dl_worker, s.topic_enriched, want=len(BAD_INPUTS) + 1, wait_s=60)
    assert b"after-huge" in {r.key for r in records}
    dead = [r for r in read_topic(dl_worker, s.topic_deadletter, want=0, wait_s=1) if r.key == b"huge"]
    assert dead and base64.b64decode(decode(dead[0].value, DeadLetter).payload_b64) == huge


def test_processor_exception_lands_in_its_slot_and_the_batch_is_enriched(
    enricher: processors.enrich.Enricher, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = processors.enrich.extract_quotes

    def flaky_quotes(doc, entities):  # type: ignore[no-untyped-def]
        if "poison" in doc.text:
            raise RuntimeError("quote parser bug on this text")
        return real(doc, entities)

    monkeypatch.setattr(processors.enrich, "extract_quotes", flaky_quotes)
    raws = [
        RawArticle(id="a", title="Budget", body=VALID_BODY),
        RawArticle(id="b", title="Poison", body="This poison text breaks the quote parser, officials said."),
        RawArticle(id="c", title="Schools", body='"We are ready," the head teacher said on Friday.'),
    ]
    results = enricher.enrich_batch(raws, datetime.now(UTC))
    assert isinstance(results[0], EnrichedArticle) and results[0].id == "a"
    assert isinstance(results[1], RuntimeError) and "quote parser bug" in str(results[1])
    assert isinstance(results[2], EnrichedArticle) and results[2].quotes[0].text == "We are ready"


def test_a_pipeline_crash_falls_back_to_one_text_at_a_time(
    enricher: processors.enrich.Enricher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text that crashes spaCy in `nlp.pipe` fails alone; the rest of the batch is parsed one by one."""
    nlp = enricher.nlp
    real_call = type(nlp).__call__

    def pipe(texts, batch_size=None):  # type: ignore[no-untyped-def]
        raise MemoryError("pathological text")

    def call(self, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "pathological" in text:
            raise ValueError("tokenizer gave up on this text")
        return real_call(self, text, *args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", pipe)
    monkeypatch.setattr(type(nlp), "__call__", call)
    raws = [
        RawArticle(id="a", title="Budget", body=VALID_BODY),
        RawArticle(id="b", title="Odd", body="A pathological text that the tokenizer cannot handle."),
    ]
    results = enricher.enrich_batch(raws, datetime.now(UTC))
    assert isinstance(results[0], EnrichedArticle)
    assert isinstance(results[1], ValueError)
