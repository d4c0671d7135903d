"""A program that runs a sandbox as the demo will: the process the orphan test kills.

    python -m tests.e2e.sandbox.host PARENT_DIR [--keep]

It prints its progress (``entered <root>``, ``started``, ``running``) and,
unless ``--keep``, sends load and reloads nginx until it is killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator
from rollout_engine.sandbox.processes import AppSpec, Sandbox, SandboxOptions
from tests.e2e.sandbox.conftest import QUIET
from tests.e2e.sandbox.fragments import routing


def main(parent: Path, *, keep: bool) -> None:
    options = SandboxOptions(scrape_interval_s=1.0, parent_dir=parent, keep=keep)
    box = Sandbox(
        stable=AppSpec("v1", QUIET, sleep_scale=0.0),
        candidate=AppSpec("v2", QUIET, sleep_scale=0.0),
        options=options,
    )
    with box:
        print("entered", box.root, flush=True)
        box.start(routing(listen=box.front_listen, upstreams=box.upstreams(), weight=20),
                  wait_scraped=False)  # fmt: skip
        print("started", flush=True)
        if keep:
            print(box.describe(), flush=True)
            return
        with LoadGenerator(LoadConfig(box.front_url + "/", rate_per_s=100, threads=2)):
            print("running", flush=True)
            for i in range(10_000):
                upstreams = box.upstreams()
                box.apply(
                    routing(listen=box.front_listen, upstreams=upstreams, weight=i * 25 % 125)
                )
                time.sleep(0.05)


if __name__ == "__main__":
    main(Path(sys.argv[1]), keep="--keep" in sys.argv[2:])
