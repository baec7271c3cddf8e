"""**Data exploration**: the headline figures, the series as small multiples (filtered
by the values of each identifying column), the mean profile and a summary table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from datamime.app.common import figure_png, freq_name, prepared, series_labels, when
from datamime.data.panel import Panel
from datamime.data.schema import Schema
from datamime.timegrid import fixed_step

SERIES_PER_PAGE = 48
GRID_WIDTH_IN = 12  # the small multiples' width, inches
TICK_ROOM_IN = 0.55  # at most this much of each panel's width goes to its value ticks
TITLE_SIZE = 8


def overview(panel: Panel, schema: Schema) -> dict[str, str]:
    """Headline figures of a sample, as short strings."""
    values = panel.values
    observed = np.isfinite(values)
    gaps = int((~observed).sum())
    share = gaps / values.size if values.size else 0.0
    return {
        "Series": f"{panel.n_series:,}",
        "Steps per series": f"{panel.n_steps:,}",
        "Frequency": freq_name(schema.freq),
        "Gaps": f"{gaps:,} ({share:.1%})" if gaps else "none",
        "Min": f"{np.nanmin(values):g}",
        "Max": f"{np.nanmax(values):g}",
        "From": when(panel.index[0]),
        "To": when(panel.index[-1]),
    }


def series_summary(panel: Panel) -> pd.DataFrame:
    """One row per series: its identifiers, first/last observation, length, gaps, range."""
    values = panel.values
    observed = np.isfinite(values)
    table = panel.keys.reset_index(drop=True).copy()
    if table.shape[1] == 0:
        table = pd.DataFrame({"series": ["series"] * panel.n_series})
    table["first"] = [when(panel.index[np.argmax(o)]) if o.any() else "" for o in observed.T]
    table["last"] = [when(panel.index[len(o) - 1 - np.argmax(o[::-1])]) if o.any() else ""
                     for o in observed.T]
    table["values"] = observed.sum(axis=0)
    table["gaps"] = panel.n_steps - table["values"]
    frame = pd.DataFrame(values)
    table["min"] = frame.min().to_numpy()
    table["mean"] = frame.mean().round(3).to_numpy()
    table["max"] = frame.max().to_numpy()
    return table


def filter_series(keys: pd.DataFrame, chosen: dict[str, list[str]]) -> np.ndarray:
    """Positions of the series whose identifiers are among the chosen values (empty = all)."""
    mask = np.ones(len(keys), dtype=bool)
    for col, values in chosen.items():
        if values:
            mask &= keys[col].astype(str).isin([str(v) for v in values]).to_numpy()
    return np.flatnonzero(mask)


def _date_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=2, maxticks=5)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def small_multiples(index: pd.DatetimeIndex, values: np.ndarray, labels: list[str],
                    n_cols: int = 4) -> Figure:
    """One small panel per series (``values`` is ``[T, k]``), on a grid, each titled by
    its label, shortened when it is wider than its panel."""
    k = values.shape[1]
    n_cols = max(1, min(n_cols, k))
    n_rows = math.ceil(k / n_cols)
    fig = Figure(figsize=(GRID_WIDTH_IN, max(2.2, 1.8 * n_rows)), layout="constrained")
    room = (GRID_WIDTH_IN / n_cols - TICK_ROOM_IN) * 72  # an axes' width, in points
    axes = fig.subplots(n_rows, n_cols, squeeze=False, sharex=True)
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.set_visible(False)
            continue
        ax.plot(index, values[:, i], lw=0.9, color="tab:blue")
        ax.set_title(fit_title(labels[i], room), fontsize=TITLE_SIZE)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        _date_axis(ax)
    return fig


def fit_title(label: str, room_pt: float, size: float = TITLE_SIZE) -> str:
    """``label``, shortened with an ellipsis when it is wider than ``room_pt`` points
    at font size ``size`` (measured with the font the figure uses)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer, font = RendererAgg(8, 8, 72), FontProperties(size=size)

    def width(text: str) -> float:
        return renderer.get_text_width_height_descent(text, font, ismath=False)[0]

    if width(label) <= room_pt:
        return label
    low, high = 0, len(label)  # the longest prefix that fits with the ellipsis
    while low < high:
        mid = (low + high + 1) // 2
        if width(label[:mid].rstrip() + "\u2026") <= room_pt:
            low = mid
        else:
            high = mid - 1
    return label[:low].rstrip() + "\u2026"


