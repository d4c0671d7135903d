"""`python -m benchmarks` (what `make bench` runs): every benchmark, one after the other."""

from __future__ import annotations

from benchmarks import apiserver_startup, measurement, plugin_startup, strategy_engine
from benchmarks.controller_scale.__main__ import main as controller_scale
from benchmarks.decision_quality.__main__ import main as decision_quality
from benchmarks.demo.__main__ import main as demo
from benchmarks.sandbox.__main__ import main as sandbox


def main() -> int:
    """Run each benchmark; the exit code is non-zero if any missed its target."""
    codes = [
        apiserver_startup.main([]),
        strategy_engine.main([]),
        measurement.main(["--seconds", "1"]),
        sandbox(),
        demo(["--runs", "1", "--sims", "100"]),
        decision_quality([]),
        plugin_startup.main([]),
        controller_scale([]),
    ]
    return max(codes)


if __name__ == "__main__":
    raise SystemExit(main())
