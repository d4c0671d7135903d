"""Turn one pydantic error into (path, message, fix, code) a person can act on."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from rollout_engine.api.base import DNS_LABEL

__all__ = ["explain_error", "render_path"]

Explained = tuple[str, str, str, str]
_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "datetime_type": "an RFC 3339 timestamp",
    "datetime_parsing": "an RFC 3339 timestamp",
}


def render_path(loc: Sequence[str | int]) -> str:
    """``("spec", "steps", 2, "setWeight")`` → ``spec.steps[2].setWeight``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def explain_error(err: Any, *, model: type[BaseModel], body: Any) -> Explained:
    """Explain one entry of ``ValidationError.errors()``."""
    loc = _data_loc(err["loc"], body, missing=err["type"] == "missing")
    handler = _HANDLERS.get(err["type"])
    if handler is None:
        handler = _type_error if err["type"] in _TYPE_WORDS else _generic
    return handler(err, loc, model)


def _data_loc(loc: Sequence[Any], body: Any, *, missing: bool) -> list[str | int]:
    """Keep only the parts of `loc` that exist in the document (drops union tags)."""
    out: list[str | int] = []
    node = body
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
            out.append(part)
        elif missing and i == len(loc) - 1 and isinstance(part, str):
            out.append(part)
    return out


def _missing(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    name = loc[-1] if loc else "?"
    return render_path(loc), f"required field {name!r} is missing", f"add {name}:", "missing-field"


def _extra(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    key = str(loc[-1]) if loc else "?"
    known = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        fix = f"did you mean {close[0]!r}?"
    else:
        fix = "remove it; fields allowed here: " + ", ".join(known) if known else "remove it"
    return render_path(loc), f"unknown field {key!r}", fix, "unknown-field"


def _value_error(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    cause = (err.get("ctx") or {}).get("error")
    message = str(cause) if cause is not None else err["msg"].removeprefix("Value error, ")
    fix = getattr(cause, "fix", None) or "change the fields as the message says"
    return render_path(loc), message, fix, "invalid-value"


def _type_error(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    want = _TYPE_WORDS[err["type"]]
    got = err.get("input")
    message = f"expected {want}, got {type(got).__name__} {got!r}"
    if isinstance(got, bool) and want == "a string":
        fix = "quote the value: YAML reads yes/no/on/off/true/false as booleans"
    elif isinstance(got, str) and want in ("an integer", "a number"):
        fix = f"write a plain number without quotes or units, e.g. {_digits(got) or 10}"
    else:
        fix = f"use {want} here"
    return render_path(loc), message, fix, "wrong-type"


def _range(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    ctx = err.get("ctx") or {}
    bounds = _field_bounds(model, loc)
    got = err.get("input")
    if bounds[0] is not None and bounds[1] is not None:
        message = f"must be between {bounds[0]} and {bounds[1]}, got {got!r}"
    else:
        (op, limit) = next(iter(ctx.items()), ("", ""))
        words = {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}
        message = f"must be {words.get(op, op)} {limit}, got {got!r}"
    return render_path(loc), message, "use a value inside the allowed range", "out-of-range"


def _pattern(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    pattern = (err.get("ctx") or {}).get("pattern", "")
    got = err.get("input")
    if "ms|s|m|h" in pattern:
        return (
            render_path(loc),
            f"not a duration: {got!r}",
            "write durations like 30s, 5m or 1h30m",
            "bad-duration",
        )
    if pattern == DNS_LABEL:
        return (
            render_path(loc),
            f"not a valid Kubernetes name: {got!r}",
            "use lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit",
            "bad-name",
        )
    return (
        render_path(loc),
        f"{got!r} does not match {pattern}",
        "fix the value's format",
        "bad-format",
    )


def _literal(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    expected = (err.get("ctx") or {}).get("expected", "")
    got = err.get("input")
    return (
        render_path(loc),
        f"must be one of {expected}, got {got!r}",
        f"use one of {expected}",
        "bad-enum",
    )


def _too_short(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    got = err.get("input")
    if isinstance(got, str):
        return render_path(loc), "must not be empty", "give it a value", "empty-value"
    need = (err.get("ctx") or {}).get("min_length", 1)
    return render_path(loc), f"needs at least {need} item(s)", "add an entry", "empty-list"


def _generic(err: Any, loc: list[str | int], model: type[BaseModel]) -> Explained:
    return render_path(loc), err["msg"], "fix the value as the message says", "invalid-value"


_HANDLERS: dict[str, Callable[[Any, list[str | int], type[BaseModel]], Explained]] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "value_error": _value_error,
    "assertion_error": _value_error,
    "greater_than_equal": _range,
    "greater_than": _range,
    "less_than_equal": _range,
    "less_than": _range,
    "string_pattern_mismatch": _pattern,
    "literal_error": _literal,
    "enum": _literal,
    "too_short": _too_short,
    "string_too_short": _too_short,
}


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (None for non-models)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        current = _find_model(field.annotation) if field else None
    return current


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    target = _model_at(model, loc)
    if target is None:
        return []
    return [f.alias or n for n, f in target.model_fields.items()]


def _field_bounds(model: type[BaseModel], loc: Sequence[str | int]) -> tuple[Any, Any]:
    parts = [p for p in loc if isinstance(p, str)]
    if not parts:
        return None, None
    parent = _model_at(model, loc[:-1] if isinstance(loc[-1], str) else loc[:-2])
    if parent is None:
        return None, None
    field = next((f for n, f in parent.model_fields.items() if (f.alias or n) == parts[-1]), None)
    low = high = None
    for meta in field.metadata if field else []:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    return low, high
