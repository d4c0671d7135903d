"""Run a command against a real Prometheus holding the test story (for the README and for people).

    python -m tests.fakes.prometheus.with_data rollout-engine analyze ... --prometheus {prometheus}

Starts `/usr/bin/prometheus` on a free loopback port with the backfilled data
of `tests.fakes.prometheus.data` (2024-05-01 00:00–02:00 UTC: a healthy canary,
an idle spell, a scrape gap, a regression from 01:00; and the ``cart`` service,
whose canary matches its stable version until 01:00 and then regresses — see
`tests.fakes.prometheus.cart`), replaces ``{prometheus}``
in the arguments with its URL, runs the command (a bare name is looked up next
to this Python first, i.e. in the virtualenv), stops the server, and exits with
the command's exit code.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fakes.prometheus.server import real_prometheus


def main(argv: list[str]) -> int:
    """Run `argv` with ``{prometheus}`` replaced; return its exit code."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    local = Path(sys.executable).parent / argv[0]
    program = str(local) if local.exists() else (shutil.which(argv[0]) or argv[0])
    with tempfile.TemporaryDirectory() as workdir, real_prometheus(Path(workdir)) as server:
        command = [program, *(a.replace("{prometheus}", server.url) for a in argv[1:])]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
