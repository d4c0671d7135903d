"""The controller's public surface is deliberate: ``__all__`` is exactly what it exports."""

from __future__ import annotations

from rollout_engine import controller

MODULES = {
    "annotations",
    "cache",
    "clock",
    "conditions",
    "config",
    "events",
    "finalizer",
    "index",
    "leadership",
    "logs",
    "measuring",
    "metrics",
    "ownership",
    "preflight",
    "problems",
    "reconcile",
    "routers",
    "runs",
    "runtime",
    "secrets",
    "serve",
    "services",
    "sources",
    "status",
    "store",
    "timers",
    "workload",
    "workloads",
    "workqueue",
    "world",
    "writes",
}


def test_the_package_exports_exactly_its_public_names() -> None:
    public = {name for name in vars(controller) if not name.startswith("_")} - MODULES
    assert sorted(controller.__all__) == sorted(public)
    assert len(controller.__all__) == len(set(controller.__all__))


def test_the_router_registry_names_exactly_the_supported_routers() -> None:
    assert sorted(controller.ROUTERS) == ["istio", "nginx"]
