"""Desk logins: users with argon2 password hashes in a file, in-memory sessions, CSRF tokens.

Login is required once the desk listens beyond loopback. Every session (also an anonymous one on a
loopback desk) carries a CSRF token that each form posts back: a page of another site cannot make a
browser acknowledge alerts, not even on 127.0.0.1.
"""

import hmac
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MAX_SESSIONS = 10_000


class UsersFileError(ValueError):
    """A users file that cannot be read or holds a malformed line."""


def login_required(host: str) -> bool:
    """True unless the desk listens on loopback only."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: reachable from elsewhere


def load_users(path: Path) -> dict[str, str]:
    """User name -> argon2 hash, from `name:hash` lines (blank lines and # comments skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsersFileError(f"{path}: cannot read the users file: {exc.strerror}") from None
    users: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not name or not hashed.startswith("$argon2"):
            raise UsersFileError(
                f"{path} line {n}: expected 'name:$argon2id$...' (use `newsfeed desk adduser`)"
            )
        users[name] = hashed
    return users


def add_user(path: Path, name: str, password: str) -> bool:
    """Write `name` with a new hash of `password` (replacing an earlier one); True if the user is new."""
    if not name or ":" in name or name != name.strip() or "\n" in name:
        raise UsersFileError(f"invalid user name {name!r}: no colon, newline or surrounding spaces")
    if len(password) < 8:
        raise UsersFileError("the password must have at least 8 characters")
    users = load_users(path)
    new = name not in users
    users[name] = _hasher.hash(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# newsfeed desk users: name:argon2 hash (write with `newsfeed desk adduser`)\n")
        out.writelines(f"{user}:{hashed}\n" for user, hashed in users.items())
    os.replace(tmp, path)
    return new


def verify_password(users: dict[str, str], name: str, password: str) -> bool:
    """Constant work whether or not the user exists."""
    try:
        return _hasher.verify(users.get(name) or _dummy_hash(), password) and name in users
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown users, so they cost as much as known ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass
class Session:
    token: str
    csrf: str
    expires_at: float
    user: str | None = None
    flash: list[str] = field(default_factory=list)

    def csrf_ok(self, submitted: str | None) -> bool:
        return submitted is not None and hmac.compare_digest(submitted, self.csrf)


class Sessions:
    """Sessions by cookie token, in memory: a restarted desk asks everyone to log in again."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._by_token: dict[str, Session] = {}

    def get(self, token: str | None) -> Session | None:
        session = self._by_token.get(token or "")
        if session is None:
            return None
        if session.expires_at < time.time():
            del self._by_token[session.token]
            return None
        return session

    def new(self, user: str | None = None) -> Session:
        now = time.time()
        for token in [t for t, s in self._by_token.items() if s.expires_at < now]:
            del self._by_token[token]
        if len(self._by_token) >= MAX_SESSIONS:  # cookie-less clients must not fill the memory
            oldest = next((t for t, s in self._by_token.items() if s.user is None), None)
            self._by_token.pop(oldest or next(iter(self._by_token)))
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + self.ttl_s, user)
        self._by_token[session.token] = session
        return session

    def drop(self, session: Session) -> None:
        self._by_token.pop(session.token, None)
