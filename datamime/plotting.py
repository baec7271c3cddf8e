"""Matplotlib figures shared by the scripts, the evaluation report and the app."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _save(fig: plt.Figure, path: str | Path | None) -> plt.Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
    return fig


def loss_curve(history: list[float], path: str | Path | None = None) -> plt.Figure:
    """Training loss per epoch."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, len(history) + 1), history, marker="o", ms=3)
    ax.set(xlabel="epoch", ylabel="loss (NLL per value)", title="Training loss")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def compare_series(
    real_index: pd.DatetimeIndex,
    real: np.ndarray,
    gen_index: pd.DatetimeIndex,
    generated: np.ndarray,
    labels: list[str],
    path: str | Path | None = None,
    n: int = 6,
    max_steps: int | None = None,
) -> plt.Figure:
    """Real (left) and generated (right) values of up to ``n`` series spread over the panel.

    Args:
        real, generated: ``[T, G]`` arrays (NaN gaps allowed) on their own indexes.
        labels: one per series. max_steps: show only the first steps of the generated
            data (default: as many as the real sample has, at least a week of steps).
    """
    from datamime.evaluate import plot_series

    g = real.shape[1]
    picks = np.unique(np.linspace(0, g - 1, min(n, g)).round().astype(int))
    steps = max_steps or max(len(real_index), 7 * 24)
    fig = plot_series(real[:, picks], real_index, generated[:steps, picks], gen_index[:steps],
                      [labels[j] for j in picks])
    return _save(fig, path)
