"""Recurring observation windows: hours of the day and days of the week a series never reports.

A car park that reports only from 08:00 to 16:30, a market closed on Sundays: their
samples have no rows at those times, day after day. Those slots are not gaps to fill
with invented nights: the generated table leaves them out too. A slot counts as closed
for a series when the sample saw that slot often enough (``min_days`` days for an hour
of the day, ``min_weeks`` weeks for a day of the week, within the series' own span) and
the series never reported in it. One-off gaps stay gaps: they are generated.

When the sample was read in a time zone (``data.tz``), the grid is naive UTC but the
slots are those of the local clock: a shop open 07:00-20:00 in Paris is open 07:00-20:00
local in winter and in summer (06:00-19:00 UTC, then 05:00-18:00 UTC), and the
training message names local hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datamime.timegrid import DAY, fixed_step


def _slots_per_day(freq: str) -> int:
    """Steps per day for a sub-daily grid that divides a day, else 0 (no hour-of-day slots)."""
    step = fixed_step(freq)
    if step is None or step >= DAY or DAY % step != pd.Timedelta(0):
        return 0
    return int(DAY / step)


def _clock(index: pd.DatetimeIndex, tz: str | None) -> pd.DatetimeIndex:
    """Naive-UTC ``index`` as naive local clock times in ``tz`` (as it is without one)."""
    index = pd.DatetimeIndex(index)
    if not tz or tz == "UTC" or index.tz is not None:
        return index
    return index.tz_localize("UTC").tz_convert(tz).tz_localize(None)


def _day_slot(index: pd.DatetimeIndex, per_day: int) -> np.ndarray:
    seconds = (index - index.normalize()).total_seconds().to_numpy()
    return np.floor(seconds * per_day / 86400.0 + 1e-9).astype(np.int64) % per_day


@dataclass
class ObservationWindows:
    """Which hour-of-day and day-of-week slots each series reports in.

    Attributes:
        freq: the grid's frequency alias.
        day_open: ``[P, G]`` bool, ``P`` slots per day (``P = 0``: daily or coarser grid).
        week_open: ``[7, G]`` bool, Monday first.
        tz: the IANA zone whose clock the slots are on (None: the grid's own, UTC).
    """

    freq: str
    day_open: np.ndarray
    week_open: np.ndarray
    tz: str | None = None

    @classmethod
    def fit(cls, values: np.ndarray, index: pd.DatetimeIndex, freq: str,
            min_days: int = 3, min_weeks: int = 2, tz: str | None = None
            ) -> ObservationWindows:
        """Learn the closed slots from a ``[T, G]`` panel with NaN where nothing was
        reported, on the local clock of ``tz`` when given (``index`` is naive UTC)."""
        index = _clock(index, tz)
        seen = ~np.isnan(values)
        n_series = values.shape[1]
        per_day = _slots_per_day(freq)
        days = index.normalize()
        day_open = np.ones((per_day, n_series), dtype=bool)
        week_open = np.ones((7, n_series), dtype=bool)
        for g in range(n_series):
            rows = np.flatnonzero(seen[:, g])
            if rows.size == 0:
                continue
            span = slice(rows[0], rows[-1] + 1)  # the series' own first to last report
            idx, obs = index[span], seen[span, g]
            if per_day:
                slot = _day_slot(idx, per_day)
                reported_days = days[span][obs].unique()
                if len(reported_days) >= min_days:
                    day_open[:, g] = np.bincount(slot[obs], minlength=per_day) > 0
            weekday = idx.day_of_week.to_numpy()
            # how many times each weekday occurs in the span, and whether it ever reported
            occurrences = pd.Series(days[span]).groupby(weekday).nunique().reindex(range(7), fill_value=0)
            reported = np.bincount(weekday[obs], minlength=7) > 0
            weeks_seen = len(pd.Series(days[span][obs]).dt.to_period("W").unique())
            if weeks_seen >= min_weeks:
                week_open[:, g] = reported | (occurrences.to_numpy() < min_weeks)
        return cls(freq=freq, day_open=day_open, week_open=week_open,
                   tz=tz if tz and tz != "UTC" else None)

    @property
    def any_closed(self) -> bool:
        return bool((~self.day_open).any() or (~self.week_open).any())

    def open_at(self, index: pd.DatetimeIndex) -> np.ndarray:
        """``[T, G]`` bool: True where the series reports at that (naive UTC) time."""
        index = _clock(index, self.tz)
        mask = self.week_open[index.day_of_week.to_numpy()]
        per_day = self.day_open.shape[0]
        if per_day and per_day == _slots_per_day(self.freq):
            mask = mask & self.day_open[_day_slot(index, per_day)]
        return mask

    def describe(self, labels: list[str], limit: int = 3) -> str | None:
        """One sentence naming the series with closed slots (None when there are none)."""
        names = {0: "Mondays", 1: "Tuesdays", 2: "Wednesdays", 3: "Thursdays", 4: "Fridays",
                 5: "Saturdays", 6: "Sundays"}
        per_day = self.day_open.shape[0]
        parts = []
        for g, label in enumerate(labels):
            bits = []
            if per_day and not self.day_open[:, g].all():
                start = pd.Timestamp("2000-01-01")
                step = DAY / per_day
                hours = [(start + s * step).strftime("%H:%M") for s in np.flatnonzero(self.day_open[:, g])]
                bits.append(f"reports {_ranges(hours, np.flatnonzero(self.day_open[:, g]))}")
            if not self.week_open[:, g].all():
                bits.append("never on " + ", ".join(names[d] for d in np.flatnonzero(~self.week_open[:, g])))
            if bits:
                parts.append(f"{label} " + " and ".join(bits))
        if not parts:
            return None
        more = f" (and {len(parts) - limit} more)" if len(parts) > limit else ""
        return ("recurring observation windows kept in the output: " + "; ".join(parts[:limit])
                + more)

    def get_state(self) -> dict[str, Any]:
        state = {"freq": self.freq, "day_open": np.asarray(self.day_open),
                 "week_open": np.asarray(self.week_open)}
        if self.tz:
            state["tz"] = self.tz
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ObservationWindows:
        return cls(freq=state["freq"], day_open=np.asarray(state["day_open"]).astype(bool),
                   week_open=np.asarray(state["week_open"]).astype(bool),
                   tz=state.get("tz"))  # models saved before: slots on the UTC grid


def _ranges(labels: list[str], slots: np.ndarray) -> str:
    """``08:00-16:30`` style runs of consecutive open slots."""
    runs, start = [], 0
    for i in range(1, len(slots) + 1):
        if i == len(slots) or slots[i] != slots[i - 1] + 1:
            runs.append(labels[start] if i - 1 == start else f"{labels[start]}-{labels[i - 1]}")
            start = i
    return "only " + ", ".join(runs)


def peers_open(open_: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``[T, N]`` bool: each new series open where the sample's series it mixes are, by
    the weight of their vote (``open_``: ``[T, G]`` the sample's series; ``weights``:
    ``[N, G]``, see :class:`~datamime.series.SeriesPlan`). A new car park mixed from two
    that close at night closes at night; one with no weight on any series is always
    open."""
    w = np.abs(np.asarray(weights, dtype=np.float64))
    total = w.sum(axis=1)
    vote = open_.astype(np.float64) @ (w / np.where(total > 0, total, 1.0)[:, None]).T
    return np.where(total[None, :] > 0, vote >= 0.5, True)
