"""Per-series value transforms (scale, daily profile, AR filter, copula) and calendar features."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datamime.timegrid import DAY, PERIODS, cycle_phase, fixed_step, learnable_periods


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
