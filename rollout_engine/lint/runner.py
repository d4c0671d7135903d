"""``rollout-engine lint FILE…``: schema and semantic checks, offline.

Bad input never raises: every problem becomes a finding with the file, the
document, the field path and a fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rollout_engine.lint.context import LintContext
from rollout_engine.lint.findings import Finding, LintReport
from rollout_engine.lint.loader import Document, load_documents
from rollout_engine.lint.rollout_checks import check_rollout
from rollout_engine.lint.schema import Identified, identify, validate
from rollout_engine.lint.template_checks import check_template

__all__ = ["lint_paths"]

_YAML_SUFFIXES = (".yaml", ".yml")


def lint_paths(paths: Iterable[str]) -> LintReport:
    """Lint files (directories are searched for *.yaml / *.yml)."""
    report = LintReport()
    docs: list[Document] = []
    for path in _expand(paths):
        report.files.append(str(path))
        found, problems = load_documents(path, display=str(path))
        docs.extend(found)
        report.findings.extend(problems)
    ours = _identify_all(docs, report)
    ctx = LintContext()
    for ident in ours:
        ctx.add(ident)
    for ident in ours:
        report.resources.append(f"{ident.kind}/{ident.name}")
        report.findings.extend(_semantics(ident, ctx))
    return report


def _expand(paths: Iterable[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in _YAML_SUFFIXES))
        else:
            out.append(path)
    return out


def _identify_all(docs: list[Document], report: LintReport) -> list[Identified]:
    ours: list[Identified] = []
    seen: dict[tuple[str, str, str], Identified] = {}
    for doc in docs:
        ident, problems = identify(doc)
        report.findings.extend(problems)
        if ident is None or not ident.ours:
            continue
        problems = validate(ident)
        report.findings.extend(problems)
        if problems:
            continue
        key = (ident.kind or "", _namespace(ident), ident.name or "")
        if key in seen:
            report.findings.append(_duplicate(ident, seen[key]))
            continue
        seen[key] = ident
        ours.append(ident)
    return ours


def _namespace(ident: Identified) -> str:
    meta = ident.doc.body.get("metadata") or {}
    return str(meta.get("namespace") or "")


def _duplicate(ident: Identified, first: Identified) -> Finding:
    return ident.finding(
        path="metadata.name",
        message=f"{ident.kind} {ident.name!r} is defined twice "
        f"(first in {first.doc.file}#{first.doc.index})",
        fix="rename one of them or delete the duplicate",
        code="duplicate-resource",
    )


def _semantics(ident: Identified, ctx: LintContext) -> list[Finding]:
    if ident.kind == "Rollout":
        return list(check_rollout(ident, ctx))
    if ident.kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
        return list(check_template(ident))
    return []
