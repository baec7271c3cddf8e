"""The dense, in-memory form of a long table that every generator consumes.

A long table (one row per series per time step) becomes a :class:`Panel`: a
``[T, G]`` array of values on a regular time grid, with NaN wherever the sample
has no observation (gaps are masked, never invented), plus the identifying
values of each of the ``G`` series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Panel:
    """A regular panel of ``G`` series over ``T`` time steps.

    Attributes:
        values: ``[T, G]`` float64 array; NaN marks a missing observation.
        index: the ``T`` timestamps, a regular grid of frequency ``freq``.
        keys: ``[G, C]`` frame, one row per series, one column per identifying
            ("group") column, values as strings. ``C`` may be 0 (one series).
        freq: pandas offset alias of the grid (``"h"``, ``"30min"``, ``"D"``...).
    """

    values: np.ndarray
    index: pd.DatetimeIndex
    keys: pd.DataFrame
    freq: str

    def __post_init__(self) -> None:
        if self.values.ndim != 2:
            raise ValueError(f"values must be [T, G], got shape {self.values.shape}")
        if self.values.shape != (len(self.index), len(self.keys)):
            raise ValueError(
                f"values {self.values.shape} do not match index ({len(self.index)}) "
                f"and keys ({len(self.keys)})"
            )

    @property
    def n_steps(self) -> int:
        return self.values.shape[0]

    @property
    def n_series(self) -> int:
        return self.values.shape[1]

    @property
    def mask(self) -> np.ndarray:
        """``[T, G]`` bool, True where a value was observed."""
        return ~np.isnan(self.values)

    @property
    def group_columns(self) -> list[str]:
        return list(self.keys.columns)

    def series_labels(self) -> list[str]:
        """One readable label per series, e.g. ``"NO2 / 5010"``."""
        if self.keys.shape[1] == 0:
            return ["series"] * self.n_series
        return [" / ".join(map(str, row)) for row in self.keys.itertuples(index=False)]


def panel_from_long(
    df: pd.DataFrame, time: str, groups: list[str], value: str, freq: str
) -> Panel:
    """Pivot a validated long table (parsed datetimes, numeric values) onto its grid.

    Args:
        df: long table; ``(groups, time)`` must be unique and ``time`` on the grid.
        time: datetime column. groups: identifying columns (may be empty).
        value: numeric column. freq: offset alias of the grid.

    Returns:
        The panel; series are ordered by their identifying values.
    """
    start, end = df[time].min(), df[time].max()
    index = pd.date_range(start, end, freq=freq)
    if groups:
        keys = df[groups].astype(str).drop_duplicates().sort_values(groups).reset_index(drop=True)
        codes = pd.MultiIndex.from_frame(keys).get_indexer(
            pd.MultiIndex.from_frame(df[groups].astype(str))
        )
    else:
        keys = pd.DataFrame(index=range(1))
        codes = np.zeros(len(df), dtype=np.int64)
    rows = index.get_indexer(df[time])
    if (rows < 0).any():
        raise ValueError("some timestamps are not on the inferred grid")
    values = np.full((len(index), len(keys)), np.nan)
    values[rows, codes] = df[value].to_numpy(dtype=np.float64)
    return Panel(values=values, index=index, keys=keys, freq=freq)


def panel_to_long(
    values: np.ndarray,
    index: pd.DatetimeIndex,
    keys: pd.DataFrame,
    time: str,
    value: str,
    tz: str | None = None,
) -> pd.DataFrame:
    """Melt ``[T, G]`` values into a long table sorted by series then time.

    Args:
        values: ``[T, G]`` array. index: the ``T`` timestamps (naive UTC when ``tz``).
        keys: ``[G, C]`` identifying values. time, value: output column names.
        tz: the sample's IANA zone (``Schema.tz``): times come out as local clock times
            in that zone (tz-aware); None or ``"UTC"`` leaves them as they are.

    Returns:
        The long table: group columns, time, value.
    """
    n_steps, n_series = values.shape
    index = pd.DatetimeIndex(index)
    out = {}
    rows = np.repeat(np.arange(n_series), n_steps)
    for col in keys.columns:
        column = keys[col]
        if isinstance(column.dtype, pd.StringDtype):  # taken as strings, not re-read as objects
            out[col] = column.array.take(rows)
        else:
            out[col] = column.to_numpy()[rows]
    out[time] = clock_times(index, tz, n_series)
    out[value] = values.T.reshape(-1)  # [G, T] -> [G*T]
    return pd.DataFrame(out, columns=[*keys.columns, time, value])


def clock_times(index: pd.DatetimeIndex, tz: str | None, repeat: int = 1) -> pd.DatetimeIndex:
    """``index`` (naive UTC when ``tz``) tiled ``repeat`` times, as local clock times in
    ``tz`` (tz-aware); None or ``"UTC"`` leaves the times as they are."""
    index = pd.DatetimeIndex(index)
    if tz and tz != "UTC":
        utc = index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index
        return pd.DatetimeIndex(np.tile(utc.to_numpy(), repeat)).tz_localize("UTC").tz_convert(tz)
    return pd.DatetimeIndex(np.tile(index.to_numpy(), repeat))
