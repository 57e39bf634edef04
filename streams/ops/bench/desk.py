"""`newsfeed bench --desk-latency N`: seconds from producing an alerting article to its row on screen.

An operator tool (not imported by production code): its own broker, one whole worker and a desk, and
the desk open in headless Chromium (Debian's `chromium` + `chromium-driver`, driven by Selenium). A
MutationObserver in the page stamps each row when it appears; the clock of the replay and that of
the page are the same machine's. Articles are the seed with distinct ids and titles (each its own
story), one every `interval_s`, so each alert is measured on its own, not in a queue.
"""

import asyncio
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.ops import broker
from streams.ops.bench.measure import worker_group
from streams.ops.bench.report import percentile
from streams.settings import PROJECT_ROOT, Settings
from streams.worker import NewsfeedProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# Stamps every new row of the alert table with the page's clock (ms since the epoch).
OBSERVE_ROWS = """
window.__rowSeen = window.__rowSeen || {};
const seen = window.__rowSeen;
const stamp = () => document.querySelectorAll('#alert-rows tr.alert-row').forEach(tr => {
  const title = tr.querySelector('.title a').textContent;
  if (!(title in seen)) { seen[title] = Date.now(); }
});
stamp();
new MutationObserver(stamp).observe(document.getElementById('alert-rows'), {childList: true, subtree: true});
"""


class BrowserMissing(RuntimeError):
    """Chromium, its driver or Selenium is not installed: the message names the package."""


def chromium_driver(width: int = 1400, height: int = 1000) -> Any:
    """Headless Debian Chromium under Selenium, with the system's chromedriver (nothing downloaded)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise BrowserMissing("selenium is not installed (pip install -e '.[dev]')") from None
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            raise BrowserMissing(f"{path} not found: apt-get install {package}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_desk(settings: Settings, log_path: Path, **env: str) -> NewsfeedProcess:
    """`newsfeed desk` as an operator runs it, on the run's settings; returns once it answers."""
    proc = NewsfeedProcess(["desk"], settings, log_path, env=env, cwd=PROJECT_ROOT, new_session=True).start()
    port = int(env.get("NEWSFEED_DESK_PORT", settings.desk_port))
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        if not proc.running:
            raise RuntimeError(f"the desk exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"the desk did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


@contextmanager
def _driver() -> Iterator[Any]:
    driver = chromium_driver()
    try:
        yield driver
    finally:
        driver.quit()


def measure_desk_latency(settings: Settings, alerts: int, broker_port: int, interval_s: float = 2.0) -> str:
    """Start broker, worker and desk; replay `alerts` alerting articles; report p50 / p90 / max."""
    home = PROJECT_ROOT / ".kafka" / "desk-bench"
    cfg = broker.BrokerConfig.for_port(broker_port, home)
    broker.stop(cfg)
    status = broker.start(cfg)
    run = settings.isolated(status.bootstrap, "deskbench", str(int(time.time())))
    port = free_port()
    run = run.model_copy(update={"desk_port": port})
    seed = next(iter(load_articles([next((PROJECT_ROOT / "seeds").glob("*.txt"))])))
    try:
        return asyncio.run(_measure(run, seed, alerts, interval_s, home))
    finally:
        broker.stop(cfg)


async def _measure(settings: Settings, seed: Any, alerts: int, interval_s: float, home: Path) -> str:
    async with worker_group(settings, 1, "all"):
        desk = start_desk(settings, home / "desk.log")
        try:
            with _driver() as driver:
                driver.get(f"http://127.0.0.1:{settings.desk_port}/")
                driver.execute_script(OBSERVE_ROWS)
                sent: dict[str, float] = {}
                for n in range(alerts):
                    title = f"{seed.title} ({n + 1})"
                    copy = seed.model_copy(update={"id": f"{seed.id}~desk{n}", "title": title})
                    stats = await replay(
                        [copy], bootstrap=settings.broker, topic=settings.topic_raw, progress=False
                    )
                    sent[title] = stats.produced_at[copy.id or ""]  # the send, not the producer's start
                    await asyncio.sleep(interval_s)
                deadline = time.monotonic() + 30.0
                seen: dict[str, float] = {}
                while time.monotonic() < deadline and len(seen) < len(sent):
                    seen = driver.execute_script("return window.__rowSeen;") or {}
                    await asyncio.sleep(0.5)
        finally:
            desk.stop()
    latencies = sorted(seen[t] / 1000 - sent[t] for t in sent if t in seen)
    if not latencies:
        return f"desk latency: no alert reached the page (see {home / 'desk.log'})"
    p50, p90 = percentile(latencies, 50), percentile(latencies, 90)
    return (
        f"desk latency, raw article produced -> row on screen, {len(latencies)}/{len(sent)} alerts, "
        f"one every {interval_s:g} s: p50 {p50:.2f} s, p90 {p90:.2f} s, max {latencies[-1]:.2f} s"
    )
