"""From a user's table to a validated :class:`Panel` and the :class:`Schema` describing it.

:func:`prepare` is the single boundary between user data and the rest of datamime:
it reads the table, guesses whichever roles (time, groups, value) were not given,
parses times (localising them with ``tz``) and numbers (missing markers as NaN) strictly,
checks that every (groups, time) key is unique (or combines duplicates with ``agg``),
puts the times on a regular grid (jittered clocks snapped, with a printed rule), and
reports any problem as a one-line :class:`DataError` naming the column, row and text
at fault.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from datamime.data.grid import place_on_grid
from datamime.data.io import read_table
from datamime.data.panel import Panel, panel_from_long
from datamime.data.roles import complete_roles
from datamime.data.schema import Schema
from datamime.data.times import parse_times_and_offsets
from datamime.data.values import (
    OUTLIER_DEVIATIONS,
    extreme_values,
    missing_markers,
    parse_validity,
    parse_values,
)
from datamime.data.zones import check_zone, dst_hint, localize
from datamime.errors import DataError
from datamime.output.carry import learn as learn_carried

AGGREGATIONS = ("mean", "sum", "min", "max", "median", "first", "last")


def _as_text(values: pd.Series) -> pd.Series:
    """Group labels as stripped strings (``5010.0`` read from Excel becomes ``"5010"``)."""
    if pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = arr[~np.isnan(arr)]
        if np.isfinite(finite).all() and (finite == np.round(finite)).all():
            values = values.round().astype("Int64")
    elif pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
    out = values.astype(object).where(values.notna(), "")
    return out.astype(str).str.strip()


def _check_columns(df: pd.DataFrame, names: list[str], where: str) -> None:
    for name in names:
        if name not in df.columns:
            available = ", ".join(repr(str(c)) for c in df.columns)
            raise DataError(f"column {name!r} not found in {where}; available columns: {available}")


def _describe(source: str | os.PathLike | pd.DataFrame) -> str:
    return "the table" if isinstance(source, pd.DataFrame) else str(source)


def _duplicates(
    long: pd.DataFrame, keys: list[str], value: str, agg: str | None, where: str, verbose: bool
) -> pd.DataFrame:
    """Combine duplicated (groups, time) keys by ``agg``, or raise a DataError listing them."""
    dup = long.duplicated(subset=keys, keep=False).to_numpy()
    if not dup.any():
        return long
    rows = long.loc[dup, keys].drop_duplicates()
    if agg is None:
        shown = "; ".join(
            "(" + ", ".join(str(v) for v in row) + ")"
            for row in rows.head(5).itertuples(index=False)
        )
        raise DataError(
            f"{len(rows)} duplicated ({', '.join(keys)}) key(s) in {where}, e.g. {shown}; "
            "add the column that tells these rows apart to data.groups, remove the duplicates, "
            f"or combine them (data.agg={'|'.join(AGGREGATIONS)})" + dst_hint(rows[keys[-1]])
        )
    long = long.groupby(keys, sort=False, as_index=False, dropna=False)[value].agg(agg)
    if verbose:
        print(f"datamime: {len(rows):,} duplicated ({', '.join(keys)}) key(s) "
              f"({int(dup.sum()):,} rows) combined by {agg} (data.agg)")
    return long


def _report_extremes(panel: Panel, value: str) -> None:
    extreme = extreme_values(panel)
    if not extreme.any():
        return
    rows, cols = np.nonzero(extreme)
    labels = panel.series_labels()
    shown = "; ".join(
        f"{labels[g]} at {panel.index[t]}: {panel.values[t, g]:g}"
        for t, g in list(zip(rows, cols))[:3]
    )
    print(f"datamime: {len(rows):,} extreme value(s) of {value!r}, over "
          f"{OUTLIER_DEVIATIONS:g} robust deviations from their series' median (e.g. {shown}); "
          "they are kept in the sample, and the deep models learn them as gaps; if they are "
          "errors, mark them invalid (data.valid) or remove them")


def _report_missing(raw: pd.Series, column: str) -> None:
    markers = missing_markers(raw)
    if markers:
        shown = ", ".join(f"{k!r} x{v:,}" for k, v in list(markers.items())[:8])
        more = f" and {len(markers) - 8} more" if len(markers) > 8 else ""
        print(f"datamime: {sum(markers.values()):,} of {len(raw):,} cells of {column!r} read as "
              f"missing (masked, never zero): {shown}{more}")


def prepare(
    source: str | os.PathLike | pd.DataFrame,
    time: str | None = None,
    groups: list[str] | None = None,
    value: str | list[str] | None = None,
    sep: str | None = None,
    dayfirst: bool | None = None,
    verbose: bool = True,
    valid: str | None = None,
    agg: str | None = None,
    tz: str | None = None,
) -> tuple[Panel, Schema, pd.DataFrame]:
    """Read, validate and shape a sample for the generators.

    Args:
        source: a table file (CSV/TXT/TSV, Excel, Parquet) or a DataFrame.
        time: time column; None to guess.
        groups: identifying columns; None to guess, ``[]`` for a single series.
        value: value column; None to guess. A list of several columns (temperature and
            humidity) learns them jointly: they become the series of one more identifying
            column (``Schema.variable``) and the output is written wide again.
        sep: separator of a text file; None to sniff.
        dayfirst: how to read ambiguous dates; None to detect.
        verbose: print the guessed roles, if any were guessed.
        valid: a validity column (1/0, true/false, yes/no, oui/non); rows it marks as
            not valid are treated as missing: masked in training, regenerated in the output.
        agg: combine duplicated (groups, time) keys with ``mean``, ``sum``, ``min``,
            ``max``, ``median``, ``first`` or ``last``; None: duplicates are an error.
            Also combines the rows of one series that jittered times put in one slot
            (mean when None).
        tz: IANA zone (``Europe/Paris``) of naive local clock times: they are localised
            (a repeated autumn hour resolved by row order), converted to UTC, and the
            zone kept in the schema so that output can be written in local time.

    Returns:
        ``(panel, schema, long_df)``: the dense panel (NaN where the sample has no
        value), its schema, and the long table restricted to the role columns with
        parsed types (group labels as strings, times as datetimes, values as
        floats), missing values dropped, sorted by groups then time.

    Raises:
        DataError: any problem with the file, the columns, a cell, duplicated
            (groups, time) keys without ``agg``, an unknown ``agg`` or ``tz``, or a time
            grid that cannot be built.
    """
    if agg is not None and agg not in AGGREGATIONS:
        raise DataError(f"data.agg={agg!r} is not an aggregation; use one of "
                        f"{', '.join(AGGREGATIONS)} (or null to refuse duplicates)")
    zone = check_zone(tz)
    df, fmt = read_table(source, sep=sep)
    order = list(df.columns)
    where = _describe(source)
    several: list[str] | None = None
    if isinstance(value, (list, tuple)) or (value is not None and not isinstance(value, str)):
        several = [str(v) for v in value]
        if len(set(several)) != len(several) or not several:
            raise DataError(f"data.value lists no column or a column twice: {several}")
        _check_columns(df, several, where)
        value = several[0] if len(several) == 1 else None
        if len(several) == 1:
            several = None
    given = [c for c in (time, value, valid) if c is not None] + list(groups or [])
    _check_columns(df, given, where)
    if several is not None:
        df, time, groups, value, variable = _stack_values(df, several, time, groups, fmt.decimal,
                                                          verbose)
    if groups is not None and len(set(groups)) != len(groups):
        raise DataError(f"data.groups lists a column twice: {groups}")
    if time is not None and value is not None and time == value:
        raise DataError(f"column {time!r} cannot be both the time and the value")
    for g in groups or []:
        if g in (time, value):
            raise DataError(f"column {g!r} cannot be both a group and the time or value")

    if time is None or value is None or groups is None:
        roles = complete_roles(df, time=time, groups=groups, value=value)
        if verbose:
            print(
                f"datamime: guessed roles time={roles.time!r} groups={roles.groups!r} "
                f"value={roles.value!r} (set data.time / data.groups / data.value to change)"
            )
        time, groups, value = roles.time, roles.groups, roles.value
        if time == value or time in groups or value in groups:
            raise DataError(
                f"could not tell the roles apart (time={time!r}, value={value!r}); "
                "set data.time / data.groups / data.value"
            )
    assert time is not None and value is not None and groups is not None

    times, date_format, tz_aware = parse_times_and_offsets(df[time], dayfirst, time)
    values = parse_values(df[value], fmt.decimal, value)
    if verbose:
        _report_missing(df[value], value)
    if valid is not None:
        ok = parse_validity(df[valid], valid)
        if verbose and (~ok).any():
            print(f"datamime: {int((~ok).sum()):,} of {len(ok):,} rows are marked not valid "
                  f"by {valid!r}; they are treated as missing")
        values = values.where(ok)
    long = pd.DataFrame({g: _as_text(df[g]) for g in groups})
    carried = learn_carried(df, long[[g for g in groups if g != variable]] if several else long,
                            [time, value, *([valid] if valid else []), *groups], order)
    long[time] = times
    long[value] = values
    if zone is not None and not tz_aware:
        long[time] = localize(long[time], zone, long[groups] if groups else None, time)
    before = long[groups].drop_duplicates() if groups else None
    every = long[[*groups, time]]
    long = long[long[value].notna()]
    if verbose and groups and not long.empty:
        gone = before.merge(long[groups].drop_duplicates(), how="left", indicator=True)
        gone = gone[gone["_merge"] == "left_only"][groups]
        if len(gone):
            shown = "; ".join(" / ".join(map(str, r)) for r in gone.head(5).itertuples(index=False))
            print(f"datamime: {len(gone)} series have no (valid) value and are left out: {shown}")
    if long.empty:
        raise DataError(f"column '{value}' has no values in {where}")

    keys = [*groups, time]
    long = _duplicates(long, keys, value, agg, where, verbose)
    long, freq = place_on_grid(long, time, groups, value, agg, verbose, every)
    long = long.sort_values(keys, kind="stable").reset_index(drop=True)
    panel = panel_from_long(long, time, groups, value, freq)
    if verbose:
        _report_extremes(panel, value)

    observed = long[value].to_numpy()
    schema = Schema(
        time=time,
        groups=list(groups),
        value=value,
        sep=fmt.sep,
        decimal=fmt.decimal,
        date_format=date_format,
        freq=freq,
        categories={g: sorted(long[g].unique().tolist()) for g in groups},
        integer=bool(np.all(observed == np.round(observed))),
        min=float(observed.min()),
        max=float(observed.max()),
        n_series=panel.n_series,
        start=panel.index[0].isoformat(),
        end=panel.index[-1].isoformat(),
        tz=zone if zone is not None else ("UTC" if tz_aware else None),
        values=several,
        variable=variable if several is not None else None,
        carried=carried,
    )
    return panel, schema, long


def _free_name(df: pd.DataFrame, name: str) -> str:
    while name in df.columns:
        name += "_"
    return name


def _stack_values(
    df: pd.DataFrame, columns: list[str], time: str | None, groups: list[str] | None,
    decimal: str, verbose: bool,
) -> tuple[pd.DataFrame, str, list[str], str, str]:
    """Several value columns -> one, with a ``variable`` identifying column.

    Each column is parsed on its own first, so a bad cell is named by its own column
    and row. Returns the stacked frame and the roles that now apply to it.
    """
    for c in columns:
        parse_values(df[c], decimal, c)  # errors name the real column
    if time is None or groups is None:
        roles = complete_roles(df.drop(columns=columns[1:]), time=time, groups=groups,
                               value=columns[0])
        if verbose:
            print(f"datamime: guessed roles time={roles.time!r} groups={roles.groups!r} "
                  "(set data.time / data.groups to change)")
        time, groups = roles.time, [g for g in roles.groups if g not in columns]
    for g in groups:
        if g in columns or g == time:
            raise DataError(f"column {g!r} cannot be both a group and the time or a value")
    variable, value = _free_name(df, "variable"), _free_name(df, "value")
    keep = [c for c in df.columns if c not in columns]
    parts = [df[keep].assign(**{variable: c, value: df[c]}) for c in columns]
    stacked = pd.concat(parts)  # the original row labels stay: errors still name rows
    if verbose:
        print(f"datamime: {len(columns)} value columns learned together "
              f"({', '.join(columns)}) as the series of {variable!r}")
    return stacked, time, [*groups, variable], value, variable
