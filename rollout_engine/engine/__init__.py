"""Orchestration shared by the controller and the local sandbox, pure of Kubernetes.

The controller (in a cluster) and the sandbox (on one machine) drive the
same pure layers the same way: they build AnalysisRuns from the templates a
strategy asks for (:mod:`.runs`) and advance them — start, measure what is
due, terminate — with one function (:mod:`.measuring`). What differs is only
where the values live (AnalysisRun objects and their status subresource, or
memory) and how they are written; that part stays in each shell.
"""

from __future__ import annotations

from rollout_engine.engine.measuring import ProviderFor, RunStep, provider_for, step_run
from rollout_engine.engine.runs import run_spec, run_state, template_ids

__all__ = [
    "ProviderFor",
    "RunStep",
    "provider_for",
    "run_spec",
    "run_state",
    "step_run",
    "template_ids",
]
