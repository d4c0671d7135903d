"""``rollout-engine analyze`` end to end on a real Prometheus: verdicts, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.main import app
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.paths import CORPUS, EXAMPLES, ROOT, VENV_BIN

pytestmark = pytest.mark.slow

SUCCESS_RATE = str(EXAMPLES / "templates" / "success-rate.yaml")


def stamp(minute: float) -> str:
    return at(minute).isoformat().replace("+00:00", "Z")


def analyze(prometheus: RealPrometheus, *extra: str, start: float = 10) -> tuple[int, str]:
    end = start + 30
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--template",
            SUCCESS_RATE,
            "--prometheus",
            prometheus.url,
            "--start",
            stamp(start),
            "--end",
            stamp(end),
            *extra,
        ],
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("start", "code", "verdict"),
    [(10, 0, "Successful"), (61, 1, "Failed"), (38, 2, "Inconclusive")],
)
def test_the_exit_code_is_the_verdict(
    prometheus: RealPrometheus, start: float, code: int, verdict: str
) -> None:
    exit_code, output = analyze(prometheus, "--arg", "ingress=web", start=start)
    assert exit_code == code, output
    assert f"verdict: {verdict} at " in output


def test_error_is_three(prometheus: RealPrometheus, tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    text = (EXAMPLES / "templates" / "success-rate.yaml").read_text()
    template.write_text(text.replace("len(result) == 0 || result[0] >= 0.95", "result[0] >= 0.95"))
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--template",
            str(template),
            "--prometheus",
            prometheus.url,
            "--arg",
            "ingress=web",
            "--start",
            stamp(56),
            "--end",
            stamp(70),
        ],
    )
    assert result.exit_code == 3, result.output
    assert "no data: the query returned no series" in result.output


def test_the_table_shows_every_measurement_and_the_verdict_time(prometheus: RealPrometheus) -> None:
    code, output = analyze(prometheus, "--arg", "ingress=web")
    lines = output.splitlines()
    assert lines[0].split() == ["time", "elapsed", "metric", "outcome", "value", "reason"]
    rows = [line for line in lines if line.startswith("2024-05-01T")]
    assert len(rows) == 5
    assert rows[0].split()[:5] == [
        "2024-05-01T00:10:00Z",
        "+0s",
        "success-rate",
        "Successful",
        "[0.98]",
    ]
    assert lines[-1] == (
        "verdict: Successful at 2024-05-01T00:14:00Z (+4m): 1 of 1 metric(s) Successful"
    )
    assert code == 0


def test_json_has_every_measurement_with_its_query(prometheus: RealPrometheus) -> None:
    code, output = analyze(prometheus, "--arg", "ingress=web", "-o", "json", start=61)
    doc = json.loads(output)
    assert code == 1
    assert doc["verdict"]["phase"] == "Failed"
    assert doc["verdict"]["at"] == "2024-05-01T01:02:00Z"
    assert doc["verdict"]["elapsed"] == "+1m"
    assert [m["phase"] for m in doc["measurements"]] == ["Failed", "Failed"]
    first = doc["measurements"][0]
    assert first["startedAt"] == "2024-05-01T01:01:00Z" and first["value"] == "[0.8]"
    assert 'ingress="web"' in first["query"]
    assert (
        first["message"]
        == "success-rate 0.8 < 0.90 (failureCondition len(result) > 0 && result[0] < 0.90)"
    )
    assert doc["metrics"][0]["failed"] == 2


def test_an_injection_attempt_is_escaped_and_judged_as_no_data(prometheus: RealPrometheus) -> None:
    code, output = analyze(prometheus, "--arg", 'ingress=web"}[1m])) or vector(1) #', "-o", "json")
    doc = json.loads(output)
    assert code == 2
    assert {m["value"] for m in doc["measurements"]} == {"[]"}
    assert 'ingress="web\\"}[1m])) or vector(1) #"' in doc["measurements"][0]["query"]


def test_unix_seconds_work_as_times(prometheus: RealPrometheus) -> None:
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--template",
            SUCCESS_RATE,
            "--prometheus",
            prometheus.url,
            "--arg",
            "ingress=web",
            "--start",
            str(int(at(10).timestamp())),
            "--end",
            str(int(at(20).timestamp())),
        ],
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "missing.yaml"], "missing option(s): --prometheus, --start, --end"),
        (
            [
                "--template",
                "missing.yaml",
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
            ],
            "--template: no such file: missing.yaml",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "yesterday",
                "--end",
                "1",
            ],
            "--start: expected RFC 3339",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "2024-05-01T00:00:00",
                "--end",
                "1",
            ],
            "needs a timezone",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "10",
                "--end",
                "1",
            ],
            "--end is before --start",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
            ],
            "argument 'ingress' has no value (pass it with --arg NAME=VALUE)",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
                "--arg",
                "ingres=web",
            ],
            "declares no argument 'ingres' (it declares: ingress)",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
                "--arg",
                "ingress",
            ],
            "expected NAME=VALUE",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "prometheus:9090",
                "--start",
                "0",
                "--end",
                "1",
                "--arg",
                "ingress=web",
            ],
            "not an http(s) URL",
        ),
        (
            [
                "--template",
                SUCCESS_RATE,
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
                "--arg",
                "ingress=web",
                "-o",
                "yaml",
            ],
            "--output must be table or json",
        ),
        (
            [
                "--template",
                str(CORPUS / "argo" / "17-analysistemplate-prometheus-istio-success-rate.yaml"),
                "--prometheus",
                "http://p:9090",
                "--start",
                "0",
                "--end",
                "1",
            ],
            "argoproj.io",
        ),
    ],
)
def test_bad_input_is_four_with_a_message_and_no_traceback(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["analyze", *args])
    assert result.exit_code == 4, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_installed_command_reports_usage_errors_as_bad_input() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "rollout-engine"), "analyze", "--no-such-option"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 4
    assert "No such option: --no-such-option" in result.stderr
    assert "Traceback" not in result.stderr
