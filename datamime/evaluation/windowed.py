"""Scores on windows ("days") of standardised values: classifier, forecaster, copies.

:func:`select_windows` cuts both panels into non-overlapping windows that start at phase
0 of the cycle; :func:`discriminative`, :func:`predictive` and
:func:`closest_real_distances` score them for :func:`datamime.evaluation.metrics.evaluate`.
"""

from __future__ import annotations

import numpy as np

from datamime.evaluation.stats import nanmean, nanmedian, phase_means

# Windows (days) with more missing values than this share are left out.
_MAX_WINDOW_MISSING = 0.25
# Rows used to fit the forecaster on generated data (a random subset beyond this).
_MAX_FORECAST_ROWS = 50_000
# Fewest windows per class for the classifier test to mean anything.
_MIN_WINDOWS = 10


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


def discriminative(
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


def predictive(
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


def closest_real_distances(
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
            gen_d_series[g] = nanmedian(d)
        if len(ref) >= 2:
            rr = _window_distance(ref, ref)
            np.fill_diagonal(rr, np.inf)  # other, non-overlapping windows only
            d = rr.min(axis=1)
            d = d[np.isfinite(d)]
            real_all.append(d)
            real_d_series[g] = nanmedian(d)
    real_d = np.concatenate(real_all) if real_all else np.zeros(0)
    return gen_d, real_d, np.stack([gen_d_series, real_d_series])


def select_windows(
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
    open_w = np.isfinite(phase_means(real_z, real_phase, window)).T[:, positions]  # [G, w]
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
