"""Decoding of the Kubernetes protobuf bodies kubectl's `create <kind>` generators send.

`kubectl create namespace|configmap|secret|serviceaccount` and `kubectl auth can-i` POST
`application/vnd.kubernetes.protobuf` (magic `k8s\\0`, then a `runtime.Unknown` envelope
holding the typed object). The fake decodes these few kinds with their `generated.proto`
field numbers (ObjectMeta included) and answers 415 for any other protobuf body.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from . import errors

MAGIC = b"k8s\x00"
Schema = dict[int, tuple[str, Any]]

_TIME: Schema = {1: ("seconds", "int"), 2: ("nanos", "int")}
_OWNER: Schema = {
    1: ("kind", "string"),
    3: ("name", "string"),
    4: ("uid", "string"),
    5: ("apiVersion", "string"),
    6: ("controller", "bool"),
    7: ("blockOwnerDeletion", "bool"),
}
_META: Schema = {
    1: ("name", "string"),
    2: ("generateName", "string"),
    3: ("namespace", "string"),
    5: ("uid", "string"),
    6: ("resourceVersion", "string"),
    7: ("generation", "int"),
    8: ("creationTimestamp", "time"),
    11: ("labels", "map"),
    12: ("annotations", "map"),
    13: ("ownerReferences", ("repeated", _OWNER)),
    14: ("finalizers", "strings"),
}
_REF: Schema = {1: ("name", "string")}
_ATTRIBUTES: Schema = {
    1: ("namespace", "string"),
    2: ("verb", "string"),
    3: ("group", "string"),
    4: ("version", "string"),
    5: ("resource", "string"),
    6: ("subresource", "string"),
    7: ("name", "string"),
}
SCHEMAS: dict[str, Schema] = {
    "ConfigMap": {
        1: ("metadata", _META),
        2: ("data", "map"),
        3: ("binaryData", "bytesmap"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", _META),
        2: ("data", "bytesmap"),
        3: ("type", "string"),
        4: ("stringData", "map"),
        5: ("immutable", "bool"),
    },
    "Namespace": {
        1: ("metadata", _META),
        2: ("spec", {1: ("finalizers", "strings")}),
        3: ("status", {1: ("phase", "string")}),
    },
    "SelfSubjectAccessReview": {
        1: ("metadata", _META),
        2: ("spec", {1: ("resourceAttributes", _ATTRIBUTES)}),
    },
    "ServiceAccount": {
        1: ("metadata", _META),
        3: ("imagePullSecrets", ("repeated", _REF)),
        4: ("automountServiceAccountToken", "bool"),
    },
}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, varint or bytes) pairs; fixed-width fields come back as bytes."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError(f"field {number} runs past the end of the message")
            out.append((number, data[pos : pos + length]))
            pos += length
        else:
            width = 8 if wire == 1 else 4
            out.append((number, data[pos : pos + width]))
            pos += width
    return out


def _value(kind: Any, raw: int | bytes) -> Any:
    if isinstance(kind, dict):
        return _message(bytes(raw) if isinstance(raw, bytes) else b"", kind)
    if kind in ("int", "bool"):
        return bool(raw) if kind == "bool" else raw
    if kind == "time":
        seconds = _message(raw if isinstance(raw, bytes) else b"", _TIME).get("seconds")
        stamp = datetime.fromtimestamp(seconds, tz=UTC) if seconds else None
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else None
    text = raw if isinstance(raw, bytes) else b""
    return text.decode() if kind in ("string", "strings") else text


def _message(data: bytes, schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, raw in _fields(data):
        if number not in schema:
            continue
        name, kind = schema[number]
        if kind in ("map", "bytesmap"):
            entry = dict(_fields(bytes(raw) if isinstance(raw, bytes) else b""))
            key, value = bytes(entry.get(1, b"")).decode(), bytes(entry.get(2, b""))
            shown = base64.b64encode(value).decode() if kind == "bytesmap" else value.decode()
            out.setdefault(name, {})[key] = shown
        elif kind == "strings" or (isinstance(kind, tuple) and kind[0] == "repeated"):
            out.setdefault(name, []).append(
                _value(kind[1] if isinstance(kind, tuple) else kind, raw)
            )
        else:
            out[name] = _value(kind, raw)
    return {k: v for k, v in out.items() if v not in ("", 0, None, {}, []) or k == "spec"}


def decode(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf request body, or 415 for kinds the fake cannot read."""
    try:
        return _decode(body)
    except (IndexError, UnicodeDecodeError, ValueError) as exc:
        raise errors.bad_request(f"unable to decode protobuf body: {exc!r}") from exc


def _decode(body: bytes) -> dict[str, Any]:
    envelope = dict(_fields(body[len(MAGIC) :])) if body.startswith(MAGIC) else {}
    type_meta = dict(_fields(bytes(envelope.get(1, b""))))
    api_version = bytes(type_meta.get(1, b"")).decode()
    kind = bytes(type_meta.get(2, b"")).decode()
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise errors.ApiError(
            415,
            "UnsupportedMediaType",
            "the fake apiserver decodes protobuf "
            f"only for {', '.join(sorted(SCHEMAS))}, not {kind or 'this body'};"
            " send application/json (e.g. kubectl apply -f)",
        )
    obj = _message(bytes(envelope.get(2, b"")), schema)
    return {"apiVersion": api_version, "kind": kind, **obj}
