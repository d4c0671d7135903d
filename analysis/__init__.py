"""Analysis: metric providers, conditions, threshold runs and statistical judges.

Pure except for `analysis.providers`, the one place that talks to the network.
The path of one measurement, module by module:

============================  ===========================================================
`analysis.args`               template arguments → resolved values (Secrets marked)
`analysis.templating`         ``{{args.x}}`` / ``{{elapsed}}`` substituted by lexical
                              context (`analysis.lexing`), so no value changes a query
`analysis.spec`               a template + arguments → `CompiledRun` (parsed fields,
                              compiled CEL, pre-lexed queries); every spec error found here
`analysis.providers`          the `MetricProvider` Protocol, result values, Prometheus,
                              the registry keyed by the ``provider`` field
`analysis.measure`            one measurement: query at ``now``, judge, never raise
`analysis.threshold`          Argo's outcome table over CEL conditions; no data ≠ success
`analysis.comparison`         the plug point for comparison judges (``comparison.method``)
`analysis.comparisons`        the three methods in a run: both versions queried at ``now``,
                              judged (`analysis.judges`), the judge state carried as a string
`analysis.verdict`            counters and limits → the metric's verdict
`analysis.run`                the run as a pure state machine: start, due, record, terminate
`analysis.replay`             the run on a simulated clock (``rollout-engine analyze``)
============================  ===========================================================
"""
