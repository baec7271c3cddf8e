"""The chain of per-series maps between a panel's values and a network's scores.

:class:`ValueChain` is fitted on the sample and run both ways: ``fit`` takes values to
the normal scores a network trains on, :meth:`ValueChain.values` takes a network's
innovations back to values on any date range, and :meth:`ValueChain.mixed` gives new
series their peers' maps. One object, so fitting, sampling, new series and saving
cannot drift apart (they once did: new series lost the weekday offsets of the profile).

Forward: values -> scaled (:class:`SeriesScaler`) -> less the seasonal profile
(:class:`SeasonalProfile`: the *level*) -> over its seasonal spread (:meth:`spread`) ->
AR(1) innovations (:class:`Prewhitener`) -> normal scores (:class:`MarginalCopula`).
Back: innovations less their bias -> AR filter -> anchored (:meth:`anchor`) ->
day-coloured (:class:`DayColouring`) -> times the seasonal spread -> level map
(:class:`LevelMap`) -> plus the profile -> softly bounded (:meth:`bound`) -> values.
Shapes: ``T`` steps, ``G`` series.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from datamime.data.profile import SeasonalProfile
from datamime.data.transforms import MarginalCopula, Prewhitener, SeriesScaler
from datamime.models.numpy_nets import ndtr
from datamime.models.recolour import DayColouring, LevelMap, moving_mean
from datamime.timegrid import steps_per_day

# Largest AR(1) coefficient a tiny sample may set: memory of ~10 steps.
TINY_MAX_PHI = 0.9
# Days of sample below which the daily means' covariance is not matched (DayColouring).
DAY_COLOUR_DAYS = 7
# Range of the level's seasonal spread, relative to its mean (see ValueChain.spread).
SPREAD_LIMITS = (0.25, 4.0)
# A series with more of its sample than this on its minimum (commits per hour: most hours
# at 0) keeps one spread: its quiet hours are a pile on the bound, which the level map
# keeps, not smaller swings; scaled, its busy hours came out twice as rough as real.
SPREAD_MAX_AT_MIN = 0.5


class Stages(NamedTuple):
    """The sample at each stage of the forward chain, ``[T, G]`` with NaN gaps."""

    level: np.ndarray  # scaled, less the profile, over its seasonal spread
    innovations: np.ndarray  # AR(1) innovations of the level
    scores: np.ndarray  # normal scores of the innovations (the innovations if no copula)


@dataclass
class ValueChain:
    """Fitted maps of every series (see the module docstring for their order).

    ``bounds``: ``[2, G]`` sample min / max in the scaled units, kept softly within
    ``margin`` of their width (None: unbounded). ``anchor_days``, ``sample_steps``: see
    :meth:`anchor`. ``bias``: each series' mean innovation in a long free run of the
    network, taken out before the AR filter.
    """

    freq: str
    scaler: SeriesScaler
    profile: SeasonalProfile
    whitener: Prewhitener
    copula: MarginalCopula | None
    bounds: np.ndarray | None
    margin: float | None
    anchor_days: float | None
    sample_steps: int | None
    bias: np.ndarray
    day_colour: DayColouring | None = None
    level_map: LevelMap | None = None
    scale: SeasonalProfile | None = None  # the level's mean absolute value by season...
    scale_mean: np.ndarray | None = None  # ... less its overall mean, this ([G])

    @classmethod
    def fit(cls, values: np.ndarray, index: pd.DatetimeIndex, freq: str, periods: list[str], *,
            transform: str = "auto", profile_shapes: int = 2, ar: bool = True,
            copula: bool = True, margin: float | None = 0.25,
            anchor_days: float | None = 7.0, tiny: bool = False,
            seasonal_scale: bool = True) -> tuple[ValueChain, Stages]:
        """Fit on ``[T, G]`` ``values`` (NaN gaps) on ``index``; ``periods``: the cycles
        the profile takes out (none: no profile); ``tiny``: a sample too short to tell
        memory beyond a few steps (the AR coefficient is capped); ``seasonal_scale``:
        the level is divided by its seasonal spread (see :meth:`spread`)."""
        scaler = SeriesScaler.fit(values, transform)
        z = scaler.transform(values)
        with warnings.catch_warnings():  # an all-NaN series has no range: left unbounded
            warnings.simplefilter("ignore", RuntimeWarning)
            bounds = np.stack([np.nanmin(z, axis=0), np.nanmax(z, axis=0)])
        profile = SeasonalProfile.fit(z, index, freq, periods, shared=profile_shapes)
        level = z - profile.at(index)
        scale = scale_mean = None
        if seasonal_scale and periods:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                scale_mean = np.nan_to_num(np.nanmean(np.abs(level), axis=0))
                at_min = np.nanmean(np.where(np.isfinite(z), z <= bounds[0] + 1e-9, np.nan), 0)
            # a pile on the minimum keeps one spread: no deviation from its mean anywhere
            deviation = np.where(at_min > SPREAD_MAX_AT_MIN, 0.0, np.abs(level) - scale_mean)
            scale = SeasonalProfile.fit(deviation, index, freq, periods)
            level = level / _spread(scale, scale_mean, index)
        whitener = Prewhitener.fit(level) if ar else Prewhitener(np.zeros(level.shape[1]))
        if tiny:
            whitener.phi = np.minimum(whitener.phi, TINY_MAX_PHI)
        e = whitener.transform(level)
        marginal = MarginalCopula.fit(e) if copula else None
        scores = marginal.transform(e) if marginal is not None else e
        chain = cls(freq=freq, scaler=scaler, profile=profile, whitener=whitener,
                    copula=marginal, bounds=bounds, margin=margin, anchor_days=anchor_days,
                    sample_steps=len(index), bias=np.zeros(level.shape[1]),
                    scale=scale, scale_mean=scale_mean)
        return chain, Stages(level, e, scores)

    def fit_level_maps(self, level: np.ndarray, e: np.ndarray, burn: int,
                       day_colour: bool = True, level_map: bool = True,
                       max_series: int = 1000, index: pd.DatetimeIndex | None = None,
                       free_index: pd.DatetimeIndex | None = None) -> None:
        """Fit :attr:`day_colour` and :attr:`level_map`: the sample's ``level``
        (:attr:`Stages.level`, on ``index``) against the levels of a long free run, as
        sampling makes them from its innovations ``e`` (``[B + T, G]``, ``burn`` = ``B``,
        the run after its burn-in on ``free_index``): the AR filter over the whole run,
        the burn-in dropped, anchored, day-coloured (on a daily or coarser grid the
        "daily means" are the levels themselves), then times the seasonal spread for the
        level map, which maps each series' levels as they come out."""
        free = self.anchor(self.whitener.inverse(e - self.bias)[burn:])
        per_day = steps_per_day(self.freq)
        days = np.isfinite(level).any(axis=1).sum() / per_day
        if day_colour and days >= DAY_COLOUR_DAYS \
                and 1 < level.shape[1] <= max_series:
            self.day_colour = DayColouring.fit(level, free, per_day)
            free = self.day_colour.apply(free)
        if level_map:
            if self.scale is not None:
                if index is None or free_index is None:
                    raise ValueError("a chain with a seasonal spread needs both indexes")
                level, free = level * self.spread(index), free * self.spread(free_index)
            self.level_map = LevelMap.fit(level, free)

    # ---------------------------------------------------------------- inverse
    def innovations(self, scores: np.ndarray) -> np.ndarray:
        """Normal scores -> innovations through each series' quantiles (a numpy normal
        CDF instead of scipy's: same numbers to 1e-7, and the sampling path never imports
        ``scipy.stats``, 1-2 s of a cold start; ``tests/test_scale.py`` checks both)."""
        if self.copula is None:
            return scores
        u = ndtr(scores)
        out = np.empty_like(scores)
        for g in range(scores.shape[1]):
            out[:, g] = np.interp(u[:, g], self.copula.probs, self.copula.quantiles[:, g])
        return out - self.copula.quantiles.mean(axis=0)

    def values(self, e: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
        """Innovations ``[B + T, G]`` (a burn-in of ``B`` steps before ``index``) ->
        ``[T, G]`` values in the sample's units."""
        z = self.anchor(self.whitener.inverse(e - self.bias)[len(e) - len(index):])
        if self.day_colour is not None:
            z = self.day_colour.apply(z)
        if self.scale is not None:
            z = z * self.spread(index)
        if self.level_map is not None:
            z = self.level_map.apply(z)
        return self.scaler.inverse(self.bound(z + self.profile.at(index)))

    def spread(self, index: pd.DatetimeIndex) -> np.ndarray:
        """``[T, G]`` seasonal spread of each series' level on ``index``, relative to its
        mean (1: none fitted): its mean absolute value at that hour of the day and day
        of the week, as a profile, shrunk like one, within :data:`SPREAD_LIMITS`.

        A level of one spread at every hour spreads a quiet hour's values as widely as a
        busy one's: demand at 4 am, irradiance at dawn, pizzas at opening time. A series'
        memory and its links to others are learned on the level over its spread; one
        with most of its sample on its minimum (:data:`SPREAD_MAX_AT_MIN`) has none.
        """
        if self.scale is None or self.scale_mean is None:
            return np.ones((len(index), len(self.bias)))
        return _spread(self.scale, self.scale_mean, index)

    def anchor(self, z: np.ndarray) -> np.ndarray:
        """The AR level ``z`` (``[T, G]``) less its centred moving mean over ``anchor_days``.

        The AR(1) filter fitted on a few days extrapolates persistence to every time
        scale: over a year a persistent series' monthly means wandered by up to 0.7 of
        its standard deviation, and its spread grew past the sample's. What a sample
        shorter than the span cannot show (swings slower than a week) is left out; a
        range no longer than the span is untouched. Each series' mean stays 0.
        """
        if not self.anchor_days:
            return z
        # never shorter than the sample: what it shows (a month of swings) is kept
        span = max(round(self.anchor_days * steps_per_day(self.freq)), self.sample_steps or 0)
        if span < 2 or len(z) <= span:
            return z
        out = z - moving_mean(z, span)
        return out - out.mean(axis=0) + z.mean(axis=0)

    def bound(self, x: np.ndarray) -> np.ndarray:
        """``x`` (``[T, G]``, scaled) softly kept within each series' sample range
        widened by ``margin`` of it on either side.

        Inside the sample's range nothing changes; beyond it, the excess is squashed
        (``tanh``) so values approach the widened bound without piling up on it. A long
        persistent run could otherwise wander far out (one SO2 series of the Atmo sample,
        at most 9 in the sample, reached 152 in a generated year through the log scale).
        """
        if self.margin is None or self.bounds is None:
            return x
        lo, hi = self.bounds
        ok = np.isfinite(lo) & np.isfinite(hi)
        lo, hi = np.where(ok, lo, 0.0), np.where(ok, hi, 0.0)
        room = np.maximum(self.margin * (hi - lo), 1e-9)
        over, under = np.maximum(x - hi, 0.0), np.maximum(lo - x, 0.0)
        squashed = x - over + room * np.tanh(over / room) + under - room * np.tanh(under / room)
        return np.where(ok, squashed, x)

    # ------------------------------------------------------------- new series
    def mixed(self, w: np.ndarray, mix: Callable[[np.ndarray], np.ndarray]) -> ValueChain:
        """The chain of the series ``w`` (``[G', G]``) mixes: each map's settings are the
        weighted settings of the sample's series; ``mix`` weights a ``[G]`` setting and
        keeps it near the range of the series' peers (see ``DeepGenerator.derive``)."""
        sc = self.scaler
        return replace(
            self,
            scaler=SeriesScaler(log=sc.log, level=np.exp(mix(np.log(sc.level))),
                                mean=mix(sc.mean), std=np.clip(mix(sc.std), 0.0, None)),
            profile=self.profile.mixed(w),
            whitener=Prewhitener(phi=np.clip(mix(self.whitener.phi), 0.0, 0.98)),
            copula=None if self.copula is None else MarginalCopula(
                probs=self.copula.probs, quantiles=np.sort(self.copula.quantiles @ w.T, axis=0)),
            bias=w @ self.bias,
            bounds=None if self.bounds is None else np.stack([mix(b) for b in self.bounds]),
            day_colour=None if self.day_colour is None
            else self.day_colour.extended(len(w) - len(self.bias)),
            level_map=None if self.level_map is None else self.level_map.mixed(w),
            scale=None if self.scale is None else self.scale.mixed(w),
            scale_mean=None if self.scale_mean is None else np.clip(mix(self.scale_mean), 0, None),
        )

    # ------------------------------------------------------------- persistence
    def get_state(self) -> dict[str, Any]:
        """Plain state; the keys are those models saved before the chain was one object."""
        return {
            "freq": self.freq, "scaler": self.scaler.get_state(),
            "profile": self.profile.get_state(), "whitener": self.whitener.get_state(),
            "copula": None if self.copula is None else self.copula.get_state(),
            "bounds": self.bounds, "margin": self.margin, "anchor_days": self.anchor_days,
            "sample_steps": self.sample_steps, "bias": np.asarray(self.bias),
            "day_colour": None if self.day_colour is None else self.day_colour.get_state(),
            "level_map": None if self.level_map is None else self.level_map.get_state(),
            "scale": None if self.scale is None else self.scale.get_state(),
            "scale_mean": None if self.scale_mean is None else np.asarray(self.scale_mean),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ValueChain:
        """Rebuild from :meth:`get_state` (or an older model's state: keys added since
        are absent there and read as off)."""
        bounds, dc, lm = state.get("bounds"), state.get("day_colour"), state.get("level_map")
        scale, scale_mean = state.get("scale"), state.get("scale_mean")
        return cls(
            freq=state["freq"], scaler=SeriesScaler.from_state(state["scaler"]),
            profile=SeasonalProfile.from_state(state["profile"]),
            whitener=Prewhitener.from_state(state["whitener"]),
            copula=state["copula"] and MarginalCopula.from_state(state["copula"]),
            bounds=None if bounds is None else np.asarray(bounds, dtype=np.float64),
            margin=state.get("margin"), anchor_days=state.get("anchor_days"),
            sample_steps=state.get("sample_steps"),
            bias=np.asarray(state["bias"], dtype=np.float64),
            day_colour=None if dc is None else DayColouring.from_state(dc),
            level_map=None if lm is None else LevelMap.from_state(lm),
            scale=None if scale is None else SeasonalProfile.from_state(scale),
            scale_mean=None if scale_mean is None else np.asarray(scale_mean, dtype=np.float64),
        )


def _spread(scale: SeasonalProfile, mean: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    """See :meth:`ValueChain.spread`."""
    safe = np.where(mean > 0, mean, 1.0)
    ratio = np.where(mean > 0, (mean + scale.at(index)) / safe, 1.0)
    return np.clip(ratio, *SPREAD_LIMITS)
