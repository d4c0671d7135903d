"""The sandbox supervisor: two app versions, nginx and Prometheus on loopback.

    with Sandbox(stable=AppSpec("v1"), candidate=AppSpec("v2")) as box:
        box.start(render(listen=box.front_listen, upstreams=box.upstreams()))
        ...                       # load through box.front_url, query box.prometheus_url
        box.apply(render(...))    # SIGHUP; returns once the new routing answers

Everything lives under one temporary directory (configs, logs, the TSDB)
that is removed on exit. Ports are chosen free at run time. No child
outlives the supervisor, whatever the exit path:

- normal exit and exceptions: ``__exit__`` stops nginx first (no new
  traffic), then the apps and Prometheus, each by process group;
- Ctrl-C, SIGTERM, SIGHUP: turned into exceptions (:mod:`.signals`), so the
  same path runs; further signals are held back until the cleanup is done;
- SIGKILL of the supervisor: each child's death signal (:mod:`.children`);
  the directory left behind is swept by the next sandbox (:mod:`.state`).

``keep=True`` is the exception on purpose: children are detached (own
session, no death signal) and, when the block exits *normally*, left running
with ``sandbox.json`` describing them; :meth:`Sandbox.describe` says how to
reach and stop them. Any error or signal still stops everything.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.app import VERSION_HEADER, app_argv
from rollout_engine.sandbox.behaviour import Behaviour
from rollout_engine.sandbox.children import Child, spawn
from rollout_engine.sandbox.net import free_port, http_get, wait_until
from rollout_engine.sandbox.nginx import NGINX, Nginx
from rollout_engine.sandbox.prometheus import PROMETHEUS, Prometheus, Target
from rollout_engine.sandbox.signals import deferred_signals, exit_on_signals
from rollout_engine.sandbox.state import PREFIX, ChildRecord, SandboxState, sweep_stale

__all__ = ["CANDIDATE", "STABLE", "TRACKS", "AppSpec", "RunningApp", "Sandbox", "SandboxOptions"]

STABLE = "stable"
CANDIDATE = "candidate"
TRACKS = (STABLE, CANDIDATE)
Render = Callable[[Mapping[str, Sequence[str]]], str]


@dataclass(frozen=True)
class AppSpec:
    """One version to run: its build name and behaviour."""

    version: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    sleep_scale: float = 1.0
    seed: int | None = None


@dataclass
class RunningApp:
    """A version running as a process on a loopback port, in a track."""

    track: str
    spec: AppSpec
    port: int
    child: Child

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class SandboxOptions:
    """How the sandbox runs; the defaults suit the demo."""

    scrape_interval_s: float = 2.0
    keep: bool = False
    parent_dir: Path | None = None
    timeout_s: float = 20.0
    nginx_binary: str = NGINX
    prometheus_binary: str = PROMETHEUS


class Sandbox:
    """Supervises the sandbox's processes; use it as a context manager."""

    def __init__(
        self,
        *,
        stable: AppSpec,
        candidate: AppSpec,
        options: SandboxOptions | None = None,
    ) -> None:
        self.options = options or SandboxOptions()
        # NB: absolute, since nginx resolves relative paths against its prefix
        parent = (self.options.parent_dir or Path(tempfile.gettempdir())).resolve()
        sweep_stale(parent)
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        self._specs = {STABLE: stable, CANDIDATE: candidate}
        try:
            self._setup()
        except BaseException:  # NB: Ctrl-C included: leave no directory behind
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _setup(self) -> None:
        """The rest of ``__init__``: ports, components, the state file."""
        self._death = None if self.options.keep else signal.SIGKILL
        self.apps: dict[str, RunningApp] = {}
        self._launched: list[Child] = []  # NB: every app ever started, for close()
        self._state = SandboxState(owner_pid=os.getpid(), keep=self.options.keep)
        self.nginx = Nginx(
            root=self.root / "nginx",
            front_port=free_port(),
            control_port=free_port(),
            binary=self.options.nginx_binary,
            death_signal=None if self.options.keep else signal.SIGTERM,
            timeout=self.options.timeout_s,
        )
        self.prometheus = Prometheus(
            root=self.root / "prometheus",
            port=free_port(),
            scrape_interval_s=self.options.scrape_interval_s,
            binary=self.options.prometheus_binary,
            death_signal=self._death,
            timeout=self.options.timeout_s,
        )
        self._ports = {track: free_port() for track in TRACKS}
        self._stack = ExitStack()
        self._closed = False
        self._state.urls = self.urls()
        self._state.write(self.root)
        atexit.register(self.close)  # NB: a caller that forgets the `with` still cleans up

    # -- where things are -------------------------------------------------

    @property
    def front_listen(self) -> str:
        """The ``listen`` address the routing fragment's front server must use."""
        return self.nginx.front_listen

    @property
    def front_url(self) -> str:
        return self.nginx.front_url

    @property
    def prometheus_url(self) -> str:
        return self.prometheus.url

    def upstreams(self) -> dict[str, list[str]]:
        """``{"stable": ["127.0.0.1:P"], "candidate": [...]}`` for the renderer."""
        ports = {t: (self.apps[t].port if t in self.apps else self._ports[t]) for t in TRACKS}
        return {track: [f"127.0.0.1:{port}"] for track, port in ports.items()}

    def urls(self) -> dict[str, str]:
        return {
            "front": self.front_url,
            "nginx_status": f"{self.nginx.control_url}/stub_status",
            "prometheus": self.prometheus_url,
            **{f"app_{t}": f"http://{a[0]}" for t, a in self.upstreams().items()},
        }

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self._stack.enter_context(exit_on_signals())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(keep=self.options.keep and kind is None)

    def start(self, fragment: str, *, wait_scraped: bool = True) -> None:
        """Start everything (concurrently) with `fragment` as the first routing.

        With `wait_scraped`, return only once Prometheus has scraped both
        versions (about 5 s with Prometheus 2.42), so queries see both tracks.
        """
        if self.apps or self._closed:
            raise SandboxError("a sandbox starts once; make a new one")
        self._require_binaries()
        # NB: Prometheus first: its discovery hands targets to the scrapers
        # only every 5 s (2.42), the longest wait of the start.
        self.prometheus.launch([self._target_at(t, self._specs[t], self._ports[t]) for t in TRACKS])
        self._record(self.prometheus.child)
        for track in TRACKS:  # NB: one by one, so a failure still stops the first
            self.apps[track] = self._launch_app(track, self._specs[track], self._ports[track])
        self.nginx.launch(fragment)
        self._record(self.nginx.child)
        for app in self.apps.values():
            self._wait_app(app)
        self.nginx.wait_ready()
        self.prometheus.wait_ready()
        if wait_scraped:
            self.prometheus.wait_scraped([a.address for a in self.apps.values()])

    def apply(self, fragment: str) -> int:
        """Route by `fragment` now (nginx SIGHUP); returns the configuration generation."""
        return self.nginx.reload(fragment)

    def replace_app(self, track: str, spec: AppSpec, *, render: Render) -> RunningApp:
        """Run `spec` in `track` instead of the current process, without dropping requests.

        The new process starts on a new port; once healthy, nginx is
        reloaded with ``render(self.upstreams())`` and Prometheus scrapes it
        with its labels; only then is the old process stopped.
        """
        old = self.apps[track]
        new = self._launch_app(track, spec, free_port())
        self._wait_app(new)
        self.apps[track] = new
        self.apply(render(self.upstreams()))
        self.prometheus.set_targets([self._target(a) for a in self.apps.values()])
        old.child.stop()
        self._state.urls = self.urls()
        self._state.write(self.root)
        return new

    def close(self, *, keep: bool = False) -> None:
        """Stop every child and remove the directory, unless `keep` (idempotent)."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        with deferred_signals():
            try:
                if keep:
                    self._state.write(self.root)
                    return
                self.nginx.stop()
                for child in self._launched:
                    child.stop()
                self.prometheus.stop()
            finally:
                self._stack.close()
                if not keep:
                    shutil.rmtree(self.root, ignore_errors=True)

    def describe(self) -> str:
        """How to reach the sandbox's processes and how to stop them."""
        lines = [f"sandbox in {self.root}"]
        lines += [f"  {name:<13} {url}" for name, url in self.urls().items()]
        lines.append(f"  responses name their version in the {VERSION_HEADER} header")
        lines.append(f"stop it with: {sys.executable} -m rollout_engine.sandbox stop {self.root}")
        return "\n".join(lines)

    # -- internals ----------------------------------------------------------

    def _require_binaries(self) -> None:
        """Fail before starting anything when nginx or Prometheus is missing."""
        missing = [
            f"{name} ({binary})"
            for name, binary in (
                ("nginx", self.options.nginx_binary),
                ("prometheus", self.options.prometheus_binary),
            )
            if not os.access(binary, os.X_OK)
        ]
        if missing:
            raise SandboxError(
                f"the sandbox needs {' and '.join(missing)}; on Debian/Ubuntu: "
                "apt-get install nginx-light prometheus (or run scripts/ensure-system-deps.sh)"
            )

    def _launch_app(self, track: str, spec: AppSpec, port: int) -> RunningApp:
        argv = app_argv(
            port=port,
            version=spec.version,
            behaviour=spec.behaviour,
            sleep_scale=spec.sleep_scale,
            seed=spec.seed,
        )
        log = self.root / "apps" / f"{track}-{spec.version}-{port}.log"
        child = spawn(
            argv, name=f"app-{track}-{spec.version}", log_path=log, death_signal=self._death
        )
        self._launched.append(child)
        self._record(child)
        return RunningApp(track=track, spec=spec, port=port, child=child)

    def _wait_app(self, app: RunningApp) -> None:
        def healthy() -> bool | None:
            if not app.child.alive():
                raise SandboxError(f"{app.child.name} exited:\n{app.child.log_tail()}")
            reply = http_get(f"http://{app.address}/healthz", timeout=1.0)
            return True if reply is not None and reply.status == 200 else None

        wait_until(healthy, timeout=self.options.timeout_s, what=f"{app.child.name} /healthz")

    def _target(self, app: RunningApp) -> Target:
        return self._target_at(app.track, app.spec, app.port)

    @staticmethod
    def _target_at(track: str, spec: AppSpec, port: int) -> Target:
        return Target(f"127.0.0.1:{port}", {"track": track, "version": spec.version})

    def _record(self, child: Child | None) -> None:
        if child is not None:
            self._state.children.append(ChildRecord(child.name, child.pid, child.argv))
            self._state.write(self.root)
