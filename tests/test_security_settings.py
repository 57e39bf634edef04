"""Security settings: inconsistent combinations fail at start naming the setting; secrets stay secret."""

import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from faust.auth import SASLCredentials, SSLCredentials
from pydantic import ValidationError

from streams.cli import settings_problems
from streams.faust_app import faust_credentials
from streams.security import client_security, without_security
from streams.settings import PROJECT_ROOT, Settings

SASL = {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "newsfeed"}


def problem(**kwargs: object) -> str:
    with pytest.raises(ValidationError) as info:
        Settings(**kwargs)  # type: ignore[arg-type]
    (line,) = settings_problems(info.value)
    return line


def test_inconsistent_combinations_name_the_setting(tmp_path: Path) -> None:
    assert "needs NEWSFEED_SASL_USERNAME" in problem(security_protocol="SASL_SSL", sasl_mechanism="PLAIN")
    assert "needs NEWSFEED_SASL_MECHANISM" in problem(security_protocol="SASL_PLAINTEXT", sasl_username="u")
    assert "needs NEWSFEED_SASL_PASSWORD or NEWSFEED_SASL_PASSWORD_FILE" in problem(**SASL)
    assert problem(sasl_mechanism="PLAIN").startswith("NEWSFEED_SASL_MECHANISM is set but")
    key = tmp_path / "client.key"
    key.write_text("x")
    assert "NEWSFEED_SSL_KEYFILE is set without NEWSFEED_SSL_CERTFILE" in problem(
        security_protocol="SSL", ssl_keyfile=key
    )
    assert "NEWSFEED_SSL_CAFILE is set but" in problem(ssl_cafile=key)  # PLAINTEXT uses no TLS
    missing = tmp_path / "nope.pem"
    assert f"NEWSFEED_SSL_CAFILE={missing}: no such file" in problem(
        security_protocol="SSL", ssl_cafile=missing
    )
    both = problem(**SASL, sasl_password="p", sasl_password_file=key)
    assert "NEWSFEED_SASL_PASSWORD or NEWSFEED_SASL_PASSWORD_FILE, not both" in both
    assert problem(security_protocol="TLS").startswith("NEWSFEED_SECURITY_PROTOCOL: Input should be")


def test_cli_reports_a_bad_setting_in_one_line_without_traceback() -> None:
    env = {"NEWSFEED_SECURITY_PROTOCOL": "SASL_SSL", "NEWSFEED_SASL_MECHANISM": "SCRAM-SHA-512", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "tail", "news.alerts"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert (
        out.stderr.strip()
        == "newsfeed: error: NEWSFEED_SECURITY_PROTOCOL=SASL_SSL needs NEWSFEED_SASL_USERNAME"
    )


def test_password_is_secret_but_reaches_subprocesses_and_clients(tmp_path: Path) -> None:
    s = Settings(**SASL, sasl_password="s3cret-value")  # type: ignore[arg-type]
    assert "s3cret-value" not in repr(s) and "s3cret-value" not in str(s.model_dump())
    assert s.as_env()["NEWSFEED_SASL_PASSWORD"] == "s3cret-value"  # a worker subprocess can log in
    args = client_security(s)
    assert args["sasl_plain_password"] == "s3cret-value" and isinstance(args["ssl_context"], ssl.SSLContext)
    assert args["ssl_context"].check_hostname and args["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    secret_file = tmp_path / "password"
    secret_file.write_text("from-a-file\n")  # as a Kubernetes secret is mounted
    from_file = Settings(**SASL, sasl_password_file=secret_file)  # type: ignore[arg-type]
    assert client_security(from_file)["sasl_plain_password"] == "from-a-file"
    assert "from-a-file" not in "".join(from_file.as_env().values())  # the child reads the file itself


def test_faust_gets_the_same_security_as_aiokafka() -> None:
    sasl = faust_credentials(Settings(**SASL, sasl_password="pw"))  # type: ignore[arg-type]
    assert isinstance(sasl, SASLCredentials)
    assert (sasl.protocol.value, sasl.mechanism.value, sasl.username) == (
        "SASL_SSL",
        "SCRAM-SHA-512",
        "newsfeed",
    )
    assert "pw" not in repr(sasl)
    plain_sasl = faust_credentials(
        Settings(
            security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="u", sasl_password="pw"
        )
    )
    assert isinstance(plain_sasl, SASLCredentials) and plain_sasl.protocol.value == "SASL_PLAINTEXT"
    tls = faust_credentials(Settings(security_protocol="SSL", ssl_check_hostname=False))
    assert isinstance(tls, SSLCredentials) and tls.context.check_hostname is False
    assert faust_credentials(Settings()) is None


def test_own_local_broker_runs_without_the_production_security() -> None:
    s = without_security(Settings(**SASL, sasl_password="pw"))  # type: ignore[arg-type]
    assert client_security(s) == {"security_protocol": "PLAINTEXT"}
    assert "NEWSFEED_SASL_PASSWORD" not in s.as_env()


def test_refusals_are_explained_by_the_setting_to_change(tmp_path: Path) -> None:
    from aiokafka.errors import SaslAuthenticationFailed, TopicAuthorizationFailedError

    from streams.security import AuthenticationError, AuthorizationError, access_error

    s = Settings(**SASL, sasl_password="pw", broker="kafka-1:9094")  # type: ignore[arg-type]
    wrong = access_error(SaslAuthenticationFailed(), s)
    assert isinstance(wrong, AuthenticationError)
    assert str(wrong) == (
        "authentication failed at kafka-1:9094 (SCRAM-SHA-512): wrong NEWSFEED_SASL_USERNAME=newsfeed "
        "or NEWSFEED_SASL_PASSWORD"
    )
    mismatch = ssl.SSLCertVerificationError("certificate verify failed")
    mismatch.verify_code, mismatch.verify_message = (
        62,
        "Hostname mismatch, certificate is not valid for 'kafka-1'",
    )
    assert "NEWSFEED_SSL_CHECK_HOSTNAME=false" in str(access_error(mismatch, s))
    untrusted = ssl.SSLCertVerificationError("certificate verify failed")
    untrusted.verify_code, untrusted.verify_message = 19, "self-signed certificate in certificate chain"
    assert "is not trusted by the system CAs" in str(access_error(untrusted, s))
    denied = access_error(TopicAuthorizationFailedError("news.articles.raw"), s, "read news.articles.raw")
    assert isinstance(denied, AuthorizationError)
    assert str(denied).startswith(
        "not authorized to read news.articles.raw: principal User:newsfeed has no ACL"
    )
    assert access_error(ConnectionRefusedError(), s) is None  # unreachable is not a refusal
