"""The local sandbox: a real canary on one machine, without Kubernetes.

Two versions of a small HTTP service (:mod:`.app`), a real nginx routing
between them and a real Prometheus scraping them (:mod:`.processes`), a load
generator (:mod:`.loadgen`), and the views of a run: live progress
(:mod:`.console`) and an HTML report (:mod:`.report`), both fed by one
:class:`~.timeline.Timeline`.

The sandbox is shell: it runs processes and does I/O. It never decides
anything; the strategy engine renders the nginx routing and the analysis
judges the metrics, exactly as in the cluster.

The engine loop (``rollout-engine demo``, :mod:`.demo`) drives a Rollout
from ``examples/sandbox/`` (:mod:`.manifests`) over the two tracks:
:class:`~.engine.SandboxEngine` reconciles once per tick — observe, then
``strategies.advance``, then apply: versions, routing (:mod:`.router`, the
Local-NGINX renderer), analysis runs (:mod:`.runs`, advanced with
``rollout_engine.engine``, the same functions the controller uses). The
:class:`~.recorder.Recorder` turns each tick into the timeline the views
read; :mod:`.scenarios` holds the builds and the pace.

Seams for the engine loop (``rollout-engine demo``):

- **Traffic.** The routing is an nginx fragment included inside ``http {}``
  that brings its own upstreams and front server; render it with
  ``render_local_nginx(name=…, traffic=desired.traffic,
  stable=box.upstreams()["stable"], candidate=box.upstreams()["candidate"],
  listen=box.front_listen)`` and apply it with ``box.apply(fragment)``
  (SIGHUP; returns once only the new routing answers; a bad fragment raises
  SandboxError and leaves the old routing in place). A new candidate build
  comes in through ``box.replace_app("candidate", spec, render=…)``.
- **Metrics.** Prometheus is at ``box.prometheus_url``; every app series
  carries the target labels ``track`` (stable/candidate) and ``version``
  (build) and ``job="sandbox-app"``: ``http_requests_total{code}`` and
  ``http_request_duration_seconds_bucket{le}`` (seconds).
- **Views.** The loop appends to a :class:`~.timeline.Timeline` (steps with
  weights, values per track, measurements — ``measurement_from_api`` turns an
  AnalysisRun measurement into a row —, traffic from
  ``LoadGenerator.counts()``, the verdict); :class:`~.console.LiveProgress`
  and :func:`~.report.write_report` read it.
"""

from __future__ import annotations
