"""The day-scale, bound and roughness metrics on cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import fidelity
from datamime.constraints import sitting_bounds


def _days(n_days: int) -> pd.DatetimeIndex:
    return pd.date_range("2024-01-01", periods=24 * n_days, freq="h")


def test_daily_mean_correlation_error_is_two_when_the_sign_of_a_link_flips():
    index = _days(10)
    rng = np.random.default_rng(0)
    level = np.repeat(rng.normal(size=10), 24) + 0.1 * rng.normal(size=len(index))
    real = np.stack([level, level], axis=1)  # daily means correlated +1
    flipped = np.stack([level, -level], axis=1)  # -1
    assert fidelity.daily_mean_correlation_error(real, index, real, index) == pytest.approx(0)
    got = fidelity.daily_mean_correlation_error(real, index, flipped, index)
    assert got == pytest.approx(2.0)


def test_daily_mean_correlation_needs_a_week_of_real_data():
    index = _days(6)
    x = np.random.default_rng(1).normal(size=(len(index), 2))
    assert np.isnan(fidelity.daily_mean_correlation_error(x, index, x, index))


def test_past_bound_share_counts_values_over_a_bound_the_sample_sits_on():
    rng = np.random.default_rng(2)
    train = np.r_[np.full(20, 100.0), rng.uniform(40, 95, 80)][:, None]
    assert sitting_bounds(train)[1][0] == 100.0
    generated = np.r_[np.full(10, 101.0), np.full(90, 99.0)][:, None]
    share, n_bounded = fidelity.past_bound_share(train, generated)
    assert (share, n_bounded) == (pytest.approx(0.1), 1)


def test_no_bound_where_the_extreme_does_not_pile_up():
    """Rounded readings whose lowest value came up 3 times, and the next one as often,
    are not a bound; the metric then has nothing to count."""
    train = np.r_[[22.8] * 3, [23.3] * 3, np.linspace(24, 30, 60)][:, None]
    assert np.isnan(sitting_bounds(train)[0][0])
    assert np.isnan(fidelity.past_bound_share(train, train - 5)[0])


def test_roughness_ratio_is_the_ratio_of_step_spreads():
    real = np.cumsum(np.random.default_rng(3).normal(size=(500, 3)), axis=0)
    assert fidelity.roughness_ratio(real, 2 * real) == pytest.approx(2.0)
    assert fidelity.roughness_ratio(real, real + 7) == pytest.approx(1.0)
    constant = np.ones((50, 1))
    assert np.isnan(fidelity.roughness_ratio(constant, constant))
