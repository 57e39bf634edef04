"""The local broker as a production cluster is secured: TLS, SASL/SCRAM-SHA-512 and ACLs.

`newsfeed broker start --secure` (and the secured test fixture) run the same single-node KRaft
broker as streams/ops/broker.py, with:

- a client listener SASL_SSL on the broker port; the controller listener on port+1 is mutual TLS,
  where the broker authenticates as its certificate (User:CN=newsfeed-broker, a super user);
- a CA and a broker certificate made at start with `openssl` (nothing downloaded), PEM files that
  Kafka reads directly (ssl.keystore.type=PEM);
- SCRAM-SHA-512 users `admin`, `newsfeed` (the worker) and `subscriber` created when the storage is
  formatted (`kafka-storage format --add-scram`), random passwords kept in files (mode 0600);
- StandardAuthorizer with allow.everyone.if.no.acl.found=false and the ACLs of `acl_rules`, created
  with Kafka's own Admin client (broker/CreateAcls.java: aiokafka cannot speak Kafka 4's CreateAcls).

Everything lives in `<broker home>/secure/`: `ca.pem` (what clients trust), `<user>.password`, and
`<user>.env`, the NEWSFEED_* settings a client of that principal uses.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streams.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from streams.ops.broker import BrokerConfig

__all__ = ["SecureSpec", "USERS", "acl_rules", "client_env", "client_settings"]

USERS = ("admin", "newsfeed", "subscriber")
MECHANISM = "SCRAM-SHA-512"
BROKER_PRINCIPAL = "CN=newsfeed-broker"
ACL_TOOL = PROJECT_ROOT / "broker" / "CreateAcls.java"


@dataclass(frozen=True)
class SecureSpec:
    """What the ACLs are about: the pipeline's topic names and consumer group prefix."""

    settings: Settings
    subscriber_group: str = "subscriber"

    @classmethod
    def of(cls, settings: Settings) -> SecureSpec:
        return cls(settings=settings)


def secure_dir(cfg: BrokerConfig) -> Path:
    return cfg.home / "secure"


def password_file(cfg: BrokerConfig, user: str) -> Path:
    return secure_dir(cfg) / f"{user}.password"


def ca_file(cfg: BrokerConfig) -> Path:
    return secure_dir(cfg) / "ca.pem"


def _password(cfg: BrokerConfig, user: str) -> str:
    return password_file(cfg, user).read_text().strip()


# --------------------------------------------------------------------------
# certificates and passwords


def prepare(cfg: BrokerConfig) -> None:
    """Make the CA, the broker certificate and the users' passwords once (kept with the data dir)."""
    from streams.ops.broker import BrokerError

    d = secure_dir(cfg)
    if not d.is_dir() and (cfg.data / "meta.properties").is_file():
        # SCRAM users are created when the storage is formatted: this one was formatted without them.
        raise BrokerError(
            f"{cfg.data} was formatted for a plain broker (no SCRAM users): "
            f"stop it and remove {cfg.data} to start it secured"
        )
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    for user in USERS:
        path = password_file(cfg, user)
        if not path.is_file():
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(16) + "\n")
    if not (d / "broker-keystore.pem").is_file():
        _make_certificates(cfg)


def _openssl(*args: str, cwd: Path) -> None:
    from streams.ops.broker import BrokerError

    try:
        proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BrokerError("openssl not found on PATH: install it (`apt-get install openssl`)") from None
    if proc.returncode != 0:
        raise BrokerError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def _make_certificates(cfg: BrokerConfig) -> None:
    """A throwaway CA (10 years) and a broker certificate for localhost and the broker's address."""
    d = secure_dir(cfg)
    san = f"subjectAltName=DNS:localhost,IP:127.0.0.1,{'IP' if cfg.host[0].isdigit() else 'DNS'}:{cfg.host}"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "3650", "-subj", "/CN=newsfeed local CA", cwd=d)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
             "-subj", f"/{BROKER_PRINCIPAL}", cwd=d)  # fmt: skip
    (d / "broker.ext").write_text(san + "\nextendedKeyUsage=serverAuth,clientAuth\n")
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "broker.pem", "-days", "3650", "-extfile", "broker.ext", cwd=d)  # fmt: skip
    # Kafka's PEM key store: a PKCS#8 private key followed by the certificate chain, in one file.
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", "broker.key", "-out", "broker.pk8", cwd=d)
    keystore = d / "broker-keystore.pem"
    keystore.touch(mode=0o600)
    keystore.write_text(
        (d / "broker.pk8").read_text() + (d / "broker.pem").read_text() + ca_file(cfg).read_text()
    )
    for name in ("broker.csr", "broker.ext", "broker.pk8", "broker.key"):
        (d / name).unlink(missing_ok=True)


