"""``rollout-engine plan FILE [--simulate]``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rollout_engine.cli.main import app
from tests.paths import CORPUS, EXAMPLES


def _plan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["plan", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_plan_of_a_rollout_is_a_table_of_steps() -> None:
    code, out, err = _plan(str(EXAMPLES / "canary-nginx.yaml"))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Rollout storefront/web (canary) — {EXAMPLES / 'canary-nginx.yaml'}#3"
    assert lines[1] == "  router: nginx"
    assert lines[2].split() == ["step", "action", "weight", "matches", "analysis", "pause"]
    assert lines[3].split() == [
        "0",
        "setHeaderRoute",
        "0%",
        "testers:",
        "X-Canary=always",
        "-",
        "-",
    ]
    assert lines[4].split()[-2:] == ["until", "promoted"]
    assert lines[6].split()[:5] == ["3", "analysis", "20%", "testers:", "X-Canary=always"]
    assert "success-rate" in lines[6]
    assert lines[9].split()[:3] == ["-", "promote", "100%"]


def test_simulate_walks_the_plan_to_healthy() -> None:
    code, out, _ = _plan(str(EXAMPLES / "canary-nginx.yaml"), "--simulate")
    assert code == 0
    assert "simulation: 3 replicas" in out  # the Deployment in the same file says 3
    rows = out.split("what happened\n", 1)[1].splitlines()
    assert rows[-1].split()[:3] == ["+5m30s", "-", "Healthy"]
    weights = [int(r.split()[4].rstrip("%")) for r in rows if r.split()[3] == "candidate"]
    assert max(weights) == 100 and weights[-1] == 0
    assert any("passed by promote (simulation)" in r for r in rows)
    code, out, _ = _plan(str(EXAMPLES / "canary-nginx.yaml"), "--simulate", "--replicas", "10")
    assert "simulation: 10 replicas" in out


def test_argo_and_flagger_manifests_go_through_the_converter_and_say_so() -> None:
    code, out, _ = _plan(str(CORPUS / "argo" / "05-canary-istio-setmirrorroute.yaml"))
    assert code == 0
    assert "converted from Argo Rollouts Rollout; 7 note(s):" in out
    assert (
        "dropped spec.strategy.canary.steps[1].setMirrorRoute: mirror routes are not supported"
        in out
    )
    code, out, _ = _plan(str(CORPUS / "flagger" / "04-nginx-canary.yaml"), "--simulate")
    assert code == 0
    assert "converted from Flagger Canary" in out
    assert "Healthy" in out


def test_files_without_rollouts_or_with_invalid_ones_exit_1(tmp_path: Path) -> None:
    code, _, err = _plan(str(EXAMPLES / "templates" / "latency.yaml"))
    assert code == 1 and "no Rollout, Argo Rollout or Flagger Canary found" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: rollout-engine.io/v1alpha1\nkind: Rollout\nmetadata: {name: x}\nspec: {}\n"
    )
    code, _, err = _plan(str(bad))
    assert code == 1 and "not a valid Rollout" in err
    code, _, err = _plan(str(tmp_path / "missing.yaml"))
    assert code == 1 and "cannot read file" in err
    pause = tmp_path / "pause.yaml"
    pause.write_text(
        "apiVersion: rollout-engine.io/v1alpha1\nkind: Rollout\nmetadata: {name: x}\nspec:\n"
        "  workloadRef: {name: x}\n  strategy:\n    canary:\n"
        "      steps: [{pause: {duration: soon}}]\n"
    )
    code, _, err = _plan(str(pause))
    assert code == 1 and "steps[0].pause.duration" in err
