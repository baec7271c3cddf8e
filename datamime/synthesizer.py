"""The Python API: ``Synthesizer().fit(table).sample(length=8760)``, plus save / load.

The scripts and the app call this and nothing else. It owns the boundary: reading and
validating the table (:func:`datamime.data.schema.prepare`), the date range to
generate, the output constraints, the output table's format, and persistence.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import tempfile
import time as _time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from datamime import constraints as C
from datamime import privacy as P
from datamime.data.panel import Panel, panel_to_long
from datamime.data.schema import Schema, prepare
from datamime.errors import DatamimeError, ModelError, SamplingError
from datamime.models.base import Generator

FORMAT_VERSION = 1
MODEL_FILE = "model.pt"
MODELS = {
    "ar_rnn": ("datamime.models.deep.DeepGenerator", {"net": "ar_rnn"}),
    "rvae": ("datamime.models.deep.DeepGenerator", {"net": "rvae"}),
    "seasonal_bootstrap": ("datamime.baselines.SeasonalBootstrap", {}),
    "seasonal_ar": ("datamime.baselines.SeasonalAR", {}),
    "block_bootstrap": ("datamime.baselines.BlockBootstrap", {}),
}
PRIVACY_MODES = ("warn", "refuse", "off")
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{1,2}/\d{1,2}/\d{4}\s*$")


def _import(path: str) -> Any:
    if not path.startswith("datamime."):
        raise ModelError(f"refusing to load code outside datamime: {path}")
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def make_generator(name: str, **kwargs: Any) -> Generator:
    """A generator by name (``ar_rnn``, ``rvae`` or a baseline), with its keyword arguments."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    path, defaults = MODELS[name]
    return _import(path)(**{**defaults, **kwargs})


