"""Crash-recovery run: kill workers and restart the broker mid-stream, then count what was lost.

`newsfeed chaos` replays a corpus to a broker of its own (never the development or test broker),
SIGKILLs worker processes at random moments, stops and restarts the broker while a worker runs, and
finally checks that every input id reached the enriched topic and the archive. At-least-once means
`lost` must be 0; duplicates are expected (a killed worker's uncommitted batch is processed again).
"""

import asyncio
import logging
import random
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from schemas import RawArticle
from streams.clients.replay import cycle_articles, replay
from streams.clients.sources import DEV_SET, load_articles
from streams.ops import broker
from streams.ops.probes import KeyCounter, committed_offsets, key_offsets, outputs_missing_for_committed
from streams.security import client_security, without_security
from streams.settings import PROJECT_ROOT, Settings
from streams.topics import ensure_topics
from streams.worker import WorkerProcess

DEFAULT_CORPUS = (PROJECT_ROOT / "seeds", DEV_SET / "articles")
# Faust reads these itself (no prefix). A SIGKILLed member otherwise holds its partitions for the
# default 60 s session timeout before the restarted worker gets them (6 s is the broker minimum).
FAST_REBALANCE_ENV = {"BROKER_SESSION_TIMEOUT": "6", "BROKER_HEARTBEAT_INTERVAL": "1"}
# A restarted worker must not wait for its killed predecessor's children to free their metrics ports.
ANY_METRICS_PORT_ENV = {f"NEWSFEED_METRICS_PORT_{role}": "0" for role in ("ENRICH", "LANE", "ALERTS")}


def corpus(articles: int, paths: Iterable[Path] = DEFAULT_CORPUS) -> list[RawArticle]:
    """`articles` articles cycled from the given files with distinct ids (`<id>~<n>` after the first pass)."""
    return cycle_articles(list(load_articles([p for p in paths if p.exists()])), articles)


def chaos_worker(settings: Settings, log_path: Path, cwd: Path) -> WorkerProcess:
    """A `newsfeed worker` that can be killed and started again; all its runs log to one file.

    `cwd`: Faust writes its data directory there.
    """
    env = {**FAST_REBALANCE_ENV, **ANY_METRICS_PORT_ENV, "PYTHONPATH": str(PROJECT_ROOT)}
    return WorkerProcess(settings, log_path, env=env, cwd=cwd, new_session=True)


@dataclass
class ChaosReport:
    inputs: int
    kills: int
    broker_restarts: int
    lost_enriched: list[str]
    lost_archive: list[str]
    duplicates_enriched: int
    duplicates_archive: int
    dead_letters: int
    seconds: float
    committed_before_output: int = 0  # checked after every kill: must be 0 (commit after acknowledgement)
    exit_codes: list[int] = field(default_factory=list)
    log_path: Path | None = None

    @property
    def lost(self) -> int:
        return len(set(self.lost_enriched) | set(self.lost_archive))

    def render(self) -> str:
        return "\n".join(
            [
                f"kills            {self.kills} (SIGKILL)",
                f"broker restarts  {self.broker_restarts}",
                f"inputs           {self.inputs}",
                f"lost             {self.lost} (enriched {len(self.lost_enriched)}, "
                f"archive {len(self.lost_archive)})",
                f"duplicates       enriched {self.duplicates_enriched}, archive {self.duplicates_archive}",
                f"dead letters     {self.dead_letters}",
                f"committed before output (after the kills)  {self.committed_before_output}",
                f"worker exits     {self.exit_codes}",
                f"seconds          {self.seconds:.1f}",
                *([f"worker log       {self.log_path}"] if self.log_path else []),
            ]
        )


def chaos_broker_config(port: int) -> broker.BrokerConfig:
    return broker.BrokerConfig.for_port(port, PROJECT_ROOT / ".kafka" / "chaos")


