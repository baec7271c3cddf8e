"""Seasonal baselines: decomposition + bootstrapped residuals, and profile + AR remainder.

:class:`SeasonalBootstrap` and :class:`SeasonalAR` follow the conventions of
:mod:`datamime.models.classical`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datamime.data.panel import Panel
from datamime.evaluation.stats import nanmean, phase_means
from datamime.models.classical import (
    ClassicalGenerator,
    as_float,
    constants,
    enough_cycles,
    finish,
    float_copy,
    pack_finite,
    saved_period,
)
from datamime.timegrid import seasonal_phase


def _centred_moving_average(values: np.ndarray, period: int) -> np.ndarray:
    """Gap-tolerant centred moving average over one cycle (2xP for even P), ``[T, G]``.

    NaN where the full window does not fit (the ends) or less than half of it is observed.
    """
    n_steps = values.shape[0]
    if period % 2 == 0:
        weights = np.r_[0.5, np.ones(period - 1), 0.5] / period
    else:
        weights = np.ones(period) / period
    half = len(weights) // 2
    out = np.full(values.shape, np.nan)
    if n_steps < len(weights):
        return out
    mask = np.isfinite(values)
    filled = np.where(mask, values, 0.0)
    inner = n_steps - 2 * half
    num = np.zeros((inner, values.shape[1]))
    den = np.zeros((inner, values.shape[1]))
    for k, w in enumerate(weights):
        num += w * filled[k : k + inner]
        den += w * mask[k : k + inner]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[half : n_steps - half] = np.where(den >= 0.5, num / np.maximum(den, 1e-300), np.nan)
    return out


class SeasonalBootstrap(ClassicalGenerator):
    """Seasonal decomposition with i.i.d. bootstrapped residuals (the original tool's method).

    Per series, an additive decomposition with a one-cycle period: a centred moving
    average (trend), the mean detrended value per phase (seasonal profile, centred to
    sum to zero), and the remainder (residuals). New data = seasonal profile at the
    target phase + the mean of the trend + residuals drawn with replacement.
    Series observed over fewer than ``min_cycles`` cycles get no profile and no trend
    (mean + resampled deviations from it).

    Args:
        period: steps per cycle; default one day for sub-daily data.
        min_cycles: fewest cycles' worth of observations needed to estimate a profile.
    """

    name = "seasonal_bootstrap"

    def __init__(self, period: int | None = None, min_cycles: float = 2.0) -> None:
        super().__init__(period)
        self.min_cycles = float(min_cycles)
        self.seasonal_: np.ndarray | None = None  # [P, G]
        self.level_: np.ndarray | None = None  # [G]
        self.residuals_: np.ndarray | None = None  # [R, G], NaN-padded
        self.n_residuals_: np.ndarray | None = None  # [G]
        self.seen_: np.ndarray | None = None
        self.constant_: np.ndarray | None = None

    def fit(self, panel: Panel, verbose: bool = True) -> SeasonalBootstrap:
        """Decompose every series of ``panel``; returns ``self``."""
        values = self._setup(panel)
        period = self.period_
        seen, constant, level = constants(values)
        phase = seasonal_phase(panel.index, panel.freq, period)
        decompose = enough_cycles(values, period, self.min_cycles) & ~constant
        trend = _centred_moving_average(values, period)
        trend[:, ~decompose] = np.nan
        seasonal = phase_means(values - trend, phase, period)
        seasonal = seasonal - nanmean(seasonal)
        seasonal = np.where(np.isfinite(seasonal) & decompose, seasonal, 0.0)
        trend_level = nanmean(trend)
        level = np.where(decompose & np.isfinite(trend_level), trend_level, level)
        resid = np.where(decompose, values - trend, values - level) - seasonal[phase]
        resid[:, constant] = np.nan
        # pack the observed residuals of each series at the top of a padded array
        packed, n_res = pack_finite(resid, axis=0)
        self.residuals_ = packed[: max(int(n_res.max()), 1)]
        self.n_residuals_ = n_res
        self.seasonal_, self.level_ = seasonal, level
        self.seen_, self.constant_ = seen, constant
        if verbose:
            print(
                f"{self.name}: {values.shape[1]} series, period {period}, "
                f"{int(decompose.sum())} decomposed, {int(constant.sum())} constant"
            )
        return self

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        """Draw ``[len(index), G]`` values on the target timestamps."""
        phase = self._target(index)
        rng = np.random.default_rng(seed)
        n = np.maximum(self.n_residuals_, 1)
        pick = np.floor(rng.random((len(phase), self.n_series_)) * n).astype(np.int64)
        noise = np.take_along_axis(self.residuals_, pick, axis=0)  # [T, G]
        noise = np.where(self.n_residuals_ > 0, noise, 0.0)
        out = self.seasonal_[phase] + self.level_ + noise
        return finish(out, self.seen_, self.constant_, self.level_)

    def get_state(self) -> dict[str, Any]:
        """Plain-data state (tensors, numbers, strings)."""
        state = self._base_state()
        state.update(
            min_cycles=self.min_cycles,
            seasonal=float_copy(self.seasonal_),
            level=float_copy(self.level_),
            residuals=float_copy(self.residuals_),
            n_residuals=np.asarray(np.asarray(self.n_residuals_, dtype=np.int64)),
            seen=np.asarray(self.seen_),
            constant=np.asarray(self.constant_),
        )
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeasonalBootstrap:
        """Rebuild a fitted generator from :meth:`get_state`'s output."""
        self = cls(period=saved_period(state), min_cycles=float(state["min_cycles"]))
        self._load_base(state)
        self.seasonal_ = as_float(state["seasonal"])
        self.level_ = as_float(state["level"])
        self.residuals_ = as_float(state["residuals"])
        self.n_residuals_ = as_float(state["n_residuals"]).astype(np.int64)
        self.seen_ = as_float(state["seen"]).astype(bool)
        self.constant_ = as_float(state["constant"]).astype(bool)
        return self


def _lagged(z: np.ndarray, lag: int) -> np.ndarray:
    out = np.full(z.shape, np.nan)
    out[lag:] = z[:-lag]
    return out


def _fit_ar(z: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares AR(order) per series on gap-free stretches of ``[T, G]`` ``z``.

    Returns coefficients ``[G, order]``, innovation variances ``[G]`` and the number of
    usable rows ``[G]``.
    """
    lags = np.stack([_lagged(z, k) for k in range(1, order + 1)], axis=2)  # [T, G, p]
    rows = np.isfinite(z) & np.isfinite(lags).all(axis=2)  # [T, G]
    x = np.where(rows[..., None], lags, 0.0)
    y = np.where(rows, z, 0.0)
    gram = np.einsum("tgi,tgj->gij", x, x)  # [G, p, p]
    rhs = np.einsum("tgi,tg->gi", x, y)  # [G, p]
    ridge = 1e-9 * (np.trace(gram, axis1=1, axis2=2) + 1e-300)
    gram = gram + ridge[:, None, None] * np.eye(order)
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]  # [G, p]
    resid = y - np.einsum("tgi,gi->tg", x, coef)
    n = rows.sum(axis=0)
    var = np.where(rows, resid**2, 0.0).sum(axis=0) / np.maximum(n, 1)
    return coef, var, n


def _stabilise(
    phi1: np.ndarray, phi2: np.ndarray, max_root: float
) -> tuple[np.ndarray, np.ndarray]:
    """Shrink the inverse roots of ``1 - phi1 B - phi2 B^2`` to modulus <= ``max_root``."""
    disc = (phi1**2 + 4 * phi2).astype(complex)
    roots = np.stack([(phi1 + np.sqrt(disc)) / 2, (phi1 - np.sqrt(disc)) / 2])  # [2, G]
    modulus = np.abs(roots)
    roots = np.where(modulus > max_root, roots * (max_root / np.maximum(modulus, 1e-300)), roots)
    return np.real(roots[0] + roots[1]), np.real(-roots[0] * roots[1])


class SeasonalAR(ClassicalGenerator):
    """Per-series phase-mean profile plus a stationary AR(p <= 2) remainder.

    Per series: values are ``log1p``-transformed when all observed values are >= 0
    (``log=None``; force with ``True``/``False``), the mean per phase (hour of day) is
    removed, and an AR(``order``) is fitted by least squares on the remainder over
    gap-free stretches. Sampling simulates the AR forward (after a burn-in) with Gaussian
    innovations of the fitted variance, adds the profile of the target phases and undoes
    the transform. Inverse AR roots are shrunk to modulus ``max_root`` < 1, so the process
    is stationary. Series observed over fewer than ``min_cycles`` cycles use their
    overall mean instead of a profile; too few usable pairs lower the order (down to
    white noise).

    Args:
        period: steps per cycle; default one day for sub-daily data.
        order: AR order, 0, 1 or 2.
        log: ``log1p`` transform; None = per series, when its values are non-negative.
        min_cycles: fewest cycles' worth of observations needed for a profile.
        max_root: largest modulus of an inverse AR root.
        burn_in: simulated steps dropped before the first returned one.
    """

    name = "seasonal_ar"

    def __init__(
        self,
        period: int | None = None,
        order: int = 2,
        log: bool | None = None,
        min_cycles: float = 2.0,
        max_root: float = 0.98,
        burn_in: int = 300,
    ) -> None:
        super().__init__(period)
        if order not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2, got {order}")
        self.order = int(order)
        self.log = log
        self.min_cycles = float(min_cycles)
        self.max_root = float(max_root)
        self.burn_in = int(burn_in)
        self.profile_: np.ndarray | None = None  # [P, G], transformed units
        self.phi_: np.ndarray | None = None  # [G, 2]
        self.sigma_: np.ndarray | None = None  # [G]
        self.use_log_: np.ndarray | None = None  # [G]
        self.seen_: np.ndarray | None = None
        self.constant_: np.ndarray | None = None
        self.level_: np.ndarray | None = None

    def fit(self, panel: Panel, verbose: bool = True) -> SeasonalAR:
        """Fit profile and AR remainder of every series; returns ``self``."""
        values = self._setup(panel)
        period = self.period_
        seen, constant, level = constants(values)
        if self.log is None:
            use_log = seen & ~(np.where(np.isfinite(values), values, 0.0) < 0).any(axis=0)
        else:
            use_log = np.full(values.shape[1], bool(self.log))
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(use_log, np.log1p(values), values)
        y[~np.isfinite(y)] = np.nan  # log1p of values <= -1 when log is forced
        phase = seasonal_phase(panel.index, panel.freq, period)
        profile = phase_means(y, phase, period)
        mean_y = nanmean(y)
        profile = np.where(np.isfinite(profile), profile, mean_y)
        has_profile = enough_cycles(y, period, self.min_cycles)
        profile = np.where(has_profile, profile, mean_y)
        z = y - profile[phase]  # [T, G]

        phi = np.zeros((values.shape[1], 2))
        sigma2 = nanmean(z * z)
        chosen = np.zeros(values.shape[1], dtype=int)
        for order in range(1, self.order + 1):
            coef, var, n = _fit_ar(z, order)
            better = (n >= 5 * order + 3) & np.isfinite(var) & np.isfinite(coef).all(axis=1)
            phi[better] = 0.0
            phi[better, :order] = coef[better]
            sigma2 = np.where(better, var, sigma2)
            chosen = np.where(better, order, chosen)
        phi[:, 0], phi[:, 1] = _stabilise(phi[:, 0], phi[:, 1], self.max_root)
        sigma2 = np.where(np.isfinite(sigma2), sigma2, 0.0)

        self.profile_ = np.where(np.isfinite(profile), profile, 0.0)
        self.phi_, self.sigma_ = phi, np.sqrt(np.maximum(sigma2, 0.0))
        self.use_log_, self.seen_, self.constant_, self.level_ = use_log, seen, constant, level
        if verbose:
            orders = np.bincount(chosen, minlength=3).tolist()
            print(
                f"{self.name}: {values.shape[1]} series, period {period}, "
                f"{int(use_log.sum())} on log scale, series per AR order 0/1/2: {orders}"
            )
        return self

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        """Simulate ``[len(index), G]`` values on the target timestamps."""
        phase = self._target(index)
        rng = np.random.default_rng(seed)
        n_steps = len(phase)
        eps = rng.standard_normal((n_steps + self.burn_in, self.n_series_)) * self.sigma_
        z = np.zeros_like(eps)
        prev1 = np.zeros(self.n_series_)
        prev2 = np.zeros(self.n_series_)
        phi1, phi2 = self.phi_[:, 0], self.phi_[:, 1]
        for t in range(len(eps)):  # sequential in time, vectorised over series
            cur = phi1 * prev1 + phi2 * prev2 + eps[t]
            z[t] = cur
            prev2, prev1 = prev1, cur
        y = self.profile_[phase] + z[self.burn_in :]
        with np.errstate(over="ignore"):
            out = np.where(self.use_log_, np.expm1(y), y)
        return finish(out, self.seen_, self.constant_, self.level_)

    def get_state(self) -> dict[str, Any]:
        """Plain-data state (tensors, numbers, strings)."""
        state = self._base_state()
        state.update(
            order=self.order,
            log="auto" if self.log is None else bool(self.log),
            min_cycles=self.min_cycles,
            max_root=self.max_root,
            burn_in=self.burn_in,
            profile=float_copy(self.profile_),
            phi=float_copy(self.phi_),
            sigma=float_copy(self.sigma_),
            use_log=np.asarray(self.use_log_),
            seen=np.asarray(self.seen_),
            constant=np.asarray(self.constant_),
            level=float_copy(self.level_),
        )
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeasonalAR:
        """Rebuild a fitted generator from :meth:`get_state`'s output."""
        log = state["log"]
        self = cls(
            period=saved_period(state),
            order=int(state["order"]),
            log=None if log == "auto" else bool(log),
            min_cycles=float(state["min_cycles"]),
            max_root=float(state["max_root"]),
            burn_in=int(state["burn_in"]),
        )
        self._load_base(state)
        self.profile_ = as_float(state["profile"])
        self.phi_ = as_float(state["phi"])
        self.sigma_ = as_float(state["sigma"])
        self.use_log_ = as_float(state["use_log"]).astype(bool)
        self.seen_ = as_float(state["seen"]).astype(bool)
        self.constant_ = as_float(state["constant"]).astype(bool)
        self.level_ = as_float(state["level"])
        return self
