"""The app's editable tables of stated knowledge: month and weekday factors per value of
one identifying column, to and from the mapping :func:`datamime.knowledge.parse` reads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from datamime.knowledge import DAYS, MID_MONTH, MONTHS, yearly_curve


def month_table(know: dict | None, column: str | None, values: list[str]) -> pd.DataFrame:
    """The file's month factors (at mid-month) for ``values`` of ``column`` (None: every
    series), one row per value and a column per month; 1 where the file gives none."""
    rows = {}
    for v in values:
        per = (know or {}).get("yearly", {}).get(column, {})
        anchors = per.get(None if column is None else v)
        rows[v] = (np.round(yearly_curve(anchors, MID_MONTH), 3) if anchors is not None
                   else np.ones(12))
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(MONTHS))


def week_table(know: dict | None, column: str | None, values: list[str]) -> pd.DataFrame:
    """As :func:`month_table`, the weekday factors (Monday first)."""
    rows = {}
    for v in values:
        w = (know or {}).get("weekly", {}).get(column, {}).get(None if column is None else v)
        rows[v] = np.asarray(w, float) if w is not None else np.ones(7)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(DAYS))


def from_tables(column: str | None, months: pd.DataFrame, week: pd.DataFrame,
                country: str | None, subdiv: str | None = None) -> dict:
    """A knowledge mapping (for :func:`datamime.knowledge.parse`) from tables shaped as
    :func:`month_table` gives them."""
    def leaf(table: pd.DataFrame, row: Any) -> dict:
        return {str(c): float(table.loc[row, c]) for c in table.columns}

    out: dict = {}
    for name, table in (("yearly", months), ("weekly", week)):
        if column is None:
            out[name] = leaf(table, table.index[0])
        else:
            out[name] = {column: {str(v): leaf(table, v) for v in table.index}}
    if country:
        out["holidays"] = {"country": country, **({"subdiv": subdiv} if subdiv else {})}
    return out
