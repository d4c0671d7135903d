"""Termination signals become exceptions, and wait while a cleanup runs."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from rollout_engine.sandbox.signals import deferred_signals, exit_on_signals


def test_sigterm_and_sighup_raise_system_exit_inside_the_block_only() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as exit_info, exit_on_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0)  # let the interpreter run the handler
    assert exit_info.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before
    with pytest.raises(SystemExit) as exit_info, exit_on_signals():
        os.kill(os.getpid(), signal.SIGHUP)
        signal.sigtimedwait([], 0)
    assert exit_info.value.code == 128 + signal.SIGHUP


def test_a_signal_during_cleanup_waits_for_the_cleanup_then_raises() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), deferred_signals() as received:
        os.kill(os.getpid(), signal.SIGINT)
        signal.sigtimedwait([], 0)
        done.append("cleanup finished")
    assert done == ["cleanup finished"]
    assert received == [signal.SIGINT]


def test_a_failing_cleanup_keeps_its_own_error() -> None:
    with pytest.raises(RuntimeError), deferred_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0)
        raise RuntimeError("cleanup failed")


def test_outside_the_main_thread_the_helpers_change_nothing() -> None:
    seen: list[object] = []

    def body() -> None:
        with exit_on_signals(), deferred_signals() as received:
            seen.append(received)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [[]]
