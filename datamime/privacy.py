"""Privacy guard: do generated days copy days of the sample?

A generator that memorises its sample can hand back whole real days (a block bootstrap
does so by design). :func:`check_copies` compares, series by series, windows of one
day of generated data with every one-day window of the sample (all start positions, so a
copy shifted by a few hours is caught too), in units of the series' own standard
deviation:

- ``d_gen``: RMS gap from a generated window to its closest sample window;
- ``spacing``: the series' typical real-to-real gap, the median over sample days of the
  RMS gap to the closest sample window that does not overlap it.

A generated window *copies* the sample when ``d_gen <= COPY_TOLERANCE x spacing``:
much closer to a real day than real days are to each other. The ratio
``d_gen / spacing`` is about 1 for a generator that imitates without copying and
near 0 for one that copies.

A generated window has more real candidates than a real one (its own day and the days
overlapping it are not candidates for a real day), so data that imitates without copying
scores somewhat under 1 (about 0.7 on the three-day Atmo sample).

Left out: constant series, series whose real days are too few or identical to set a
spacing, generated windows that hold one value on more than three quarters of their steps
(a day of zeros with a single 1 matches a real day by chance, not by memory), and sample
windows missing over half of their values. At most ``max_windows`` generated
windows are checked (a seeded random subset), which keeps the check at well under a
second for a year of 119 hourly series.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from datamime.data.panel import Panel
from datamime.evaluation.stats import real_scale
from datamime.fidelity import MAX_MODE_SHARE, mode_share
from datamime.timegrid import default_window, offset_step

COPY_TOLERANCE = 0.05  # share of the real-to-real spacing under which a window is a copy
MAX_COPY_SHARE = 0.01  # above this share of copies, warn (or refuse)
MAX_WINDOWS = 2000  # generated windows checked, over all series
MAX_REAL_QUERIES = 64  # real days per series used to measure the real-to-real spacing
_MAX_MISSING = 0.5  # sample windows missing more than this are not compared


def copy_window(freq: str, n_steps: int) -> int:
    """One day of steps (a week for daily data); half the sample if it is shorter than two."""
    window = default_window(freq)
    if n_steps < 2 * window:
        window = max(2, n_steps // 2)
    return window


def _unit(freq: str, window: int) -> tuple[str, str]:
    """How to name the windows: ``("days", "day")`` when a window is one day."""
    kind, step = offset_step(freq)
    if kind == "fixed" and window * step == pd.Timedelta(days=1):
        return "days", "day"
    if kind == "fixed" and window * step == pd.Timedelta(days=7):
        return "weeks", "week"
    return f"{window}-step windows", f"{window}-step window"


def _closest(queries: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``[q, n]`` RMS gaps over commonly observed steps between ``[q, w]`` and ``[n, w]``.

    NaN marks a missing step; a pair with no common step gets ``inf``.
    """
    qm, rm = np.isfinite(queries), np.isfinite(ref)
    a, b = np.where(qm, queries, 0.0), np.where(rm, ref, 0.0)
    qf, rf = qm.astype(np.float64), rm.astype(np.float64)
    sq = (a * a) @ rf.T - 2.0 * a @ b.T + qf @ (b * b).T
    count = qf @ rf.T
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(np.maximum(sq, 0.0) / count)
    return np.where(count > 0, d, np.inf)


