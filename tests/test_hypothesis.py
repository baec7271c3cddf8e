"""Property tests: random tables, well-formed or not, through read_table and prepare.

Two properties. Whatever the table (random names, cells, dates, NaN, duplicates, empty
frames, raw bytes), the data layer either succeeds or raises a one-line DataError,
never any other exception. And a well-formed table comes back with every value intact:
the same series, the same times, the same numbers.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datamime.data.io import read_table
from datamime.data.prepare import prepare
from datamime.errors import DataError, DatamimeError

# DATAMIME_HYPOTHESIS_EXAMPLES=2000 explores further (random seeds) than the fast default.
_EXAMPLES = int(os.environ.get("DATAMIME_HYPOTHESIS_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=_EXAMPLES or 60, deadline=None, derandomize=not _EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# (strftime format, dayfirst that reads it back unambiguously)
_FORMATS = [
    ("%Y-%m-%d %H:%M:%S", None), ("%Y-%m-%dT%H:%M", None), ("%Y-%m-%d", None),
    ("%d/%m/%Y %H:%M", True), ("%m/%d/%Y %H:%M", False), ("%d.%m.%Y", True),
    ("%Y/%m/%d %H:%M", None),
]
_FREQS = ["h", "15min", "D", "30min"]
_JUNK = ["", " ", "NA", "n/a", "<LD", "ND", "#N/A", "--", "-", "abc", "1,5", "1.5.5", "inf",
         "-inf", "1e400", "nan", "2022-13-45", "31/02/2022", "0", "00:00", "\x00", "é", "\"", ";"]
_NAME = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1,
                max_size=8).map(str.strip).filter(bool)
_LABEL = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]),
                 min_size=1, max_size=6).map(str.strip).filter(bool)


def _as_csv(df: pd.DataFrame, sep: str, decimal: str = ".") -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="dm-hyp-"))
    path = tmp / "t.csv"
    df.to_csv(path, sep=sep, decimal=decimal, index=False)
    return path


def _check_only_data_error(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except DataError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg, repr(msg)
        assert isinstance(exc, DatamimeError)
        return None


# ---------------------------------------------------------------------------
# Well-formed tables keep every value
# ---------------------------------------------------------------------------


@st.composite
def _well_formed(draw):
    n_groups = draw(st.integers(0, 2))
    names = draw(st.lists(_NAME, min_size=2 + n_groups, max_size=2 + n_groups,
                          unique_by=str.casefold))
    time_col, value_col, group_cols = names[0], names[1], names[2:]
    fmt, dayfirst = draw(st.sampled_from(_FORMATS))
    freq = "D" if fmt in ("%Y-%m-%d", "%d.%m.%Y") else draw(st.sampled_from(_FREQS))
    n_times = draw(st.integers(2, 8))
    start = pd.Timestamp("2021-03-01") + pd.Timedelta(days=draw(st.integers(0, 400)))
    grid = pd.date_range(start, periods=n_times, freq=freq)
    n_series = draw(st.integers(1, 3)) if group_cols else 1
    keys = draw(st.lists(st.tuples(*[_LABEL] * len(group_cols)), min_size=n_series,
                         max_size=n_series, unique=True)) if group_cols else [()]
    numbers = st.one_of(st.integers(-10**6, 10**6).map(float),
                        st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False))
    markers = st.sampled_from(["", "NA", "n/a", "<LD", "<LQ", "ND", "n.d.", "#N/A", "--", "nan"])
    rows, gaps = [], []
    for i, key in enumerate(keys):
        kept = draw(st.lists(st.booleans(), min_size=n_times, max_size=n_times))
        kept[0] = True  # every series has a value
        for t, keep in zip(grid, kept):
            if keep or i == 0:  # the first series is complete: the grid is known
                rows.append((*key, t, draw(numbers)))
            elif draw(st.integers(0, 3)) == 0:  # a row saying "no value"
                gaps.append((*key, t, draw(markers)))
    expected = pd.DataFrame(rows, columns=[*group_cols, time_col, value_col])
    missing = pd.DataFrame(gaps, columns=[*group_cols, time_col, value_col])
    return expected, missing, fmt, dayfirst, draw(st.sampled_from(["frame", "csv", "csv-comma"])), \
        draw(st.sampled_from([";", ",", "\t", "|"])), draw(st.booleans())


@SETTINGS
@given(_well_formed())
def test_well_formed_tables_come_back_intact(case):
    expected, missing, fmt, dayfirst, kind, sep, shuffle = case
    time_col, value_col = expected.columns[-2], expected.columns[-1]
    groups = list(expected.columns[:-2])
    table = pd.concat([expected.astype({value_col: object}), missing], ignore_index=True)
    table[time_col] = pd.to_datetime(table[time_col]).dt.strftime(fmt)
    if shuffle:
        table = table.sample(frac=1.0, random_state=0)
    if kind == "frame":
        source = table
    else:
        decimal = "," if kind == "csv-comma" and sep != "," else "."
        text = table.copy()
        text[value_col] = [v if isinstance(v, str) else repr(v).replace(".", decimal)
                           for v in text[value_col]]
        source = _as_csv(text, sep)
    panel, schema, long = prepare(source, time=time_col, groups=groups, value=value_col,
                                  dayfirst=dayfirst, verbose=False)
    got = long.sort_values([*groups, time_col]).reset_index(drop=True)
    want = expected.sort_values([*groups, time_col]).reset_index(drop=True)
    for g in groups:
        assert got[g].tolist() == want[g].astype(str).tolist()
    assert (got[time_col].to_numpy() == want[time_col].to_numpy()).all()
    assert got[value_col].tolist() == want[value_col].tolist()  # exact, no rounding
    assert int(panel.mask.sum()) == len(expected)
    assert schema.n_series == len(want[groups].drop_duplicates()) if groups else 1
    assert sorted(panel.values[panel.mask].tolist()) == sorted(want[value_col].tolist())


# ---------------------------------------------------------------------------
# Anything else raises DataError and nothing else
# ---------------------------------------------------------------------------

_DATES = st.builds(
    lambda ts, fmt: ts.strftime(fmt),
    st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2100-01-01").to_pydatetime()).map(pd.Timestamp),
    st.sampled_from([f for f, _ in _FORMATS] + ["%Y-%m-%dT%H:%M:%S+02:00", "%H:%M", "%Y"]),
)
_CELL = st.one_of(
    st.sampled_from(_JUNK), _DATES, st.text(max_size=6),
    st.integers(-10**12, 10**12), st.floats(), st.none(), st.just(np.nan),
    st.sampled_from([pd.Timestamp("2022-01-01"), pd.NaT, True, "2022-03-27 02:30",
                     "2023-10-29 02:00", "2022-01-01 10:00:03", "2022-01-01 11:00:58"]),
)


@st.composite
def _messy(draw):
    n_cols = draw(st.integers(0, 5))
    names = draw(st.lists(st.one_of(_NAME, st.text(max_size=4)), min_size=n_cols,
                          max_size=n_cols))
    n_rows = draw(st.integers(0, 10))
    columns = []
    for _ in range(n_cols):
        style = draw(st.sampled_from(["any", "dates", "numbers", "labels"]))
        cell = {"any": _CELL, "dates": _DATES, "labels": st.sampled_from(["a", "b", "c"]),
                "numbers": st.floats(-1e3, 1e3) | st.sampled_from(_JUNK)}[style]
        columns.append(draw(st.lists(cell, min_size=n_rows, max_size=n_rows)))
    rows = [list(r) for r in zip(*columns)] if n_cols else []
    if rows and draw(st.booleans()):
        rows += draw(st.lists(st.sampled_from(rows), max_size=3))  # duplicated rows
    df = pd.DataFrame(rows, columns=names) if n_cols else pd.DataFrame(index=range(n_rows))
    if n_cols and not rows:
        df = pd.DataFrame(columns=names)
    return df


def _roles(draw, df):
    names = [str(c).strip() for c in df.columns] + ["missing"]
    pick = st.none() | st.sampled_from(names)
    groups = st.none() | st.lists(st.sampled_from(names), max_size=2)
    return {"time": draw(pick), "value": draw(pick), "groups": draw(groups),
            "dayfirst": draw(st.sampled_from([None, True, False])),
            "valid": draw(st.none() | st.sampled_from(names)) if draw(st.integers(0, 4)) == 0
            else None,
            "agg": draw(st.sampled_from([None, None, "mean", "last", "avg"])),
            "tz": draw(st.sampled_from([None, None, "Europe/Paris", "UTC", "Nowhere/Land"]))}


@SETTINGS
@given(_messy(), st.sampled_from(["frame", "csv", "bytes"]), st.sampled_from([";", ",", "\t"]),
       st.binary(max_size=200), st.data())
def test_messy_tables_raise_only_data_error(df, kind, sep, raw, data):
    roles = data.draw(st.builds(dict)) if data.draw(st.booleans()) else _roles(data.draw, df)
    if kind == "frame":
        source = df
    elif kind == "csv":
        try:
            source = _as_csv(df, sep)
        except (UnicodeEncodeError, ValueError):
            return  # pandas cannot write this frame; nothing to read
    else:
        source = Path(tempfile.mkdtemp(prefix="dm-hyp-")) / "t.csv"
        source.write_bytes(raw)
    got = _check_only_data_error(read_table, source)
    if got is not None:
        table, fmt = got
        assert len(table) > 0 and table.shape[1] > 0
    result = _check_only_data_error(prepare, source, verbose=False, **roles)
    if result is not None:
        panel, schema, long = result
        assert panel.values.shape == (len(panel.index), schema.n_series)
        assert int(panel.mask.sum()) == len(long)
        assert np.isfinite(panel.values[panel.mask]).all()
        assert not any(math.isnan(v) for v in (schema.min, schema.max))
