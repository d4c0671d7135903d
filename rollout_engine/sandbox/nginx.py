"""A real nginx as the sandbox's traffic router, reloaded by signal, never restarted.

The supervisor owns the main configuration; the *routing* is a fragment
that the caller renders (the strategy engine's Local-NGINX renderer) and
that is included inside ``http {}``. The fragment brings its own upstreams,
``split_clients``/``map`` and the front ``server`` listening on
:attr:`Nginx.front_listen`.

:meth:`Nginx.reload` writes the fragment, validates the whole configuration
with ``nginx -t`` first (a bad fragment raises and leaves the running
routing untouched), sends SIGHUP to the master, and returns only when the
new configuration is the one answering: a control server (written by the
supervisor next to the fragment) serves a *generation* number that changes
with every reload, and the workers of the previous generation have exited.
Requests sent after ``reload`` returns are therefore routed by the new
fragment only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.children import Child, children_of, spawn
from rollout_engine.sandbox.net import http_get, wait_until

__all__ = ["NGINX", "Nginx", "NginxLayout", "control_conf", "main_conf"]

NGINX = "/usr/sbin/nginx"
_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class NginxLayout:
    """Where nginx's files live: everything under one directory of the sandbox."""

    root: Path

    @property
    def conf(self) -> Path:
        return self.root / "nginx.conf"

    @property
    def fragment(self) -> Path:
        return self.root / "routing.conf"

    @property
    def control(self) -> Path:
        return self.root / "control.conf"

    @property
    def pid(self) -> Path:
        return self.root / "nginx.pid"

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"

    @property
    def access_log(self) -> Path:
        return self.root / "logs" / "access.log"


def main_conf(layout: NginxLayout) -> str:
    """The static main configuration: foreground master, all paths in `layout`."""
    temp = "\n".join(f"    {kind}_temp_path {layout.root / 'temp' / kind};" for kind in _TEMP_KINDS)
    return f"""# rollout-engine sandbox: generated; the routing is in {layout.fragment.name}
daemon off;
master_process on;
worker_processes 1;
pid {layout.pid};
error_log {layout.error_log} notice;
worker_shutdown_timeout 5s;
events {{
    worker_connections 1024;
}}
http {{
    log_format sandbox '$time_iso8601 "$request" $status $upstream_addr $request_time';
    access_log {layout.access_log} sandbox buffer=32k flush=1s;
{temp}
    include {layout.control};
    include {layout.fragment};
}}
"""


def control_conf(*, port: int, generation: int) -> str:
    """The supervisor's own server: which configuration answers, and stub_status."""
    return f"""# rollout-engine sandbox: control server, generation {generation}
server {{
    listen 127.0.0.1:{port};
    location = /sandbox/generation {{
        return 200 "{generation}\\n";
    }}
    location = /stub_status {{
        stub_status;
    }}
}}
"""


class Nginx:
    """One nginx master (foreground, own process group) and its configuration files."""

    def __init__(
        self,
        *,
        root: Path,
        front_port: int,
        control_port: int,
        binary: str = NGINX,
        death_signal: signal.Signals | None = signal.SIGTERM,
        timeout: float = 10.0,
    ) -> None:
        self.layout = NginxLayout(root.resolve())
        self.front_port = front_port
        self.control_port = control_port
        self.binary = binary
        self.death_signal = death_signal
        self.timeout = timeout
        self.generation = 0
        self.child: Child | None = None

    @property
    def front_listen(self) -> str:
        """The ``listen`` address the routing fragment's server must use."""
        return f"127.0.0.1:{self.front_port}"

    @property
    def front_url(self) -> str:
        return f"http://{self.front_listen}"

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    def start(self, fragment: str) -> None:
        """Write the configuration, check it, run nginx, wait until it answers."""
        self.launch(fragment)
        self.wait_ready()

    def launch(self, fragment: str) -> None:
        """Write and check the configuration and spawn nginx, without waiting."""
        for kind in ("logs", *(f"temp/{k}" for k in _TEMP_KINDS)):
            (self.layout.root / kind).mkdir(parents=True, exist_ok=True)
        self.layout.conf.write_text(main_conf(self.layout))
        self._write(fragment, generation=1)
        self.check()
        argv = [self.binary, "-p", f"{self.layout.root}/", "-c", str(self.layout.conf)]
        argv += ["-e", str(self.layout.error_log)]
        self.child = spawn(
            argv,
            name="nginx",
            log_path=self.layout.root / "logs" / "nginx.out",
            death_signal=self.death_signal,
        )
        self.generation = 1

    def wait_ready(self) -> None:
        """Wait until the first configuration answers."""
        self._wait_generation(old_workers=set())

    def reload(self, fragment: str) -> int:
        """Apply a new routing fragment by SIGHUP; return the new generation."""
        child = self._running()
        previous = self.layout.fragment.read_text()
        self._write(fragment, generation=self.generation + 1)
        try:
            self.check()
        except SandboxError:
            self._write(previous, generation=self.generation)
            raise
        old_workers = set(children_of(child.pid))
        os.kill(child.pid, signal.SIGHUP)
        self.generation += 1
        self._wait_generation(old_workers=old_workers)
        return self.generation

    def check(self) -> None:
        """``nginx -t`` on the files as written; SandboxError with nginx's message."""
        argv = [self.binary, "-t", "-q", "-p", f"{self.layout.root}/", "-c", str(self.layout.conf)]
        argv += ["-e", str(self.layout.error_log)]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=self.timeout, check=False
        )
        if result.returncode != 0:
            raise SandboxError(f"nginx rejected the configuration:\n{result.stderr.strip()}")

    def workers(self) -> list[int]:
        """Pids of the master's live worker processes."""
        return children_of(self._running().pid)

    def stop(self) -> None:
        """Stop the master and its workers (the whole process group)."""
        if self.child is not None:
            self.child.stop()

    def _write(self, fragment: str, *, generation: int) -> None:
        self.layout.fragment.write_text(fragment)
        self.layout.control.write_text(control_conf(port=self.control_port, generation=generation))

    def _running(self) -> Child:
        if self.child is None or not self.child.alive():
            raise SandboxError("nginx is not running" + self._log_tail())
        return self.child

    def _wait_generation(self, *, old_workers: set[int]) -> None:
        expected = f"{self.generation}\n".encode()

        def active() -> bool | None:
            child = self._running()
            reply = http_get(f"{self.control_url}/sandbox/generation", timeout=1.0)
            if reply is None or reply.body != expected:
                return None
            return True if not old_workers & set(children_of(child.pid)) else None

        wait_until(
            active,
            timeout=self.timeout,
            what=f"nginx configuration generation {self.generation}",
            detail=self._log_tail,
        )

    def _log_tail(self) -> str:
        lines: list[str] = []
        with contextlib.suppress(OSError):
            lines = self.layout.error_log.read_text(errors="replace").splitlines()[-10:]
        return "\n" + "\n".join(lines) if lines else ""
