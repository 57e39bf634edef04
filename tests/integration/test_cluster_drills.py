"""The failover drills on a real three-node KRaft cluster: the short variant of `newsfeed chaos --nodes 3`.

Two real `newsfeed worker` processes on 4 partitions, replication 3, min.insync.replicas 2; each
drill streams articles in (their leads only, to fit CI's time) while its fault happens. The order
is the order of the drills in the module: they share one pipeline, as an operator's cluster would.
"""

from collections.abc import Iterator

import pytest

from streams.ops import cluster
from streams.ops.drills import Pipeline, drill_pipeline, run_drill
from streams.settings import PROJECT_ROOT, Settings
from tests.helpers import TEST_PORT

pytestmark = pytest.mark.kafka

ARTICLES = 40  # at least this many per drill; the feeder goes on at RATE until the fault is over
RATE = 4.0
LEAD_CHARS = 600
TIMEOUT_S = 180.0


@pytest.fixture(scope="module")
def pipeline() -> Iterator[Pipeline]:
    # Node 1 on the test broker's port + 10: the session's single broker keeps port and port + 1.
    home = PROJECT_ROOT / ".kafka" / "test-cluster"
    cfg = cluster.ClusterConfig(home=home, nodes=3, base_port=TEST_PORT + 10)
    with drill_pipeline(Settings(), cfg, lead_chars=LEAD_CHARS) as p:
        yield p


def check(p: Pipeline, drill: str) -> list[str]:
    report = run_drill(p, drill, ARTICLES, RATE, TIMEOUT_S)
    assert report.inputs >= ARTICLES
    assert report.lost == 0, report.render()
    assert report.duplicate_alerts == 0, report.render()
    assert report.committed_ahead == 0, report.render()
    return report.failover


def test_sigkill_of_the_leader_of_raw_and_output_partitions(pipeline: Pipeline) -> None:
    failover = check(pipeline, "leader-kill")
    assert any("had new leaders in" in line for line in failover), failover


def test_rolling_restart_of_all_three_brokers_under_load(pipeline: Pipeline) -> None:
    failover = check(pipeline, "rolling")
    assert sum("back with all replicas in sync" in line for line in failover) == 3, failover


def test_sigkill_of_one_worker_moves_its_partitions_and_it_rejoins(pipeline: Pipeline) -> None:
    failover = check(pipeline, "worker-kill")
    assert any("the other held all 4 partitions" in line for line in failover), failover
    assert any("stable again" in line for line in failover), failover


def test_two_brokers_down_acknowledges_nothing_and_resumes_when_one_returns(pipeline: Pipeline) -> None:
    report = run_drill(pipeline, "two-down", ARTICLES, RATE, TIMEOUT_S)
    # acks=all with min.insync.replicas 2 cannot be met by one broker: no write may be acknowledged.
    assert report.acked_while_down == 0, report.render()
    assert report.lost == 0 and report.duplicate_alerts == 0 and report.committed_ahead == 0, report.render()
    assert any("resumed" in line for line in report.failover), report.failover
