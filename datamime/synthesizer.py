"""The Python API: ``Synthesizer().fit(table).sample(length=8760)``, plus save / load.

The scripts and the app call this and nothing else. It owns the boundary: reading and
validating the table (:func:`datamime.data.schema.prepare`), the date range to
generate, the output constraints, the output table's format, and persistence.
"""

from __future__ import annotations

import os
import re
import sys
import time as _time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datamime import constraints as C
from datamime import knowledge
from datamime.data.panel import Panel
from datamime.data.prepare import prepare
from datamime.data.schema import Schema
from datamime.data.transforms import span_words, sample_limits
from datamime.data.windows import ObservationWindows, peers_open
from datamime.data.write import formula_note
from datamime.errors import DatamimeError, ModelError, SamplingError
from datamime.models import registry
from datamime.models.base import Generator
from datamime.models.registry import MODELS
from datamime.output import checks
from datamime.output import rules as output_rules
from datamime.output.layout import Generated, Layout
from datamime.persist import load_synthesizer, save_synthesizer
from datamime.series import plan as plan_series
from datamime.timegrid import fixed_step, learnable_periods

PRIVACY_MODES = checks.PRIVACY_MODES
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{1,2}/\d{1,2}/\d{4}\s*$")


def make_generator(name: str, **kwargs: Any) -> Generator:
    """A generator by name (see :data:`datamime.models.registry.MODELS`) and keywords."""
    return registry.make(name, **kwargs)


def _grid(start: pd.Timestamp, freq: str, periods: int | None = None,
          end: pd.Timestamp | None = None) -> pd.DatetimeIndex:
    """``pd.date_range`` in nanoseconds (as the sample's grid), with a range past the
    dates they can hold as one clear error."""
    try:
        start = pd.Timestamp(start).as_unit("ns")
        end = None if end is None else pd.Timestamp(end).as_unit("ns")
        return pd.date_range(start, end, periods=periods, freq=freq)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise SamplingError(
            f"{periods:,} steps of {freq} from {start} end after {pd.Timestamp.max.date()}, the "
            "last date pandas can hold: ask for fewer steps or an earlier start"
            if periods is not None else
            f"the range {start} to {end} goes past the dates pandas can hold "
            f"({pd.Timestamp.min.date()} to {pd.Timestamp.max.date()})") from None


