"""The deep generators' side of the :class:`~datamime.models.base.Generator` contract.

:class:`DeepGenerator` turns a :class:`~datamime.data.panel.Panel` into standardised
training windows with calendar features, trains a plain ``nn.Module`` (``ARRNN``,
``RecurrentVAE``...) through a thin LightningModule, and samples any date range.
"""

from __future__ import annotations

import copy
import functools
import importlib
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from datamime.data.panel import Panel
from datamime.data.transforms import (
    TINY_STEPS,
    InnovationPrior,
    MarginalCopula,
    Prewhitener,
    SeasonalProfile,
    SeriesScaler,
    calendar_features,
)
from datamime.data.values import extreme_values
from datamime.errors import SamplingError
from datamime.models.numpy_nets import ndtr, sampler
from datamime.models.recolour import TimeColouring, colouring
from datamime.series import SeriesPlan
from datamime.timegrid import learnable_periods, steps_per_day

if TYPE_CHECKING:
    from torch import nn

# Largest AR(1) coefficient a tiny sample (see TINY_STEPS) may set: memory of ~10 steps.
_TINY_MAX_PHI = 0.9
# Steps drawn in sequence per chunk when sampling a long range (at least 4 windows).
CHUNK_STEPS = 256
# Above this many series the [G, G] colouring map (see colouring) is left out: its memory
# and the per-step product grow with G^2.
MAX_COLOUR_SERIES = 1000

NETS = {
    "ar_rnn": "datamime.models.ar_rnn.ARRNN",
    "rvae": "datamime.models.rvae.RecurrentVAE",
}


