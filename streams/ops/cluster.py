"""A local multi-node Apache Kafka cluster (KRaft) for failover drills and scale-out measurements.

Why: on one broker a broker restart is an outage, not a failover; replication, leader election and
`min.insync.replicas` are only exercised with several brokers. Each node is a combined
broker+controller, so the three nodes are also a controller quorum of three (it survives one node
down). Jars, log4j configuration, process handling and readiness come from `streams.broker`; only
the per-node configuration is this module's.

Layout under ``ClusterConfig.home`` (normally ``.kafka/cluster``); the jars are the single broker's
(``.kafka/libs``, resolved once), each node-N/libs links there::

    cluster.id       the cluster id every node's storage is formatted with
    node-N/          one node: data/, server.properties, log4j2.properties, broker.log, broker.pid

Ports: node N listens on ``base_port + 2*(N-1)`` (clients) and the next port (controller), so a
three-node cluster on 26200 uses 26200 to 26205.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from streams import broker
from streams.broker import BrokerConfig, BrokerError
from streams.settings import Settings

# Later -Xms/-Xmx override broker.JVM_OPTS: three nodes plus the workers must fit 2 cores and 24 GB.
# C1 only: a node starts (and restarts, in every drill) on far less CPU; these brokers carry little.
NODE_JVM_OPTS = ("-Xms128m", "-Xmx384m", "-XX:TieredStopAtLevel=1")
# A SIGKILLed node is fenced (its partitions get new leaders) after this long without a heartbeat.
BROKER_SESSION_TIMEOUT_MS = 6000


@dataclass(frozen=True)
class ClusterConfig:
    """Where the cluster lives, how many nodes, and the first node's client port."""

    home: Path
    nodes: int = 3
    base_port: int = 9092
    host: str = "127.0.0.1"
    start_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        if self.nodes < 1:
            raise BrokerError("a cluster needs at least one node")
        object.__setattr__(self, "home", Path(self.home).expanduser().resolve())

    @property
    def node_ids(self) -> range:
        return range(1, self.nodes + 1)

    def node(self, node_id: int) -> BrokerConfig:
        """Node `node_id` (1-based) as a single-broker config: its home, ports and files."""
        if node_id not in self.node_ids:
            raise BrokerError(f"no node {node_id}: the cluster has nodes 1 to {self.nodes}")
        port = self.base_port + 2 * (node_id - 1)
        return BrokerConfig(
            home=self.home / f"node-{node_id}",
            host=self.host,
            port=port,
            controller_port=port + 1,
            start_timeout_s=self.start_timeout_s,
        )

    @property
    def bootstrap(self) -> str:
        """Every node's ``host:port``: clients keep working while any one of them is down."""
        return ",".join(self.node(n).bootstrap for n in self.node_ids)

    @property
    def replication(self) -> int:
        return min(3, self.nodes)

    @property
    def min_insync_replicas(self) -> int:
        """2 of 3: an acknowledged write survives the loss of any one broker."""
        return max(1, self.replication - 1)


@dataclass(frozen=True)
class NodeStatus:
    node_id: int
    running: bool
    pid: int | None
    bootstrap: str
    started: bool = False


def render_node_properties(cluster: ClusterConfig, node_id: int) -> str:
    """broker.py's single-node properties, turned into node `node_id` of a static quorum."""
    node = cluster.node(node_id)
    props: dict[str, str] = {}
    for line in broker.render_server_properties(node).splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            props[key] = value
    props.pop("controller.quorum.bootstrap.servers", None)  # dynamic quorum: single node only
    rf, isr = str(cluster.replication), str(cluster.min_insync_replicas)
    voters = ",".join(f"{n}@{cluster.host}:{cluster.node(n).controller_port}" for n in cluster.node_ids)
    props |= {
        "node.id": str(node_id),
        "controller.quorum.voters": voters,
        "default.replication.factor": rf,
        "min.insync.replicas": isr,
        "offsets.topic.replication.factor": rf,
        "transaction.state.log.replication.factor": rf,
        "transaction.state.log.min.isr": isr,
        "share.coordinator.state.topic.replication.factor": rf,
        "share.coordinator.state.topic.min.isr": isr,
        # Never elect a replica that missed acknowledged writes (the default, stated on purpose).
        "unclean.leader.election.enable": "false",
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": str(BROKER_SESSION_TIMEOUT_MS),
        "replica.lag.time.max.ms": "10000",
        "num.io.threads": "2",
        "num.replica.fetchers": "1",
    }
    header = f"# Generated by streams/cluster.py for node {node_id} of {cluster.nodes}; edit ClusterConfig.\n"
    return header + "".join(f"{k}={v}\n" for k, v in props.items())


def _java_cmd(java: str, node: BrokerConfig, main: str, *args: str) -> list[str]:
    cmd = broker._java_cmd(java, node, main, *args)
    at = cmd.index("-cp")
    return [*cmd[:at], *NODE_JVM_OPTS, *cmd[at:]]


