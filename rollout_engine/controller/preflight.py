"""The linter's semantic checks, run on what is in the cluster before each reconcile.

``rollout-engine lint`` and the controller refuse the same things with the
same words: the controller wraps the Rollout and the templates it references
as lint documents and runs ``check_rollout`` and ``check_template`` on them.
A Rollout finding is a held rollout (``InvalidSpec``); a template finding
(an invalid CEL condition, a query an argument could break) stops only the
runs of that template (``InvalidTemplate``). Results are cached by the
objects' generation and resourceVersions, so an unchanged spec is linted once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from rollout_engine.controller.problems import Problem
from rollout_engine.lint.context import LintContext
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.loader import Document
from rollout_engine.lint.rollout_checks import check_rollout
from rollout_engine.lint.schema import Identified, validate
from rollout_engine.lint.template_checks import check_template

__all__ = ["Preflight", "template_id"]

Obj = dict[str, Any]
_CACHE = 2048


def template_id(obj: Obj) -> str:
    """``Kind/name`` of a template (``AnalysisTemplate/error-ratio``)."""
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


class Preflight:
    """Lint findings for a Rollout and its templates, memoised by version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], list[Problem]] = {}

    def check(self, rollout: Obj, templates: Iterable[Obj]) -> list[Problem]:
        """Problems with `rollout` (as read) and the `templates` it references."""
        found = list(templates)
        key = (_version(rollout, generation=True), *sorted(_version(t) for t in found))
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        problems = [p for t in found for p in self._template(t)]
        problems += self._rollout(rollout, found)
        with self._lock:
            if len(self._cache) >= _CACHE:
                self._cache.clear()
            self._cache[key] = problems
        return problems

    @staticmethod
    def _template(obj: Obj) -> list[Problem]:
        ident = _ident(obj)
        findings = validate(ident)
        if not findings:
            findings = list(check_template(ident))
        which = template_id(obj)
        return [
            Problem("InvalidTemplate", f"{which}: {_text(f)}", hold=False, template=which)
            for f in findings
            if f.severity == "error"
        ]

    @staticmethod
    def _rollout(obj: Obj, templates: list[Obj]) -> list[Problem]:
        ident = _ident(obj)
        findings = validate(ident)
        if not findings:
            ctx = LintContext()
            for template in templates:
                other = _ident(template)
                if not validate(other):
                    ctx.add(other)
            findings = list(check_rollout(ident, ctx))
        return [Problem("InvalidSpec", _text(f)) for f in findings if f.severity == "error"]


def _ident(obj: Obj) -> Identified:
    meta = obj.get("metadata") or {}
    body = {k: v for k, v in obj.items() if k != "status"}
    body["metadata"] = {
        k: meta[k] for k in ("name", "namespace", "labels", "annotations") if k in meta
    }
    document = Document(file=template_id(obj), index=0, body=body)
    return Identified(document, kind=str(obj.get("kind")), name=meta.get("name"), ours=True)


def _text(finding: Finding) -> str:
    where = f"{finding.path}: " if finding.path else ""
    return f"{where}{finding.message} (fix: {finding.fix})"


def _version(obj: Obj, *, generation: bool = False) -> str:
    meta = obj.get("metadata") or {}
    version = meta.get("generation") if generation else meta.get("resourceVersion")
    return (
        f"{obj.get('kind')}/{meta.get('namespace')}/{meta.get('name')}/{meta.get('uid')}@{version}"
    )
