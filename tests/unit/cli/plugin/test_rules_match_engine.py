"""The plugin refuses exactly the intents the engine would ignore, in every stage.

For each rollout state (made by the real engine) and each action, the
plugin's check (`rules.check`) is compared with what `strategies.advance`
does with the intent the plugin would write: accepted ⇔ applied (no
IntentIgnored event). A drift between the two means a person gets an error
for something the engine would do, or a silent no-op the plugin promised.

Not covered, on purpose: a Rollout with no status at all (before the
controller's first reconcile). The plugin refuses every intent there, while
the engine's first reconcile would start the rollout and might then apply
it; refusing is the safe side of that race.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from rollout_engine.api.status import IntentAction
from rollout_engine.cli.plugin.request import new_intent
from rollout_engine.cli.plugin.rules import check
from strategies import build_plan
from tests.fakes.rollout_world import World, canary_rollout, rollout_from_yaml

STEPS = [
    {"setWeight": 20},
    {"pause": {}},
    {"analysis": {"templates": [{"templateName": "t"}]}},
    {"setWeight": 50},
]
BACKGROUND = {"templates": [{"templateName": "bg"}]}
BLUE_GREEN = """
apiVersion: rollout-engine.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop, generation: 1}
spec:
  workloadRef: {name: web}
  strategy:
    blueGreen:
      autoPromotionEnabled: false
"""
ACTIONS: list[IntentAction] = [
    "promote",
    "promote-full",
    "abort",
    "retry",
    "pause",
    "resume",
    "undo",
]


def _at_pause_step() -> World:
    world = World(canary_rollout(STEPS))
    world.settle()
    assert world.step == 1
    return world


def _at_analysis() -> World:
    world = _at_pause_step()
    world.intent("promote", step=1)
    world.settle()
    assert world.step == 2
    return world


def _run(world: World) -> str:
    status = world.status
    assert status is not None and status.canary is not None
    name = status.canary.current_step_analysis_run
    assert name is not None
    return name


def _inconclusive() -> World:
    world = _at_analysis()
    world.verdict(_run(world), "Inconclusive", "too few requests")
    world.settle()
    return world


def _user_paused() -> World:
    world = _at_analysis()
    world.intent("pause", step=2)
    world.settle()
    return world


def _aborted() -> World:
    world = _at_analysis()
    world.verdict(_run(world), "Failed", "error ratio 3.1x the stable's")
    world.settle()
    return world


def _healthy_after_a_rollout() -> World:
    world = _at_analysis()
    world.verdict(_run(world), "Successful")
    world.settle()
    world.reconcile(after=timedelta(minutes=5))
    world.settle()
    assert world.status is not None and world.status.phase == "Healthy"
    return world


def _first_deploy() -> World:
    world = World(canary_rollout(STEPS), stable_revision=None)
    world.settle()
    return world


def _promoting_behind_background() -> World:
    world = World(canary_rollout(STEPS, analysis=BACKGROUND))
    world.settle()
    world.intent("promote", step=1)
    world.settle()
    world.verdict(_run(world), "Successful")
    world.settle()
    assert world.status is not None and world.status.current_step_index == len(STEPS)
    return world


def _blue_green_preview_without_capacity() -> World:
    world = World(rollout_from_yaml(BLUE_GREEN), candidate_cap=0)
    world.settle()
    assert world.step == 0
    return world


def _blue_green_at_the_gate() -> World:
    world = World(rollout_from_yaml(BLUE_GREEN))
    world.settle()
    return world


STATES: dict[str, Callable[[], World]] = {
    "pause step": _at_pause_step,
    "analysis running": _at_analysis,
    "inconclusive": _inconclusive,
    "paused by a person": _user_paused,
    "aborted": _aborted,
    "healthy after a rollout": _healthy_after_a_rollout,
    "first deploy done": _first_deploy,
    "promoting behind a background run": _promoting_behind_background,
    "blue/green preview without capacity": _blue_green_preview_without_capacity,
    "blue/green at the promotion gate": _blue_green_at_the_gate,
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("action", ACTIONS)
def test_the_plugin_refuses_what_the_engine_would_ignore(state: str, action: IntentAction) -> None:
    world = STATES[state]()  # NB: a fresh world each time (Observed holds a mappingproxy)
    assert world.status is not None
    rollout = world.rollout.model_copy(update={"status": world.status})
    refusal = check(action, rollout=rollout, plan=build_plan(rollout))
    intent = new_intent(world.status, action=action, now=world.now, user="alice")
    world.status = world.status.model_copy(update={"intent": intent})
    decision = world.reconcile(after=timedelta(seconds=1))
    ignored = [e.message for e in decision.events if e.reason == "IntentIgnored"]
    assert decision.status.last_intent_id == intent.id
    if refusal is None:
        assert ignored == [], f"the plugin accepts {action} but the engine ignores it"
    else:
        assert ignored, f"the plugin refuses {action} ({refusal.message}) but the engine applies it"


def test_each_action_is_accepted_somewhere() -> None:
    accepted = set()
    for make in STATES.values():
        world = make()
        assert world.status is not None
        rollout = world.rollout.model_copy(update={"status": world.status})
        plan = build_plan(rollout)
        accepted |= {a for a in ACTIONS if check(a, rollout=rollout, plan=plan) is None}
    assert accepted == set(ACTIONS)
