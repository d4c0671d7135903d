"""The controller: reconciles Rollouts in a cluster through the strategy engine and the analysis.

Module map (one concern each), in the order a reconcile uses them:

=====================  ==============================================================
``runtime``            the running process: watches → queue → workers; timers; notify
``sources``, ``index`` watch events → the keys of the Rollouts they concern
``workqueue``          de-duplicated keys, one worker per key, back-off capped at 30 s
``timers``             APScheduler jobs that only enqueue, at the engine's wake-up times
``reconcile``          the named steps of one reconcile
``world``              step 1: read the Rollout and everything it references
``preflight``          the linter's checks on what is in the cluster (bad input → Problem)
``workload``           revisions, the primary's template, readiness, the service's size
``routers``            the TrafficRouter Protocol, its registry, Istio and NGINX
``status``             the one status write per reconcile, with the notification outbox
``workloads``          Deployments: create/roll/scale the primary, scale the workload, undo
``services``           Services select the slot the engine says
``runs``, ``measuring``  AnalysisRuns: create/adopt, measure what is due, write status
``events``             Kubernetes Events with counts
``writes``             the single write path (guard and after-write hooks for part 2)
``conditions``, ``problems``  Degraded with a precise message, never a crash loop
``metrics``, ``serve``, ``logs``  /metrics, /healthz, /readyz, JSON logs
=====================  ==============================================================
"""

from __future__ import annotations

from rollout_engine.controller.clock import Clock, system_clock
from rollout_engine.controller.config import ControllerConfig, load_notify_config
from rollout_engine.controller.reconcile import Outcome, Reconciler
from rollout_engine.controller.routers import ROUTERS, TrafficRouter
from rollout_engine.controller.runtime import Controller
from rollout_engine.controller.writes import Writer, WriteRecord

__all__ = [
    "ROUTERS",
    "Clock",
    "Controller",
    "ControllerConfig",
    "Outcome",
    "Reconciler",
    "TrafficRouter",
    "WriteRecord",
    "Writer",
    "load_notify_config",
    "system_clock",
]
