"""Score a generated panel against the real panel it imitates, and write a report.

Every metric compares the two panels series by series (the generated panel holds the
same series, in the same order, possibly over a different or longer time range) and is
robust to NaN gaps. Values are put on a common scale with each *real* series' mean and
standard deviation, so level differences show and series of different units weigh the
same. A real series that is constant (standard deviation 0, or fewer than two observed
values) cannot set such a scale: it is left out of every scaled metric (its per-series
entry is ``None``) and reported instead through ``constant_series_mae``.

Inputs/Outputs:
    ``evaluate(real, generated)`` -> flat dict of JSON-able aggregates plus
    ``per_series`` (lists of length ``G``); ``write_report(metrics, real, generated, dir)``
    -> ``report.md`` next to ``metrics.json`` and PNG figures. The ``plot_*`` functions
    take plain arrays and return matplotlib figures, for reuse by an app.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from datamime import fidelity
from datamime.data.panel import Panel
from datamime.errors import DataError

# A Monday at midnight: step counters start there, so phase 0 is midnight (and Monday).
_EPOCH = pd.Timestamp("1970-01-05")
_MONTHLY = (
    pd.offsets.MonthBegin,
    pd.offsets.MonthEnd,
    pd.offsets.BusinessMonthBegin,
    pd.offsets.BusinessMonthEnd,
)
_QUARTERLY = (
    pd.offsets.QuarterBegin,
    pd.offsets.QuarterEnd,
    pd.offsets.BQuarterBegin,
    pd.offsets.BQuarterEnd,
)
_YEARLY = (pd.offsets.YearBegin, pd.offsets.YearEnd, pd.offsets.BYearBegin, pd.offsets.BYearEnd)

# Windows (days) with more missing values than this share are left out.
_MAX_WINDOW_MISSING = 0.25
# Rows used to fit the forecaster on generated data (a random subset beyond this).
_MAX_FORECAST_ROWS = 50_000
# Fewest windows per class for the classifier test to mean anything.
_MIN_WINDOWS = 10

METRIC_DESCRIPTIONS: dict[str, str] = {
    "wasserstein": "Distance between the real and generated value distributions, in real "
    "standard deviations (mean over series; 0 = same distribution).",
    "daily_profile_error": "Average gap between real and generated mean value at each "
    "position in the day, in real standard deviations (mean over series; 0 is ideal).",
    "weekly_profile_error": "Average gap between real and generated mean value per day of "
    "the week, in real standard deviations (needs 14 real days; 0 is ideal).",
    "acf_distance": "Average gap between real and generated autocorrelation at lags 1 to "
    "one day: how alike the short-term dynamics are (mean over series; 0 is ideal).",
    "correlation_error": "Average gap between real and generated correlation of each pair of "
    "series at equal times (0 = same cross-series structure).",
    "discriminative_score": "|accuracy - 0.5| of a classifier telling real days from "
    "generated days (0 = indistinguishable, 0.5 = always told apart).",
    "discriminative_accuracy": "Cross-validated accuracy of that classifier (0.5 is ideal; "
    "well under 0.5 hints at generated days copied from the real ones).",
    "tstr_trtr": "Next-step forecast error on real data of a model trained on generated data, "
    "divided by the same model trained on real data (1 = as useful as real data).",
    "predictive_mae_tstr": "Forecast error (real standard deviations) when trained on "
    "generated data and tested on the last third of the real data.",
    "predictive_mae_trtr": "Forecast error (real standard deviations) when trained on the "
    "first two thirds of the real data and tested on the last third.",
    "dcr_median_gen": "Median distance from a generated day to the closest real day of the "
    "same series (real standard deviations per step).",
    "dcr_median_real": "Median distance from a real day to the closest other real day of the "
    "same series: the yardstick for the line above.",
    "dcr_ratio": "Generated-to-real closeness ratio (about 1 = as close as real days are to "
    "each other; near 0 = generated days copy real ones).",
    "copy_share": "Share of generated days that are exact copies of a real day (0 is ideal); "
                  "days holding one value on most steps (a day of zeros) are not counted.",
    "integer_share": "Share of generated values that are whole numbers.",
    "negative_share": "Share of generated values below zero.",
    "missing_series": "Number of series with no generated value at all.",
    "nan_count": "Number of missing (NaN) generated values.",
    "monthly_mean_drift_max": "Largest spread of a generated series' monthly means, in real "
    "standard deviations (needs 60 generated days; small = no drift).",
    "monthly_mean_drift_median": "Median over series of that spread of monthly means.",
    "daily_mean_correlation_error": "Average gap between real and generated correlation of "
    "each pair of series' daily means: co-movement at the day scale (needs 7 real days; "
    "0 is ideal).",
    "past_bound_share": "Share of generated values past a bound the training sample sits "
    "on (humidity at 100 %, irradiance at 0), over the series that have one (0 is ideal).",
    "roughness_ratio": "Std of step-to-step changes, generated over real (median over "
    "series; 1 is ideal, < 1 smoother, > 1 rougher).",
    "constant_series_mae": "Mean absolute gap between generated values and the value of "
    "real series that are constant (0 = constants kept).",
}


# --------------------------------------------------------------------------- calendar


def offset_step(freq: str) -> tuple[str, Any]:
    """``("fixed", Timedelta)`` or ``("months", n)`` for an offset alias."""
    offset = to_offset(freq)
    if isinstance(offset, pd.offsets.Week):
        return "fixed", pd.Timedelta(days=7 * offset.n)
    if isinstance(offset, _MONTHLY):
        return "months", offset.n
    if isinstance(offset, _QUARTERLY):
        return "months", 3 * offset.n
    if isinstance(offset, _YEARLY):
        return "months", 12 * offset.n
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):  # business days and other irregular offsets
        step = pd.Timedelta(days=max(int(getattr(offset, "n", 1)), 1))
    return "fixed", step


def seasonal_period(freq: str) -> int:
    """Steps in the natural cycle of a frequency: one day for sub-daily data.

    Args:
        freq: pandas offset alias (``"h"``, ``"30min"``, ``"D"``, ``"MS"``...).

    Returns:
        ``1 day / step`` rounded for sub-daily steps (24 for hourly); otherwise a week
        for daily steps (7), a year for weekly or monthly steps (52, 12, 4 for
        quarters), and 1 (no cycle) beyond.
    """
    kind, step = offset_step(freq)
    if kind == "months":
        return max(1, 12 // step) if step <= 12 else 1
    if step <= pd.Timedelta(0):
        return 1
    if step < pd.Timedelta(days=1):
        return max(1, round(pd.Timedelta(days=1) / step))
    if step < pd.Timedelta(days=7):
        return max(1, round(pd.Timedelta(days=7) / step))
    return max(1, round(pd.Timedelta(days=365.25) / step))


def step_counter(index: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Absolute step number of each timestamp, counted from a Monday midnight.

    Timezone-aware indexes are read in local wall time. Two indexes on the same grid
    get consistent numbers, so ``counter % period`` is a phase (hour of day for hourly
    data) computed from the timestamps, not from array positions.

    Args:
        index: timestamps. freq: offset alias of their grid.

    Returns:
        ``[T]`` int64 array.
    """
    index = pd.DatetimeIndex(index)
    if index.tz is not None:
        index = index.tz_localize(None)
    kind, step = offset_step(freq)
    if kind == "months":
        months = (index.year.to_numpy() - 1970) * 12 + index.month.to_numpy() - 1
        return np.floor_divide(months, step).astype(np.int64)
    return np.asarray((index - _EPOCH) // step, dtype=np.int64)


def seasonal_phase(index: pd.DatetimeIndex, freq: str, period: int) -> np.ndarray:
    """Position of each timestamp in its cycle of ``period`` steps (``[T]`` int64)."""
    return np.mod(step_counter(index, freq), max(int(period), 1))


def default_window(freq: str) -> int:
    """Evaluation window (steps per day for sub-daily data), at least 2."""
    return max(seasonal_period(freq), 2)


# --------------------------------------------------------------------------- helpers


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


def _phase_means(values: np.ndarray, phase: np.ndarray, period: int) -> np.ndarray:
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
    return _phase_means(values, seasonal_phase(index, freq, period), period)


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


def _window_starts(phase: np.ndarray, window: int, anchor: int) -> np.ndarray:
    """Starts of the full windows beginning at phase ``anchor`` of a ``window``-step cycle.

    ``phase`` cycles through ``window`` values, so these windows never overlap.
    """
    starts = np.flatnonzero(phase == anchor)
    return starts[starts + window <= len(phase)]


def _gather_windows(values: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
    """``[G, n, window]`` windows of every series at the given starts."""
    rows = starts[:, None] + np.arange(window)[None, :]  # [n, w]
    return np.transpose(values[rows], (2, 0, 1))  # [n, w, G] -> [G, n, w]


def _json(value: Any) -> Any:
    """Numbers to plain floats/ints (NaN/inf to None), recursively."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_json(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _nanmedian(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else math.nan


def _mean_or_none(x: np.ndarray) -> float | None:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else None


# --------------------------------------------------------------------------- metrics


def _wasserstein(
    real: np.ndarray, gen: np.ndarray, std: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    from scipy.stats import wasserstein_distance  # here: sampling imports this module

    out = np.full(real.shape[1], np.nan)
    for g in np.flatnonzero(ok):
        r = real[:, g][np.isfinite(real[:, g])]
        q = gen[:, g][np.isfinite(gen[:, g])]
        if r.size and q.size:
            out[g] = wasserstein_distance(r, q) / std[g]
    return out


def _profile_error(real_prof: np.ndarray, gen_prof: np.ndarray, std: np.ndarray) -> np.ndarray:
    return nanmean(np.abs(real_prof - gen_prof) / std)  # [P, G] -> [G]


def _weekday_profile(values: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    index = pd.DatetimeIndex(index)
    if index.tz is not None:
        index = index.tz_localize(None)
    return _phase_means(values, index.day_of_week.to_numpy(), 7)


def _fill_windows(windows: np.ndarray) -> np.ndarray:
    """Replace NaN in ``[n, w]`` windows by each window's own mean."""
    row_mean = nanmean(windows, axis=1)
    return np.where(np.isfinite(windows), windows, np.nan_to_num(row_mean)[:, None])


def _window_features(windows: np.ndarray) -> np.ndarray:
    """Standardised window values plus a few summaries: ``[n, w + 5]``."""
    filled = _fill_windows(windows)
    steps = np.abs(np.diff(filled, axis=1))
    diffs = steps.mean(axis=1) if steps.shape[1] else np.zeros(len(filled))
    summary = np.stack([filled.mean(1), filled.std(1), filled.min(1), filled.max(1), diffs], 1)
    return np.concatenate([filled, summary], axis=1)


def _discriminative(
    real_w: np.ndarray, gen_w: np.ndarray, seed: int
) -> tuple[float | None, float | None]:
    """``(|acc - 0.5|, acc)`` of a 5-fold classifier on balanced real/generated windows."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    n = min(len(real_w), len(gen_w))
    if n < _MIN_WINDOWS:
        return None, None
    rng = np.random.default_rng(seed)
    real_w = real_w[rng.choice(len(real_w), n, replace=False)]
    gen_w = gen_w[rng.choice(len(gen_w), n, replace=False)]
    features = _window_features(np.concatenate([real_w, gen_w]))
    labels = np.r_[np.ones(n, dtype=int), np.zeros(n, dtype=int)]
    clf = HistGradientBoostingClassifier(
        max_iter=100,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=min(10, max(2, n // 10)),
        early_stopping=False,
        random_state=seed,
    )
    cv = StratifiedKFold(n_splits=min(5, n), shuffle=True, random_state=seed)
    with threadpool_limits(1):  # OpenMP start-up dominates on a few hundred rows
        acc = float(cross_val_score(clf, features, labels, cv=cv, scoring="accuracy").mean())
    return abs(acc - 0.5), acc


def _forecast_rows(
    z: np.ndarray, phase: np.ndarray, window: int, n_lags: int, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Design rows for next-step forecasting from ``[T, G]`` standardised values.

    ``targets`` are ``(t, g)`` pairs (``[n, 2]``); inputs are the ``n_lags`` previous
    values (NaN -> 0, the series mean) and the sin/cos of the target's phase.
    """
    t, g = targets[:, 0], targets[:, 1]
    rows = t[:, None] - np.arange(n_lags, 0, -1)[None, :]  # [n, L]
    lags = np.nan_to_num(z[rows, g[:, None]], nan=0.0)
    angle = 2 * np.pi * phase[t] / window
    x = np.concatenate([lags, np.sin(angle)[:, None], np.cos(angle)[:, None]], axis=1)
    return x, z[t, g]


def _pairs(t_lo: int, t_hi: int, series: np.ndarray) -> np.ndarray:
    t = np.arange(t_lo, t_hi)
    tt, gg = np.meshgrid(t, series, indexing="ij")
    return np.stack([tt.ravel(), gg.ravel()], axis=1)


def _predictive(
    real_z: np.ndarray,
    real_phase: np.ndarray,
    gen_z: np.ndarray,
    gen_phase: np.ndarray,
    window: int,
    ok: np.ndarray,
    seed: int,
) -> tuple[float | None, float | None, float | None]:
    """``(tstr/trtr, mae_tstr, mae_trtr)`` of a pooled ridge next-step forecaster."""
    from sklearn.linear_model import Ridge

    series = np.flatnonzero(ok)
    n_steps = real_z.shape[0]
    split = (2 * n_steps) // 3
    n_lags = min(window, split // 2)
    if series.size == 0 or n_lags < 1 or n_steps - split < 1 or gen_z.shape[0] <= n_lags:
        return None, None, None

    def rows(z: np.ndarray, phase: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = _forecast_rows(z, phase, window, n_lags, pairs)
        keep = np.isfinite(y)
        return x[keep], y[keep]

    x_tr, y_tr = rows(real_z, real_phase, _pairs(n_lags, split, series))
    x_te, y_te = rows(real_z, real_phase, _pairs(split, n_steps, series))
    gen_pairs = _pairs(n_lags, gen_z.shape[0], series)
    if len(gen_pairs) > _MAX_FORECAST_ROWS:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(gen_pairs), _MAX_FORECAST_ROWS, replace=False)
        gen_pairs = gen_pairs[np.sort(keep)]
    x_gen, y_gen = rows(gen_z, gen_phase, gen_pairs)
    if len(y_tr) < 2 or len(y_te) < 1 or len(y_gen) < 2:
        return None, None, None
    mae_trtr = float(np.abs(Ridge(alpha=1.0).fit(x_tr, y_tr).predict(x_te) - y_te).mean())
    mae_tstr = float(np.abs(Ridge(alpha=1.0).fit(x_gen, y_gen).predict(x_te) - y_te).mean())
    ratio = mae_tstr / mae_trtr if mae_trtr > 0 else None
    return ratio, mae_tstr, mae_trtr


def _window_distance(a: np.ndarray, b: np.ndarray, chunk: int = 256) -> np.ndarray:
    """RMS gap over commonly observed steps between ``[m, w]`` and ``[n, w]`` -> ``[m, n]``."""
    out = np.empty((len(a), len(b)))
    for lo in range(0, len(a), chunk):
        diff = a[lo : lo + chunk, None, :] - b[None, :, :]  # [c, n, w]
        out[lo : lo + chunk] = np.sqrt(nanmean(diff * diff, axis=2))
    return np.where(np.isfinite(out), out, np.inf)  # no common step: never the closest


def _privacy(
    real_w: np.ndarray,
    real_valid: np.ndarray,
    gen_w: np.ndarray,
    gen_series: np.ndarray,
    ok: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest-real-window distances of generated and real windows (per series lists)."""
    n_series = real_w.shape[0]
    gen_d = np.full(len(gen_w), np.nan)
    real_d_series = np.full(n_series, np.nan)
    gen_d_series = np.full(n_series, np.nan)
    real_all: list[np.ndarray] = []
    for g in np.flatnonzero(ok):
        ref = real_w[g][real_valid[g]]  # [n, w]
        if len(ref) == 0:
            continue
        mine = np.flatnonzero(gen_series == g)
        if mine.size:
            d = _window_distance(gen_w[mine], ref).min(axis=1)
            d[~np.isfinite(d)] = np.nan
            gen_d[mine] = d
            gen_d_series[g] = _nanmedian(d)
        if len(ref) >= 2:
            rr = _window_distance(ref, ref)
            np.fill_diagonal(rr, np.inf)  # other, non-overlapping windows only
            d = rr.min(axis=1)
            d = d[np.isfinite(d)]
            real_all.append(d)
            real_d_series[g] = _nanmedian(d)
    real_d = np.concatenate(real_all) if real_all else np.zeros(0)
    return gen_d, real_d, np.stack([gen_d_series, real_d_series])


def _monthly_drift(
    gen: np.ndarray, index: pd.DatetimeIndex, std: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    index = pd.DatetimeIndex(index)
    month = (index.year.to_numpy() - index.year.min()) * 12 + index.month.to_numpy() - 1
    _, month = np.unique(month, return_inverse=True)
    n_months = int(month.max()) + 1
    means = _phase_means(gen, month, n_months)  # [M, G]
    onehot = np.zeros((len(month), n_months))
    onehot[np.arange(len(month)), month] = 1.0
    counts = onehot.T @ np.isfinite(gen).astype(float)  # [M, G]
    full = counts >= 0.5 * counts.max(axis=0, keepdims=True)
    means = np.where(full & (counts > 0), means, np.nan)
    enough = np.isfinite(means).sum(axis=0) >= 2
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = (np.nanmax(means, axis=0) - np.nanmin(means, axis=0)) / std
    return np.where(enough & ok, spread, np.nan)


def _check_same_series(real: Panel, generated: Panel) -> None:
    same = real.n_series == generated.n_series
    if same and real.keys.shape[1] > 0:
        a = real.keys.astype(str).reset_index(drop=True)
        b = generated.keys.astype(str).reset_index(drop=True)
        same = a.equals(b)
    if not same:
        raise DataError(
            "the generated panel must hold the same series, in the same order, as the real one"
        )


def _integer_share(values: np.ndarray) -> float | None:
    if values.size == 0:
        return None
    return float(np.mean(np.abs(values - np.round(values)) < 1e-9))


def _windows(
    real_z: np.ndarray,
    real_phase: np.ndarray,
    gen_z: np.ndarray,
    gen_phase: np.ndarray,
    window: int,
    ok: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Real windows ``[G, n, w]`` with validity ``[G, n]``; generated subset ``[m, w]`` + series.

    Windows start at phase 0 (or at the first real phase when no full real window starts
    at 0), without overlap; the generated ones are a random subset of at most
    ``max(4 x valid real windows, 500)``. Windows missing over a quarter of their values
    and windows of non-scorable series are left out; phases of the cycle at which a
    series is never observed in the real panel (closed hours) do not count as missing.
    """
    n_series = real_z.shape[1]
    anchor = 0
    if len(real_phase) and not len(_window_starts(real_phase, window, 0)):
        anchor = int(real_phase[0])
    r_starts = _window_starts(real_phase, window, anchor)
    g_starts = _window_starts(gen_phase, window, anchor)
    # phases a series is never observed at in the real panel (a car park at night) are
    # closed, not missing: a window's missing share counts its open phases only
    positions = (anchor + np.arange(window)) % window
    open_w = np.isfinite(_phase_means(real_z, real_phase, window)).T[:, positions]  # [G, w]
    open_w[open_w.sum(axis=1) == 0] = True
    n_open = open_w.sum(axis=1)  # [G]
    if len(r_starts):
        real_w = _gather_windows(real_z, r_starts, window)
        missing = (np.isnan(real_w) & open_w[:, None, :]).sum(axis=2) / n_open[:, None]
        real_valid = (missing <= _MAX_WINDOW_MISSING) & ok[:, None]
    else:
        real_w = np.zeros((n_series, 0, window))
        real_valid = np.zeros((n_series, 0), dtype=bool)
    series = np.flatnonzero(ok)
    if not (len(g_starts) and series.size):
        return real_w, real_valid, np.zeros((0, window)), np.zeros(0, dtype=int)
    total = len(g_starts) * series.size
    cap = max(4 * int(real_valid.sum()), 500)
    pick = np.sort(rng.choice(total, min(cap, total), replace=False))
    gen_series = series[pick % series.size]
    rows = g_starts[pick // series.size][:, None] + np.arange(window)[None, :]  # [m, w]
    gen_w = gen_z[rows, gen_series[:, None]]
    gen_open = open_w[gen_series]  # [m, w]
    keep = (np.isnan(gen_w) & gen_open).sum(axis=1) / n_open[gen_series] <= _MAX_WINDOW_MISSING
    return real_w, real_valid, gen_w[keep], gen_series[keep]


def _span(index: pd.DatetimeIndex, freq: str) -> pd.Timedelta:
    if len(index) == 0:
        return pd.Timedelta(0)
    kind, step = offset_step(freq)
    last = index[-1] + (step if kind == "fixed" else pd.DateOffset(months=step))
    return pd.Timestamp(last) - pd.Timestamp(index[0])


def evaluate(
    real: Panel, generated: Panel, window: int | None = None, seed: int = 0,
    reference: Panel | None = None, columns: list[str] | np.ndarray | None = None,
) -> dict:
    """Compare a generated panel with the real one, series by series.

    Windows ("days") are ``window`` consecutive steps starting at phase 0 of the cycle
    (midnight for sub-daily data; the first real phase if no full window starts there),
    taken without overlap in both panels, each standardised with its series' real mean
    and std. Windows missing more than a quarter of their values are left out.

    Metrics (constant real series are skipped by every scaled metric; ``per_series``
    holds ``label``, ``real_std`` and the per-series values, None where skipped):
        - ``wasserstein``: 1-D Wasserstein distance between real and generated values of
          a series, divided by the real std; mean over series.
        - ``daily_profile_error``: mean over phases of |real mean - generated mean| at
          that phase (hour of day; for daily data the cycle is a week), / real std;
          mean over series. ``weekly_profile_error``: the same per day of the week, for
          sub-weekly data when the real panel spans at least 14 days (else None).
        - ``acf_distance``: mean |ACF_real - ACF_gen| over lags ``1..window`` (lags the
          real series is long enough for); mean over series.
        - ``correlation_error``: mean |corr_real - corr_gen| over pairs of series, each
          matrix computed over its own panel at equal timestamps (pairs with at least
          10 common observations, constant series excluded).
        - ``discriminative_score``: ``|acc - 0.5|`` where ``acc`` is the 5-fold stratified
          cross-validated accuracy of a gradient-boosted classifier telling real windows
          from generated ones (features: the standardised values + mean, std, min, max,
          mean absolute step), on balanced classes (the larger one subsampled). Accuracy
          well below 0.5 is flagged too: it happens when generated windows duplicate real
          ones (``discriminative_accuracy`` gives the raw figure). None with fewer than
          10 windows per class.
        - ``tstr_trtr``: MAE of a pooled ridge next-step forecaster (last ``window``
          standardised values + sin/cos of the phase) trained on all generated data,
          over the MAE of the same model trained on the first two thirds of the real
          data; both tested on the last third of the real data
          (``predictive_mae_tstr``, ``predictive_mae_trtr``).
        - ``dcr_median_gen``: median over generated windows (a random subset of at most
          ``max(4 x real windows, 500)``) of the RMS gap to the closest real window of the
          same series; ``dcr_median_real``: the same from each real window to the closest
          other real window of its series; ``dcr_ratio`` = gen / real. (A generated window
          has one more candidate than a real one, so an ideal generator scores slightly
          under 1 when the real panel holds few days.) ``copy_share``: share of generated
          windows at distance < 1e-6, over the windows that do not hold one value on
          more than 3/4 of their steps (a day of zeros copies nothing; the privacy check
          skips those too).
        - ``integer_share``, ``negative_share``: shares of the observed generated values;
          ``missing_series``: series with no generated value; ``nan_count``.
        - ``monthly_mean_drift_max`` / ``_median``: when the generated panel spans at
          least 60 days on a sub-monthly grid, (max - min) of each series'
          calendar-month means (months at least half covered), / real std; max and
          median over series (else None).
        - ``constant_series_mae``: mean |generated - constant| over the real series that
          are constant (None if there are none).
        - ``daily_mean_correlation_error``, ``past_bound_share`` (with
          ``n_bounded_series``), ``roughness_ratio``: see :mod:`datamime.fidelity`; the
          bounds are those the training sample (``reference``, else ``real``) sits on.

    Args:
        real: the real panel. generated: the generated panel, same series (keys) in the
            same order, any time range on the same frequency.
        window: steps per window/ACF horizon; default one day (24 for hourly).
        seed: seed of every random choice (window subsets, classifier, folds).
        reference: the panel whose series' mean and std scale everything (default:
            ``real``). For a held-out comparison, pass the training panel: a single
            held-out day standardised by its own mean and std has lost the level and
            spread that tell a good generator from a bad one (every model scored about
            0.49 on the discriminative score that way).
        columns: ``[G]`` the value column of each series when several were learned
            together (the schema's ``variable`` key), for ``past_bound_share``; None:
            one label for every series.

    Returns:
        JSON-able dict of aggregates (None where a metric cannot be computed), with
        ``per_series`` holding one list of length ``G`` per per-series metric.

    Raises:
        DataError: the panels do not hold the same series.
    """
    _check_same_series(real, generated)
    freq = real.freq
    window = int(window) if window else default_window(freq)
    rv = np.asarray(real.values, dtype=float)
    gv = np.asarray(generated.values, dtype=float)
    n_series = rv.shape[1]
    if reference is not None:
        _check_same_series(reference, generated)
    mean, std, ok = real_scale(rv if reference is None else np.asarray(reference.values, float))
    safe_std = np.where(ok, std, 1.0)
    out: dict[str, Any] = {
        "n_series": n_series,
        "n_steps_real": rv.shape[0],
        "n_steps_generated": gv.shape[0],
        "window": window,
        "n_constant_series": int((~ok).sum()),
    }
    per: dict[str, Any] = {"label": real.series_labels(), "real_std": np.where(ok, std, np.nan)}

    # marginals
    per["wasserstein"] = _wasserstein(rv, gv, safe_std, ok)
    out["wasserstein"] = _mean_or_none(per["wasserstein"])

    # profiles
    real_phase = seasonal_phase(real.index, freq, window)
    gen_phase = seasonal_phase(generated.index, freq, window)
    real_prof = _phase_means(rv, real_phase, window)
    gen_prof = _phase_means(gv, gen_phase, window)
    per["daily_profile_error"] = np.where(ok, _profile_error(real_prof, gen_prof, safe_std), np.nan)
    out["daily_profile_error"] = _mean_or_none(per["daily_profile_error"])
    out["weekly_profile_error"] = None
    kind, step = offset_step(freq)
    long_enough = _span(real.index, freq) >= pd.Timedelta(days=14)
    if kind == "fixed" and step < pd.Timedelta(days=7) and long_enough:
        real_week = _weekday_profile(rv, real.index)
        gen_week = _weekday_profile(gv, generated.index)
        per["weekly_profile_error"] = np.where(
            ok, _profile_error(real_week, gen_week, safe_std), np.nan
        )
        out["weekly_profile_error"] = _mean_or_none(per["weekly_profile_error"])

    # dynamics
    max_lag = max(1, min(window, rv.shape[0] - 3))
    acf_diff = np.abs(autocorrelation(rv, max_lag) - autocorrelation(gv, max_lag))
    per["acf_distance"] = np.where(ok, nanmean(acf_diff), np.nan)
    out["acf_distance"] = _mean_or_none(per["acf_distance"])

    # cross-series structure
    per["correlation_error"] = np.full(n_series, np.nan)
    out["correlation_error"] = None
    if n_series >= 2:
        keep = np.ix_(ok, ok)
        diff = np.abs(correlation_matrix(rv)[keep] - correlation_matrix(gv)[keep])
        np.fill_diagonal(diff, np.nan)
        out["correlation_error"] = _mean_or_none(diff[np.triu_indices(diff.shape[0], k=1)])
        per["correlation_error"][ok] = nanmean(diff, axis=1)

    # windows of standardised values: discrimination, forecasting, privacy
    real_z = (rv - mean) / safe_std
    gen_z = (gv - mean) / safe_std
    real_w, real_valid, gen_w, gen_series = _windows(
        real_z, real_phase, gen_z, gen_phase, window, ok, np.random.default_rng(seed)
    )
    out["n_windows_real"] = int(real_valid.sum())
    out["n_windows_generated"] = len(gen_w)
    score, acc = _discriminative(real_w[real_valid], gen_w, seed)
    out["discriminative_score"], out["discriminative_accuracy"] = score, acc

    ratio, mae_tstr, mae_trtr = _predictive(
        real_z, real_phase, gen_z, gen_phase, window, ok, seed
    )
    out["tstr_trtr"] = ratio
    out["predictive_mae_tstr"], out["predictive_mae_trtr"] = mae_tstr, mae_trtr

    gen_d_all, real_d, d_series = _privacy(real_w, real_valid, gen_w, gen_series, ok)
    gen_d = gen_d_all[np.isfinite(gen_d_all)]
    dcr_gen = float(np.median(gen_d)) if gen_d.size else None
    dcr_real = float(np.median(real_d)) if real_d.size else None
    out["dcr_median_gen"], out["dcr_median_real"] = dcr_gen, dcr_real
    out["dcr_ratio"] = dcr_gen / dcr_real if dcr_gen is not None and dcr_real else None
    informative = gen_d[fidelity.mode_share(gen_w[np.isfinite(gen_d_all)]) <= fidelity.MAX_MODE_SHARE]
    out["copy_share"] = float((informative < 1e-6).mean()) if informative.size else None
    per["dcr_median_gen"], per["dcr_median_real"] = d_series[0], d_series[1]

    # constraints and constants
    finite = np.isfinite(gv)
    out["integer_share"] = _integer_share(gv[finite])
    out["negative_share"] = float(np.mean(gv[finite] < 0)) if finite.any() else None
    out["missing_series"] = int((~finite.any(axis=0)).sum())
    out["nan_count"] = int((~finite).sum())
    real_obs = rv[np.isfinite(rv)]
    out["real_integer_share"] = _integer_share(real_obs)
    out["real_negative_share"] = float(np.mean(real_obs < 0)) if real_obs.size else None
    constant = (~ok) & np.isfinite(mean)
    out["constant_series_mae"] = None
    if constant.any() and gv.shape[0]:
        gaps = np.abs(gv[:, constant] - mean[constant])
        out["constant_series_mae"] = _mean_or_none(nanmean(gaps))

    # day-scale co-movement, bounds, roughness
    train = rv if reference is None else np.asarray(reference.values, dtype=float)
    out["daily_mean_correlation_error"] = fidelity.daily_mean_correlation_error(
        rv, real.index, gv, generated.index)
    out["past_bound_share"], out["n_bounded_series"] = fidelity.past_bound_share(
        train, gv, None if columns is None else np.asarray(columns).astype(str))
    per["roughness_ratio"] = fidelity.roughness_ratios(rv, gv)
    out["roughness_ratio"] = fidelity.roughness_ratio(rv, gv)

    # drift over long generations
    out["monthly_mean_drift_max"] = out["monthly_mean_drift_median"] = None
    long_run = _span(generated.index, freq) >= pd.Timedelta(days=60)
    if gv.shape[0] and kind == "fixed" and step < pd.Timedelta(days=28) and long_run:
        drift = _monthly_drift(gv, generated.index, safe_std, ok)
        per["monthly_mean_drift"] = drift
        drift = drift[np.isfinite(drift)]
        if drift.size:
            out["monthly_mean_drift_max"] = float(drift.max())
            out["monthly_mean_drift_median"] = float(np.median(drift))

    out["per_series"] = per
    return _json(out)


# --------------------------------------------------------------------------- plots


def _figure(n_rows: int, n_cols: int, width: float = 11.0, row_height: float = 2.2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, max(2.5, row_height * n_rows)), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    return fig, axes


def _small_multiples(labels: list[str], xlabel: str):
    """A grid of up to three columns, one labelled panel per series, extras hidden."""
    k = len(labels)
    n_cols = min(3, k)
    fig, axes = _figure(math.ceil(k / n_cols), n_cols)
    for ax in axes.flat[k:]:
        ax.set_visible(False)
    panels = list(axes.flat[:k])
    for ax, label in zip(panels, labels, strict=True):
        ax.set_title(label, fontsize=8)
        ax.set_xlabel(xlabel, fontsize=7)
        ax.tick_params(labelsize=7)
    return fig, panels


def plot_series(
    real_values: np.ndarray,
    real_index: pd.DatetimeIndex,
    gen_values: np.ndarray,
    gen_index: pd.DatetimeIndex,
    labels: list[str],
):
    """Real (left) and generated (right) series side by side, one row per series.

    Args:
        real_values: ``[T, k]``. real_index: ``T`` timestamps. gen_values: ``[T2, k]``.
        gen_index: ``T2`` timestamps. labels: ``k`` series names.

    Returns:
        A matplotlib ``Figure`` (no pyplot state involved).
    """
    k = real_values.shape[1]
    fig, axes = _figure(k, 2)
    for i in range(k):
        axes[i, 0].plot(real_index, real_values[:, i], color="tab:blue", lw=1)
        axes[i, 1].plot(gen_index, gen_values[:, i], color="tab:orange", lw=1)
        axes[i, 0].set_ylabel(labels[i], fontsize=8)
        both = np.r_[real_values[:, i], gen_values[:, i]]
        both = both[np.isfinite(both)]
        if both.size:
            lo, hi = float(both.min()), float(both.max())
            pad = 0.05 * (hi - lo) if hi > lo else 1.0
            for ax in axes[i]:
                ax.set_ylim(lo - pad, hi + pad)
        for ax in axes[i]:
            ax.tick_params(labelsize=7)
    axes[0, 0].set_title("real")
    axes[0, 1].set_title("generated")
    return fig


def plot_profiles(real_profile: np.ndarray, gen_profile: np.ndarray, labels: list[str]):
    """Mean value per position in the day (``[P, k]`` each), real vs generated."""
    fig, panels = _small_multiples(labels[: real_profile.shape[1]], "step of the day")
    for i, ax in enumerate(panels):
        ax.plot(real_profile[:, i], label="real", color="tab:blue")
        ax.plot(gen_profile[:, i], label="generated", color="tab:orange")
    panels[0].legend(fontsize=7)
    return fig


def plot_distributions(real_values: np.ndarray, gen_values: np.ndarray, labels: list[str]):
    """Histograms (densities) of real vs generated values, one panel per series."""
    fig, panels = _small_multiples(labels[: real_values.shape[1]], "")
    for i, ax in enumerate(panels):
        r = real_values[:, i][np.isfinite(real_values[:, i])]
        q = gen_values[:, i][np.isfinite(gen_values[:, i])]
        both = np.r_[r, q]
        if both.size:
            lo, hi = float(both.min()), float(both.max())
            bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 30)
            if r.size:
                ax.hist(r, bins=bins, density=True, alpha=0.5, label="real", color="tab:blue")
            if q.size:
                ax.hist(q, bins=bins, density=True, alpha=0.5, label="generated", color="C1")
    panels[0].legend(fontsize=7)
    return fig


def plot_acf(real_acf: np.ndarray, gen_acf: np.ndarray, labels: list[str]):
    """Autocorrelation at lags ``1..L`` (``[L, k]`` each), real vs generated."""
    lags = np.arange(1, real_acf.shape[0] + 1)
    fig, panels = _small_multiples(labels[: real_acf.shape[1]], "lag")
    for i, ax in enumerate(panels):
        ax.plot(lags, real_acf[:, i], marker=".", label="real", color="tab:blue")
        ax.plot(lags, gen_acf[:, i], marker=".", label="generated", color="tab:orange")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylim(-1.05, 1.05)
    panels[0].legend(fontsize=7)
    return fig


def plot_correlation(real_corr: np.ndarray, gen_corr: np.ndarray):
    """Heatmaps of the ``[G, G]`` correlation matrices, real vs generated."""
    fig, axes = _figure(1, 2, width=11.0, row_height=5.0)
    for ax, mat, title in zip(axes[0], (real_corr, gen_corr), ("real", "generated")):
        im = ax.imshow(
            np.ma.masked_invalid(mat), vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest"
        )
        ax.set_title(f"correlation between series ({title})", fontsize=9)
        ax.set_xlabel("series", fontsize=7)
        ax.set_ylabel("series", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8)
    return fig


def _pick_series(real: Panel, k: int = 6) -> np.ndarray:
    """Up to ``k`` series spread across the panel, non-constant ones first."""
    _, _, ok = real_scale(real.values)
    pool = np.flatnonzero(ok)
    if pool.size == 0:
        pool = np.arange(real.n_series)
    if pool.size <= k:
        return pool
    return pool[np.unique(np.linspace(0, pool.size - 1, k).round().astype(int))]


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_report(
    metrics: dict,
    real: Panel,
    generated: Panel,
    out_dir: str | Path,
    title: str = "datamime evaluation",
) -> Path:
    """Write ``metrics.json``, ``report.md`` and its PNG figures into ``out_dir``.

    Figures: ``series.png`` (real vs generated for up to 6 series), ``profiles.png``
    (daily profiles), ``distributions.png``, ``acf.png``, ``correlation.png``.

    Args:
        metrics: the output of :func:`evaluate` for these panels.
        real: the real panel. generated: the generated panel.
        out_dir: folder to write into (created if needed). title: report heading.

    Returns:
        Path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(_json(metrics), indent=2))

    window = int(metrics.get("window") or default_window(real.freq))
    pick = _pick_series(real)
    labels = [real.series_labels()[i] for i in pick]
    rv, gv = real.values[:, pick], generated.values[:, pick]
    shown = min(len(generated.index), max(len(real.index), 7 * window))
    figures = {
        "series.png": (
            "Real and generated series",
            plot_series(rv, real.index, gv[:shown], generated.index[:shown], labels),
        ),
        "profiles.png": (
            "Mean per step of the day",
            plot_profiles(
                phase_profile(rv, real.index, real.freq, window),
                phase_profile(gv, generated.index, generated.freq, window),
                labels,
            ),
        ),
        "distributions.png": ("Distributions of values", plot_distributions(rv, gv, labels)),
        "acf.png": (
            "Autocorrelation",
            plot_acf(
                autocorrelation(rv, max(1, min(window, len(rv) - 3))),
                autocorrelation(gv, max(1, min(window, len(rv) - 3))),
                labels,
            ),
        ),
    }
    if real.n_series >= 2:
        figures["correlation.png"] = (
            "Correlation between series",
            plot_correlation(correlation_matrix(real.values), correlation_matrix(generated.values)),
        )
    for name, (_, fig) in figures.items():
        fig.savefig(out / name, dpi=90)

    lines = [
        f"# {title}",
        "",
        f"{metrics.get('n_series')} series; {metrics.get('n_steps_real')} real steps, "
        f"{metrics.get('n_steps_generated')} generated steps; window {window} steps; "
        f"{metrics.get('n_constant_series', 0)} constant real series left out of scaled metrics.",
        "",
        "| metric | value | meaning |",
        "|---|---|---|",
    ]
    for key, text in METRIC_DESCRIPTIONS.items():
        if key in metrics:
            text = text.replace("|", "\\|")  # keep the table intact
            lines.append(f"| `{key}` | {_fmt(metrics[key])} | {text} |")
    lines.append("")
    for name, (caption, _) in figures.items():
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report
