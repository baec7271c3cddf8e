"""The one list of datamime's models: name -> class path, default arguments, kind, summary.

Everything that names models reads it: :class:`datamime.synthesizer.Synthesizer`
(``model="rvae"``), the web app's model choice, the benchmarks, and the Hydra configs
``datamime/conf/model/NAME.yaml``, whose ``_target_`` is ``${datamime_model:NAME}`` (the
resolver registered by :mod:`datamime.config`). A class that moves is changed here only.

Importing this module imports no model (classes are imported by :func:`load_class` when a
model is built or loaded), so it costs nothing at start-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from datamime.errors import ModelError

DEEP_CLASS = "datamime.models.deep.DeepGenerator"
# the networks a DeepGenerator trains: net name -> class (``DeepGenerator(net="rvae")``)
NETS = {
    "ar_rnn": "datamime.models.ar_rnn.ARRNN",
    "rvae": "datamime.models.rvae.RecurrentVAE",
}


@dataclass(frozen=True)
class ModelSpec:
    """One model of the registry.

    Its class (import path), the arguments that make it this model, whether it is a
    trained network (takes ``seed`` and ``trainer``, can make new series), what it is in
    one line, and its name in the web app.
    """

    target: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    deep: bool = False
    summary: str = ""
    label: str = ""


MODELS: dict[str, ModelSpec] = {
    "ar_rnn": ModelSpec(DEEP_CLASS, {"net": "ar_rnn"}, deep=True,
                        summary="autoregressive GRU with a low-rank cross-series Gaussian",
                        label="Autoregressive RNN"),
    "rvae": ModelSpec(DEEP_CLASS, {"net": "rvae"}, deep=True,
                      summary="recurrent VAE: a latent state shared by all series (default)",
                      label="Recurrent VAE (recommended)"),
    "seasonal_bootstrap": ModelSpec("datamime.models.seasonal.SeasonalBootstrap",
                                    summary="seasonal decomposition with bootstrapped residuals",
                                    label="Baseline: seasonal bootstrap"),
    "seasonal_ar": ModelSpec("datamime.models.seasonal.SeasonalAR",
                             summary="per-series phase-mean profile plus an AR(p <= 2) remainder",
                             label="Baseline: seasonal AR"),
    "block_bootstrap": ModelSpec("datamime.models.bootstrap.BlockBootstrap",
                                 summary="whole days resampled: each a real day of the series",
                                 label="Baseline: block bootstrap"),
}
DEEP_MODELS = tuple(name for name, spec in MODELS.items() if spec.deep)
BASELINES = tuple(name for name, spec in MODELS.items() if not spec.deep)


def spec(name: str) -> ModelSpec:
    """The entry of model ``name``; ValueError naming the choices for an unknown one."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def target(name: str) -> str:
    """The class path of model ``name`` (the ``${datamime_model:NAME}`` resolver)."""
    return spec(name).target


def load_class(path: str) -> Any:
    """The class (or function) at import path ``path``, which must lie inside datamime.

    A model file names its generator's class: a file must not make datamime run other code.
    """
    if not path.startswith("datamime."):
        raise ModelError(f"refusing to load code outside datamime: {path}")
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def make(name: str, seed: int | None = None, **kwargs: Any) -> Any:
    """A new generator of model ``name``, ``kwargs`` over the registry's defaults.

    ``seed`` goes to the trained models only (the baselines take theirs when sampling).
    """
    entry = spec(name)
    if entry.deep and seed is not None:
        kwargs = {"seed": seed, **kwargs}
    return load_class(entry.target)(**{**entry.kwargs, **kwargs})


__all__ = ["ModelSpec", "MODELS", "NETS", "DEEP_CLASS", "DEEP_MODELS", "BASELINES", "spec",
           "target", "load_class", "make"]
