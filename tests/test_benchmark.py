"""The benchmark script end to end in its quickest mode, plus its report helpers."""

import importlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def bm(monkeypatch: pytest.MonkeyPatch):
    """scripts/benchmark.py as a module (its spawned children find it through sys.path)."""
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    return importlib.import_module("benchmark")


def test_quick_benchmark_writes_report(bm, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    path = bm.main(["--quick", "--datasets", "example", "--models", "seasonal_bootstrap",
                           "--out", str(out)])
    text = path.read_text()
    assert path == out / "RESULTS.md"
    assert "python scripts/benchmark.py --datasets example --models seasonal_bootstrap" in text
    assert "| model | train s | sample s | year s | rows/s | peak MB | disc |" in text
    row = next(line for line in text.splitlines() if line.startswith("| seasonal_bootstrap |"))
    assert "failed" not in row and len(row.split("|")) == len(importlib.import_module("results_report").COLUMNS) + 3
    assert "## Targets" in text and "<!-- notes -->" in text and "PARSynthesizer" in text
    plots = out / "plots" / "example" / "seasonal_bootstrap"
    for name in ("report.md", "series.png", "profiles.png", "acf.png", "correlation.png"):
        assert (plots / name).is_file(), name
    assert "(plots/example/seasonal_bootstrap/series.png)" in text
    runs = json.loads((out / "results.json").read_text())["runs"]
    assert len(runs) == 1 and "error" not in runs[0]
    assert runs[0]["fit_s"] >= 0 and runs[0]["peak_mb"] > 0 and runs[0]["year_steps"] == 60 * 24


def test_failed_run_and_targets_render(bm) -> None:
    report = importlib.import_module("results_report")  # scripts/results_report.py
    ok = {"dataset": "atmo_a", "model": "seasonal_ar", "seed": 0, "fit_s": 1.0,
          "discriminative_score": 0.3, "acf_distance": 0.2}
    deep = [{"dataset": "atmo_a", "model": "rvae", "seed": s, "discriminative_score": d,
             "acf_distance": 0.05, "copy_share": 0.0, "monthly_mean_drift_max": 0.2,
             "monthly_mean_drift_median": 0.05} for s, d in ((0, 0.05), (1, 0.07), (2, 0.5))]
    bad = {"dataset": "atmo_a", "model": "ar_rnn", "seed": 0, "error": "ValueError: a | b"}
    agg = report.aggregate([ok, *deep, bad])
    assert agg[("atmo_a", "rvae")]["discriminative_score"] == 0.07  # median over seeds
    table = "\n".join(report.dataset_table("atmo_a", agg, ["ar_rnn", "rvae", "seasonal_ar"]))
    assert "| ar_rnn | failed: ValueError: a \\| b |" in table
    lines = report.check_targets(agg, ["ar_rnn", "rvae", "seasonal_ar"])
    text = "\n".join(lines)
    assert "discriminative score: **0.07** (target <= 0.08) ✅" in text
    assert "below every baseline: **0.07** (best baseline seasonal_ar 0.3) ✅" in text
    assert "max over series): **0.2** (median 0.05) (target <= 0.1) ❌" in text
    floors = {"acf_distance": 0.16, "discriminative_score": 0.15}
    text = "\n".join(report.check_targets(agg, ["ar_rnn", "rvae", "seasonal_ar"], floors))
    assert "ACF distance: **0.05** (target <= 0.06; floor 0.16) ✅" in text
    assert "below every baseline: **0.07** (best baseline seasonal_ar 0.3) ✅" in text
    assert report.fmt(123456.0) == "123k" and report.fmt(None) == "–"
    assert bm.model_kwargs("ar_rnn", True, None) == {
        "trainer": {"enable_progress_bar": False, "max_epochs": 1}, "windows_per_epoch": 16}
    assert bm.model_kwargs("block_bootstrap", True, 5) == {}
