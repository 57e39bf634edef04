"""Shared fixtures: the spaCy pipeline and enricher, and the real Kafka broker + a worker for the
integration tests (tests/integration/). Helpers that are not fixtures are in tests/helpers.py."""

import shutil
import time
from collections.abc import Iterator

import pytest

from streams.settings import PROJECT_ROOT, Settings
from streams.worker import WorkerProcess
from tests.helpers import TEST_PORT, stream_env, worker_process


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from processors.nlp import load_pipeline

    return load_pipeline(Settings().spacy_model)


@pytest.fixture(scope="session")
def enricher(nlp):  # type: ignore[no-untyped-def]
    from processors.enrich import Enricher
    from processors.rules import load_rules

    return Enricher(nlp, load_rules())


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """A real single-node KRaft broker on a test port, started once per test session."""
    from streams.ops import broker

    home = PROJECT_ROOT / ".kafka" / "test"
    cfg = broker.BrokerConfig.for_port(TEST_PORT, home)
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)
    status = broker.start(cfg)
    yield status.bootstrap
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)


@pytest.fixture(scope="module")
def worker(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One worker per test module, on its own topics."""
    from streams.topics import ensure_topics_sync

    proc = worker_process(stream_env(kafka_broker), tmp_path_factory.mktemp("worker") / "worker.log")
    ensure_topics_sync(proc.settings)
    proc.start()
    time.sleep(0.5)
    yield proc
    proc.stop()
