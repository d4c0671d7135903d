"""Command-line surfaces: ``rollout-engine`` and the kubectl plugin.

Modules here import heavy libraries (kubernetes, scipy) inside the commands
that need them, so ``--help`` stays fast.
"""
