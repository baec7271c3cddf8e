"""Calendar arithmetic of time grids: steps, cycles, phases and learnable periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime.timegrid import (
    MONTH,
    cycle_phase,
    default_window,
    fixed_step,
    learnable_periods,
    nominal_step,
    offset_step,
    seasonal_period,
    seasonal_phase,
    span,
    step_counter,
    steps_per_day,
)


def test_seasonal_period_common_frequencies():
    assert seasonal_period("h") == 24
    assert seasonal_period("30min") == 48
    assert seasonal_period("D") == 7
    assert seasonal_period("W") == 52
    assert seasonal_period("MS") == 12
    assert seasonal_period("QS") == 4


def test_seasonal_phase_reads_timestamps():
    index = pd.date_range("2025-03-04 13:00", periods=3, freq="h")
    assert seasonal_phase(index, "h", 24).tolist() == [13, 14, 15]
    aware = pd.date_range("2025-03-04 13:00", periods=2, freq="h", tz="Europe/Paris")
    assert seasonal_phase(aware, "h", 24).tolist() == [13, 14]
    months = pd.date_range("2025-03-01", periods=2, freq="MS")
    assert seasonal_phase(months, "MS", 12).tolist() == [2, 3]
    half_hours = pd.date_range("2025-03-04 00:30", periods=2, freq="30min")
    assert seasonal_phase(half_hours, "30min", 48).tolist() == [1, 2]


@pytest.mark.parametrize(("freq", "kind", "step"), [
    ("h", "fixed", pd.Timedelta("1h")),
    ("30min", "fixed", pd.Timedelta("30min")),
    ("D", "fixed", pd.Timedelta("1D")),
    ("B", "fixed", pd.Timedelta("1D")),
    ("W-SUN", "fixed", pd.Timedelta("7D")),
    ("MS", "months", 1),
    ("3ME", "months", 3),
    ("QS-JAN", "months", 3),
    ("BQE", "months", 3),
    ("YS", "months", 12),
    ("2YS", "months", 24),
])
def test_offset_step_reads_every_kind_of_grid(freq, kind, step):
    assert offset_step(freq) == (kind, step)


def test_months_are_one_kind_of_step_everywhere():
    # a month grid has no fixed step; where a length is needed a month is 365 / 12 days
    assert fixed_step("MS") is None and fixed_step("QS") is None
    assert fixed_step("W") == pd.Timedelta("7D")
    assert MONTH == pd.Timedelta(days=365) / 12
    assert nominal_step("MS") == MONTH
    assert nominal_step("QS") == 3 * MONTH
    assert nominal_step("YS") == pd.Timedelta(days=365)
    assert nominal_step("h") == pd.Timedelta("1h")
    assert [steps_per_day(f) for f in ("15min", "h", "D", "B", "W", "MS", "YS")] == [
        96, 24, 1, 1, 1, 1, 1]
    assert default_window("h") == 24 and default_window("YS") == 2


def test_span_counts_the_last_step():
    hours = pd.date_range("2024-01-01", periods=24, freq="h")
    assert span(hours, "h") == pd.Timedelta("1D")
    months = pd.date_range("2024-01-01", periods=2, freq="MS")
    assert span(months, "MS") == pd.Timestamp("2024-03-01") - pd.Timestamp("2024-01-01")
    assert span(pd.DatetimeIndex([]), "h") == pd.Timedelta(0)


def test_step_counter_is_consistent_across_ranges():
    a = pd.date_range("2024-01-01", periods=48, freq="h")
    b = pd.date_range("2024-01-02", periods=24, freq="h")
    assert np.array_equal(step_counter(a, "h")[24:], step_counter(b, "h"))
    months = pd.date_range("2024-01-01", periods=6, freq="2MS")
    assert np.diff(step_counter(months, "2MS")).tolist() == [1] * 5


@pytest.mark.parametrize(("freq", "n", "expected"), [
    ("MS", 24, ["year"]),  # two years of months
    ("MS", 12, []),
    ("QS", 8, ["year"]),
    ("YS", 5, ["year"]),  # a step shorter than 365.25 days, as before the move
    ("W-SUN", 110, ["year"]),
    ("W-SUN", 100, []),
    ("B", 30, ["week"]),  # business days are days: the week is finer than a step
])
def test_learnable_periods_on_calendar_grids(freq, n, expected):
    index = pd.date_range("2020-01-01", periods=n, freq=freq)
    assert learnable_periods(index, freq) == expected


def test_cycle_phase_step_of_day_then_weekday():
    index = pd.date_range("2024-01-01 00:30", periods=4, freq="30min")
    phase, n = cycle_phase(index, "30min", ["day", "week"])
    assert n == 48 and phase.tolist() == [1, 2, 3, 4]
    days = pd.date_range("2024-01-01", periods=8, freq="D")  # a Monday
    phase, n = cycle_phase(days, "D", ["week"])
    assert n == 7 and phase.tolist() == [0, 1, 2, 3, 4, 5, 6, 0]
    phase, n = cycle_phase(days, "D", [])
    assert n == 1 and not phase.any()
