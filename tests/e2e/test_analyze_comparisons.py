"""``rollout-engine analyze`` with the example comparison templates, on a real Prometheus.

The story's ``cart`` service (`tests.fakes.prometheus.cart`): a canary as good as its stable
version for the first hour, then three times the errors, a slower tail and more CPU.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.main import app
from tests.fakes.prometheus.server import RealPrometheus
from tests.paths import EXAMPLES

pytestmark = pytest.mark.slow

CART = ["--arg", "namespace=shop", "--arg", "candidate=cart-canary", "--arg", "stable=cart-stable"]


def analyze(
    prometheus: RealPrometheus, template: str, start: str, end: str, *extra: str
) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--template",
            str(EXAMPLES / "templates" / template),
            "--prometheus",
            prometheus.url,
            "--start",
            f"2024-05-01T{start}:00Z",
            "--end",
            f"2024-05-01T{end}:00Z",
            *CART,
            *extra,
        ],
    )
    return result.exit_code, result.output


def test_error_ratio_shows_non_inferiority_of_a_healthy_canary(prometheus: RealPrometheus) -> None:
    code, output = analyze(prometheus, "error-ratio.yaml", "00:10", "00:13")
    assert code == 0, output
    rows = [line for line in output.splitlines() if line.startswith("2024-05-01T")]
    assert len(rows) == 7
    assert rows[0].split()[3:5] == ["Running", "no"]  # no data at +0s
    assert [row.split()[3] for row in rows[1:]] == ["Running"] * 4 + ["Successful"] * 2
    assert rows[-1].split()[3:6] == ["Successful", "1×", "[0.861×–1.16×]"]
    assert "n=48000/144000" in rows[-1]
    assert output.splitlines()[-1] == (
        "verdict: Successful at 2024-05-01T00:13:00Z (+3m): terminated (the replay window "
        "ended): 1 of 1 metric(s) Successful"
    )


def test_error_ratio_fails_a_threefold_regression_with_its_evidence(
    prometheus: RealPrometheus,
) -> None:
    code, output = analyze(prometheus, "error-ratio.yaml", "01:00", "01:10", "-o", "json")
    assert code == 1
    doc = json.loads(output)
    assert (doc["verdict"]["phase"], doc["verdict"]["elapsed"]) == ("Failed", "+30s")
    failed = doc["measurements"][-1]
    assert failed["phase"] == "Failed"
    assert failed["estimate"] == pytest.approx(3.0, rel=0.05)
    assert failed["lower"] > 1.2 and failed["upper"] > failed["estimate"]
    assert (failed["candidateSamples"], failed["stableSamples"]) == (8000, 24000)
    assert failed["pValue"] <= 0.01 and failed["confidence"] == 0.95
    assert failed["message"].startswith("error-ratio 3.02× (95% CS 2.34×–3.86×) after 8000")
    assert failed["message"].endswith("worse than allowed 1.2× (anytime p=3.3e-60 ≤ α=0.01)")
    assert 'response_code=~"5.."' in failed["query"] and "[30s]" in failed["query"]
    assert "state" not in doc["metrics"][0]


def test_latency_fails_a_tail_regression(prometheus: RealPrometheus) -> None:
    code, output = analyze(prometheus, "latency.yaml", "01:00", "01:10", "-o", "json")
    assert code == 1
    failed = json.loads(output)["measurements"][-1]
    assert failed["phase"] == "Failed"
    assert "slow-request ratio above 1000" in failed["message"]


def test_latency_never_passes_a_healthy_canary_without_enough_evidence(
    prometheus: RealPrometheus,
) -> None:
    code, output = analyze(prometheus, "latency.yaml", "00:10", "00:15", "-o", "json")
    doc = json.loads(output)
    assert code == 2
    assert {m["phase"] for m in doc["measurements"]} == {"Running"}
    assert doc["verdict"]["message"].endswith("its latest look did not show non-inferiority")


@pytest.mark.parametrize(
    ("start", "code", "phases"),
    [("00:40", 0, ["Running", "Running", "Successful"]), ("01:30", 1, ["Failed"])],
)
def test_kayenta_passes_at_its_final_look_and_fails_more_cpu(
    prometheus: RealPrometheus, start: str, code: int, phases: list[str]
) -> None:
    exit_code, output = analyze(prometheus, "cluster-kayenta.yaml", start, "01:59", "-o", "json")
    doc = json.loads(output)
    assert exit_code == code
    assert [m["phase"] for m in doc["measurements"]] == phases
    label = "Pass" if code == 0 else "High"
    assert doc["measurements"][-1]["metadata"]["kayentaLabel"] == label
