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
    - When traffic moves back to stable (target below `current`), it moves
      only as far as stable's ready share allows; the rest returns step by
      step as stable scales up.
    - Never above ``max(target, current)``: capacity never pushes the
      candidate past the plan.
    """
    weight = min(target, candidate_share)
    if weight < current:
        weight = max(weight, min(current, candidate_share, 100 - stable_share))
    return weight
