"""Figures comparing real and generated data; plain arrays in, matplotlib figures out.

No pyplot state is involved (figures are built with :class:`matplotlib.figure.Figure`),
so an app or a report can draw them from any thread; matplotlib is imported only when a
figure is drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


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
    for ax, mat, title in zip(axes[0], (real_corr, gen_corr), ("real", "generated"), strict=True):
        im = ax.imshow(
            np.ma.masked_invalid(mat), vmin=-1, vmax=1, cmap="RdBu_r", interpolation="nearest"
        )
        ax.set_title(f"correlation between series ({title})", fontsize=9)
        ax.set_xlabel("series", fontsize=7)
        ax.set_ylabel("series", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8)
    return fig
