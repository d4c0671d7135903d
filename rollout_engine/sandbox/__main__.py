"""``python -m rollout_engine.sandbox stop DIR``: stop a sandbox left running by ``--keep``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rollout_engine.errors import SandboxError
from rollout_engine.sandbox.state import stop_kept

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run it; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m rollout_engine.sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    stop = commands.add_parser("stop", help="stop a kept sandbox and remove its directory")
    stop.add_argument("root", type=Path, help="the sandbox directory printed by --keep")
    args = parser.parse_args(argv)
    try:
        stopped = stop_kept(args.root)
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    names = ", ".join(stopped) if stopped else "nothing (already gone)"
    print(f"stopped {names}; removed {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
