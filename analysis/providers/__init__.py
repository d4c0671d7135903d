"""Metric providers: the only part of `analysis` that performs I/O.

`analysis.providers.base` holds the Protocol and the result values (no I/O, so
pure modules import it freely); `analysis.providers.prometheus` the client;
`analysis.providers.registry` the factories keyed by the ``provider`` field.
"""
