"""Semantic checks of AnalysisTemplates: conditions, arguments, limits, queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analysis.args import ArgValue
from analysis.conditions import compile_condition
from analysis.spec import compile_run
from rollout_engine.api.base import ARG_PLACEHOLDER, BUILTIN_PLACEHOLDERS
from rollout_engine.api.metric import Metric
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import SpecError
from rollout_engine.lint.comparison_checks import check_comparison, check_kayenta_scoring
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.schema import Identified

__all__ = ["check_template"]

_ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")


def check_template(ident: Identified) -> Iterator[Finding]:
    """All semantic findings for an (already schema-valid) template."""
    findings = list(_checks(ident))
    yield from findings
    if not any(f.severity == "error" for f in findings):
        yield from _compiles(ident)


def _compiles(ident: Identified) -> Iterator[Finding]:
    """What the engine itself refuses when it compiles the run (a last line, after the rest).

    Arguments take their defaults, or a neutral ``1`` when the Rollout supplies
    them, so a default that would change a query's structure is caught here.
    """
    spec: AnalysisTemplateSpec = ident.model.spec  # type: ignore[union-attr]
    args = {a.name: ArgValue(a.value if a.value is not None else "1") for a in spec.args}
    try:
        compile_run(spec, args=args)
    except SpecError as exc:
        yield ident.finding(
            path=exc.path,
            message=exc.detail,
            fix="change the template so the engine can run it (see the message)",
            code="invalid-metric",
        )


def _checks(ident: Identified) -> Iterator[Finding]:
    spec: AnalysisTemplateSpec = ident.model.spec  # type: ignore[union-attr]
    declared = {a.name for a in spec.args}
    seen: set[str] = set()
    for i, metric in enumerate(spec.metrics):
        path = f"spec.metrics[{i}]"
        if metric.name in seen:
            yield ident.finding(
                path=f"{path}.name",
                message=f"metric name {metric.name!r} is used twice",
                fix="give every metric a unique name",
                code="duplicate-metric",
            )
        seen.add(metric.name)
        yield from _placeholders(ident, ident.doc.body["spec"]["metrics"][i], path, declared)
        yield from _conditions(ident, metric, path)
        yield from _limits(ident, metric, path)
        yield from check_comparison(ident, metric, path)
        yield from _provider(ident, metric, path)
    yield from _regexes(ident, spec)
    yield from check_kayenta_scoring(ident, spec)


def _placeholders(ident: Identified, raw: Any, path: str, declared: set[str]) -> Iterator[Finding]:
    for where, text in _strings(raw, path):
        for match in _ANY_PLACEHOLDER.finditer(text):
            arg = ARG_PLACEHOLDER.fullmatch(match.group(0))
            if arg is None and match.group(1).strip() in BUILTIN_PLACEHOLDERS:
                continue
            if arg is None:
                yield ident.finding(
                    path=where,
                    message=f"unknown placeholder {match.group(0)!r}",
                    fix="write {{args.NAME}} for a declared argument, or one of: "
                    + ", ".join("{{" + b + "}}" for b in BUILTIN_PLACEHOLDERS),
                    code="unknown-placeholder",
                )
            elif arg.group(1) not in declared:
                yield ident.finding(
                    path=where,
                    message=f"uses argument {arg.group(1)!r}, which spec.args does not declare",
                    fix=f"add '- name: {arg.group(1)}' under spec.args",
                    code="undeclared-arg",
                )


def _strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")


def _conditions(ident: Identified, metric: Metric, path: str) -> Iterator[Finding]:
    for field, expr in (
        ("successCondition", metric.success_condition),
        ("failureCondition", metric.failure_condition),
    ):
        if not expr:
            continue
        try:
            compile_condition(ARG_PLACEHOLDER.sub("0", expr), path=f"{path}.{field}")
        except SpecError as exc:
            yield ident.finding(
                path=f"{path}.{field}",
                message=exc.detail,
                fix="write a CEL expression over `result`, e.g. result[0] >= 0.95",
                code="bad-condition",
            )


def _limits(ident: Identified, metric: Metric, path: str) -> Iterator[Finding]:
    count = metric.count if isinstance(metric.count, int) else None
    if count is not None and count > 1 and metric.interval is None:
        yield ident.finding(
            path=f"{path}.count",
            message=f"count {count} needs an interval between measurements",
            fix="add interval: (e.g. 1m)",
            code="count-without-interval",
        )
    failure = metric.failure_limit if isinstance(metric.failure_limit, int) else None
    if failure is not None and failure < -1:
        yield ident.finding(
            path=f"{path}.failureLimit",
            message=f"failureLimit must be -1 (disabled) or more, got {failure}",
            fix="use -1 to disable, or the number of failures to tolerate",
            code="bad-limit",
        )
    for field, limit in (
        ("failureLimit", failure),
        ("inconclusiveLimit", metric.inconclusive_limit),
    ):
        if count is not None and isinstance(limit, int) and limit > count:
            yield ident.finding(
                path=f"{path}.{field}",
                message=f"{field} {limit} exceeds count {count}, so it can never trip",
                fix=f"lower {field} or raise count",
                code="bad-limit",
            )


def _provider(ident: Identified, metric: Metric, path: str) -> Iterator[Finding]:
    prom = metric.provider.prometheus
    if prom is None:
        return
    address = prom.address
    if (
        address
        and not ARG_PLACEHOLDER.search(address)
        and not re.match(r"^https?://[^/\s]+", address)
    ):
        yield ident.finding(
            path=f"{path}.provider.prometheus.address",
            message=f"not an http(s) URL: {address!r}",
            fix="write the address as http://host:port",
            code="bad-address",
        )
    for j, header in enumerate(prom.headers):
        if header.key.lower() == "authorization" and not ARG_PLACEHOLDER.search(header.value):
            yield ident.finding(
                path=f"{path}.provider.prometheus.headers[{j}]",
                message="credentials written inline in a header end up in Git",
                fix="use provider.prometheus.authentication with a secretKeyRef",
                code="inline-credentials",
                severity="warning",
            )


def _regexes(ident: Identified, spec: AnalysisTemplateSpec) -> Iterator[Finding]:
    named: list[tuple[str, list[str]]] = [
        ("dryRun", [d.metric_name for d in spec.dry_run]),
        ("measurementRetention", [m.metric_name for m in spec.measurement_retention]),
    ]
    for field, patterns in named:
        for i, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                yield ident.finding(
                    path=f"spec.{field}[{i}].metricName",
                    message=f"not a valid regular expression: {exc}",
                    fix="write a regular expression matching metric names, e.g. '.*' or 'error-.*'",
                    code="bad-regex",
                )
