"""Per-series value transforms (scale, AR filter, copula, the tiny-sample prior) and calendar
features; the daily profile is :mod:`datamime.data.profile`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datamime.timegrid import DAY, PERIODS, fixed_step, learnable_periods


def calendar_features(
    index: pd.DatetimeIndex, periods: list[str], harmonics: int = 3
) -> np.ndarray:
    """Sine/cosine harmonics of the position of each timestamp in each period.

    Returns:
        ``[T, F]`` float32 with ``F = 2 * harmonics * len(periods)`` (``F`` may be 0).
    """
    index = pd.DatetimeIndex(index)
    seconds = (index - index.normalize()).total_seconds().to_numpy()
    phases = {
        "day": seconds / 86400.0,
        "week": (index.dayofweek.to_numpy() + seconds / 86400.0) / 7.0,
        "year": (index.dayofyear.to_numpy() - 1 + seconds / 86400.0) / 365.25,
    }
    cols = []
    for name in periods:
        for k in range(1, harmonics + 1):
            angle = 2 * np.pi * k * phases[name]
            cols += [np.sin(angle), np.cos(angle)]
    if not cols:
        return np.zeros((len(index), 0), dtype=np.float32)
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass
class SeriesScaler:
    """Per-series affine scaling, after an optional ``log1p`` for non-negative data.

    ``z = (log1p(y / c) - mean) / std`` (or ``(y - mean) / std`` without the log), with
    ``c`` the series' mean level, so skewed, bursty, non-negative series (pollutant
    counts, sales) become closer to Gaussian. A constant series keeps ``std = 0`` and is
    reproduced exactly by :meth:`inverse`.
    """

    log: bool
    level: np.ndarray  # [G]
    mean: np.ndarray  # [G]
    std: np.ndarray  # [G]

    @classmethod
    def fit(cls, values: np.ndarray, transform: str = "auto") -> SeriesScaler:
        """Fit on ``[T, G]`` values with NaN gaps. ``transform``: ``auto``, ``log1p`` or ``none``."""
        if transform not in {"auto", "log1p", "none"}:
            raise ValueError(f"transform must be auto, log1p or none, got {transform!r}")
        observed = values[~np.isnan(values)]
        non_negative = observed.size > 0 and observed.min() >= 0
        if transform == "log1p" and not non_negative:
            raise ValueError("transform='log1p' needs non-negative values")
        log = transform == "log1p" or (transform == "auto" and non_negative)
        with np.errstate(all="ignore"):
            level = np.nanmean(np.abs(values), axis=0)
        level = np.where(np.isfinite(level) & (level > 0), level, 1.0)
        z = np.log1p(values / level) if log else values
        with np.errstate(all="ignore"):
            mean = np.nan_to_num(np.nanmean(z, axis=0))
            std = np.nan_to_num(np.nanstd(z, axis=0))
        std = np.where(std > 1e-9 * np.maximum(1.0, np.abs(mean)), std, 0.0)
        return cls(log=bool(log), level=level, mean=mean, std=std)

    @property
    def safe_std(self) -> np.ndarray:
        return np.where(self.std > 0, self.std, 1.0)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``[T, G]`` values -> standardised values (NaN kept)."""
        z = np.log1p(values / self.level) if self.log else values
        return (z - self.mean) / self.safe_std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Standardised ``[..., G]`` values -> original units; constant series come back exact."""
        v = self.mean + self.std * z
        if self.log:
            v = np.expm1(v) * self.level
        return v

    def get_state(self) -> dict[str, Any]:
        return {
            "log": self.log,
            **{k: np.asarray(getattr(self, k)) for k in ("level", "mean", "std")},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeriesScaler:
        arrays = {k: np.asarray(state[k]) for k in ("level", "mean", "std")}
        return cls(log=bool(state["log"]), **arrays)


@dataclass
class Prewhitener:
    """Per-series AR(1) filter: ``e_t = z_t - phi * z_{t-1}``, and back.

    ``phi`` is each series' least-squares lag-1 coefficient (over consecutive observed
    pairs, clipped to ``[0, max_phi]``). The network then models the innovations ``e``
    (their spread, bursts, links between series) while the persistence of each series
    is kept exactly as the sample shows it; a free-running network alone learned
    visibly less persistence than the sample has (lag-1 0.64-0.72 against 0.85 on PM2.5).
    """

    phi: np.ndarray  # [G]

    @classmethod
    def fit(cls, z: np.ndarray, max_phi: float = 0.98) -> Prewhitener:
        """Fit on ``[T, G]`` values with NaN gaps."""
        prev, cur = z[:-1], z[1:]
        both = ~np.isnan(prev) & ~np.isnan(cur)
        p, c = np.where(both, prev, 0.0), np.where(both, cur, 0.0)
        with np.errstate(all="ignore"):
            phi = (p * c).sum(0) / (p * p).sum(0)
        return cls(phi=np.clip(np.nan_to_num(phi), 0.0, max_phi))

    def transform(self, z: np.ndarray) -> np.ndarray:
        """``[T, G]`` -> innovations; NaN at the first step and after a gap (where
        ``phi > 0``): a value with no predecessor is no innovation, and counting it as
        one would bias the innovations' mean, which the filter multiplies by
        ``1 / (1 - phi)``."""
        prev = np.vstack([np.full((1, z.shape[1]), np.nan), z[:-1]])
        e = z - self.phi * prev
        return np.where(np.isnan(prev) & (self.phi == 0), z, e)

    def inverse(self, e: np.ndarray) -> np.ndarray:
        """Innovations ``[T, G]`` -> values, starting from 0."""
        z = np.empty_like(e)
        last = np.zeros(e.shape[1])
        for t in range(e.shape[0]):
            last = self.phi * last + e[t]
            z[t] = last
        return z

    def get_state(self) -> dict[str, Any]:
        return {"phi": np.asarray(self.phi)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Prewhitener:
        return cls(phi=np.asarray(state["phi"]))


@dataclass
class MarginalCopula:
    """Maps each series' values to normal scores through its empirical distribution, and back.

    The network works on Gaussian scores; sampling maps its draws back through each
    series' quantile function (interpolated between ``n_quantiles`` sample quantiles), so
    bursts, skew and the many near-zero steps of real readings survive while the joint
    low-rank Gaussian keeps the links between series (a Gaussian copula).
    """

    probs: np.ndarray  # [K]
    quantiles: np.ndarray  # [K, G]

    @classmethod
    def fit(cls, e: np.ndarray, n_quantiles: int = 41) -> MarginalCopula:
        """Fit on ``[T, G]`` values with NaN gaps."""
        n_obs = max(int((~np.isnan(e)).sum(0).max()), 2)
        k = min(n_quantiles, n_obs)
        # plotting positions that stay inside (0, 1), as for ranks (i - 0.5) / n
        probs = (np.arange(k) + 0.5) / k
        with warnings.catch_warnings():  # an all-NaN series warns; it gets zeros
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nan_to_num(np.nanquantile(e, probs, axis=0))  # [K, G]
        return cls(probs=probs, quantiles=q)

    def _scores(self) -> np.ndarray:
        from scipy.stats import norm

        return norm.ppf(self.probs)

    def transform(self, e: np.ndarray) -> np.ndarray:
        """``[T, G]`` values -> normal scores (NaN kept; constant series -> 0)."""
        scores = self._scores()
        out = np.full_like(e, np.nan)
        for g in range(e.shape[1]):
            q = self.quantiles[:, g]
            seen = ~np.isnan(e[:, g])
            if np.ptp(q) == 0:
                out[seen, g] = 0.0
                continue
            # average the two one-sided interpolations so ties map to their middle score
            lo = np.interp(e[seen, g], q, scores)
            hi = -np.interp(-e[seen, g], -q[::-1], -scores[::-1])
            out[seen, g] = 0.5 * (lo + hi)
        return out

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """Normal scores ``[T, G]`` -> values, through each series' quantile function.

        Draws are centred on the quantiles' mean: innovations of a standardised series
        have mean 0, and any error in it would be multiplied by ``1 / (1 - phi)`` in the
        level.
        """
        from scipy.stats import norm

        u = norm.cdf(s)
        out = np.empty_like(s)
        for g in range(s.shape[1]):
            out[:, g] = np.interp(u[:, g], self.probs, self.quantiles[:, g])
        return out - self.quantiles.mean(axis=0)

    def get_state(self) -> dict[str, Any]:
        return {"probs": np.asarray(self.probs), "quantiles": np.asarray(self.quantiles)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> MarginalCopula:
        return cls(probs=np.asarray(state["probs"]), quantiles=np.asarray(state["quantiles"]))



@dataclass
class InnovationPrior:
    """Innovations drawn from a fitted Gaussian instead of the network: the tiny-sample path.

    Ten rows teach a network nothing it can repeat for a year: trained on them, its free
    run settles on a near-constant output (a week from a 10-row sample came out with a
    tenth of the sample's spread). Below :data:`TINY_STEPS` observations per series the
    innovations are drawn instead as correlated normal scores (the series' correlation,
    shrunk half-way towards independence), mapped through each series' empirical
    quantiles (:class:`MarginalCopula`) and scaled so the AR(1) filter's stationary
    variance equals the variance the sample shows. The level, spread, hour-to-hour memory
    and links between series then come from the sample; nothing else is invented.
    """

    chol: np.ndarray  # [G, G] Cholesky factor of the scores' correlation
    scale: np.ndarray  # [G] multiplier of the innovations

    @classmethod
    def fit(cls, scores: np.ndarray, e: np.ndarray | None, phi: np.ndarray,
            target_var: np.ndarray, shrink: float = 0.5) -> InnovationPrior:
        """Fit on the normal scores ``[T, G]`` and innovations ``[T, G]`` of the sample.

        Args:
            scores: normal scores of the innovations (NaN gaps allowed).
            e: the innovations themselves, in filter units, when the draws go through
                their quantiles; None when the draws are used as they are (unit scale).
            phi: the AR(1) coefficients of :class:`Prewhitener`.
            target_var: the variance each generated series should have, in filter units.
            shrink: weight of the identity in the correlation (0: the sample's own).
        """
        g = scores.shape[1]
        filled = np.nan_to_num(scores)
        with np.errstate(all="ignore"):
            corr = np.corrcoef(filled, rowvar=False) if g > 1 else np.ones((1, 1))
        corr = np.nan_to_num(np.atleast_2d(corr))
        corr = (1 - shrink) * corr + shrink * np.eye(g)
        np.fill_diagonal(corr, 1.0)
        chol = np.linalg.cholesky(corr + 1e-6 * np.eye(g))
        if e is None:
            e_var = np.ones(g)
        else:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                e_var = np.nan_to_num(np.nanvar(e, axis=0))
        wanted = target_var * (1 - phi**2)
        scale = np.where(e_var > 1e-12, np.sqrt(wanted / np.maximum(e_var, 1e-12)), 0.0)
        return cls(chol=chol, scale=scale)

    def draw(self, n_steps: int, seed: int) -> np.ndarray:
        """``[n_steps, G]`` correlated standard normal scores."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n_steps, self.chol.shape[0])) @ self.chol.T

    def get_state(self) -> dict[str, Any]:
        return {"chol": np.asarray(self.chol), "scale": np.asarray(self.scale)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> InnovationPrior:
        return cls(chol=np.asarray(state["chol"]), scale=np.asarray(state["scale"]))


# Fewer observations than this per series (median over series) and the deep generators
# draw their innovations from :class:`InnovationPrior` rather than from the network.
TINY_STEPS = 48


def sample_limits(index: pd.DatetimeIndex, freq: str, n_observed: int,
                  filled: dict[str, str] | None = None) -> list[str]:
    """What a sample this short cannot tell, as sentences for a warning (empty: nothing).

    Args:
        index: the sample's time grid.
        freq: its frequency alias.
        n_observed: observations per series (median over series).
        filled: cycles (``"week"``, ``"year"``) a knowledge file gives
            (:mod:`datamime.knowledge`, which says so): not listed as missing.
    """
    filled = filled or {}
    step_td = fixed_step(freq)  # None on month-based grids: no sub-yearly cycle to miss
    notes = []
    if step_td is not None and len(index):
        span = index[-1] - index[0] + step_td
        learnable = learnable_periods(index, freq)
        missing = [(name, need) for name, (length, need) in PERIODS.items()
                   if step_td < length and name not in learnable and name not in filled]
        if missing:
            cycles = " or ".join(f"a {_ADJECTIVE[n]} cycle (needs {span_words(need)})"
                                 for n, need in missing)
            notes.append(f"the sample spans {span_words(span)}: too short to show {cycles}; "
                         "the generated data has none")
    if n_observed < TINY_STEPS:
        notes.append(f"only {n_observed} values per series: the level, spread and "
                     "step-to-step memory come from them; nothing else is learned")
    return notes


_ADJECTIVE = {"day": "daily", "week": "weekly", "year": "yearly"}


def span_words(span: pd.Timedelta) -> str:
    days = span / DAY
    if days < 1:
        hours = span / pd.Timedelta("1h")
        return f"{hours:g} hour" + ("s" if hours != 1 else "")
    if days >= 700:
        return f"{days / 365.25:.3g} years"
    return f"{days:.3g} day" + ("s" if days != 1 else "")
