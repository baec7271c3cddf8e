"""What the app's sections share.

Settings hashes, plain-word times, figures as PNG, error messages, the prepared sample
(cached) and the series labels.
"""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from datamime.data.panel import Panel
from datamime.data.prepare import prepare
from datamime.data.schema import Schema
from datamime.errors import DatamimeError

APP_TITLE = "datamime"
LABEL_SEP = " \u00b7 "  # between the identifying values of a series' label
FREQ_NAMES = {"h": "hourly", "30min": "every 30 minutes", "15min": "every 15 minutes",
              "10min": "every 10 minutes", "min": "every minute", "D": "daily", "W-SUN": "weekly",
              "MS": "monthly (month start)", "ME": "monthly (month end)"}


def digest(data: bytes) -> str:
    """Content hash of a file (hex)."""
    return hashlib.sha256(data).hexdigest()


def settings_key(*parts: Any) -> str:
    """A short stable hash of JSON-able settings."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def freq_name(freq: str) -> str:
    """Plain words for a pandas frequency alias."""
    return FREQ_NAMES.get(freq, f"every {freq}")


def when(stamp: pd.Timestamp) -> str:
    """A time stamp as a short text (the date alone at midnight)."""
    return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes (the figure is then released)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # noqa: BLE001 - a bare Figure is not registered with pyplot
        pass
    return buf.getvalue()


def short_error(exc: BaseException) -> str:
    """One readable line for an unexpected exception."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def series_labels(keys: pd.DataFrame) -> list[str]:
    """One short label per series from its identifying values, in the table's column
    order (``"Caen \u00b7 NO2"``); ``"series"`` for a single series."""
    if keys.shape[1] == 0:
        return ["series"] * len(keys)
    return [LABEL_SEP.join(map(str, row)) for row in keys.itertuples(index=False)]


# ------------------------------------------------------------------------ cached


@st.cache_data(show_spinner=False, max_entries=16)
def prepared(path: str, content: str, time_col: str, groups: tuple[str, ...],
             value: str) -> tuple[Panel, Schema]:
    """The sample read with these roles, as the scripts read it (``content``: its hash)."""
    panel, schema, _ = prepare(path, time=time_col, groups=list(groups), value=value,
                               verbose=False)
    return panel, schema


# -------------------------------------------------------------------------- page


def show_error(exc: BaseException, what: str) -> None:
    """An error in the page: the message of a :class:`DatamimeError`, else one line."""
    if isinstance(exc, DatamimeError):
        st.error(f"{what}: {exc}")
    else:
        st.error(f"{what} failed ({short_error(exc)}). Check the file and the column roles; "
                 "if they look right, please report the problem.")


def reset(keys: tuple[str, ...] | list[str]) -> None:
    """Forget these widgets' values (they return to their defaults)."""
    for key in keys:
        st.session_state.pop(key, None)

