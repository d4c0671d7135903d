"""Benchmarks of rollout-engine (`python -m benchmarks` runs them all)."""
