"""Knowledge for what the sample cannot show: yearly and weekly factors, trend (issue 13).

A knowledge file is YAML in the sketch vocabulary (``datamime/sketch.py``)::

    yearly:                      # for all series, or per value of an identifying column
      nom_poll: {O3: {jan: 0.55, jul: 1.35}, NO2: {jan: 1.4, jul: 0.7}}
    weekly: {sat: 0.85, sun: 0.7}
    trend: 3%                    # per year

Factors are relative to the sample's own dates: the mean factor over the sample's months
(weekdays) is 1, so the sample's dates keep the sample's level. Work in progress: holidays,
the training/sampling hooks and the "data wins" rule are not wired yet.

Inputs/Outputs: ``factors(know, index, keys, sample_index)`` -> ``[T, G]`` float array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from datamime.errors import DataError
from datamime.sketch import DAYS

FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
KEYS = {"yearly", "weekly", "trend"}


def _name(value: Any, short: tuple[str, ...], full: tuple[str, ...] = ()) -> int | None:
    """Position of a month/day name (``jan``, ``january``; ``sun``, ``sunday``), else None."""
    name = str(value).lower()
    if name in short:
        return short.index(name)
    if name in full:
        return full.index(name)
    return None


FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")


def _fail(key: str, message: str) -> DataError:
    return DataError(f"knowledge: {key}: {message}")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _fail(key, f"must be a positive number, got {value!r}")
    return float(value)


def _months(value: Any, key: str) -> np.ndarray:
    """12 monthly factors from ``{jan: f, ...}``; months left out are interpolated round the year."""
    if not isinstance(value, Mapping) or not value:
        raise _fail(key, "must map months (jan ... dec) to factors")
    known = {}
    for m, f in value.items():
        pos = _name(m, MONTHS, FULL_MONTHS)
        if pos is None:
            raise _fail(key, f"unknown month {m!r}; use jan ... dec")
        known[pos] = _number(f, f"{key}.{m}")
    xs = np.array(sorted(known))
    ys = np.array([known[x] for x in xs])
    return np.interp(np.arange(12), np.r_[xs - 12, xs, xs + 12], np.r_[ys, ys, ys])


def parse(know: Mapping) -> dict:
    """Validate a knowledge mapping; returns ``{"yearly": {col|None: {value|None: [12]}}, ...}``."""
    if not isinstance(know, Mapping):
        raise _fail("(top)", "a knowledge file must be a mapping")
    for k in know:
        if k not in KEYS:
            raise _fail(str(k), f"unknown key; use {', '.join(sorted(KEYS))}")
    out: dict = {"yearly": {}, "weekly": None, "trend": 0.0}
    yearly = know.get("yearly")
    if yearly is not None:
        if isinstance(yearly, Mapping) and all(
            _name(m, MONTHS, FULL_MONTHS) is not None for m in yearly
        ):
            out["yearly"][None] = {None: _months(yearly, "yearly")}
        elif isinstance(yearly, Mapping):
            for col, per in yearly.items():
                if not isinstance(per, Mapping):
                    raise _fail(f"yearly.{col}", "must map column values to month factors")
                out["yearly"][str(col)] = {
                    str(v): _months(f, f"yearly.{col}.{v}") for v, f in per.items()
                }
        else:
            raise _fail("yearly", "must be a mapping")
    weekly = know.get("weekly")
    if weekly is not None:
        if not isinstance(weekly, Mapping):
            raise _fail("weekly", "must map days (mon ... sun) to factors")
        w = np.ones(7)
        for d, f in weekly.items():
            pos = _name(d, DAYS, FULL_DAYS)
            if pos is None:
                raise _fail("weekly", f"unknown day {d!r}; use mon ... sun")
            w[pos] = _number(f, f"weekly.{d}")
        out["weekly"] = w
    trend = know.get("trend", 0)
    if isinstance(trend, str) and trend.strip().endswith("%"):
        trend = float(trend.strip()[:-1]) / 100
    if isinstance(trend, bool) or not isinstance(trend, int | float) or trend <= -1:
        raise _fail("trend", f"must be a yearly change like 3% or 0.03, got {trend!r}")
    out["trend"] = float(trend)
    return out


def factors(
    know: dict, index: pd.DatetimeIndex, keys: list[dict[str, str]], sample_index: pd.DatetimeIndex
) -> np.ndarray:
    """``[T, G]`` multiplicative factors for ``index``, 1 on average over ``sample_index``."""
    out = np.ones((len(index), len(keys)))
    m, sm = index.month.to_numpy() - 1, sample_index.month.to_numpy() - 1
    for g, key in enumerate(keys):
        for col, per in know["yearly"].items():
            curve = per.get(None) if col is None else per.get(str(key.get(col)))
            if curve is not None:
                out[:, g] *= curve[m] / curve[sm].mean()
    if know["weekly"] is not None:
        w = know["weekly"]
        out *= (w[index.dayofweek.to_numpy()] / w[sample_index.dayofweek.to_numpy()].mean())[:, None]
    if know["trend"]:
        years = (index - sample_index.mean()) / pd.Timedelta(days=365.25)
        out *= ((1 + know["trend"]) ** np.asarray(years, dtype=float))[:, None]
    return out


def apply(
    know: dict, values: np.ndarray, index: pd.DatetimeIndex, keys: pd.DataFrame,
    sample_index: pd.DatetimeIndex,
) -> np.ndarray:
    """``values`` ``[T, G]`` times the knowledge factors (multiplicative: meant for data >= 0)."""
    rows = keys.astype(str).to_dict("records") if len(keys.columns) else [{}] * values.shape[1]
    return values * factors(know, index, rows, sample_index)
