"""Tiny samples: ten rows, shorter than one cycle, one or several identifying columns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer
from datamime.data.transforms import InnovationPrior, Prewhitener, sample_limits

TEN = [12, 15, 19, 22, 21, 24, 23, 20, 16, 13]  # visitors, 08:00 to 17:00


def _ten_rows(tmp_path):
    times = pd.date_range("2024-03-04 08:00", periods=10, freq="h")
    path = tmp_path / "ten.csv"
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "visitors": TEN}).to_csv(path, index=False)
    return path


def _fast(**kw):
    return Synthesizer(model="rvae", seed=0, verbose=False, trainer={"max_epochs": 2}, **kw)


def test_ten_rows_give_a_plausible_week_and_say_what_they_cannot_tell(tmp_path):
    with pytest.warns(UserWarning, match="only 10 values per series"):
        syn = _fast().fit(_ten_rows(tmp_path))
    assert any("daily cycle" in n for n in syn.notes)
    week = syn.sample(length=168, seed=1)
    v = week["visitors"].to_numpy()
    assert len(v) == 168 and v.dtype.kind == "i" and v.min() >= 0
    real = np.array(TEN, dtype=float)
    assert abs(v.mean() - real.mean()) < 0.25 * real.mean()
    # the spread survives: the network alone collapsed it to a tenth
    assert 0.5 * real.std() < v.std() < 1.6 * real.std()
    # and so does the hour-to-hour memory: neighbours closer than random pairs
    assert np.mean(np.abs(np.diff(v))) < np.mean(np.abs(v - np.random.default_rng(0).permutation(v)))


def test_tiny_model_round_trips_through_save_and_load(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        syn = _fast().fit(_ten_rows(tmp_path))
    a = syn.sample(length=48, seed=3)
    again = Synthesizer.load(syn.save(tmp_path / "m"), verbose=False).sample(length=48, seed=3)
    pd.testing.assert_frame_equal(a, again)


@pytest.mark.parametrize("groups", [[], ["site"], ["site", "sensor"]])
def test_shorter_than_a_day_with_zero_one_or_two_identifying_columns(tmp_path, groups):
    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=12, freq="h")
    keys = {"site": ["a", "b"], "sensor": ["x", "y"]}
    combos = pd.MultiIndex.from_product([keys[g] for g in groups]).tolist() if groups else [()]
    rows = []
    for combo in combos:
        combo = combo if isinstance(combo, tuple) else (combo,)
        level = rng.uniform(5, 50)
        for t in times:
            rows.append({**dict(zip(groups, combo)), "time": t, "value": level + rng.normal(0, 2)})
    df = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        syn = _fast().fit(df, time="time", groups=groups, value="value")
    out = syn.sample(length=48)
    assert len(out) == 48 * len(combos)
    assert np.isfinite(out["value"]).all()
    means = out.groupby(groups)["value"].mean() if groups else out["value"].mean()
    real = df.groupby(groups)["value"].mean() if groups else df["value"].mean()
    np.testing.assert_allclose(np.asarray(means), np.asarray(real), rtol=0.3)


def test_daily_data_shorter_than_a_week(tmp_path):
    df = pd.DataFrame({"day": pd.date_range("2024-05-01", periods=5, freq="D"),
                       "sales": [40, 42, 39, 45, 41]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        syn = _fast().fit(df, time="day", groups=[], value="sales")
    assert any("weekly cycle" in n for n in syn.notes)
    out = syn.sample(length=60)
    assert len(out) == 60 and out["sales"].between(20, 70).all()


def test_innovation_prior_keeps_the_target_variance_through_the_ar_filter():
    rng = np.random.default_rng(0)
    e = rng.normal(0, 0.3, size=(200, 2))
    phi = np.array([0.0, 0.8])
    target = np.array([1.0, 2.0])
    prior = InnovationPrior.fit(e / 0.3, e, phi, target)
    draws = prior.draw(50_000, seed=1) * 0.3 * prior.scale  # through unit-scale quantiles
    z = Prewhitener(phi).inverse(draws)
    np.testing.assert_allclose(z[1000:].var(0), target, rtol=0.08)
    # independent sample series stay nearly independent
    assert abs(np.corrcoef(draws.T)[0, 1]) < 0.05


def test_sample_limits_name_only_the_cycles_the_span_misses():
    three_days = pd.date_range("2024-01-01", periods=72, freq="h")
    (note,) = sample_limits(three_days, "h", 72)
    assert "weekly" in note and "daily" not in note and "3 days" in note
    two_weeks = pd.date_range("2024-01-01", periods=24 * 15, freq="h")
    (note,) = sample_limits(two_weeks, "h", 24 * 15)
    assert "yearly" in note and "weekly" not in note
    long = pd.date_range("2020-01-01", periods=800, freq="D")
    assert sample_limits(long, "D", 800) == []


def test_weekly_offsets_come_back_when_the_sample_spans_weeks():
    from datamime.data.profile import SeasonalProfile

    index = pd.date_range("2024-01-01", periods=24 * 7 * 6, freq="h")
    rng = np.random.default_rng(0)
    weekend = np.asarray(index.day_of_week >= 5)
    z = (np.sin(2 * np.pi * index.hour.to_numpy() / 24) - 1.0 * weekend
         + rng.normal(0, 0.3, len(index)))[:, None]
    profile = SeasonalProfile.fit(z, index, "h", ["day", "week"])
    assert profile.weekly is not None
    gap = profile.weekly[5:, 0].mean() - profile.weekly[:5, 0].mean()
    assert -1.15 < gap < -0.85
    # three days of data: no weekly offsets
    short = SeasonalProfile.fit(z[:72], index[:72], "h", ["day"])
    assert short.weekly is None
    again = SeasonalProfile.from_state(profile.get_state())
    np.testing.assert_allclose(again.at(index), profile.at(index))
