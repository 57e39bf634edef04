"""The pipeline on a secured broker (SASL_SSL, SCRAM-SHA-512, ACLs), and every way a client is refused.

One secured broker for the module (streams/ops/secure_broker.py), with ACLs for this module's topics;
the clients are the real CLI commands, as operators and subscribers run them.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.ops import broker, secure_broker
from streams.ops.broker import BrokerConfig
from streams.settings import PROJECT_ROOT, Settings
from streams.worker import WorkerProcess
from tests.helpers import SEED, TEST_PORT, worker_process

pytestmark = pytest.mark.kafka

SECURE_PORT = int(os.environ.get("NEWSFEED_TEST_SECURE_BROKER_PORT", str(TEST_PORT + 20)))


@dataclass
class SecureCluster:
    """The secured broker, the pipeline settings its ACLs are for, and every output captured."""

    cfg: BrokerConfig
    pipeline: Settings
    home: Path
    outputs: list[str] = field(default_factory=list)

    def env(self, user: str, **overrides: str) -> dict[str, str]:
        """The pipeline's NEWSFEED_* settings for a client authenticating as `user`."""
        fields = secure_broker.client_fields(self.cfg, user)
        return self.pipeline.model_copy(update=fields).as_env() | overrides

    def password(self, user: str) -> str:
        return (self.home / "secure" / f"{user}.password").read_text().strip()

    def cli(
        self, user: str, *args: str, timeout: float = 90.0, **overrides: str
    ) -> subprocess.CompletedProcess[str]:
        """`newsfeed ARGS` as `user`; its output is kept for the password check."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")} | self.env(
            user, **overrides
        )
        proc = subprocess.run(
            [sys.executable, "-m", "streams.cli", *args],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.outputs.append(proc.stdout + proc.stderr)
        return proc


@pytest.fixture(scope="session")
def secure_cluster() -> Iterator[SecureCluster]:
    """A SASL_SSL broker with CA, SCRAM users and ACLs made at start, once per test session."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is needed for the secured broker (apt-get install openssl)")
        pytest.skip("openssl is needed for the secured broker (apt-get install openssl)")
    home = PROJECT_ROOT / ".kafka" / "test-secure"
    bootstrap = f"127.0.0.1:{SECURE_PORT}"
    pipeline = Settings().isolated(bootstrap, "sec", uuid.uuid4().hex[:8])
    cfg = BrokerConfig.for_port(SECURE_PORT, home, secure=secure_broker.SecureSpec.of(pipeline))
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)
    shutil.rmtree(home / "secure", ignore_errors=True)
    broker.start(cfg)
    yield SecureCluster(cfg=cfg, pipeline=pipeline, home=home)
    broker.stop(cfg)
    shutil.rmtree(home / "data", ignore_errors=True)


@pytest.fixture(scope="module")
def secure_worker(
    secure_cluster: SecureCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """The worker as principal `newsfeed`, without create rights used: an admin created the topics."""
    created = secure_cluster.cli("admin", "topics", "create")
    assert created.returncode == 0, created.stderr
    env = secure_cluster.env("newsfeed", NEWSFEED_CREATE_TOPICS="false")
    proc = worker_process(env, tmp_path_factory.mktemp("secure-worker") / "worker.log")
    proc.start()
    yield proc
    proc.stop()
    secure_cluster.outputs.append(proc.log_path.read_text(errors="replace"))


def tail_json(cluster: SecureCluster, user: str, topic: str, count: int) -> list[dict[str, Any]]:
    out = cluster.cli(
        user, "tail", topic, "--from-beginning", "--count", str(count), "--timeout", "120", timeout=180
    )
    assert out.returncode == 0, out.stderr
    return [orjson.loads(line) for line in out.stdout.splitlines()]


def test_seed_flows_raw_to_enriched_to_alert_over_sasl_ssl(
    secure_cluster: SecureCluster, secure_worker: WorkerProcess
) -> None:
    s = secure_cluster.pipeline
    sent = secure_cluster.cli("admin", "replay", str(SEED), "--no-progress")
    assert sent.returncode == 0 and "sent 1 articles" in sent.stdout, sent.stderr
    (enriched,) = tail_json(secure_cluster, "subscriber", s.topic_enriched, 1)
    assert enriched["key"] == SEED.stem and enriched["value"]["escalation"]["alert"]
    alerts = tail_json(secure_cluster, "subscriber", s.topic_alerts, 1)
    assert [a["value"]["article_id"] for a in alerts] == [SEED.stem], secure_worker.log()


def test_subscriber_is_refused_on_raw_and_on_writes(secure_cluster: SecureCluster) -> None:
    s = secure_cluster.pipeline
    read_raw = secure_cluster.cli("subscriber", "tail", s.topic_raw, "--timeout", "5")
    assert read_raw.returncode == 1
    assert f"not authorized to read {s.topic_raw}: principal User:subscriber" in read_raw.stderr
    assert "Traceback" not in read_raw.stderr
    write_raw = secure_cluster.cli("subscriber", "replay", str(SEED), "--no-progress")
    assert write_raw.returncode == 1
    assert f"not authorized to publish to {s.topic_raw}: principal User:subscriber" in write_raw.stderr
    # Allowed to read the alerts, not to write them.
    write_alerts = secure_cluster.cli(
        "subscriber", "replay", str(SEED), "--topic", s.topic_alerts, "--no-progress"
    )
    assert write_alerts.returncode == 1
    assert f"not authorized to publish to {s.topic_alerts}: principal User:subscriber" in write_alerts.stderr


def test_wrong_password_fails_within_seconds_saying_so(secure_cluster: SecureCluster, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    t0 = time.monotonic()
    out = secure_cluster.cli(
        "subscriber", "tail", secure_cluster.pipeline.topic_alerts, "--timeout", "5",
        NEWSFEED_SASL_PASSWORD_FILE=str(wrong),
    )  # fmt: skip
    assert time.monotonic() - t0 < 15
    assert out.returncode == 1
    assert "authentication failed" in out.stderr and f"NEWSFEED_SASL_PASSWORD_FILE={wrong}" in out.stderr
    assert "not-the-password" not in out.stdout + out.stderr


def test_untrusted_ca_fails_within_seconds_saying_so(secure_cluster: SecureCluster, tmp_path: Path) -> None:
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k.pem"),
         "-out", str(other_ca), "-days", "1", "-subj", "/CN=some other CA"],
        check=True, capture_output=True,
    )  # fmt: skip
    t0 = time.monotonic()
    out = secure_cluster.cli(
        "subscriber",
        "tail",
        secure_cluster.pipeline.topic_alerts,
        "--timeout",
        "5",
        NEWSFEED_SSL_CAFILE=str(other_ca),
    )
    assert time.monotonic() - t0 < 15
    assert out.returncode == 1
    assert f"is not trusted by NEWSFEED_SSL_CAFILE={other_ca}" in out.stderr, out.stderr


