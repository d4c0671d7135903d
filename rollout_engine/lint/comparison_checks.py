"""Semantic checks of comparison metrics: the shape each judge needs from its queries.

The measurers refuse a wrong shape at run time (an Error measurement); these checks say so in
Git, before a rollout waits on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from rollout_engine.api.metric import Comparison, Metric
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.schema import Identified

__all__ = ["check_comparison", "check_kayenta_scoring"]

_ELAPSED: Final = re.compile(r"\{\{\s*elapsed\s*\}\}")
_AGGREGATION: Final = re.compile(r"\b(sum|avg|min|max|count|group|quantile)\b\s*(by|without)?\s*\(")
_KEEPS_LE: Final = re.compile(r"\bby\s*\([^)]*\ble\b[^)]*\)")
_DROPS_LE: Final = re.compile(r"\bwithout\s*\([^)]*\ble\b[^)]*\)")
_SEQUENTIAL: Final = ("sequential-counts", "sequential-latency")


def check_comparison(ident: Identified, metric: Metric, path: str) -> Iterator[Finding]:
    """Findings for one metric's ``comparison`` (nothing for threshold metrics)."""
    comp = metric.comparison
    if comp is None:
        return
    where = f"{path}.comparison"
    if comp.method == "sequential-counts":
        yield from _total_queries(ident, comp, where)
    if comp.method in _SEQUENTIAL:
        yield from _elapsed(ident, comp, where)
    if comp.method == "sequential-latency":
        yield from _buckets(ident, comp, where)
    if comp.method == "mann-whitney":
        yield from _kayenta(ident, metric, path)


def check_kayenta_scoring(ident: Identified, spec: AnalysisTemplateSpec) -> Iterator[Finding]:
    """``spec.kayenta.groupWeights`` may only name groups that a mann-whitney metric declares."""
    if spec.kayenta is None:
        return
    groups: set[str] = set()
    for metric in spec.metrics:
        comp = metric.comparison
        if comp is not None and comp.method == "mann-whitney":
            declared = comp.kayenta.groups if comp.kayenta else []
            groups.update(declared or [metric.name])
    for group in spec.kayenta.group_weights:
        if group not in groups:
            known = ", ".join(sorted(groups)) or "none"
            yield ident.finding(
                path=f"spec.kayenta.groupWeights.{group}",
                message=f"no mann-whitney metric is in group {group!r} (groups: {known})",
                fix="weigh a group listed in comparison.kayenta.groups (or a metric's name)",
                code="unknown-group",
                severity="warning",
            )


def _sides(comp: Comparison) -> Iterator[tuple[str, str | None]]:
    for side_name, side in (("candidate", comp.candidate), ("stable", comp.stable)):
        yield f"{side_name}.query", side.query
        yield f"{side_name}.totalQuery", side.total_query


def _total_queries(ident: Identified, comp: Comparison, where: str) -> Iterator[Finding]:
    for key, text in _sides(comp):
        if key.endswith("totalQuery") and text is None:
            yield ident.finding(
                path=f"{where}.{key}",
                message="sequential-counts compares bad events with all events; "
                "totalQuery is missing",
                fix="add totalQuery counting all requests of this side",
                code="missing-total-query",
            )


def _elapsed(ident: Identified, comp: Comparison, where: str) -> Iterator[Finding]:
    for key, text in _sides(comp):
        if text is not None and not _ELAPSED.search(text):
            yield ident.finding(
                path=f"{where}.{key}",
                message=f"{comp.method} needs counts since the run started; "
                "the query does not use {{elapsed}}",
                fix="count over the whole run, e.g. sum(increase(http_requests_total{…}"
                "[{{elapsed}}]))",
                code="missing-elapsed",
            )


def _buckets(ident: Identified, comp: Comparison, where: str) -> Iterator[Finding]:
    for key, text in _sides(comp):
        if text is None or key.endswith("totalQuery"):
            continue
        aggregated = _AGGREGATION.search(text) is not None
        keeps = _KEEPS_LE.search(text) is not None or (
            "without" in text and _DROPS_LE.search(text) is None
        )
        if "_bucket" not in text or (aggregated and not keeps):
            yield ident.finding(
                path=f"{where}.{key}",
                message="sequential-latency compares histogram buckets: the query must "
                "return one series per le",
                fix="e.g. sum by (le) (increase(http_request_duration_seconds_bucket{…}"
                "[{{elapsed}}]))",
                code="latency-needs-buckets",
            )


def _kayenta(ident: Identified, metric: Metric, path: str) -> Iterator[Finding]:
    prom = metric.provider.prometheus
    if prom is not None and prom.range_query is None:
        yield ident.finding(
            path=f"{path}.provider.prometheus.rangeQuery",
            message="mann-whitney compares time series: the metric needs a rangeQuery",
            fix='add rangeQuery: {start: now() - duration("30m"), step: 1m}',
            code="missing-range-query",
        )
    if metric.count is None:
        yield ident.finding(
            path=f"{path}.count",
            message="mann-whitney passes only at its last look (count); without count it "
            "can never be Successful",
            fix="set count (e.g. 3 with interval 5m)",
            code="kayenta-without-count",
            severity="warning",
        )
