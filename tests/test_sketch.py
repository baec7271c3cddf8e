"""Sketches: a YAML description of the series drawn into a pseudo-sample, then learned."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datamime import pipeline
from datamime.errors import DataError
from datamime.sketch import load_sketch, shipped_sketches, sketch_table
from datamime.synthesizer import Synthesizer
from tests.conftest import REPO, compose_config

SHIPPED = REPO / "sketches" / "air_pollution.yaml"


def small(**changes) -> dict:
    """A small valid sketch: two stations x one pollutant, hourly, little noise."""
    sketch = {
        "freq": "h", "start": "2024-01-01", "days": 56, "seed": 3,
        "columns": {"time": "date", "value": "level", "groups": ["station", "pollutant"]},
        "series": [{"station": ["A", "B"], "pollutant": "NO2",
                    "typical": {0: 10, 12: 30}, "spread": "5%", "memory": 0.5,
                    "min": 0, "max": 100}],
    }
    sketch.update(changes)
    return sketch


def with_series(**changes) -> dict:
    sketch = small()
    sketch["series"][0].update(changes)
    return sketch


def hour_means(table: pd.DataFrame, time: str = "date", value: str = "level") -> pd.Series:
    return table.groupby(table[time].dt.hour)[value].mean()


# ------------------------------------------------------------------ the shipped sketch
def test_shipped_sketch_draws_every_station_and_pollutant():
    table, roles = sketch_table(SHIPPED)
    assert roles == {"time": "date", "groups": ["station", "pollutant"], "value": "value",
                     "knowledge": None}
    assert list(table.columns) == ["station", "pollutant", "date", "value"]
    keys = table[["station", "pollutant"]].drop_duplicates()
    assert len(keys) == 16
    assert set(table["pollutant"]) == {"NO2", "O3", "PM10", "PM2.5"}
    for _, one in table.groupby(["station", "pollutant"]):
        times = pd.DatetimeIndex(one["date"])
        assert len(times) == 28 * 24 and pd.infer_freq(times) == "h"
    assert table["value"].dtype == np.int64 and table["value"].min() >= 0
    raw = load_sketch(SHIPPED)
    caps = {e["pollutant"]: e["max"] for e in raw["series"]}
    assert (table.groupby("pollutant")["value"].max() <= pd.Series(caps)).all()


def test_shipped_sketch_follows_its_daily_shape():
    table, _ = sketch_table(SHIPPED)
    no2 = table[(table["pollutant"] == "NO2") & (table["station"] != "Rouen Centre")]
    by_hour = hour_means(no2, value="value")
    assert by_hour[8] > 2 * by_hour[4]  # morning rush hour above the night
    o3 = hour_means(table[table["pollutant"] == "O3"], value="value")
    assert o3.idxmax() in range(13, 18) and o3.idxmin() in range(4, 9)


def test_packaged_copy_is_the_shipped_sketch():
    packaged = REPO / "datamime" / "sketches" / "air_pollution.yaml"
    assert packaged.read_bytes() == SHIPPED.read_bytes()
    assert "air_pollution.yaml" in shipped_sketches()


def test_missing_path_falls_back_to_the_packaged_copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table, _ = sketch_table("sketches/air_pollution.yaml")
    assert len(table) == 16 * 28 * 24
    with pytest.raises(DataError, match="not found.*air_pollution.yaml"):
        sketch_table("sketches/nothing_here.yaml")


# ------------------------------------------------------------------ drawing
def test_lists_expand_to_combinations_with_the_given_names():
    sketch = small()
    sketch["series"][0]["pollutant"] = ["NO2", "O3", 10]
    table, roles = sketch_table(sketch)
    assert list(table.columns) == ["station", "pollutant", "date", "level"]
    pairs = set(map(tuple, table[["station", "pollutant"]].to_numpy()))
    assert pairs == {(s, p) for s in "AB" for p in ("NO2", "O3", "10")}


def test_anchors_are_joined_by_straight_lines_round_midnight():
    table, _ = sketch_table(small())
    means = hour_means(table)
    expected = np.interp(np.arange(24), [0, 12, 24], [10, 30, 10])
    assert np.allclose(means.to_numpy(), expected, rtol=0.06)


def test_twenty_four_hourly_values_and_a_flat_number():
    hourly = list(range(10, 34))
    means = hour_means(sketch_table(with_series(typical=hourly))[0])
    assert np.allclose(means.to_numpy(), hourly, rtol=0.06)
    flat = hour_means(sketch_table(with_series(typical=20))[0])
    assert np.allclose(flat.to_numpy(), 20, rtol=0.06)


def test_weekly_factors_scale_the_days():
    table, _ = sketch_table(with_series(weekly={"sat": 0.8, "Sunday": 0.5}))
    by_day = table.groupby(table["date"].dt.dayofweek)["level"].mean()
    assert by_day[6] / by_day[:5].mean() == pytest.approx(0.5, rel=0.05)
    assert by_day[5] / by_day[:5].mean() == pytest.approx(0.8, rel=0.05)


def test_spread_absolute_and_relative():
    flat = {"typical": 50, "memory": 0.0, "min": None, "max": None}
    absolute = sketch_table(with_series(**flat, spread=4))[0]["level"]
    relative = sketch_table(with_series(**flat, spread="20%"))[0]["level"]
    assert absolute.std() == pytest.approx(4, rel=0.1)
    assert relative.std() == pytest.approx(10, rel=0.1)


def test_memory_sets_the_hour_to_hour_persistence():
    def lag1(memory: float) -> float:
        table = sketch_table(with_series(typical=50, spread=5, memory=memory))[0]
        x = table[table["station"] == "A"]["level"].to_numpy()
        return float(np.corrcoef(x[:-1], x[1:])[0, 1])

    assert lag1(0.9) == pytest.approx(0.9, abs=0.05)
    assert abs(lag1(0.0)) < 0.1


def test_shared_factor_makes_series_move_together():
    def corr(shared: dict) -> float:
        table = sketch_table({**with_series(typical=50, spread=5), "shared": shared})[0]
        a, b = (table[table["station"] == s]["level"].to_numpy() for s in "AB")
        return float(np.corrcoef(a, b)[0, 1])

    assert corr({"pollutant": 0.6}) == pytest.approx(0.6, abs=0.15)
    assert abs(corr({})) < 0.15
    assert abs(corr({"station": 0.6})) < 0.15  # A and B are different stations


def test_bounds_and_whole_numbers():
    table, _ = sketch_table(with_series(typical=10, spread=8, min=2, max=14, integer=True))
    values = table["level"]
    assert values.dtype == np.int64
    assert values.min() == 2 and values.max() == 14  # clipped, and the bounds are reached


def test_top_level_settings_are_defaults_that_series_override():
    sketch = small(integer=True, spread=0)
    sketch["series"].append({"station": "C", "pollutant": "NO2", "typical": 5, "spread": 1})
    table, _ = sketch_table(sketch)
    assert table["level"].dtype == np.int64
    assert table[table["station"] == "A"]["level"].std() == pytest.approx(
        hour_means(table[table["station"] == "A"]).std(), rel=0.01)  # spread 0: no noise
    assert table[table["station"] == "C"]["level"].std() > 0.5


def test_seed_makes_the_draw_repeatable():
    a, b = sketch_table(small())[0], sketch_table(small())[0]
    pd.testing.assert_frame_equal(a, b)
    assert not sketch_table(small(), seed=4)[0]["level"].equals(a["level"])


@pytest.mark.parametrize("freq, steps", [("30min", 48), ("D", 1)])
def test_other_frequencies(freq, steps):
    table, _ = sketch_table(small(freq=freq, days=14))
    one = table[table["station"] == "A"]
    assert len(one) == 14 * steps
    assert pd.infer_freq(pd.DatetimeIndex(one["date"])) == freq
    if freq == "D":  # the daily shape's mean
        assert one["level"].mean() == pytest.approx(20, rel=0.05)


def test_single_series_without_groups():
    sketch = {"series": [{"typical": {6: 5, 18: 15}}]}
    table, roles = sketch_table(sketch)
    assert roles == {"time": "time", "groups": [], "value": "value", "knowledge": None}
    assert list(table.columns) == ["time", "value"] and len(table) == 28 * 24


# ------------------------------------------------------------------ malformed sketches
def _bad_cases():
    def top(**kw):
        return small(**kw)

    def drop(key):
        s = small()
        del s["series"][0][key]
        return s

    return [
        (top(sereis=[]), "unknown key 'sereis'; did you mean 'series'"),
        ({"freq": "h"}, "'series' must be a list"),
        (top(series=[]), "'series' must be a list"),
        (top(series=["NO2"]), "series 1: expected a mapping"),
        (with_series(typcal=3), "series 1: unknown key 'typcal'; did you mean 'typical'"),
        (drop("typical"), "series 1: missing 'typical'"),
        (drop("pollutant"), "series 1: missing 'pollutant'"),
        (with_series(typical="high"), "typical must be a number, 24 hourly values"),
        (with_series(typical=[1, 2, 3]), "typical has 3 values; give 24"),
        (with_series(typical={25: 3}), "typical: hour 25 must be a number from 0 to 23"),
        (with_series(typical={"noon": 3}), "typical: hour 'noon' must be a number"),
        (with_series(typical={3: "x"}), "typical at hour 3 must be a number"),
        (with_series(min=10, max=5), "min (10) is above max (5)"),
        (with_series(max=20), "typical value is above max (20)"),
        (with_series(min=15), "typical value is below min (15)"),
        (with_series(spread="lots"), "spread 'lots': give a number"),
        (with_series(spread=-1), "spread must not be negative"),
        (with_series(memory=1.0), "memory must be from 0"),
        (with_series(integer="yes"), "integer must be true or false"),
        (with_series(weekly={"funday": 2}), "weekly: unknown day 'funday'"),
        (with_series(weekly=[1, 1]), "weekly has 2 factors; give 7"),
        (with_series(weekly={"sun": -1}), "weekly factors must not be negative"),
        (with_series(pollutant=False), "YAML yes/no word; quote it (e.g. 'NO')"),
        (with_series(pollutant=[]), "an identifying list is empty"),
        (top(freq="M"), "freq 'M': use a step of one day or less"),
        (top(freq="fortnightly"), "freq 'fortnightly'"),
        (top(days=0), "days must be a whole number"),
        (top(days=2.5), "days must be a whole number"),
        (top(start="someday"), "start 'someday' is not a date"),
        (top(seed="x"), "seed must be a whole number"),
        (top(columns=["date"]), "columns must be a mapping"),
        (top(columns={"tme": "date", "groups": ["station", "pollutant"]}),
         "columns: unknown key 'tme'; did you mean 'time'"),
        (top(columns={"time": "x", "value": "x"}), "names must all differ"),
        (top(shared={"sation": 0.5}), "shared: unknown key 'sation'; did you mean 'station'"),
        (top(shared={"station": 0.6, "pollutant": 0.5}), "must add up to less than 1"),
        (top(series=small()["series"] * 2), "series 2: series station=A, pollutant=NO2 is "
                                            "already given by series 1"),
    ]


@pytest.mark.parametrize("sketch, message", _bad_cases())
def test_malformed_sketch_is_a_one_line_data_error(sketch, message):
    with pytest.raises(DataError) as info:
        sketch_table(copy.deepcopy(sketch))
    text = str(info.value)
    assert message in text, text
    assert text.startswith("sketch ") and "\n" not in text


@pytest.mark.parametrize("content, message", [
    ("series: [\n  typical: 3\n", "line"),
    ("- just\n- a list\n", "expected a YAML mapping"),
    ("series:\n  - pollutant: NO\n    typical: 3\ncolumns: {groups: [pollutant]}\n",
     "quote it (e.g. 'NO')"),
])
def test_malformed_sketch_file(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(DataError, match=f"sketch {path}.*") as info:
        sketch_table(path)
    assert message in str(info.value)


# ------------------------------------------------------------------ end to end
def _train_cfg(tmp_path: Path, path: Path | str, model: str = "rvae"):
    fast = ["debug=fast"] if model == "rvae" else []
    return compose_config("train", [
        "data=sketch", f"data.path={path}", f"model={model}", *fast,
        "trainer.accelerator=cpu", "verbose=false", f"model_dir={tmp_path / 'model'}",
    ])


@pytest.mark.parametrize("model", [
    "seasonal_bootstrap", pytest.param("rvae", marks=pytest.mark.slow)])
def test_shipped_sketch_trains_and_samples_a_year(tmp_path, model):
    """The README's story: a year of hourly data for every station and pollutant."""
    metrics, objects = pipeline.train(_train_cfg(tmp_path, SHIPPED, model))
    assert metrics["n_series"] == 16 and metrics["n_steps"] == 28 * 24
    cfg = compose_config("sample", [f"model_dir={tmp_path / 'model'}", "length=8760",
                                    "start=2025-01-01", f"out={tmp_path / 'year.csv'}",
                                    "verbose=false", "plot=false"])
    metrics, objects = pipeline.sample(cfg)
    year = pd.read_csv(tmp_path / "year.csv")
    assert list(year.columns) == ["station", "pollutant", "date", "value"]
    assert len(year) == 16 * 8760
    assert year.groupby(["station", "pollutant"]).size().eq(8760).all()
    assert year["date"].iloc[0] == "2025-01-01 00:00" and year["date"].iloc[8759] == \
        "2025-12-31 23:00"
    assert pd.api.types.is_integer_dtype(year["value"]) and year["value"].min() >= 0


