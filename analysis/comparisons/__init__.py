"""Comparison metrics in a run: query both versions, judge them, record a measurement.

The statistical judges (`analysis.judges`) are pure functions of one look's observation
and the state carried from the previous look. This package connects them to the analysis
run, module by module:

=====================  =================================================================
`.plan`                compiled once per run: each metric's judge configuration and its
                       share of the false-rollback budget; the Kayenta scoring group
`.common`              what every measurer shares: queries at one evaluation time, shapes,
                       outcome → measurement phase, the reason line
`.state`               the judge state as a compact, versioned string (`MetricResult.state`)
`.counts`              ``sequential-counts``: cumulative ``increase(…[{{elapsed}}])`` →
                       per-look increments
`.latency`             ``sequential-latency``: histogram buckets by ``le`` → per-look
                       increments
`.kayenta`             ``mann-whitney``: range queries → Kayenta classification and score
=====================  =================================================================

`analysis.comparison` registers the three measurers under their method names.

How a comparison metric lives in a run (``interval``, ``count``, limits)
-------------------------------------------------------------------------
* Every ``interval`` the metric *looks*: one measurement, queried at the measurement time.
  Each look counts toward ``count``, including a look that decided nothing yet (phase
  **Running**), so ``count`` is the number of looks: the length of the test's window.
  ``final`` is the look that reaches ``count``.
* **Failed** as soon as the judge finds the candidate worse than allowed (any look; Argo's
  ``failureLimit`` still applies — the anytime-valid p-value is a running minimum, so later
  looks keep failing).
* **Successful** as soon as the non-inferiority bound is shown, when ``count`` is set: the
  metric stops early. Without ``count`` (a background analysis) it keeps looking, so a later
  regression still rolls back, and it is Successful at the run's end only if some look showed
  non-inferiority and the last look did not error (`analysis.verdict.cut_short`).
* **Inconclusive** at the final look without evidence either way — never Successful for lack of
  an alarm, nor for lack of data. ``mann-whitney`` (Kayenta) is fixed-horizon: it fails or goes
  Inconclusive at any look, as Argo maps Kayenta scores, but passes only at the final look.
* **Error** when a query fails, returns the wrong shape, or the carried state cannot be read;
  the judge state is then left as it was, and the next look (10 s later) picks up every event
  since, because the queries are cumulative.
"""
