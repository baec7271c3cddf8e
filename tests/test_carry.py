"""Carried columns: the sample's columns fixed within each series ride along into every
output (the API, the scripts' writers, a saved model), unchanged and in their place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer
from datamime.data.io import read_table
from datamime.data.write import write_table
from datamime.output.carry import Carried, learn
from tests.atmo_like import FIXED, write_atmo_like
from tests.conftest import ATMO


def _known() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two stations x two pollutants, two rows each; the answer is known by construction."""
    df = pd.DataFrame({
        "station": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "town": ["Caen", "Caen", "Caen", "Caen", "Rouen", "Rouen", "Rouen", "Rouen"],
        "poll": ["NO2", "NO2", "O3", "O3", "NO2", "NO2", "O3", "O3"],
        "unit": ["ug", "ug", "ppb", "ppb", "ug", "ug", "ppb", "ppb"],
        "kind": ["hourly"] * 8,
        "note": ["", "", "", "", "x", "x", "", ""],  # fixed per series: station and pollutant
        "row": [str(i) for i in range(8)],  # varies: not carried
        "t": ["1", "2"] * 4, "v": ["1", "2", "3", "4", "5", "6", "7", "8"],
    })
    return df, df[["poll", "station"]]


def test_learn_finds_each_column_and_the_fewest_columns_it_depends_on():
    df, keys = _known()
    stored = learn(df, keys, ["t", "v"])
    by = {c["name"]: c["by"] for c in stored["columns"]}
    assert by == {"town": ["station"], "unit": ["poll"], "kind": [], "note": ["poll", "station"]}
    assert stored["order"] == list(df.columns)
    town = next(c for c in stored["columns"] if c["name"] == "town")
    assert dict(zip([k[0] for k in town["keys"]], town["cells"], strict=True)) == {
        "A": "Caen", "B": "Rouen"}
    assert learn(df[["station", "poll", "t", "v"]], keys, ["t", "v"]) is None


def test_carried_values_for_known_combinations_and_new_entities():
    df, keys = _known()
    carried = Carried.from_schema(learn(df, keys, ["t", "v"]))
    new = pd.DataFrame({"poll": ["O3", "O3", "NO2"], "station": ["B", "new_1", "B"]})
    cells = carried.values(new)
    assert cells["town"].tolist() == ["Rouen", "", "Rouen"]  # a new entity: unknown town
    assert cells["unit"].tolist() == ["ppb", "ppb", "ug"]  # known from the pollutant alone
    assert cells["kind"].tolist() == ["hourly"] * 3
    assert cells["note"].tolist() == ["", "", "x"]
    assert carried.arrange(["poll", "station", "t", "v"]) == [
        "station", "town", "poll", "unit", "kind", "note", "t", "v"]


def test_atmo_like_sample_keeps_every_fixed_column_with_each_series_value(tmp_path):
    path = tmp_path / "atmo.csv"
    source = write_atmo_like(path)
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(path)
    assert syn.schema.groups == ["nom_poll", "nom_station"]
    table = syn.sample(length=5)
    # every fixed column, in the sample's order; the varying ones (ids, date_fin) left out
    assert list(table.columns) == [c for c in source.columns
                                   if c in [*FIXED, "nom_station", "nom_poll", "valeur",
                                            "date_debut"]]
    truth = source.drop_duplicates(["nom_station", "nom_poll"]).set_index(
        ["nom_station", "nom_poll"])[FIXED]
    got = table.drop_duplicates(["nom_station", "nom_poll"]).set_index(
        ["nom_station", "nom_poll"])[FIXED]
    pd.testing.assert_frame_equal(got.sort_index(), truth.sort_index(), check_names=False)
    assert table.groupby(["nom_station", "nom_poll"])["nom_com"].nunique().eq(1).all()
    # the CSV writer (straight from the values) gives the bytes of the table written
    syn.sample_to(tmp_path / "out.csv", length=5)
    write_table(syn.generate(length=5).table(), tmp_path / "ref.csv", syn.schema)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    line = (tmp_path / "out.csv").read_text().splitlines()[1].split(";")
    assert line[:3] == ["Calvados", "Caen", "14118"]  # the cells as the sample wrote them
    # and a saved model carries them too
    loaded = Synthesizer.load(syn.save(tmp_path / "model"), verbose=False)
    pd.testing.assert_frame_equal(loaded.sample(length=5), table)


def test_carried_column_with_several_value_columns_and_numbers_from_parquet(tmp_path):
    times = pd.date_range("2024-01-01", periods=48, freq="h")
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"site": site, "town": town, "alt": alt, "time": times,
                            "temp": rng.normal(10, 2, 48), "hum": rng.uniform(40, 90, 48)})
              for site, town, alt in [("s1", "Caen", 12.5), ("s2", "Rouen", 30.0)]]
    path = tmp_path / "wide.parquet"
    pd.concat(frames).to_parquet(path, index=False)
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(
        path, time="time", groups=["site"], value=["temp", "hum"])
    table = syn.sample(length=4)
    assert list(table.columns) == ["site", "town", "alt", "time", "temp", "hum"]
    assert table.groupby("site")["town"].first().to_dict() == {"s1": "Caen", "s2": "Rouen"}
    assert pd.api.types.is_float_dtype(table["alt"])  # a number in the sample, a number here
    assert table.groupby("site")["alt"].first().to_dict() == {"s1": 12.5, "s2": 30.0}


@pytest.mark.skipif(not ATMO.is_file(), reason="the Atmo sample (../shared) is absent")
def test_real_atmo_sample_keeps_town_department_and_coordinates():
    source, _ = read_table(ATMO)
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(ATMO)
    table = syn.sample(length=3)
    fixed = ["nom_dept", "nom_com", "insee_com", "code_station", "x_wgs84", "y_wgs84", "unite"]
    assert set(fixed) <= set(table.columns)
    keys = syn.schema.groups
    truth = source.drop_duplicates(keys).set_index(keys)[fixed]
    got = table.drop_duplicates(keys).set_index(keys)[fixed]
    pd.testing.assert_frame_equal(got, truth.loc[got.index], check_names=False)
    order = list(source.columns)
    assert list(table.columns) == sorted(table.columns, key=order.index)
