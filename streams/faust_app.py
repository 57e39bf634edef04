"""The Faust configuration both apps (enrichment, alerter) share, in one place."""

from typing import Any

import faust
from aiokafka import codec
from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import CredentialsT

from streams import faust_fixes, undecodable
from streams.security import client_security
from streams.settings import Settings


class CodecUnavailable(ValueError):
    """NEWSFEED_COMPRESSION names a codec whose library this Python lacks."""


def check_compression(settings: Settings) -> None:
    """Refuse to start producing with a codec aiokafka cannot load (it would fail on the first send)."""
    available = {"none": True, "gzip": True, "snappy": codec.has_snappy(), "lz4": codec.has_lz4()}
    if not available.get(settings.compression, codec.has_zstd()):
        raise CodecUnavailable(
            f"NEWSFEED_COMPRESSION={settings.compression} needs the cramjam package "
            "(pip install cramjam), or choose gzip or none"
        )


def new_app(settings: Settings, app_id: str, **extra: Any) -> faust.App:
    """A Faust app on NEWSFEED_BROKER: raw bytes in and out (we decode ourselves, to dead-letter),
    acks=all, NEWSFEED_COMPRESSION on every record produced, earliest offsets for a new group,
    in-memory tables recovered from their changelogs; a batch it cannot decode is skipped, not fatal."""
    faust_fixes.apply()
    undecodable.install()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_id,
        broker=[f"kafka://{host}" for host in settings.broker.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication,
        producer_acks=-1,
        producer_compression_type=None if settings.compression == "none" else settings.compression,
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
