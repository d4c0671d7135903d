"""The public surface of `rollout_engine.api` and of the exception tree is deliberate."""

from __future__ import annotations

from rollout_engine import api, errors


def test_api_exports_exactly_its_public_names() -> None:
    public = sorted(
        (name for name in vars(api) if not name.startswith("_")),
        key=str.casefold,
    )
    modules = {
        "analysisrun",
        "base",
        "durations",
        "kinds",
        "meta",
        "metric",
        "notifications",
        "rollout",
        "routing",
        "status",
        "template",
        "structural",
        "crdgen",
        "annotations",
        "convert",
    }
    assert len(api.__all__) == len(set(api.__all__))
    assert set(api.__all__) == set(public) - modules


def test_exception_tree_has_one_root() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.RolloutEngineError)
    assert issubclass(errors.Conflict, errors.KubeError)
    assert issubclass(errors.QueryError, errors.ProviderError)
    assert errors.SpecError("bad", path="spec.x").path == "spec.x"
    assert str(errors.SpecError("bad", path="spec.x")) == "spec.x: bad"