def test_api_fits_a_sketch_path():
    syn = Synthesizer(model="seasonal_bootstrap", verbose=False).fit(SHIPPED)
    assert syn.schema.groups == ["station", "pollutant"] and syn.schema.integer
    week = syn.sample(length=24 * 7)
    o3 = week[week["pollutant"] == "O3"]
    by_hour = o3.groupby(pd.to_datetime(o3["date"]).dt.hour)["value"].mean()
    assert by_hour[15] > 1.8 * by_hour[6]  # afternoon ozone, learned from the sketch


def test_bad_sketch_through_the_script_path_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("series:\n  - typicl: 3\n")
    with pytest.raises(SystemExit) as info:
        pipeline.run(pipeline.train, _train_cfg(tmp_path, bad, model="seasonal_bootstrap"))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("datamime: error: sketch ") and "'typicl'" in err
    assert "\n" not in err and not (tmp_path / "model").exists()


def test_a_missing_sketch_or_knowledge_file_names_the_shipped_ones(tmp_path):
    from datamime.knowledge import knowledge_path
    from datamime.sketch import sketch_path

    assert sketch_path("sketches/air_pollution.yaml").name == "air_pollution.yaml"  # anywhere
    assert knowledge_path("knowledge/air_pollution.yaml").is_file()
    with pytest.raises(DataError, match=r"^sketch .*nope.yaml not found; .* shipped sketches: "
                                        r".*air_pollution\.yaml"):
        sketch_path(tmp_path / "nope.yaml")
    with pytest.raises(DataError, match=r"^knowledge .*nope.yaml not found; .* shipped files: "
                                        r".*air_pollution\.yaml"):
        knowledge_path(tmp_path / "nope.yaml")
