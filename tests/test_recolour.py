"""The linear maps on the network's draws, and the profile's weekday shapes, on known answers."""

import numpy as np
import pandas as pd

from datamime.data.profile import SeasonalProfile
from datamime.fidelity import mode_share
from datamime.models.recolour import (
    DayColouring,
    LevelMap,
    TimeColouring,
    arma_filter,
    fit_ar,
)


def _ar(coef, n, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x = np.zeros(n + 200)
    for t in range(len(coef), len(x)):
        x[t] = sum(c * x[t - 1 - k] for k, c in enumerate(coef)) + scale * rng.standard_normal()
    return x[200:]


def _acf(x, lag):
    return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])


def test_fit_ar_recovers_a_known_process_and_its_order():
    x = _ar([0.6, 0.25], 20_000, 0, scale=0.5)
    coef, var = fit_ar(x, 2)
    assert np.allclose(coef, [0.6, 0.25], atol=0.03) and abs(var - 0.25) < 0.02
    coef, _ = fit_ar(x, 12, select=True)  # AIC: the two lags, the rest near 0 or left out
    assert 2 <= coef.size < 12 and np.allclose(coef[:2], [0.6, 0.25], atol=0.05)
    assert np.abs(coef[2:]).max(initial=0.0) < 0.05


def test_fit_ar_makes_an_explosive_fit_stable_and_skips_gaps():
    x = np.cumsum(np.ones(300))  # a trend: least squares gives a unit root
    coef, _ = fit_ar(x, 1)
    assert abs(coef[0]) <= 0.97 + 1e-9
    y = _ar([0.8], 4000, 1)
    y[::7] = np.nan  # rows touching a gap are left out, not read as zeros
    coef, _ = fit_ar(y, 1)
    assert abs(coef[0] - 0.8) < 0.05


def test_time_colouring_gives_draws_the_samples_memory_and_spread():
    sample = _ar([0.9], 3000, 2, scale=0.3)[:, None]  # the sample's scores
    draws = _ar([0.3, 0.3, 0.2], 20_000, 3, scale=2.0)[:, None]  # a free run, wrong memory
    tc = TimeColouring.fit(sample, draws, order=6)
    out = tc.apply(_ar([0.3, 0.3, 0.2], 20_000, 4, scale=2.0)[:, None])[500:, 0]
    for lag in (1, 2, 5):
        assert abs(_acf(out, lag) - _acf(sample[:, 0], lag)) < 0.05
    assert abs(out.std() / sample.std() - 1) < 0.1
    back = TimeColouring.from_state(tc.get_state())
    assert np.array_equal(back.apply(draws[:50]), tc.apply(draws[:50]))


def _demand(weeks, sunday_shape, seed=0):
    """Half-hourly series: a daily curve, Sundays with their own (or the same) curve."""
    index = pd.date_range("2024-01-01", periods=weeks * 7 * 48, freq="30min")
    hour = (index.hour + index.minute / 60).to_numpy()
    weekday = np.sin(2 * np.pi * (hour - 6) / 24)
    sunday = np.cos(2 * np.pi * hour / 24) if sunday_shape else weekday
    x = np.where(index.day_of_week == 6, sunday, weekday)
    noise = 0.1 * np.random.default_rng(seed).standard_normal(len(index))
    return index, (x + noise)[:, None]


def test_arma_filter_is_the_step_by_step_recursion():
    # the frequency-domain filter must give what the textbook loop gives, from zeros
    rng = np.random.default_rng(3)
    t, g = 500, 3
    s = rng.normal(size=(t, g))
    ma = np.array([[0.5, -0.2], [0.0, 0.0], [0.9, 0.0]])
    ar = np.array([[0.97, 0.0], [1.2, -0.5], [0.0, 0.0]])
    gain = np.array([2.0, 1.0, 0.5])
    x = np.zeros((t + 2, g))
    for i in range(t):
        u = s[i] - ma[:, 0] * (s[i - 1] if i >= 1 else 0) - ma[:, 1] * (s[i - 2] if i >= 2 else 0)
        x[i + 2] = gain * u + ar[:, 0] * x[i + 1] + ar[:, 1] * x[i]
    np.testing.assert_allclose(arma_filter(s, ma, ar, gain), x[2:], atol=1e-10)


