"""No data yet: a sketch (a small YAML file of what you know) drawn into a pseudo-sample.

A sketch says what the series look like — their names, the frequency, the typical value by
hour of day and day of week, how much they vary, their bounds — and :func:`sketch_table`
draws a realistic pseudo-sample from it: a long table (group columns, time, value) that
then goes through the same path as real data (:meth:`datamime.Synthesizer.fit`, the model,
sampling, the output constraints). ``Synthesizer.fit("my_sketch.yaml")`` and
``python scripts/train.py data=sketch data.path=my_sketch.yaml`` do that.

The format (every key but ``series`` is optional; defaults in brackets)::

    description: free text                 # ignored; say where the numbers come from
    freq: h                                # step: h, 30min, 15min, D... (one day or less) [h]
    start: 2024-01-01                      # first timestamp of the pseudo-sample [2024-01-01]
    days: 28                               # days of pseudo-sample (>= 14 teaches the week) [28]
    seed: 0                                # the draw is repeatable [0]
    columns:                               # names of the generated table's columns
      time: date                           #   [time]
      value: value                         #   [value]
      groups: [station, pollutant]         #   identifying columns [none: a single series]
    shared: {pollutant: 0.5}               # share of the noise's variance common to all series
                                           #   with the same value of that column (sum < 1)
    # any series setting below given here is the default for every series
    series:                                # one entry per series, or per set of series:
      - station: [Rouen, Caen]             #   a list expands: one series per combination
        pollutant: NO2
        typical: {0: 12, 8: 35, 14: 22, 19: 38}   # see below (required)
        weekly: {sat: 0.85, sun: 0.7}      # factor by day of week; days left out: 1 [all 1]
        spread: 30%                        # noise sd: a number (in value units) or a % of the
                                           #   typical value at that time [20%]
        memory: 0.85                       # step-to-step persistence of the noise, 0 to <1 [0.8]
        min: 0                             # bounds of the drawn values [none]
        max: 400
        integer: true                      # whole numbers [false]
    yearly: {pollutant: {O3: {jan: 0.55, jul: 1.35}}}  # seasons, relative to the sketch's days
    holidays: FR                           # public holidays drawn like Sundays

``typical`` is the mean daily shape: one number (flat), 24 hourly values (hour 0 to 23), or
anchors ``{hour: value}`` (hours 0 to <24, decimals allowed) joined by straight lines, round
midnight too: ``{0: 10, 9: 25, 16: 30, 22: 12}`` rises from 9 h to 16 h and falls at night.
For daily data the shape's mean is used.

Each series is drawn as ``level(t) + sd(t) * z(t)``, with ``level = typical(hour) *
weekly(day)`` and ``z`` a unit-variance AR(1) path with the series' ``memory``, mixed with
one AR(1) factor per value of each ``shared`` column (the factor's memory is the mean of the
series it drives); then clipped to ``[min, max]`` and rounded when ``integer``. The
generated data inherits ``integer`` and a non-negative ``min`` through the usual
``integer=auto`` / ``positive=auto``.

``yearly`` and ``holidays`` are knowledge (:mod:`datamime.knowledge`, the same parser and
format as a knowledge file): holidays in the pseudo-sample are drawn like the weekday they
behave like, and both are kept with the trained model, so a year sampled from a sketch has
its seasons (``typical`` is then the level at the sketch's own dates).

A malformed sketch (missing or unknown key, wrong type, ``min`` above ``max``, an hour
outside 0-23...) raises a one-line :class:`DataError` naming the file, the key and what to do.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from datamime import knowledge
from datamime.errors import DataError

KNOWLEDGE_KEYS = ("yearly", "holidays")  # what the pseudo-sample cannot show: datamime/knowledge.py

TOP_KEYS = {"description", "freq", "start", "days", "seed", "columns", "shared", "series",
            *KNOWLEDGE_KEYS}
SETTINGS = {"typical", "weekly", "spread", "memory", "min", "max", "integer"}
COLUMN_KEYS = {"time", "value", "groups"}
DAYS, _FULL_DAYS = knowledge.DAYS, knowledge.FULL_DAYS
DEFAULTS: dict[str, Any] = {"weekly": None, "spread": "20%", "memory": 0.8, "min": None,
                            "max": None, "integer": False}
MAX_DAYS = 3660
MAX_CELLS = 20_000_000
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$")


@dataclass
class Series:
    """One series of a sketch, resolved: its identifying values and its settings."""

    keys: dict[str, str]
    shape: np.ndarray  # typical value at each minute of the day (1440)
    weekly: np.ndarray  # factor per day of week, Monday first (7)
    spread: float
    relative: bool
    memory: float
    low: float | None
    high: float | None
    integer: bool


# --------------------------------------------------------------------------- reading
def shipped_sketches() -> list[str]:
    """Names of the sketches that come with datamime (``datamime/sketches/*.yaml``)."""
    return knowledge.shipped_names("sketches")


def sketch_path(path: str | os.PathLike) -> Path:
    """``path`` if it is a file, else the shipped sketch of that file name.

    So ``sketches/air_pollution.yaml`` works from a clone and from an installed datamime.

    Raises:
        DataError: neither exists.
    """
    return knowledge.given_or_shipped(path, "sketches", "sketch", "sketches")


def load_sketch(path: str | os.PathLike) -> dict:
    """Read a sketch file into a dict (see the module docstring for the format)."""
    path = sketch_path(path)
    raw = knowledge.read_yaml(path, f"sketch {path}", "a sketch")
    if not isinstance(raw, dict):
        raise DataError(f"sketch {path}: expected a YAML mapping with a 'series' list "
                        "(see the README, 'No data yet: a sketch')")
    return raw


# --------------------------------------------------------------------------- checking
class _Checker:
    """Validates one sketch; every message starts with where the problem is."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, context: str, message: str) -> DataError:
        return DataError(f"sketch {self.where}: {context}{message}")

    def known(self, d: Mapping, allowed: set[str], context: str) -> None:
        for key in d:
            if str(key) not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"did you mean '{close[0]}'?" if close else \
                    f"use one of {', '.join(sorted(allowed))}"
                raise self.fail(context, f"unknown key '{key}'; {hint}")

    def number(self, value: Any, context: str, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not np.isfinite(value):
            raise self.fail(context, f"{key} must be a number, got {value!r}")
        return float(value)

    def flag(self, value: Any, context: str, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(context, f"{key} must be true or false, got {value!r}")
        return value

    def label(self, value: Any, context: str, key: str) -> str:
        if isinstance(value, bool):
            raise self.fail(context, f"{key} value {value!r} is a YAML yes/no word; "
                                     f"quote it (e.g. '{'NO' if not value else 'YES'}')")
        if value is None or isinstance(value, (dict, list)) or str(value).strip() == "":
            raise self.fail(context, f"{key} must be a name or a list of names, got {value!r}")
        return str(value)

    def shape(self, value: Any, context: str) -> np.ndarray:
        """The typical value at each minute of the day."""
        minutes = np.arange(1440) / 60.0
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return np.full(1440, self.number(value, context, "typical"))
        if isinstance(value, list):
            if len(value) != 24:
                raise self.fail(context, f"typical has {len(value)} values; give 24 (hour 0 "
                                         "to 23), or anchors like {0: 10, 9: 25, 16: 30}")
            hours, levels = np.arange(24.0), [self.number(v, context, "typical") for v in value]
        elif isinstance(value, dict) and value:
            points = {}
            for h, v in value.items():
                try:
                    hour = float(h)
                except (TypeError, ValueError):
                    hour = np.nan
                if isinstance(h, bool) or not 0 <= hour < 24:
                    raise self.fail(context, f"typical: hour {h!r} must be a number from 0 "
                                             "to 23 (decimals allowed, e.g. 7.5)")
                if hour in points:
                    raise self.fail(context, f"typical: hour {h!r} is given twice")
                points[hour] = self.number(v, context, f"typical at hour {h}")
            hours = np.array(sorted(points))
            levels = [points[h] for h in hours]
        else:
            raise self.fail(context, f"typical must be a number, 24 hourly values or "
                                     f"{{hour: value}} anchors, got {value!r}")
        # straight lines between anchors, round midnight too
        xs = np.concatenate([hours - 24, hours, hours + 24])
        return np.interp(minutes, xs, np.tile(np.asarray(levels, dtype=float), 3))

    def weekly(self, value: Any, context: str) -> np.ndarray:
        if value is None:
            return np.ones(7)
        if isinstance(value, list):
            if len(value) != 7:
                raise self.fail(context, f"weekly has {len(value)} factors; give 7 (Monday "
                                         "first) or {sat: 0.8, sun: 0.7}")
            factors = [self.number(v, context, "weekly factor") for v in value]
        elif isinstance(value, dict):
            factors = [1.0] * 7
            for day, v in value.items():
                name = str(day).strip().lower()
                if name in _FULL_DAYS:
                    name = DAYS[_FULL_DAYS.index(name)]
                if name not in DAYS:
                    raise self.fail(context, f"weekly: unknown day {day!r}; use mon, tue, wed, "
                                             "thu, fri, sat, sun")
                factors[DAYS.index(name)] = self.number(v, context, f"weekly factor for {day}")
        else:
            raise self.fail(context, f"weekly must be {{day: factor}} or 7 factors, got {value!r}")
        if min(factors) < 0:
            raise self.fail(context, "weekly factors must not be negative")
        return np.asarray(factors, dtype=float)

    def spread(self, value: Any, context: str) -> tuple[float, bool]:
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if not match:
                raise self.fail(context, f"spread {value!r}: give a number (value units) or "
                                         "a percentage like 20%")
            return float(match.group(1)) / 100.0, True
        sd = self.number(value, context, "spread")
        if sd < 0:
            raise self.fail(context, f"spread must not be negative, got {value!r}")
        return sd, False



def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _series(sketch: dict, check: _Checker, groups: list[str]) -> list[Series]:
    """Expand and validate the ``series`` entries."""
    entries = sketch.get("series")
    if not isinstance(entries, list) or not entries:
        raise check.fail("", "'series' must be a list of series (each with at least "
                             "'typical'); see the README, 'No data yet: a sketch'")
    top = {k: sketch[k] for k in SETTINGS if k in sketch}
    out: list[Series] = []
    seen: dict[tuple[str, ...], int] = {}
    for i, entry in enumerate(entries, start=1):
        context = f"series {i}: "
        if not isinstance(entry, dict):
            raise check.fail(context, f"expected a mapping (typical: ..., spread: ...), got "
                                      f"{entry!r}")
        check.known(entry, SETTINGS | set(groups), context)
        settings = {**DEFAULTS, **top, **{k: v for k, v in entry.items() if k in SETTINGS}}
        if "typical" not in settings:
            raise check.fail(context, "missing 'typical' (the typical value: a number, 24 "
                                      "hourly values or {hour: value} anchors)")
        missing = [g for g in groups if g not in entry]
        if missing:
            raise check.fail(context, f"missing '{missing[0]}' (a name or a list of names; "
                                      "it is one of columns.groups)")
        choices = [[check.label(v, context, g) for v in _as_list(entry[g])] for g in groups]
        if any(not c for c in choices):
            raise check.fail(context, "an identifying list is empty")
        shape = check.shape(settings["typical"], context)
        weekly = check.weekly(settings["weekly"], context)
        spread, relative = check.spread(settings["spread"], context)
        memory = check.number(settings["memory"], context, "memory")
        if not 0 <= memory < 1:
            raise check.fail(context, f"memory must be from 0 (none) to below 1, got {memory}")
        low = None if settings["min"] is None else check.number(settings["min"], context, "min")
        high = None if settings["max"] is None else check.number(settings["max"], context, "max")
        if low is not None and high is not None and low > high:
            raise check.fail(context, f"min ({low:g}) is above max ({high:g})")
        level = np.outer(weekly, shape)
        for bound, bad, word in ((low, level < (low or 0), "below min"),
                                 (high, level > (high or 0), "above max")):
            if bound is not None and bad.any():
                raise check.fail(context, f"the typical value is {word} ({bound:g}) at some "
                                          "hour; change typical, weekly or the bound")
        integer = check.flag(settings["integer"], context, "integer")
        for combo in itertools.product(*choices):
            if combo in seen:
                name = ", ".join(f"{g}={v}" for g, v in zip(groups, combo))
                raise check.fail(context, f"series {name or '(single)'} is already given by "
                                          f"series {seen[combo]}; give each series once")
            seen[combo] = i
            out.append(Series(dict(zip(groups, combo)), shape, weekly, spread, relative,
                              memory, low, high, integer))
    integers = {s.integer for s in out}
    if len(integers) > 1:
        raise check.fail("", "integer must be the same for every series (one value column)")
    return out


def _columns(sketch: dict, check: _Checker) -> tuple[str, str, list[str]]:
    columns = sketch.get("columns") or {}
    if not isinstance(columns, dict):
        raise check.fail("", "columns must be a mapping like {time: date, value: value, "
                             "groups: [station, pollutant]}")
    check.known(columns, COLUMN_KEYS, "columns: ")
    time = check.label(columns.get("time", "time"), "columns: ", "time")
    value = check.label(columns.get("value", "value"), "columns: ", "value")
    groups = [check.label(g, "columns: ", "groups") for g in _as_list(columns.get("groups", []))]
    names = [time, value, *groups]
    if len(set(names)) != len(names):
        raise check.fail("columns: ", f"names must all differ, got {names}")
    reserved = (TOP_KEYS | SETTINGS) & set(groups)
    if reserved:
        raise check.fail("columns: ", f"a group cannot be called '{sorted(reserved)[0]}' "
                                      "(a sketch key); rename it")
    return time, value, groups


def _grid(sketch: dict, check: _Checker) -> pd.DatetimeIndex:
    freq_text = str(sketch.get("freq", "h"))
    try:
        offset = to_offset(freq_text)
        nanos = pd.Timedelta(offset).value  # fixed steps only (not months, weeks...)
    except (ValueError, TypeError):
        offset, nanos = None, 0
    if offset is None or not 0 < nanos <= 86_400 * 10**9:
        raise check.fail("", f"freq {freq_text!r}: use a step of one day or less "
                             "(h, 30min, 15min, D)")
    days = sketch.get("days", 28)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise check.fail("", f"days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
    try:
        start = pd.Timestamp(sketch.get("start", "2024-01-01"))
    except (ValueError, TypeError):
        start = pd.NaT
    if pd.isna(start):
        raise check.fail("", f"start {sketch.get('start')!r} is not a date (try 2024-01-01)")
    steps = int(days * 86_400 * 10**9 // nanos)
    if steps < 2:
        raise check.fail("", "the sketch gives fewer than 2 time steps; raise days")
    return pd.date_range(start, periods=steps, freq=offset)


def _shared(sketch: dict, check: _Checker, groups: list[str]) -> dict[str, float]:
    shared = sketch.get("shared") or {}
    if not isinstance(shared, dict):
        raise check.fail("", f"shared must be a mapping {{column: share}}, got {shared!r}")
    check.known(shared, set(groups), "shared: ")
    out = {}
    for column, share in shared.items():
        share = check.number(share, "shared: ", str(column))
        if not 0 <= share < 1:
            raise check.fail("shared: ", f"{column} must be a share from 0 to below 1")
        out[str(column)] = share
    if sum(out.values()) >= 1:
        raise check.fail("shared: ", "the shares must add up to less than 1 (the rest is "
                                     "each series' own noise)")
    return out


# --------------------------------------------------------------------------- drawing
def _ar1(rng: np.random.Generator, n: int, memory: float) -> np.ndarray:
    """A stationary unit-variance AR(1) path."""
    shocks = rng.standard_normal(n) * np.sqrt(1 - memory**2)
    x = np.empty(n)
    x[0] = rng.standard_normal()
    for t in range(1, n):
        x[t] = memory * x[t - 1] + shocks[t]
    return x


def sketch_table(
    sketch: str | os.PathLike | dict, seed: int | None = None, verbose: bool = False
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draw the pseudo-sample a sketch describes.

    Args:
        sketch: a sketch file (YAML; a missing path falls back to the shipped sketch of that
            name) or the already-loaded dict.
        seed: overrides the sketch's ``seed``.
        verbose: print one line saying what was drawn.

    Returns:
        ``(table, roles)``: a long table (group columns, time, value; one row per series
        per step, sorted by series then time) and its roles
        ``{"time": ..., "groups": [...], "value": ..., "knowledge": ...}`` for
        :meth:`Synthesizer.fit` (``knowledge``: the sketch's ``yearly`` and ``holidays``
        parsed by :func:`datamime.knowledge.parse`, or None).

    Raises:
        DataError: the sketch is malformed (the message names the key and what to do).
    """
    if isinstance(sketch, dict):
        raw, where = sketch, "(dict)"
    else:
        path = sketch_path(sketch)
        raw, where = load_sketch(path), str(path)
    check = _Checker(where)
    check.known(raw, TOP_KEYS | SETTINGS, "")
    time, value, groups = _columns(raw, check)
    index = _grid(raw, check)
    series = _series(raw, check, groups)
    shared = _shared(raw, check, groups)
    given = {k: raw[k] for k in KNOWLEDGE_KEYS if k in raw}
    know = knowledge.parse(given, f"sketch {where}") if given else None
    if know is not None:
        knowledge.check_columns(know, groups, {})
    if len(index) * len(series) > MAX_CELLS:
        raise check.fail("", f"{len(series)} series x {len(index)} steps is too large; "
                             "lower days")
    draw_seed = raw.get("seed", 0) if seed is None else seed
    if isinstance(draw_seed, bool) or not isinstance(draw_seed, int):
        raise check.fail("", f"seed must be a whole number, got {draw_seed!r}")
    rng = np.random.default_rng(draw_seed)

    n = len(index)
    minute = (index.hour * 60 + index.minute).to_numpy()
    daily = pd.Timedelta(index.freq).value >= 86_400 * 10**9
    dow = index.dayofweek.to_numpy()
    if know is not None and know["holidays"] is not None:  # a holiday is drawn like a Sunday
        dow = np.where(knowledge.is_holiday(know["holidays"], index), know["holidays"]["like"], dow)
    factors = {}
    for column in shared:
        for name in dict.fromkeys(s.keys[column] for s in series):
            driven = [s.memory for s in series if s.keys[column] == name]
            factors[column, name] = _ar1(rng, n, float(np.mean(driven)))
    own = 1.0 - sum(shared.values())
    frames = []
    for s in series:
        shape = np.full(n, s.shape.mean()) if daily else s.shape[minute]
        level = shape * s.weekly[dow]
        sd = s.spread * np.abs(level) if s.relative else np.full(n, s.spread)
        z = np.sqrt(own) * _ar1(rng, n, s.memory)
        for column, share in shared.items():
            z += np.sqrt(share) * factors[column, s.keys[column]]
        values = np.clip(level + sd * z, s.low, s.high)
        if s.integer:
            values = np.clip(np.round(values), s.low, s.high)
        frames.append(pd.DataFrame({**{g: s.keys[g] for g in groups}, time: index,
                                    value: values.astype(np.int64) if s.integer else values}))
    table = pd.concat(frames, ignore_index=True).sort_values([*groups, time], kind="stable")
    table = table.reset_index(drop=True)
    if verbose:
        print(f"datamime: sketch {where}: drew {len(series)} series x {n:,} steps "
              f"({raw.get('days', 28)} days, {index.freqstr}) as the sample")
    return table, {"time": time, "groups": groups, "value": value, "knowledge": know}


__all__ = ["sketch_table", "load_sketch", "sketch_path", "shipped_sketches"]
