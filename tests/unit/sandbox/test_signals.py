"""Termination signals become exceptions, and wait while a cleanup runs."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from rollout_engine.sandbox.signals import (
    deferred_signals,
    exit_on_signals,
    raise_if_pending,
    sleep_or_exit,
)


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


def test_a_swallowed_raise_is_raised_again_by_the_next_wait() -> None:
    # the way a fork hook or a finaliser swallows it: printed as "ignored", the program goes on
    with pytest.raises(SystemExit) as exit_info, exit_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0)
        except SystemExit:
            pass
        sleep_or_exit(0)
    assert exit_info.value.code == 128 + signal.SIGTERM
    raise_if_pending()  # leaving the block forgot it: nothing raised


def test_a_cleanup_forgets_the_signal_it_was_started_by() -> None:
    with pytest.raises(SystemExit), exit_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0)
        finally:
            with deferred_signals() as received:
                sleep_or_exit(0)  # the cleanup's own waits do not raise it again
            assert received == []


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
