"""Output constraints: small composable maps from generated values to generated values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd


class Constraint(Protocol):
    """Maps an array of generated values to one that satisfies the constraint."""

    def __call__(self, values: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class NonNegative:
    """Clips values below zero to zero."""

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.maximum(values, 0.0)


@dataclass(frozen=True)
class Integer:
    """Rounds to whole numbers (half to even, as numpy does)."""

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.round(values)


@dataclass(frozen=True)
class Decimals:
    """Rounds to ``places`` decimals: the precision the sample was given in."""

    places: int

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.round(values, self.places)


# More decimals than this and a sample is taken as full precision (computed, not typed).
MAX_DECIMALS = 6


def decimals(values: np.ndarray) -> int | None:
    """How many decimals the finite ``values`` are written with (0 for whole numbers), or
    None past :data:`MAX_DECIMALS` (measured or computed values: kept at full precision)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    tol = 1e-9 * np.maximum(np.abs(v), 1.0)
    for places in range(MAX_DECIMALS + 1):
        if np.all(np.abs(v - np.round(v, places)) <= tol):
            return places
    return None


def _pair(value: Any, where: str) -> tuple[float, float]:
    """``[low, high]`` (either may be null) -> floats, -inf / inf for an open side."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"bounds{where}: give [low, high] (null for an open side), "
                         f"got {value!r}")
    out = []
    for side, v, open_ in zip(("low", "high"), value, (-np.inf, np.inf), strict=True):
        if v is None:
            out.append(open_)
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
            raise ValueError(f"bounds{where}: {side} must be a number or null, got {v!r}")
        else:
            out.append(float(v))
    if out[0] > out[1]:
        raise ValueError(f"bounds{where}: low {out[0]:g} is above high {out[1]:g}")
    return out[0], out[1]


def stated_bounds(spec: Any, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """``[G]`` low / high bounds the user states, for the series ``keys`` (``[G, C]``).

    ``spec``: None (none); ``[low, high]`` for every series; or ``{label: [low, high]}``
    where a label is a value of any identifying column (a value column's name in the
    wide layout, ``humidity``; a pollutant, ``O3``). A series matching several labels
    gets all their bounds at once (the narrowest); either side may be null (open).

    Raises:
        ValueError: a malformed pair, or a label no series has.
    """
    if spec is None:
        return None
    g = len(keys)
    low, high = np.full(g, -np.inf), np.full(g, np.inf)
    if not isinstance(spec, Mapping):
        lo, hi = _pair(spec, "")
        return np.full(g, lo), np.full(g, hi)
    labels = keys.astype(str).to_numpy()  # [G, C]
    for label, pair in spec.items():
        lo, hi = _pair(pair, f".{label}")
        hit = (labels == str(label)).any(axis=1) if labels.size else np.zeros(g, bool)
        if not hit.any():
            known = sorted({v for col in labels.T for v in col})[:8]
            raise ValueError(f"bounds.{label}: no series has the value {label!r} "
                             f"(values: {', '.join(known) or 'none: one series'}; "
                             "or give [low, high] for every series)")
        low[hit], high[hit] = np.maximum(low[hit], lo), np.minimum(high[hit], hi)
    if (low > high).any():
        raise ValueError("bounds: the bounds given to one series do not overlap")
    return low, high


def clip_stated(values: np.ndarray, bounds: tuple[np.ndarray, np.ndarray] | None,
                whole: np.ndarray | None = None) -> np.ndarray:
    """``[T, G]`` values within the stated ``bounds``; series marked ``whole`` (``[G]``)
    within the whole numbers inside them (a bound of 99.5 on counts is 99)."""
    if bounds is None:
        return values
    low, high = bounds
    if whole is not None:
        low = np.where(whole, np.ceil(low), low)
        high = np.where(whole, np.floor(high), high)
    return np.clip(values, low, high)


# A sample "sits on" its minimum (maximum) when values pile up there: at least this many
# of its values, and this share of them, equal it, and at least PILE times as many as equal
# the next value in. Humidity readings at exactly 100 %, irradiance at 0 every night, a
# car park full are bounds; a rounded temperature whose lowest reading came up three
# times (and the next one as often) is not, nor is a single extreme reading.
SIT_MIN_COUNT = 3
SIT_MIN_SHARE = 0.005
PILE = 2.0


def _sits(values: np.ndarray, extreme: float) -> bool:
    n = values.size
    at = np.isclose(values, extreme, rtol=1e-9, atol=1e-12)
    hits = int(at.sum())
    if n == 0 or hits < max(SIT_MIN_COUNT, SIT_MIN_SHARE * n) or hits == n:
        return hits == n and n >= SIT_MIN_COUNT  # a constant series sits on its value
    rest = values[~at]
    nxt = rest[np.argmin(np.abs(rest - extreme))]
    return hits >= PILE * int(np.isclose(rest, nxt, rtol=1e-9, atol=1e-12).sum())


def sitting_bounds(values: np.ndarray, columns: np.ndarray | None = None,
                   new: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The bounds each series' sample sits on: ``(low, high)``, ``[G]`` each, NaN for none.

    Args:
        values: ``[T, G]`` sample values, NaN for gaps.
        columns: ``[G]`` the value column (or any label) each series belongs to; a bound
            the series of one label sit on together (humidity at 100 % at some stations)
            holds for every series of that label. None: each series on its own.
        new: ``[N]`` the labels of new series (not in the sample) appended after the
            sample's: each gets the bound all the sample's series of its label sit on.

    A series' own bound is its minimum (maximum) when it sits on it (see
    :data:`SIT_MIN_COUNT`, :data:`SIT_MIN_SHARE`); a label's bound is the minimum
    (maximum) of all its series when they sit on it together. The tighter one wins.
    """
    v = np.asarray(values, dtype=np.float64)
    g = v.shape[1]
    low, high = np.full(g, np.nan), np.full(g, np.nan)
    for j in range(g):
        x = v[:, j][np.isfinite(v[:, j])]
        if x.size:
            if _sits(x, x.min()):
                low[j] = x.min()
            if _sits(x, x.max()):
                high[j] = x.max()
    if columns is None:
        return low, high
    labels = np.asarray(columns)
    for label in np.unique(labels):
        cols = labels == label
        x = v[:, cols][np.isfinite(v[:, cols])]
        if not x.size:
            continue
        if _sits(x, x.min()):
            low[cols] = np.fmax(low[cols], x.min())
        if _sits(x, x.max()):
            high[cols] = np.fmin(high[cols], x.max())
    if new is None or not len(new):
        return low, high
    new = np.asarray(new)
    new_low, new_high = np.full(len(new), np.nan), np.full(len(new), np.nan)
    for label in np.unique(new):
        seen = labels == label
        if seen.any():
            lo, hi = sitting_bounds(v[:, seen].reshape(-1, 1))
            new_low[new == label], new_high[new == label] = lo[0], hi[0]
    return np.concatenate([low, new_low]), np.concatenate([high, new_high])


