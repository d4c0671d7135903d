"""`python -m benchmarks` (what `make bench` runs): every benchmark, one after the other."""

from __future__ import annotations

from benchmarks.decision_quality.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main([]))
