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
from datamime.data.transforms import TINY_STEPS, InnovationPrior, calendar_features
from datamime.data.values import extreme_values
from datamime.errors import SamplingError
from datamime.models.chain import ValueChain
from datamime.models.numpy_nets import sampler
from datamime.models.recolour import TimeColouring, colouring, extended_colour
from datamime.models.registry import NETS
from datamime.series import SeriesPlan
from datamime.timegrid import learnable_periods, steps_per_day

if TYPE_CHECKING:
    from torch import nn

# Steps drawn in sequence per chunk when sampling a long range (at least 4 windows).
CHUNK_STEPS = 256
# Above this many series the [G, G] colouring map (see colouring) is left out: its memory
# and the per-step product grow with G^2.
MAX_COLOUR_SERIES = 1000


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


class DeepGenerator:
    """A neural generator trained with Lightning on all series at once.

    Args:
        net: the network: a name (``"ar_rnn"``, ``"rvae"``) or its class path, or a
            callable (a class or a ``functools.partial`` of one, as Hydra's
            ``_partial_: true`` gives) taking ``cardinalities`` and ``n_calendar`` as
            keyword arguments.
        net_options: more keyword arguments of the network (``hidden``, ``rank``...).
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
        day_colour: with ``ar``, on a sample of a week or more, the generated levels'
            daily means (on a daily grid: the levels) get the sample's cross-series
            covariance (see :class:`~datamime.models.recolour.DayColouring`).
        level_map: with ``ar``, each series' generated level (the AR filter's output) is
            mapped onto the sample's distribution of levels, quantile to quantile (see
            :class:`~datamime.models.recolour.LevelMap`): bounds the sample sits on and
            its skew survive the filter's sums.
        seasonal_scale: with ``profile``, each series' level is divided by its seasonal
            spread (its mean absolute value by hour of the day and day of the week) before
            the AR filter and multiplied back after: a quiet hour stays quiet (see
            :meth:`~datamime.models.chain.ValueChain.spread`).
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
        net_options: dict[str, Any] | None = None,
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
        day_colour: bool = True,
        level_map: bool = True,
        seasonal_scale: bool = True,
        network: bool = True,
        cpu_threads: int | None = 1,
        trainer: dict[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        if isinstance(net, str):
            if net not in NETS and net not in NETS.values():
                raise ValueError(f"unknown network {net!r}; choose one of {sorted(NETS)}")
            net = NETS.get(net, net)  # imported when training: loading and sampling need no torch
        self.net_factory, self.net_options = net, dict(net_options or {})
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
        self.use_level_map, self.use_day_colour = level_map, day_colour
        self.use_seasonal_scale = seasonal_scale
        self.chain: ValueChain | None = None  # the fitted maps between values and scores
        self.cpu_threads = cpu_threads
        self.trainer_kwargs = dict(trainer or {})
        self.seed = seed
        self.weights: dict[str, np.ndarray] | None = None  # the trained net's, float32
        self.loss_history: list[float] = []

    # ----------------------------------------------------------------- fitting
    def _net_spec(self) -> tuple[str, dict[str, Any]]:
        factory, kwargs = self.net_factory, dict(self.net_options)
        if isinstance(factory, str):
            return factory, kwargs
        if isinstance(factory, functools.partial):
            factory, kwargs = factory.func, {**factory.keywords, **kwargs}
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
        self.periods = learnable_periods(panel.index, panel.freq)
        n_observed = int(np.median((~np.isnan(values)).sum(0)))
        tiny = n_observed < TINY_STEPS  # a few pairs cannot tell memory beyond a few steps
        self.chain, stages = ValueChain.fit(
            values, panel.index, panel.freq, self.periods if self.use_profile else [],
            transform=self.transform, profile_shapes=self.profile_shapes, ar=self.use_ar,
            copula=self.use_copula, margin=self.margin, anchor_days=self.anchor_days,
            tiny=tiny, seasonal_scale=self.use_seasonal_scale)
        level, e, z = stages
        copula = self.chain.copula
        self.prior = None
        if tiny or not self.network:
            scores = z if copula is not None else e / np.nanstd(e, axis=0).clip(1e-12)
            if tiny:
                residual_var = np.nan_to_num(np.nanvar(level, axis=0))
            else:  # network off: the innovations' own spread and correlation
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    e_var = np.nan_to_num(np.nanvar(e, axis=0))
                residual_var = (e_var if copula is not None else np.ones_like(e_var)) \
                    / (1 - self.chain.whitener.phi ** 2)
            self.prior = InnovationPrior.fit(scores, e if copula is not None else None,
                                             self.chain.whitener.phi, residual_var,
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
        if not self.network:  # the ablation keeps every map but the network itself
            self.weights, self.loss_history = {}, []
            if self.time_order > 0 and copula is not None:
                draws = self._innovations(self._calibration_index(panel.index[0]),
                                          self.seed + 1, raw=True)
                self.time_colour = TimeColouring.fit(z, draws, self.time_order)
            if self.use_ar:
                self._calibrate(level, panel.index, mapped=not tiny)
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
        self.weights = {k: v.detach().numpy().astype(np.float32)
                        for k, v in lit.net.cpu().state_dict().items()}
        sampler(self.net_class, self.weights)  # fail now, not at sampling, for an unknown net
        self.loss_history = history.values
        if self.time_order > 0 or self.use_covariance:
            draws = self._innovations(self._calibration_index(panel.index[0]), self.seed + 1,
                                      raw=True)
            if self.time_order > 0:
                self.time_colour = TimeColouring.fit(z, draws, self.time_order)
                draws = self.time_colour.apply(draws)
            if self.use_covariance and panel.n_series <= MAX_COLOUR_SERIES:
                self.colour = colouring(z, draws)
        if self.use_ar:
            self._calibrate(level, panel.index, mapped=not tiny)
        if self.loss_history and not math.isfinite(self.loss_history[-1]):
            raise RuntimeError("training diverged (loss is not finite); lower model.lr")
        return self

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

    def _innovations(self, index: pd.DatetimeIndex, seed: int, raw: bool = False) -> np.ndarray:
        """``[T, G]`` innovations drawn by the network on ``index``, in filter units
        (``raw``: its normal scores before any map, to fit the maps on).

        A range longer than one chunk is cut into consecutive chunks drawn as one batch,
        each after its own burn-in of ``window_`` steps on the calendar just before it:
        the network then runs ``burn-in + chunk`` steps in sequence instead of ``T``
        (a year of hourly data: 304 steps instead of 8,760, about 10x faster here). The
        chunks are innovations; the AR filter that gives the level runs over the whole
        concatenated range, so the level has no seam.
        """
        if self.prior is not None:  # tiny sample or network off: see InnovationPrior
            s = self.prior.draw(len(index), seed)
            if raw:
                return s
            if self.time_colour is not None:
                s = self.time_colour.apply(s)
            copula = self.chain.copula
            e = copula.inverse(s) if copula is not None else s
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
        if raw:
            return e
        if self.time_colour is not None:
            e = self.time_colour.apply(e)
        if self.colour is not None:
            e = e @ self.colour.T
        return self.chain.innovations(e)

    def _calibration_index(self, start: pd.Timestamp) -> pd.DatetimeIndex:
        steps = max(2000, 20 * self.window_)
        return pd.date_range(start, periods=steps, freq=self.freq)

    def _calibrate(self, level: np.ndarray, index: pd.DatetimeIndex, mapped: bool) -> None:
        """Fit the chain's bias (trained network) and, if ``mapped``, its level maps on one
        long free run.

        The bias: each series' mean innovation. Innovations of a standardised series
        have mean 0, but a network's free run can lean a little to one side, and the AR
        filter multiplies that lean by ``1 / (1 - phi)`` in the level (a 10-row sample
        came out at half its mean); sampling subtracts it. The maps: see
        :meth:`ValueChain.fit_level_maps`. A tiny sample gets none: its few quantiles
        would be its few values.
        """
        if self.prior is not None and not mapped:
            return
        calibration = self._calibration_index(index[0])
        e = self._innovations(calibration, self.seed + 1)
        if self.prior is None:
            self.chain.bias = e.mean(0)
        if mapped:
            self.chain.fit_level_maps(level, e, self.window_, self.use_day_colour,
                                      self.use_level_map, MAX_COLOUR_SERIES, index,
                                      calibration[self.window_:])

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        """Draw ``[T, G]`` values (original units) on ``index``, a grid of the sample's freq."""
        if self.weights is None:
            raise RuntimeError("fit the generator before sampling")
        burn_in = self.window_
        offset = pd.tseries.frequencies.to_offset(self.freq)
        full = pd.date_range(index[0] - burn_in * offset, periods=burn_in + len(index),
                             freq=self.freq)
        e = self._innovations(full, self.seed if seed is None else seed)
        return self.chain.values(e, index)

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
        g = len(self.chain.bias)
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
        out.chain = self.chain.mixed(w, mix)
        if self.colour is not None:  # new series keep the network's own draws
            out.colour = extended_colour(self.colour, plan.n_series)
        if self.time_colour is not None:  # new series: their peers' filters, mixed
            tc = self.time_colour
            out.time_colour = TimeColouring(gen=w @ tc.gen, real=w @ tc.real, gain=w @ tc.gain)
        out.weights = dict(self.weights)
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
    def hyper_parameters(self) -> dict[str, Any]:
        """The constructor's arguments, as plain values.

        ``DeepGenerator(**g.hyper_parameters())`` is ``g`` untrained. The network is its
        class path plus ``net_options``; only the plain trainer settings are kept (not
        callbacks or other objects).
        """
        path, options = self._net_spec()
        trainer = {k: v for k, v in self.trainer_kwargs.items()
                   if v is None or isinstance(v, bool | int | float | str) or (
                       isinstance(v, list | tuple) and all(isinstance(x, int | str) for x in v))}
        return {
            "net": path, "net_options": options, "lr": self.lr,
            "weight_decay": self.weight_decay, "batch_size": self.batch_size,
            "window": self.window, "windows_per_epoch": self.windows_per_epoch,
            "transform": self.transform, "harmonics": self.harmonics,
            "profile": self.use_profile, "profile_shapes": self.profile_shapes,
            "ar": self.use_ar, "copula": self.use_copula, "margin": self.margin,
            "anchor_days": self.anchor_days, "covariance": self.use_covariance,
            "time_colour": self.time_order, "day_colour": self.use_day_colour,
            "level_map": self.use_level_map, "seasonal_scale": self.use_seasonal_scale,
            "network": self.network,
            "cpu_threads": self.cpu_threads, "trainer": trainer, "seed": self.seed,
        }

    def get_state(self) -> dict[str, Any]:
        """Plain state (arrays, numbers, strings) for :func:`datamime.persist.write_state`."""
        return {
            **self.chain.get_state(),
            "hyper_parameters": self.hyper_parameters(),
            "net_class": self.net_class, "net_kwargs": self.net_kwargs,
            "net_state": self.weights, "periods": self.periods, "harmonics": self.harmonics,
            "group_columns": self.group_columns, "categories": self.categories,
            "codes": self.codes, "window": self.window_, "limit": self.limit, "seed": self.seed,
            "transform": self.transform, "loss_history": self.loss_history,
            "prior": None if self.prior is None else self.prior.get_state(),
            "network": self.network, "colour": self.colour,
            "time_colour": None if self.time_colour is None else self.time_colour.get_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DeepGenerator:
        """Rebuild a fitted generator from :meth:`get_state` (or an older model's)."""
        params = state.get("hyper_parameters")  # absent from models saved before it existed
        sizes = ("cardinalities", "n_calendar")  # from the data, not hyper-parameters
        self = cls(**params) if params is not None else cls(
            net=state["net_class"], harmonics=state["harmonics"], transform=state["transform"],
            seed=state["seed"],
            net_options={k: v for k, v in state["net_kwargs"].items() if k not in sizes})
        self.net_class, self.net_kwargs = state["net_class"], state["net_kwargs"]
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in state["net_state"].items()}
        self.chain = ValueChain.from_state(state)
        self.periods, self.freq = state["periods"], state["freq"]
        self.group_columns, self.categories = state["group_columns"], state["categories"]
        self.codes = np.asarray(state["codes"], dtype=np.int64)
        self.window_, self.limit = state["window"], state["limit"]
        self.loss_history = state["loss_history"]
        prior = state.get("prior")
        self.prior = None if prior is None else InnovationPrior.from_state(prior)
        self.network = state.get("network", True)
        colour = state.get("colour")  # absent from models saved before it existed
        self.colour = None if colour is None else np.asarray(colour, dtype=np.float64)
        tc = state.get("time_colour")  # absent from models saved before it existed
        self.time_colour = None if tc is None else TimeColouring.from_state(tc)
        if params is None:  # older files: what the fitted maps show
            self.margin, self.anchor_days = self.chain.margin, self.chain.anchor_days
            self.use_covariance = self.colour is not None
            self.time_order = 0 if tc is None else self.time_colour.gen.shape[1]
            self.use_level_map = self.chain.level_map is not None
            self.use_day_colour = self.chain.day_colour is not None
            self.use_seasonal_scale = self.chain.scale is not None
        elif "seasonal_scale" not in params:  # saved before the spread existed: it has none
            self.use_seasonal_scale = False
        return self
