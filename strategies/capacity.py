"""Capacity-first traffic: no version gets more traffic than its ready pods can serve.

The peers' outages (reliability.md W3, W4, W6) came from weights that ran
ahead of replicas: 70 % on a canary scaled for 5 %, 100 % dumped on an
HPA-shrunk primary. Here the weight follows capacity, never the reverse.
"""

from __future__ import annotations

__all__ = ["ready_share", "replicas_for", "safe_weight"]


def ready_share(ready: int, replicas: int) -> int:
    """Percent of the needed capacity that is ready, rounded down (100 when none is needed)."""
    if replicas <= 0:
        return 100
    return min(100, ready * 100 // replicas)


def replicas_for(weight: int, replicas: int) -> int:
    """Pods needed to serve `weight` percent of the load of `replicas` pods (rounded up)."""
    return -(-weight * replicas // 100)


def safe_weight(*, target: int, current: int, candidate_share: int, stable_share: int) -> int:
    """The candidate weight to apply now on the way to `target`.

    - Never above the candidate's ready share: traffic never goes to pods
      that are not ready.
    - Up in one move: while the candidate cannot take all of `target`, the
      weight stays where it is (Argo Rollouts' rule: "use the previous weight
      since the new RS is not ready for a new weight"), so each step changes
      the weight once, and a step's analysis never sees a weight the plan
      does not name (20 → 50, never 20 → 25 → 50; reliability.md T1).
    - When traffic moves back to stable (target below `current`), it moves
      only as far as stable's ready share allows; the rest returns step by
      step as stable scales up.
    - Never above ``max(target, current)``: capacity never pushes the
      candidate past the plan.
    """
    if target > current:
        return target if candidate_share >= target else min(current, candidate_share)
    weight = min(target, candidate_share)
    if weight < current:
        weight = max(weight, min(current, candidate_share, 100 - stable_share))
    return weight
