"""The metrics' names, their documentation and dashboard, and the offsets arithmetic (no broker)."""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric

from streams import metrics
from streams.offsets import PartitionOffsets
from streams.settings import PROJECT_ROOT, Settings
from tests.helpers import naming_problems

OBSERVABILITY = PROJECT_ROOT / "observability"


def _newsfeed_families() -> list[Metric]:
    return [f for f in REGISTRY.collect() if f.name.startswith("newsfeed_")]


def _exposed_names() -> dict[str, str]:
    """Our metrics as /metrics names them (counters with _total, info with _info), with their type."""
    suffix = {"counter": "_total", "info": "_info"}
    return {f.name + suffix.get(f.type, ""): f.type for f in _newsfeed_families()}


def _series_names() -> set[str]:
    """Every series name a query can use: the exposed names and the histograms' series."""
    names = set(_exposed_names())
    for name, kind in _exposed_names().items():
        if kind == "histogram":
            names |= {name + s for s in ("_bucket", "_count", "_sum")}
    return names


def test_every_defined_metric_follows_the_naming_rules() -> None:
    for collector in vars(metrics).values():  # a labelled family shows no sample before its first child
        if isinstance(collector, MetricWrapperBase) and collector._labelnames:
            collector.labels(*["x"] * len(collector._labelnames))
    families = _newsfeed_families()
    assert len(families) >= 19
    problems = [p for f in families for p in naming_problems(f)]
    assert not problems, problems


def test_the_rules_catch_the_classic_mistakes() -> None:
    bad = [
        Metric("newsfeed_batch_duration_ms", "x", "histogram"),
        Metric("newsfeed_rebalances_total", "x", "gauge"),
        Metric("newsfeed_latency", "x", "gauge"),
        Metric("NewsfeedLag", "x", "gauge"),
    ]
    bad[1].add_sample("newsfeed_rebalances_total", {}, 3)
    counter = Metric("newsfeed_things", "x", "counter")  # a counter sample without _total
    counter.add_sample("newsfeed_things", {}, 1)
    assert all(naming_problems(m) for m in [*bad, counter])
    good = Metric("newsfeed_things", "x", "counter")
    good.add_sample("newsfeed_things_total", {}, 1)
    assert naming_problems(good) == []


def test_readme_lists_every_metric_and_no_other() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme[readme.index("## Observability") :]
    section = section[: section.index("\n## ", 3)]
    listed = set(re.findall(r"`(newsfeed_[a-z_]+)`", section))
    assert listed == set(_exposed_names()), listed ^ set(_exposed_names())


def test_the_dashboard_queries_only_metrics_that_exist() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana" / "dashboards" / "newsfeed.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 6
    used = {name for e in exprs for name in re.findall(r"\bnewsfeed_[a-z_]+", e)}
    assert used and used <= _series_names(), used - _series_names()
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("throughput", "lag", "dead letters", "alerts", "latency", "stage"):
        assert topic in titles, topic


def test_prometheus_scrapes_the_default_ports_of_every_role() -> None:
    config = (OBSERVABILITY / "prometheus.yml").read_text()
    defaults = Settings()
    for role in metrics.ROLES:
        assert f"worker:{metrics.metrics_port(defaults, role)}" in config, role


