"""Gap-tolerant statistics of ``[T, G]`` panels of values, shared by the metrics and the report.

Every function takes plain arrays with NaN marking a missing value and never warns about
empty slices: what cannot be computed comes back as NaN (or None for JSON output).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from datamime.timegrid import default_window, seasonal_phase, wall_clock


def nanmean(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """NaN-ignoring mean without warnings (NaN where nothing is observed)."""
    mask = np.isfinite(x)
    count = mask.sum(axis=axis)
    total = np.where(mask, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanstd(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """NaN-ignoring population standard deviation without warnings."""
    mean = nanmean(x, axis=axis)
    dev = x - np.expand_dims(mean, axis)
    return np.sqrt(nanmean(dev * dev, axis=axis))


def real_scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-series mean, std and whether the series can set a scale (non-constant)."""
    mean = nanmean(values)
    std = _nanstd(values)
    count = np.isfinite(values).sum(axis=0)
    ok = (count >= 2) & np.isfinite(std) & (std > 1e-12 * np.maximum(1.0, np.abs(mean)))
    return mean, std, ok


def phase_means(values: np.ndarray, phase: np.ndarray, period: int) -> np.ndarray:
    """``[period, G]`` NaN-ignoring mean of the values at each phase."""
    mask = np.isfinite(values)
    onehot = np.zeros((len(phase), period))
    onehot[np.arange(len(phase)), phase] = 1.0  # [T, P]
    sums = onehot.T @ np.where(mask, values, 0.0)  # [P, G]
    counts = onehot.T @ mask.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def phase_profile(
    values: np.ndarray, index: pd.DatetimeIndex, freq: str, period: int | None = None
) -> np.ndarray:
    """Mean value at each position of the cycle (hour of day for hourly data).

    Args:
        values: ``[T, G]`` values, NaN = missing. index: their timestamps.
        freq: offset alias. period: cycle length in steps (default: one day).

    Returns:
        ``[period, G]`` means; NaN where a phase has no observation.
    """
    period = period or default_window(freq)
    return phase_means(values, seasonal_phase(index, freq, period), period)


def autocorrelation(values: np.ndarray, max_lag: int) -> np.ndarray:
    """Gap-tolerant autocorrelation of each series at lags ``1..max_lag``.

    Each lag averages the products of centred values over the pairs where both ends are
    observed (the unbiased-by-pair-count form, so series of different lengths compare),
    divided by the series variance.

    Args:
        values: ``[T, G]`` values, NaN = missing. max_lag: largest lag.

    Returns:
        ``[max_lag, G]``; NaN for constant series and lags with fewer than 3 pairs.
    """
    n_steps, n_series = values.shape
    centred = values - nanmean(values)
    var = nanmean(centred * centred)
    out = np.full((max_lag, n_series), np.nan)
    for lag in range(1, min(max_lag, n_steps - 1) + 1):
        prod = centred[lag:] * centred[:-lag]  # [T - lag, G]
        count = np.isfinite(prod).sum(axis=0)
        total = np.where(np.isfinite(prod), prod, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            acf = total / np.maximum(count, 1) / var
        out[lag - 1] = np.where((count >= 3) & (var > 0), acf, np.nan)
    return out


def correlation_matrix(values: np.ndarray, min_overlap: int = 10) -> np.ndarray:
    """Pearson correlation between series at equal timestamps, pairwise-complete.

    Args:
        values: ``[T, G]`` values, NaN = missing.
        min_overlap: fewest common observations for a pair to get a value.

    Returns:
        ``[G, G]`` matrix; NaN for pairs with too little overlap or a side constant over it.
    """
    mask = np.isfinite(values)
    m = mask.astype(float)
    centred = np.where(mask, values - nanmean(values), 0.0)  # [T, G]
    n = m.T @ m  # [G, G] common observations
    sx = centred.T @ m  # sum of x_i where j is observed
    sxx = (centred * centred).T @ m
    sxy = centred.T @ centred
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = sx / n
        var_i = sxx / n - mean_i**2
        cov = sxy / n - mean_i * mean_i.T
        total_var = nanmean(np.where(mask, centred * centred, np.nan))
        tol = 1e-12 * (total_var[:, None] + 1e-300)
        good = (n >= min(min_overlap, max(len(values), 2))) & (var_i > tol) & (var_i.T > tol.T)
        corr = cov / np.sqrt(np.abs(var_i * var_i.T))
    corr = np.where(good, np.clip(corr, -1.0, 1.0), np.nan)
    diag = np.diag(good).copy()
    corr[np.diag_indices_from(corr)] = np.where(diag, 1.0, np.nan)
    return corr


def weekday_profile(values: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    """``[7, G]`` mean value per day of the week (Monday first), in local wall time."""
    return phase_means(values, wall_clock(index).day_of_week.to_numpy(), 7)


def to_json(value: Any) -> Any:
    """Numbers to plain floats/ints (NaN/inf to None), recursively."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def nanmedian(x: np.ndarray) -> float:
    """Median of the finite entries (NaN when there is none)."""
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else math.nan


def mean_or_none(x: np.ndarray) -> float | None:
    """Mean of the finite entries, or None when there is none (a metric left out)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else None
