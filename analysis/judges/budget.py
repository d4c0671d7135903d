"""The false-rollback budget: one alpha per rollout, shared by every metric and every look.

Why a shared budget. A rollback is a *union* decision: any guardrail that deteriorates rolls the
candidate back. If each of k metrics is tested at level α on its own, and each is re-tested at
every look, the chance that a good candidate is rolled back grows with both k and the number of
looks (statistics.md §2, §8.1). rollout-engine therefore fixes the family-wise false-rollback
rate of a whole rollout — default ``DEFAULT_ALPHA = 0.01`` — and spends it as follows:

* **Looks** cost nothing extra: every sequential judge is anytime-valid (a test supermartingale
  with a running-minimum p-value), so by Ville's inequality P(p_t ≤ a at *any* look) ≤ a.
  The judge's state carries across steps, so one rollout is one test per metric, not one per
  step.
* **Metrics** share the budget by Bonferroni: each of the k deterioration tests gets α/k
  (`per_test_alpha`). Within one metric that tests several things at once (the latency judge's
  bucket boundaries) the e-values are *averaged*, which is itself an e-value, so the metric
  still spends only its α/k.
* **Not in the budget:** the Kayenta-compatible Mann-Whitney judge (a fixed-horizon rule kept
  for parity; statistics.md §1.7 shows its error is not controlled across looks) and threshold
  metrics. A template mixing them with comparison metrics gets the guarantee only for the
  latter. An SRM check spends from the budget only when it is allowed to fail the run.

How one analysis run splits the budget among its metrics, what a per-metric ``comparison.alpha``
does, and what happens across several runs of one rollout: `analysis.comparisons.plan`.

Promotion is a different error (shipping a candidate worse than its margin) and is controlled
separately, by the confidence level of each metric's non-inferiority bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["DEFAULT_ALPHA", "average_e_value", "per_test_alpha", "rollback"]

DEFAULT_ALPHA = 0.01


def per_test_alpha(alpha: float = DEFAULT_ALPHA, *, tests: int) -> float:
    """Bonferroni share of the rollout's budget for each of `tests` deterioration tests."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if tests < 1:
        raise ValueError(f"at least one test shares the budget, got {tests}")
    return alpha / tests


def average_e_value(log_e_values: Sequence[float]) -> float:
    """log of the mean of e-values given as logs: an e-value for their common null."""
    if not log_e_values:
        return 0.0
    top = max(log_e_values)
    if math.isinf(top):
        return top
    return top + math.log(sum(math.exp(v - top) for v in log_e_values) / len(log_e_values))


def rollback(p_values: Sequence[float], *, alpha: float = DEFAULT_ALPHA) -> bool:
    """The union decision: roll back iff some metric's anytime p-value is within its share."""
    if not p_values:
        return False
    share = per_test_alpha(alpha, tests=len(p_values))
    return any(p <= share for p in p_values)
