"""Arguments resolve as in Argo: overrides, defaults, Secrets, fields, pod-template hashes."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.args import ArgSources, resolve_args
from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.template import Argument
from rollout_engine.errors import SpecError


def _arg(name: str, value: str | None = None, **value_from: Any) -> Argument:
    return Argument.model_validate(
        {"name": name, "value": value, **({"valueFrom": value_from} if value_from else {})}
    )


def test_supplied_values_override_defaults_and_extras_are_ignored() -> None:
    declared = [_arg("count", "3"), _arg("service")]
    args = resolve_args(declared, [_arg("service", "web"), _arg("other", "x")])
    assert {k: v.value for k, v in args.items()} == {"count": "3", "service": "web"}


def test_a_supplied_name_without_value_keeps_the_default() -> None:
    args = resolve_args([_arg("count", "3")], [_arg("count")])
    assert args["count"].value == "3"


def test_an_argument_without_value_is_an_error_naming_it() -> None:
    with pytest.raises(SpecError) as caught:
        resolve_args([_arg("ok", "1"), _arg("service")])
    assert "'service'" in str(caught.value)
    assert caught.value.path == "spec.args[1]"


def test_secret_field_and_hash_sources_come_from_the_caller() -> None:
    seen: list[SecretKeySelector] = []

    def secret(ref: SecretKeySelector) -> str:
        seen.append(ref)
        return "t0ken"

    declared = [
        _arg("token", secretKeyRef={"name": "prom", "key": "token"}),
        _arg("ns", fieldRef={"fieldPath": "metadata.namespace"}),
        _arg("hash", podTemplateHashValue="Latest"),
    ]
    sources = ArgSources(
        secret=secret,
        fields={"metadata.namespace": "shop"},
        pod_template_hashes={"Latest": "6d4f8c"},
    )
    args = resolve_args(declared, sources=sources)
    assert (args["token"].value, args["token"].secret) == ("t0ken", True)
    assert (args["ns"].value, args["ns"].secret) == ("shop", False)
    assert args["hash"].value == "6d4f8c"
    assert seen == [SecretKeySelector(name="prom", key="token")]
    assert "t0ken" not in repr(args["token"])


@pytest.mark.parametrize(
    ("value_from", "path"),
    [
        ({"secretKeyRef": {"name": "prom", "key": "token"}}, "spec.args[0].valueFrom.secretKeyRef"),
        ({"fieldRef": {"fieldPath": "metadata.labels"}}, "spec.args[0].valueFrom.fieldRef"),
        ({"podTemplateHashValue": "Stable"}, "spec.args[0].valueFrom.podTemplateHashValue"),
    ],
)
def test_an_unavailable_source_is_an_error_naming_the_argument(
    value_from: dict[str, Any], path: str
) -> None:
    with pytest.raises(SpecError) as caught:
        resolve_args([_arg("x", **value_from)])
    assert "'x'" in str(caught.value)
    assert caught.value.path == path


def test_a_failing_secret_resolver_still_names_the_argument() -> None:
    def secret(ref: SecretKeySelector) -> str:
        raise SpecError(f"secret {ref.name} not found")

    with pytest.raises(SpecError, match="argument 'x': secret prom not found"):
        resolve_args(
            [_arg("x", secretKeyRef={"name": "prom", "key": "k"})],
            sources=ArgSources(secret=secret),
        )
