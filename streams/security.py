"""How every Kafka client of the project authenticates and encrypts, built from the settings in one place.

`client_security` gives the aiokafka keyword arguments (producers, consumers, admin clients); the
Faust apps get the same thing as `broker_credentials` (streams/faust_app.py). When the broker
refuses us, `access_error` turns aiokafka's errors into an `AccessError` that says which setting is
wrong (the CLI prints it as one line); `check_access` finds out before any client starts.
"""

import asyncio
import contextlib
import ssl
from collections.abc import Iterator
from typing import Any

from aiokafka.conn import create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    UnsupportedSaslMechanismError,
)
from aiokafka.protocol.metadata import MetadataRequest

from streams.settings import Settings

HOSTNAME_MISMATCH = 62  # OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH


class AccessError(Exception):
    """The broker refused this client; the message names the setting or the right that is missing."""


class AuthenticationError(AccessError):
    """Could not prove who we are: wrong password, untrusted certificate, wrong protocol."""


class AuthorizationError(AccessError):
    """Authenticated, but the principal lacks an ACL for what it tried."""


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """A client TLS context: verifies the broker against NEWSFEED_SSL_CAFILE (else the system CAs)."""
    ctx = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
    )
    ctx.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile is not None:
        ctx.load_cert_chain(
            str(settings.ssl_certfile),
            str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
            settings.ssl_key_password.get_secret_value() if settings.ssl_key_password else None,
        )
    return ctx


def client_security(settings: Settings) -> dict[str, Any]:
    """aiokafka keyword arguments for NEWSFEED_SECURITY_PROTOCOL and the SASL/SSL settings.

    The only place that reads those settings: every producer, consumer, admin client and Faust app
    is built with what this returns.
    """
    protocol = settings.security_protocol
    args: dict[str, Any] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        args["ssl_context"] = ssl_context(settings)
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        args |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": settings.sasl_secret(),
        }
    return args


SECURITY_FIELDS = (
    "security_protocol", "sasl_mechanism", "sasl_username", "sasl_password", "sasl_password_file",
    "ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_key_password",
)  # fmt: skip


def without_security(settings: Settings) -> Settings:
    """The settings for a local PLAINTEXT broker of our own (bench, chaos): no TLS, no SASL."""
    reset = {name: Settings.model_fields[name].default for name in SECURITY_FIELDS}
    return settings.model_copy(update=reset)


def access_error(exc: BaseException, settings: Settings, doing: str = "") -> AccessError | None:
    """The AccessError that explains `exc`, or None when `exc` is not about security."""
    action = f" to {doing}" if doing else ""
    user = settings.sasl_username or "this client"
    if isinstance(exc, TopicAuthorizationFailedError):
        denied = exc.args[0] if exc.args else "?"  # a topic, or a set of them (offset commits)
        topics = ", ".join(sorted(denied)) if isinstance(denied, set) else denied
        return AuthorizationError(
            f"not authorized{action}: principal User:{user} has no ACL for topic {topics} "
            f"on {settings.broker}"
        )
    if isinstance(exc, GroupAuthorizationFailedError):
        return AuthorizationError(
            f"not authorized{action}: principal User:{user} has no ACL for its consumer group"
        )
    if isinstance(exc, ClusterAuthorizationFailedError | TransactionalIdAuthorizationFailed):
        # An idempotent producer's first request (InitProducerId) needs WRITE on some topic.
        return AuthorizationError(
            f"not authorized{action}: principal User:{user} may not write to any topic "
            f"(or lacks a cluster ACL: {type(exc).__name__})"
        )
    if isinstance(exc, SaslAuthenticationFailed | AuthenticationFailedError):
        secret = (
            f"the password in NEWSFEED_SASL_PASSWORD_FILE={settings.sasl_password_file}"
            if settings.sasl_password_file
            else "NEWSFEED_SASL_PASSWORD"
        )
        return AuthenticationError(
            f"authentication failed at {settings.broker} ({settings.sasl_mechanism}): "
            f"wrong NEWSFEED_SASL_USERNAME={user} or {secret}"
        )
    if isinstance(exc, IllegalSaslStateError):
        return AuthenticationError(
            f"the broker at {settings.broker} does not expect SASL on this listener: "
            f"NEWSFEED_SECURITY_PROTOCOL={settings.security_protocol} does not match it (PLAINTEXT? SSL?)"
        )
    if isinstance(exc, UnsupportedSaslMechanismError):
        return AuthenticationError(
            f"the broker at {settings.broker} does not accept "
            f"NEWSFEED_SASL_MECHANISM={settings.sasl_mechanism}"
        )
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_code == HOSTNAME_MISMATCH:
        return AuthenticationError(
            f"TLS: the certificate of {settings.broker} does not name that host ({exc.verify_message}): "
            "use a name it lists in NEWSFEED_BROKER, or NEWSFEED_SSL_CHECK_HOSTNAME=false"
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        ca = f"NEWSFEED_SSL_CAFILE={settings.ssl_cafile}" if settings.ssl_cafile else "the system CAs"
        return AuthenticationError(
            f"TLS: the certificate of {settings.broker} is not trusted by {ca} ({exc.verify_message})"
        )
    if isinstance(exc, ssl.SSLError):
        return AuthenticationError(
            f"TLS handshake with {settings.broker} failed ({exc.reason}): does it speak "
            f"NEWSFEED_SECURITY_PROTOCOL={settings.security_protocol}?"
        )
    return None


async def check_access(settings: Settings, timeout_s: float = 5.0) -> None:
    """Connect, authenticate and ask for metadata once, raising AccessError if the broker refuses us.

    aiokafka only logs why a bootstrap failed and then raises a generic "Unable to bootstrap"; this
    surfaces the reason (an untrusted CA, a wrong password, a listener that expects TLS) in seconds.
    An unreachable broker is not an AccessError: the client's own connection reports it.
    """
    args = client_security(settings)
    for server in (s.strip() for s in settings.broker.split(",")):
        host, _, port = server.rpartition(":") if ":" in server else (server, "", "9092")
        conn = None
        try:
            conn = await asyncio.wait_for(
                create_conn(host, int(port), request_timeout_ms=int(timeout_s * 1000), **args), timeout_s
            )
            await asyncio.wait_for(conn.send(MetadataRequest([])), timeout_s)
        except (KafkaConnectionError, ConnectionResetError):
            # TCP connected, then the broker hung up on what we sent: it speaks another protocol.
            raise AuthenticationError(
                f"the broker at {server} closed the connection: its listener speaks another security "
                f"protocol than NEWSFEED_SECURITY_PROTOCOL={settings.security_protocol}"
            ) from None
        except (TimeoutError, OSError, KafkaError) as exc:
            error = access_error(exc, settings)
            if error is not None:
                raise error from None
            continue  # unreachable: the next server, or the client's own connection, reports it
        finally:
            if conn is not None:
                conn.close()
        return


@contextlib.contextmanager
def refusals_explained(settings: Settings, doing: str) -> Iterator[None]:
    """Re-raise a security refusal from the block as the AccessError that explains it."""
    try:
        yield
    except Exception as exc:
        error = access_error(exc, settings, doing)
        if error is None:
            raise
        raise error from None