def test_level_map_gives_gaussian_levels_the_samples_bound_and_skew_and_keeps_ranks():
    rng = np.random.default_rng(4)
    # the sample: 30 % of its levels sit on a bound (0), the rest skewed above it
    sample = np.where(rng.random(3000) < 0.3, 0.0, rng.exponential(1.0, 3000))[:, None]
    sample[::50] = np.nan  # gaps are ignored
    m = LevelMap.fit(sample, rng.normal(size=(20_000, 1)))
    fresh = rng.normal(size=(20_000, 1))
    out = m.apply(fresh)
    assert abs(np.mean(out <= 1e-9) - 0.3) < 0.03  # the bound's mass, at the bound
    assert np.all(out >= 0)  # ... never crossed
    assert abs(np.median(out) - np.nanmedian(sample)) < 0.05
    assert np.all(np.diff(out[np.argsort(fresh[:, 0]), 0]) >= 0)  # ranks kept
    # beyond the outer quantiles the tail goes on (a skewed one, steeply), not cut
    far = m.apply(np.array([[6.0], [7.0]]))[:, 0]
    assert far[1] > far[0] > m.real[-1, 0]


def test_level_map_of_a_series_with_no_reading_leaves_the_others_their_quantiles():
    rng = np.random.default_rng(6)
    sample = rng.exponential(1.0, (500, 2))
    sample[:, 1] = np.nan  # a series the sample never saw
    m = LevelMap.fit(sample, rng.normal(size=(5000, 2)))
    assert m.gen.shape[0] == 41  # the full set of quantiles, not two
    np.testing.assert_array_equal(m.real[:, 1], m.gen[:, 1])  # identity for the empty one
    x = rng.normal(size=(100, 2))
    np.testing.assert_allclose(m.apply(x)[:, 1], x[:, 1], atol=1e-9)


def test_day_colouring_gives_daily_means_the_samples_co_movement_and_keeps_the_rest():
    rng = np.random.default_rng(5)
    days, per_day = 60, 24
    t = days * per_day
    shared = np.repeat(rng.normal(size=days), per_day)  # one slow swing for both series
    sample = np.stack([shared + 0.5 * rng.normal(size=t), shared + 0.5 * rng.normal(size=t)], 1)
    free = np.stack([np.repeat(rng.normal(size=days), per_day) for _ in range(2)], 1)
    free = free + 0.5 * rng.normal(size=(t, 2))  # a free run whose swings are independent
    dc = DayColouring.fit(sample, free, per_day)
    fresh = np.stack([np.repeat(rng.normal(size=days), per_day) for _ in range(2)], 1)
    fresh = fresh + 0.5 * rng.normal(size=(t, 2))
    out = dc.apply(fresh)

    def daily_corr(x):
        return np.corrcoef(x.reshape(days, per_day, 2).mean(1), rowvar=False)[0, 1]

    assert daily_corr(sample) > 0.8 and abs(daily_corr(fresh)) < 0.3
    assert daily_corr(out) > 0.7
    # the fast part (steps minus their moving daily mean) is kept
    fast = slice(per_day, t - per_day)
    slow_in = fresh - np.stack([np.convolve(fresh[:, j], np.ones(per_day) / per_day, "same")
                                for j in range(2)], 1)
    slow_out = out - np.stack([np.convolve(out[:, j], np.ones(per_day) / per_day, "same")
                               for j in range(2)], 1)
    assert np.corrcoef(slow_in[fast, 0], slow_out[fast, 0])[0, 1] > 0.9


def _ar1(rng, n, phi, sd, g=1):
    e = rng.normal(scale=sd, size=(n, g))
    x = np.zeros((n, g))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def test_chain_colours_the_levels_of_a_daily_grid():
    """Daily data: the levels themselves get the sample's cross-series covariance
    (before, day colouring needed several steps a day and daily grids went without)."""
    from datamime.models.chain import ValueChain

    rng = np.random.default_rng(3)
    n = 120
    index = pd.date_range("2024-01-01", periods=n, freq="D")
    shared = _ar1(rng, n, 0.8, 1.0)
    values = 10 + np.hstack([shared + 0.3 * rng.normal(size=(n, 1)),
                             shared + 0.3 * rng.normal(size=(n, 1))])
    chain, stages = ValueChain.fit(values, index, "D", [], transform="none")
    free = rng.normal(size=(5000, 2))  # innovations with no link between the series
    chain.fit_level_maps(stages.level, free, burn=100)
    assert chain.day_colour is not None and chain.day_colour.width == 1
    e = rng.normal(size=(100 + n, 2))
    out = chain.values(e, index)
    assert np.corrcoef(out, rowvar=False)[0, 1] > 0.7  # independent draws, linked levels


