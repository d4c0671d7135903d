"""``rollout-engine controller`` as a child process the test can crash, partition, stop and kill.

Each process authenticates to the fake API server as its own identity (the
journal's oracle: who wrote what), logs JSON lines to a file (no pipe to
fill up), and runs on scaled-down timings: lease 1.5 s / renew 1.0 s /
retry 0.2 s, resync 2 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.apiserver.handle import FakeApiServer
from tests.paths import VENV_BIN

__all__ = ["LEASE", "ControllerProcess", "lease_holder"]

LEASE = {"lease_duration": 1.5, "renew_deadline": 1.0, "retry_period": 0.2}
LEASE_NAMESPACE = "rollout-engine"


@dataclass
class ControllerProcess:
    """One controller process (start it with ``start``)."""

    api: FakeApiServer
    identity: str
    workdir: Path
    namespace: str | None = None
    leader_elect: bool = False
    crash_after: int | None = None
    prometheus: str | None = None
    notifications: Path | None = None
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"controller-{self.identity}.log"

    def argv(self) -> list[str]:
        args = [
            str(VENV_BIN / "rollout-engine"),
            "controller",
            f"--kubeconfig={self.api.kubeconfig_for(self.identity)}",
            "--metrics-port=0",
            "--health-port=0",
            "--bind-address=127.0.0.1",
            "--resync=2s",
            "--workers=4",
            f"--lease-namespace={LEASE_NAMESPACE}",
            "--lease-duration=1500ms",
            "--renew-deadline=1s",
            "--retry-period=200ms",
        ]
        if self.namespace:
            args.append(f"--namespace={self.namespace}")
        if self.leader_elect:
            args.append("--leader-elect")
        if self.prometheus:
            args.append(f"--prometheus-address={self.prometheus}")
        if self.notifications:
            args.append(f"--notifications-config={self.notifications}")
        return args + self.extra

    def start(self) -> ControllerProcess:
        env = {
            k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "CRASH_AFTER_API_WRITE")
        }
        env["POD_NAME"] = self.identity
        if self.crash_after is not None:
            env["CRASH_AFTER_API_WRITE"] = str(self.crash_after)
        log = self.log_path.open("ab")
        self.started_at = time.time()
        self.process = subprocess.Popen(self.argv(), stdout=log, stderr=log, env=env)
        log.close()
        return self

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if still running after `timeout` seconds."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.wait(timeout)
        assert code is not None, f"{self.identity} did not stop within {timeout}s:\n{self.tail()}"
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (others, e.g. tracebacks, as ``{"raw": …}``)."""
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"raw": line})
        return out

    def messages(self) -> list[str]:
        return [str(line.get("message", line.get("raw"))) for line in self.logs()]

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def lease_holder(api: FakeApiServer, name: str = "rollout-engine-controller") -> str | None:
    """The Lease's holder identity now (None when there is no Lease)."""
    lease = api.store.get("coordination.k8s.io/v1", "Lease", name=name, namespace=LEASE_NAMESPACE)
    return None if lease is None else str((lease.get("spec") or {}).get("holderIdentity") or "")
