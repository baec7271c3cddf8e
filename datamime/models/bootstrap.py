"""Whole-day resampling baseline (see :mod:`datamime.models.classical`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datamime.data.panel import Panel
from datamime.errors import ModelError
from datamime.models.classical import (
    ClassicalGenerator,
    as_float,
    float_copy,
    pack_finite,
    saved_period,
)
from datamime.timegrid import step_counter


class BlockBootstrap(ClassicalGenerator):
    """Whole-day resampling: each target day is a random real day of the same series.

    Days are blocks of one cycle aligned to phase 0 (midnight for sub-daily data). For
    each target day and series, a real day is drawn uniformly among that series' days
    observed over at least ``min_coverage`` of their steps (any observed day if none
    is). Missing values in the drawn day are filled with the value at the same phase of
    another random day of the series, or, where that phase was never observed, a random
    observed value of the series.

    Args:
        period: steps per block; default one day for sub-daily data.
        min_coverage: share of a day that must be observed for it to be drawn.
    """

    name = "block_bootstrap"

    def __init__(self, period: int | None = None, min_coverage: float = 0.5) -> None:
        super().__init__(period)
        self.min_coverage = float(min_coverage)
        self.blocks_: np.ndarray | None = None  # [G, D, P], NaN = missing

    def fit(self, panel: Panel, verbose: bool = True) -> BlockBootstrap:
        """Cut every series into day blocks; returns ``self``."""
        values = self._setup(panel)
        period = self.period_
        counter = step_counter(panel.index, panel.freq)
        day = counter // period
        day = day - day.min()
        n_days = int(day.max()) + 1
        blocks = np.full((values.shape[1], n_days, period), np.nan)
        blocks[:, day, counter % period] = values.T  # [G, T] into [G, D, P]
        self.blocks_ = blocks
        if verbose:
            print(f"{self.name}: {values.shape[1]} series, {n_days} blocks of {period} steps")
        return self

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        """Draw ``[len(index), G]`` values on the target timestamps."""
        if self.freq_ is None:
            raise ModelError("BlockBootstrap is not fitted: call fit() first")
        rng = np.random.default_rng(seed)
        counter = step_counter(pd.DatetimeIndex(index), self.freq_)
        phase = counter % self.period_
        _, target_day = np.unique(counter // self.period_, return_inverse=True)
        n_target_days = int(target_day.max()) + 1 if len(counter) else 0
        blocks = self.blocks_  # [G, D, P]
        n_series = blocks.shape[0]

        coverage = np.isfinite(blocks).mean(axis=2)  # [G, D]
        drawable = coverage >= self.min_coverage
        drawable = np.where(drawable.any(axis=1, keepdims=True), drawable, coverage > 0)
        order = np.argsort(~drawable, axis=1, kind="stable")  # drawable days first
        n_drawable = np.maximum(drawable.sum(axis=1), 1)  # [G]
        pick = np.floor(rng.random((n_target_days, n_series)) * n_drawable).astype(np.int64)
        chosen = np.take_along_axis(order.T, pick, axis=0)  # [K, G] day per target day
        series = np.arange(n_series)
        out = blocks[series[None, :], chosen[target_day], phase[:, None]]  # [T, G]

        # fill gaps: same phase of another day, else any observed value of the series
        by_phase, n_phase = pack_finite(np.transpose(blocks, (0, 2, 1)), axis=2)  # [G, P, D]
        flat, n_flat = pack_finite(blocks.reshape(n_series, -1), axis=1)  # [G, D*P], [G]
        gap = np.isnan(out)
        if gap.any():
            t_idx, g_idx = np.nonzero(gap)
            u = rng.random(len(t_idx))
            count = n_phase[g_idx, phase[t_idx]]
            k_phase = np.floor(u * np.maximum(count, 1)).astype(np.int64)
            k_any = np.floor(u * np.maximum(n_flat[g_idx], 1)).astype(np.int64)
            from_phase = by_phase[g_idx, phase[t_idx], k_phase]
            from_any = flat[g_idx, k_any]
            out[t_idx, g_idx] = np.where(count > 0, from_phase, from_any)
        return out

    def get_state(self) -> dict[str, Any]:
        """Plain-data state (tensors, numbers, strings)."""
        state = self._base_state()
        state.update(min_coverage=self.min_coverage, blocks=float_copy(self.blocks_))
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BlockBootstrap:
        """Rebuild a fitted generator from :meth:`get_state`'s output."""
        self = cls(period=saved_period(state), min_coverage=float(state["min_coverage"]))
        self._load_base(state)
        self.blocks_ = as_float(state["blocks"])
        return self
