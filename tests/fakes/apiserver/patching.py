"""PATCH bodies by content type: JSON merge, JSON patch and strategic merge.

Error codes follow the apiserver's patch handler: a body that is not JSON is 400; a JSON
patch that cannot be decoded is 400 and one that does not apply is 422; a merge patch
that is not an object (e.g. the array `CustomObjectsApi` sends for a list body) becomes
the whole document and then fails to decode as an object → 422 on field `patch`.

Strategic merge is an approximation of `k8s.io/apimachinery/pkg/util/strategicpatch`:
maps merge recursively, `null` deletes, lists with a known merge key (see `lists.py`)
merge item by item, `finalizers` merge as a set, other lists are replaced. The
directives kubectl sends are honoured: `$patch: replace|delete`, `$retainKeys`,
`$setElementOrder/<field>` (ordering) and `$deleteFromPrimitiveList/<field>`.
"""

from __future__ import annotations

import json
from typing import Any, cast

import jsonpatch
import jsonpointer

from .errors import ApiError, Cause, bad_request, invalid
from .lists import BuiltinLists, ListSemantics, Path, key_of
from .storage import clone

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
APPLY_CBOR = "application/apply-patch+cbor"
CUSTOM_PATCH_TYPES = [JSON_PATCH, MERGE, APPLY]
ALL_PATCH_TYPES = [JSON_PATCH, MERGE, STRATEGIC, APPLY]

_NOT_AN_OBJECT = (
    "couldn't get version/kind; json parse error: json: cannot unmarshal {what} into Go value "
    'of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
    'Kind string "json:\\"kind,omitempty\\"" }'
)


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise bad_request(f"error decoding patch: {exc}") from exc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_merge(current: dict[str, Any], body: bytes) -> dict[str, Any]:
    patch = decode_json(body)
    if not isinstance(patch, dict):
        what = "array" if isinstance(patch, list) else "string"
        raise _undecodable_result(json.dumps(patch, separators=(",", ":")), what)
    return cast(dict[str, Any], merge_patch(current, patch))


def _undecodable_result(document: str, what: str) -> ApiError:
    message = _NOT_AN_OBJECT.replace("{what}", what)
    cause = Cause("FieldValueInvalid", f"Invalid value: {json.dumps(document)}: {message}", "patch")
    return invalid(group_kind="", group="", kind="", name="", causes=[cause])


def apply_json_patch(current: dict[str, Any], body: bytes) -> dict[str, Any]:
    operations = decode_json(body)
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patched = jsonpatch.JsonPatch(operations).apply(clone(current))
    except (jsonpatch.InvalidJsonPatch, TypeError, KeyError) as exc:
        raise bad_request(str(exc)) from exc
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise ApiError(422, "Invalid", str(exc)) from exc
    if not isinstance(patched, dict):
        raise _undecodable_result(json.dumps(patched), "array")
    return cast(dict[str, Any], patched)


def apply_strategic(
    current: dict[str, Any], body: bytes, *, lists: ListSemantics | None = None
) -> dict[str, Any]:
    patch = decode_json(body)
    if not isinstance(patch, dict):
        raise bad_request(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    return strategic_merge(current, patch, lists=lists or BuiltinLists(), path=())


def strategic_merge(
    original: Any, patch: dict[str, Any], *, lists: ListSemantics, path: Path
) -> dict[str, Any]:
    """Merge one map level; see the module docstring for the supported directives."""
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    result: dict[str, Any] = dict(original) if isinstance(original, dict) else {}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
        elif key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in value]
        elif value is None:
            result.pop(key, None)
        else:
            merged = _merge_value(result.get(key), value, lists=lists, path=(*path, key))
            if merged is _DELETE:
                result.pop(key, None)
            else:
                result[key] = merged
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _ordered(result[field], order, rule=lists.rule((*path, field), order))
    if isinstance(patch.get("$retainKeys"), list):
        result = {k: v for k, v in result.items() if k in patch["$retainKeys"]}
    return result


_DELETE = object()


def _merge_value(original: Any, value: Any, *, lists: ListSemantics, path: Path) -> Any:
    if isinstance(value, dict):
        if value.get("$patch") == "delete":
            return _DELETE
        return strategic_merge(original, value, lists=lists, path=path)
    if isinstance(value, list):
        return _merge_list(
            original if isinstance(original, list) else [], value, lists=lists, path=path
        )
    return clone(value)


def _merge_list(
    original: list[Any], patch: list[Any], *, lists: ListSemantics, path: Path
) -> list[Any]:
    if any(isinstance(v, dict) and v.get("$patch") == "replace" for v in patch):
        return [clone(v) for v in patch if not (isinstance(v, dict) and "$patch" in v)]
    rule = lists.rule(path, [*original, *patch])
    if rule == "set":
        return [*original, *(clone(v) for v in patch if v not in original)]
    if not isinstance(rule, tuple):
        return [clone(v) for v in patch]
    result = list(original)
    for item in patch:
        key = key_of(item, rule)
        index = next((i for i, old in enumerate(result) if key_of(old, rule) == key), None)
        if isinstance(item, dict) and item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(strategic_merge({}, item, lists=lists, path=(*path, "[]")))
        else:
            result[index] = strategic_merge(result[index], item, lists=lists, path=(*path, "[]"))
    return result


def _ordered(items: list[Any], order: list[Any], *, rule: Any) -> list[Any]:
    """Apply `$setElementOrder`: listed items first, in that order, then the rest."""

    def position(item: Any) -> int:
        probe = key_of(item, rule) if isinstance(rule, tuple) else item
        for i, wanted in enumerate(order):
            if (key_of(wanted, rule) if isinstance(rule, tuple) else wanted) == probe:
                return i
        return len(order)

    return sorted(items, key=position)
