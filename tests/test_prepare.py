"""prepare(): a user's table to Panel + Schema; the Schema saved; tables written back."""

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

from datamime.data.io import read_table
from datamime.data.prepare import prepare
from datamime.data.schema import Schema
from datamime.data.write import write_table
from datamime.errors import DataError
from tests.tables import long_table, write_text

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
        path = write_text(tmp_path, long_table(sep=sep, decimal=decimal))
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
    path = write_text(tmp_path, long_table())
    prepare(path, verbose=False)
    assert capsys.readouterr().out == ""
    _, schema, _ = prepare(path)
    out = capsys.readouterr().out.strip()
    assert out.startswith("datamime: guessed roles time='date' groups=['station', 'poll']")
    assert out.endswith("(set data.time / data.groups / data.value to change)")
    assert schema.date_format == "%Y-%m-%d %H:%M"


def test_prepare_empty_groups_means_single_series(tmp_path):
    text = "date,value\n2022-01-01,1\n2022-01-02,2\n2022-01-03,3\n"
    panel, schema, long = prepare(write_text(tmp_path, text), groups=[], verbose=False)
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
    panel, schema, long = prepare(write_text(tmp_path, text), verbose=False)
    assert schema.groups == ["k"] and schema.freq == "h"
    assert panel.values.shape == (5, 2)
    a, b = panel.values[:, 0], panel.values[:, 1]
    assert np.isnan(a[1]) and np.isnan(a[3]) and a[4] == 0 and a[2] == 3
    assert np.isnan(b[2:]).all()
    assert len(long) == 5


def test_prepare_duplicated_keys_raise(tmp_path):
    text = "k;t;v\na;2022-01-01;1\na;2022-01-02;2\na;2022-01-02;3\nb;2022-01-01;1\n"
    with pytest.raises(DataError, match=r"1 duplicated \(k, t\) key.*\(a, 2022-01-02"):
        prepare(write_text(tmp_path, text), time="t", groups=["k"], value="v", verbose=False)


def test_prepare_unknown_column_lists_available(tmp_path):
    path = write_text(tmp_path, long_table())
    with pytest.raises(DataError, match=r"column 'stations' not found.*'station', 'poll'"):
        prepare(path, groups=["stations"], verbose=False)
    with pytest.raises(DataError, match="'valeur' not found"):
        prepare(path, value="valeur", verbose=False)


def test_prepare_bad_date_names_row(tmp_path):
    text = "t,v\n2022-01-01,1\n2022-01-02,2\nlater,3\n"
    with pytest.raises(DataError, match=r"column 't', row 4: 'later' is not a date"):
        prepare(write_text(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_bad_value_names_row(tmp_path):
    text = "t;v\n2022-01-01;1\n2022-01-02;oops\n"
    with pytest.raises(DataError, match=r"column 'v', row 3: 'oops' is not a number"):
        prepare(write_text(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_stray_time_refines_the_grid_without_moving_it(tmp_path):
    # an exact half-hour among hours: a 30 min grid keeps every time as written
    text = "t,v\n2022-01-01 00:00,1\n2022-01-01 01:00,2\n2022-01-01 02:00,3\n2022-01-01 02:30,4\n"
    panel, schema, long = prepare(write_text(tmp_path, text), verbose=False)
    assert schema.freq == "30min" and panel.n_steps == 6
    assert long["t"].dt.strftime("%H:%M").tolist() == ["00:00", "01:00", "02:00", "02:30"]
    assert long["v"].tolist() == [1, 2, 3, 4]


def test_prepare_no_values_raises(tmp_path):
    text = "t,v\n2022-01-01,\n2022-01-02,NA\n"
    with pytest.raises(DataError, match="no values"):
        prepare(write_text(tmp_path, text), time="t", groups=[], value="v", verbose=False)


def test_prepare_excel_and_parquet_match_csv(tmp_path):
    csv_path = write_text(tmp_path, long_table(sep=";", date_format="%d/%m/%Y %H:%M"))
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
    _, schema, _ = prepare(write_text(tmp_path, long_table(sep=";")), verbose=False)
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
    src = write_text(tmp_path, long_table(sep=";", decimal=",", date_format="%d/%m/%Y %H:%M"))
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
    panel, schema, long = prepare(write_text(tmp_path, long_table()), verbose=False)
    out = write_table(long, tmp_path / "out.parquet", schema)
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, long, check_dtype=False)
    panel2, _, _ = prepare(out, verbose=False)
    np.testing.assert_array_equal(panel2.values, panel.values)


def test_write_table_failure_leaves_nothing(tmp_path, monkeypatch):
    _, schema, long = prepare(write_text(tmp_path, long_table(), "in.csv"), verbose=False)
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
    _, schema, long = prepare(write_text(tmp_path, long_table(), "in.csv"), verbose=False)
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