# --------------------------------------------------------------------------
# broker configuration


def server_properties(cfg: BrokerConfig, base: list[str]) -> list[str]:
    """The plain broker's properties with the listeners secured and the authorizer on."""
    d, h = secure_dir(cfg), cfg.host
    replaced = (
        "listeners=",
        "advertised.listeners=",
        "inter.broker.listener.name=",
        "listener.security.protocol.map=",
    )
    lines = [line for line in base if not line.startswith(replaced)]
    admin = _password(cfg, "admin")
    return lines + [
        "# Secured (streams/ops/secure_broker.py): SASL_SSL for clients, mutual TLS for the controller.",
        f"listeners=SASL_SSL://{h}:{cfg.port},CONTROLLER://{h}:{cfg.controller_port}",
        f"advertised.listeners=SASL_SSL://{h}:{cfg.port}",
        "inter.broker.listener.name=SASL_SSL",
        "listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL",
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={d / 'broker-keystore.pem'}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={ca_file(cfg)}",
        "listener.name.controller.ssl.client.auth=required",
        f"sasl.enabled.mechanisms={MECHANISM}",
        f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
        f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config={_jaas('admin', admin)}",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        f"super.users=User:admin;User:{BROKER_PRINCIPAL}",
        "auto.create.topics.enable=false",
    ]


def _jaas(user: str, password: str) -> str:
    login = "org.apache.kafka.common.security.scram.ScramLoginModule"
    return f'{login} required username="{user}" password="{password}";'


def format_args(cfg: BrokerConfig) -> list[str]:
    """`kafka-storage format` arguments that create the SCRAM users with the metadata log."""
    args: list[str] = []
    for user in USERS:
        args += ["--add-scram", f"{MECHANISM}=[name={user},password={_password(cfg, user)}]"]
    return args


def client_settings(cfg: BrokerConfig, user: str, base: Settings | None = None) -> Settings:
    """Settings of a client of the secured broker authenticating as `user` (and only as `user`)."""
    from streams.security import without_security

    return without_security(base or Settings()).model_copy(update=client_fields(cfg, user))


def client_fields(cfg: BrokerConfig, user: str) -> dict[str, Any]:
    return {
        "broker": cfg.bootstrap,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": MECHANISM,
        "sasl_username": user,
        "sasl_password_file": password_file(cfg, user),
        "ssl_cafile": ca_file(cfg),
    }


def client_env(cfg: BrokerConfig, user: str) -> dict[str, str]:
    """NEWSFEED_* variables of a client authenticating as `user`: the password stays in its file."""
    return {f"NEWSFEED_{k.upper()}": str(v) for k, v in client_fields(cfg, user).items()}


def write_client_envs(cfg: BrokerConfig) -> list[Path]:
    """`<user>.env` for each user (source it, or pass it to `docker run --env-file`)."""
    out = []
    for user in USERS:
        path = secure_dir(cfg) / f"{user}.env"
        path.write_text("".join(f"{k}={v}\n" for k, v in client_env(cfg, user).items()))
        out.append(path)
    return out


# --------------------------------------------------------------------------
# ACLs


