"""Metric providers: the only part of `analysis` that performs I/O."""
