"""Run the desk: the feed from Kafka, the web server, and a clean stop on SIGINT / SIGTERM."""

import asyncio
import logging
import signal

from aiohttp import web

from streams.desk.auth import load_users, login_required
from streams.desk.feed import DeskFeed, run_feed
from streams.desk.view import DeskView
from streams.desk.web import build_app
from streams.settings import Settings
from streams.topics import ensure_topics

log = logging.getLogger(__name__)


class DeskConfigError(ValueError):
    """The desk cannot start as configured (e.g. reachable from the network without any user)."""


def desk_url(settings: Settings) -> str:
    host = settings.desk_host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{settings.desk_port}/"


def check_config(settings: Settings) -> None:
    if login_required(settings.desk_host) and not load_users(settings.desk_users):
        raise DeskConfigError(
            f"the desk listens on {settings.desk_host}, beyond this machine, so it needs users: "
            f"add one with `newsfeed desk adduser NAME` (file: {settings.desk_users}), "
            "or bind to 127.0.0.1 (NEWSFEED_DESK_HOST)"
        )


async def serve_desk(settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Until SIGINT or SIGTERM: read the topics, serve the pages; then close both cleanly."""
    check_config(settings)
    await ensure_topics(settings)
    view = DeskView()
    feed = DeskFeed(settings, view)
    await feed.start()
    runner = web.AppRunner(build_app(settings, view, feed), handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    reader = asyncio.create_task(run_feed(feed))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, settings.desk_host, settings.desk_port)
        await site.start()
        mode = "login required" if login_required(settings.desk_host) else "loopback only, no login"
        print(f"desk: {desk_url(settings)} ({mode}); Ctrl-C to stop", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()
    finally:
        reader.cancel()
        await runner.cleanup()
        await feed.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        log.info("desk stopped")
