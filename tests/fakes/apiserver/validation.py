"""Validation that answers 422 with field causes, as the real registries do.

Custom resources are checked against their CRD's schema (after pruning and defaulting)
with `jsonschema`, and the errors are worded like the apiserver's OpenAPI validator.
Built-in kinds get a deliberately small subset of the real checks: object names, label
syntax, the 256 KiB annotation budget, a Deployment's selector matching its template
(and staying immutable), containers being present, Lease durations being positive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

from .errors import Cause
from .schema import to_json_schema

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_ANNOTATIONS_LIMIT = 262_144
_LABEL_NAMED = ("namespaces", "services")
_JSON_TYPES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
    type(None): "null",
}
_validators: dict[int, tuple[Mapping[str, Any], jsonschema.protocols.Validator]] = {}


def _invalid(field: str, value: Any, *, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {json.dumps(value)}: {detail}", field)


def validate_metadata(obj: Mapping[str, Any], *, resource: str) -> list[Cause]:
    meta = obj.get("metadata") or {}
    causes = list(_name_causes(meta.get("name", ""), label=resource in _LABEL_NAMED))
    for key, value in (meta.get("labels") or {}).items():
        causes += _label_causes(key, value)
    size = sum(len(k) + len(str(v)) for k, v in (meta.get("annotations") or {}).items())
    if size > _ANNOTATIONS_LIMIT:
        causes.append(
            Cause(
                "FieldValueTooLong",
                f"Too long: must have at most {_ANNOTATIONS_LIMIT} bytes",
                "metadata.annotations",
            )
        )
    return causes


def _name_causes(name: str, *, label: bool) -> Iterable[Cause]:
    if not name:
        yield Cause(
            "FieldValueRequired",
            "Required value: name or generateName is required",
            "metadata.name",
        )
        return
    pattern, limit, what = (
        (_LABEL, 63, "RFC 1123 label") if label else (_SUBDOMAIN, 253, "RFC 1123 subdomain")
    )
    if len(name) > limit or not pattern.fullmatch(name):
        yield _invalid(
            "metadata.name",
            name,
            detail=f"a lowercase {what} must consist of lower case "
            "alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character",
        )


def _label_causes(key: str, value: Any) -> Iterable[Cause]:
    name = key.rsplit("/", 1)[-1]
    prefix = key[: -len(name) - 1] if "/" in key else ""
    if (
        not _QUALIFIED.fullmatch(name)
        or len(name) > 63
        or (prefix and not _SUBDOMAIN.fullmatch(prefix))
    ):
        yield _invalid(
            "metadata.labels",
            key,
            detail="name part must consist of alphanumeric characters, '-', '_' or '.'",
        )
    if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
        yield _invalid(
            "metadata.labels",
            value,
            detail="a valid label must be an empty string or "
            "consist of alphanumeric characters, '-', '_' or '.'",
        )


def validate_builtin(
    obj: Mapping[str, Any], old: Mapping[str, Any] | None, *, storage: str
) -> list[Cause]:
    spec = obj.get("spec") or {}
    if storage in ("deployments.apps", "replicasets.apps"):
        return _workload_causes(spec, (old or {}).get("spec"))
    if storage == "leases.coordination.k8s.io":
        duration = spec.get("leaseDurationSeconds")
        if duration is not None and (not isinstance(duration, int) or duration <= 0):
            return [
                _invalid("spec.leaseDurationSeconds", duration, detail="must be greater than 0")
            ]
    return []


def _workload_causes(spec: Mapping[str, Any], old_spec: Mapping[str, Any] | None) -> list[Cause]:
    causes: list[Cause] = []
    selector = spec.get("selector")
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not selector:
        causes.append(Cause("FieldValueRequired", "Required value", "spec.selector"))
    elif any(template_labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        causes.append(
            _invalid(
                "spec.template.metadata.labels",
                template_labels,
                detail="`selector` does not match template `labels`",
            )
        )
    if old_spec is not None and old_spec.get("selector") != selector:
        causes.append(_invalid("spec.selector", selector, detail="field is immutable"))
    replicas = spec.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or replicas < 0):
        causes.append(
            _invalid("spec.replicas", replicas, detail="must be greater than or equal to 0")
        )
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers")
    if not containers:
        causes.append(
            Cause("FieldValueRequired", "Required value", "spec.template.spec.containers")
        )
    return causes


def validate_custom(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> list[Cause]:
    """Schema violations of a (pruned, defaulted) custom resource, in document order."""
    validator = _validator(schema)
    errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    return [_cause(error) for error in errors]


def _validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        validator = jsonschema.Draft4Validator(to_json_schema(schema))
        cached = _validators[id(schema)] = (schema, validator)
    return cached[1]


def _field(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _cause(error: jsonschema.ValidationError) -> Cause:
    field, rule = _field(error.absolute_path), error.validator
    value: Any = error.instance
    expected: Any = error.validator_value
    shown = json.dumps(value)
    if rule == "required":
        missing = next(r for r in expected if r not in value)
        return Cause(
            "FieldValueRequired", "Required value", f"{field}.{missing}" if field else missing
        )
    if rule == "type":
        actual = _JSON_TYPES.get(type(value), "unknown")
        return Cause(
            "FieldValueTypeInvalid",
            f'Invalid value: "{actual}": {field} in body must be of type {expected}: {shown}',
            field,
        )
    if rule == "enum":
        allowed = ", ".join(json.dumps(v) for v in expected)
        return Cause(
            "FieldValueNotSupported",
            f"Unsupported value: {shown}: supported values: {allowed}",
            field,
        )
    if rule in ("maxLength", "maxItems", "maxProperties"):
        return Cause(
            "FieldValueTooLong" if rule == "maxLength" else "FieldValueTooMany",
            f"Too long: may not be more than {expected}",
            field,
        )
    detail = {
        "maximum": f"{field} in body should be less than or equal to {expected}",
        "minimum": f"{field} in body should be greater than or equal to {expected}",
        "minLength": f"{field} in body should be at least {expected} chars long",
        "minItems": f"{field} in body should have at least {expected} items",
        "pattern": f"{field} in body should match '{expected}'",
    }.get(str(rule), error.message)
    return _invalid(field, value, detail=detail)
