"""Closed hours are learned and kept on the sample's local clock (``data.tz``), across
both daylight-saving changes; messages name local hours."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datamime import Synthesizer


def shops(start: str = "2024-03-11", days: int = 28, tz: str | None = "Europe/Paris",
          values: tuple[str, ...] = ("temperature", "humidity"), open_hours=(7, 20),
          sensors: tuple[str, ...] = ("s1",), drop: tuple[str, str] | None = None,
          seed: int = 0) -> pd.DataFrame:
    """Hourly readings of two shops, reported only from 07:00 to 20:00 on their clock.

    ``tz``: the times are naive local clock times in that zone (a day has 23 or 25 hours
    at a change), else naive UTC; ``open_hours=None``: every hour is reported; ``drop``: a
    (shop, sensor) pair absent from the sample.
    """
    rng = np.random.default_rng(seed)
    utc = pd.date_range(start, periods=24 * days, freq="h", tz="UTC")
    clock = (utc.tz_convert(tz) if tz else utc).tz_localize(None)
    rows = []
    for shop in ("A", "B"):
        for sensor in sensors:
            if (shop, sensor) == drop:
                continue
            t = clock if open_hours is None else clock[(clock.hour >= open_hours[0])
                                                       & (clock.hour <= open_hours[1])]
            hour = t.hour.to_numpy()
            frame = {"shop": shop, "sensor": sensor, "time": t.strftime("%Y-%m-%d %H:%M")}
            for k, name in enumerate(values):
                level = (18 if k == 0 else 55) + 4 * np.sin(2 * np.pi * hour / 24)
                frame[name] = np.round(level + rng.normal(0, 1, len(t)), 1)
            rows.append(pd.DataFrame(frame))
    df = pd.concat(rows, ignore_index=True)
    return df if len(sensors) > 1 else df.drop(columns="sensor")


def test_opening_hours_stay_local_across_both_dst_changes(tmp_path, capsys):
    # the sample spans the spring change (31 March): 07:00-20:00 local on both sides
    sample = shops(start="2024-03-18", days=28)
    path = tmp_path / "shops.csv"
    sample.to_csv(path, index=False)
    syn = Synthesizer(model="seasonal_bootstrap", seed=0, verbose=True)
    syn.fit(str(path), time="time", groups=["shop"], value=["temperature", "humidity"],
            tz="Europe/Paris")
    said = capsys.readouterr().out
    assert "reports only 07:00-20:00" in said  # the user's clock, not 06:00-19:00 UTC
    out = tmp_path / "year.csv"
    syn.sample_to(out, start="2024-01-01", end="2024-12-31")
    year = pd.read_csv(out)
    assert list(year.columns) == ["shop", "time", "temperature", "humidity"]
    local = pd.to_datetime(year["time"])  # written as local clock times
    hours = local.dt.hour
    assert hours.between(7, 20).all()
    for month in (1, 7, 12):  # winter (UTC+1), summer (UTC+2), winter again
        assert sorted(hours[local.dt.month == month].unique()) == list(range(7, 21))
    # both change days keep every opening hour (23- and 25-hour days), nothing else
    for day in ("2024-03-31", "2024-10-27"):
        on = hours[local.dt.strftime("%Y-%m-%d") == day]
        assert sorted(on) == sorted(list(range(7, 21)) * 2)  # 14 hours x 2 shops
    assert len(year) == 2 * 14 * 366
    # the in-memory table keeps the same hours
    table = syn.sample(start="2024-01-01", end="2024-12-31")
    assert len(table) == len(year)
    assert table["time"].dt.hour.between(7, 20).all()


def test_models_saved_before_local_windows_keep_utc_slots(tmp_path):
    syn = Synthesizer(model="seasonal_bootstrap", seed=0, verbose=False)
    syn.fit(shops(days=14), time="time", groups=["shop"], value=["temperature", "humidity"],
            tz="Europe/Paris")
    state = syn.windows.get_state()
    assert state["tz"] == "Europe/Paris"
    del state["tz"]  # a model file written before the local clock
    from datamime.data.windows import ObservationWindows

    assert ObservationWindows.from_state(state).tz is None


def test_new_series_open_where_the_series_they_mix_mostly_are():
    from datamime.data.windows import peers_open

    day = np.zeros((24, 3), bool)
    day[8:17, 0] = day[8:17, 1] = True  # two car parks open 08:00-16:59
    day[:, 2] = True  # one open around the clock
    w = np.array([[0.5, 0.5, 0.0], [0.2, 0.1, 0.7], [0.0, 0.0, 0.0], [0.4, 0.0, 0.6]])
    new = peers_open(day, w)
    assert (new[:, 0] == day[:, 0]).all()  # both of its peers close at night: so does it
    assert new[:, 1].all() and new[:, 2].all()  # mostly the 24-hour one; no peer at all
    assert new[:, 3].all()  # 0.6 on the open one outvotes 0.4
