"""New series: unseen combinations and new entities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer
from datamime.errors import SamplingError
from datamime.series import factors, plan

LEVEL = {"NO2": 20.0, "O3": 60.0, "PM10": 15.0}
STATION = {"s1": 0.5, "s2": 1.0, "s3": 2.0, "s4": 1.5}
CITY = {"s1": "Caen", "s2": "Caen", "s3": "Rouen", "s4": "Le Havre"}
MISSING = {("O3", "s3"), ("PM10", "s1")}


def _panel_table(seed: int = 0) -> pd.DataFrame:
    """Pollutant x station levels that multiply, two combinations left out."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=96, freq="h")
    daily = 1 + 0.3 * np.sin(2 * np.pi * index.hour.to_numpy() / 24)
    frames = []
    for poll, level in LEVEL.items():
        for station, factor in STATION.items():
            if (poll, station) in MISSING:
                continue
            noise = np.exp(rng.normal(0, 0.1, len(index)))
            frames.append(pd.DataFrame({
                "poll": poll, "city": CITY[station], "station": station, "time": index,
                "value": np.round(level * factor * daily * noise, 1)}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 1})
    return syn.fit(_panel_table(), time="time", groups=["poll", "city", "station"], value="value")


def test_factors_tie_a_city_to_its_station():
    keys = _panel_table()[["poll", "city", "station"]].drop_duplicates()
    assert factors(keys) == [["station", "city"], ["poll"]]


def test_plan_lists_the_missing_combinations_with_their_city():
    keys = _panel_table()[["poll", "city", "station"]].drop_duplicates().reset_index(drop=True)
    p = plan(keys, combinations=True)
    got = set(map(tuple, p.keys[["poll", "station", "city"]].to_numpy()))
    assert got == {("O3", "s3", "Rouen"), ("PM10", "s1", "Caen")}
    np.testing.assert_allclose(p.weights.sum(1), 1.0)  # a level estimate, not a scaled one


def test_unseen_combinations_land_near_the_additive_truth(fitted):
    out = fitted.sample(length=24 * 7, combinations=True, seed=1)
    means = out.groupby(["poll", "station"])["value"].mean()
    assert len(means) == len(LEVEL) * len(STATION)
    for poll, station in MISSING:
        truth = LEVEL[poll] * STATION[station]
        # on the log scale the truth is additive; the ridge pulls a little towards the mean
        assert abs(np.log(means[(poll, station)] / truth)) < np.log(1.6), (poll, station)
    # the sample's own series come first and keep their level
    first = out.iloc[: 24 * 7]
    assert (first["poll"].iloc[0], first["station"].iloc[0]) == ("NO2", "s1")


def test_new_entities_mix_the_sample_without_copying_it(fitted):
    out = fitted.sample(length=24 * 7, new_groups=2, seed=3)
    new = out[out["station"].str.startswith("new_")]
    assert sorted(new["station"].unique()) == ["new_1", "new_2"]
    for station, rows in new.groupby("station"):
        assert rows["city"].nunique() == 1 and rows["city"].iloc[0] in CITY.values()
        for poll, r in rows.groupby("poll"):
            real = [LEVEL[poll] * f for s, f in STATION.items() if (poll, s) not in MISSING]
            assert min(real) * 0.6 < r["value"].mean() < max(real) * 1.6
    # no day of a new series repeats a day of any sample series
    sample = _panel_table()
    real_days = {tuple(g["value"].to_numpy()[i:i + 24]) for _, g in sample.groupby(["poll", "station"])
                 for i in range(0, 96, 24)}
    for _, g in new.groupby(["poll", "station"]):
        v = g["value"].to_numpy()
        assert all(tuple(v[i:i + 24]) not in real_days for i in range(0, len(v), 24))


def test_new_series_survive_save_and_load(fitted, tmp_path):
    again = Synthesizer.load(fitted.save(tmp_path / "m"), verbose=False)
    a = fitted.sample(length=48, combinations=True, new_groups=1, seed=5)
    pd.testing.assert_frame_equal(again.sample(length=48, combinations=True, new_groups=1, seed=5), a)


def test_new_series_refusals():
    df = _panel_table()
    base = Synthesizer(model="seasonal_bootstrap", verbose=False)
    base.fit(df, time="time", groups=["poll", "city", "station"], value="value")
    with pytest.raises(SamplingError, match="deep model"):
        base.sample(length=24, combinations=True)
    one = df[(df["poll"] == "NO2") & (df["station"] == "s1")]
    single = Synthesizer(model="seasonal_bootstrap", verbose=False)
    single.fit(one, time="time", groups=[], value="value")
    with pytest.raises(SamplingError, match="single series"):
        single.sample(length=24, new_groups=1)
    keys = df[["station", "city"]].drop_duplicates()
    with pytest.raises(SamplingError, match="always come together"):
        plan(keys, combinations=True)
    with pytest.raises(SamplingError, match="whole number"):
        plan(keys, new_groups=-1)


def _weekly_table(seed: int = 0) -> pd.DataFrame:
    """Three weeks of hourly traffic at four stations, weekends at 40 % of weekdays."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=21 * 24, freq="h")
    weekend = index.dayofweek.to_numpy() >= 5
    daily = 1 + 0.5 * np.sin(2 * np.pi * (index.hour.to_numpy() - 6) / 24)
    frames = []
    for station, level in {"a": 40.0, "b": 60.0, "c": 50.0, "d": 80.0}.items():
        noise = np.exp(rng.normal(0, 0.1, len(index)))
        value = level * daily * np.where(weekend, 0.4, 1.0) * noise
        frames.append(pd.DataFrame({"station": station, "time": index, "value": value.round(1)}))
    return pd.concat(frames, ignore_index=True)


def _weekend_ratio(frame: pd.DataFrame) -> float:
    weekend = frame["time"].dt.dayofweek >= 5
    return frame.loc[weekend, "value"].mean() / frame.loc[~weekend, "value"].mean()


def test_new_entities_keep_the_weekend_drop_of_every_series():
    """derive used to rebuild the daily profile without its day-of-week offsets, so asking
    for new stations erased the weekend drop of every series, the sample's own included."""
    table = _weekly_table()
    assert _weekend_ratio(table) == pytest.approx(0.4, abs=0.03)
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 2})
    syn.fit(table, time="time", groups=["station"], value="value")
    plain = syn.sample(start="2024-01-01", length=21 * 24, seed=1)
    more = syn.sample(start="2024-01-01", length=21 * 24, new_groups=2, seed=1)
    known = more[~more["station"].str.startswith("new_")]
    new = more[more["station"].str.startswith("new_")]
    assert new["station"].nunique() == 2
    assert _weekend_ratio(plain) < 0.6
    assert abs(_weekend_ratio(known) - _weekend_ratio(plain)) < 0.05
    assert _weekend_ratio(new) < 0.6
