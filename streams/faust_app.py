"""The Faust configuration both apps (enrichment, alerter) share, in one place."""

from typing import Any

import faust
from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import CredentialsT

from streams import faust_fixes
from streams.security import client_security
from streams.settings import Settings


def new_app(settings: Settings, app_id: str, **extra: Any) -> faust.App:
    """A Faust app on NEWSFEED_BROKER: raw bytes in and out (we decode ourselves, to dead-letter),
    acks=all, earliest offsets for a new group, in-memory tables recovered from their changelogs."""
    faust_fixes.apply()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_id,
        broker=[f"kafka://{host}" for host in settings.broker.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        store="memory://",
        datadir=str(settings.data_dir / app_id),
        web_enabled=False,
        broker_credentials=faust_credentials(settings),
        **extra,
    )


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """The same security as every aiokafka client (streams/security.py), in Faust's terms."""
    args = client_security(settings)
    if "sasl_mechanism" in args:
        return SASLCredentials(
            username=args["sasl_plain_username"],
            password=args["sasl_plain_password"],
            mechanism=args["sasl_mechanism"],
            ssl_context=args.get("ssl_context"),  # with a context Faust speaks SASL_SSL, else SASL_PLAINTEXT
        )
    if "ssl_context" in args:
        return SSLCredentials(args["ssl_context"])
    return None
