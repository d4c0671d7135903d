"""rollout-engine: progressive delivery analysis engine for Kubernetes.

The package root stays import-light on purpose: the kubectl plugin's `--help`
must answer fast, so nothing heavy (kubernetes, scipy) is imported here.
"""

__version__ = "0.1.0"
