"""The configurations the supervisor writes for nginx and Prometheus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rollout_engine.sandbox.nginx import NginxLayout, control_conf, main_conf
from rollout_engine.sandbox.prometheus import APP_JOB, Target, scrape_config, targets_json


def test_nginx_runs_in_the_foreground_with_every_path_in_its_directory() -> None:
    layout = NginxLayout(Path("/tmp/box/nginx"))
    conf = main_conf(layout)
    assert "daemon off;" in conf and "master_process on;" in conf
    assert "pid /tmp/box/nginx/nginx.pid;" in conf
    assert "error_log /tmp/box/nginx/logs/error.log notice;" in conf
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert f"{kind}_temp_path /tmp/box/nginx/temp/{kind};" in conf
    # the caller's routing is included, after the supervisor's control server
    assert conf.index("include /tmp/box/nginx/control.conf;") < conf.index(
        "include /tmp/box/nginx/routing.conf;"
    )
    paths = [w.rstrip(";") for w in conf.split() if w.startswith("/")]
    assert paths and all(p.startswith("/tmp/box/nginx/") for p in paths)


def test_the_control_server_names_its_generation() -> None:
    conf = control_conf(port=20001, generation=7)
    assert "listen 127.0.0.1:20001;" in conf
    assert 'return 200 "7\\n";' in conf
    assert "stub_status;" in conf


def test_prometheus_scrapes_the_discovered_apps_at_the_interval() -> None:
    config = scrape_config(targets_file=Path("/tmp/box/targets.json"), interval_s=1.5)
    (job,) = config["scrape_configs"]
    assert job["job_name"] == APP_JOB
    assert job["scrape_interval"] == job["scrape_timeout"] == "1500ms"
    (discovery,) = job["file_sd_configs"]
    assert discovery == {"files": ["/tmp/box/targets.json"], "refresh_interval": "5s"}
    assert scrape_config(targets_file=Path("t"), interval_s=2)["global"]["scrape_interval"] == "2s"
    with pytest.raises(ValueError):
        scrape_config(targets_file=Path("t"), interval_s=0)


def test_each_target_carries_its_track_and_version() -> None:
    doc = json.loads(
        targets_json(
            [
                Target("127.0.0.1:1", {"track": "stable", "version": "v1"}),
                Target("127.0.0.1:2", {"track": "candidate", "version": "v2"}),
            ]
        )
    )
    assert doc == [
        {"targets": ["127.0.0.1:1"], "labels": {"track": "stable", "version": "v1"}},
        {"targets": ["127.0.0.1:2"], "labels": {"track": "candidate", "version": "v2"}},
    ]
