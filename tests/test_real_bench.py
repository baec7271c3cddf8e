"""The real-data benchmark's scoring helpers (scripts/real_bench.py, real_report.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def rb(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import real_bench

    return real_bench


def test_metrics_of_several_draws_are_their_means_and_none_stays_none(rb):
    out = rb.mean_over_draws([{"disc": 0.1, "corr": None, "n": 3},
                              {"disc": 0.3, "corr": None, "n": 3},
                              {"disc": None, "corr": None, "n": 3}])
    assert out == {"disc": pytest.approx(0.2), "corr": None, "n": 3.0}


def _sample(rb, shift: float):
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-03-01", periods=24 * 42, freq="h")
    hour = index.hour.to_numpy()
    values = 10 + np.sin(2 * np.pi * hour / 24) + rng.normal(scale=0.3, size=len(index))
    values[len(index) * 2 // 3:] += shift  # the held-out third moves away, or not
    frame = pd.DataFrame({"time": index, "value": values})
    return rb.real_data.RealSample(name="toy", frame=frame, roles={"time": "time",
                                   "value": "value"}, shape={}, covers=[], note="")


def test_history_scores_tell_a_held_out_third_that_moved_from_one_that_did_not(
        rb, monkeypatch):
    for shift, lo, hi in ((0.0, 0.0, 0.2), (3.0, 0.45, 0.5)):
        sample = _sample(rb, shift)
        monkeypatch.setitem(rb.real_data.LOADERS, "toy", lambda s=sample: s)
        scores = rb.history_scores("toy", [0, 1])
        assert lo <= scores["discriminative_score"] <= hi, shift
        assert scores["roughness_ratio"] == pytest.approx(1.0, abs=0.1)  # the same noise


def test_report_shows_the_history_table_only_when_there_is_one(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import real_report

    assert real_report.history_table({}, ["a"]) == []
    lines = real_report.history_table({"a": {"discriminative_score": 0.319}}, ["a", "b"])
    assert "| a | 0.319 | – | – | – | – |" in lines
    assert not any(line.startswith("| b |") for line in lines)


def test_ablation_table_medians_counts_and_skips_a_metric_a_dataset_lacks(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import real_report

    labels = [lab for lab in real_report.ABLATION if lab != "full"]
    model = real_report.DEFAULT_MODEL
    full = {("a", "A", model): {"corr": 0.1}, ("b", "A", model): {"corr": 0.3},
            ("c", "A", model): {"corr": None}}
    parts = {("a", "A", lab): {"corr": 0.2} for lab in labels}
    parts.update({("b", "A", lab): {"corr": 0.25} for lab in labels})
    lines = real_report.ablation_table(full, parts, ["a", "b", "c"], ["A"], "corr")
    assert not any(line.startswith("| c |") for line in lines)  # one series: no correlation
    n = len(labels)
    assert lines[-2] == "| **median** | | 0.2 | " + " | ".join(["0.225"] * n) + " |"
    assert lines[-1] == "| **full lower on** | |  | " + " | ".join(["1 of 2"] * n) + " |"
    parts[("a", "A", "full")] = {"corr": 0.5}  # the ablation's own full run wins
    lines = real_report.ablation_table(full, parts, ["a"], ["A"], "corr")
    assert lines[2].startswith("| a | A | 0.5 | 0.2 |")


def test_the_ablation_runs_the_full_model_beside_its_variants(rb):
    from types import SimpleNamespace

    args = SimpleNamespace(quick=False, protocols=["A"], seeds=[0, 1])
    tasks = rb.ablation_tasks(args, ["a", "b"])
    assert len(tasks) == len(rb.ABLATION) * 2 * 2
    full = [t for t in tasks if t.variant == "full"]
    assert len(full) == 4 and all(t.overrides == {} for t in full)
    assert tasks[-1].variant == "network off"  # nothing trained: last, so the pool ends together
