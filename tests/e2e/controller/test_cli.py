"""``rollout-engine controller`` as a process: probes, metrics, JSON logs, a clean stop."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.main import app
from rollout_engine.kube import Objects, kind
from tests.e2e.controller import manifests as m
from tests.fakes.prometheus.server import free_port
from tests.paths import CRDS, VENV_BIN

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def _until(check: Any, *, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_controller_process_serves_probes_metrics_and_stops_cleanly(apiserver: Any) -> None:
    for crd in ("rollouts", "analysistemplates", "clusteranalysistemplates", "analysisruns"):
        apiserver.install_crds(CRDS / f"{crd}.yaml")
    apiserver.world.enable()
    user = Objects(apiserver.api_client("user"))
    for namespace in ("shop", "rollout-engine"):
        user.create(kind("Namespace"), {"metadata": {"name": namespace}})
    metrics, health = free_port(), free_port()
    process = subprocess.Popen(
        [
            str(VENV_BIN / "rollout-engine"),
            "controller",
            f"--kubeconfig={apiserver.kubeconfig_for('controller')}",
            "--leader-elect",
            "--lease-namespace=rollout-engine",
            f"--metrics-port={metrics}",
            f"--health-port={health}",
            "--bind-address=127.0.0.1",
            "--resync=1m",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _until(lambda: _get(f"http://127.0.0.1:{health}/readyz")[0] == 200)
        assert _get(f"http://127.0.0.1:{health}/healthz") == (200, "ok\n")
        for doc in (m.deployment(replicas=2), m.rollout({"blueGreen": {}}, slack_secret=None)):
            user.create(
                kind(doc["kind"]), {**doc, "metadata": {**doc["metadata"], "namespace": "shop"}}
            )

        def healthy() -> bool:
            found = apiserver.store.get(
                "rollout-engine.io/v1alpha1", "Rollout", name="web", namespace="shop"
            )
            return bool(found and (found.get("status") or {}).get("phase") == "Healthy")

        _until(healthy)

        def healthy_metric() -> tuple[int, str] | None:
            answer = _get(f"http://127.0.0.1:{metrics}/metrics")
            return answer if 'phase="Healthy"} 1.0' in answer[1] else None

        status, text = _until(healthy_metric)
        assert status == 200
        for name in (
            "rollout_engine_reconcile_duration_seconds_count",
            "rollout_engine_workqueue_depth",
            "rollout_engine_api_writes_total",
            "rollout_engine_reconcile_errors_total",
        ):
            assert name in text
        assert "rollout_engine_leader 1.0" in text
        assert "rollout=" not in text and 'name="web"' not in text, "no per-rollout labels"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    messages = [line["message"] for line in lines]
    for message in (
        "waiting for the lease",
        "became the leader",
        "controller started",
        "controller stopping",
        "lease released",
    ):
        assert message in messages
    assert {line["level"] for line in lines} <= {"info", "warning"}
    lease = apiserver.store.get(
        "coordination.k8s.io/v1",
        "Lease",
        name="rollout-engine-controller",
        namespace="rollout-engine",
    )
    assert lease["spec"]["holderIdentity"] == ""


def test_help_explains_leader_election() -> None:
    result = CliRunner().invoke(app, ["controller", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "only the holder of the Lease" in text
    for flag in ("--lease-name", "--lease-duration", "--renew-deadline", "--retry-period"):
        assert flag in text


def test_inconsistent_lease_timings_exit_2_with_the_reason(apiserver: Any) -> None:
    result = CliRunner().invoke(
        app,
        [
            "controller",
            f"--kubeconfig={apiserver.kubeconfig_for('controller')}",
            "--leader-elect",
            "--lease-duration=5s",
            "--renew-deadline=10s",
        ],
    )
    assert result.exit_code == 2
    assert "lease duration > renew deadline" in result.output


def test_a_bad_flag_exits_2_with_the_reason(apiserver: Any) -> None:
    result = CliRunner().invoke(
        app,
        [
            "controller",
            f"--kubeconfig={apiserver.kubeconfig_for('controller')}",
            "--prometheus-address=prometheus:9090",
        ],
    )
    assert result.exit_code == 2
    assert "--prometheus-address must be an http(s) URL" in result.output
