"""Known-answer tests for the evaluation metrics and the report writer."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from datamime.data.panel import Panel
from datamime.errors import DataError
from datamime.evaluation.metrics import evaluate
from datamime.evaluation.report import write_report
from datamime.evaluation.stats import autocorrelation, correlation_matrix


def _panel(values: np.ndarray, start: str = "2024-01-01", freq: str = "h") -> Panel:
    index = pd.date_range(start, periods=values.shape[0], freq=freq)
    keys = pd.DataFrame({"id": [f"s{i}" for i in range(values.shape[1])]})
    return Panel(values=np.asarray(values, dtype=float), index=index, keys=keys, freq=freq)


def _daily(n_days: int = 10, n_series: int = 6, noise: float = 0.3, seed: int = 0) -> np.ndarray:
    """Strong daily cycle (amplitude 5 around 10), a different phase per series."""
    rng = np.random.default_rng(seed)
    hours = np.arange(24 * n_days)[:, None]
    shift = np.linspace(0, np.pi, n_series)[None, :]
    cycle = 10 + 5 * np.sin(2 * np.pi * hours / 24 + shift)
    return cycle + noise * rng.standard_normal(cycle.shape)


def _aggregates(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "per_series"}


def _all_finite(metrics: dict) -> bool:
    return all(
        v is None or (isinstance(v, (int, float)) and math.isfinite(v))
        for v in _aggregates(metrics).values()
    )


def test_autocorrelation_alternating_series():
    x = np.tile([1.0, -1.0], 50)[:, None]
    acf = autocorrelation(x, 3)
    np.testing.assert_allclose(acf[:, 0], [-1.0, 1.0, -1.0])


def test_correlation_error_opposite_signs_is_two():
    rng = np.random.default_rng(0)
    base = rng.standard_normal(100)
    real = _panel(np.stack([base, 2 * base + 1], axis=1))
    gen = _panel(np.stack([base, -base], axis=1))
    assert correlation_matrix(real.values)[0, 1] == pytest.approx(1.0)
    metrics = evaluate(real, gen)
    assert metrics["correlation_error"] == pytest.approx(2.0)


def test_evaluate_identical_data():
    real = _panel(_daily())
    metrics = evaluate(real, real)
    assert metrics["wasserstein"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["daily_profile_error"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["acf_distance"] == 0.0
    assert metrics["correlation_error"] == 0.0
    assert metrics["copy_share"] == 1.0
    assert metrics["dcr_ratio"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["dcr_median_real"] > 0.05
    assert metrics["constant_series_mae"] is None
    assert len(metrics["per_series"]["wasserstein"]) == 6
    json.dumps(metrics)  # JSON-able as returned


def test_evaluate_shuffled_in_time_keeps_marginals_but_not_dynamics():
    real = _panel(_daily())
    rng = np.random.default_rng(1)
    shuffled = real.values[rng.permutation(real.n_steps)]
    metrics = evaluate(real, _panel(shuffled))
    assert metrics["wasserstein"] == pytest.approx(0.0, abs=1e-12)
    assert metrics["acf_distance"] > 0.3
    assert metrics["daily_profile_error"] > 0.5
    assert metrics["discriminative_score"] > 0.3


def test_evaluate_white_noise_against_sinusoid():
    real = _panel(_daily())
    rng = np.random.default_rng(2)
    noise = real.values.mean(0) + real.values.std(0) * rng.standard_normal(real.values.shape)
    metrics = evaluate(real, _panel(noise))
    assert metrics["daily_profile_error"] > 0.5
    assert metrics["discriminative_score"] > 0.4
    assert metrics["tstr_trtr"] > 1.5


def test_evaluate_independent_draw_scores_as_real():
    real = _panel(_daily(n_days=14, seed=3))
    other = _panel(_daily(n_days=14, seed=4))
    metrics = evaluate(real, other)
    assert metrics["discriminative_score"] < 0.2
    assert metrics["copy_share"] == 0.0
    assert 0.6 < metrics["dcr_ratio"] < 1.4
    assert 0.8 < metrics["tstr_trtr"] < 1.25
    assert metrics["weekly_profile_error"] is not None
    assert metrics["weekly_profile_error"] < 0.3


def test_evaluate_is_deterministic_with_seed():
    real = _panel(_daily(n_days=4))
    gen = _panel(_daily(n_days=6, seed=7))
    assert evaluate(real, gen, seed=5) == evaluate(real, gen, seed=5)


def test_evaluate_constraint_counters():
    real = _panel(np.arange(40, dtype=float).reshape(10, 4))
    gen = np.ones((10, 4))
    gen[:3, 0] = -2.0  # 3 negative whole numbers
    gen[3:5, 1] = 0.5  # 2 non-integers
    gen[5:7, 2] = np.nan  # 2 missing values
    gen[:, 3] = np.nan  # a series with nothing generated
    metrics = evaluate(real, _panel(gen))
    observed = 40 - 2 - 10
    assert metrics["nan_count"] == 12
    assert metrics["missing_series"] == 1
    assert metrics["negative_share"] == pytest.approx(3 / observed)
    assert metrics["integer_share"] == pytest.approx((observed - 2) / observed)
    assert metrics["real_integer_share"] == 1.0


def test_evaluate_constant_and_gappy_series_give_finite_aggregates():
    values = _daily(n_days=5, n_series=4)
    values[:, 0] = 3.0  # constant
    values[::7, 1] = np.nan  # gaps
    values[30:60, 2] = np.nan  # a long hole
    real = _panel(values)
    gen_values = _daily(n_days=8, n_series=4, seed=9)
    gen_values[:, 0] = 3.5
    metrics = evaluate(real, _panel(gen_values))
    assert _all_finite(metrics)
    assert metrics["n_constant_series"] == 1
    assert metrics["per_series"]["wasserstein"][0] is None
    assert metrics["constant_series_mae"] == pytest.approx(0.5)
    for key in ("wasserstein", "daily_profile_error", "acf_distance", "discriminative_score",
                "correlation_error", "tstr_trtr", "dcr_ratio"):
        assert metrics[key] is not None, key

    all_constant = _panel(np.full((48, 2), 1.0))
    metrics = evaluate(all_constant, all_constant)
    assert _all_finite(metrics)
    assert metrics["wasserstein"] is None
    assert metrics["constant_series_mae"] == 0.0


def test_evaluate_drift_only_on_long_generation():
    real = _panel(_daily(n_days=4, n_series=3))
    short = evaluate(real, _panel(_daily(n_days=10, n_series=3)))
    assert short["monthly_mean_drift_max"] is None
    assert short["weekly_profile_error"] is None  # real spans < 14 days

    stable = _daily(n_days=120, n_series=3, seed=1)
    drifting = stable + np.linspace(0, 20, len(stable))[:, None]
    flat = evaluate(real, _panel(stable))
    drift = evaluate(real, _panel(drifting))
    assert flat["monthly_mean_drift_max"] < 0.1
    assert drift["monthly_mean_drift_median"] > 3.0
    assert len(drift["per_series"]["monthly_mean_drift"]) == 3


def test_evaluate_generated_on_another_range():
    real = _panel(_daily(n_days=5, n_series=3))
    later = _panel(_daily(n_days=30, n_series=3, seed=2), start="2025-06-01")
    metrics = evaluate(real, later)
    assert metrics["n_steps_generated"] == 30 * 24
    assert metrics["daily_profile_error"] < 0.2


def test_evaluate_rejects_other_series():
    real = _panel(_daily(n_days=2, n_series=3))
    with pytest.raises(DataError):
        evaluate(real, _panel(_daily(n_days=2, n_series=2)))


def test_write_report_writes_files(tmp_path):
    values = _daily(n_days=3, n_series=8)
    values[:, 1] = 0.0
    real = _panel(values)
    gen = _panel(_daily(n_days=6, n_series=8, seed=5))
    metrics = evaluate(real, gen)
    path = write_report(metrics, real, gen, tmp_path / "report", title="test report")
    assert path == tmp_path / "report" / "report.md"
    text = path.read_text()
    assert text.startswith("# test report")
    assert "| `discriminative_score` |" in text
    for name in ("series.png", "profiles.png", "distributions.png", "acf.png", "correlation.png"):
        assert (path.parent / name).stat().st_size > 1000, name
        assert f"]({name})" in text
    saved = json.loads((path.parent / "metrics.json").read_text())
    assert saved["wasserstein"] == pytest.approx(metrics["wasserstein"])


def test_held_out_day_is_scaled_with_the_training_panel():
    """One real day standardised by itself looks unlike any honest draw of the same day."""

    def draw(seed: int) -> np.ndarray:  # 3 days, 60 series, levels that move day to day
        rng = np.random.default_rng(seed)
        base = _daily(n_days=3, n_series=60, noise=0.5, seed=seed)
        level = np.repeat(rng.normal(0, 2.0, size=(3, 60)), 24, axis=0)
        return base + level + np.random.default_rng(0).normal(0, 3, size=(1, 60))

    real = draw(1)
    train, held_out = _panel(real[:48]), _panel(real[48:], start="2024-01-03")
    honest = _panel(draw(2)[48:], start="2024-01-03")
    scaled = evaluate(held_out, honest, reference=train)
    self_scaled = evaluate(held_out, honest)
    assert scaled["discriminative_score"] < 0.2
    assert self_scaled["discriminative_score"] > scaled["discriminative_score"] + 0.1
    with pytest.raises(DataError):
        evaluate(held_out, honest, reference=_panel(real[:48, :10]))
