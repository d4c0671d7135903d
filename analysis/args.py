"""Template arguments: from declarations and a rollout's values to resolved strings.

Resolution follows Argo Rollouts: a value given by the Rollout (or the
``--arg`` of the replay command) overrides the template's default; otherwise
the argument's ``value`` or ``valueFrom`` applies. ``valueFrom`` reads a
Secret key (``secretKeyRef``), a field of the Rollout (``fieldRef``, e.g.
``metadata.namespace``) or a pod-template hash (``podTemplateHashValue:
Stable|Latest``). The shell supplies those through `ArgSources`; this module
never reads Kubernetes. Secret-derived values are marked so that every
rendering of a query or condition can redact them.

An argument left without a value is a `SpecError` naming it: Argo puts the
whole run in Error at once, and so do we (see `analysis.run.failed_start`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from analysis.providers.base import SecretResolver
from rollout_engine.api.template import Argument
from rollout_engine.errors import SpecError

__all__ = ["ArgSources", "ArgValue", "Args", "resolve_args"]


@dataclass(frozen=True, slots=True)
class ArgValue:
    """A resolved argument; a secret one never shows its value in ``repr``."""

    value: str = field(repr=False)
    secret: bool = False

    def __repr__(self) -> str:
        shown = "***" if self.secret else repr(self.value)
        return f"ArgValue({shown}, secret={self.secret})"


Args = Mapping[str, ArgValue]


@dataclass(frozen=True)
class ArgSources:
    """What the caller can resolve ``valueFrom`` with (all optional)."""

    secret: SecretResolver | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    pod_template_hashes: Mapping[str, str] = field(default_factory=dict)


def resolve_args(
    declared: Sequence[Argument],
    supplied: Sequence[Argument] = (),
    *,
    sources: ArgSources | None = None,
) -> Args:
    """Resolve every declared argument; supplied values override defaults.

    Supplied arguments the template does not declare are ignored, as in Argo
    (a Rollout passes one list of args to all of its templates).

    Raises:
        SpecError: an argument has no value, or its ``valueFrom`` cannot be
            resolved; the path names the argument (``spec.args[2]``).
    """
    sources = sources or ArgSources()
    given = {a.name: a for a in supplied}
    resolved: dict[str, ArgValue] = {}
    for i, arg in enumerate(declared):
        override = given.get(arg.name)
        has_value = override is not None and (
            override.value is not None or override.value_from is not None
        )
        chosen = override if override is not None and has_value else arg
        resolved[arg.name] = _resolve(chosen, sources=sources, path=f"spec.args[{i}]")
    return MappingProxyType(resolved)


def _resolve(arg: Argument, *, sources: ArgSources, path: str) -> ArgValue:
    if arg.value is not None:
        return ArgValue(arg.value)
    source = arg.value_from
    if source is None:
        raise SpecError(f"argument {arg.name!r} has no value", path=path)
    if source.secret_key_ref is not None:
        if sources.secret is None:
            raise SpecError(
                f"argument {arg.name!r} reads Secret {source.secret_key_ref.name!r}, "
                "which cannot be read here",
                path=f"{path}.valueFrom.secretKeyRef",
            )
        try:
            return ArgValue(sources.secret(source.secret_key_ref), secret=True)
        except SpecError as exc:
            raise SpecError(
                f"argument {arg.name!r}: {exc.detail}", path=f"{path}.valueFrom.secretKeyRef"
            ) from None
    if source.field_ref is not None:
        return _lookup(
            sources.fields,
            source.field_ref.field_path,
            what=f"argument {arg.name!r}: field {source.field_ref.field_path!r}",
            path=f"{path}.valueFrom.fieldRef",
        )
    kind = source.pod_template_hash_value or ""
    return _lookup(
        sources.pod_template_hashes,
        kind,
        what=f"argument {arg.name!r}: the {kind} pod-template hash",
        path=f"{path}.valueFrom.podTemplateHashValue",
    )


def _lookup(table: Mapping[str, str], key: str, *, what: str, path: str) -> ArgValue:
    value = table.get(key)
    if value is None:
        raise SpecError(f"{what} is not available", path=path)
    return ArgValue(value)
