"""The handlers of `newsfeed COMMAND`, one module per group of commands; `streams/cli.py` builds the
parser, names each command's handler here by a string (so `--help` imports none of them) and turns
the errors a command declares into one line. What the handlers share is below."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from streams.settings import Settings

if TYPE_CHECKING:
    from processors.enrich import Enricher
    from schemas import RawArticle


class CommandError(Exception):
    """An error the user can act on; printed in one line, without a traceback."""


def load_articles(paths: list[Path]) -> list[RawArticle]:
    """Every article of the files or directories, or a CommandError naming the bad file."""
    from streams.clients.sources import SourceError, load_articles

    try:
        return list(load_articles(paths))
    except (SourceError, OSError) as exc:
        raise CommandError(str(exc)) from None


def build_enricher(settings: Settings) -> Enricher:
    """streams.pipeline.build_enricher, with a missing model as a clear error."""
    from processors.nlp import ModelNotInstalled
    from streams import pipeline

    try:
        return pipeline.build_enricher(settings)
    except ModelNotInstalled as exc:
        raise CommandError(str(exc)) from None


def check_connection(settings: Settings) -> None:
    """Fail in seconds, naming the setting, when the broker refuses our TLS or SASL credentials."""
    from streams.security import check_access

    asyncio.run(check_access(settings))


def reach_broker(settings: Settings) -> None:
    """Fail within seconds, in one line, when the broker refuses our TLS or SASL credentials
    (AccessError, naming the setting) or cannot be reached (instead of aiokafka's traceback)."""
    from streams.connect import probe
    from streams.security import client_security

    check_connection(settings)
    asyncio.run(probe(settings.broker, security=client_security(settings)))
