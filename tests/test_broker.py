"""Unit tests for streams.ops.broker that need neither java, mvn nor a running broker."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from streams.ops import broker


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


def test_server_properties_listeners_and_single_node_settings(tmp_path: Path) -> None:
    cfg = broker.BrokerConfig.for_port(19092, tmp_path / ".kafka")
    props = _props(broker.render_server_properties(cfg))
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert "controller.quorum.voters" not in props  # incompatible with `format --standalone`
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path / ".kafka" / "data")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["auto.create.topics.enable"] == "true"
    assert cfg.bootstrap == "127.0.0.1:19092"


def test_relative_home_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The path is matched against the broker's argv, so it must not depend on the cwd.
    monkeypatch.chdir(tmp_path)
    assert broker.BrokerConfig(home=Path(".kafka")).home == tmp_path.resolve() / ".kafka"


def test_cluster_id_looks_like_kafka_uuid() -> None:
    cid = broker._new_cluster_id()
    assert len(cid) == 22 and not cid.startswith("-")
    assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_status_cleans_up_stale_pid_file(tmp_path: Path) -> None:
    cfg = broker.BrokerConfig(home=tmp_path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    cfg.pid_file.write_text(f"{gone.pid}\n")
    st = broker.status(cfg)
    assert (st.running, st.pid, st.started) == (False, None, False)
    assert not cfg.pid_file.exists()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="argv check needs /proc")
def test_live_pid_that_is_not_our_broker_is_neither_reported_nor_killed(tmp_path: Path) -> None:
    # e.g. the pid was reused after a reboot: this test process must survive stop().
    cfg = broker.BrokerConfig(home=tmp_path)
    cfg.pid_file.write_text(f"{os.getpid()}\n")
    assert broker.status(cfg).running is False
    cfg.pid_file.write_text(f"{os.getpid()}\n")
    assert broker.stop(cfg) is False
    assert not cfg.pid_file.exists()


def test_missing_java_is_an_actionable_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda name: None)
    with pytest.raises(broker.BrokerError, match=r"java not found on PATH: install Java 17\+"):
        broker.start(broker.BrokerConfig(home=tmp_path))


def test_missing_mvn_is_an_actionable_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda name: None)
    with pytest.raises(broker.BrokerError, match="mvn not found on PATH"):
        broker.ensure_jars(broker.BrokerConfig(home=tmp_path))


def test_ensure_jars_skips_mvn_when_marker_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = broker.BrokerConfig(home=tmp_path)
    cfg.libs.mkdir()
    (cfg.libs / ".version").write_text(broker._jars_marker(broker.POM_PATH))
    monkeypatch.setattr(broker.shutil, "which", lambda name: None)  # mvn would fail
    assert broker.ensure_jars(cfg) == cfg.libs
    assert f"kafka={broker.kafka_version()}" in (cfg.libs / ".version").read_text()


def test_port_taken_by_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(broker, "_java_major", lambda java: 17)
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        cfg = broker.BrokerConfig.for_port(port, tmp_path)
        with pytest.raises(broker.BrokerError, match=f"port {port} is in use by another process"):
            broker.start(cfg)
    assert not cfg.pid_file.exists()
