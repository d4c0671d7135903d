"""Providers come from a registry keyed by the provider field; an unknown key is a spec error."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.providers.prometheus import PrometheusClient
from analysis.providers.registry import PROVIDERS, build_provider
from rollout_engine.api.metric import MetricProvider
from rollout_engine.errors import SpecError

SPEC = MetricProvider.model_validate({"prometheus": {"address": "http://prom:9090", "query": "up"}})


def test_prometheus_is_registered_under_its_field_name() -> None:
    assert sorted(PROVIDERS) == ["prometheus"]
    provider = build_provider(SPEC, secrets=lambda ref: "")
    assert isinstance(provider, PrometheusClient)
    assert provider.settings.address == "http://prom:9090"


def test_the_address_can_be_overridden() -> None:
    provider = build_provider(SPEC, secrets=lambda ref: "", address="http://127.0.0.1:9999")
    assert isinstance(provider, PrometheusClient)
    assert provider.settings.address == "http://127.0.0.1:9999"


def test_a_key_the_registry_does_not_know_is_a_spec_error_never_a_fallback() -> None:
    seen: list[Any] = []

    def datadog(spec: Any, **kw: Any) -> Any:
        seen.append(spec)

    with pytest.raises(SpecError) as caught:
        build_provider(SPEC, secrets=lambda ref: "", registry={"datadog": datadog})
    assert caught.value.path == "provider.prometheus"
    assert "unsupported provider 'prometheus'; use one of: datadog" in str(caught.value)
    assert seen == []