class Synthesizer:
    """Learns a long table of time series and generates look-alike data for any dates.

    Args:
        model: a model name (see :data:`MODELS`) or a ready :class:`Generator`.
        seed: makes training and (by default) sampling repeatable.
        verbose: print the guessed roles and show training progress.
        **model_kwargs: passed to the named model (e.g. ``trainer={"max_epochs": 5}``).

    Example:
        >>> syn = Synthesizer(seed=0).fit("example.csv")
        >>> year = syn.sample(length=8760, integer=True, positive=True)
        >>> syn.save("models/latest")

    Attributes:
        last_privacy: the report of the privacy check of the last :meth:`sample` call
            (see :func:`datamime.privacy.check_copies`; ``flagged`` added), or None.
    """

    last_privacy: dict[str, Any] | None = None

    def __init__(self, model: str | Generator = "rvae", seed: int = 0, verbose: bool = True,
                 **model_kwargs: Any) -> None:
        if isinstance(model, str):
            deep = MODELS.get(model, ("",))[0].endswith("DeepGenerator")
            model = make_generator(model, **({"seed": seed} if deep else {}), **model_kwargs)
        elif model_kwargs:
            raise TypeError("model keyword arguments go with a model name, not an instance")
        self.generator = model
        self.seed, self.verbose = seed, verbose
        self.schema: Schema | None = None
        self.panel: Panel | None = None
        self.fit_seconds: float | None = None

    # ----------------------------------------------------------------- fitting
    def fit(
        self,
        data: str | os.PathLike | pd.DataFrame,
        time: str | None = None,
        groups: list[str] | None = None,
        value: str | None = None,
        sep: str | None = None,
        dayfirst: bool | None = None,
        valid: str | None = None,
    ) -> Synthesizer:
        """Learn every series of a long table (a path to CSV/Excel/Parquet, or a DataFrame).

        Roles left as None are guessed (and the guess printed when verbose);
        ``groups=[]`` means the table holds a single series. ``valid`` names a validity
        column whose not-valid rows are treated as missing.
        """
        self.panel, self.schema, _ = prepare(data, time=time, groups=groups, value=value,
                                             sep=sep, dayfirst=dayfirst, verbose=self.verbose,
                                             valid=valid)
        start = _time.perf_counter()
        self.generator.fit(self.panel, verbose=self.verbose)
        self.fit_seconds = _time.perf_counter() - start
        return self

    def _require_fit(self) -> tuple[Panel, Schema]:
        if self.panel is None or self.schema is None:
            raise ModelError("this Synthesizer is not fitted; call fit() or load() first")
        return self.panel, self.schema

    # ---------------------------------------------------------------- sampling
    def date_range(
        self, length: int | None = None, start: Any = None, end: Any = None
    ) -> pd.DatetimeIndex:
        """The grid to generate: ``length`` steps from ``start``, or ``start`` to ``end``.

        ``start`` defaults to the sample's first timestamp; with neither ``length`` nor
        ``end``, as many steps as the sample. A date-only ``end`` includes that whole day.
        """
        panel, schema = self._require_fit()
        if length is not None and end is not None:
            raise SamplingError("give either length or end, not both")
        try:
            t0 = pd.Timestamp(start) if start is not None else panel.index[0]
        except (ValueError, TypeError):
            raise SamplingError(f"start {start!r} is not a date (try 2023-01-01)") from None
        if length is not None:
            if int(length) != length or length <= 0:
                raise SamplingError(f"length must be a positive whole number of steps, got {length}")
            return pd.date_range(t0, periods=int(length), freq=schema.freq)
        if end is None:
            return pd.date_range(t0, periods=panel.n_steps, freq=schema.freq)
        try:
            t1 = pd.Timestamp(end)
        except (ValueError, TypeError):
            raise SamplingError(f"end {end!r} is not a date (try 2023-12-31)") from None
        if isinstance(end, str) and _DATE_ONLY.match(end):
            t1 = t1 + pd.Timedelta("1D") - pd.Timedelta(1, "ns")
        index = pd.date_range(t0, t1, freq=schema.freq)
        if t1 < t0 or len(index) == 0:
            raise SamplingError(f"end ({end}) is before start ({t0}); nothing to generate")
        return index

    def sample(
        self,
        length: int | None = None,
        start: Any = None,
        end: Any = None,
        seed: int | None = None,
        integer: bool | str | None = "auto",
        positive: bool | str | None = "auto",
        privacy: str = "warn",
    ) -> pd.DataFrame:
        """Generate every series of the sample on a new date range.

        Args:
            length, start, end: the range (see :meth:`date_range`).
            seed: sampling seed (default: the Synthesizer's seed).
            integer: whole numbers; ``"auto"``: if every sample value is whole.
            positive: never negative; ``"auto"``: if no sample value is negative.
            privacy: the copy check (:mod:`datamime.privacy`) run on the generated
                values: ``"warn"`` prints one line on stderr when more than 1 % of the
                generated days checked copy a day of the sample, ``"refuse"`` raises
                :class:`SamplingError` instead, ``"off"`` skips it. The report is kept
                in :attr:`last_privacy`.

        Returns:
            A long table with the sample's column names (group columns, time, value),
            one row per series per step, sorted by series then time, no NaN.

        Raises:
            SamplingError: an impossible range or option, or copies with
                ``privacy="refuse"``.
        """
        panel, schema = self._require_fit()
        privacy = "off" if privacy is False else privacy  # YAML reads a bare `off` as false
        if privacy not in PRIVACY_MODES:
            raise SamplingError(f"privacy must be warn, refuse or off, got {privacy!r}")
        self.last_privacy = None
        index = self.date_range(length, start, end)
        try:
            rules = C.resolve(integer, positive, schema.integer, schema.min)
        except ValueError as exc:
            raise SamplingError(str(exc)) from None
        values = self.generator.sample(index, seed=self.seed if seed is None else seed)
        values = C.apply(np.asarray(values, dtype=np.float64), rules)
        if not np.isfinite(values).all():
            raise RuntimeError("the generator produced non-finite values")
        if privacy != "off":
            self._check_privacy(values, seed=self.seed if seed is None else seed,
                                refuse=privacy == "refuse")
        out = panel_to_long(values, index, panel.keys, schema.time, schema.value)
        if any(isinstance(r, C.Integer) for r in rules):
            out[schema.value] = out[schema.value].astype(np.int64)
        return out

    def _check_privacy(self, values: np.ndarray, seed: int, refuse: bool) -> None:
        """Run the copy check on ``[T, G]`` generated values; warn or refuse on copies."""
        sample_series = values[:, : self.panel.n_series]  # new series, if any, come after
        report = P.check_copies(self.panel, sample_series, seed=seed)
        report["flagged"] = P.flagged(report)
        self.last_privacy = report
        if not report["flagged"]:
            return
        unit = report["unit"][0]
        what = (f"{report['copy_share']:.0%} of the generated {unit} checked "
                f"({report['n_copies']:,} of {report['n_checked']:,}) copy the sample "
                f"(limit {P.MAX_COPY_SHARE:.0%})")
        if refuse:
            raise SamplingError(f"privacy=refuse: {what}; nothing was written. Train a model "
                                "that does not resample real days, or use privacy=warn")
        print(f"datamime: warning: {what}; do not share this output as anonymous "
              "(privacy=refuse turns this into an error)", file=sys.stderr)

    def to_panel(self, table: pd.DataFrame) -> Panel:
        """A generated long table back as a :class:`Panel` with the sample's series order."""
        panel, schema = self._require_fit()
        index = pd.DatetimeIndex(table[schema.time].unique())
        n_series = panel.n_series
        values = table[schema.value].to_numpy(dtype=np.float64).reshape(n_series, len(index)).T
        return Panel(values=values, index=index, keys=panel.keys, freq=panel.freq)

    # ------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model to directory ``path`` (replaced atomically).

        The directory holds ``model.pt`` (weights, scaling, schema, and the training
        panel used for comparison plots and the copy check: keep it as private as the
        sample itself) and ``schema.json``.
        """
        panel, schema = self._require_fit()
        path = Path(path)
        state = {
            "format_version": FORMAT_VERSION,
            "generator": f"{type(self.generator).__module__}.{type(self.generator).__qualname__}",
            "state": self.generator.get_state(),
            "schema": schema.to_dict(),
            "seed": self.seed,
            "fit_seconds": self.fit_seconds,
            "panel": {
                "values": torch.from_numpy(panel.values),
                "index": torch.from_numpy(panel.index.asi8.copy()),
                "keys": {c: panel.keys[c].astype(str).tolist() for c in panel.keys.columns},
                "freq": panel.freq,
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            torch.save(state, tmp / MODEL_FILE)
            (tmp / "schema.json").write_text(pd.Series(schema.to_dict()).to_json(indent=2))
            history = getattr(self.generator, "loss_history", None)
            if history:
                from datamime.plotting import loss_curve

                loss_curve(history, tmp / "loss_curve.png")
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, verbose: bool = True) -> Synthesizer:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        file = path / MODEL_FILE
        if not file.is_file():
            raise ModelError(f"no trained model in {path}; train one first "
                             "(python scripts/train.py) or set model_dir=DIR")
        try:
            state = torch.load(file, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user problem
            raise ModelError(f"{file} is not a datamime model ({type(exc).__name__}); "
                             "train the model again") from None
        version = state.get("format_version") if isinstance(state, dict) else None
        if version != FORMAT_VERSION:
            raise ModelError(f"{file} was written by an incompatible datamime (format "
                             f"{version}, this one reads {FORMAT_VERSION}); train it again")
        self = cls.__new__(cls)
        self.generator = _import(state["generator"]).from_state(state["state"])
        self.schema = Schema.from_dict(state["schema"])
        self.seed, self.verbose, self.fit_seconds = state["seed"], verbose, state["fit_seconds"]
        p = state["panel"]
        self.panel = Panel(values=p["values"].numpy(), index=pd.DatetimeIndex(p["index"].numpy()),
                           keys=pd.DataFrame(p["keys"]), freq=p["freq"])
        if self.panel.keys.shape[1] == 0:
            self.panel.keys = pd.DataFrame(index=range(self.panel.n_series))
        return self


__all__ = ["Synthesizer", "make_generator", "MODELS", "DatamimeError"]
