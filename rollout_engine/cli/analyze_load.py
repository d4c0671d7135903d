"""Inputs of ``rollout-engine analyze``: the template, its arguments, the window, the providers.

Every problem with the input is a `BadInput` with a message that names what
to fix (the field path, the argument, the option); the command turns it into
exit code 4 without a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analysis.args import ArgSources, resolve_args
from analysis.providers.base import MetricProvider
from analysis.providers.registry import build_provider
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.template import AnalysisTemplateSpec, Argument
from rollout_engine.errors import SpecError

__all__ = ["BadInput", "Loaded", "load", "parse_time"]

_TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")


class BadInput(Exception):
    """The command line or the template cannot be used; the message says why."""


@dataclass(frozen=True)
class Loaded:
    """A compiled run, a provider per metric, and the template's name."""

    name: str
    run: CompiledRun
    providers: Mapping[str, MetricProvider]


def load(*, template: str, prometheus: str, args: Sequence[str], secret_dir: str | None) -> Loaded:
    """Validate and compile everything the replay needs.

    Raises:
        BadInput: a missing or invalid file, an unknown or unresolved argument,
            a bad address.
    """
    name, spec = _template(template)
    supplied = _args(args, spec)
    secrets = SecretReader(Path(secret_dir) if secret_dir else None)
    try:
        resolved = resolve_args(spec.args, supplied, sources=ArgSources(secret=secrets))
        run = compile_run(spec, args=resolved)
        providers = {
            m.name: build_provider(m.provider, secrets=secrets, address=prometheus)
            for m in run.metrics
        }
    except SpecError as exc:
        hint = " (pass it with --arg NAME=VALUE)" if "argument" in exc.detail else ""
        raise BadInput(f"{template}: {exc}{hint}") from None
    return Loaded(name=name, run=run, providers=providers)


def parse_time(text: str, *, option: str) -> datetime:
    """RFC 3339 (``2024-05-01T00:10:00Z``) or Unix seconds (``1714522200``).

    Raises:
        BadInput: neither, or an RFC 3339 time without a timezone.
    """
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise BadInput(f"{option}: not a finite number of seconds: {text!r}")
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{option}: expected RFC 3339 (2024-05-01T00:10:00Z) or Unix seconds, got {text!r}"
        ) from None
    if when.tzinfo is None:
        raise BadInput(f"{option}: {text!r} needs a timezone, e.g. a trailing Z")
    return when.astimezone(UTC)


def _template(path: str) -> tuple[str, AnalysisTemplateSpec]:
    from rollout_engine.lint import lint_paths
    from rollout_engine.lint.loader import load_documents

    if not Path(path).is_file():
        raise BadInput(f"--template: no such file: {path}")
    report = lint_paths([path])
    if report.errors:
        raise BadInput("\n".join(f.render() for f in report.errors))
    docs, _ = load_documents(Path(path), display=path)
    found = [
        d.body for d in docs if isinstance(d.body, dict) and d.body.get("kind") in _TEMPLATE_KINDS
    ]
    if len(found) != 1:
        raise BadInput(
            f"{path}: expected exactly one AnalysisTemplate or ClusterAnalysisTemplate, "
            f"found {len(found)}"
        )
    body = found[0]
    return str(body["metadata"]["name"]), AnalysisTemplateSpec.model_validate(body["spec"])


def _args(raw: Sequence[str], spec: AnalysisTemplateSpec) -> list[Argument]:
    declared = [a.name for a in spec.args]
    out: list[Argument] = []
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadInput(f"--arg: expected NAME=VALUE, got {item!r}")
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise BadInput(
                f"--arg: the template declares no argument {key!r} (it declares: {known})"
            )
        out.append(Argument(name=key, value=value))
    return out


class SecretReader:
    """Reads ``DIR/<secret>/<key>``, the layout of a Secret mounted as a volume."""

    def __init__(self, root: Path | None) -> None:
        self._root = root

    def __call__(self, ref: SecretKeySelector) -> str:
        if self._root is None:
            raise SpecError(
                f"needs Secret {ref.name!r} key {ref.key!r}: pass --secret-dir DIR "
                f"holding DIR/{ref.name}/{ref.key}"
            )
        if ref.key in (".", ".."):
            raise SpecError(f"invalid Secret key {ref.key!r}")
        path = self._root / ref.name / ref.key
        try:
            return path.read_text(encoding="utf-8").rstrip("\n")
        except OSError:
            raise SpecError(
                f"cannot read Secret {ref.name!r} key {ref.key!r} from {path}"
            ) from None
