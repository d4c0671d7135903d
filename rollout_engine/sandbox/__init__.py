"""The local sandbox: a real canary on one machine, without Kubernetes.

Two versions of a small HTTP service (:mod:`.app`), a real nginx routing
between them and a real Prometheus scraping them (:mod:`.processes`), a load
generator (:mod:`.loadgen`), and the views of a run: live progress
(:mod:`.console`) and an HTML report (:mod:`.report`), both fed by one
:class:`~.timeline.Timeline`.

The sandbox is shell: it runs processes and does I/O. It never decides
anything; the strategy engine renders the nginx routing and the analysis
judges the metrics, exactly as in the cluster.
"""

from __future__ import annotations
