"""`newsfeed tail`: a topic's records as JSON lines, for people and scripts (read by streams.reader)."""

import base64
from typing import Any

import orjson


def as_json_line(msg: Any) -> dict[str, Any]:
    """A consumed record as a dict: the value parsed when it is JSON, else base64."""
    try:
        value: Any = orjson.loads(msg.value) if msg.value is not None else None
    except orjson.JSONDecodeError:
        value = {"base64": base64.b64encode(msg.value).decode("ascii")}
    return {
        "topic": msg.topic,
        "partition": msg.partition,
        "offset": msg.offset,
        "timestamp_ms": msg.timestamp,
        "key": msg.key.decode("utf-8", "replace") if msg.key is not None else None,
        "value": value,
    }