def test_the_observability_profile_is_valid_compose_with_its_files_checked_in(tmp_path: Path) -> None:
    if shutil.which("docker-compose") is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is not installed (.ci/run installs it)")
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    compose = ["docker-compose", "-f", str(PROJECT_ROOT / "docker-compose.yml"), "--profile", "observability"]
    out = subprocess.run([*compose, "config"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    services = subprocess.run(
        [*compose, "config", "--services"], capture_output=True, text=True, cwd=tmp_path
    )
    assert {"prometheus", "grafana", "worker"} <= set(services.stdout.split())
    mounted = re.findall(r"- (/\S+):/\S+:ro", out.stdout)
    assert any(m.endswith("prometheus.yml") for m in mounted) and all(Path(m).exists() for m in mounted)
    assert "NEWSFEED_METRICS_HOST: 0.0.0.0" in out.stdout


def test_further_alert_lanes_get_their_own_metrics_port() -> None:
    s = Settings(metrics_port_lane=9402)
    roles = ["alerts", "lane", "lane", "lane"]
    assert metrics.child_env(s, roles) == [
        {},
        {},
        {"NEWSFEED_METRICS_PORT_LANE": "9403"},
        {"NEWSFEED_METRICS_PORT_LANE": "9404"},
    ]
    assert metrics.child_env(Settings(metrics_port_lane=0), roles)[2] == {}  # 0: any free port


def test_lag_counts_from_the_commit_or_else_from_the_log_start() -> None:
    assert PartitionOffsets("t", 0, committed=7, start=0, end=10).lag == 3
    assert PartitionOffsets("t", 0, committed=None, start=4, end=10).lag == 6
    assert PartitionOffsets("t", 0, committed=12, start=0, end=10).lag == 0  # end read before the commit


def test_stage_times_are_observed_per_batch_from_the_enrichers_totals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Enricher:
        stage_seconds = {"nlp": 1.0}

        def enrich_batch(self, raws: list[str], at: object) -> list[str]:
            self.stage_seconds["nlp"] += 0.25
            return raws

    monkeypatch.setattr(metrics, "_enabled", True)
    before = REGISTRY.get_sample_value("newsfeed_stage_duration_seconds_sum", {"stage": "nlp"}) or 0.0
    assert metrics.with_stage_times(Enricher())(["a"], None) == ["a"]
    after = REGISTRY.get_sample_value("newsfeed_stage_duration_seconds_sum", {"stage": "nlp"})
    assert after is not None and abs(after - before - 0.25) < 1e-9


def test_bench_workers_get_distinct_metrics_ports_from_their_broker_port() -> None:
    from streams.ops.bench.measure import metrics_ports

    s = Settings(broker="localhost:25192")
    ports = [int(p) for i in range(3) for p in metrics_ports(s, i).values()]
    assert len(set(ports)) == len(ports) and min(ports) == 25202


def test_the_overhead_report_says_whether_the_target_is_met() -> None:
    from streams.ops.bench.metrics_overhead import format_metrics_overhead

    result = {
        "articles": 200,
        "runs": 3,
        "metrics_on_aps": 8.1,
        "metrics_off_aps": 8.2,
        "throughput_ratio_on_off": 0.988,
        "metrics_on_cpu_ms": 110.0,
        "metrics_off_cpu_ms": 109.0,
        "cpu_ratio_on_off": 1.009,
        "metrics_on_aps_runs": [8.1, 8.0, 8.3],
        "metrics_off_aps_runs": [8.2, 8.2, 8.1],
        "hook_us_per_article": 12.5,
        "hook_share_of_article_cpu": 0.000115,
        "scrape_ms": 1.2,
        "scrape_series": 170,
        "met": True,
    }
    text = format_metrics_overhead(result)
    assert "throughput 0.988" in text and "(target: throughput >= 0.98: met)" in text
    assert "12.5 us per article (0.011% of an article's worker CPU)" in text
    assert "NOT met" in format_metrics_overhead(result | {"met": False})


def test_the_hooks_cost_is_counted_and_leaves_metrics_as_they_were() -> None:
    from streams.ops.bench.metrics_overhead import measure_hook_cost

    cost = measure_hook_cost(articles=200, scrapes=2)
    assert cost["hook_us_per_article"] > 0 and cost["scrape_ms"] > 0 and cost["scrape_series"] > 20
    assert metrics._enabled is False


def test_readiness_names_every_reason_it_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    from faust.types import TP

    class Consumer:
        def __init__(self, tps: set[TP]) -> None:
            self.tps = tps

        def assignment(self) -> set[TP]:
            return self.tps

    class App:
        rebalancing = True
        consumer = Consumer({TP("news.alerts.candidates-changelog", 0)})  # a changelog is no input

    state = metrics._State()
    state.app, state.topics, state.needs_model, state.refresh_s = App(), ("raw",), True, 1.0  # type: ignore[assignment]
    monkeypatch.setattr(metrics, "_state", state)
    assert metrics.readiness() == ["model not loaded", "broker not reached yet", "consumer group rebalancing"]
    App.rebalancing = False
    state.model_loaded, state.broker_seen_at = True, time.monotonic() - 60
    assert metrics.readiness() == ["broker unreachable for 60 s", "no input partitions assigned"]
    App.consumer = Consumer({TP("raw", 1), TP("raw", 0)})
    state.broker_seen_at = time.monotonic()
    assert metrics.readiness() == []
    assert [tp.partition for tp in metrics.held_partitions(App())] == [0, 1]  # type: ignore[arg-type]
