"""`newsfeed worker`: runs streams.worker.run_worker."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from streams.settings import Settings

if TYPE_CHECKING:
    pass


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from streams.worker import run_worker

    run_worker(settings, args.role, args.loglevel)
    return 0
