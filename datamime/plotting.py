"""Matplotlib figures of training (the loss curve); matplotlib is imported only when one
is drawn, without pyplot. The real-vs-generated preview is :mod:`datamime.preview`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def loss_curve(history: list[float], path: str | Path | None = None) -> Figure:
    """Training loss per epoch."""
    fig = _figure(6, 3.5)
    ax = fig.subplots()
    ax.plot(np.arange(1, len(history) + 1), history, marker="o", ms=3)
    ax.set(xlabel="epoch", ylabel="loss (NLL per value)", title="Training loss")
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.15, bottom=0.15, right=0.97, top=0.9)
    return _save(fig, path)
