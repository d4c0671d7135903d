"""Analysis: metric providers, conditions, threshold runs and statistical judges.

Pure except for `analysis.providers`, the one place that talks to the network.
"""
