"""Offline validation of rollout-engine manifests (``rollout-engine lint``)."""

from rollout_engine.lint.findings import Finding, LintReport
from rollout_engine.lint.runner import lint_paths

__all__ = ["Finding", "LintReport", "lint_paths"]
