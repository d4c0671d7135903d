"""Argo Rollouts and Flagger manifests as our Rollouts: every canary or blue/green plan maps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rollout_engine.api.convert import convert, source_of
from rollout_engine.errors import SpecError
from strategies import build_plan
from tests.paths import CORPUS


def _manifests() -> list[tuple[str, int, dict[str, Any]]]:
    found = []
    for path in sorted(CORPUS.glob("*/*.yaml")):
        for i, body in enumerate(yaml.safe_load_all(path.read_text())):
            if isinstance(body, dict):
                found.append((f"{path.parent.name}/{path.name}", i, body))
    return found


PLANS = [(name, body) for name, _, body in _manifests() if source_of(body) is not None]


def test_the_corpus_holds_the_expected_rollouts_and_canaries() -> None:
    names = sorted({name for name, _ in PLANS})
    argo = [n for n in names if n.startswith("argo/")]
    flagger = [n for n in names if n.startswith("flagger/")]
    assert len(argo) == 16 and len(flagger) == 10
    # The only Flagger file that names a plan without being a Canary is a fragment.
    fragment = yaml.safe_load(
        (CORPUS / "flagger" / "13-webhooks-all-types-snippet.yaml").read_text()
    )
    assert set(fragment) == {"analysis"} and source_of(fragment) is None


@pytest.mark.parametrize(("name", "body"), PLANS, ids=[n for n, _ in PLANS])
def test_every_peer_plan_converts_and_plans(name: str, body: dict[str, Any]) -> None:
    conversion = convert(body)
    plan = build_plan(conversion.rollout)
    assert plan.steps, name
    assert conversion.rollout.metadata.name == body["metadata"]["name"]
    for note in conversion.notes:
        assert note.path and note.message and note.action in ("dropped", "approximated", "assumed")


def _one(path: str, kind: str = "Rollout") -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all((CORPUS / path).read_text()) if isinstance(d, dict)]
    return next(d for d in docs if d.get("kind") in (kind, "Canary"))


def _notes(path: str) -> dict[str, str]:
    return {n.path: f"{n.action}: {n.message}" for n in convert(_one(path)).notes}


def test_argo_canary_fields_carry_over() -> None:
    rollout = convert(_one("argo/16-canary-istio-background-analysis-fieldref-args.yaml")).rollout
    canary = rollout.spec.strategy.canary
    assert canary is not None
    assert (canary.canary_service, canary.stable_service) == (
        "istio-rollout-canary",
        "istio-rollout-stable",
    )
    assert canary.analysis is not None and canary.analysis.starting_step == 1
    assert canary.analysis.args[1].value_from is not None
    assert canary.traffic_routing is not None and canary.traffic_routing.istio is not None
    assert len(canary.steps) == 18


def test_argo_header_routes_and_subsets_carry_over() -> None:
    rollout = convert(_one("argo/04-canary-istio-setheaderroute.yaml")).rollout
    plan = build_plan(rollout)
    assert [[r.name for r in s.routes] for s in plan.steps][1:3] == [
        ["set-header-1"],
        ["set-header-1"],
    ]
    subset = convert(_one("argo/03-canary-istio-subset-split.yaml")).rollout.spec.strategy.canary
    assert subset is not None and subset.traffic_routing is not None
    assert (
        subset.traffic_routing.istio is not None
        and subset.traffic_routing.istio.destination_rule is not None
    )


def test_what_argo_has_and_we_do_not_is_reported_precisely() -> None:
    mirror = _notes("argo/05-canary-istio-setmirrorroute.yaml")
    assert (
        mirror["spec.strategy.canary.steps[1].setMirrorRoute"]
        == "dropped: mirror routes are not supported"
    )
    experiment = _notes("argo/13-canary-istio-experiment-step.yaml")
    assert experiment["spec.strategy.canary.steps[1].experiment"].startswith(
        "dropped: experiments have no equivalent"
    )
    legacy = _notes("argo/19-canary-legacy-templatename-analysis.yaml")
    assert legacy["spec.strategy.canary.analysis.templateName"].startswith("approximated:")
    template = _notes("argo/01-canary-istio-host-multi-vsvc-rollout.yaml")
    assert (
        "move this pod template into a Deployment named rollouts-demo" in template["spec.template"]
    )
    notify = _notes("argo/15-canary-notifications-subscribe.yaml")
    assert any(k.startswith("metadata.annotations[notifications.argoproj.io/") for k in notify)


def test_argo_blue_green_carries_over() -> None:
    bg = convert(
        _one("argo/23-bluegreen-pre-post-promotion-clusterscope.yaml")
    ).rollout.spec.strategy.blue_green
    assert bg is not None and not bg.auto_promotion_enabled
    assert (
        bg.pre_promotion_analysis is not None
        and bg.pre_promotion_analysis.templates[0].cluster_scope
    )


def test_flagger_step_weights_become_set_weight_and_pause_steps() -> None:
    conversion = convert(_one("flagger/04-nginx-canary.yaml"))
    plan = build_plan(conversion.rollout)
    weights = [s.weight for s in plan.steps if s.action == "setWeight"]
    assert weights == list(range(5, 55, 5))
    pauses = [s.pause.duration.total_seconds() for s in plan.steps if s.pause and s.pause.duration]
    assert set(pauses) == {10.0}  # analysis.interval
    assert plan.background is not None
    canary = conversion.rollout.spec.strategy.canary
    assert canary is not None and canary.traffic_routing is not None
    assert (
        canary.traffic_routing.nginx is not None
        and canary.traffic_routing.nginx.stable_ingress == "podinfo"
    )
    explicit = build_plan(convert(_one("flagger/09-linkerd-canary-stepweights.yaml")).rollout)
    assert [s.weight for s in explicit.steps if s.action == "setWeight"] == [
        5,
        10,
        15,
        20,
        25,
        30,
        35,
        40,
        45,
        50,
        55,
    ]


def test_flagger_overshoot_is_capped_and_said() -> None:
    body = _one("flagger/10-istio-session-affinity-canary.yaml")
    body["spec"]["analysis"].update(stepWeight=20, maxWeight=50)
    conversion = convert(body)
    weights = [s.weight for s in build_plan(conversion.rollout).steps if s.action == "setWeight"]
    assert weights == [20, 40, 50]
    assert any("reaches 60%" in n.message for n in conversion.notes)


def test_flagger_ab_tests_map_headers_and_recognise_the_cookie_idiom() -> None:
    ab = convert(_one("flagger/02-istio-abtest.yaml")).rollout.spec.strategy.ab_test
    assert ab is not None
    cookie, agent = ab.match
    assert (cookie.cookie_name, cookie.cookie_value) == ("type", "insider")
    assert agent.header_name == "user-agent" and agent.header_value is not None
    assert agent.header_value.regex == ".*Firefox.*"
    assert (ab.iterations, ab.interval) == (10, "15s")
    nginx = convert(_one("flagger/05-nginx-abtest-canary.yaml"))
    assert nginx.rollout.spec.strategy.ab_test is not None
    routing = nginx.rollout.spec.strategy.ab_test.traffic_routing
    assert routing is not None and routing.nginx is not None  # an ingressRef means nginx
    assert nginx.rollout.spec.strategy.ab_test.analysis is not None
    assert [a.name for a in nginx.rollout.spec.strategy.ab_test.analysis.args] == ["path"]


def test_flagger_blue_green_and_its_gates() -> None:
    bg = convert(
        _one("flagger/06-kubernetes-blue-green-canary.yaml")
    ).rollout.spec.strategy.blue_green
    assert bg is not None and bg.active_service == "podinfo" and bg.auto_promotion_enabled
    assert bg.pre_promotion_analysis is not None
    gate = convert(_one("flagger/08-istio-abtest-confirm-promotion.yaml"))
    assert any("confirm-promotion becomes a wait for a person" in n.message for n in gate.notes)
    partial = _notes("flagger/07-istio-blue-green-mirroring.yaml")
    assert partial["spec.targetRef"] == "assumed: missing: assumed the Deployment podinfo"
    assert partial["spec.analysis.mirror"] == "dropped: traffic mirroring is not supported"


def test_flagger_webhooks_and_unsupported_fields_are_each_reported() -> None:
    notes = _notes("flagger/01-istio-canary.yaml")
    assert (
        notes["spec.analysis.webhooks[0]"]
        == "dropped: pre-rollout webhook 'conformance-test': webhooks are not supported"
    )
    assert notes["spec.analysis.threshold"].startswith("dropped: Flagger's budget of failed checks")
    assert notes["spec.autoscalerRef"].startswith("dropped:")
    assert notes["spec.skipAnalysis"].startswith("dropped:")
    assert "spec.provider" not in notes  # istio, said explicitly
    linkerd = _notes("flagger/09-linkerd-canary-stepweights.yaml")
    assert linkerd["spec.provider"] == "dropped: linkerd is not supported (istio or nginx)"


def test_anything_else_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not an Argo Rollouts Rollout or a Flagger Canary"):
        convert({"apiVersion": "apps/v1", "kind": "Deployment"})
    with pytest.raises(SpecError, match="neither a canary nor a blueGreen"):
        convert(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Rollout",
                "metadata": {"name": "x"},
                "spec": {"strategy": {}},
            }
        )
    with pytest.raises(SpecError) as caught:
        convert(
            {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Rollout",
                "metadata": {"name": "x"},
                "spec": {"strategy": {"canary": {"steps": [{"setWeight": 120}]}}},
            }
        )
    assert "setWeight" in caught.value.path
