"""The desk in a real headless Chromium, on the real broker and a real worker: the seed's critical
alert appears live, its page explains it, acknowledgements reach other sessions, login holds beyond
loopback, and axe-core finds no accessibility violation."""

import asyncio
import http.cookiejar
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.clients.replay import replay
from streams.clients.sources import load_articles
from streams.desk.auth import add_user
from streams.ops.bench.desk import BrowserMissing, chromium_driver, free_port, start_desk
from streams.ops.bench.measure import wait_group
from streams.settings import PROJECT_ROOT
from streams.worker import WorkerProcess
from tests.helpers import SEED

pytestmark = pytest.mark.kafka

AXE = PROJECT_ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / ".desk" / "screenshots"
PASSWORDS = {"alice": "correct horse battery", "bob": "staple of the desk"}


def _needs(what: str) -> None:
    message = f"the desk browser tests need {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI installs it: .ci/run)")
    pytest.skip(message)


def _browser() -> Any:
    try:
        return chromium_driver()
    except BrowserMissing as exc:
        _needs(str(exc))


def _wait(driver: Any, condition: Any, timeout: float, message: str) -> Any:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A live page swaps rows in: an element found a moment ago may be gone; look again.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=ignored).until(
        condition, message
    )


@pytest.fixture(scope="module")
def ready_worker(worker: WorkerProcess) -> WorkerProcess:
    """The module's worker once its lane has the model loaded and the alerter has its partitions."""
    deadline = time.monotonic() + 120
    while "alert lane ready" not in worker.log() and time.monotonic() < deadline:
        assert worker.running, worker.log()
        time.sleep(0.2)
    s = worker.settings
    assert worker.proc is not None
    asyncio.run(wait_group(s, 1, [worker], f"{s.app_id}-alerts"))
    asyncio.run(wait_group(s, 1, [worker], f"{s.app_id}-lane"))
    return worker


@pytest.fixture(scope="module")
def local_desk(ready_worker: WorkerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A desk on 127.0.0.1: no login."""
    port = free_port()
    log = tmp_path_factory.mktemp("desk") / "local.log"
    proc = start_desk(ready_worker.settings, log, NEWSFEED_DESK_PORT=str(port))
    yield f"http://127.0.0.1:{port}"
    proc.stop()


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users"
    for name, password in PASSWORDS.items():
        add_user(path, name, password)
    return path


def _open_desk(ready_worker: WorkerProcess, users_file: Path, log: Path, port: int) -> Any:
    env = {
        "NEWSFEED_DESK_HOST": "0.0.0.0",
        "NEWSFEED_DESK_PORT": str(port),
        "NEWSFEED_DESK_USERS": str(users_file),
    }
    return start_desk(ready_worker.settings, log, **env)


@pytest.fixture(scope="module")
def open_desk(
    ready_worker: WorkerProcess, users_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Any]]:
    """A desk bound to every interface (reached here through 127.0.0.1): login required."""
    port = free_port()
    log = tmp_path_factory.mktemp("desk") / "open.log"
    procs = [_open_desk(ready_worker, users_file, log, port)]

    def restart() -> None:
        procs[0].stop()
        procs[0] = _open_desk(ready_worker, users_file, log, port)

    yield f"http://127.0.0.1:{port}", restart
    procs[0].stop()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    d = _browser()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def live_alert(local_desk: str, ready_worker: WorkerProcess, driver: Any) -> dict[str, Any]:
    """Open the desk, then replay the seed; the critical alert's row as it appeared, with its delay."""
    from selenium.webdriver.common.by import By

    driver.get(local_desk + "/")
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")
    driver.execute_script("window.__notReloaded = true;")
    s = ready_worker.settings
    t0 = time.monotonic()
    asyncio.run(replay(load_articles([SEED]), bootstrap=s.broker, topic=s.topic_raw, progress=False))
    alert_id = _wait(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, "tr.alert-row[data-level='critical']").get_attribute(
            "data-alert-id"
        ),
        5.0,
        "the critical alert did not appear on the open page within 5 s",
    )
    seconds = time.monotonic() - t0
    assert driver.execute_script("return window.__notReloaded === true;"), "the page reloaded"
    return {"seconds": seconds, "alert_id": alert_id}


