"""Through the real kubectl: discovery, dispatch, exit codes and intents end to end."""

from __future__ import annotations

import json

from tests.e2e.plugin.conftest import Kubectl
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import CANDIDATE_IMAGE, Scene


def test_kubectl_plugin_list_shows_it_without_warnings(kubectl: Kubectl) -> None:
    listed = kubectl("plugin", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1].endswith("/kubectl-rollout_engine")
    assert "warning" not in (listed.stdout + listed.stderr).lower()


def test_help_through_kubectl(kubectl: Kubectl) -> None:
    helped = kubectl("rollout-engine", "--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("Usage: kubectl rollout-engine [OPTIONS] COMMAND [ARGS]...")


def test_list_get_and_promote_through_kubectl(
    kubectl: Kubectl, scene: Scene, apiserver: FakeApiServer
) -> None:
    played = scene.canary_at_analysis()
    scene.blue_green_failed()
    listed = kubectl("rollout-engine", "list", "-A")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0][:3] == ["NAMESPACE", "NAME", "STRATEGY"]
    web = ["storefront", "web", "canary", "Progressing", "3/6", "20%", CANDIDATE_IMAGE]
    assert rows[2][:7] == web

    got = kubectl(
        "rollout-engine",
        "get",
        "web",
        "-n",
        "storefront",
        "--kubeconfig",
        str(apiserver.kubeconfig_for("oncall")),
        env={"KUBECONFIG": "/nonexistent"},
    )
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines()[0] == "Rollout storefront/web  Progressing  canary via nginx"
    assert "▶ 3 analysis success-rate   ← now" in got.stdout
    assert {r.identity for r in apiserver.journal.entries()} >= {"oncall"}

    promoted = kubectl("rollout-engine", "promote", "web", "-n", "storefront", "-o", "json")
    assert promoted.returncode == 0, promoted.stderr
    intent = json.loads(promoted.stdout)["intent"]
    (write,) = apiserver.journal.writes()
    assert write.path.endswith("/namespaces/storefront/rollouts/web/status")
    assert write.user_agent.startswith("kubectl-rollout-engine/")
    status = played.reconcile()
    assert status.last_intent_id == intent["id"] and status.current_step_index == 4


def test_exit_codes_pass_through_kubectl(kubectl: Kubectl, scene: Scene) -> None:
    scene.canary_at_analysis()
    retried = kubectl("rollout-engine", "retry", "web", "-n", "storefront")
    assert (retried.returncode, retried.stdout) == (5, "")
    assert retried.stderr == (
        "error: cannot retry: rollout web is not aborted (it is Progressing)\n"
    )
    missing = kubectl("rollout-engine", "get", "nope", "-n", "storefront")
    assert missing.returncode == 3
    usage = kubectl("rollout-engine", "get", "web", "-o", "wide")
    assert usage.returncode == 2
