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
* **Successful** only on the evidence of its **last** look: at the final look (``count``) if
  that look shows the non-inferiority bound, or — without ``count``, in a background analysis
  that looks until the run ends — if its latest look showed it when the run was cut short.
  Earlier Successful looks ("shown so far") are recorded but decide nothing: the judge tests
  all the data at every look, and a regression that appears late in the window must still
  fail it. This is the rule the decision-quality benchmark measures (``methods.ours``).
* **Inconclusive** at the final look without evidence either way — never Successful for lack of
  an alarm, nor for lack of data. ``mann-whitney`` (Kayenta) is fixed-horizon: it fails or goes
  Inconclusive at any look, as Argo maps Kayenta scores, but passes only at the final look.
* **Error** when a query fails, returns the wrong shape, or the carried state cannot be read;
  the judge state is then left as it was, and the next look (10 s later) picks up every event
  since, because the queries are cumulative.
"""