def _import(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


# Lightning messages that say nothing to a datamime user.
LIGHTNING_NOISE = ("does not have many workers", "number of training batches", "litlogger",
                    "estimate number of stepping batches", "LeafSpec", "TPU available")


class _DropNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(noise in record.getMessage() for noise in LIGHTNING_NOISE)


def quiet_lightning_logs() -> None:
    for name in ("lightning.pytorch", "lightning.fabric"):
        for target in (logging.getLogger(name), *logging.getLogger(name).handlers):
            if not any(isinstance(f, _DropNoise) for f in target.filters):
                target.addFilter(_DropNoise())


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Temporarily run torch ops on ``n`` threads.

    Step-by-step sampling is thousands of tiny ops; on one thread each costs a few
    microseconds, on a pool it waits for the other threads (7x slower measured here).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _copula_inverse(copula: MarginalCopula, s: np.ndarray) -> np.ndarray:
    """:meth:`MarginalCopula.inverse` with a numpy normal CDF instead of scipy's.

    Same numbers to 1e-7; it spares the sampling path the import of ``scipy.stats``
    (1-2 s of a cold start). ``tests/test_scale.py`` checks both agree.
    """
    u = ndtr(s)
    out = np.empty_like(s)
    for g in range(s.shape[1]):
        out[:, g] = np.interp(u[:, g], copula.probs, copula.quantiles[:, g])
    return out - copula.quantiles.mean(axis=0)


class DeepGenerator:
    """A neural generator trained with Lightning on all series at once.

    Args:
        net: the network: a name (``"ar_rnn"``, ``"rvae"``), or a callable (a class or
            a ``functools.partial`` of one, as Hydra's ``_partial_: true`` gives) taking
            ``cardinalities`` and ``n_calendar`` as keyword arguments.
        lr, weight_decay: optimiser settings. batch_size: windows per batch.
        window: training window length in steps (default: two days, at least 48 steps,
            at most 336, never more than the sample).
        windows_per_epoch: windows drawn per epoch.
        transform: value transform before scaling: ``auto`` (``log1p`` when no value is
            negative), ``log1p`` or ``none``.
        harmonics: sine/cosine pairs per calendar cycle.
        profile: take each series' mean daily (or weekly, for daily data) profile out
            before training and put it back after sampling (see ``SeasonalProfile``).
        profile_shapes: the noisy part of each series' profile is shrunk towards its
            projection on this many daily shapes common to the series (0: towards 0).
        ar: model the innovations of a per-series AR(1) filter fitted by least squares,
            so each series keeps its sample's persistence (see ``Prewhitener``).
        copula: model normal scores of each series' innovations and map draws back
            through its empirical quantiles (see ``MarginalCopula``).
        margin: generated values stay softly within each series' sample range widened
            by this share of it on either side, in the transformed scale (``log1p`` for
            non-negative data); None: unbounded (see :meth:`_bound`).
        covariance: the network's draws (normal scores) are mapped linearly so that their
            cross-series covariance is the sample's, shrunk (see :func:`colouring`):
            series that move together in the sample keep doing so over long ranges.
        time_colour: the network's draws keep each series' sample autocorrelation, up to
            this many lags (see :class:`~datamime.models.recolour.TimeColouring`); 0: off.
        network: False replaces the trained network by Gaussian innovations with the
            sample's own cross-series correlation (the rest of the chain kept): the
            ablation baseline that shows what the network adds; nothing is trained.
        anchor_days: a range longer than this many days (or than the sample, if longer)
            keeps each series' level anchored: the level's centred moving mean over that
            span is taken out, so a year does not wander at time scales a short sample
            cannot show (None: off; see :meth:`_anchor`).
        cpu_threads: torch threads while training (None: torch's default). These
            networks gain nothing from a second thread here, and a thread pool slows
            down sharply (10x seen) as soon as anything else uses the machine.
        trainer: keyword arguments for ``lightning.pytorch.Trainer``
            (``max_epochs``, ``accelerator``, ``devices``, ``strategy``...).
        seed: seeds weights, windows and dropout.
    """

    def __init__(
        self,
        net: str | Callable[..., nn.Module] = "rvae",
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 4,
        window: int | None = None,
        windows_per_epoch: int = 128,
        transform: str = "auto",
        harmonics: int = 2,
        profile: bool = True,
        profile_shapes: int = 2,
        ar: bool = True,
        copula: bool = True,
        margin: float | None = 0.25,
        anchor_days: float | None = 7.0,
        covariance: bool = True,
        time_colour: int = 24,
        network: bool = True,
        cpu_threads: int | None = 1,
        trainer: dict[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(net, str):
            if net not in NETS:
                raise ValueError(f"unknown network {net!r}; choose one of {sorted(NETS)}")
            net = NETS[net]  # imported when training: loading and sampling need no torch
        self.net_factory = net
        self.lr, self.weight_decay, self.batch_size = lr, weight_decay, batch_size
        self.window, self.windows_per_epoch = window, windows_per_epoch
        self.transform, self.harmonics, self.use_profile = transform, harmonics, profile
        self.profile_shapes = profile_shapes
        self.use_ar, self.use_copula = ar, copula
        self.margin, self.anchor_days = margin, anchor_days
        self.network, self.use_covariance = network, covariance
        self.colour: np.ndarray | None = None  # [G, G], see colouring()
        self.time_order = int(time_colour)
        self.time_colour: TimeColouring | None = None
        self.bounds: np.ndarray | None = None  # [2, G] sample min / max, standardised
        self.sample_steps: int | None = None
        self.cpu_threads = cpu_threads
        self.trainer_kwargs = dict(trainer or {})
        self.seed = seed
        self.weights: dict[str, np.ndarray] | None = None  # the trained net's, float32
        self._net: nn.Module | None = None
        self.loss_history: list[float] = []

    # ----------------------------------------------------------------- fitting
    def _net_spec(self) -> tuple[str, dict[str, Any]]:
        factory, kwargs = self.net_factory, {}
        if isinstance(factory, str):
            return factory, kwargs
        if isinstance(factory, functools.partial):
            factory, kwargs = factory.func, dict(factory.keywords)
        return f"{factory.__module__}.{factory.__qualname__}", kwargs

    def fit(self, panel: Panel, verbose: bool = True) -> DeepGenerator:
        """Train on every series of ``panel`` at once."""
        import lightning.pytorch as pl  # imported here: sampling needs neither it nor torch
        import torch
        from torch.utils.data import DataLoader

        from datamime.data.dataset import WindowDataset
        from datamime.models.lit_module import GenerativeLitModule, LossHistory

        pl.seed_everything(self.seed, workers=True, verbose=False)
        self.freq = panel.freq
        # absurd readings (a broken sensor's 1e6 among values near 20) would set the
        # series' scale; they are learned as gaps (prepare reports them)
        values = np.where(extreme_values(panel), np.nan, panel.values)
        self.scaler = SeriesScaler.fit(values, self.transform)
        z = self.scaler.transform(values)  # [T, G]
        with warnings.catch_warnings():  # an all-NaN series has no range: left unbounded
            warnings.simplefilter("ignore", RuntimeWarning)
            self.bounds = np.stack([np.nanmin(z, axis=0), np.nanmax(z, axis=0)])  # [2, G]
        self.sample_steps = panel.n_steps
        self.periods = learnable_periods(panel.index, panel.freq)
        self.profile = SeasonalProfile.fit(z, panel.index, panel.freq,
                                           self.periods if self.use_profile else [],
                                           shared=self.profile_shapes)
        z = z - self.profile.at(panel.index)
        self.whitener = Prewhitener.fit(z) if self.use_ar else Prewhitener(np.zeros(z.shape[1]))
        n_observed = int(np.median((~np.isnan(values)).sum(0)))
        tiny = n_observed < TINY_STEPS
        if tiny:  # a few pairs cannot tell memory beyond a few steps
            self.whitener.phi = np.minimum(self.whitener.phi, _TINY_MAX_PHI)
        residual_var = np.nan_to_num(np.nanvar(z, axis=0)) if tiny else None
        z = e = self.whitener.transform(z)
        self.copula = MarginalCopula.fit(z) if self.use_copula else None
        if self.copula is not None:
            z = self.copula.transform(z)
        self.prior = None
        if tiny or not self.network:
            scores = z if self.copula is not None else e / np.nanstd(e, axis=0).clip(1e-12)
            if not tiny:  # network off: the innovations' own spread and correlation
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    e_var = np.nan_to_num(np.nanvar(e, axis=0))
                residual_var = (e_var if self.copula is not None else np.ones_like(e_var)) \
                    / (1 - self.whitener.phi ** 2)
            self.prior = InnovationPrior.fit(scores, e if self.copula is not None else None,
                                             self.whitener.phi, residual_var,
                                             shrink=0.5 if tiny else 0.0)
        cal = calendar_features(panel.index, self.periods, self.harmonics)  # [T, F]
        self.group_columns = panel.group_columns
        self.categories = {c: sorted(panel.keys[c].astype(str).unique()) for c in self.group_columns}
        self.codes = self._encode(panel.keys)
        n = panel.n_steps
        self.window_ = min(n, self.window or min(336, max(48, 2 * steps_per_day(panel.freq))))
        finite = np.abs(z[np.isfinite(z)])
        self.limit = float(1.5 * finite.max() + 1.0) if finite.size else 10.0

        path, kwargs = self._net_spec()
        self.net_class = path
        self.net_kwargs = {**kwargs, "cardinalities": [len(v) for v in self.categories.values()],
                           "n_calendar": cal.shape[1]}
        self.bias = np.zeros(panel.n_series)
        if not self.network:  # the ablation keeps every map but the network itself
            self.weights, self.loss_history = {}, []
            if self.time_order > 0 and self.copula is not None:
                draws = self.prior.draw(self._calibration_index(panel.index[0]).size,
                                        self.seed + 1)
                self.time_colour = TimeColouring.fit(z, draws, self.time_order)
            return self
        net = _import(path)(**self.net_kwargs)
        data = WindowDataset(z, cal, self.window_, self.windows_per_epoch, self.seed)
        loader = DataLoader(data, batch_size=self.batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(self.seed))
        lit = GenerativeLitModule(net, torch.as_tensor(self.codes), self.lr, self.weight_decay)
        history = LossHistory()
        kwargs = {"max_epochs": 15, "accelerator": "cpu", "logger": False,
                  "enable_checkpointing": False, "enable_model_summary": False,
                  "gradient_clip_val": 1.0, "log_every_n_steps": 1,
                  **self.trainer_kwargs}
        kwargs["enable_progress_bar"] = verbose and kwargs.get("enable_progress_bar", True)
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), history]
        quiet_lightning_logs()
        trainer = pl.Trainer(**kwargs)
        threads = self.cpu_threads or torch.get_num_threads()
        with warnings.catch_warnings(), torch_threads(threads):
            for noise in LIGHTNING_NOISE:
                warnings.filterwarnings("ignore", f".*{noise}.*")
            trainer.fit(lit, loader)
        self._net = lit.net.cpu().eval()
        self.weights = {k: v.detach().numpy().astype(np.float32)
                        for k, v in self._net.state_dict().items()}
        sampler(self.net_class, self.weights)  # fail now, not at sampling, for an unknown net
        self.loss_history = history.values
        if self.time_order > 0 or self.use_covariance:
            draws = self._scores(panel.index[0], self.seed + 1)
            if self.time_order > 0:
                self.time_colour = TimeColouring.fit(z, draws, self.time_order)
                draws = self.time_colour.apply(draws)
            if self.use_covariance and panel.n_series <= MAX_COLOUR_SERIES:
                self.colour = colouring(z, draws)
        if self.use_ar and self.prior is None:
            self.bias = self._calibrate(panel.index[0], self.seed + 1)
        if self.loss_history and not math.isfinite(self.loss_history[-1]):
            raise RuntimeError("training diverged (loss is not finite); lower model.lr")
        return self

    @property
    def net(self) -> nn.Module | None:
        """The trained network as a torch module (built from :attr:`weights` on first use;
        sampling does not need it)."""
        if self._net is None and self.weights is not None:
            import torch

            self._net = _import(self.net_class)(**self.net_kwargs)
            self._net.load_state_dict({k: torch.from_numpy(v) for k, v in self.weights.items()})
            self._net.eval()
        return self._net

    def _encode(self, keys: pd.DataFrame) -> np.ndarray:
        cols = [
            pd.Categorical(keys[c].astype(str), categories=self.categories[c]).codes
            for c in self.group_columns
        ]
        codes = np.stack(cols, axis=1) if cols else np.zeros((len(keys), 0), dtype=np.int64)
        return codes.astype(np.int64)

    # ---------------------------------------------------------------- sampling
    def _chunk_steps(self) -> int:
        """Steps drawn in sequence per chunk of a long range (see :meth:`_innovations`)."""
        return max(CHUNK_STEPS, 4 * self.window_)

    def _innovations(self, index: pd.DatetimeIndex, seed: int) -> np.ndarray:
        """``[T, G]`` innovations drawn by the network on ``index``, in filter units.

        A range longer than one chunk is cut into consecutive chunks drawn as one batch,
        each after its own burn-in of ``window_`` steps on the calendar just before it:
        the network then runs ``burn-in + chunk`` steps in sequence instead of ``T``
        (a year of hourly data: 304 steps instead of 8,760, about 10x faster here). The
        chunks are innovations; the AR filter that gives the level runs over the whole
        concatenated range, so the level has no seam.
        """
        if self.prior is not None:  # tiny sample or network off: see InnovationPrior
            s = self.prior.draw(len(index), seed)
            if self.time_colour is not None:
                s = self.time_colour.apply(s)
            e = self.copula.inverse(s) if self.copula is not None else s
            return e * self.prior.scale
        n, chunk, burn = len(index), self._chunk_steps(), self.window_
        if n <= chunk:
            cal = calendar_features(index, self.periods, self.harmonics)[None]
            burn = 0
        else:
            k = -(-n // chunk)
            offset = pd.tseries.frequencies.to_offset(self.freq)
            ext = pd.date_range(index[0] - burn * offset, periods=burn + k * chunk,
                                freq=self.freq)
            rows = np.arange(k)[:, None] * chunk + np.arange(burn + chunk)[None, :]
            cal = calendar_features(ext, self.periods, self.harmonics)[rows]
        net = sampler(self.net_class, self.weights)
        e = net.sample(cal, self.codes, burn_in=burn, limit=self.limit,
                       rng=np.random.default_rng(seed))
        e = e.reshape(-1, e.shape[-1])[:n].astype(np.float64)
        if self.time_colour is not None:
            e = self.time_colour.apply(e)
        if self.colour is not None:
            e = e @ self.colour.T
        return _copula_inverse(self.copula, e) if self.copula is not None else e

    def _scores(self, start: pd.Timestamp, seed: int) -> np.ndarray:
        """``[T, G]`` draws of a long free run of the network, before any mapping."""
        maps = self.colour, self.time_colour, self.copula
        self.colour = self.time_colour = self.copula = None
        try:
            return self._innovations(self._calibration_index(start), seed)
        finally:
            self.colour, self.time_colour, self.copula = maps

    def _calibration_index(self, start: pd.Timestamp) -> pd.DatetimeIndex:
        steps = max(2000, 20 * self.window_)
        return pd.date_range(start, periods=steps, freq=self.freq)

    def _calibrate(self, start: pd.Timestamp, seed: int) -> np.ndarray:
        """Each series' mean innovation over a long free run of the trained network.

        Innovations of a standardised series have mean 0, but a network's free run can
        lean a little to one side, and the AR filter multiplies that lean by
        ``1 / (1 - phi)`` in the level (a 10-row sample came out at half its mean).
        Sampling subtracts this bias.
        """
        return self._innovations(self._calibration_index(start), seed).mean(0)

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        """Draw ``[T, G]`` values (original units) on ``index``, a grid of the sample's freq."""
        if self.weights is None:
            raise RuntimeError("fit the generator before sampling")
        burn_in = self.window_
        offset = pd.tseries.frequencies.to_offset(self.freq)
        full = pd.date_range(index[0] - burn_in * offset, periods=burn_in + len(index),
                             freq=self.freq)
        e = self._innovations(full, self.seed if seed is None else seed) - self.bias
        z = self._anchor(self.whitener.inverse(e)[burn_in:])
        return self.scaler.inverse(self._bound(z + self.profile.at(index)))

    def _anchor(self, z: np.ndarray) -> np.ndarray:
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
        n, half = len(z), span // 2
        csum = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(z, axis=0)])
        lo = np.clip(np.arange(n) - half, 0, n)
        hi = np.clip(np.arange(n) + span - half, 0, n)
        moving = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
        out = z - moving
        return out - out.mean(axis=0) + z.mean(axis=0)

    def _bound(self, x: np.ndarray) -> np.ndarray:
        """``x`` (``[T, G]``, standardised) softly kept within each series' sample range
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
    def derive(self, plan: SeriesPlan) -> DeepGenerator:
        """A copy that generates the sample's series followed by ``plan``'s new ones.

        Each new series' settings (scale, daily profile, AR memory, quantiles, bias) are
        its plan weights applied to the sample's series' settings; its vector comes from
        its identifying labels, and a label the network never saw gets the weighted mean
        of the known labels' vectors (see :mod:`datamime.series`).
        """
        if self.weights is None:
            raise RuntimeError("fit the generator before deriving new series")
        if self.prior is not None:
            raise SamplingError("new series need a sample of at least "
                                f"{TINY_STEPS} values per series; this one is too short")
        g = len(self.bias)
        w = np.vstack([np.eye(g), plan.weights])  # [G + N, G]
        peers = np.vstack([np.eye(g, dtype=bool), plan.peers if plan.peers is not None
                           else np.ones((plan.n_series, g), dtype=bool)])

        def mix(x: np.ndarray) -> np.ndarray:
            """Weighted settings, kept near the range of each new series' peers (half
            its width beyond either end): an extreme station may stay extreme, an
            extrapolation from a confounded fit may not run away."""
            lo = np.where(peers, x, np.inf).min(1)
            hi = np.where(peers, x, -np.inf).max(1)
            return np.clip(w @ x, lo - (hi - lo) / 2, hi + (hi - lo) / 2)

        out = copy.copy(self)
        sc = self.scaler
        out.scaler = SeriesScaler(log=sc.log, level=np.exp(mix(np.log(sc.level))),
                                  mean=mix(sc.mean), std=np.clip(mix(sc.std), 0.0, None))
        out.profile = self.profile.mixed(w)
        out.whitener = Prewhitener(phi=np.clip(mix(self.whitener.phi), 0.0, 0.98))
        if self.copula is not None:
            out.copula = MarginalCopula(probs=self.copula.probs,
                                        quantiles=np.sort(self.copula.quantiles @ w.T, axis=0))
        out.bias = w @ self.bias
        if self.colour is not None:  # new series keep the network's own draws
            n_new = plan.n_series
            out.colour = np.block([[self.colour, np.zeros((g, n_new))],
                                   [np.zeros((n_new, g)), np.eye(n_new)]])
        if self.time_colour is not None:  # new series: their peers' filters, mixed
            tc = self.time_colour
            out.time_colour = TimeColouring(gen=w @ tc.gen, real=w @ tc.real, gain=w @ tc.gain)
        if self.bounds is not None:
            out.bounds = np.stack([mix(self.bounds[0]), mix(self.bounds[1])])
        out.weights, out._net = dict(self.weights), None
        out.categories = {c: list(v) for c, v in self.categories.items()}
        cardinalities = list(self.net_kwargs["cardinalities"])
        for c, column in enumerate(self.group_columns):
            fresh = plan.new_labels.get(column, {})
            if not fresh:
                continue
            known, name = self.categories[column], f"embed.tables.{c}.weight"
            table = self.weights[name]
            rows = [sum(m * table[known.index(lab)] for lab, m in mix.items())
                    for mix in fresh.values()]
            out.weights[name] = np.vstack([table, *rows]).astype(np.float32)
            out.categories[column] = known + list(fresh)
            cardinalities[c] = len(out.weights[name])
        out.net_kwargs = {**self.net_kwargs, "cardinalities": cardinalities}
        keys = plan.keys.astype(str)
        new_codes = np.stack(
            [[out.categories[c].index(v) for v in keys[c]] for c in self.group_columns], axis=1
        ).astype(np.int64)
        out.codes = np.vstack([self.codes, new_codes])
        return out

    # ------------------------------------------------------------- persistence
    def get_state(self) -> dict[str, Any]:
        """Plain state (arrays, numbers, strings) for :func:`datamime.persist.write_state`."""
        return {
            "net_class": self.net_class, "net_kwargs": self.net_kwargs,
            "net_state": self.weights, "scaler": self.scaler.get_state(),
            "profile": self.profile.get_state(), "whitener": self.whitener.get_state(),
            "bias": np.asarray(self.bias),
            "copula": None if self.copula is None else self.copula.get_state(),
            "periods": self.periods, "harmonics": self.harmonics, "freq": self.freq,
            "group_columns": self.group_columns, "categories": self.categories,
            "codes": self.codes, "window": self.window_, "limit": self.limit, "seed": self.seed,
            "transform": self.transform, "loss_history": self.loss_history,
            "prior": None if self.prior is None else self.prior.get_state(),
            "bounds": self.bounds, "margin": self.margin, "anchor_days": self.anchor_days,
            "sample_steps": self.sample_steps, "network": self.network, "colour": self.colour,
            "time_colour": None if self.time_colour is None else self.time_colour.get_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DeepGenerator:
        """Rebuild a fitted generator from :meth:`get_state`."""
        self = cls(harmonics=state["harmonics"], transform=state["transform"], seed=state["seed"])
        self.net_factory = state["net_class"]
        self.net_class, self.net_kwargs = state["net_class"], state["net_kwargs"]
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in state["net_state"].items()}
        self.scaler = SeriesScaler.from_state(state["scaler"])
        self.profile = SeasonalProfile.from_state(state["profile"])
        self.whitener = Prewhitener.from_state(state["whitener"])
        self.bias = np.asarray(state["bias"], dtype=np.float64)
        self.copula = state["copula"] and MarginalCopula.from_state(state["copula"])
        self.periods, self.freq = state["periods"], state["freq"]
        self.group_columns, self.categories = state["group_columns"], state["categories"]
        self.codes = np.asarray(state["codes"], dtype=np.int64)
        self.window_, self.limit = state["window"], state["limit"]
        self.loss_history = state["loss_history"]
        prior = state.get("prior")
        self.prior = None if prior is None else InnovationPrior.from_state(prior)
        bounds = state.get("bounds")  # absent from models saved before bounds existed
        self.bounds = None if bounds is None else np.asarray(bounds, dtype=np.float64)
        self.margin, self.anchor_days = state.get("margin"), state.get("anchor_days")
        self.sample_steps = state.get("sample_steps")
        self.network = state.get("network", True)
        colour = state.get("colour")  # absent from models saved before it existed
        self.colour = None if colour is None else np.asarray(colour, dtype=np.float64)
        self.use_covariance = self.colour is not None
        tc = state.get("time_colour")  # absent from models saved before it existed
        self.time_colour = None if tc is None else TimeColouring.from_state(tc)
        self.time_order = 0 if tc is None else self.time_colour.gen.shape[1]
        return self
