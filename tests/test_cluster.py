"""The local cluster's configuration: one quorum of three, replicated internal topics, distinct ports."""

from pathlib import Path

import pytest

from streams.ops import cluster
from streams.ops.broker import BrokerError
from streams.settings import Settings
from streams.topics import topic_specs


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


def test_three_nodes_form_one_static_quorum_with_distinct_ports_and_dirs(tmp_path: Path) -> None:
    cfg = cluster.ClusterConfig(home=tmp_path, nodes=3, base_port=26200)
    nodes = [props(cluster.render_node_properties(cfg, n)) for n in cfg.node_ids]
    voters = "1@127.0.0.1:26201,2@127.0.0.1:26203,3@127.0.0.1:26205"
    assert [n["controller.quorum.voters"] for n in nodes] == [voters] * 3
    assert [n["node.id"] for n in nodes] == ["1", "2", "3"]
    assert [n["listeners"] for n in nodes] == [
        f"PLAINTEXT://127.0.0.1:{p},CONTROLLER://127.0.0.1:{p + 1}" for p in (26200, 26202, 26204)
    ]
    assert len({n["log.dirs"] for n in nodes}) == 3
    assert all("controller.quorum.bootstrap.servers" not in n for n in nodes)  # no dynamic quorum
    assert cfg.bootstrap == "127.0.0.1:26200,127.0.0.1:26202,127.0.0.1:26204"


def test_every_topic_internal_ones_too_is_replicated_three_times_with_two_in_sync(tmp_path: Path) -> None:
    node = props(cluster.render_node_properties(cluster.ClusterConfig(home=tmp_path), 1))
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert node[key] == "3", key
    assert node["min.insync.replicas"] == node["transaction.state.log.min.isr"] == "2"
    assert node["unclean.leader.election.enable"] == "false"


def test_unknown_node_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="nodes 1 to 3"):
        cluster.ClusterConfig(home=tmp_path).node(4)


def test_topics_get_min_insync_replicas_only_when_set() -> None:
    plain = topic_specs(Settings())
    assert all("min.insync.replicas" not in t.topic_configs for t in plain)
    replicated = topic_specs(Settings(replication=3, min_insync_replicas=2))
    assert all(t.topic_configs["min.insync.replicas"] == "2" for t in replicated)
    assert all(t.replication_factor == 3 for t in replicated)
