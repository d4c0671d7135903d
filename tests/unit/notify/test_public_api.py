"""The public surface of rollout_engine.notify is exactly its __all__ (httpx style)."""

from __future__ import annotations

from types import ModuleType

from rollout_engine import notify


def test_notify_exports_exactly_its_public_names() -> None:
    public = {
        name
        for name, value in vars(notify).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    } - {"annotations"}
    assert len(notify.__all__) == len(set(notify.__all__))
    assert set(notify.__all__) == public
