"""The supervisor before anything runs: its directory, ports, state, and refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.processes import AppSpec, Sandbox, SandboxOptions


def _box(parent: Path, **options: object) -> Sandbox:
    return Sandbox(
        stable=AppSpec("v1"),
        candidate=AppSpec("v2"),
        options=SandboxOptions(parent_dir=parent, **options),  # type: ignore[arg-type]
    )


def test_a_relative_parent_gives_an_absolute_directory_with_a_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "parent").mkdir()
    box = _box(Path("parent"))
    try:
        assert box.root.is_absolute() and box.root.parent == tmp_path / "parent"
        state = json.loads((box.root / "sandbox.json").read_text())
        assert state["keep"] is False and state["children"] == []
        assert state["urls"]["front"] == box.front_url
        ports = {box.nginx.front_port, box.nginx.control_port, box.prometheus.port}
        ports |= {int(a[0].rsplit(":", 1)[1]) for a in box.upstreams().values()}
        assert len(ports) == 5  # all distinct
        assert box.front_listen == f"127.0.0.1:{box.nginx.front_port}"
    finally:
        box.close()
        box.close()  # idempotent
    assert not box.root.exists()


def test_describe_says_where_everything_is_and_how_to_stop_it(tmp_path: Path) -> None:
    box = _box(tmp_path, keep=True)
    try:
        text = box.describe()
    finally:
        box.close()
    assert text.splitlines()[0] == f"sandbox in {box.root}"
    assert f"front         {box.front_url}" in text
    assert f"prometheus    {box.prometheus_url}" in text
    assert text.endswith(
        f"stop it with: {sys.executable} -m rollout_engine.sandbox stop {box.root}"
    )


def test_a_missing_binary_is_refused_before_anything_starts(tmp_path: Path) -> None:
    box = _box(tmp_path, nginx_binary=str(tmp_path / "no-nginx"))
    with box, pytest.raises(SandboxError, match=r"needs nginx \(.*no-nginx\).*nginx-light"):
        box.start("")
    assert box.apps == {} and box.nginx.child is None and box.prometheus.child is None
    assert not box.root.exists()
