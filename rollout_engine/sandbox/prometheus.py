"""A real Prometheus scraping the sandbox's versions, its TSDB in the sandbox directory.

Targets come from file-based service discovery (``file_sd_configs``): the
supervisor rewrites one JSON file, atomically, when a version starts, stops
or changes role, and Prometheus picks it up by inotify without a reload.
Each target carries the labels ``track`` (``stable``/``candidate``: the role
in the rollout) and ``version`` (the build): these are what templates query
on, e.g. ``sum(rate(http_requests_total{track="candidate"}[30s]))``.

Scrape interval and timeout are equal and short (seconds) so that a demo's
step sees fresh data; nginx's ``stub_status`` is not in Prometheus format
and is not scraped (the apps' own metrics carry everything the analysis
needs).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.children import Child, spawn
from rollout_engine.sandbox.net import http_get, wait_until

__all__ = ["APP_JOB", "PROMETHEUS", "Prometheus", "Target", "scrape_config", "targets_json"]

PROMETHEUS = "/usr/bin/prometheus"
APP_JOB = "sandbox-app"


@dataclass(frozen=True)
class Target:
    """One process to scrape: ``host:port`` and the labels its series get."""

    address: str
    labels: Mapping[str, str] = field(default_factory=dict)


def scrape_config(*, targets_file: Path, interval_s: float) -> dict[str, Any]:
    """Prometheus's configuration: one job over the file-discovered app targets."""
    interval = _duration(interval_s)
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {
                "job_name": APP_JOB,
                "scrape_interval": interval,
                "scrape_timeout": interval,  # NB: the default 10s would exceed the interval
                "file_sd_configs": [{"files": [str(targets_file)], "refresh_interval": "5s"}],
            }
        ],
    }


def targets_json(targets: Sequence[Target]) -> str:
    """The file_sd document: one group per target, so each has its own labels."""
    groups = [{"targets": [t.address], "labels": dict(t.labels)} for t in targets]
    return json.dumps(groups, indent=2, sort_keys=True) + "\n"


def _duration(seconds: float) -> str:
    if seconds <= 0:
        raise ValueError(f"scrape interval must be positive, got {seconds}")
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


class Prometheus:
    """One Prometheus server on loopback, configured and stopped by the supervisor."""

    def __init__(
        self,
        *,
        root: Path,
        port: int,
        scrape_interval_s: float = 2.0,
        binary: str = PROMETHEUS,
        death_signal: signal.Signals | None = signal.SIGKILL,
        timeout: float = 20.0,
    ) -> None:
        self.root = root.resolve()
        self.port = port
        self.scrape_interval_s = scrape_interval_s
        self.binary = binary
        self.death_signal = death_signal
        self.timeout = timeout
        self.child: Child | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def targets_file(self) -> Path:
        return self.root / "targets.json"

    def start(self, targets: Sequence[Target]) -> None:
        """Write the configuration, run Prometheus, wait for ``/-/ready``."""
        self.launch(targets)
        self.wait_ready()

    def launch(self, targets: Sequence[Target]) -> None:
        """Write the configuration and spawn Prometheus, without waiting."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.set_targets(targets)
        config = scrape_config(targets_file=self.targets_file, interval_s=self.scrape_interval_s)
        config_file = self.root / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        argv = [
            self.binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.root / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self.child = spawn(
            argv,
            name="prometheus",
            log_path=self.root / "prometheus.log",
            death_signal=self.death_signal,
        )

    def wait_ready(self) -> None:
        """Wait until Prometheus answers ``/-/ready``."""
        wait_until(
            lambda: self._answer("/-/ready"),
            timeout=self.timeout,
            what="Prometheus /-/ready",
            detail=self.child.log_tail if self.child else None,
        )

    def set_targets(self, targets: Sequence[Target]) -> None:
        """Replace the scraped targets (write-then-rename: never a half file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.targets_file.with_suffix(".tmp")
        staging.write_text(targets_json(targets))
        os.replace(staging, self.targets_file)

    def wait_scraped(self, addresses: Sequence[str], *, timeout: float | None = None) -> None:
        """Wait until every address is an active target whose last scrape succeeded."""
        wanted = set(addresses)

        def healthy() -> bool | None:
            reply = self._answer("/api/v1/targets?state=active")
            if reply is None:
                return None
            active = json.loads(reply)["data"]["activeTargets"]
            up = {t["labels"]["instance"] for t in active if t.get("health") == "up"}
            return True if wanted <= up else None

        wait_until(
            healthy,
            timeout=timeout or self.timeout,
            what=f"Prometheus scraping {sorted(wanted)}",
            detail=self.child.log_tail if self.child else None,
        )

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()

    def _answer(self, path: str) -> bytes | None:
        if self.child is not None and not self.child.alive():
            raise SandboxError("Prometheus exited:\n" + self.child.log_tail())
        reply = http_get(self.url + path, timeout=2.0)
        return reply.body if reply is not None and reply.status == 200 else None
