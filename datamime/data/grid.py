"""The time grid of a sample: its frequency and the placing of every reading on it.

:func:`infer_freq` finds the step; :func:`place_on_grid` checks that every time is on
the grid (or snaps the times of jittered clocks to a round step) and that the grid is
not too large.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from datamime.errors import DataError

# Largest grid accepted: number of time steps, and time steps x series.
MAX_STEPS = 2_000_000
MAX_CELLS = 50_000_000


def _alias_of_delta(delta: pd.Timedelta) -> str:
    day = pd.Timedelta(days=1)
    if delta % day == pd.Timedelta(0):
        n = delta // day
        return "D" if n == 1 else f"{n}D"
    return to_offset(delta).freqstr


def _normalise_alias(freq: object) -> str:
    offset = freq if isinstance(freq, pd.DateOffset) else to_offset(freq)
    if isinstance(offset, Tick):
        return _alias_of_delta(pd.Timedelta(offset))
    return offset.freqstr


def infer_freq(times: pd.Series | pd.DatetimeIndex) -> str:
    """Infer the sampling frequency of a set of timestamps.

    Uses :func:`pandas.infer_freq` on the sorted distinct timestamps when it
    succeeds; otherwise (gaps, irregular steps) the most common positive step,
    or a whole number of months when every timestamp is a month start or end.

    Args:
        times: timestamps (any order, repeats allowed).

    Returns:
        A pandas offset alias such as ``"h"``, ``"30min"``, ``"D"``, ``"MS"``.

    Raises:
        DataError: fewer than two distinct timestamps.
    """
    idx = pd.DatetimeIndex(times).dropna().unique().sort_values()
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    if len(idx) < 2:
        raise DataError(
            "the time column needs at least two time steps to infer a frequency "
            f"(found {len(idx)})"
        )
    if len(idx) >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = pd.infer_freq(idx)
            except (ValueError, TypeError):
                found = None
        if found is not None:
            return _normalise_alias(found)
    # Month-based grids have unequal steps in days; count them in months.
    midnight = (idx == idx.normalize()).all()
    if midnight and ((idx.day == 1).all() or idx.is_month_end.all()):
        months = np.diff(idx.year.to_numpy() * 12 + idx.month.to_numpy())
        months = months[months > 0]
        if len(months):
            vals, counts = np.unique(months, return_counts=True)
            m = int(vals[np.argmax(counts)])
            suffix = "MS" if (idx.day == 1).all() else "ME"
            return suffix if m == 1 else f"{m}{suffix}"
    steps = np.diff(idx.as_unit("ns").asi8)
    steps = steps[steps > 0]
    vals, counts = np.unique(steps, return_counts=True)
    step = int(vals[np.argmax(counts)])  # ties: the smallest step
    return _alias_of_delta(pd.Timedelta(step, unit="ns"))


def _check_grid_size(start: pd.Timestamp, end: pd.Timestamp, freq: str, column: str,
                     n_series: int) -> None:
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        n_steps = (end - start).value // pd.Timedelta(offset).value + 1
    else:
        n_steps = len(pd.date_range(start, end, freq=freq))
    if n_steps > MAX_STEPS or n_steps * n_series > MAX_CELLS:
        raise DataError(
            f"column '{column}': a grid of step {freq!r} from {start} to {end} has "
            f"{n_steps:,} steps for {n_series} series, too many; check the time column or "
            "resample the data"
        )


def _off_grid(times: pd.Series, freq: str) -> np.ndarray:
    """Mask of the times that are not on the ``freq`` grid starting at the first time."""
    start = times.min()
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        step = pd.Timedelta(offset).value
        return ((times - start).to_numpy().astype(np.int64) % step) != 0
    return ~times.isin(pd.date_range(start, times.max(), freq=freq)).to_numpy()


def _series_steps(long: pd.DataFrame, time: str, groups: list[str]) -> np.ndarray:
    """Positive steps (ns) between consecutive times of each series; of all times if none."""
    ordered = long.sort_values([*groups, time], kind="stable")
    ns = ordered[time].to_numpy().astype("datetime64[ns]").astype(np.int64)
    steps = np.diff(ns)
    if groups:
        same = (ordered[groups].iloc[1:].to_numpy() == ordered[groups].iloc[:-1].to_numpy())
        steps = steps[same.all(axis=1)]
    steps = steps[steps > 0]
    if not len(steps):
        steps = np.diff(np.unique(ns))
    return steps


# Steps a jittered clock is rounded to: the one nearest (in ratio) to the typical step.
_NICE_STEPS = ("1s", "2s", "5s", "10s", "15s", "20s", "30s", "1min", "2min", "5min", "10min",
               "15min", "20min", "30min", "1h", "2h", "3h", "4h", "6h", "8h", "12h", "1D", "2D",
               "7D")
# An exact grid finer than the typical step / this factor is taken for jitter, not a grid.
_MAX_SUBSTEPS = 4


def _nice_step(step_ns: float) -> pd.Timedelta:
    cands = [pd.Timedelta(c) for c in _NICE_STEPS]
    return min(cands, key=lambda c: abs(np.log(c.value / step_ns)))


def place_on_grid(
    long: pd.DataFrame, time: str, groups: list[str], value: str, agg: str | None,
    verbose: bool, every: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Find the time grid and put every time on it; return the table and the grid's alias.

    The grid is, in this order: the inferred frequency when every time is on it; else the
    exact grid of the greatest common step when it is not much finer than the typical
    step (nothing moves); else, for jittered clocks, the typical step within a series
    rounded to a round unit, each time moved to its nearest slot and the rows of one
    series landing in one slot combined by ``agg`` (mean by default). ``every`` (the
    groups and times of all rows, including those without a value) is what the grid is
    inferred from; it defaults to ``long``.

    Raises:
        DataError: fewer than two distinct times, a month-based grid with off-grid
            times, or a grid too large.
    """
    every = long if every is None else every
    times, all_times = long[time], every[time]
    n_series = len(long[groups].drop_duplicates()) if groups else 1
    freq = infer_freq(all_times)
    start, end = times.min(), times.max()
    if not isinstance(to_offset(freq), Tick) or not _off_grid(all_times, freq).any():
        _check_grid_size(start, end, freq, time, n_series)
        off = _off_grid(times, freq)
        if off.any():
            example = times.iloc[int(np.flatnonzero(off)[0])]
            raise DataError(
                f"column '{time}': {int(off.sum())} time(s) are off the {freq} grid starting at "
                f"{start}, e.g. {example}; make the steps regular or filter those rows"
            )
        return long, freq
    ns = np.unique(all_times.to_numpy().astype("datetime64[ns]").astype(np.int64))
    common = int(np.gcd.reduce(ns[1:] - ns[0]))
    typical = float(np.median(_series_steps(every, time, groups)))
    if common * _MAX_SUBSTEPS >= typical:
        freq = _alias_of_delta(pd.Timedelta(common, unit="ns"))
        _check_grid_size(start, end, freq, time, n_series)
        return long, freq
    step = _nice_step(typical)
    freq = _alias_of_delta(step)
    snapped = times.dt.round(step)
    _check_grid_size(snapped.min(), snapped.max(), freq, time, n_series)
    moved = int((snapped != times).sum())
    long = long.assign(**{time: snapped})
    keys = [*groups, time]
    clash = long.duplicated(subset=keys, keep=False)
    n_slots = int(long.loc[clash.to_numpy(), keys].drop_duplicates().shape[0])
    rule = agg or "mean"
    if n_slots:
        long = long.groupby(keys, sort=False, as_index=False, dropna=False)[value].agg(rule)
    if verbose:
        combined = (f"; {n_slots:,} slot(s) holding several rows of one series combined by "
                    f"{rule}" if n_slots else "")
        print(f"datamime: {moved:,} of {len(times):,} times were off a regular grid and moved "
              f"to the nearest {freq} step (typical step {pd.Timedelta(int(typical), unit='ns')}, "
              f"grid {freq} from {snapped.min()}){combined}")
    return long, freq