class Synthesizer:
    """Learns a long table of time series and generates look-alike data for any dates.

    Args:
        model: a model name (see :data:`datamime.models.registry.MODELS`) or a
            ready :class:`Generator`.
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
            model = registry.make(model, seed=seed, **model_kwargs)
        elif model_kwargs:
            raise TypeError("model keyword arguments go with a model name, not an instance")
        self.generator = model
        self.seed, self.verbose = seed, verbose
        self.schema: Schema | None = None
        self.panel: Panel | None = None
        self.fit_seconds: float | None = None
        self.notes: list[str] = []  # what the sample is too short to show (set by fit)
        self.windows: ObservationWindows | None = None  # recurring closed hours/days

    # parsed knowledge file (datamime/knowledge.py); a class default, so that loaded
    # models (built without __init__) have it too
    knowledge: dict | None = None

    # ----------------------------------------------------------------- fitting
    def fit(
        self,
        data: str | os.PathLike | pd.DataFrame,
        time: str | None = None,
        groups: list[str] | None = None,
        value: str | list[str] | None = None,
        sep: str | None = None,
        dayfirst: bool | None = None,
        valid: str | None = None,
        agg: str | None = None,
        tz: str | None = None,
        knowledge: str | os.PathLike | dict | None = None,
    ) -> Synthesizer:
        """Learn every series of a long table (a path to CSV/Excel/Parquet, or a DataFrame).

        Roles left as None are guessed (and the guess printed when verbose);
        ``groups=[]`` means the table holds a single series; ``value`` may list several
        columns (temperature and humidity), learned jointly. ``valid`` names a validity
        column whose not-valid rows are treated as missing. ``agg`` (mean, sum, min, max,
        median, first, last) combines duplicated (series, time) rows instead of refusing
        them. ``tz`` (an IANA zone such as ``Europe/Paris``) reads naive times as local
        clock times; the output is then written in that zone too. A ``.yaml`` path is a sketch
        (:mod:`datamime.sketch`): its pseudo-sample is learned, with the sketch's roles.
        ``knowledge`` (a YAML path or a mapping, :mod:`datamime.knowledge`) gives the
        seasons, weekly rhythm and holidays the sample is too short to show; it is kept
        with the model (see :meth:`use_knowledge`). A sketch's ``yearly`` and ``holidays``
        are knowledge too, unless ``knowledge`` is given.
        """
        if isinstance(data, (str, os.PathLike)) and str(data).lower().endswith((".yaml", ".yml")):
            from datamime.sketch import sketch_table  # a sketch: drawn first, then as data

            data, roles = sketch_table(data, verbose=self.verbose)
            time, groups, value = roles["time"], roles["groups"], roles["value"]
            knowledge = roles["knowledge"] if knowledge is None else knowledge
            sep = dayfirst = valid = None
        self.panel, self.schema, _ = prepare(data, time=time, groups=groups, value=value,
                                             sep=sep, dayfirst=dayfirst, verbose=self.verbose,
                                             valid=valid, agg=agg, tz=tz)
        self.windows = ObservationWindows.fit(self.panel.values, self.panel.index,
                                              self.panel.freq, tz=self.schema.tz)
        said = formula_note(self.panel.keys)  # CSV injection: said once, at training
        if said:
            if self.verbose:
                print(f"datamime: warning: {said}", file=sys.stderr)
            else:
                warnings.warn(said, UserWarning, stacklevel=2)
        said = self.windows.describe(self.panel.series_labels())
        if said and self.verbose:
            print(f"datamime: {said}")
        self.knowledge = None
        filled = self.use_knowledge(knowledge, say=False)
        self.notes = sample_limits(self.panel.index, self.panel.freq,
                                   int(np.median(np.isfinite(self.panel.values).sum(0))),
                                   filled=filled)
        if self.knowledge is not None:  # after the note on the cycles the sample lacks
            cycles = int(bool(self.notes) and self.notes[0].startswith("the sample spans"))
            self.notes.insert(cycles, self.describe_knowledge())
        for note in self.notes:
            if self.verbose:
                print(f"datamime: note: {note}")
        if not self.verbose and len(self.notes) and self.notes[-1].startswith("only "):
            warnings.warn(f"tiny sample: {self.notes[-1]}", UserWarning, stacklevel=2)
        start = _time.perf_counter()
        self.generator.fit(self.panel, verbose=self.verbose)
        self.fit_seconds = _time.perf_counter() - start
        return self

    def use_knowledge(self, know: str | os.PathLike | dict | None,
                      say: bool = True) -> dict[str, str]:
        """Apply ``know`` (a knowledge YAML path, a mapping, or None to drop it) to every
        later :meth:`sample`, and keep it with the model on :meth:`save`.

        A cycle the sample spans (a week from 14 days, a year from 2 years) is learned from
        the data: the knowledge's factors for it are ignored (data wins). With ``say``
        (and ``verbose``) one line says which cycle comes from where.

        Returns:
            The cycles the knowledge fills, ``{"week": file, "year": file}`` (for notes).

        Raises:
            DataError: a malformed file (one line naming the key), or a ``yearly`` column
                the sample lacks.
        """
        panel, schema = self._require_fit()
        parsed = knowledge.load(know)
        if parsed is None:
            self.knowledge = None
            return {}
        values = {c: set(panel.keys[c].astype(str)) for c in panel.keys.columns}
        for note in knowledge.check_columns(parsed, list(panel.keys.columns), values):
            if self.verbose:
                print(f"datamime: note: {parsed['source']}: {note}")
        self.knowledge = parsed
        if say and self.verbose:
            print(f"datamime: {self.describe_knowledge()}")
        learned = learnable_periods(panel.index, panel.freq)
        source = parsed["name"]
        return {c: source for c, given in (("week", bool(parsed["weekly"])),
                                           ("year", bool(parsed["yearly"])))
                if given and c not in learned}

    def describe_knowledge(self) -> str:
        """Which cycle comes from the sample and which from the knowledge, in one line."""
        panel, _ = self._require_fit()
        if self.knowledge is None:
            return "knowledge: none"
        step = fixed_step(panel.freq) or pd.Timedelta(0)  # month grids: first to last stamp
        span = span_words(panel.index[-1] - panel.index[0] + step)
        return knowledge.describe(self.knowledge, learnable_periods(panel.index, panel.freq),
                                  span)

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
        When the sample was read in a time zone (``data.tz``), ``start`` and ``end`` are
        clock times in that zone too. The grid itself is in UTC.
        """
        panel, schema = self._require_fit()

        def utc(ts: pd.Timestamp) -> pd.Timestamp:
            if ts.tz is None and schema.tz and schema.tz != "UTC":
                ts = ts.tz_localize(schema.tz, ambiguous=False, nonexistent="shift_forward")
            return ts.tz_convert("UTC").tz_localize(None) if ts.tz is not None else ts

        if length is not None and end is not None:
            raise SamplingError("give either length or end, not both")
        try:
            t0 = utc(pd.Timestamp(start)) if start is not None else panel.index[0]
        except (ValueError, TypeError):
            raise SamplingError(f"start {start!r} is not a date (try 2023-01-01)") from None
        if length is not None:
            if int(length) != length or length <= 0:
                raise SamplingError(f"length must be a positive whole number of steps, got {length}")
            return _grid(t0, schema.freq, periods=int(length))
        if end is None:
            return _grid(t0, schema.freq, periods=panel.n_steps)
        try:
            t1 = pd.Timestamp(end)
        except (ValueError, TypeError):
            raise SamplingError(f"end {end!r} is not a date (try 2023-12-31)") from None
        if isinstance(end, str) and _DATE_ONLY.match(end):
            t1 = t1 + pd.Timedelta("1D") - pd.Timedelta(1, "ns")
        t1 = utc(t1)
        index = _grid(t0, schema.freq, end=t1)
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
        closed: str = "drop",
        combinations: bool = False,
        new_groups: int = 0,
        privacy: str = "warn",
        bounds: Any = None,
    ) -> pd.DataFrame:
        """Generate every series of the sample on a new date range.

        Args:
            length, start, end: the range (see :meth:`date_range`).
            seed: sampling seed (default: the Synthesizer's seed).
            integer: whole numbers; ``"auto"``: if every sample value is whole.
            positive: never negative; ``"auto"``: if no sample value is negative.
            closed: ``"drop"`` leaves out the hours of the day and days of the week a
                series never reported in the sample (a car park closed at night, a market
                on Sundays; see :mod:`datamime.data.windows`), ``"fill"`` generates them too.
            combinations: also generate every combination of known identifying values
                the sample lacks (ozone at a station that measured only NO2); deep models.
            new_groups: also generate this many new entities of the most varied
                identifying column (new stations, labelled ``new_1``...), each a mix of
                sample entities; deep models (see :mod:`datamime.series`).
            privacy: the copy check (:mod:`datamime.privacy`) run on the generated
                values: ``"warn"`` prints one line on stderr when more than 1 % of the
                generated days checked copy a day of the sample, ``"refuse"`` raises
                :class:`SamplingError` instead, ``"off"`` skips it. The report is kept
                in :attr:`last_privacy`.
            bounds: bounds that hold exactly: ``[low, high]`` for every series, or
                ``{label: [low, high]}`` per value of an identifying column (a value
                column's name when several were learned together): ``{"humidity":
                [0, 100]}``; null for an open side (see
                :func:`datamime.constraints.stated_bounds`).

        Returns:
            A long table with the sample's column names (group columns, time, value),
            one row per series per step (less the closed slots), sorted by series then
            time (the sample's series first, then new ones), no NaN.

        Raises:
            SamplingError: an impossible range or option, or copies with
                ``privacy="refuse"``.
        """
        return self.generate(length, start, end, seed, integer, positive, closed,
                             combinations, new_groups, privacy, bounds=bounds).table()

    def generate(
        self,
        length: int | None = None,
        start: Any = None,
        end: Any = None,
        seed: int | None = None,
        integer: bool | str | None = "auto",
        positive: bool | str | None = "auto",
        closed: str = "drop",
        combinations: bool = False,
        new_groups: int = 0,
        privacy: str = "warn",
        index: pd.DatetimeIndex | None = None,
        draw_seed: int | None = None,
        bounds: Any = None,
    ) -> Generated:
        """Draw as :meth:`sample` (same arguments), without laying out the table.

        The :class:`~datamime.output.layout.Generated` holds the ``[T, G]`` values and
        gives the rows of :meth:`sample` (``.table()``), in blocks (``.blocks()``) or
        written by :func:`datamime.output.write`; plots and checks take its values.
        ``index`` (a slice of :meth:`date_range`) replaces the range and ``draw_seed``
        the seed of the draw alone (new series still come from ``seed``): the parts of
        :mod:`datamime.parallel`.
        """
        panel, schema = self._require_fit()
        privacy = self._privacy_mode(privacy)
        if index is None:
            index = self.date_range(length, start, end)
        rules, blocks = self._rules(integer, positive)
        if closed not in {"drop", "fill"}:
            raise SamplingError(f"closed must be drop or fill, got {closed!r}")
        seed = self.seed if seed is None else seed
        generator, keys = self.generator, panel.keys
        extra = plan_series(panel.keys, combinations, new_groups, seed)
        if extra is not None:
            if not hasattr(generator, "derive"):
                raise SamplingError("new series (combinations, new_groups) need a deep model "
                                    "(model=rvae or ar_rnn); the baselines only replay the "
                                    "sample's series")
            generator = generator.derive(extra)
            keys = pd.concat([panel.keys.astype(str), extra.keys], ignore_index=True)
        draw = seed if draw_seed is None else draw_seed
        try:
            stated = C.stated_bounds(bounds, keys)
        except ValueError as exc:
            raise SamplingError(str(exc)) from None
        values = self._draw(generator, index, draw, rules, blocks, keys, privacy, stated)
        open_ = None
        if closed == "drop" and self.windows is not None and self.windows.any_closed:
            open_ = self.windows.open_at(index)
            if extra is not None:  # new series: open where the series they mix mostly are
                open_ = np.hstack([open_, peers_open(open_, extra.weights)])
        layout = Layout.from_schema(schema, output_rules.integer_columns(schema, rules, blocks))
        return Generated(values=values, index=index, keys=keys, layout=layout, open=open_,
                         n_sample=panel.n_series)

    def _privacy_mode(self, privacy: str | bool) -> str:
        """The checked privacy option; the previous run's report is cleared."""
        self.last_privacy = None
        return checks.privacy_mode(privacy)

    def _rules(self, integer: Any, positive: Any) -> tuple[list, dict[str, list] | None]:
        """The output constraints: for the table, and per value column when several."""
        return output_rules.resolve(self.panel, self.schema, integer, positive)

    def _draw(self, generator: Generator, index: pd.DatetimeIndex, seed: int, rules: list,
              blocks: dict[str, list] | None, keys: pd.DataFrame, privacy: str,
              stated: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """``[T, G]`` values from ``generator``, constrained and checked for copies;
        ``stated``: ``[G]`` low / high bounds the user gave (see
        :func:`datamime.constraints.stated_bounds`), held exactly."""
        values = np.asarray(generator.sample(index, seed=seed), dtype=np.float64)
        if self.knowledge is not None:  # before the rules, so every guarantee still holds
            values = knowledge.apply_learned_from(self.knowledge, self.panel, self.schema.tz,
                                                  values, index, keys)
        low, high = self._sitting_bounds(keys)
        values = np.clip(values, np.where(np.isnan(low), -np.inf, low),
                         np.where(np.isnan(high), np.inf, high))
        values = C.clip_stated(values, stated)
        if blocks is None:
            values = C.apply(values, rules)
            whole = np.full(values.shape[1], output_rules.whole(rules))
        else:  # several value columns: each keeps its own constraints
            variable = keys[self.schema.variable].astype(str).to_numpy()
            whole = np.zeros(values.shape[1], dtype=bool)
            for name, block_rules in blocks.items():
                values[:, variable == name] = C.apply(values[:, variable == name], block_rules)
                whole[variable == name] = output_rules.whole(block_rules)
        values = C.clip_stated(values, stated, whole)  # rounding may not step past them
        if not np.isfinite(values).all():
            raise RuntimeError("the generator produced non-finite values")
        if privacy != "off":
            self._check_privacy(values, seed=seed, refuse=privacy == "refuse")
        return values

    def _sitting_bounds(self, keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``[G]`` low / high bounds the sample sits on (NaN: none), for the series ``keys``
        (the sample's, then any new ones; see :func:`datamime.constraints.sitting_bounds`).

        Humidity readings at exactly 100 %, a car park full: generated values never pass
        a bound the sample sits on. A new series gets the bound its value column sits on.
        """
        panel, schema = self.panel, self.schema
        col = schema.variable if schema.values else None
        labels = (panel.keys[col].astype(str).to_numpy() if col
                  else np.zeros(panel.n_series, dtype=object).astype(str))
        extra = max(len(keys) - panel.n_series, 0)
        new = (keys[col].astype(str).to_numpy()[panel.n_series:] if col
               else np.full(extra, labels[0] if len(labels) else ""))
        return C.sitting_bounds(panel.values, labels, new=new)

    def _check_privacy(self, values: np.ndarray, seed: int, refuse: bool) -> None:
        """Run the copy check on ``[T, G]`` generated values; warn or refuse on copies."""
        self.last_privacy = checks.check_privacy(self.panel, values, seed)
        checks.enforce(self.last_privacy, refuse)  # the report is kept, even when refused

    def to_panel(self, table: pd.DataFrame, index: pd.DatetimeIndex | None = None) -> Panel:
        """A generated long table back as a :class:`Panel` with the sample's series order.

        ``index`` is the grid (default: the table's first to last time); missing rows
        (closed hours, see :meth:`sample`) become NaN.
        """
        panel, schema = self._require_fit()
        if schema.values and schema.value not in table.columns:  # wide: one column per value
            others = [g for g in schema.groups if g != schema.variable]
            table = table.melt(id_vars=[*others, schema.time], value_vars=schema.values,
                               var_name=schema.variable, value_name=schema.value)
            table = table[table[schema.value].notna()]
        times = pd.DatetimeIndex(table[schema.time])
        if times.tz is not None:  # local clock times (schema.tz): back to naive UTC
            times = times.tz_convert("UTC").tz_localize(None)
        if index is None:
            index = pd.date_range(times.min(), times.max(), freq=panel.freq)
        rows = index.get_indexer(times)
        if schema.groups:
            series = pd.MultiIndex.from_frame(panel.keys.astype(str))
            cols = series.get_indexer(pd.MultiIndex.from_frame(table[schema.groups].astype(str)))
        else:
            cols = np.zeros(len(table), dtype=np.int64)
        values = np.full((len(index), panel.n_series), np.nan)
        ok = (rows >= 0) & (cols >= 0)
        values[rows[ok], cols[ok]] = table[schema.value].to_numpy(dtype=np.float64)[ok]
        return Panel(values=values, index=index, keys=panel.keys, freq=panel.freq)

    # ------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted model to directory ``path``, atomically, deleting nothing else.

        The directory holds ``model.npz`` (weights, scaling, schema, and the training
        panel used for comparison plots and the copy check: keep it as private as the
        sample itself; arrays and JSON, no pickle, see :mod:`datamime.persist`),
        ``schema.json``, ``loss_curve.png`` and, with knowledge, ``knowledge.json`` (the
        knowledge file's content, read back by :meth:`load`). ``path`` must be new, empty, or hold a
        datamime model, whose files are replaced (any other file there is kept); an
        existing file or a folder of other files raises :class:`ModelError`, as does a
        failed write (disk full), which leaves the previous model unchanged.
        """
        self._require_fit()
        return save_synthesizer(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike, verbose: bool = True) -> Synthesizer:
        """Read a model written by :meth:`save`."""
        return load_synthesizer(cls, path, verbose)

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
        closed: str = "drop",
        combinations: bool = False,
        new_groups: int = 0,
        privacy: str = "warn",
        escape: bool | None = None,
        bounds: Any = None,
    ) -> Generated:
        """Generate as :meth:`sample` and write the same rows to ``path``.

        ``.parquet`` is streamed: blocks of series become row groups as they are laid
        out (:func:`datamime.output.writers.write_parquet`), so a year of thousands of
        series fits in little memory; ``.csv``/``.tsv``/``.txt`` and ``.xlsx`` are
        written in the sample's style (:func:`datamime.output.write`). ``escape``: see
        :func:`datamime.data.io.write_table`.

        Returns:
            The draw (its ``[T, G]`` values for plots and checks; ``.n_rows`` rows).
        """
        from datamime.output.writers import OutputFormat, write

        generated = self.generate(length, start, end, seed, integer, positive, closed,
                                  combinations, new_groups, privacy, bounds=bounds)
        write(generated, path, OutputFormat.from_schema(self.schema), escape=escape)
        return generated


__all__ = ["Synthesizer", "make_generator", "MODELS", "DatamimeError"]
