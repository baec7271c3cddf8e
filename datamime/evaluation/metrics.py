"""Score a generated panel against the real panel it imitates: :func:`evaluate`.

Every metric compares the two panels series by series (the generated panel holds the
same series, in the same order, possibly over a different or longer time range) and is
robust to NaN gaps. Values are put on a common scale with each *real* series' mean and
standard deviation, so level differences show and series of different units weigh the
same. A real series that is constant (standard deviation 0, or fewer than two observed
values) cannot set such a scale: it is left out of every scaled metric (its per-series
entry is ``None``) and reported instead through ``constant_series_mae``.

Inputs/Outputs:
    ``evaluate(real, generated)`` -> flat dict of JSON-able aggregates plus
    ``per_series`` (lists of length ``G``). The report around these numbers is
    :mod:`datamime.evaluation.report`, its figures :mod:`datamime.evaluation.figures`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from datamime import fidelity
from datamime.data.panel import Panel
from datamime.errors import DataError
from datamime.evaluation.stats import (
    autocorrelation,
    correlation_matrix,
    mean_or_none,
    nanmean,
    phase_means,
    real_scale,
    to_json,
    weekday_profile,
)
from datamime.evaluation.windowed import (
    closest_real_distances,
    discriminative,
    predictive,
    select_windows,
)
from datamime.timegrid import default_window, month_count, offset_step, seasonal_phase, span


def _wasserstein(
    real: np.ndarray, gen: np.ndarray, std: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    from scipy.stats import wasserstein_distance  # on first use: scipy is slow to import

    out = np.full(real.shape[1], np.nan)
    for g in np.flatnonzero(ok):
        r = real[:, g][np.isfinite(real[:, g])]
        q = gen[:, g][np.isfinite(gen[:, g])]
        if r.size and q.size:
            out[g] = wasserstein_distance(r, q) / std[g]
    return out


def _profile_error(real_prof: np.ndarray, gen_prof: np.ndarray, std: np.ndarray) -> np.ndarray:
    return nanmean(np.abs(real_prof - gen_prof) / std)  # [P, G] -> [G]


def _monthly_drift(
    gen: np.ndarray, index: pd.DatetimeIndex, std: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    _, month = np.unique(month_count(pd.DatetimeIndex(index)), return_inverse=True)
    n_months = int(month.max()) + 1
    means = phase_means(gen, month, n_months)  # [M, G]
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
    out["wasserstein"] = mean_or_none(per["wasserstein"])

    # profiles
    real_phase = seasonal_phase(real.index, freq, window)
    gen_phase = seasonal_phase(generated.index, freq, window)
    real_prof = phase_means(rv, real_phase, window)
    gen_prof = phase_means(gv, gen_phase, window)
    per["daily_profile_error"] = np.where(ok, _profile_error(real_prof, gen_prof, safe_std), np.nan)
    out["daily_profile_error"] = mean_or_none(per["daily_profile_error"])
    out["weekly_profile_error"] = None
    kind, step = offset_step(freq)
    long_enough = span(real.index, freq) >= pd.Timedelta(days=14)
    if kind == "fixed" and step < pd.Timedelta(days=7) and long_enough:
        real_week = weekday_profile(rv, real.index)
        gen_week = weekday_profile(gv, generated.index)
        per["weekly_profile_error"] = np.where(
            ok, _profile_error(real_week, gen_week, safe_std), np.nan
        )
        out["weekly_profile_error"] = mean_or_none(per["weekly_profile_error"])

    # dynamics
    max_lag = max(1, min(window, rv.shape[0] - 3))
    acf_diff = np.abs(autocorrelation(rv, max_lag) - autocorrelation(gv, max_lag))
    per["acf_distance"] = np.where(ok, nanmean(acf_diff), np.nan)
    out["acf_distance"] = mean_or_none(per["acf_distance"])

    # cross-series structure
    per["correlation_error"] = np.full(n_series, np.nan)
    out["correlation_error"] = None
    if n_series >= 2:
        keep = np.ix_(ok, ok)
        diff = np.abs(correlation_matrix(rv)[keep] - correlation_matrix(gv)[keep])
        np.fill_diagonal(diff, np.nan)
        out["correlation_error"] = mean_or_none(diff[np.triu_indices(diff.shape[0], k=1)])
        per["correlation_error"][ok] = nanmean(diff, axis=1)

    # windows of standardised values: discrimination, forecasting, privacy
    real_z = (rv - mean) / safe_std
    gen_z = (gv - mean) / safe_std
    real_w, real_valid, gen_w, gen_series = select_windows(
        real_z, real_phase, gen_z, gen_phase, window, ok, np.random.default_rng(seed)
    )
    out["n_windows_real"] = int(real_valid.sum())
    out["n_windows_generated"] = len(gen_w)
    score, acc = discriminative(real_w[real_valid], gen_w, seed)
    out["discriminative_score"], out["discriminative_accuracy"] = score, acc

    ratio, mae_tstr, mae_trtr = predictive(
        real_z, real_phase, gen_z, gen_phase, window, ok, seed
    )
    out["tstr_trtr"] = ratio
    out["predictive_mae_tstr"], out["predictive_mae_trtr"] = mae_tstr, mae_trtr

    gen_d_all, real_d, d_series = closest_real_distances(real_w, real_valid, gen_w, gen_series, ok)
    gen_d = gen_d_all[np.isfinite(gen_d_all)]
    dcr_gen = float(np.median(gen_d)) if gen_d.size else None
    dcr_real = float(np.median(real_d)) if real_d.size else None
    out["dcr_median_gen"], out["dcr_median_real"] = dcr_gen, dcr_real
    out["dcr_ratio"] = dcr_gen / dcr_real if dcr_gen is not None and dcr_real else None
    informative = gen_d[
        fidelity.mode_share(gen_w[np.isfinite(gen_d_all)]) <= fidelity.MAX_MODE_SHARE]
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
        out["constant_series_mae"] = mean_or_none(nanmean(gaps))

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
    long_run = span(generated.index, freq) >= pd.Timedelta(days=60)
    if gv.shape[0] and kind == "fixed" and step < pd.Timedelta(days=28) and long_run:
        drift = _monthly_drift(gv, generated.index, safe_std, ok)
        per["monthly_mean_drift"] = drift
        drift = drift[np.isfinite(drift)]
        if drift.size:
            out["monthly_mean_drift_max"] = float(drift.max())
            out["monthly_mean_drift_median"] = float(np.median(drift))

    out["per_series"] = per
    return to_json(out)
