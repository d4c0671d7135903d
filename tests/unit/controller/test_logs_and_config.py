"""JSON logs that carry fields but no secrets; the controller's configuration, validated early."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from rollout_engine.controller.config import ControllerConfig, load_notify_config
from rollout_engine.controller.logs import JsonFormatter, configure
from rollout_engine.notify.redact import REDACTOR


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    noisy = {n: logging.getLogger(n).level for n in ("urllib3", "apscheduler", "kubernetes")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


def test_json_lines_carry_the_extra_fields() -> None:
    record = logging.makeLogRecord(
        {
            "name": "rollout_engine.controller",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "reconcile failed; retrying",
            "rollout": "shop/web",
            "retry_in": 0.04,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "warning" and line["message"] == "reconcile failed; retrying"
    assert line["rollout"] == "shop/web" and line["retry_in"] == 0.04


def test_debug_logs_never_show_request_urls_or_registered_secrets(
    restored_logging: None,
) -> None:
    configure(level="debug", fmt="json")
    stream = io.StringIO()
    root = logging.getLogger()
    root.handlers[0].stream = stream  # type: ignore[attr-defined]
    REDACTOR.add("https://hooks.slack.com/services/T000/B000/secretsecretsecret")
    logging.getLogger("urllib3.connectionpool").debug('"GET /api/v1/query?query=up{t="tok"}"')
    logging.getLogger("rollout_engine.controller").debug(
        "posting to https://hooks.slack.com/services/T000/B000/secretsecretsecret"
    )
    out = stream.getvalue()
    assert "query=" not in out, "urllib3's request lines stay below WARNING"
    assert "secretsecretsecret" not in out and "[redacted]" in out


def test_configuration_is_checked_at_start() -> None:
    with pytest.raises(ValueError, match="http"):
        ControllerConfig(prometheus_address="prometheus:9090")
    with pytest.raises(ValueError, match="resync"):
        ControllerConfig(resync_seconds=0)
    assert ControllerConfig(namespace="shop").cluster_templates is False


def test_the_notifications_file(tmp_path: Path) -> None:
    path = tmp_path / "notify.yaml"
    path.write_text(
        "defaults:\n"
        "  - type: slack\n"
        "    channel: '#deploys'\n"
        "    urlFrom: {secretKeyRef: {name: slack, key: url}}\n"
        "allowedHosts: [hooks.slack.com]\n"
        "timeoutSeconds: 5\n"
    )
    config = load_notify_config(path, namespace="rollout-engine")
    assert config.defaults[0].channel == "#deploys"
    assert config.defaults_namespace == "rollout-engine"
    assert config.destinations.allowed_hosts == frozenset({"hooks.slack.com"})
    assert config.timeout_seconds == 5.0
    path.write_text("defaults:\n  - type: slack\n    url: https://hooks.slack.com/x\n")
    with pytest.raises(ValueError, match="defaults"):
        load_notify_config(path, namespace="x")
    path.write_text("allowedhosts: []\n")
    with pytest.raises(ValueError, match="unknown key 'allowedhosts'"):
        load_notify_config(path, namespace="x")
