"""The one place messages become bytes and bytes become messages (orjson + pydantic)."""

import json
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

UTF8_BOM = b"\xef\xbb\xbf"


class DecodeError(ValueError):
    """A message that cannot be decoded; `error_type` is the dead-letter class."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def encode(message: BaseModel) -> bytes:
    """Serialize a model to compact JSON bytes (datetimes as RFC 3339)."""
    return orjson.dumps(message.model_dump())


def decode(data: bytes | None, model: type[M], *, max_bytes: int | None = None) -> M:
    """Parse and validate one message, raising DecodeError with a reason a person can act on."""
    if not data:
        raise DecodeError(
            "empty_message", "message has no value (an empty record, or a tombstone without a key)"
        )
    if max_bytes is not None and len(data) > max_bytes:
        raise DecodeError("oversize", f"message is {len(data)} bytes, over the {max_bytes}-byte limit")
    data = data.removeprefix(UTF8_BOM)  # some Windows tools write one; JSON forbids it, we skip it
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_utf8", f"message is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        kind = (
            "too_deep" if "depth" in str(exc).lower() or "recursion" in str(exc).lower() else "invalid_json"
        )
        raise DecodeError(kind, f"message is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise DecodeError("wrong_shape", f"expected a JSON object, got {type(obj).__name__}")
    _refuse_duplicate_keys(text)
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    except RecursionError:
        raise DecodeError("too_deep", "message is nested too deeply to validate") from None


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _refuse_duplicate_keys(text: str) -> None:
    """JSON parsers keep the last of two equal keys, so a second `id` would silently change the id.

    orjson cannot report them; the standard parser's pair hook can (a second parse, about 1 ms per
    100 KB: objects are few, the text is one string scan)."""
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise DecodeError("invalid_json", f"duplicate key '{exc.args[0]}' in a JSON object") from None
    except (ValueError, RecursionError):
        pass  # orjson accepted it; a difference of dialect is not a duplicate


def _validation_error(exc: ValidationError) -> DecodeError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "message"
    if first["loc"] == ("body",) and first["type"] == "missing":
        return DecodeError("missing_body", "message has no 'body' field")
    if first["loc"] == ("body",) and "body is empty" in first["msg"]:
        return DecodeError("empty_body", "body is empty")
    if first["type"] == "extra_forbidden":
        return DecodeError("unknown_field", f"unknown field '{where}'")
    if first["type"] == "missing":
        return DecodeError("missing_field", f"required field '{where}' is missing")
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3])
    return DecodeError("wrong_type", f"invalid fields: {detail}")
