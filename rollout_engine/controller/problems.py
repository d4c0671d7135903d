"""Bad input, as the controller reports it: a Degraded condition, a Warning Event, no crash loop.

A ``Problem`` is something only the Rollout's author (or whoever owns the
referenced object) can fix: a missing Deployment, template or Service, an
invalid condition, an unknown router, a spec the linter refuses. It never
raises out of a reconcile and never touches another rollout.

- ``hold``: the rollout cannot be reconciled safely (its workload or router
  objects are missing or unusable, its spec is invalid): nothing is applied,
  traffic and replicas stay where they are, status says why.
- otherwise (a template is missing or invalid): the rollout is reconciled,
  but no AnalysisRun is created from the bad template, so a step that needs
  it waits (it can never pass) until the template is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollout_engine.errors import SpecError

__all__ = ["Problem", "summary"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what the Rollout references.

    Attributes:
        reason: the condition and Event reason (``InvalidSpec``,
            ``ReferenceNotFound``, ``InvalidTemplate``, ``RouterError``,
            ``ApplyFailed``).
        message: one sentence naming the object and the field path.
        hold: the rollout is held (see the module docstring).
        template: the ``Kind/name`` of a bad template, whose runs are not created.
    """

    reason: str
    message: str
    hold: bool = True
    template: str | None = None

    @classmethod
    def from_error(cls, reason: str, error: SpecError, *, hold: bool = True) -> Problem:
        """From a `SpecError` (its path and message)."""
        return cls(reason, str(error), hold=hold)


def summary(problems: list[Problem]) -> str:
    """All problems in one status message (the first ones, if there are many)."""
    messages = list(dict.fromkeys(p.message for p in problems))
    shown = messages[:3]
    more = len(messages) - len(shown)
    text = "; ".join(shown)
    return f"{text}; and {more} more" if more > 0 else text
