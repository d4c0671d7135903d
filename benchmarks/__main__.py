"""`python -m benchmarks` (what `make bench` runs): every benchmark, one after the other."""

from __future__ import annotations

from benchmarks.decision_quality.__main__ import main
from benchmarks.sandbox.__main__ import main as sandbox_main

if __name__ == "__main__":
    raise SystemExit(main([]) or sandbox_main())