def test_the_seed_alert_appears_on_the_open_page_without_reload(
    live_alert: dict[str, Any], driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    def read(d: Any) -> tuple[list[str], str]:
        # The live page may swap the row in again (the article arrived): read it whole, or again.
        row = d.find_element(By.CSS_SELECTOR, f"tr.alert-row[data-alert-id='{live_alert['alert_id']}']")
        level = row.find_element(By.CSS_SELECTOR, ".level").value_of_css_property("background-color")
        return [td.text for td in row.find_elements(By.TAG_NAME, "td")], level

    cells, colour = _wait(driver, read, 5, "the alert's row went away")
    assert cells[0].startswith("Critical"), cells  # the level as a word, not only a colour
    assert "Ukraine and Russia Hold Talks" in cells[1]
    assert "nuclear" in cells[2] and "Putin" in cells[3]
    assert cells[4] == f"file:{SEED.name}" and cells[5].endswith("s ago") and cells[6] in {"lane", "full"}
    assert cells[7] == "New"
    assert colour == "rgba(139, 0, 0, 1)"  # the critical colour
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / "desk.png"))
    print(f"seed alert on screen {live_alert['seconds']:.2f} s after the replay began")


def test_filters_live_in_the_url(live_alert: dict[str, Any], local_desk: str, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(local_desk + "/")
    Select(driver.find_element(By.ID, "f-category")).select_by_value("nuclear")
    driver.find_element(By.ID, "f-actor").send_keys("putin")
    driver.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    _wait(driver, lambda d: "category=nuclear" in d.current_url, 5, "the filter is not in the URL")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)
    assert query["category"] == ["nuclear"] and query["actor"] == ["putin"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")) == 1
    driver.get(local_desk + "/?" + urllib.parse.urlencode({"q": "no such headline"}))
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")
    assert driver.find_element(By.ID, "empty").is_displayed()


def test_the_alert_page_highlights_the_evidence_and_shows_quotes_with_speakers(
    live_alert: dict[str, Any], local_desk: str, driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{local_desk}/alerts/{live_alert['alert_id']}")
    # Until the enriched article arrives the page shows the alert alone, then reloads itself.
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".body mark.evidence"), 60, "no marked body")
    marks = driver.find_elements(By.CSS_SELECTOR, ".body mark.evidence")
    nuclear = [m for m in marks if "ordering nuclear deterrence forces to be activated" in m.text]
    assert nuclear, [m.text for m in marks]
    assert "nuclear" in nuclear[0].get_attribute("data-categories")
    assert nuclear[0].value_of_css_property("background-color") == "rgba(255, 229, 138, 1)"  # highlighted
    quotes = {li.text.split(":", 1)[0] for li in driver.find_elements(By.CSS_SELECTOR, ".quotes li")}
    assert {"Volodymyr Zelensky", "Jen Psaki", "Linda Thomas-Greenfield"} <= quotes
    speakers = {
        q.get_attribute("data-speaker") for q in driver.find_elements(By.CSS_SELECTOR, ".body .quote")
    }
    assert "Jen Psaki" in speakers
    entity_titles = {e.get_attribute("title") for e in driver.find_elements(By.CSS_SELECTOR, ".body .entity")}
    assert "PERSON: Volodymyr Zelensky" in entity_titles
    assert f"file:{SEED.name}" in driver.find_element(By.CSS_SELECTOR, ".meta").text
    driver.save_screenshot(str(SCREENSHOTS / "desk-alert.png"))