def test_plaintext_client_cannot_connect(secure_cluster: SecureCluster) -> None:
    env = {"NEWSFEED_BROKER": secure_cluster.pipeline.broker}
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "tail", secure_cluster.pipeline.topic_alerts, "--timeout", "5"],
        env={k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")} | env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "closed the connection" in out.stderr and "NEWSFEED_SECURITY_PROTOCOL=PLAINTEXT" in out.stderr


def test_worker_with_wrong_credentials_retries_with_backoff_logging_why(
    secure_cluster: SecureCluster, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("wrong-worker-password\n")
    env = secure_cluster.env("newsfeed", NEWSFEED_SASL_PASSWORD_FILE=str(wrong))
    worker = worker_process(env, tmp_path / "worker.log")
    worker.start()
    try:
        time.sleep(9)  # attempts at 0, 1, 3, 7 s: backoff doubling from 1 s
        assert worker.running, worker.log()
    finally:
        worker.stop()
    log = worker.log()
    secure_cluster.outputs.append(log)
    attempts = [line for line in log.splitlines() if "newsfeed worker: attempt" in line]
    assert 3 <= len(attempts) <= 5, log
    assert all("authentication failed" in line for line in attempts)
    assert [line.split("attempt ")[1].split(":")[0] for line in attempts] == [
        str(n) for n in range(1, len(attempts) + 1)
    ]  # once per attempt
    assert "retrying in 1 s" in attempts[0] and "retrying in 2 s" in attempts[1]


def test_worker_without_create_rights_fails_clearly_on_a_missing_topic(secure_cluster: SecureCluster) -> None:
    missing = f"{secure_cluster.pipeline.app_id}.not-created"
    out = secure_cluster.cli(
        "newsfeed", "worker", NEWSFEED_CREATE_TOPICS="false", NEWSFEED_TOPIC_ARCHIVE=missing
    )
    assert out.returncode == 1
    assert "topics are not ready (run `newsfeed topics create` as an admin)" in out.stderr
    assert f"{missing}: missing" in out.stderr
    check = secure_cluster.cli("admin", "topics", "check")
    assert check.returncode == 0, check.stderr


def test_no_output_contains_a_password(secure_cluster: SecureCluster, secure_worker: WorkerProcess) -> None:
    """Runs last in the module: every CLI output and worker log captured above, plus the broker's log
    and what `newsfeed broker start --secure` prints (where the CA and the password files are)."""
    printed = secure_broker.describe_clients(secure_cluster.cfg)
    assert str(secure_cluster.home / "secure" / "ca.pem") in printed
    env_file = (secure_cluster.home / "secure" / "subscriber.env").read_text()
    assert f"NEWSFEED_SASL_PASSWORD_FILE={secure_cluster.home / 'secure' / 'subscriber.password'}" in env_file
    captured = (
        [printed, env_file]
        + secure_cluster.outputs
        + [
            secure_worker.log_path.read_text(errors="replace"),
            (secure_cluster.home / "broker.log").read_text(errors="replace"),
        ]
    )
    assert len(captured) > 8
    for user in ("admin", "newsfeed", "subscriber"):
        secret = secure_cluster.password(user)
        leaks = [text[max(0, text.find(secret) - 80) :][:160] for text in captured if secret in text]
        assert not leaks, f"{user}'s password appears in: {leaks}"
