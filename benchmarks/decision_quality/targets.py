"""Check the issue's targets against the table rows, met or missed, with the numbers that decide."""

from __future__ import annotations

import math

from benchmarks.decision_quality.report import Row

__all__ = ["targets"]

OURS, DM = "ours (sequential)", "plain DM (errors)"


def _row(rows: list[Row], scenario: str, method: str) -> Row | None:
    return next((r for r in rows if r.scenario == scenario and r.method == method), None)


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _aa(rows: list[Row]) -> str:
    row = _row(rows, "A/A", OURS)
    if row is None:
        return ""
    ok = row.ci_low <= 0.01 and row.rollback <= 0.01
    worst = max((r for r in rows if r.method == OURS and r.null), key=lambda r: r.rollback)
    return (
        f"- A/A false rollback ≤ 1 % at the defaults: {_mark(ok)} — {100 * row.rollback:.2f} % "
        f"[{100 * row.ci_low:.2f}–{100 * row.ci_high:.2f}] over {row.reps} rollouts; worst A/A "
        f"cell: {worst.scenario}, {100 * worst.rollback:.1f} %.\n"
    )


def _oracle(rows: list[Row]) -> str:
    parts, ok, dm_ok = [], True, True
    for ratio in ("1.5", "2", "3"):
        row = _row(rows, f"w=10 % errors ×{ratio}", OURS)
        dm = _row(rows, f"w=10 % errors ×{ratio}", DM)
        if row is None or dm is None or math.isnan(row.ttd_median):
            continue
        factor = row.ttd_median / row.oracle
        ok &= factor <= 1.5
        dm_ok &= row.ttd_median <= dm.ttd_median
        parts.append(f"×{ratio}: {factor:.2f}× oracle (DM {dm.ttd_median / row.oracle:.2f}×)")
    return (
        f"- Median time-to-detect ≤ 1.5× the SPRT oracle (10 % weight, ratios 1.5–3): "
        f"{_mark(ok)} — {'; '.join(parts)}.\n"
        f"- Never slower than the plain Dirichlet-multinomial test there: {_mark(dm_ok)}.\n"
    )


def _peers(rows: list[Row]) -> str:
    worse_fp, slower = [], []
    for row in rows:
        if row.method in (OURS, DM):
            continue
        ours = _row(rows, row.scenario, OURS)
        if ours is None:
            continue
        if row.null and row.rollback <= ours.rollback:
            worse_fp.append(f"{row.method} on {row.scenario}")
        if not row.null and not math.isnan(row.ttd_median) and row.ttd_median < ours.ttd_median:
            slower.append(f"{row.method} on {row.scenario}")
    return (
        f"- Fewer false rollbacks than every peer rule on every A/A cell: {_mark(not worse_fp)}"
        f"{' — not on: ' + ', '.join(worse_fp) if worse_fp else ''}.\n"
        f"- Faster median detection than every peer rule: {_mark(not slower)}"
        f"{' — a peer is faster on: ' + ', '.join(slower) if slower else ''}.\n"
    )


def _promotion(rows: list[Row]) -> str:
    cells = [r for r in rows if r.method == OURS and "errors ×2" in r.scenario]
    worst = max(cells, key=lambda r: r.promoted, default=None)
    if worst is None:
        return ""
    return (
        f"- False promotion of a 2× error regression ≤ 1 %: {_mark(worst.promoted <= 0.01)} — "
        f"at most {100 * worst.promoted:.1f} % ({worst.scenario}).\n"
    )


def targets(rows: list[Row]) -> str:
    return "## Targets\n\n" + _aa(rows) + _oracle(rows) + _peers(rows) + _promotion(rows)
