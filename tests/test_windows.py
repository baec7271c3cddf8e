"""Recurring observation windows are reproduced, one-off gaps are generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer
from datamime.data.windows import ObservationWindows


def _car_park_and_market(weeks: int = 3) -> pd.DataFrame:
    """A car park reporting 08:00-16:30 every half hour, a market closed on Sundays."""
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-03-04", periods=48 * 7 * weeks, freq="30min")
    minutes = index.hour * 60 + index.minute
    rows = []
    for name, keep in [("car park", (minutes >= 8 * 60) & (minutes <= 16 * 60 + 30)),
                       ("market", index.day_of_week != 6)]:
        t = index[keep]
        level = 50 + 30 * np.sin(2 * np.pi * (t.hour.to_numpy() - 6) / 24)
        rows.append(pd.DataFrame({"site": name, "time": t,
                                  "count": np.round(level + rng.normal(0, 5, len(t))).clip(0)}))
    df = pd.concat(rows, ignore_index=True)
    # a one-off gap in the market's data: an outage, not a closing time
    outage = (df["site"] == "market") & df["time"].between("2024-03-06 10:00", "2024-03-06 14:00")
    return df[~outage].reset_index(drop=True)


def test_windows_learn_closed_hours_and_days_but_not_one_off_gaps():
    df = _car_park_and_market()
    wide = df.pivot(index="time", columns="site", values="count")
    wide = wide.reindex(pd.date_range(wide.index[0], wide.index[-1], freq="30min"))
    w = ObservationWindows.fit(wide[["car park", "market"]].to_numpy(), wide.index, "30min")
    assert w.day_open[:, 0].sum() == 18  # 08:00 ... 16:30
    assert w.day_open[16, 0] and w.day_open[33, 0] and not w.day_open[15, 0] and not w.day_open[34, 0]
    assert w.day_open[:, 1].all()  # the outage is not a closing time
    assert w.week_open[:, 0].all() and not w.week_open[6, 1] and w.week_open[:6, 1].all()
    said = w.describe(["car park", "market"])
    assert "car park reports only 08:00-16:30" in said and "market never on Sundays" in said


def test_short_samples_close_nothing():
    index = pd.date_range("2024-03-04 08:00", periods=20, freq="h")  # under a day
    values = np.ones((20, 1))
    w = ObservationWindows.fit(values, index, "h")
    assert not w.any_closed


@pytest.mark.parametrize("model", ["seasonal_bootstrap", "rvae"])
def test_generated_table_keeps_the_windows(tmp_path, model):
    df = _car_park_and_market()
    kwargs = {"trainer": {"max_epochs": 1}} if model == "rvae" else {}
    syn = Synthesizer(model=model, seed=0, verbose=False, **kwargs)
    syn.fit(df, time="time", groups=["site"], value="count")
    out = syn.sample(start="2024-06-03", length=48 * 7)  # a week from a Monday
    park = out[out["site"] == "car park"]["time"]
    minutes = park.dt.hour * 60 + park.dt.minute
    assert len(park) == 18 * 7 and minutes.between(8 * 60, 16 * 60 + 30).all()
    market = out[out["site"] == "market"]["time"]
    assert len(market) == 48 * 6 and (market.dt.day_of_week != 6).all()
    filled = syn.sample(start="2024-06-03", length=48 * 7, closed="fill")
    assert len(filled) == 2 * 48 * 7
    # the model and its windows survive save / load, and to_panel takes the gaps
    again = Synthesizer.load(syn.save(tmp_path / "m"), verbose=False)
    pd.testing.assert_frame_equal(again.sample(start="2024-06-03", length=48 * 7), out)
    panel = syn.to_panel(out, index=syn.date_range(start="2024-06-03", length=48 * 7))
    assert panel.values.shape == (48 * 7, 2)
    assert np.isnan(panel.values[:, 0]).sum() == 48 * 7 - 18 * 7
