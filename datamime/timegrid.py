"""Calendar arithmetic of a time grid: step lengths, cycles, phases and learnable periods.

Every module that needs to know how long a step is, how many steps make a day or a
cycle, or where a timestamp sits in its cycle asks this one. Grids come in two kinds,
read from the pandas offset alias by :func:`offset_step` and nowhere else:

- *fixed* steps (``"h"``, ``"30min"``, ``"D"``, ``"W-SUN"``; business days count as
  whole days), measured as a :class:`pandas.Timedelta`;
- *month* steps (month, quarter and year offsets), counted in whole months. Where a
  length in time is needed (:func:`nominal_step`), a month is a twelfth of 365 days.

The module is named ``timegrid`` rather than ``calendar`` so that ``streamlit run
datamime/app.py``, which puts ``datamime/`` on the import path, never hides the standard
library's ``calendar`` module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

DAY = pd.Timedelta("1D")
# The length given to one month step when a length in time is needed.
MONTH = pd.Timedelta(days=365) / 12
# Period name -> (length, how much of it the sample must span before the cycle can be learned).
PERIODS = {"day": (DAY, DAY), "week": (7 * DAY, 14 * DAY), "year": (365.25 * DAY, 730 * DAY)}

# A Monday at midnight: step counters start there, so phase 0 is midnight (and Monday).
_EPOCH = pd.Timestamp("1970-01-05")
_MONTHLY = (
    pd.offsets.MonthBegin,
    pd.offsets.MonthEnd,
    pd.offsets.BusinessMonthBegin,
    pd.offsets.BusinessMonthEnd,
)
_QUARTERLY = (
    pd.offsets.QuarterBegin,
    pd.offsets.QuarterEnd,
    pd.offsets.BQuarterBegin,
    pd.offsets.BQuarterEnd,
)
_YEARLY = (pd.offsets.YearBegin, pd.offsets.YearEnd, pd.offsets.BYearBegin, pd.offsets.BYearEnd)


def offset_step(freq: str) -> tuple[str, Any]:
    """``("fixed", Timedelta)`` or ``("months", n)`` for an offset alias."""
    offset = to_offset(freq)
    if isinstance(offset, pd.offsets.Week):
        return "fixed", pd.Timedelta(days=7 * offset.n)
    if isinstance(offset, _MONTHLY):
        return "months", offset.n
    if isinstance(offset, _QUARTERLY):
        return "months", 3 * offset.n
    if isinstance(offset, _YEARLY):
        return "months", 12 * offset.n
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):  # business days and other irregular offsets
        step = pd.Timedelta(days=max(int(getattr(offset, "n", 1)), 1))
    return "fixed", step


def fixed_step(freq: str) -> pd.Timedelta | None:
    """The length of one step, or None on a month-based grid."""
    kind, step = offset_step(freq)
    return step if kind == "fixed" else None


def nominal_step(freq: str) -> pd.Timedelta:
    """The length of one step, a month counting as :data:`MONTH` on month-based grids."""
    kind, step = offset_step(freq)
    return step if kind == "fixed" else step * MONTH


def span(index: pd.DatetimeIndex, freq: str) -> pd.Timedelta:
    """Time covered by ``index``, its last step included (calendar months on month grids)."""
    if len(index) == 0:
        return pd.Timedelta(0)
    kind, step = offset_step(freq)
    last = index[-1] + (step if kind == "fixed" else pd.DateOffset(months=step))
    return pd.Timestamp(last) - pd.Timestamp(index[0])


def steps_per_day(freq: str) -> int:
    """How many grid steps make a day (1 for daily or coarser grids)."""
    step = fixed_step(freq)
    if step is None:
        return 1
    return max(1, round(DAY / step))


def seasonal_period(freq: str) -> int:
    """Steps in the natural cycle of a frequency: one day for sub-daily data.

    Args:
        freq: pandas offset alias (``"h"``, ``"30min"``, ``"D"``, ``"MS"``...).

    Returns:
        ``1 day / step`` rounded for sub-daily steps (24 for hourly); otherwise a week
        for daily steps (7), a year for weekly or monthly steps (52, 12, 4 for
        quarters), and 1 (no cycle) beyond.
    """
    kind, step = offset_step(freq)
    if kind == "months":
        return max(1, 12 // step) if step <= 12 else 1
    if step <= pd.Timedelta(0):
        return 1
    if step < DAY:
        return max(1, round(DAY / step))
    if step < pd.Timedelta(days=7):
        return max(1, round(pd.Timedelta(days=7) / step))
    return max(1, round(pd.Timedelta(days=365.25) / step))


def default_window(freq: str) -> int:
    """Evaluation window (steps per day for sub-daily data), at least 2."""
    return max(seasonal_period(freq), 2)


def wall_clock(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``index`` as naive timestamps, a timezone-aware one read in its local wall time."""
    index = pd.DatetimeIndex(index)
    return index.tz_localize(None) if index.tz is not None else index


def month_count(index: pd.DatetimeIndex) -> np.ndarray:
    """Calendar months since January 1970 of each timestamp (``[T]`` int)."""
    return (index.year.to_numpy() - 1970) * 12 + index.month.to_numpy() - 1


def step_counter(index: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Absolute step number of each timestamp, counted from a Monday midnight.

    Timezone-aware indexes are read in local wall time. Two indexes on the same grid
    get consistent numbers, so ``counter % period`` is a phase (hour of day for hourly
    data) computed from the timestamps, not from array positions.

    Args:
        index: timestamps. freq: offset alias of their grid.

    Returns:
        ``[T]`` int64 array.
    """
    index = wall_clock(index)
    kind, step = offset_step(freq)
    if kind == "months":
        return np.floor_divide(month_count(index), step).astype(np.int64)
    return np.asarray((index - _EPOCH) // step, dtype=np.int64)


def seasonal_phase(index: pd.DatetimeIndex, freq: str, period: int) -> np.ndarray:
    """Position of each timestamp in its cycle of ``period`` steps (``[T]`` int64)."""
    return np.mod(step_counter(index, freq), max(int(period), 1))


def learnable_periods(index: pd.DatetimeIndex, freq: str) -> list[str]:
    """Calendar cycles the sample can teach: finer than one step, and seen long enough.

    A cycle the sample never covers (a weekly pattern in three days of data) is left
    out rather than extrapolated, which is what keeps long generations from drifting.
    """
    step = nominal_step(freq)
    covered = index[-1] - index[0] + step if len(index) else pd.Timedelta(0)
    return [name for name, (length, need) in PERIODS.items() if step < length and covered >= need]


def cycle_phase(index: pd.DatetimeIndex, freq: str, periods: list[str]) -> tuple[np.ndarray, int]:
    """Position in the shortest of ``periods`` and its length in steps.

    Step of the day (from the clock time) when ``"day"`` is learnable, else day of the
    week when ``"week"`` is, else a single position.
    """
    index = pd.DatetimeIndex(index)
    if "day" in periods:
        step = fixed_step(freq).total_seconds()
        n = steps_per_day(freq)
        seconds = (index - index.normalize()).total_seconds().to_numpy()
        return np.round(seconds / step).astype(np.int64) % n, n
    if "week" in periods:
        return index.dayofweek.to_numpy().astype(np.int64), 7
    return np.zeros(len(index), dtype=np.int64), 1