def parse_flag(value: bool | str | None, name: str) -> bool | None:
    """``auto``/None -> None; true/false in the usual spellings -> bool; else ValueError."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "auto":
        return None
    if text in {"true", "yes", "1", "on"}:
        return True
    if text in {"false", "no", "0", "off"}:
        return False
    raise ValueError(f"{name} must be auto, true or false, got {value!r}")


def resolve(
    integer: bool | str | None, positive: bool | str | None, sample_integer: bool,
    sample_min: float, sample_decimals: int | None = None,
) -> list[Constraint]:
    """The constraints to apply, ``auto`` meaning "as the sample".

    Args:
        integer: whole numbers; ``auto``: if every sample value is whole.
        positive: no negative values; ``auto``: if no sample value is negative.
        sample_integer, sample_min: what the sample showed.
        sample_decimals: the sample's decimals (see :func:`decimals`); values that are
            not made whole are rounded to as many (a temperature given to 0.1 degree
            comes out to 0.1 degree), unless None.
    """
    want_int = parse_flag(integer, "integer")
    want_pos = parse_flag(positive, "positive")
    out: list[Constraint] = []
    if want_pos if want_pos is not None else sample_min >= 0:
        out.append(NonNegative())
    if want_int if want_int is not None else sample_integer:
        out.append(Integer())
    elif sample_decimals:
        out.append(Decimals(sample_decimals))
    return out


def apply(values: np.ndarray, constraints: list[Constraint]) -> np.ndarray:
    """Applies constraints in order."""
    for c in constraints:
        values = c(values)
    return values