def acl_rules(spec: SecureSpec) -> list[tuple[str, str, str, str, str]]:
    """(principal, resource type, pattern type, name, operation) of every ACL the pipeline needs.

    `newsfeed` (the worker, the desk, notify) reads raw and candidates, writes the outputs, may create
    the pipeline's topics and owns every topic and group under its app id (Faust's changelog and
    assignor topics, the groups of its three apps). `subscriber` only reads what the desks consume,
    in its own groups.
    `admin` is a super user (topics create, replay, dlq replay).
    """
    s = spec.settings
    rules: list[tuple[str, str, str, str, str]] = []

    def allow(user: str, kind: str, pattern: str, name: str, *ops: str) -> None:
        rules.extend((f"User:{user}", kind, pattern, name, op) for op in ops)

    outputs = (s.topic_enriched, s.topic_alerts, s.topic_archive, s.topic_deadletter)
    allow("newsfeed", "TOPIC", "LITERAL", s.topic_raw, "READ", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")
    allow("newsfeed", "TOPIC", "LITERAL", s.topic_alert_candidates,
          "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")  # fmt: skip
    # The story index's state (streams/stories.py): written by enrichment, read by every worker.
    allow("newsfeed", "TOPIC", "LITERAL", s.topic_stories,
          "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")  # fmt: skip
    for topic in outputs:
        allow("newsfeed", "TOPIC", "LITERAL", topic, "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")
    # The desk and notify run as the same service principal: they read the alerts and articles, keep
    # the acknowledgements and dead-letter undeliverable webhooks.
    for topic in (s.topic_enriched, s.topic_alerts):
        allow("newsfeed", "TOPIC", "LITERAL", topic, "READ")
    allow("newsfeed", "TOPIC", "LITERAL", s.topic_alert_acks,
          "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")  # fmt: skip
    allow("newsfeed", "TOPIC", "LITERAL", s.topic_notify_deadletter,
          "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE")  # fmt: skip
    allow("newsfeed", "TOPIC", "PREFIXED", s.app_id, "ALL")
    allow("newsfeed", "GROUP", "PREFIXED", s.app_id, "READ", "DESCRIBE")
    for topic in (s.topic_enriched, s.topic_alerts, s.topic_archive):
        allow("subscriber", "TOPIC", "LITERAL", topic, "READ", "DESCRIBE")
    allow("subscriber", "GROUP", "PREFIXED", spec.subscriber_group, "READ", "DESCRIBE")
    return rules


def apply_acls(cfg: BrokerConfig, java: str, spec: SecureSpec) -> None:
    """Create the ACLs as `admin` with Kafka's Admin client (one JVM, idempotent)."""
    from streams.ops.broker import BrokerError, _java_cmd

    d = secure_dir(cfg)
    props = d / "admin-client.properties"
    props.touch(mode=0o600)
    props.write_text(
        "\n".join(
            [
                f"bootstrap.servers={cfg.bootstrap}",
                "security.protocol=SASL_SSL",
                f"sasl.mechanism={MECHANISM}",
                f"sasl.jaas.config={_jaas('admin', _password(cfg, 'admin'))}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.location={ca_file(cfg)}",
            ]
        )
        + "\n"
    )
    lines = "".join("\t".join(rule) + "\n" for rule in acl_rules(spec))
    cmd = _java_cmd(java, cfg, str(ACL_TOOL), str(props))
    proc = subprocess.run(cmd, input=lines, capture_output=True, text=True, cwd=cfg.home, check=False)
    if proc.returncode != 0:
        raise BrokerError(f"creating the ACLs failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def describe_clients(cfg: BrokerConfig) -> str:
    """What `newsfeed broker start --secure` prints: how each principal connects (no passwords)."""
    envs = write_client_envs(cfg)
    lines = [
        f"secured listener SASL_SSL://{cfg.bootstrap} ({MECHANISM}); CA certificate {ca_file(cfg)}",
        "client settings per principal (passwords stay in their files, mode 0600):",
    ]
    for user, env in zip(USERS, envs, strict=True):
        lines.append(f"  {user:<10} set -a; . {env}; set +a")
    return "\n".join(lines)
