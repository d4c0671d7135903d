"""The examples lint clean; the CLI is usable by people and machines and never crashes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rollout_engine.cli.main import app
from rollout_engine.cli.plugin import app as plugin_app
from rollout_engine.lint import lint_paths
from tests.paths import EXAMPLES, VENV_BIN

REQUIRED_EXAMPLES = {
    "canary-istio.yaml": "canary with Istio",
    "canary-nginx.yaml": "canary with NGINX",
    "bluegreen.yaml": "blue/green",
    "abtest-header.yaml": "A/B test by header",
    "templates/success-rate.yaml": "threshold template",
    "templates/error-ratio.yaml": "comparison template",
}


def test_examples_cover_every_strategy_and_both_metric_kinds() -> None:
    missing = [name for name in REQUIRED_EXAMPLES if not (EXAMPLES / name).is_file()]
    assert missing == []


def test_examples_lint_clean_with_every_reference_resolved() -> None:
    report = lint_paths([str(EXAMPLES)])
    assert [f.render() for f in report.findings] == []
    assert sum(r.startswith("Rollout/") for r in report.resources) == 7
    assert sum("AnalysisTemplate/" in r for r in report.resources) >= 4


def test_json_output_is_machine_readable() -> None:
    result = CliRunner().invoke(app, ["lint", "-o", "json", str(EXAMPLES / "bluegreen.yaml")])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["errors"] == 0
    assert report["resources"] == ["Rollout/checkout", "AnalysisTemplate/smoke"]


def test_json_findings_carry_file_document_path_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
        "apiVersion: rollout-engine.io/v1alpha1\nkind: AnalysisTemplate\n"
        "metadata: {name: t}\nspec: {metrics: []}\n"
    )
    result = CliRunner().invoke(app, ["lint", "-o", "json", str(bad)])
    assert result.exit_code == 1
    (finding,) = json.loads(result.output)["findings"]
    assert finding["file"] == str(bad)
    assert finding["document"] == 2
    assert finding["path"] == "spec.metrics"
    assert finding["message"] == "needs at least 1 item(s)"
    assert finding["fix"] == "add an entry"


def test_unreadable_file_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lint", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read file: No such file or directory" in result.output


def test_bad_output_format_is_rejected_with_exit_2() -> None:
    result = CliRunner().invoke(app, ["lint", "-o", "xml", str(EXAMPLES)])
    assert result.exit_code == 2
    assert "--output must be text or json" in result.output


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
keys = st.sampled_from(
    [
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "strategy",
        "canary",
        "steps",
        "metrics",
        "setWeight",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(keys, yaml_values, max_size=5),
    kind=st.sampled_from(["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"]),
    junk=st.text(max_size=40),
)
def test_lint_never_raises_on_arbitrary_input(
    tmp_path: Path, body: dict[str, object], kind: str, junk: str
) -> None:
    import yaml

    body = {"apiVersion": "rollout-engine.io/v1alpha1", "kind": kind, **body}
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(body) + "---\n" + junk)
    report = lint_paths([str(path)])
    assert all(f.fix and f.message for f in report.findings)


def test_lint_is_reachable_through_the_kubectl_plugin() -> None:
    result = CliRunner().invoke(plugin_app, ["lint", str(EXAMPLES)])
    assert result.exit_code == 0
    assert "0 error(s), 0 warning(s)" in result.output


def test_real_kubectl_dispatches_the_plugin_without_warnings(tmp_path: Path) -> None:
    (tmp_path / "kubectl-rollout_engine").symlink_to(VENV_BIN / "kubectl-rollout_engine")
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/local/bin:/usr/bin:/bin"}
    listed = subprocess.run(
        ["kubectl", "plugin", "list"], capture_output=True, text=True, env=env, check=True
    )
    assert f"{tmp_path}/kubectl-rollout_engine" in listed.stdout
    assert "warning" not in (listed.stdout + listed.stderr).lower()
    ran = subprocess.run(
        ["kubectl", "rollout-engine", "lint", str(EXAMPLES)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert ran.returncode == 0, ran.stderr
    assert "0 error(s), 0 warning(s)" in ran.stdout
