"""Messy real exports: missing markers, irregular times, duplicates, time zones, odd series."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datamime.data.cells import na_cells
from datamime.data.io import read_table
from datamime.data.prepare import prepare
from datamime.data.values import extreme_values, missing_markers, parse_values
from datamime.errors import DataError


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------
# Missing-value markers
# ---------------------------------------------------------------------------

MARKERS = ["", "NA", "n/a", "<LD", "<LQ", "<DL", "ND", "n.d.", "#N/A", "--", "nd", "<ld", "< 0.5"]


@pytest.mark.parametrize("marker", MARKERS)
def test_missing_markers_are_nan_never_zero(marker):
    raw = pd.Series(["1,5", marker, "2,25"])
    out = parse_values(raw, decimal=",", column="v")
    assert np.isnan(out.iloc[1])
    assert out.iloc[0] == 1.5 and out.iloc[2] == 2.25


def test_na_cells_leaves_numbers_and_words_alone():
    cells = pd.Series(["0", "-1", "1e3", "<LD", "LD", "nothing", "N/A ", None, "10<"])
    assert na_cells(cells).tolist() == [False, False, False, True, False, False, True, True, False]


def test_prepare_reports_missing_cells_and_markers(tmp_path, capsys):
    rows = ["date;station;valeur"]
    cells = ["1,5", "<LD", "2", "ND", "", "#N/A", "3,25", "--", "<LD", "4"]
    rows += [f"2024-01-01 {h:02d}:00;A;{c}" for h, c in enumerate(cells)]
    path = _write(tmp_path, "\n".join(rows) + "\n")
    panel, schema, long = prepare(path, time="date", groups=["station"], value="valeur")
    out = capsys.readouterr().out
    assert "6 of 10 cells of 'valeur' read as missing" in out
    assert "'<LD' x2" in out and "'ND' x1" in out and "'#N/A' x1" in out and "'--' x1" in out
    assert panel.n_steps == 10 and int(panel.mask.sum()) == 4
    assert np.nanmin(panel.values) == 1.5  # no zero came in
    assert schema.decimal == "," and long["valeur"].tolist() == [1.5, 2.0, 3.25, 4.0]
    prepare(path, time="date", groups=["station"], value="valeur", verbose=False)
    assert capsys.readouterr().out == ""


def test_missing_markers_counts_numeric_nan():
    assert missing_markers(pd.Series([1.0, np.nan, np.nan])) == {"NaN": 2}
    assert missing_markers(pd.Series(["1", "2"])) == {}


def test_decimal_comma_detected_with_markers_and_exponents(tmp_path):
    path = _write(tmp_path, "t;v\n2024-01-01;1,5\n2024-01-02;<LQ\n2024-01-03;2,5e-3\n")
    _, fmt = read_table(path)
    assert fmt.decimal == ","
    panel, _, _ = prepare(path, time="t", groups=[], value="v", verbose=False)
    assert panel.values[0, 0] == 1.5 and np.isnan(panel.values[1, 0])
    assert panel.values[2, 0] == 0.0025


# ---------------------------------------------------------------------------
# Irregular timestamps
# ---------------------------------------------------------------------------


def _jittered(seed: int = 0, n: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = pd.date_range("2024-05-01 10:00", periods=n, freq="h")
    rows = []
    for site, shift in (("A", 0), ("B", 7)):
        jitter = rng.integers(-120, 120, n) + shift  # seconds
        for t, j, v in zip(base, jitter, rng.normal(10, 2, n)):
            rows.append({"site": site, "time": t + pd.Timedelta(seconds=int(j)), "value": v})
    return pd.DataFrame(rows)


def test_jittered_times_snap_to_the_nearest_hour(capsys):
    df = _jittered()
    df["time"] = df["time"].dt.strftime("%Y-%m-%d %H:%M:%S")
    panel, schema, long = prepare(df, time="time", groups=["site"], value="value")
    out = capsys.readouterr().out
    assert schema.freq == "h" and panel.n_steps == 48 and panel.mask.all()
    assert (long["time"].dt.minute == 0).all() and (long["time"].dt.second == 0).all()
    moved = int((pd.to_datetime(df["time"]).dt.round("h") != pd.to_datetime(df["time"])).sum())
    assert f"{moved} of 96 times were off a regular grid and moved to the nearest h step" in out
    # nothing collided, so every value is kept as it was
    want = df.assign(time=pd.to_datetime(df["time"]).dt.round("h")).sort_values(["site", "time"])
    assert np.allclose(long["value"].to_numpy(), want["value"].to_numpy())


def test_jittered_rows_in_one_slot_are_combined_by_mean_or_agg(capsys):
    text = ("t;v\n2024-01-01 10:00:03;1\n2024-01-01 11:00:58;2\n2024-01-01 11:01:30;4\n"
            "2024-01-01 12:00:10;5\n2024-01-01 12:59:50;7\n2024-01-01 14:00:20;8\n")
    df = pd.read_csv(io.StringIO(text), sep=";")
    panel, schema, _ = prepare(df, time="t", groups=[], value="v")
    assert schema.freq == "h"
    assert panel.values[:, 0].tolist() == [1, 3, 5, 7, 8]  # 11:00 holds the mean of 2 and 4
    assert "combined by mean" in capsys.readouterr().out
    panel, _, _ = prepare(df, time="t", groups=[], value="v", agg="max", verbose=False)
    assert panel.values[1, 0] == 4


def test_daily_readings_at_varying_hours_become_a_daily_grid():
    times = pd.date_range("2024-01-01", periods=10, freq="D") + pd.to_timedelta(
        [9, 10, 8, 9, 11, 9, 10, 8, 9, 9], unit="h")
    df = pd.DataFrame({"t": times, "v": np.arange(10.0)})
    panel, schema, _ = prepare(df, time="t", groups=[], value="v", verbose=False)
    assert schema.freq == "D" and panel.n_steps == 10
    assert panel.values[:, 0].tolist() == list(range(10))


def test_grid_too_large_is_a_clear_error():
    df = pd.DataFrame({"t": ["2000-01-01 00:00:00", "2000-01-01 00:00:01", "2090-01-01 00:00:00"],
                       "v": [1, 2, 3]})
    with pytest.raises(DataError,
                       match=r"column 't': a grid of step 's' .* 2,840,227,201 steps .* too many"):
        prepare(df, time="t", groups=[], value="v", verbose=False)


# ---------------------------------------------------------------------------
# Duplicated keys and data.agg
# ---------------------------------------------------------------------------

_DUPS = ("t;site;v\n2024-01-01 00:00;A;1\n2024-01-01 00:00;A;3\n2024-01-01 01:00;A;2\n"
         "2024-01-01 01:00;B;5\n2024-01-01 00:00;B;4\n2024-01-01 01:00;B;9\n")


def test_duplicated_keys_are_an_error_that_lists_them(tmp_path):
    with pytest.raises(DataError, match=r"2 duplicated \(site, t\) key\(s\)"
                       r".*\(A, 2024-01-01 00:00:00\).*\(B, 2024-01-01 01:00:00\).*data\.agg="):
        prepare(_write(tmp_path, _DUPS), time="t", groups=["site"], value="v", verbose=False)


@pytest.mark.parametrize("agg, a0, b1", [("mean", 2, 7), ("sum", 4, 14), ("min", 1, 5),
                                         ("max", 3, 9), ("median", 2, 7), ("first", 1, 5),
                                         ("last", 3, 9)])
def test_duplicated_keys_combined_by_agg(tmp_path, capsys, agg, a0, b1):
    panel, _, long = prepare(_write(tmp_path, _DUPS), time="t", groups=["site"], value="v",
                             agg=agg)
    assert panel.values.tolist() == [[a0, 4], [2, b1]]
    assert len(long) == 4
    assert f"2 duplicated (site, t) key(s) (4 rows) combined by {agg}" in capsys.readouterr().out


def test_unknown_agg_is_an_error(tmp_path):
    with pytest.raises(DataError, match="data.agg='avg' is not an aggregation"):
        prepare(_write(tmp_path, _DUPS), agg="avg", verbose=False)


def test_duplicates_on_a_dst_night_hint_at_data_tz(tmp_path):
    clock = pd.date_range("2023-10-29 00:00", "2023-10-29 05:00", freq="h")
    clock = clock.strftime("%Y-%m-%d %H:%M")
    clock = [*clock[:3], "2023-10-29 02:00", *clock[3:]]  # 02:00 twice: the clocks went back
    text = "t;v\n" + "".join(f"{c};{i}\n" for i, c in enumerate(clock))
    with pytest.raises(DataError, match=r"1 duplicated \(t\).*clocks go back.*data\.tz="):
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", verbose=False)
    # an ordinary duplicate gets no such hint
    text = "t;v\n2023-06-01 02:00;1\n2023-06-01 02:00;2\n2023-06-01 03:00;3\n"
    with pytest.raises(DataError) as info:
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", verbose=False)
    assert "data.tz" not in str(info.value)


# ---------------------------------------------------------------------------
# Time zones and daylight saving
# ---------------------------------------------------------------------------


def _paris_clock(start: str, end: str) -> list[str]:
    utc = pd.date_range(start, end, freq="h", tz="UTC")
    return utc.tz_convert("Europe/Paris").strftime("%d/%m/%Y %H:%M").tolist()


def test_local_times_with_both_dst_changes_become_a_regular_utc_grid(tmp_path):
    autumn = _paris_clock("2023-10-28 20:00", "2023-10-29 06:00")  # 02:00 appears twice
    spring = _paris_clock("2024-03-30 20:00", "2024-03-31 06:00")  # 02:00 never appears
    assert sum(c.endswith(" 02:00") for c in autumn) == 2
    assert not any(c.endswith(" 02:00") for c in spring)
    for clock in (autumn, spring):
        text = "date;site;valeur\n" + "".join(
            f"{c};{s};{i}\n" for s in "AB" for i, c in enumerate(clock))
        path = _write(tmp_path, text)
        panel, schema, long = prepare(path, time="date", groups=["site"], value="valeur",
                                      tz="Europe/Paris", verbose=False)
        assert schema.tz == "Europe/Paris" and schema.freq == "h"
        assert panel.mask.all() and panel.n_steps == len(clock)
        assert panel.values[:, 0].tolist() == list(range(len(clock)))  # row order kept
        assert (panel.index.to_series().diff().dropna() == pd.Timedelta("1h")).all()


def test_schema_without_tz_still_loads_and_round_trips_zone(tmp_path):
    text = "t;v\n2024-01-01 00:00;1\n2024-01-01 01:00;2\n2024-01-01 02:00;3\n"
    _, schema, long = prepare(_write(tmp_path, text), time="t", groups=[], value="v",
                              tz="America/New_York", verbose=False)
    assert long["t"].iloc[0] == pd.Timestamp("2024-01-01 05:00")  # UTC inside
    from datamime.data.schema import Schema

    assert Schema.from_dict(schema.to_dict()).tz == "America/New_York"
    old = schema.to_dict()
    del old["tz"]
    assert Schema.from_dict(old).tz is None


def test_bad_zone_and_missing_spring_time_are_errors(tmp_path):
    text = "t;v\n2024-03-31 01:00;1\n2024-03-31 02:30;2\n2024-03-31 03:00;3\n"
    with pytest.raises(DataError, match="data.tz='Mars/Olympus' is not a time zone"):
        prepare(_write(tmp_path, text), tz="Mars/Olympus", verbose=False)
    with pytest.raises(DataError,
                       match=r"row 3: 2024-03-31 02:30:00 does not exist in Europe/Paris"):
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", tz="Europe/Paris",
                verbose=False)


def test_synthesizer_writes_local_times_for_a_zone(tmp_path):
    from datamime.data.write import write_table
    from datamime.synthesizer import Synthesizer

    clock = _paris_clock("2023-10-27 22:00", "2023-10-30 22:00")
    df = pd.DataFrame({"date": clock, "v": np.sin(np.arange(len(clock)) / 24 * 2 * np.pi) + 5})
    syn = Synthesizer(model="seasonal_bootstrap", verbose=False)
    syn.fit(df, time="date", groups=[], value="v", tz="Europe/Paris")
    out = syn.sample(start="2023-10-29 00:00", length=5)  # Paris clock; 02:00 comes twice
    assert str(out["date"].dt.tz) == "Europe/Paris"
    hours = out["date"].dt.strftime("%H:%M").tolist()
    assert hours == ["00:00", "01:00", "02:00", "02:00", "03:00"]
    path = write_table(out, tmp_path / "o.csv", syn.schema)
    assert path.read_text().splitlines()[3].startswith("29/10/2023 02:00")
    assert syn.to_panel(out).index[0] == pd.Timestamp("2023-10-28 22:00")  # naive UTC again
    # and the written table reads back onto the same UTC grid
    panel, _, _ = prepare(path, time="date", groups=[], value="v", tz="Europe/Paris",
                          verbose=False)
    assert panel.index.equals(syn.to_panel(out).index)
    # Excel has no time zones: the same local clock times, as the CSV shows them
    xlsx = write_table(out, tmp_path / "o.xlsx", syn.schema)
    back = pd.read_excel(xlsx)
    assert back["date"].dt.strftime("%H:%M").tolist() == hours


# ---------------------------------------------------------------------------
# Odd series through prepare, fit and sample
# ---------------------------------------------------------------------------


def _odd_series() -> pd.DataFrame:
    """Three hourly series: long and noisy with one huge outlier, short and late, constant."""
    rng = np.random.default_rng(3)
    hours = pd.date_range("2024-01-01", periods=24 * 6, freq="h")
    cycle = 20 + 8 * np.sin(2 * np.pi * hours.hour.to_numpy() / 24)
    noisy = cycle + rng.normal(0, 1, len(hours))
    noisy[50] = 1e6  # one broken sensor reading
    late = hours[24 * 4 + 5:]  # starts 4 days later, 43 steps
    frames = [
        pd.DataFrame({"site": "noisy", "t": hours, "v": noisy}),
        pd.DataFrame({"site": "late", "t": late, "v": cycle[24 * 4 + 5:] / 2}),
        pd.DataFrame({"site": "flat", "t": hours[:30], "v": 7.0}),
    ]
    return pd.concat(frames, ignore_index=True)


def test_odd_series_go_through_prepare(capsys):
    panel, schema, _ = prepare(_odd_series(), time="t", groups=["site"], value="v")
    assert panel.n_steps == 144 and schema.n_series == 3
    counts = dict(zip(panel.keys["site"], panel.mask.sum(axis=0)))
    assert counts == {"flat": 30, "late": 43, "noisy": 144}
    assert schema.max == 1e6  # kept as written ...
    out = capsys.readouterr().out  # ... but reported
    assert "1 extreme value(s) of 'v'" in out and "noisy at 2024-01-03 02:00:00: 1e+06" in out
    mask = extreme_values(panel)
    assert mask.sum() == 1 and mask[50, list(panel.keys["site"]).index("noisy")]


@pytest.mark.parametrize("model, kwargs", [
    ("seasonal_bootstrap", {}),
    ("rvae", {"trainer": {"max_epochs": 1}, "windows_per_epoch": 8, "batch_size": 4}),
])
def test_odd_series_fit_and_sample_sensibly(model, kwargs):
    from datamime.synthesizer import Synthesizer

    syn = Synthesizer(model=model, seed=0, verbose=False, **kwargs)
    syn.fit(_odd_series(), time="t", groups=["site"], value="v")
    out = syn.sample(length=96, integer=False, positive=False)
    assert np.isfinite(out["v"]).all() and len(out) == 3 * 96
    by_site = {k: g["v"].to_numpy() for k, g in out.groupby("site")}
    assert np.allclose(by_site["flat"], 7.0)  # a constant series stays constant
    # one outlier of 1e6 in another series does not blow this one up
    assert np.abs(by_site["late"]).max() < 100
    assert np.isfinite(by_site["noisy"]).all()


def test_one_outlier_does_not_shift_its_own_series():
    """The deep model learns an absurd reading as a gap. (The seed app's method,
    seasonal_bootstrap, is mean-based by design and still shifts: it is the baseline.)"""
    from datamime.synthesizer import Synthesizer

    syn = Synthesizer(model="rvae", seed=0, verbose=False, trainer={"max_epochs": 2})
    syn.fit(_odd_series(), time="t", groups=["site"], value="v")
    out = syn.sample(length=96, integer=False, positive=False)
    noisy = out.loc[out["site"] == "noisy", "v"]
    assert 12 < np.median(noisy) < 28 and noisy.max() < 100


def test_train_script_config_passes_agg_and_tz(tmp_path):
    from datamime.pipeline import sample, train
    from tests.conftest import compose_config

    clock = _paris_clock("2023-10-28 00:00", "2023-10-30 00:00")
    rows = [f"{c};{s};{i % 24}" for s in "AB" for i, c in enumerate(clock)]
    rows.append(f"{clock[5]};A;100")  # a duplicated key
    path = _write(tmp_path, "date;site;valeur\n" + "\n".join(rows) + "\n")
    base = ["data=csv", f"data.path={path}", "data.time=date", "data.groups=[site]",
            "data.value=valeur", "model=seasonal_bootstrap", "verbose=false",
            f"model_dir={tmp_path / 'model'}"]
    cfg = compose_config("train", base)
    assert cfg.data.agg is None and cfg.data.tz is None
    with pytest.raises(DataError, match="duplicated"):
        train(cfg)
    _, objects = train(compose_config("train", [*base, "data.agg=max", "data.tz=Europe/Paris"]))
    syn = objects["synthesizer"]
    assert syn.schema.tz == "Europe/Paris" and syn.panel.values[5, 0] == 100
    out = tmp_path / "out.csv"
    cfg = compose_config("sample", [f"model_dir={tmp_path / 'model'}", f"out={out}",
                                    "verbose=false", "length=30", "plot=false"])
    sample(cfg)
    lines = out.read_text().splitlines()
    assert lines[1].startswith("A;28/10/2023 02:00")  # local clock time, like the input


def test_start_and_end_are_local_clock_times_when_the_sample_has_a_zone():
    from datamime.synthesizer import Synthesizer

    clock = _paris_clock("2024-01-01 00:00", "2024-01-04 00:00")
    df = pd.DataFrame({"t": clock, "v": np.arange(len(clock)) % 24})
    syn = Synthesizer(model="seasonal_bootstrap", verbose=False).fit(df, time="t", groups=[],
                                                                  value="v", tz="Europe/Paris")
    out = syn.sample(start="2024-07-01 00:00", end="2024-07-01")  # summer: UTC+2
    times = pd.DatetimeIndex(out["t"])
    assert str(times.tz) == "Europe/Paris" and len(out) == 24
    assert times[0].strftime("%Y-%m-%d %H:%M") == "2024-07-01 00:00"
    assert times[-1].strftime("%H:%M") == "23:00"
