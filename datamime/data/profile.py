"""Each series' seasonal profile: its mean at each hour of the day (or day of the week),
shrunk by how much of it sampling noise explains, with weekday offsets and shapes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datamime.timegrid import cycle_phase


@dataclass
class SeasonalProfile:
    """Each series' mean (standardised) value at each position of its shortest cycle.

    The deep models learn what is left once this profile is taken out: the sample's own
    daily shape per series is kept exactly, and the network spends its capacity on the
    day-to-day dynamics and the links between series. With fewer than ``min_cycles``
    cycles observed for a position, that position's profile is 0 (the series mean).
    """

    freq: str
    periods: list[str]
    table: np.ndarray  # [P, G]
    weekly: np.ndarray | None = None  # [7, G] day-of-week offsets, sub-daily data over 2+ weeks
    shapes: np.ndarray | None = None  # [7, P, G] day-of-week shapes (what is left of weekly)

    @classmethod
    def fit(
        cls, z: np.ndarray, index: pd.DatetimeIndex, freq: str, periods: list[str],
        min_cycles: int = 2, shrink: bool = True, shared: int = 0,
    ) -> SeasonalProfile:
        """Fit on standardised ``[T, G]`` values (NaN gaps allowed).

        The raw mean at each hour of the day is smoothed with its neighbours (a circular
        1-2-1 kernel; days of the week are not: a Sunday is not half a Monday) and shrunk by how much of its spread sampling noise explains
        (empirical Bayes): three days of a noisy series give a flat profile, three days
        of a strong cycle keep it. The shrinkage target is 0, or with ``shared > 0`` each
        series' part on the ``shared`` daily shapes the series have most in common (see
        :func:`_shared_shapes`): a noisy station keeps the cycle it shares with the
        others (ozone peaking in the afternoon) and loses only its own noise.
        """
        phase, n = cycle_phase(index, freq, periods)
        if n == 1:
            return cls(freq=freq, periods=list(periods), table=np.zeros((1, z.shape[1])))
        seen = ~np.isnan(z)
        onehot = np.zeros((len(phase), n))
        onehot[np.arange(len(phase)), phase] = 1.0
        counts = onehot.T @ seen  # [P, G]
        means = (onehot.T @ np.nan_to_num(z)) / np.maximum(counts, 1)
        ok = counts >= min_cycles
        means = np.where(ok, means, 0.0)
        smooth = "day" in periods and n >= 6  # hours of a day; never the days of a week
        if smooth:
            means = _smooth(means, ok)
        resid = np.where(seen, z - means[phase], np.nan)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no profile
            noise = np.nan_to_num(np.nanvar(resid, axis=0))  # [G]
            n_eff = np.maximum(np.nanmean(np.where(ok, counts, np.nan), axis=0), 1.0)
            n_eff = np.nan_to_num(n_eff, nan=1.0)
        smoothing = 0.375 if smooth else 1.0  # variance kept by the 1-2-1 kernel
        noise_var = smoothing * noise / n_eff
        target = np.zeros_like(means)
        if shrink and 0 < shared < min(n, means.shape[1]):
            target = _shared_shapes(means, noise_var, noise / n_eff, shared)
            noise_var = noise_var * (1.0 - shared / n)  # noise left off the shared shapes
        dev = means - target
        spread = dev.var(axis=0)
        signal = np.maximum(spread - noise_var, 0.0)
        factor = np.where(signal > 0, signal / np.maximum(signal + noise_var, 1e-12), 0.0)
        table = target + dev * factor if shrink else means
        weekly = shapes = None
        if "day" in periods and "week" in periods:  # weekdays and weekends differ as well
            rest = np.where(seen, z - table[phase], np.nan)
            weekly = _weekly_offsets(rest, index, shrink)
            dow = pd.DatetimeIndex(index).day_of_week.to_numpy()
            if shrink and n >= 6:
                shapes = _weekday_shapes(rest - weekly[dow], dow * n + phase, n, min_cycles)
        return cls(freq=freq, periods=list(periods), table=table, weekly=weekly, shapes=shapes)

    def at(self, index: pd.DatetimeIndex) -> np.ndarray:
        """``[T, G]`` profile values on ``index``."""
        phase, _ = cycle_phase(index, self.freq, self.periods)
        out = self.table[phase]
        dow = pd.DatetimeIndex(index).day_of_week.to_numpy()
        if self.weekly is not None:
            out = out + self.weekly[dow]
        if self.shapes is not None:
            out = out + self.shapes[dow, phase]
        return out

    def mixed(self, w: np.ndarray) -> SeasonalProfile:
        """The profile of series that are the ``[G', G]`` weighted mixes ``w`` of these
        (new series, see :meth:`DeepGenerator.derive`): the daily table and the
        day-of-week offsets alike."""
        weekly = None if self.weekly is None else self.weekly @ w.T
        shapes = None if self.shapes is None else self.shapes @ w.T
        return SeasonalProfile(freq=self.freq, periods=list(self.periods),
                               table=self.table @ w.T, weekly=weekly, shapes=shapes)

    def get_state(self) -> dict[str, Any]:
        state = {"freq": self.freq, "periods": self.periods, "table": np.asarray(self.table)}
        if self.weekly is not None:
            state["weekly"] = np.asarray(self.weekly)
        if self.shapes is not None:
            state["shapes"] = np.asarray(self.shapes)
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeasonalProfile:
        weekly, shapes = state.get("weekly"), state.get("shapes")
        return cls(freq=state["freq"], periods=list(state["periods"]), table=np.asarray(state["table"]),
                   weekly=None if weekly is None else np.asarray(weekly),
                   shapes=None if shapes is None else np.asarray(shapes))


def _smooth(means: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Circular 1-2-1 smoothing of ``[P, G]`` means over the observed positions ``ok`` only.

    Positions a series never reports (a shop's closed hours) are left out of their
    neighbours' average rather than counted as 0: with them in, the first and last open
    hours were pulled a quarter of the way to the series mean (a weak, late morning
    rise). Unobserved positions stay 0.
    """
    w = ok.astype(np.float64)
    x = np.where(ok, means, 0.0)
    num = 0.25 * np.roll(x, 1, 0) + 0.5 * x + 0.25 * np.roll(x, -1, 0)
    den = 0.25 * np.roll(w, 1, 0) + 0.5 * w + 0.25 * np.roll(w, -1, 0)
    return np.where(ok, num / np.maximum(den, 1e-12), 0.0)


def _weekday_shapes(x: np.ndarray, slot: np.ndarray, n: int, min_cycles: int) -> np.ndarray:
    """``[7, P, G]``: each weekday's own daily shape, beyond the common daily profile and
    its day offset (``x``: ``[T, G]`` what is left of them, NaN gaps; ``slot``: weekday
    times ``P`` plus position of the day, ``[T]``).

    Each weekday's shape is smoothed like the daily profile and shrunk by how much of
    its spread sampling noise explains: six Sundays of a strong pattern keep their own
    shape (electricity demand has no morning peak at the weekend), three weeks of noise
    give none. Positions seen fewer than ``min_cycles`` times get 0.
    """
    seen = np.isfinite(x)
    onehot = np.zeros((len(slot), 7 * n))
    onehot[np.arange(len(slot)), slot] = 1.0
    counts = (onehot.T @ seen).reshape(7, n, -1)  # [7, P, G]
    means = (onehot.T @ np.where(seen, x, 0.0)).reshape(7, n, -1) / np.maximum(counts, 1)
    ok = counts >= min_cycles
    means = np.stack([_smooth(m, o) for m, o in zip(means, ok, strict=True)])
    resid = np.where(seen, x - means.reshape(7 * n, -1)[slot], np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        noise = np.nan_to_num(np.nanvar(resid, axis=0))  # [G]
        n_eff = np.nan_to_num(np.nanmean(np.where(ok, counts, np.nan), axis=1), nan=1.0)  # [7, G]
    noise_var = 0.375 * noise / np.maximum(n_eff, 1.0)  # the 1-2-1 kernel keeps 0.375
    signal = np.maximum(means.var(axis=1) - noise_var, 0.0)
    factor = np.where(signal > 0, signal / np.maximum(signal + noise_var, 1e-12), 0.0)
    return means * factor[:, None, :]


def _shared_shapes(means: np.ndarray, noise_var: np.ndarray, coef_noise: np.ndarray,
                   rank: int) -> np.ndarray:
    """``[P, G]``: each series' profile ``means`` on the ``rank`` daily shapes most shared.

    The shapes are the leading left singular vectors of the ``[P, G]`` profiles, each
    series weighted by the share of its spread that is not noise, so that noisy series
    do not set them.

    Shrinking a noisy series' hourly means towards 0 also took out the daily cycle it
    has in common with the other series, and with it part of their co-movement. Each
    series' weights on the shapes are shrunk too (James-Stein), so a series with no
    cycle still gets a nearly flat profile. On the Atmo sample (rvae, 5 seeds) two
    shapes moved the correlation error 0.211 -> 0.201 and the discriminative score
    0.124 -> 0.090; the hour-of-day profile error went 0.370 -> 0.392 (seed noise is
    about as large as these changes).
    """
    spread = means.var(axis=0)
    weight = np.sqrt(np.maximum(spread - noise_var, 0.0) / np.maximum(spread, 1e-12))
    if not weight.any():
        return np.zeros_like(means)
    u, _, _ = np.linalg.svd(means * weight, full_matrices=False)
    basis = u[:, :rank]  # [P, r] orthonormal daily shapes
    coef = basis.T @ means  # [r, G]
    energy = (coef * coef).sum(axis=0)
    # a smooth shape passes the noise of the hourly means unsmoothed: noise / n_eff each
    keep = np.clip(1.0 - rank * coef_noise / np.maximum(energy, 1e-12), 0.0, 1.0)
    return basis @ (coef * keep)


def _weekly_offsets(x: np.ndarray, index: pd.DatetimeIndex, shrink: bool) -> np.ndarray:
    """``[7, G]`` mean of ``x`` (``[T, G]``, NaN gaps) per day of the week, shrunk to 0 by
    how much of its spread day-to-day noise explains (as for the daily profile)."""
    daily = pd.DataFrame(x).groupby(pd.DatetimeIndex(index).normalize()).mean()  # [D, G]
    dow = pd.DatetimeIndex(daily.index).day_of_week
    means = daily.groupby(dow).mean().reindex(range(7))
    counts = daily.groupby(dow).count().reindex(range(7)).fillna(0).to_numpy()
    means = means.fillna(0.0).to_numpy()
    if not shrink:
        return means
    resid = daily.to_numpy() - means[dow]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        noise = np.nan_to_num(np.nanvar(resid, axis=0, ddof=1))
        n_eff = np.nan_to_num(np.nanmean(np.where(counts > 0, counts, np.nan), axis=0), nan=1.0)
    noise_var = noise / np.maximum(n_eff, 1.0)
    signal = np.maximum(means.var(axis=0) - noise_var, 0.0)
    factor = np.where(signal > 0, signal / np.maximum(signal + noise_var, 1e-12), 0.0)
    return means * factor
