"""Day-scale co-movement, bounds and roughness of a generated panel against the real one.

Three checks that the window-level metrics of :mod:`datamime.evaluation.metrics` miss: series that
move together hour by hour but drift apart over days, values pushed past a bound the
sample sits on (humidity over 100 %, irradiance below 0), and generated series smoother or
rougher than the real ones step to step.

Inputs/Outputs:
    Each function takes ``[T, G]`` value arrays (NaN = missing) with the same ``G`` series
    in the same order and returns a float, or NaN where the metric cannot be computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datamime.constraints import sitting_bounds

# Fewest days a real panel must span for the day-scale correlation to mean anything.
MIN_DAYS_FOR_DAILY_CORRELATION = 7
# A day counts when a series has at least this share of its usual number of values in it.
MIN_DAY_COVERAGE = 0.5


def daily_means(values: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    """``[D, G]`` mean of each series per calendar day; NaN for days a series covers
    less than :data:`MIN_DAY_COVERAGE` of its fullest day."""
    index = pd.DatetimeIndex(index)
    if index.tz is not None:
        index = index.tz_localize(None)
    frame = pd.DataFrame(np.asarray(values, dtype=float), index=index.normalize())
    grouped = frame.groupby(level=0)
    means, counts = grouped.mean(), grouped.count()
    full = counts >= MIN_DAY_COVERAGE * counts.max(axis=0)
    return means.where(full & (counts > 0)).to_numpy()


def daily_mean_correlation_error(
    real: np.ndarray, real_index: pd.DatetimeIndex,
    generated: np.ndarray, gen_index: pd.DatetimeIndex,
) -> float:
    """Mean over pairs of series of |corr_real - corr_gen| of their daily means.

    Each panel's correlation matrix is taken over its own days (pairwise-complete, at
    least 5 common days). NaN when the real panel spans fewer than
    :data:`MIN_DAYS_FOR_DAILY_CORRELATION` days, holds fewer than 2 series, or no pair
    has a correlation on both sides.
    """
    real_index = pd.DatetimeIndex(real_index)
    if real.shape[1] < 2 or len(real_index) == 0:
        return float("nan")
    span_days = real_index.normalize().nunique()
    if span_days < MIN_DAYS_FOR_DAILY_CORRELATION:
        return float("nan")
    corr_r = pd.DataFrame(daily_means(real, real_index)).corr(min_periods=5).to_numpy()
    corr_g = pd.DataFrame(daily_means(generated, gen_index)).corr(min_periods=5).to_numpy()
    upper = np.triu_indices(real.shape[1], k=1)
    diff = np.abs(corr_r[upper] - corr_g[upper])
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if diff.size else float("nan")


def past_bound_share(
    train: np.ndarray, generated: np.ndarray, columns: np.ndarray | None = None,
) -> tuple[float, int]:
    """Share of generated values past a bound the training sample sits on.

    Bounds come from :func:`datamime.constraints.sitting_bounds` of ``train`` with
    ``columns`` (the value column of each series; None: one label for every series).
    A value is past a bound when it is below the series' low bound or above its high
    bound by more than 1e-9 of the bound's size. The share is over the finite generated
    values of the series that have a bound.

    Returns:
        ``(share, n_bounded_series)``; share NaN when no series has a bound.
    """
    n_series = train.shape[1]
    labels = np.zeros(n_series, dtype=int) if columns is None else np.asarray(columns)
    low, high = sitting_bounds(train, labels)
    bounded = np.isfinite(low) | np.isfinite(high)
    if not bounded.any():
        return float("nan"), 0
    g = np.asarray(generated, dtype=float)[:, bounded]
    lo, hi = low[bounded], high[bounded]
    tol_lo = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(lo)))
    tol_hi = 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(hi)))
    finite = np.isfinite(g)
    with np.errstate(invalid="ignore"):
        past = (np.isfinite(lo) & (g < lo - tol_lo)) | (np.isfinite(hi) & (g > hi + tol_hi))
    n = int(finite.sum())
    return (float((past & finite).sum() / n) if n else float("nan")), int(bounded.sum())


def step_std(values: np.ndarray) -> np.ndarray:
    """``[G]`` standard deviation of each series' step-to-step changes (pairs of
    consecutive observed values only); NaN with fewer than 2 changes."""
    v = np.asarray(values, dtype=float)
    if v.shape[0] < 2:
        return np.full(v.shape[1], np.nan)
    d = np.diff(v, axis=0)  # [T - 1, G]
    out = np.full(v.shape[1], np.nan)
    for j in range(v.shape[1]):
        x = d[:, j][np.isfinite(d[:, j])]
        if x.size >= 2:
            out[j] = float(x.std())
    return out


def roughness_ratios(real: np.ndarray, generated: np.ndarray) -> np.ndarray:
    """``[G]`` step-change std of each generated series over the real one's (1 ideal);
    NaN where the real series never changes or either side has too few changes."""
    r, g = step_std(real), step_std(generated)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r > 0, g / r, np.nan)


def roughness_ratio(real: np.ndarray, generated: np.ndarray) -> float:
    """Median over series of :func:`roughness_ratios` (NaN when none is defined)."""
    ratios = roughness_ratios(real, generated)
    ratios = ratios[np.isfinite(ratios)]
    return float(np.median(ratios)) if ratios.size else float("nan")


# A window holding one value on more of its steps than this (a day of zeros) says nothing
# of the sample: neither the privacy check nor the copy share counts it as a copy.
MAX_MODE_SHARE = 0.75


def mode_share(x: np.ndarray) -> np.ndarray:
    """``[k]`` share of each row of ``x`` ``[k, w]`` taken by its most frequent value."""
    same = np.diff(np.sort(x, axis=1), axis=1) == 0  # [k, w-1]
    run = np.zeros(len(x))
    best = np.zeros(len(x))
    for j in range(same.shape[1]):
        run = np.where(same[:, j], run + 1, 0)
        best = np.maximum(best, run)
    return (best + 1) / x.shape[1]
