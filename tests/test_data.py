"""Tests of the data layer: reading, role guessing, parsing, validation and writing."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datamime.data.grid import infer_freq
from datamime.data.io import TableFormat, read_table
from datamime.data.prepare import prepare
from datamime.data.roles import guess_roles
from datamime.data.schema import Roles, Schema
from datamime.data.times import parse_times
from datamime.data.values import parse_values
from datamime.data.write import write_table
from datamime.errors import DataError

ATMO = Path(__file__).resolve().parents[2] / "shared" / "data" / "atmo_normandie_3days.csv"


def _write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _long_table(
    sep: str = ",",
    date_format: str = "%Y-%m-%d %H:%M",
    decimal: str = ".",
    n_steps: int = 4,
    freq: str = "h",
) -> str:
    """A small table: two stations x two pollutants, a descriptive column, float values."""
    times = pd.date_range("2022-06-21", periods=n_steps, freq=freq)
    rows = [sep.join(["station", "poll", "date", "unit", "value"])]
    for station in ("5010", "0042"):
        for poll in ("NO2", "O3"):
            for i, t in enumerate(times):
                v = f"{i + 0.5 + len(poll)}".replace(".", decimal)
                rows.append(sep.join([station, poll, t.strftime(date_format), "ug/m3", v]))
    return "\n".join(rows) + "\n"


@pytest.fixture
def atmo() -> Path:
    if not ATMO.exists():
        pytest.skip(f"example data not found at {ATMO}")
    return ATMO


# ---------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_read_table_sniffs_separator(tmp_path, sep):
    path = _write(tmp_path, _long_table(sep=sep))
    df, fmt = read_table(path)
    assert fmt == TableFormat(sep=sep, decimal=".", kind="csv")
    assert list(df.columns) == ["station", "poll", "date", "unit", "value"]
    assert len(df) == 16


def test_read_table_keeps_cells_as_text(tmp_path):
    df, _ = read_table(_write(tmp_path, _long_table(sep=";")))
    assert set(df["station"]) == {"5010", "0042"}
    assert df["value"].iloc[0] == "3.5"


def test_read_table_detects_decimal_comma(tmp_path):
    df, fmt = read_table(_write(tmp_path, _long_table(sep=";", decimal=",")))
    assert fmt.sep == ";" and fmt.decimal == ","
    assert df["value"].iloc[0] == "3,5"


def test_read_table_explicit_separator_wins(tmp_path):
    _, fmt = read_table(_write(tmp_path, _long_table(sep="\t"), "data.tsv"), sep="\\t")
    assert fmt.sep == "\t"


def test_read_table_strips_column_names(tmp_path):
    df, _ = read_table(_write(tmp_path, " date ; value \n2022-01-01;1\n2022-01-02;2\n"))
    assert list(df.columns) == ["date", "value"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1"])
def test_read_table_decodes_bom_and_latin1(tmp_path, encoding):
    text = "date;nom_com;valeur\n2022-01-01;Évreux;1\n2022-01-02;Évreux;2\n"
    df, _ = read_table(_write(tmp_path, text, encoding=encoding))
    assert list(df.columns) == ["date", "nom_com", "valeur"]
    assert df["nom_com"].iloc[0] == "Évreux"


def test_read_table_copies_dataframe():
    src = pd.DataFrame({" a ": [1, 2]})
    df, fmt = read_table(src)
    assert fmt.kind == "frame" and fmt.sep is None
    assert list(df.columns) == ["a"]
    df.loc[0, "a"] = 99
    assert src.iloc[0, 0] == 1


def test_read_table_missing_file_raises(tmp_path):
    with pytest.raises(DataError, match="not found.*nope.csv"):
        read_table(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"date;value\n", "no data rows"),
        (b"PK\x03\x04\x00\x00binary\x00stuff", "binary"),
    ],
)
def test_read_table_bad_file_raises(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_table(path)
    assert "bad.csv" in str(err.value)


def test_read_table_unsupported_extension_raises(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n", "data.json")
    with pytest.raises(DataError, match="unsupported file type '.json'"):
        read_table(path)


def test_read_table_corrupt_excel_and_parquet_raise(tmp_path):
    for name in ("bad.xlsx", "bad.parquet"):
        path = _write(tmp_path, "not really", name)
        with pytest.raises(DataError, match=name):
            read_table(path)


# ---------------------------------------------------------------------------
# parse_times
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt",
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%Y/%m/%d %H:%M",
    ],
)
def test_parse_times_remembers_format(fmt):
    # 13/06 cannot be month-first, so day-first styles are unambiguous here.
    truth = pd.date_range("2022-06-13 22:00", periods=5, freq="h")
    raw = pd.Series(truth.strftime(fmt))
    parsed, found = parse_times(raw)
    assert found == fmt
    assert parsed.dtype == "datetime64[ns]"
    assert (parsed.to_numpy() == truth.to_numpy()).all()
    assert (parsed.dt.strftime(found) == raw).all()


def test_parse_times_date_only():
    raw = pd.Series(["2022-01-01", "2022-01-02", "2022-01-03"])
    parsed, fmt = parse_times(raw)
    assert fmt == "%Y-%m-%d"
    assert parsed.iloc[2] == pd.Timestamp("2022-01-03")


def test_parse_times_ambiguous_prefers_regular_spacing():
    # Month-first reading: daily steps; day-first reading: monthly jumps.
    raw = pd.Series(["01/02/2022", "01/03/2022", "01/04/2022", "01/05/2022", "01/06/2022"])
    parsed, fmt = parse_times(raw)
    assert fmt == "%m/%d/%Y"
    assert parsed.iloc[1] == pd.Timestamp("2022-01-03")


def test_parse_times_ambiguous_tie_is_day_first_and_dayfirst_overrides():
    raw = pd.Series(["01/02/2022", "02/02/2022"])
    assert parse_times(raw)[1] == "%d/%m/%Y"
    assert parse_times(raw, dayfirst=False)[1] == "%m/%d/%Y"
    raw = pd.Series(["01/02/2022", "01/03/2022", "01/04/2022"])
    assert parse_times(raw, dayfirst=True)[1] == "%d/%m/%Y"


def test_parse_times_utc_offsets_become_naive_utc():
    raw = pd.Series(["2022-06-21T02:00:00+02:00", "2022-06-21T03:00:00+02:00"])
    parsed, fmt = parse_times(raw)
    assert parsed.iloc[0] == pd.Timestamp("2022-06-21 00:00")
    assert "%z" not in fmt and parsed.dt.tz is None


def test_parse_times_accepts_datetimes():
    raw = pd.Series(pd.date_range("2022-01-01", periods=3, freq="D"))
    parsed, fmt = parse_times(raw)
    assert fmt == "%Y-%m-%d" and parsed.dtype == "datetime64[ns]"


def test_parse_times_bad_value_names_row():
    raw = pd.Series(["2022-01-01", "2022-01-02", "soon", "2022-01-04"])
    with pytest.raises(DataError, match=r"column 'date', row 4: 'soon' is not a date"):
        parse_times(raw, column="date")


def test_parse_times_empty_cell_names_row():
    raw = pd.Series(["2022-01-01", " ", "2022-01-03"])
    with pytest.raises(DataError, match=r"column 'time', row 3: the time is empty"):
        parse_times(raw)


def test_parse_times_out_of_range_raises():
    with pytest.raises(DataError, match="row 3.*outside the supported date range"):
        parse_times(pd.Series(["2022-01-01", "3000-01-01"]).iloc[[0, 1]].set_axis([0, 1]))
    with pytest.raises(DataError, match="row 2"):
        parse_times(pd.Series(["3000-01-01", "2022-01-01"]))


# ---------------------------------------------------------------------------
# parse_values
# ---------------------------------------------------------------------------


def test_parse_values_missing_markers_are_nan():
    raw = pd.Series(["1", "", "NA", "N/A", "n/a", "nan", "NaN", "null", "-", " 2.5 ", "-3"])
    out = parse_values(raw)
    assert out.dtype == np.float64
    assert out.iloc[0] == 1 and out.iloc[-2] == 2.5 and out.iloc[-1] == -3
    assert out.iloc[1:9].isna().all()


def test_parse_values_decimal_comma():
    out = parse_values(pd.Series(["1,5", "-2,25", "3"]), decimal=",")
    assert out.tolist() == [1.5, -2.25, 3.0]


def test_parse_values_numeric_dtype_passthrough():
    out = parse_values(pd.Series([1, 2, 3]))
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]


def test_parse_values_bad_value_names_row():
    raw = pd.Series(["1", "2", "abc"])
    with pytest.raises(DataError, match=r"column 'valeur', row 4: 'abc' is not a number"):
        parse_values(raw, column="valeur")
    with pytest.raises(DataError, match="'1,5' is not a number"):
        parse_values(pd.Series(["1,5"]), decimal=".")
    with pytest.raises(DataError, match="finite"):
        parse_values(pd.Series(["1", "inf"]))


# ---------------------------------------------------------------------------
# infer_freq
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("freq", ["h", "30min", "D", "15s"])
def test_infer_freq_regular(freq):
    assert infer_freq(pd.date_range("2022-01-01", periods=6, freq=freq)) == freq


def test_infer_freq_with_gaps_and_repeats():
    idx = pd.date_range("2022-01-01", periods=10, freq="30min").delete([3, 4, 7])
    times = pd.Series(list(idx) * 3)
    assert infer_freq(times) == "30min"
    assert infer_freq(pd.DatetimeIndex(["2022-01-01", "2022-01-03"])) == "2D"


def test_infer_freq_months_with_gaps():
    idx = pd.DatetimeIndex(["2022-01-01", "2022-02-01", "2022-04-01", "2022-05-01"])
    assert infer_freq(idx) == "MS"


def test_infer_freq_needs_two_steps():
    with pytest.raises(DataError, match="at least two time steps"):
        infer_freq(pd.Series(pd.to_datetime(["2022-01-01", "2022-01-01"])))


# ---------------------------------------------------------------------------
# guess_roles
# ---------------------------------------------------------------------------


def test_guess_roles_small_table(tmp_path):
    text = _long_table(sep=";")
    # add a per-row id and a coordinate column that must not be taken as roles
    lines = text.strip().split("\n")
    lines = [f"id;{lines[0]};lat"] + [f"{i};{ln};4{i % 2}.5" for i, ln in enumerate(lines[1:], 1)]
    df, _ = read_table(_write(tmp_path, "\n".join(lines) + "\n"))
    roles = guess_roles(df)
    assert roles == Roles(time="date", groups=["station", "poll"], value="value")


def test_guess_roles_without_name_hints():
    times = pd.date_range("2022-01-01", periods=5, freq="D").strftime("%d/%m/%Y")
    df = pd.DataFrame(
        {
            "row": [str(i) for i in range(10)],
            "shop": ["12"] * 5 + ["7"] * 5,
            "when": list(times) * 2,
            "amt": ["3.1", "4.2", "5.0", "1.5", "2.2", "8.1", "7.7", "6.6", "9.9", "0.1"],
        }
    )
    assert guess_roles(df) == Roles(time="when", groups=["shop"], value="amt")


def test_guess_roles_single_series_has_no_groups():
    df = pd.DataFrame({"t": ["2022-01-01", "2022-01-02", "2022-01-03"], "y": ["1", "2", "3"]})
    assert guess_roles(df) == Roles(time="t", groups=[], value="y")


def test_guess_roles_no_date_or_no_number_raises():
    with pytest.raises(DataError, match="dates"):
        guess_roles(pd.DataFrame({"a": ["x", "y"], "b": ["1", "2"]}))
    with pytest.raises(DataError, match="numeric"):
        guess_roles(pd.DataFrame({"t": ["2022-01-01", "2022-01-02"], "b": ["x", "y"]}))


def test_guess_roles_atmo_file(atmo):
    df, fmt = read_table(atmo)
    assert fmt.sep == ";" and fmt.decimal == "."
    assert df["code_station"].iloc[0] == "5010"
    roles = guess_roles(df)
    assert roles.time == "date_debut"
    assert roles.value == "valeur"
    assert "nom_poll" in roles.groups or "id_poll_ue" in roles.groups
    assert len(df[roles.groups].drop_duplicates()) == 119


# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------


def test_prepare_atmo_file(atmo, capsys):
    start = time.perf_counter()
    panel, schema, long = prepare(atmo)
    elapsed = time.perf_counter() - start
    assert "datamime: guessed roles time='date_debut'" in capsys.readouterr().out
    assert panel.values.shape == (72, 119)
    assert schema.freq == "h" and schema.n_series == 119
    assert schema.date_format == "%d/%m/%Y %H:%M" and schema.sep == ";"
    assert schema.integer and schema.min == 0 and schema.max == 197
    assert schema.start == "2022-06-21T00:00:00" and schema.end == "2022-06-23T23:00:00"
    assert list(long.columns) == [*schema.groups, "date_debut", "valeur"]
    assert elapsed < 5


def test_prepare_given_roles_on_separators_and_decimal_comma(tmp_path, capsys):
    for sep, decimal in [(";", ","), (",", "."), ("\t", "."), ("\t", ",")]:
        path = _write(tmp_path, _long_table(sep=sep, decimal=decimal))
        panel, schema, long = prepare(
            path, time="date", groups=["station", "poll"], value="value", verbose=True
        )
        assert capsys.readouterr().out == ""  # nothing guessed, nothing printed
        assert (schema.sep, schema.decimal) == (sep, decimal)
        assert panel.values.shape == (4, 4)
        assert panel.values[0, 0] == 3.5  # station "0042" sorts first; NO2 at step 0 = 0.5 + 3
        assert schema.categories == {"station": ["0042", "5010"], "poll": ["NO2", "O3"]}
        assert not schema.integer
        assert long["station"].dtype == "str"
        assert long["date"].dtype == "datetime64[ns]"


def test_prepare_prints_guess_only_when_verbose(tmp_path, capsys):
    path = _write(tmp_path, _long_table())
    prepare(path, verbose=False)
    assert capsys.readouterr().out == ""
    _, schema, _ = prepare(path)
    out = capsys.readouterr().out.strip()
    assert out.startswith("datamime: guessed roles time='date' groups=['station', 'poll']")
    assert out.endswith("(set data.time / data.groups / data.value to change)")
    assert schema.date_format == "%Y-%m-%d %H:%M"


def test_prepare_empty_groups_means_single_series(tmp_path):
    text = "date,value\n2022-01-01,1\n2022-01-02,2\n2022-01-03,3\n"
    panel, schema, long = prepare(_write(tmp_path, text), groups=[], verbose=False)
    assert panel.values.shape == (3, 1)
    assert schema.groups == [] and schema.freq == "D" and schema.integer
    assert list(long.columns) == ["date", "value"]


def test_prepare_gaps_become_nan(tmp_path):
    text = (
        "k;t;v\n"
        "a;2022-01-01 00:00;1\n"
        "a;2022-01-01 01:00;NA\n"  # missing marker
        "a;2022-01-01 02:00;3\n"
        "a;2022-01-01 04:00;0\n"  # 03:00 absent
        "b;2022-01-01 00:00;5\n"
        "b;2022-01-01 01:00;6\n"
    )
    panel, schema, long = prepare(_write(tmp_path, text), verbose=False)
    assert schema.groups == ["k"] and schema.freq == "h"
    assert panel.values.shape == (5, 2)
    a, b = panel.values[:, 0], panel.values[:, 1]
    assert np.isnan(a[1]) and np.isnan(a[3]) and a[4] == 0 and a[2] == 3
    assert np.isnan(b[2:]).all()
    assert len(long) == 5


def test_prepare_duplicated_keys_raise(tmp_path):
    text = "k;t;v\na;2022-01-01;1\na;2022-01-02;2\na;2022-01-02;3\nb;2022-01-01;1\n"
    with pytest.raises(DataError, match=r"1 duplicated \(k, t\) key.*\(a, 2022-01-02"):
        prepare(_write(tmp_path, text), time="t", groups=["k"], value="v", verbose=False)


def test_prepare_unknown_column_lists_available(tmp_path):
    path = _write(tmp_path, _long_table())
    with pytest.raises(DataError, match=r"column 'stations' not found.*'station', 'poll'"):
        prepare(path, groups=["stations"], verbose=False)
    with pytest.raises(DataError, match="'valeur' not found"):
        prepare(path, value="valeur", verbose=False)


def test_prepare_bad_date_names_row(tmp_path):
    text = "t,v\n2022-01-01,1\n2022-01-02,2\nlater,3\n"
    with pytest.raises(DataError, match=r"column 't', row 4: 'later' is not a date"):
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_bad_value_names_row(tmp_path):
    text = "t;v\n2022-01-01;1\n2022-01-02;oops\n"
    with pytest.raises(DataError, match=r"column 'v', row 3: 'oops' is not a number"):
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_stray_time_refines_the_grid_without_moving_it(tmp_path):
    # an exact half-hour among hours: a 30 min grid keeps every time as written
    text = "t,v\n2022-01-01 00:00,1\n2022-01-01 01:00,2\n2022-01-01 02:00,3\n2022-01-01 02:30,4\n"
    panel, schema, long = prepare(_write(tmp_path, text), verbose=False)
    assert schema.freq == "30min" and panel.n_steps == 6
    assert long["t"].dt.strftime("%H:%M").tolist() == ["00:00", "01:00", "02:00", "02:30"]
    assert long["v"].tolist() == [1, 2, 3, 4]


def test_prepare_no_values_raises(tmp_path):
    text = "t,v\n2022-01-01,\n2022-01-02,NA\n"
    with pytest.raises(DataError, match="no values"):
        prepare(_write(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_excel_and_parquet_match_csv(tmp_path):
    csv_path = _write(tmp_path, _long_table(sep=";", date_format="%d/%m/%Y %H:%M"))
    ref_panel, ref_schema, _ = prepare(csv_path, verbose=False)
    df = pd.read_csv(csv_path, sep=";", dtype={"station": str})
    df["date"] = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    df.to_excel(tmp_path / "data.xlsx", index=False)
    df.to_parquet(tmp_path / "data.parquet", index=False)
    df_num = df.assign(station=df["station"].astype(int))  # Excel users often have numeric codes
    df_num.to_excel(tmp_path / "num.xlsx", index=False)
    for name, kind in [("data.xlsx", "excel"), ("data.parquet", "parquet")]:
        table, fmt = read_table(tmp_path / name)
        assert fmt.kind == kind and fmt.sep is None
        panel, schema, _ = prepare(tmp_path / name, verbose=False)
        assert schema.groups == ref_schema.groups and schema.freq == "h"
        np.testing.assert_array_equal(panel.values, ref_panel.values)
        assert panel.keys.equals(ref_panel.keys)
    _, schema, _ = prepare(tmp_path / "num.xlsx", groups=["station", "poll"], verbose=False)
    assert schema.categories["station"] == ["42", "5010"]


def test_prepare_dataframe_source():
    df = pd.DataFrame(
        {
            "when": pd.date_range("2022-01-01", periods=4, freq="D").tolist() * 2,
            "site": ["x"] * 4 + ["y"] * 4,
            "level": np.arange(8, dtype=float),
        }
    )
    panel, schema, long = prepare(df, verbose=False)
    assert (schema.time, schema.groups, schema.value) == ("when", ["site"], "level")
    assert schema.sep is None and schema.freq == "D"
    assert panel.values[:, 1].tolist() == [4, 5, 6, 7]


# ---------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------


def test_schema_dict_round_trip(tmp_path):
    _, schema, _ = prepare(_write(tmp_path, _long_table(sep=";")), verbose=False)
    d = json.loads(json.dumps(schema.to_dict()))
    assert Schema.from_dict(d) == schema
    assert Schema.from_dict({**d, "future_field": 1}) == schema
    d.pop("freq")
    with pytest.raises(DataError, match="freq"):
        Schema.from_dict(d)


# ---------------------------------------------------------------------------
# write_table
# ---------------------------------------------------------------------------


def test_write_table_reproduces_style(tmp_path):
    src = _write(tmp_path, _long_table(sep=";", decimal=",", date_format="%d/%m/%Y %H:%M"))
    panel, schema, long = prepare(src, verbose=False)
    out = write_table(long, tmp_path / "out" / "synthetic.csv", schema)
    assert out == tmp_path / "out" / "synthetic.csv"
    lines = out.read_text().splitlines()
    assert lines[0] == "station;poll;date;value"
    assert lines[1] == "0042;NO2;21/06/2022 00:00;3,5"
    assert os.listdir(out.parent) == ["synthetic.csv"]
    panel2, schema2, _ = prepare(out, verbose=False)
    np.testing.assert_array_equal(panel2.values, panel.values)
    assert (schema2.sep, schema2.decimal, schema2.date_format) == (";", ",", "%d/%m/%Y %H:%M")


def test_write_table_integer_values(tmp_path, atmo):
    _, schema, long = prepare(atmo, verbose=False)
    out = write_table(long, tmp_path / "atmo.csv", schema)
    first = out.read_text().splitlines()[1]
    assert first.endswith(";21/06/2022 00:00;0")
    ints = long.assign(valeur=long["valeur"].astype(int))
    assert write_table(ints, tmp_path / "ints.csv", schema).read_text() == out.read_text()
    # whole-valued floats with gaps are written as integers with empty cells
    gappy = long.head(3).assign(valeur=[1.0, np.nan, 2.0])
    text = write_table(gappy, tmp_path / "gappy.csv", schema).read_text().splitlines()
    assert [ln.rsplit(";", 1)[1] for ln in text[1:]] == ["1", "", "2"]


def test_write_table_parquet_round_trip(tmp_path):
    panel, schema, long = prepare(_write(tmp_path, _long_table()), verbose=False)
    out = write_table(long, tmp_path / "out.parquet", schema)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, long, check_dtype=False)
    panel2, _, _ = prepare(out, verbose=False)
    np.testing.assert_array_equal(panel2.values, panel.values)


def test_write_table_failure_leaves_nothing(tmp_path, monkeypatch):
    _, schema, long = prepare(_write(tmp_path, _long_table(), "in.csv"), verbose=False)
    target = tmp_path / "out.csv"
    target.write_text("previous content")

    def broken_to_csv(self, path, *args, **kwargs):
        Path(path).write_text("partial")
        raise OSError(28, "No space left on device")

    # the pandas writer's failure (the fast writer's: tests/test_scale.py)
    monkeypatch.setattr("datamime.data.write._write_csv_fast", lambda *a, **k: False)
    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    with pytest.raises(DataError, match="cannot write .*out.csv.*No space left"):
        write_table(long, target, schema)
    assert target.read_text() == "previous content"
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv"]

    def crashing_to_csv(self, path, *args, **kwargs):
        Path(path).write_text("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", crashing_to_csv)
    with pytest.raises(KeyboardInterrupt):
        write_table(long, tmp_path / "new.csv", schema)
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv"]


def test_write_table_unwritable_path_or_extension_raises(tmp_path):
    _, schema, long = prepare(_write(tmp_path, _long_table(), "in.csv"), verbose=False)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(DataError, match="afile"):
        write_table(long, blocker / "out.csv", schema)
    with pytest.raises(DataError, match=r"cannot write '.json' files"):
        write_table(long, tmp_path / "x.json", schema)
    assert not (tmp_path / "x.json").exists()


# ---------------------------------------------------------------------------
# Property: prepare either succeeds or raises DataError
# ---------------------------------------------------------------------------

_JUNK = ["", " ", "NA", "-", "abc", "1,5", "1.5.5", "inf", "2022-13-45", "31/02/2022", "0", "1e400"]


@st.composite
def _tables(draw):
    n_groups = draw(st.integers(0, 2))
    n_times = draw(st.integers(1, 5))
    fmt = draw(st.sampled_from(["%Y-%m-%d %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d"]))
    freq = draw(st.sampled_from(["h", "D", "15min"]))
    times = pd.date_range("2021-03-01", periods=n_times, freq=freq).strftime(fmt).tolist()
    rows = []
    for g in range(max(n_groups, 1)):
        for t in times:
            if draw(st.integers(0, 9)) == 0:
                continue  # gap
            cell_t = draw(st.sampled_from([t] * 6 + _JUNK))
            value = draw(
                st.one_of(
                    st.integers(-5, 100).map(str),
                    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
                    st.sampled_from(_JUNK),
                )
            )
            note = draw(st.text(max_size=3))
            rows.append({"grp": f"g{g}", "t": cell_t, "v": value, "note": note})
    if rows and draw(st.booleans()):
        rows.append(dict(rows[0]))  # duplicated key
    return pd.DataFrame(rows, columns=["grp", "t", "v", "note"]), draw(st.booleans())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tables())
def test_prepare_random_tables_raise_only_data_error(table):
    df, via_csv = table
    roles = {"time": "t", "groups": ["grp"], "value": "v"} if len(df) % 2 else {}
    try:
        if via_csv:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "t.csv"
                df.to_csv(path, sep=";", index=False)
                panel, schema, long = prepare(path, verbose=False, **roles)
        else:
            panel, schema, long = prepare(df, verbose=False, **roles)
    except DataError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert panel.values.shape[1] == schema.n_series
    assert int(panel.mask.sum()) == len(long)


def test_prepare_validity_column_marks_rows_missing(tmp_path):
    from datamime.data.prepare import prepare

    path = tmp_path / "v.csv"
    path.write_text(
        "time;site;value;ok\n"
        + "".join(f"2024-01-01 {h:02d}:00;A;{h};{'non' if h == 3 else 'oui'}\n" for h in range(6))
    )
    panel, schema, _ = prepare(path, time="time", groups=["site"], value="value", valid="ok",
                               verbose=False)
    assert np.isnan(panel.values[3, 0]) and np.isfinite(np.delete(panel.values[:, 0], 3)).all()
    assert schema.max == 5.0
    path.write_text("time;site;value;ok\n2024-01-01 00:00;A;1;maybe\n2024-01-01 01:00;A;2;1\n")
    with pytest.raises(DataError, match=r"column 'ok', row 2: 'maybe' is not a validity flag"):
        prepare(path, time="time", groups=["site"], value="value", valid="ok", verbose=False)
    with pytest.raises(DataError, match="nope"):
        prepare(path, time="time", groups=["site"], value="value", valid="nope", verbose=False)


def test_prepare_atmo_statut_valid_masks_the_invalid_measurements(capsys):
    from datamime.data.prepare import prepare

    atmo = Path(__file__).resolve().parents[2] / "shared" / "data" / "atmo_normandie_3days.csv"
    if not atmo.is_file():
        pytest.skip("../shared/data is not present")
    roles = {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
             "value": "valeur", "verbose": False}
    full, _, _ = prepare(atmo, **roles)
    masked, _, _ = prepare(atmo, valid="statut_valid", **{**roles, "verbose": True})
    assert np.isnan(full.values).sum() == 0
    # 337 rows have statut_valid = 0: two whole series (2 x 72) and 193 scattered hours
    assert masked.n_series == full.n_series - 2 == 117
    assert np.isnan(masked.values).sum() == 337 - 2 * 72
    out = capsys.readouterr().out
    assert "337 of 8,568 rows are marked not valid" in out
    assert "2 series have no (valid) value and are left out" in out
