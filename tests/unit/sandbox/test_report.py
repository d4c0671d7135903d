"""The HTML report: valid, self-contained, one plot per metric, evidence in tables."""

from __future__ import annotations

import base64
from pathlib import Path

from rollout_engine.sandbox.plots import metric_png, traffic_png
from rollout_engine.sandbox.report import render_html, write_report
from tests.unit.sandbox.htmlcheck import parse_html as _parse
from tests.unit.sandbox.htmlcheck import png_size as _png_size
from tests.unit.sandbox.sample import rolled_back_run


def test_the_report_is_well_formed_with_one_plot_per_metric(tmp_path: Path) -> None:
    timeline = rolled_back_run()
    path = write_report(timeline, tmp_path / "out" / "report.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    parsed = _parse(html)
    assert parsed.errors == [] and parsed.stack == []
    metric_plots = [f["data-metric"] for f in parsed.figures if f.get("data-plot") == "metric"]
    assert metric_plots == ["error-ratio", "latency"]
    assert [f for f in parsed.figures if f.get("data-plot") == "traffic"]
    # self-contained: every image is inline, a PNG
    assert parsed.images and all(src.startswith("data:image/png;base64,") for src in parsed.images)
    for src in parsed.images:
        assert _png_size(base64.b64decode(src.split(",", 1)[1]))[0] > 0


def test_measurements_and_the_verdict_carry_their_evidence() -> None:
    parsed = _parse(render_html(rolled_back_run().snapshot()))
    rows = [parsed.cells[i : i + 5] for i in range(len(parsed.cells)) if parsed.cells[i] == "28.0"]
    assert rows[0][:4] == ["28.0", "3", "[1.6, 5.2] limit 1.2", "Failed"]
    assert "candidate errors 3.0× stable" in rows[0][4]
    html = render_html(rolled_back_run().snapshot())
    assert 'data-verdict="RolledBack"' in html and "error ratio above 1.2×" in html


def test_text_from_the_run_cannot_inject_markup() -> None:
    parsed = _parse(render_html(rolled_back_run().snapshot()))
    assert parsed.scripts == 0
    assert any("<script>alert(1)</script>" in cell for cell in parsed.cells)


def test_a_metric_plot_renders_to_a_non_empty_png() -> None:
    snapshot = rolled_back_run().snapshot()
    png = metric_png(snapshot, "error-ratio")
    width, height = _png_size(png)
    assert (width, height) == (900, 320)
    assert len(png) > 10_000  # lines, labels and legend, not a blank canvas
    assert _png_size(traffic_png(snapshot)) == (900, 320)


def test_an_unfinished_run_still_renders() -> None:
    timeline = rolled_back_run()
    snapshot = timeline.snapshot()
    unfinished = type(snapshot)(**{**snapshot.__dict__, "verdict": None, "traffic": ()})
    html = render_html(unfinished)
    assert "No verdict yet" in html
    assert _parse(html).errors == []