def profile(index: pd.DatetimeIndex, values: np.ndarray, freq: str) -> tuple[pd.DataFrame, str]:
    """Mean of each series by hour of day (sub-daily data), day of week (daily) or month."""
    step = fixed_step(freq)
    if step is not None and step < pd.Timedelta(days=1):
        key, what = index.hour + index.minute / 60, "hour of the day"
    elif step is not None and step < pd.Timedelta(days=7):
        key, what = index.dayofweek, "day of the week (0 = Monday)"
    else:
        key, what = index.month, "month"
    frame = pd.DataFrame(values, index=np.asarray(key))
    return frame.groupby(level=0).mean(), what


def profile_figure(index: pd.DatetimeIndex, values: np.ndarray, labels: list[str],
                   freq: str) -> Figure:
    """The mean profile of each series (a line each; a legend up to 12 series)."""
    means, what = profile(index, values, freq)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    k = values.shape[1]
    for j in range(k):
        ax.plot(means.index, means.iloc[:, j], lw=1.2 if k <= 12 else 0.7,
                alpha=1.0 if k <= 12 else 0.4, label=labels[j] if k <= 12 else None)
    if k > 12:
        ax.plot(means.index, means.mean(axis=1), color="black", lw=2, label="mean of the series")
    ax.set(xlabel=what, ylabel="mean value", title=f"Profile: mean by {what.split(' (')[0]}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2 if k > 6 else 1, loc="best")
    return fig



@st.cache_data(show_spinner=False, max_entries=32)
def _exploration_png(path: str, content: str, roles: tuple, picks: tuple[int, ...],
                     kind: str) -> bytes:
    panel, schema = prepared(path, content, *roles)
    idx = list(picks)
    labels = [series_labels(panel.keys)[i] for i in idx]
    values = panel.values[:, idx]
    if kind == "grid":
        fig = small_multiples(panel.index, values, labels)
    else:
        fig = profile_figure(panel.index, values, labels, schema.freq)
    return figure_png(fig)



def explore(path: str, content: str, roles: tuple, panel: Panel, schema: Schema) -> None:
    """The Data exploration section: figures, one filter per identifying column, the
    small multiples (paged), the profile and the summary of the filtered series."""
    st.header("Data exploration")
    figures = overview(panel, schema)
    cols = st.columns(6)
    for i, name in enumerate(("Series", "Steps per series", "Frequency", "Gaps", "Min", "Max")):
        cols[i].metric(name, figures[name])
    st.caption(f"From {figures['From']} to {figures['To']}.")

    chosen: dict[str, list[str]] = {}
    if schema.groups:
        st.markdown("**Filter the series** (empty = all)")
        fcols = st.columns(min(len(schema.groups), 4))
        for i, col in enumerate(schema.groups):
            chosen[col] = fcols[i % len(fcols)].multiselect(
                col, schema.categories.get(col, []), key=f"filter_{col}", placeholder="all")
    picks = filter_series(panel.keys, chosen) if schema.groups else np.arange(panel.n_series)
    if len(picks) == 0:
        st.warning("No series matches this filter.")
        return
    shown = picks
    if len(picks) > SERIES_PER_PAGE:
        pages = math.ceil(len(picks) / SERIES_PER_PAGE)
        page = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1,
                                   key=f"page_{pages}"))
        shown = picks[(page - 1) * SERIES_PER_PAGE: page * SERIES_PER_PAGE]
        st.caption(f"Series {(page - 1) * SERIES_PER_PAGE + 1} to "
                   f"{(page - 1) * SERIES_PER_PAGE + len(shown)} of {len(picks)}.")
    else:
        st.caption(f"{len(picks)} series.")
    st.image(_exploration_png(path, content, roles, tuple(int(i) for i in shown), "grid"),
             width="stretch")
    st.subheader("Profile")
    st.image(_exploration_png(path, content, roles, tuple(int(i) for i in picks), "profile"),
             width="stretch")
    st.subheader("Summary")
    st.dataframe(series_summary(panel).iloc[picks], hide_index=True, width="stretch",
                 height=min(36 + 35 * len(picks), 300))

