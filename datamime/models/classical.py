"""What the classical baselines share: bookkeeping, constants and the period of a grid.

The baselines (:mod:`datamime.models.seasonal`, :mod:`datamime.models.bootstrap`) learn
each series on its own, tolerate NaN gaps, constant series and series shorter than two
cycles, and sample any target grid: the position in the day (the "phase") is read from
the target timestamps, so sampling from 13:00 a year later keeps the daily cycle in place.

Inputs/Outputs:
    ``fit(panel)`` on a ``[T, G]`` panel; ``sample(index, seed)`` -> ``[len(index), G]``
    float64 values in the panel's units (no rounding or clipping; a series with no
    observation at all is returned as NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datamime.data.panel import Panel
from datamime.errors import DataError, ModelError
from datamime.evaluation.stats import nanmean
from datamime.timegrid import seasonal_period, seasonal_phase

STATE_VERSION = 1


def float_copy(a: np.ndarray) -> np.ndarray:
    """A float64 copy of ``a`` (for a state that must not share memory with the model)."""
    return np.array(a, dtype=np.float64)


def as_float(t: Any) -> np.ndarray:
    """``t`` as a float64 array (read back from a state)."""
    return np.asarray(t, dtype=np.float64)


def check_panel(panel: Panel) -> np.ndarray:
    """The panel's ``[T, G]`` values as float64; an empty panel raises :class:`DataError`."""
    values = np.asarray(panel.values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise DataError(f"cannot fit on an empty panel (shape {values.shape})")
    return values


def constants(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series: observed at all, constant (one distinct value), that value (or mean)."""
    mask = np.isfinite(values)
    seen = mask.any(axis=0)
    lo = np.where(mask, values, np.inf).min(axis=0)
    hi = np.where(mask, values, -np.inf).max(axis=0)
    constant = seen & (lo == hi)
    return seen, constant, np.where(constant, lo, nanmean(values))


def enough_cycles(values: np.ndarray, period: int, min_cycles: float) -> np.ndarray:
    """Series observed over at least ``min_cycles`` full cycles' worth of steps."""
    return np.isfinite(values).sum(axis=0) >= min_cycles * period


def finish(
    out: np.ndarray, seen: np.ndarray, constant: np.ndarray, level: np.ndarray
) -> np.ndarray:
    """Exact constants for constant series and NaN for never-observed ones."""
    out[:, constant] = level[constant]
    out[:, ~seen] = np.nan
    return out


class ClassicalGenerator:
    """Shared bookkeeping: fitted flag, frequency, period, phases of a target grid.

    The state of every baseline holds the period it was built with
    (``period_setting``, None for "the grid's natural cycle") beside the period in use,
    so :func:`saved_period` gives ``from_state`` the constructor's argument back.
    """

    name = "base"

    def __init__(self, period: int | None = None) -> None:
        self.period = period
        self.freq_: str | None = None
        self.period_: int | None = None
        self.n_series_: int | None = None

    def _setup(self, panel: Panel) -> np.ndarray:
        values = check_panel(panel)
        self.freq_ = panel.freq
        self.period_ = int(self.period or seasonal_period(panel.freq))
        self.n_series_ = values.shape[1]
        return values

    def _target(self, index: pd.DatetimeIndex) -> np.ndarray:
        if self.freq_ is None:
            raise ModelError(f"{type(self).__name__} is not fitted: call fit() first")
        return seasonal_phase(pd.DatetimeIndex(index), self.freq_, self.period_)

    def _base_state(self) -> dict[str, Any]:
        if self.freq_ is None:
            raise ModelError(f"{type(self).__name__} is not fitted: nothing to save")
        return {
            "name": self.name,
            "version": STATE_VERSION,
            "freq": self.freq_,
            "period": self.period_,
            "period_setting": self.period,
            "n_series": self.n_series_,
        }

    def _load_base(self, state: dict[str, Any]) -> None:
        if state.get("name") != self.name:
            raise ModelError(f"state is for {state.get('name')!r}, not {self.name!r}")
        self.freq_ = str(state["freq"])
        self.period_ = int(state["period"])
        self.n_series_ = int(state["n_series"])


def pack_finite(values: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Move the finite entries to the front along ``axis``; also return their counts."""
    finite = np.isfinite(values)
    order = np.argsort(~finite, axis=axis, kind="stable")
    return np.take_along_axis(values, order, axis=axis), finite.sum(axis=axis)


def saved_period(state: dict[str, Any]) -> int | None:
    """The ``period`` a saved baseline was built with (the period in use for older states)."""
    if "period_setting" in state:
        setting = state["period_setting"]
        return None if setting is None else int(setting)
    return int(state["period"])
