"""Ports chosen at run time, probes, and bounded waits."""

from __future__ import annotations

import random
import socket

import pytest

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox import net


def test_free_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    low = net._ephemeral_low()
    ports = [net.free_port(rng=random.Random(i)) for i in range(20)]
    assert len(set(ports)) == 20
    assert all(20000 <= p < max(low, 21000) for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[0]))


def test_a_port_someone_listens_on_is_never_handed_out() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not net._bindable("127.0.0.1", taken)


def test_a_probe_of_nothing_answers_none() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # bound, not listening: connections are refused
        assert net.http_get(f"http://127.0.0.1:{closed}/", timeout=0.5) is None
    with pytest.raises(ValueError, match="plain http"):
        net.http_get("https://example.com/")


def test_wait_until_returns_the_first_value() -> None:
    answers = iter([None, None, "ready"])
    assert net.wait_until(lambda: next(answers), timeout=5, interval=0, what="x") == "ready"


def test_wait_until_gives_up_with_what_it_waited_for_and_why() -> None:
    with pytest.raises(SandboxError, match=r"nginx: not reached within 0s\n  \| bind\(\) failed"):
        net.wait_until(lambda: None, timeout=0, what="nginx", detail=lambda: "bind() failed")


def test_wait_until_lets_a_failing_check_fail_fast() -> None:
    def died() -> None:
        raise SandboxError("exited")

    with pytest.raises(SandboxError, match="exited"):
        net.wait_until(died, timeout=60, what="app")
