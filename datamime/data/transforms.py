"""Calendar features and per-series value scaling, each with fit / transform / inverse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

DAY = pd.Timedelta("1D")
# Period name -> (length, how much of it the sample must span before the cycle can be learned).
PERIODS = {"day": (DAY, DAY), "week": (7 * DAY, 14 * DAY), "year": (365.25 * DAY, 730 * DAY)}


def learnable_periods(index: pd.DatetimeIndex, freq: str) -> list[str]:
    """Calendar cycles the sample can teach: finer than one step, and seen long enough.

    A cycle the sample never covers (a weekly pattern in three days of data) is left
    out rather than extrapolated, which is what keeps long generations from drifting.
    """
    step = pd.tseries.frequencies.to_offset(freq)
    try:
        step_td = pd.Timedelta(step)
    except ValueError:  # month/quarter/year offsets have no fixed length
        step_td = {"M": 30, "Q": 91, "Y": 365}.get(step.name[:1], 30) * DAY
    span = index[-1] - index[0] + step_td if len(index) else pd.Timedelta(0)
    return [name for name, (length, need) in PERIODS.items() if step_td < length and span >= need]


def calendar_features(
    index: pd.DatetimeIndex, periods: list[str], harmonics: int = 3
) -> np.ndarray:
    """Sine/cosine harmonics of the position of each timestamp in each period.

    Returns:
        ``[T, F]`` float32 with ``F = 2 * harmonics * len(periods)`` (``F`` may be 0).
    """
    index = pd.DatetimeIndex(index)
    seconds = (index - index.normalize()).total_seconds().to_numpy()
    phases = {
        "day": seconds / 86400.0,
        "week": (index.dayofweek.to_numpy() + seconds / 86400.0) / 7.0,
        "year": (index.dayofyear.to_numpy() - 1 + seconds / 86400.0) / 365.25,
    }
    cols = []
    for name in periods:
        for k in range(1, harmonics + 1):
            angle = 2 * np.pi * k * phases[name]
            cols += [np.sin(angle), np.cos(angle)]
    if not cols:
        return np.zeros((len(index), 0), dtype=np.float32)
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass
class SeriesScaler:
    """Per-series affine scaling, after an optional ``log1p`` for non-negative data.

    ``z = (log1p(y / c) - mean) / std`` (or ``(y - mean) / std`` without the log), with
    ``c`` the series' mean level, so skewed, bursty, non-negative series (pollutant
    counts, sales) become closer to Gaussian. A constant series keeps ``std = 0`` and is
    reproduced exactly by :meth:`inverse`.
    """

    log: bool
    level: np.ndarray  # [G]
    mean: np.ndarray  # [G]
    std: np.ndarray  # [G]

    @classmethod
    def fit(cls, values: np.ndarray, transform: str = "auto") -> SeriesScaler:
        """Fit on ``[T, G]`` values with NaN gaps. ``transform``: ``auto``, ``log1p`` or ``none``."""
        if transform not in {"auto", "log1p", "none"}:
            raise ValueError(f"transform must be auto, log1p or none, got {transform!r}")
        observed = values[~np.isnan(values)]
        non_negative = observed.size > 0 and observed.min() >= 0
        if transform == "log1p" and not non_negative:
            raise ValueError("transform='log1p' needs non-negative values")
        log = transform == "log1p" or (transform == "auto" and non_negative)
        with np.errstate(all="ignore"):
            level = np.nanmean(np.abs(values), axis=0)
        level = np.where(np.isfinite(level) & (level > 0), level, 1.0)
        z = np.log1p(values / level) if log else values
        with np.errstate(all="ignore"):
            mean = np.nan_to_num(np.nanmean(z, axis=0))
            std = np.nan_to_num(np.nanstd(z, axis=0))
        std = np.where(std > 1e-9 * np.maximum(1.0, np.abs(mean)), std, 0.0)
        return cls(log=bool(log), level=level, mean=mean, std=std)

    @property
    def safe_std(self) -> np.ndarray:
        return np.where(self.std > 0, self.std, 1.0)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``[T, G]`` values -> standardised values (NaN kept)."""
        z = np.log1p(values / self.level) if self.log else values
        return (z - self.mean) / self.safe_std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Standardised ``[..., G]`` values -> original units; constant series come back exact."""
        v = self.mean + self.std * z
        if self.log:
            v = np.expm1(v) * self.level
        return v

    def get_state(self) -> dict[str, Any]:
        return {
            "log": self.log,
            **{k: torch.as_tensor(getattr(self, k)) for k in ("level", "mean", "std")},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SeriesScaler:
        arrays = {k: state[k].numpy() for k in ("level", "mean", "std")}
        return cls(log=bool(state["log"]), **arrays)
