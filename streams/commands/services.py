"""The desk and the notifier: `newsfeed desk`, `newsfeed desk adduser`, `newsfeed notify`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from streams.commands import CommandError
from streams.settings import Settings

if TYPE_CHECKING:
    pass


def _log_to_stderr() -> None:
    """Info logs for the desk and notify (Faust sets up its workers' own); no line per HTTP request."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    from streams.desk.auth import UsersFileError
    from streams.desk.server import DeskConfigError, serve_desk

    _log_to_stderr()
    overrides = {k: v for k, v in (("desk_host", args.host), ("desk_port", args.port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    try:
        asyncio.run(serve_desk(settings))
    except (DeskConfigError, UsersFileError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {settings.desk_host}:{settings.desk_port}: {exc.strerror}"
        ) from None
    return 0


def cmd_desk_adduser(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from streams.desk.auth import UsersFileError, add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise CommandError("the two passwords differ")
    try:
        new = add_user(settings.desk_users, args.name, password)
    except UsersFileError as exc:
        raise CommandError(str(exc)) from None
    print(f"{'added' if new else 'changed the password of'} {args.name} in {settings.desk_users}")
    return 0


def cmd_notify(args: argparse.Namespace, settings: Settings) -> int:
    from streams.notify.service import run_notify

    if not settings.notify_webhooks:
        raise CommandError("no webhooks: set NEWSFEED_NOTIFY_WEBHOOKS (a JSON list, see README.md)")
    _log_to_stderr()
    asyncio.run(run_notify(settings))
    return 0