def _prepare(cluster: ClusterConfig, node_id: int, java: str, libs: Path) -> BrokerConfig:
    """Write the node's files and format its storage once, with the cluster's shared id."""
    node = cluster.node(node_id)
    node.data.mkdir(parents=True, exist_ok=True)
    if not (node.libs.is_symlink() and node.libs.resolve() == libs.resolve()):
        if node.libs.is_symlink():
            node.libs.unlink()
        shutil.rmtree(node.libs, ignore_errors=True)
        node.libs.symlink_to(libs, target_is_directory=True)
    node.properties.write_text(render_node_properties(cluster, node_id))
    node.log4j.write_text(broker._LOG4J2_PROPERTIES)
    id_file = cluster.home / "cluster.id"
    if not id_file.is_file():
        id_file.write_text(broker._new_cluster_id() + "\n")
    if (node.data / "meta.properties").is_file():
        return node
    cmd = _java_cmd(
        java, node, broker.STORAGE_TOOL, "format",
        "--cluster-id", id_file.read_text().strip(), "--config", str(node.properties),
    )  # fmt: skip
    proc = subprocess.run(cmd, cwd=node.home, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BrokerError(
            f"formatting {node.data} failed (exit {proc.returncode}):\n"
            f"{broker._tail(proc.stdout + proc.stderr, 20)}"
        )
    return node


def _root(cluster: ClusterConfig) -> BrokerConfig:
    """The cluster home as a broker config: for the start/stop lock."""
    return BrokerConfig(home=cluster.home, host=cluster.host, port=cluster.base_port)


def status(cluster: ClusterConfig) -> list[NodeStatus]:
    """Each node: running or not, and its pid (no network call)."""
    result = []
    for n in cluster.node_ids:
        st = broker.status(cluster.node(n))
        result.append(NodeStatus(n, st.running, st.pid, st.bootstrap))
    return result


def start(cluster: ClusterConfig, only: int | None = None) -> list[NodeStatus]:
    """Start every node that is not running (or only node `only`); wait until each serves metadata.

    The nodes are launched before any is waited for: a node answers only once a quorum of
    controllers (2 of 3) has elected a leader.
    """
    root = _root(cluster)
    with broker._lock(root):
        java = broker._require_java()
        libs = broker.ensure_jars(broker.default_config())  # one copy for every broker and cluster
        launched: dict[int, int] = {}
        ids = [only] if only is not None else list(cluster.node_ids)
        try:
            for n in ids:
                node = cluster.node(n)
                if broker.status(node).running:
                    continue
                broker._check_port_free(node.host, node.port)
                broker._check_port_free(node.host, node.controller_port)
                _prepare(cluster, n, java, libs)
                cmd = _java_cmd(java, node, broker.MAIN_CLASS, str(node.properties))
                pid = broker._spawn_detached(cmd, node)
                node.pid_file.write_text(f"{pid}\n")
                launched[n] = pid
            for n, pid in launched.items():
                broker._wait_ready(pid, cluster.node(n))
        except BaseException:
            for n, pid in launched.items():  # no half-started node holds the ports
                broker._terminate(pid, cluster.node(n), timeout_s=10.0)
            raise
    return [
        NodeStatus(s.node_id, s.running, s.pid, s.bootstrap, started=s.node_id in launched)
        for s in status(cluster)
    ]


def kill(cluster: ClusterConfig, node_id: int) -> int | None:
    """SIGKILL node `node_id` (no controlled shutdown, as in a power cut); its pid, or None if not running."""
    node = cluster.node(node_id)
    pid = broker.status(node).pid
    if pid is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while broker._alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    node.pid_file.unlink(missing_ok=True)
    return pid


def stop_node(cluster: ClusterConfig, node_id: int, timeout_s: float = 30.0) -> bool:
    """Controlled shutdown of one node (SIGTERM: it hands its leaderships over first)."""
    node = cluster.node(node_id)
    pid = broker.status(node).pid
    if pid is None:
        return False
    broker._terminate(pid, node, timeout_s)
    return True


def restart(cluster: ClusterConfig, node_id: int) -> NodeStatus:
    """Stop node `node_id` cleanly if it runs, start it again and wait until it answers."""
    stop_node(cluster, node_id)
    return start(cluster, only=node_id)[node_id - 1]


def stop(cluster: ClusterConfig, timeout_s: float = 30.0) -> list[int]:
    """Stop every node; returns the ids that were running.

    All nodes get SIGTERM at once: stopped one by one, the last ones would wait for a controller
    quorum that is already gone.
    """
    if not cluster.home.is_dir():
        return []
    with broker._lock(_root(cluster)):
        running = [(n, pid) for n in cluster.node_ids if (pid := broker.status(cluster.node(n)).pid)]
        for _, pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for n, pid in running:
            broker._terminate(pid, cluster.node(n), timeout_s)
        return [n for n, _ in running]


def wipe(cluster: ClusterConfig) -> None:
    """Remove every node's data and the cluster id (the jars stay): the next start is a new cluster."""
    for n in cluster.node_ids:
        shutil.rmtree(cluster.node(n).data, ignore_errors=True)
    (cluster.home / "cluster.id").unlink(missing_ok=True)


def cluster_config(settings: Settings, nodes: int = 3) -> ClusterConfig:
    """The project's local cluster: ``NEWSFEED_BROKER_HOME/cluster``, node 1 on NEWSFEED_BROKER's port."""
    return ClusterConfig(home=settings.broker_home / "cluster", nodes=nodes, base_port=settings.broker_port)