def run_chaos(
    settings: Settings,
    *,
    articles: int = 1000,
    kills: int = 5,
    broker_restarts: int = 1,
    broker_port: int = 39092,
    seed: int | None = None,
    corpus_paths: Iterable[Path] = DEFAULT_CORPUS,
    stall_timeout_s: float = 180.0,
    keep_broker: bool = False,
) -> ChaosReport:
    """The long crash-recovery run; prints each event and the figures, and returns them."""
    rng = random.Random(seed)
    # The counters' reconnect warnings during a broker restart are expected; the worker log has the story.
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())
    logging.getLogger("aiokafka").propagate = False
    cfg = chaos_broker_config(broker_port)
    t_start = time.monotonic()
    broker.stop(cfg)
    shutil.rmtree(cfg.data, ignore_errors=True)  # a fresh cluster: the counts are this run's alone
    _say(f"starting the chaos broker on {cfg.bootstrap} ...")
    broker.start(cfg)
    try:
        # The chaos run's own broker is a local PLAINTEXT one.
        s = without_security(settings).isolated(cfg.bootstrap, "chaos", uuid.uuid4().hex[:8])
        security = client_security(s)
        asyncio.run(ensure_topics(s))
        inputs = corpus(articles, corpus_paths)
        ids = {a.id for a in inputs if a.id}
        # Actions at random points of the progress (distinct ids enriched), in random order.
        actions = ["kill"] * kills + ["broker"] * broker_restarts
        rng.shuffle(actions)
        points = sorted(rng.uniform(0.05, 0.9) * len(ids) for _ in actions)
        worker = chaos_worker(s, cfg.home / f"worker-{s.app_id}.log", cfg.home / "workers")
        with KeyCounter(s.broker, [s.topic_enriched, s.topic_archive, s.topic_deadletter], security) as seen:
            worker.start()
            asyncio.run(
                replay(inputs, bootstrap=s.broker, topic=s.topic_raw, progress=False, security=security)
            )
            _say(f"replayed {len(inputs)} articles to {s.topic_raw}")
            origin = asyncio.run(key_offsets(s.broker, s.topic_raw, security))
            committed_early: set[str] = set()
            done_kills = done_restarts = 0
            floor = 0  # each action waits for progress after the previous one (a reconnect is shown)

            def progress_count() -> int:
                return len(seen.distinct(s.topic_enriched) & ids)

            for action, point in zip(actions, points, strict=True):

                def reached(target: float = max(point, floor + 2 * s.batch_size)) -> bool:
                    return progress_count() >= target

                if not _wait_for(reached, stall_timeout_s, seen, s):
                    break  # stalled (see the worker log): count what got through
                time.sleep(rng.uniform(0.0, 1.0))  # not always right at a batch boundary
                progress = floor = progress_count()
                if action == "kill":
                    worker.kill()
                    done_kills += 1
                    committed = asyncio.run(committed_offsets(s.broker, s.app_id, s.topic_raw, security))
                    outputs = [s.topic_enriched, s.topic_archive]
                    early = outputs_missing_for_committed(seen, outputs, origin, committed)
                    committed_early |= early
                    _say(
                        f"kill {done_kills}: SIGKILL worker at {progress}/{len(ids)} enriched; "
                        f"committed without output: {len(early)}; restarting"
                    )
                    time.sleep(rng.uniform(0.0, 2.0))
                    worker.start()
                else:
                    _say(f"broker restart {done_restarts + 1}: stopping the broker at {progress}/{len(ids)}")
                    broker.stop(cfg)
                    time.sleep(rng.uniform(2.0, 6.0))
                    broker.start(cfg)
                    done_restarts += 1
                    _say(f"broker restart {done_restarts}: broker back; the worker must reconnect by itself")
            _wait_for(
                lambda: ids <= seen.distinct(s.topic_enriched) and ids <= seen.distinct(s.topic_archive),
                stall_timeout_s,
                seen,
                s,
            )
            code = worker.stop(settings.shutdown_timeout_s + 10)
            _say(f"worker stopped with SIGTERM, exit code {code}")
            time.sleep(1.0)  # the last records on the counters
            enriched, archive = seen.snapshot(s.topic_enriched), seen.snapshot(s.topic_archive)
            dead = sum(seen.snapshot(s.topic_deadletter).values())
        report = ChaosReport(
            inputs=len(ids),
            kills=done_kills,
            broker_restarts=done_restarts,
            lost_enriched=sorted(ids - set(enriched)),
            lost_archive=sorted(ids - set(archive)),
            duplicates_enriched=sum(n - 1 for k, n in enriched.items() if k in ids),
            duplicates_archive=sum(n - 1 for k, n in archive.items() if k in ids),
            dead_letters=dead,
            seconds=time.monotonic() - t_start,
            committed_before_output=len(committed_early),
            exit_codes=worker.exit_codes,
            log_path=worker.log_path,
        )
        print(report.render(), flush=True)
        return report
    finally:
        if not keep_broker:
            broker.stop(cfg)


def _wait_for(done: Callable[[], bool], timeout_s: float, seen: KeyCounter, s: Settings) -> bool:
    """Wait until `done()`; False after `timeout_s` without progress on the enriched topic."""
    last, last_change = -1, time.monotonic()
    while not done():
        n = sum(seen.snapshot(s.topic_enriched).values())
        if n != last:
            last, last_change = n, time.monotonic()
        elif time.monotonic() - last_change > timeout_s:
            _say(f"no progress for {timeout_s:g} s; giving up waiting")
            return False
        time.sleep(0.2)
    return True


def _say(text: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {text}", flush=True)