def test_chain_keeps_a_quiet_hour_quiet_through_the_seasonal_spread():
    """Night hours of small swings and day hours of large ones: the level over its
    spread is alike at every hour, and values drawn back keep the night quiet."""
    from datamime.models.chain import ValueChain

    rng = np.random.default_rng(8)
    n = 24 * 28
    index = pd.date_range("2024-01-01", periods=n, freq="h")
    night = np.asarray(index.hour < 6)
    sd = np.where(night, 0.3, 1.0)
    values = (50 + sd * rng.normal(size=n))[:, None]

    def spread_by_hour(chain, stages, x):
        return [np.nanstd(x[night]), np.nanstd(x[~night])]

    for scaled in (True, False):
        chain, stages = ValueChain.fit(values, index, "h", ["day"], transform="none",
                                       ar=False, copula=False, seasonal_scale=scaled)
        quiet, busy = spread_by_hour(chain, stages, stages.level[:, 0])
        if scaled:
            assert 0.6 < quiet / busy < 1.6  # one spread for the network to learn
            out = chain.values(rng.normal(size=(n, 1)) * np.nanstd(stages.level), index)
            q, b = np.std(out[night, 0]), np.std(out[~night, 0])
            assert q / b < 0.55  # near the sample's 0.3, not 1
            again = ValueChain.from_state(chain.get_state())
            np.testing.assert_allclose(again.spread(index), chain.spread(index))
        else:
            assert quiet / busy < 0.4
            np.testing.assert_array_equal(chain.spread(index), 1.0)
    # a series mostly at its minimum (counts that are mostly 0) keeps one spread
    counts = np.where(night[:, None] | (rng.random((n, 1)) < 0.7), 0.0, 3.0)
    chain, _ = ValueChain.fit(np.hstack([values, counts]), index, "h", ["day"],
                              transform="none", ar=False, copula=False)
    spread = chain.spread(index)
    np.testing.assert_allclose(spread[:, 1], 1.0)
    assert spread[night, 0].mean() < 0.7 * spread[~night, 0].mean()


def test_profile_learns_a_weekday_of_its_own_shape_but_no_shape_from_noise():
    index, z = _demand(6, sunday_shape=True)
    prof = SeasonalProfile.fit(z, index, "30min", ["day", "week"], shared=0)
    fitted = prof.at(index)
    sundays = index.day_of_week == 6
    assert np.sqrt(np.mean((fitted[sundays] - z[sundays]) ** 2)) < 0.2  # noise is 0.1
    index, z = _demand(6, sunday_shape=False)
    prof = SeasonalProfile.fit(z, index, "30min", ["day", "week"], shared=0)
    assert np.abs(prof.shapes).max() < 0.1  # all days alike: no weekday shape
    mixed = prof.mixed(np.array([[0.5]]))  # new series scale the shapes too
    assert np.allclose(mixed.shapes, 0.5 * prof.shapes)


def test_profile_smoothing_ignores_hours_a_series_never_reports():
    index = pd.date_range("2024-01-01", periods=21 * 24, freq="h")
    z = np.where((index.hour >= 8) & (index.hour < 17), 1.0, np.nan)[:, None]
    z[index.hour == 8] = 3.0  # a strong first hour of the day
    prof = SeasonalProfile.fit(z, index, "h", ["day"], shrink=False)
    # 1-2-1 over the open hours only: (2*3 + 1) / 3, not (0 + 2*3 + 1) / 4
    assert abs(prof.table[8, 0] - 7 / 3) < 1e-9


def test_mode_share_flags_days_of_one_value():
    days = np.array([[0, 0, 0, 0, 0, 0, 0, 1.0], [0, 1, 2, 3, 4, 5, 6, 7.0]])
    assert np.allclose(mode_share(days), [7 / 8, 1 / 8])
