"""User-stated bounds: they hold exactly, through every path, and bad ones get one line."""

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer, constraints
from datamime.errors import SamplingError
from tests.test_scripts import _run  # noqa: PLC2701


def _wide_sample(days=4):
    t = pd.date_range("2024-06-01", periods=days * 24, freq="h")
    rng = np.random.default_rng(0)
    rows = []
    for room in ("kitchen", "hall"):
        hum = np.clip(85 + 15 * np.sin(np.arange(len(t)) / 5) + rng.normal(0, 4, len(t)), 0, 100)
        temp = 20 + 3 * np.sin(np.arange(len(t)) / 4) + rng.normal(0, 0.5, len(t))
        rows.append(pd.DataFrame({"room": room, "time": t, "humidity": hum.round(1),
                                  "temperature": temp.round(1)}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    syn = Synthesizer(model="seasonal_ar", seed=0, verbose=False)
    return syn.fit(_wide_sample(), time="time", groups=["room"],
                   value=["humidity", "temperature"])


def test_stated_bounds_per_value_column_hold_exactly(fitted):
    free = fitted.sample(length=24 * 30, seed=1, privacy="off")
    assert free["humidity"].max() > 95 and free["temperature"].min() < 18  # they bite
    out = fitted.sample(length=24 * 30, seed=1, privacy="off",
                        bounds={"humidity": [None, 95], "temperature": [18.25, None]})
    assert out["humidity"].max() <= 95 and out["temperature"].min() >= 18.25
    inside = (free["humidity"] < 95) & (free["temperature"] > 18.25)
    assert np.array_equal(out.loc[inside, "humidity"], free.loc[inside, "humidity"])


def test_stated_bounds_on_whole_numbers_stay_whole_and_inside():
    t = pd.date_range("2024-06-01", periods=96, freq="h")
    counts = np.random.default_rng(1).poisson(40, size=96).astype(float)
    syn = Synthesizer(model="seasonal_ar", seed=0, verbose=False)
    syn.fit(pd.DataFrame({"time": t, "cars": counts}), time="time", groups=[], value="cars")
    out = syn.sample(length=2000, privacy="off", bounds=[30.5, 45.5])
    assert out["cars"].between(31, 45).all() and (out["cars"] == out["cars"].round()).all()


def test_stated_bounds_by_group_value_and_bad_specs():
    keys = pd.DataFrame({"poll": ["O3", "NO2", "O3"], "site": ["a", "a", "b"]})
    low, high = constraints.stated_bounds({"O3": [0, 200], "b": [10, None]}, keys)
    assert low.tolist() == [0, -np.inf, 10] and high.tolist() == [200, np.inf, 200]
    for bad, says in [({"CO": [0, 1]}, "no series has the value 'CO'"),
                      ([5, 1], "low 5 is above high 1"), ([0], "give [low, high]"),
                      ({"O3": ["x", 1]}, "low must be a number")]:
        with pytest.raises(ValueError, match=says.replace("[", r"\[")):
            constraints.stated_bounds(bad, keys)


def test_bad_bounds_through_the_api_are_a_sampling_error(fitted):
    with pytest.raises(SamplingError, match="bounds.pressure: no series"):
        fitted.sample(length=24, bounds={"pressure": [0, 1]})


def test_sample_script_takes_bounds(tmp_path):
    model, out = tmp_path / "m", tmp_path / "o.csv"
    data = tmp_path / "rooms.csv"
    _wide_sample().to_csv(data, index=False)
    r = _run("train.py", "data=csv", f"data.path={data}", "data.time=time",
                   "data.groups=[room]", "data.value=[humidity,temperature]",
                   "model=seasonal_ar", f"model_dir={model}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _run("sample.py", f"model_dir={model}", f"out={out}", "length=500",
                   "plot=false", "bounds={humidity:[null,90]}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(out)["humidity"].max() <= 90
    r = _run("sample.py", f"model_dir={model}", f"out={tmp_path / 'x.csv'}",
                   "length=5", "bounds={pressure:[0,1]}", cwd=tmp_path)
    assert r.returncode == 2 and "bounds.pressure" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x.csv").exists()
