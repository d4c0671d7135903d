"""promote / abort / retry / pause / resume / undo: exactly what is written, and where.

Every intent is one merge patch on the status subresource guarded by the
resourceVersion read; after each, the real engine (a `Played` rollout)
consumes it, so these tests also show the plugin writes what the engine reads.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.apiserver import AuthzRequest, FakeApiServer, Record
from tests.fakes.rollout_scene import CANDIDATE_REVISION, Played, Scene
from tests.unit.cli.plugin.conftest import Plugin

WEB = ("web", "-n", "storefront")


def _status_writes(server: FakeApiServer) -> list[Record]:
    writes = server.journal.writes()
    assert all(w.subresource == "status" for w in writes), "the plugin wrote outside status"
    return writes


def _intent_of(write: Record) -> dict[str, Any]:
    body = json.loads(write.body)
    assert set(body) == {"metadata", "status"}
    assert set(body["status"]) == {"intent"}
    intent: dict[str, Any] = body["status"]["intent"]
    return intent


def _events(played: Played) -> list[tuple[str, str]]:
    return [(e.reason, e.message) for e in played.world.last.events]


def test_promote_is_one_guarded_merge_patch_on_status(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    played = scene.canary_at_analysis()
    ran = plugin("promote", *WEB)
    assert ran.code == 0, ran.err
    (write,) = _status_writes(apiserver)
    assert (write.method, write.path, write.status) == (
        "PATCH",
        "/apis/rollout-engine.io/v1alpha1/namespaces/storefront/rollouts/web/status",
        200,
    )
    assert write.content_type == "application/merge-patch+json"
    assert write.field_manager == "kubectl-rollout-engine"
    assert write.user_agent.startswith("kubectl-rollout-engine/")
    body = json.loads(write.body)
    assert body["metadata"] == {"resourceVersion": write.rv_before}
    intent = _intent_of(write)
    assert intent == {
        "action": "promote",
        "id": intent["id"],
        "requestedAt": "2026-03-01T12:00:00Z",
        "requestedBy": "admin",
        "step": 3,
        "revision": CANDIDATE_REVISION,
        "toRevision": None,
    }
    assert len(intent["id"]) == 20
    assert ran.out.splitlines()[0] == (
        "rollout storefront/web: promote requested: step 3 (analysis success-rate) → "
        "step 4 (setWeight 50%)"
    )
    status = played.reconcile()
    assert status.last_intent_id == intent["id"]
    assert status.current_step_index == 4
    assert (
        "RolloutStepCompleted",
        "step 3 of 6 (analysis success-rate) skipped by promote "
        "(admin); its run is stopped and not counted as a pass",
    ) in _events(played)


def test_a_double_promote_advances_one_step(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    played = scene.canary_at_analysis()
    first = plugin("promote", *WEB)
    second = plugin("promote", *WEB)
    assert (first.code, second.code) == (0, 0)
    assert "already requested by admin" in second.out and "nothing written" in second.out
    assert len(_status_writes(apiserver)) == 1
    played.reconcile()
    assert played.world.step == 4  # one step (3 → 4), not two
    # NB: a promote aimed at a step already passed (a stale screen) is ignored by the engine
    played.world.intent("promote", step=3)
    played.write()
    played.reconcile()
    ignored = [m for reason, m in _events(played) if reason == "IntentIgnored"]
    assert ignored and ignored[0].endswith("it was meant for step 3; the rollout is at step 4")


def test_a_pending_intent_is_not_overwritten_except_by_abort(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    played = scene.canary_at_analysis()
    assert plugin("promote", *WEB).code == 0
    paused = plugin("pause", *WEB)
    assert paused.code == 5
    assert paused.err.startswith("error: cannot pause: a promote by admin (intent ")
    aborted = plugin("abort", *WEB)
    assert aborted.code == 0
    assert "replaces the pending promote" in aborted.out
    writes = _status_writes(apiserver)
    assert [_intent_of(w)["action"] for w in writes] == ["promote", "abort"]
    status = played.reconcile()
    assert status.abort and status.phase == "Degraded"
    assert status.abort_reason == "aborted by a person (admin)"


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ("canary", ("promote", "--full"), {"action": "promote-full", "step": 3}),
        ("canary", ("abort",), {"action": "abort", "step": 3}),
        ("canary", ("pause",), {"action": "pause", "step": 3}),
        ("canary", ("undo",), {"action": "undo", "step": 3}),
        ("canary", ("undo", "--to-revision", "4"), {"action": "undo", "toRevision": 4}),
        ("failed", ("retry",), {"action": "retry", "step": 1}),
    ],
)
def test_each_command_writes_its_intent_and_the_engine_applies_it(
    scene: Scene,
    plugin: Plugin,
    apiserver: FakeApiServer,
    *,
    setup: str,
    args: tuple[str, ...],
    expected: dict[str, Any],
) -> None:
    if setup == "canary":
        played, where = scene.canary_at_analysis(), WEB
    else:
        played, where = scene.blue_green_failed(), ("checkout", "-n", "shop")
    ran = plugin(args[0], *where, *args[1:])
    assert ran.code == 0, ran.err
    (write,) = _status_writes(apiserver)
    intent = _intent_of(write)
    assert {k: intent[k] for k in expected} == expected
    assert intent["revision"] == played.world.candidate_revision
    played.reconcile()
    assert played.world.status is not None
    assert played.world.status.last_intent_id == intent["id"]
    assert not [m for reason, m in _events(played) if reason == "IntentIgnored"]


def test_resume_after_pause_and_the_messages_of_each_step(scene: Scene, plugin: Plugin) -> None:
    played = scene.canary_at_analysis()
    assert plugin("resume", *WEB).err == "error: cannot resume: rollout web is not paused\n"
    paused = plugin("pause", *WEB)
    assert paused.out.startswith(
        "rollout storefront/web: pause requested at step 3 (analysis success-rate)"
    )
    played.reconcile()
    again = plugin("pause", *WEB)
    assert (again.code, again.err) == (5, "error: cannot pause: rollout web is already paused\n")
    assert plugin("get", *WEB).out.splitlines()[0].endswith("Paused  canary via nginx")
    resumed = plugin("resume", *WEB)
    assert resumed.code == 0
    status = played.reconcile()
    assert status.pause_conditions == [] and status.phase == "Progressing"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("canary", ("retry",), "cannot retry: rollout web is not aborted (it is Progressing)"),
        ("healthy", ("promote",), "nothing to promote: rollout search is Healthy"),
        ("healthy", ("abort",), "nothing to abort: rollout search is Healthy"),
        ("healthy", ("pause",), "nothing to pause: rollout search is Healthy"),
        ("healthy", ("resume",), "cannot resume: rollout search is not paused"),
        ("healthy", ("undo",), "nothing to undo: no earlier revision of rollout search is known"),
        ("failed", ("promote",), "cannot promote: rollout checkout is aborted; retry it first"),
        ("failed", ("abort",), "nothing to abort: rollout checkout is already aborted"),
    ],
)
def test_invalid_states_are_clear_errors_with_exit_code_5(
    scene: Scene,
    plugin: Plugin,
    apiserver: FakeApiServer,
    *,
    setup: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    where = {
        "canary": (scene.canary_at_analysis, WEB),
        "healthy": (scene.ab_test_healthy, ("search", "-n", "shop")),
        "failed": (scene.blue_green_failed, ("checkout", "-n", "shop")),
    }[setup]
    where[0]()
    ran = plugin(args[0], *where[1], *args[1:])
    assert ran.code == 5
    assert ran.err.startswith(f"error: {message}")
    assert "Traceback" not in ran.err and ran.out == ""
    assert apiserver.journal.writes() == []


def test_resume_explains_a_pause_step_and_an_inconclusive_verdict(
    scene: Scene, plugin: Plugin
) -> None:
    played = scene.canary_at_analysis()
    played.world.verdict("web-7d9f5c6b8-3", "Inconclusive", "too few requests")
    played.reconcile()
    ran = plugin("resume", *WEB)
    assert ran.code == 5
    assert ran.err == (
        "error: cannot resume: rollout web is not paused by a person; an analysis was "
        "inconclusive at step 3 (analysis success-rate): promote passes it, abort rolls back\n"
    )
    assert plugin("promote", *WEB).code == 0
    status = played.reconcile()
    assert status.current_step_index == 4 and status.phase == "Progressing"


def test_not_found_has_its_own_exit_code(scene: Scene, plugin: Plugin) -> None:
    for command in ("promote", "abort", "retry", "pause", "resume", "undo", "get"):
        ran = plugin(command, "nope", "-n", "shop")
        assert (ran.code, ran.err) == (3, 'error: rollout "nope" not found in namespace "shop"\n')


def test_forbidden_respects_the_callers_rbac(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()

    def rbac(request: AuthzRequest) -> bool:
        writes_status = request.verb == "patch" and request.subresource == "status"
        return request.identity != "viewer" or not writes_status

    apiserver.authorize(rbac)
    ran = plugin("promote", *WEB, identity="viewer")
    assert ran.code == 4
    first, hint = ran.err.splitlines()
    assert first == (
        'error: forbidden: patch Rollout web status: rollouts "web" is forbidden: User "viewer" '
        'cannot patch resource "rollouts/status" in API group "rollout-engine.io" in the '
        'namespace "storefront"'
    )
    assert "your own credentials" in hint
    (refused,) = [r for r in apiserver.journal.entries() if r.status == 403]
    assert refused.identity == "viewer"
    assert plugin("get", *WEB, identity="viewer").code == 0  # reading is allowed
    assert plugin("promote", *WEB, identity="admin").code == 0


def test_a_conflict_is_reread_and_retried_once(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    apiserver.faults.fail(409, verb="patch", resource="rollouts/status", times=1)
    ran = plugin("promote", *WEB)
    assert ran.code == 0, ran.err
    writes = _status_writes(apiserver)
    assert [w.status for w in writes] == [409, 200]
    assert _intent_of(writes[0]) == _intent_of(writes[1])
    reads = [r for r in apiserver.journal.entries(verb="get", resource="rollouts")]
    assert len(reads) == 2  # NB: re-read before the retry


def test_a_second_conflict_gives_up_with_exit_code_6(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    scene.canary_at_analysis()
    apiserver.faults.fail(409, verb="patch", resource="rollouts/status", times=2)
    ran = plugin("abort", *WEB)
    assert ran.code == 6
    assert ran.err.startswith("error: conflict: patch Rollout web status: ")
    assert "nothing was written" in ran.err
    assert [w.status for w in _status_writes(apiserver)] == [409, 409]


def test_a_controller_write_in_between_is_a_real_conflict_and_is_checked_again(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer
) -> None:
    played = scene.canary_at_analysis()
    moved: list[int] = []

    def controller_moves_on(record: Record) -> None:
        if record.verb == "get" and record.resource == "rollouts" and not moved:
            moved.append(record.seq)
            played.world.verdict("web-7d9f5c6b8-3", "Successful")
            played.reconcile(after=timedelta(seconds=5))

    unsubscribe = apiserver.journal.subscribe(controller_moves_on)
    ran = plugin("promote", *WEB)
    unsubscribe()
    assert played.world.step == 4
    assert ran.code == 6
    assert ran.err.startswith(
        "error: rollout web moved on while the promote was being written (step 3 → 4"
    )
    assert [w.status for w in apiserver.journal.writes(identity="admin")] == [409]


def test_json_and_yaml_results_of_an_intent(scene: Scene, plugin: Plugin) -> None:
    scene.canary_at_analysis()
    written = plugin("pause", *WEB, "-o", "json").json()
    assert set(written) == {
        "kind",
        "version",
        "rollout",
        "namespace",
        "result",
        "intent",
        "replaced",
    }
    assert (written["kind"], written["version"], written["result"]) == (
        "IntentResult",
        1,
        "written",
    )
    assert written["intent"]["action"] == "pause" and written["intent"]["applied"] is False
    again = plugin("pause", *WEB, "-o", "yaml")
    assert again.code == 0
    assert "result: already-requested" in again.out.splitlines()
