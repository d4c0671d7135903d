"""Which provider serves a metric: a plain dict keyed by the ``provider`` field's name.

A template names its source by the key it sets under ``provider`` (today only
``prometheus``). An unknown key is a `SpecError` on that field, never a silent
fallback to some default source (Flagger's "unknown metric always passes" bug).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from analysis.providers.base import MetricProvider, SecretResolver
from analysis.providers.prometheus import prometheus_from_spec
from rollout_engine.api.metric import MetricProvider as ProviderSpec
from rollout_engine.errors import SpecError

__all__ = ["PROVIDERS", "ProviderFactory", "build_provider"]

ProviderFactory = Callable[..., MetricProvider]
"""``factory(spec_of_that_key, *, secrets, address) -> MetricProvider``."""

PROVIDERS: Final[Mapping[str, ProviderFactory]] = MappingProxyType(
    {"prometheus": prometheus_from_spec}
)


def build_provider(
    spec: ProviderSpec,
    *,
    secrets: SecretResolver,
    address: str | None = None,
    registry: Mapping[str, ProviderFactory] = PROVIDERS,
) -> MetricProvider:
    """The provider a metric's ``provider`` block asks for.

    Raises:
        SpecError: no provider, several, or one the registry does not know.
    """
    chosen = [(name, value) for name, value in spec if value is not None]
    if len(chosen) != 1:
        raise SpecError("set exactly one provider", path="provider")
    name, value = chosen[0]
    key = type(spec).model_fields[name].alias or name
    factory = registry.get(key)
    if factory is None:
        raise SpecError(
            f"unsupported provider {key!r}; use one of: {', '.join(sorted(registry))}",
            path=f"provider.{key}",
        )
    return factory(value, secrets=secrets, address=address)
