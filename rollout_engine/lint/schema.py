"""Schema checks: route each document to its model and explain validation errors.

Pydantic's errors are precise but terse; each is turned into a finding with
the field path as written in YAML (``spec.strategy.canary.steps[2].setWeight``)
and a fix a person can act on.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from rollout_engine.api.kinds import GROUP, GROUP_VERSION, kind_info
from rollout_engine.lint.explain import explain_error
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.loader import Document

__all__ = ["Identified", "identify", "validate"]

_FOREIGN = {
    "argoproj.io": "Argo Rollouts",
    "flagger.app": "Flagger",
}


class Identified:
    """A document with its kind and name, and the model when it is one of ours."""

    def __init__(self, doc: Document, *, kind: str | None, name: str | None, ours: bool) -> None:
        self.doc = doc
        self.kind = kind
        self.name = name
        self.ours = ours
        self.model: BaseModel | None = None

    def finding(self, *, path: str, message: str, fix: str, code: str, **kw: Any) -> Finding:
        """A finding located at this document."""
        return Finding(
            file=self.doc.file,
            document=self.doc.index,
            path=path,
            message=message,
            fix=fix,
            code=code,
            kind=self.kind,
            name=self.name,
            **kw,
        )


def identify(doc: Document) -> tuple[Identified | None, list[Finding]]:
    """Say what a document is; anything not a Kubernetes object is an error."""
    body = doc.body
    if not isinstance(body, dict):
        shell = Identified(doc, kind=None, name=None, ours=False)
        return None, [
            shell.finding(
                path="",
                message="a document must be a mapping (a Kubernetes object), "
                f"got {type(body).__name__}",
                fix="start the document with apiVersion:, kind:, metadata:",
                code="not-an-object",
            )
        ]
    kind, api_version = body.get("kind"), body.get("apiVersion")
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    ident = Identified(doc, kind=kind if isinstance(kind, str) else None, name=name, ours=False)
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None, [
            ident.finding(
                path="apiVersion" if not isinstance(api_version, str) else "kind",
                message="every object needs a string apiVersion and kind",
                fix=f"set apiVersion: {GROUP_VERSION} and kind: Rollout (or AnalysisTemplate, …)",
                code="missing-type",
            )
        ]
    return _classify(ident, api_version=api_version, kind=kind)


def _classify(
    ident: Identified, *, api_version: str, kind: str
) -> tuple[Identified | None, list[Finding]]:
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    if group in _FOREIGN:
        return None, [
            ident.finding(
                path="apiVersion",
                message=f"this is {_FOREIGN[group]}'s {kind} ({api_version}), "
                "not a rollout-engine resource",
                fix=f"use apiVersion: {GROUP_VERSION}; field names follow Argo Rollouts, "
                "see the README section 'Coming from Argo Rollouts or Flagger'",
                code="foreign-manifest",
            )
        ]
    if group != GROUP:
        return ident, []
    if api_version != GROUP_VERSION:
        return None, [
            ident.finding(
                path="apiVersion",
                message=f"unsupported version {api_version!r}",
                fix=f"use apiVersion: {GROUP_VERSION}",
                code="unsupported-version",
            )
        ]
    if kind_info(kind) is None:
        return None, [
            ident.finding(
                path="kind",
                message=f"unknown kind {kind!r} in {GROUP}",
                fix="use Rollout, AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun",
                code="unknown-kind",
            )
        ]
    ident.ours = True
    return ident, []


def validate(ident: Identified) -> list[Finding]:
    """Validate one of our documents against its model; set ``ident.model`` on success."""
    info = kind_info(ident.kind or "")
    assert info is not None
    try:
        ident.model = info.model.model_validate(ident.doc.body)
    except ValidationError as exc:
        return [
            ident.finding(code=code, path=path, message=message, fix=fix)
            for path, message, fix, code in (
                explain_error(err, model=info.model, body=ident.doc.body)
                for err in exc.errors(include_url=False)
            )
        ]
    return []
