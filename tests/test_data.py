"""Tests of the data layer: reading tables, parsing times and values, frequency, role guessing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime.data.grid import infer_freq
from datamime.data.io import TableFormat, read_table
from datamime.data.roles import guess_roles
from datamime.data.schema import Roles
from datamime.data.times import parse_times
from datamime.data.values import parse_values
from datamime.errors import DataError
from tests.tables import long_table, write_text

# ---------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_read_table_sniffs_separator(tmp_path, sep):
    path = write_text(tmp_path, long_table(sep=sep))
    df, fmt = read_table(path)
    assert fmt == TableFormat(sep=sep, decimal=".", kind="csv")
    assert list(df.columns) == ["station", "poll", "date", "unit", "value"]
    assert len(df) == 16


def test_read_table_keeps_cells_as_text(tmp_path):
    df, _ = read_table(write_text(tmp_path, long_table(sep=";")))
    assert set(df["station"]) == {"5010", "0042"}
    assert df["value"].iloc[0] == "3.5"


def test_read_table_detects_decimal_comma(tmp_path):
    df, fmt = read_table(write_text(tmp_path, long_table(sep=";", decimal=",")))
    assert fmt.sep == ";" and fmt.decimal == ","
    assert df["value"].iloc[0] == "3,5"


def test_read_table_explicit_separator_wins(tmp_path):
    _, fmt = read_table(write_text(tmp_path, long_table(sep="\t"), "data.tsv"), sep="\\t")
    assert fmt.sep == "\t"


def test_read_table_strips_column_names(tmp_path):
    df, _ = read_table(write_text(tmp_path, " date ; value \n2022-01-01;1\n2022-01-02;2\n"))
    assert list(df.columns) == ["date", "value"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1"])
def test_read_table_decodes_bom_and_latin1(tmp_path, encoding):
    text = "date;nom_com;valeur\n2022-01-01;Évreux;1\n2022-01-02;Évreux;2\n"
    df, _ = read_table(write_text(tmp_path, text, encoding=encoding))
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
    path = write_text(tmp_path, "a,b\n1,2\n", "data.json")
    with pytest.raises(DataError, match="unsupported file type '.json'"):
        read_table(path)


def test_read_table_corrupt_excel_and_parquet_raise(tmp_path):
    for name in ("bad.xlsx", "bad.parquet"):
        path = write_text(tmp_path, "not really", name)
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
    text = long_table(sep=";")
    # add a per-row id and a coordinate column that must not be taken as roles
    lines = text.strip().split("\n")
    lines = [f"id;{lines[0]};lat"] + [f"{i};{ln};4{i % 2}.5" for i, ln in enumerate(lines[1:], 1)]
    df, _ = read_table(write_text(tmp_path, "\n".join(lines) + "\n"))
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
