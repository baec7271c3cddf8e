"""Output constraints: small composable maps from generated values to generated values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


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


@dataclass(frozen=True)
class Bounds:
    """Clips values into ``[low, high]`` (either side may be None)."""

    low: float | None = None
    high: float | None = None

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.clip(values, self.low, self.high)


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