def test_accessibility_by_axe_core_and_keyboard(
    live_alert: dict[str, Any], local_desk: str, driver: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if not AXE.exists():
        _needs(f"axe-core ({AXE} missing: npm install --prefix .axe axe-core@4.14.1)")
    driver.set_script_timeout(120)
    for path in ("/", f"/alerts/{live_alert['alert_id']}", "/login"):
        driver.get(local_desk + path)
        driver.execute_script(AXE.read_text())
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']},"
            " resultTypes: ['violations']})"
            ".then(r => done({violations: r.violations.map(v => [v.id, v.impact, v.nodes.length]),"
            " passes: r.passes.map(p => p.id)}));"
        )
        assert result["violations"] == [], f"{path}: {result['violations']}"
        assert {"color-contrast", "label"} & set(result["passes"]) or path == "/login", result["passes"]
    # Keyboard: the first Tab reaches the skip link, visibly; the next ones reach the filter fields.
    driver.get(local_desk + "/")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.text == "Skip to content" and focused.location["x"] >= 0
    assert focused.value_of_css_property("outline-style") != "none"
    ids = []
    for _ in range(6):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        ids.append(driver.switch_to.active_element.get_attribute("id"))
    assert {"f-level", "f-category", "f-actor", "f-q"} <= set(ids), ids


def _login(driver: Any, base: str, user: str, password: str, then: str = "/") -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + then)
    _wait(driver, lambda d: "/login" in d.current_url, 5, "no login page")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, ".login button[type=submit]").click()


def test_login_is_required_beyond_loopback(
    live_alert: dict[str, Any], open_desk: tuple[str, Any], driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    base, _ = open_desk
    driver.delete_all_cookies()
    driver.get(base + "/")
    assert urllib.parse.urlsplit(driver.current_url).path == "/login"
    _login(driver, base, "alice", "not her password")
    assert driver.find_element(By.CSS_SELECTOR, ".error").text == "Wrong user name or password."
    for path, method in (("/events", "GET"), (f"/alerts/{live_alert['alert_id']}/ack", "POST")):
        request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 401, path
    _login(driver, base, "alice", PASSWORDS["alice"], then=f"/alerts/{live_alert['alert_id']}")
    _wait(driver, lambda d: "/alerts/" in d.current_url, 5, "login did not lead back to the alert")
    assert "Logged in as alice" in driver.find_element(By.CSS_SELECTOR, ".who").text


def test_acknowledging_in_one_session_shows_in_another_and_survives_a_restart(
    live_alert: dict[str, Any], open_desk: tuple[str, Any], driver: Any
) -> None:
    from selenium.webdriver.common.by import By

    base, restart = open_desk
    page = f"/alerts/{live_alert['alert_id']}"
    other = _browser()
    try:
        driver.delete_all_cookies()
        _login(driver, base, "alice", PASSWORDS["alice"], then=page)
        _login(other, base, "bob", PASSWORDS["bob"], then="/")
        _wait(other, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.alert-row"), 5, "bob sees no alert")
        other.execute_script("window.__notReloaded = true;")
        # A forged post (bob's session, no CSRF token) is refused.
        assert _post_with(other, base, f"/alerts/{live_alert['alert_id']}/ack", {}) == 403
        _wait(driver, lambda d: d.find_element(By.ID, "acknowledge"), 5, "no acknowledge button").click()
        _wait(
            driver, lambda d: "Acknowledged by alice" in d.find_element(By.ID, "status").text, 5, "not acked"
        )
        state = _wait(
            other,
            lambda d: "Acknowledged by alice" in d.find_element(By.CSS_SELECTOR, "tr.alert-row .state").text,
            5,
            "bob's open page did not show alice's acknowledgement",
        )
        assert state and other.execute_script("return window.__notReloaded === true;")
    finally:
        other.quit()
    restart()  # the state lives in the compacted topic, not in the desk
    driver.delete_all_cookies()
    _login(driver, base, "bob", PASSWORDS["bob"], then=page)
    _wait(
        driver,
        lambda d: "Acknowledged by alice" in d.find_element(By.ID, "status").text,
        10,
        "lost on restart",
    )


def _post_with(driver: Any, base: str, path: str, form: dict[str, str]) -> int:
    """POST with the browser session's cookie but not its page's form: a forged request."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(
        base + path, data=urllib.parse.urlencode(form).encode(), headers={"Cookie": cookie}, method="POST"
    )
    try:
        with opener.open(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