def _series_spacing(ref: np.ndarray, usable: np.ndarray, window: int,
                    rng: np.random.Generator) -> float:
    """Median over (up to ``MAX_REAL_QUERIES``) real days of the gap to the closest
    non-overlapping real window; NaN when no such pair exists."""
    starts = np.arange(0, len(ref), window)
    starts = starts[usable[starts]]
    if len(starts) > MAX_REAL_QUERIES:
        starts = np.sort(rng.choice(starts, MAX_REAL_QUERIES, replace=False))
    if not len(starts):
        return np.nan
    d = _closest(ref[starts], ref)  # [q, N]
    offset = np.abs(np.arange(len(ref))[None, :] - starts[:, None])
    d = np.where((offset >= window) & usable[None, :], d, np.inf).min(axis=1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else np.nan


def check_copies(
    real: Panel,
    generated: np.ndarray,
    max_windows: int = MAX_WINDOWS,
    seed: int = 0,
    tolerance: float = COPY_TOLERANCE,
) -> dict[str, Any]:
    """Share of generated one-day windows that copy a window of the sample.

    Args:
        real: the training sample. generated: ``[T', G]`` generated values of the same
            series in the same order (any dates; NaN-free where checked).
        max_windows: generated windows checked at most (random subset over all series).
        seed: seed of that subset. tolerance: copy threshold as a share of the spacing.

    Returns:
        ``window`` (steps), ``n_windows`` (generated windows available),
        ``n_checked``, ``n_copies``, ``copy_share`` (None when nothing could be
        checked), ``distance_ratio`` (median of closest gap / spacing over the windows
        checked), ``n_series_checked`` and ``seconds``.
    """
    start = time.perf_counter()
    rv = np.asarray(real.values, dtype=np.float64)
    gv = np.asarray(generated, dtype=np.float64)
    if gv.ndim != 2 or gv.shape[1] != rv.shape[1]:
        raise ValueError(f"generated values {gv.shape} do not match the sample's "
                         f"{rv.shape[1]} series")
    window = copy_window(real.freq, rv.shape[0])
    mean, std, ok = real_scale(rv)
    n_gen = gv.shape[0] // window if rv.shape[0] >= window else 0
    series = np.flatnonzero(ok)
    report: dict[str, Any] = {"window": window, "unit": _unit(real.freq, window),
                              "n_windows": n_gen * len(series),
                              "n_checked": 0, "n_copies": 0, "copy_share": None,
                              "distance_ratio": None, "n_series_checked": 0}
    rng = np.random.default_rng(seed)
    total = n_gen * len(series)
    if total:
        pick = rng.choice(total, min(max_windows, total), replace=False)
        pick_series, pick_day = series[pick % len(series)], pick // len(series)
        ratios, copies = [], 0
        for g in np.unique(pick_series):
            z = (rv[:, g] - mean[g]) / std[g]
            ref = sliding_window_view(z, window)  # [N, w]
            usable = np.isfinite(ref).mean(axis=1) >= 1.0 - _MAX_MISSING
            spacing = _series_spacing(ref, usable, window, rng)
            if not np.isfinite(spacing) or spacing <= 1e-9:
                continue
            days = pick_day[pick_series == g]
            rows = days[:, None] * window + np.arange(window)[None, :]
            queries = (gv[rows, g] - mean[g]) / std[g]  # [k, w]
            queries = queries[np.isfinite(queries).all(axis=1)]
            queries = queries[mode_share(queries) <= MAX_MODE_SHARE]
            if not len(queries):
                continue
            d = np.where(usable[None, :], _closest(queries, ref), np.inf).min(axis=1)
            copies += int((d <= tolerance * spacing).sum())
            ratios.append(d / spacing)
            report["n_series_checked"] += 1
        if ratios:
            ratio = np.concatenate(ratios)
            report.update(n_checked=len(ratio), n_copies=copies,
                          copy_share=copies / len(ratio),
                          distance_ratio=float(np.median(ratio)))
    report["seconds"] = time.perf_counter() - start
    return report


def summary(report: dict[str, Any]) -> str:
    """One line for the user, e.g. ``privacy check: 0 of 2,000 generated days copy...``."""
    if not report.get("n_checked"):
        return ("privacy check: skipped (no generated day could be compared with the "
                "sample: too short, or only constant series)")
    unit, one = report.get("unit", ("days", "day"))
    shown = f"{report['n_checked']:,}"
    if report["n_windows"] > report["n_checked"]:
        shown += f" (a random subset of {report['n_windows']:,})"
    return (f"privacy check: {report['n_copies']:,} of {shown} generated {unit} copy a "
            f"{one} of the sample; closest-distance ratio {report['distance_ratio']:.2f}")


def flagged(report: dict[str, Any], limit: float = MAX_COPY_SHARE) -> bool:
    """Whether the share of copied days exceeds ``limit``."""
    share = report.get("copy_share")
    return share is not None and share > limit


__all__ = ["check_copies", "summary", "flagged", "copy_window", "MAX_COPY_SHARE"]
