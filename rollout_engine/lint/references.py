"""Analysis references of a Rollout: do the templates exist, and get the args they need?"""

from __future__ import annotations

from collections.abc import Iterator

from rollout_engine.api.rollout import RolloutAnalysis
from rollout_engine.api.template import AnalysisTemplate, ClusterAnalysisTemplate
from rollout_engine.lint.context import LintContext
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.schema import Identified

__all__ = ["check_analysis_refs"]


def check_analysis_refs(
    ident: Identified, analysis: RolloutAnalysis, ctx: LintContext, path: str
) -> Iterator[Finding]:
    """Resolve each template among the linted files and check its arguments."""
    namespace = (ident.doc.body.get("metadata") or {}).get("namespace")
    supplied = {a.name for a in analysis.args}
    declared: set[str] = set()
    all_resolved = True
    for j, ref in enumerate(analysis.templates):
        at = f"{path}.templates[{j}]"
        kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
        other = "AnalysisTemplate" if ref.cluster_scope else "ClusterAnalysisTemplate"
        found = ctx.find(kind=kind, name=ref.template_name, namespace=namespace)
        if found is None or found.model is None:
            all_resolved = False
            if ctx.find(kind=other, name=ref.template_name, namespace=namespace) is not None:
                yield _scope_mismatch(ident, at, ref.template_name, found_kind=other)
            elif found is None:
                yield _unresolved(ident, at, ref.template_name, kind)
            continue
        template: AnalysisTemplate | ClusterAnalysisTemplate = found.model  # type: ignore[assignment]
        for arg in template.spec.args:
            declared.add(arg.name)
            if arg.value is None and arg.value_from is None and arg.name not in supplied:
                yield ident.finding(
                    path=f"{path}.args",
                    message=f"template {ref.template_name!r} needs argument {arg.name!r}, "
                    "which is not passed",
                    fix=f"add '- name: {arg.name}' with a value under {path}.args",
                    code="missing-arg",
                )
    if all_resolved:
        for k, arg in enumerate(analysis.args):
            if arg.name not in declared:
                yield ident.finding(
                    path=f"{path}.args[{k}]",
                    message=f"argument {arg.name!r} is not declared by any referenced template",
                    fix="remove it, or declare it under the template's spec.args",
                    code="unused-arg",
                    severity="warning",
                )


def _scope_mismatch(ident: Identified, at: str, name: str, *, found_kind: str) -> Finding:
    want_cluster = found_kind == "ClusterAnalysisTemplate"
    return ident.finding(
        path=f"{at}.clusterScope",
        message=f"{name!r} is "
        f"{'a ClusterAnalysisTemplate' if want_cluster else 'an AnalysisTemplate'}"
        ", but the reference looks for "
        f"{'an AnalysisTemplate' if want_cluster else 'a ClusterAnalysisTemplate'}",
        fix=f"set clusterScope: {'true' if want_cluster else 'false'}",
        code="scope-mismatch",
    )


def _unresolved(ident: Identified, at: str, name: str, kind: str) -> Finding:
    return ident.finding(
        path=f"{at}.templateName",
        message=f"{kind} {name!r} is not among the linted files",
        fix="lint the file that defines it too, or make sure it exists in the cluster",
        code="unresolved-template",
        severity="warning",
    )
