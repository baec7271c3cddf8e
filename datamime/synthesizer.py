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
import tempfile
import time as _time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from datamime import constraints as C
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
    """

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
    ) -> pd.DataFrame:
        """Generate every series of the sample on a new date range.

        Args:
            length, start, end: the range (see :meth:`date_range`).
            seed: sampling seed (default: the Synthesizer's seed).
            integer: whole numbers; ``"auto"``: if every sample value is whole.
            positive: never negative; ``"auto"``: if no sample value is negative.

        Returns:
            A long table with the sample's column names (group columns, time, value),
            one row per series per step, sorted by series then time, no NaN.
        """
        panel, schema = self._require_fit()
        index = self.date_range(length, start, end)
        try:
            rules = C.resolve(integer, positive, schema.integer, schema.min)
        except ValueError as exc:
            raise SamplingError(str(exc)) from None
        values = self.generator.sample(index, seed=self.seed if seed is None else seed)
        values = C.apply(np.asarray(values, dtype=np.float64), rules)
        if not np.isfinite(values).all():
            raise RuntimeError("the generator produced non-finite values")
        out = panel_to_long(values, index, panel.keys, schema.time, schema.value)
        if any(isinstance(r, C.Integer) for r in rules):
            out[schema.value] = out[schema.value].astype(np.int64)
        return out

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

    # ---------------------------------------------------------------- streaming
    def sample_to(
        self,
        path: str | os.PathLike,
        length: int | None = None,
        start: Any = None,
        end: Any = None,
        seed: int | None = None,
        integer: bool | str | None = "auto",
        positive: bool | str | None = "auto",
    ) -> Panel:
        """Generate as :meth:`sample` and stream the long table to a ``.parquet`` file.

        The long table is never built whole: blocks of series are written as Parquet
        row groups as they are melted (see :func:`datamime.stream.write_parquet`), so a
        year of thousands of series fits in little memory. The file holds the same rows
        as ``sample(...)`` written by :func:`datamime.data.io.write_table`.

        Returns:
            The generated values as a :class:`Panel` (for plots and checks).
        """
        from datamime.stream import write_parquet

        panel, schema = self._require_fit()
        if Path(path).suffix.lower() not in {".parquet", ".pq"}:
            raise SamplingError(f"sample_to writes Parquet; {path} is not a .parquet file")
        index = self.date_range(length, start, end)
        try:
            rules = C.resolve(integer, positive, schema.integer, schema.min)
        except ValueError as exc:
            raise SamplingError(str(exc)) from None
        values = self.generator.sample(index, seed=self.seed if seed is None else seed)
        values = C.apply(np.asarray(values, dtype=np.float64), rules)
        if not np.isfinite(values).all():
            raise RuntimeError("the generator produced non-finite values")
        write_parquet(path, values, index, panel.keys, schema.time, schema.value,
                      integer=any(isinstance(r, C.Integer) for r in rules))
        return Panel(values=values, index=index, keys=panel.keys, freq=panel.freq)


__all__ = ["Synthesizer", "make_generator", "MODELS", "DatamimeError"]
