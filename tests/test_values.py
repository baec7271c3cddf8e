"""Several value columns (temperature and humidity) learned and generated together."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer, pipeline
from datamime.data.prepare import prepare
from datamime.errors import DataError
from tests.conftest import compose_config


def _rooms(path, n_hours: int = 72):
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=n_hours, freq="h")
    frames = []
    for room, base in [("kitchen", 21.0), ("office", 19.0)]:
        temp = base + 3 * np.sin(2 * np.pi * index.hour.to_numpy() / 24) + rng.normal(0, 0.4, n_hours)
        hum = np.round(60 - 2.5 * (temp - base) + rng.normal(0, 0.5, n_hours))
        frames.append(pd.DataFrame({"room": room, "time": index.strftime("%d/%m/%Y %H:%M"),
                                    "temperature": np.round(temp - 20, 1), "humidity": hum}))
    df = pd.concat(frames, ignore_index=True)  # temperature - 20: some values below zero
    df.to_csv(path, sep=";", decimal=",", index=False)
    return df


def test_prepare_stacks_value_columns_as_one_more_identifying_column(tmp_path):
    _rooms(tmp_path / "rooms.csv")
    panel, schema, _ = prepare(tmp_path / "rooms.csv", time="time", groups=["room"],
                               value=["temperature", "humidity"], verbose=False)
    assert schema.values == ["temperature", "humidity"] and schema.variable == "variable"
    assert schema.groups == ["room", "variable"] and panel.values.shape == (72, 4)
    assert schema.decimal == ","


def test_a_bad_cell_is_named_by_its_own_column(tmp_path):
    df = _rooms(tmp_path / "rooms.csv")
    df["humidity"] = df["humidity"].astype(object)
    df.loc[5, "humidity"] = "wet"
    df.to_csv(tmp_path / "bad.csv", sep=";", index=False)
    with pytest.raises(DataError, match=r"column 'humidity', row 7: 'wet'"):
        prepare(tmp_path / "bad.csv", time="time", groups=["room"],
                value=["temperature", "humidity"], verbose=False)


def test_generated_table_is_wide_again_with_joint_moves_and_own_constraints(tmp_path):
    _rooms(tmp_path / "rooms.csv")
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 3})
    syn.fit(tmp_path / "rooms.csv", time="time", groups=["room"], value=["temperature", "humidity"])
    out = syn.sample(length=24 * 7, seed=1)
    assert list(out.columns) == ["room", "time", "temperature", "humidity"]
    assert len(out) == 2 * 24 * 7
    assert out["humidity"].dtype == np.int64  # whole in the sample
    assert out["temperature"].dtype == np.float64 and (out["temperature"] < 0).any()
    # given to 0.1 degree in the sample: generated to 0.1 degree, not 15 digits
    np.testing.assert_allclose(out["temperature"], out["temperature"].round(1), atol=1e-9)
    assert (out["temperature"] != out["temperature"].round(0)).any()
    from datamime.data.write import write_table

    write_table(out.drop(columns="humidity").rename(columns={"temperature": "value"}),
                tmp_path / "out.csv", syn.schema)
    lines = (tmp_path / "out.csv").read_text().splitlines()[1:]
    assert max(len(line.rsplit(";", 1)[1].partition(",")[2]) for line in lines) == 1
    for _, room in out.groupby("room"):  # generated jointly: humidity falls as it warms
        assert np.corrcoef(room["temperature"], room["humidity"])[0, 1] < -0.5
    panel = syn.to_panel(out)
    assert panel.values.shape == (24 * 7, 4) and not np.isnan(panel.values).any()
    again = Synthesizer.load(syn.save(tmp_path / "m"), verbose=False)
    pd.testing.assert_frame_equal(again.sample(length=24 * 7, seed=1), out)


def test_scripts_take_a_list_of_value_columns(tmp_path):
    _rooms(tmp_path / "rooms.csv")
    train = compose_config("train", [
        "data=csv", f"data.path={tmp_path / 'rooms.csv'}", "data.time=time",
        "data.groups=[room]", "data.value=[temperature,humidity]", "debug=fast",
        "trainer.accelerator=cpu", "verbose=false", f"model_dir={tmp_path / 'model'}"])
    pipeline.train(train)
    sample = compose_config("sample", [f"model_dir={tmp_path / 'model'}", "length=48",
                                       f"out={tmp_path / 'out.csv'}", "verbose=false",
                                       "plot=false"])
    pipeline.sample(sample)
    text = (tmp_path / "out.csv").read_text().splitlines()
    assert text[0] == "room;time;temperature;humidity" and len(text) == 1 + 2 * 48
    assert text[1].startswith("kitchen;01/01/2024 00:00;")


def test_generated_values_never_pass_a_bound_the_sample_sits_on():
    """Relative humidity read at exactly 100 % on many hours is a bound: a deep model
    with a soft range margin used to generate up to 117 %."""
    import pandas as pd

    from datamime import Synthesizer

    rng = np.random.default_rng(0)
    index = pd.date_range("2024-05-01", periods=6 * 24, freq="h")
    hour = index.hour.to_numpy()
    frames = []
    for site, shift in {"a": 0.0, "b": 5.0}.items():
        rh = 85 + shift + 20 * np.cos(2 * np.pi * hour / 24) + rng.normal(0, 4, len(index))
        frames.append(pd.DataFrame({"site": site, "time": index,
                                    "rh": np.clip(rh, None, 100).round(1)}))
    table = pd.concat(frames, ignore_index=True)
    assert (table["rh"] == 100).sum() >= 10
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 1})
    syn.fit(table, time="time", groups=["site"], value="rh")
    out = syn.sample(length=24 * 60, seed=1, new_groups=1)
    assert out["rh"].max() <= 100.0
    assert (out["rh"] == 100.0).mean() > 0.01  # it sits on the bound as the sample does
