"""How generated values become rows: clock times, closed hours, wide or long, new series.

:class:`Generated` holds what a draw produced, ``[T, G]`` values on the naive-UTC grid
for the sample's series and any new ones, with the ``[T, G]`` open slots (closed hours
and days, learned on the sample's local clock, see :mod:`datamime.data.windows`). It
gives the rows as one table (:meth:`Generated.table`) or as blocks of whole series
(:meth:`Generated.blocks`, for streamed writers), always the same rows in the same
order: long (series, time, value) for one value column, wide (one column per value
column, as the sample) for several; times as local clock times when the sample was read
in a time zone; closed slots left out; the sample's carried columns (fixed within each
series, :mod:`datamime.output.carry`) filled in, each in its place in the sample's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from datamime.data.panel import clock_times, panel_to_long
from datamime.data.schema import Schema
from datamime.output.carry import Carried

ROWS_PER_BLOCK = 1_000_000


@dataclass(frozen=True)
class Layout:
    """The output table's shape, from the sample's schema.

    Attributes:
        time, value: the time and (long layout) value column names.
        groups: the identifying columns of the panel (with ``variable`` when wide).
        values: the value columns of the wide layout (None: long).
        variable: the panel's identifying column naming the value column (wide only).
        tz: the sample's IANA zone; output times are local clock times in it.
        integer: the output value columns written as whole numbers.
        carried: the sample's columns fixed within each series, written as they were
            (None: none).
    """

    time: str
    value: str
    groups: tuple[str, ...]
    values: tuple[str, ...] | None = None
    variable: str | None = None
    tz: str | None = None
    integer: frozenset[str] = frozenset()
    carried: Carried | None = None

    @classmethod
    def from_schema(cls, schema: Schema, integer: set[str] | frozenset[str] = frozenset()
                    ) -> Layout:
        return cls(time=schema.time, value=schema.value, groups=tuple(schema.groups),
                   values=tuple(schema.values) if schema.values else None,
                   variable=schema.variable, tz=schema.tz, integer=frozenset(integer),
                   carried=Carried.from_schema(getattr(schema, "carried", None)))

    @property
    def others(self) -> list[str]:
        """The identifying columns of a row (the wide layout leaves ``variable`` out)."""
        return [g for g in self.groups if g != self.variable]

    @property
    def columns(self) -> list[str]:
        """The output columns, in order (the sample's order when columns are carried)."""
        if self.values:
            base = [*self.others, self.time, *self.values]
        else:
            base = [*self.groups, self.time, self.value]
        return self.carried.arrange(base) if self.carried else base

    def carried_cells(self, keys: pd.DataFrame) -> dict[str, pd.Series]:
        """The carried columns' cells for the series (or entities) ``keys``: ``{column:
        one value per row of keys}``; empty when nothing is carried."""
        return self.carried.values(keys) if self.carried else {}


@dataclass
class Generated:
    """One draw: ``[T, G]`` values, their grid and series, and how to lay them out.

    Attributes:
        values: ``[T, G]`` constrained values (closed slots included).
        index: the ``T`` timestamps, naive UTC.
        keys: ``[G, C]`` identifying values (strings): the sample's series, then new ones.
        layout: the output table's shape.
        open: ``[T, G]`` bool, False at closed slots (left out of the rows); None: all open.
        n_sample: how many of the ``G`` series are the sample's (the rest are new).
    """

    values: np.ndarray
    index: pd.DatetimeIndex
    keys: pd.DataFrame
    layout: Layout
    open: np.ndarray | None = None
    n_sample: int | None = None
    _entities: tuple | None = field(default=None, repr=False)
    _cells: dict | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.keys = self.keys.reset_index(drop=True)
        if self.n_sample is None:
            self.n_sample = self.values.shape[1]

    @property
    def n_series(self) -> int:
        return self.values.shape[1]

    def masked(self) -> np.ndarray:
        """``[T, G]`` values with NaN at closed slots (for plots and checks)."""
        if self.open is None:
            return self.values
        return np.where(self.open, self.values, np.nan)

    @property
    def n_rows(self) -> int:
        """Rows of the output table."""
        if self.layout.values:
            codes, cols = self._wide_plan()
            present = np.zeros((len(self.index), len(codes)), bool)
            for c in cols.values():
                ok = c >= 0
                present[:, ok] |= self._open_cols(c[ok])
            return int(present.sum())
        return int(self.open.sum()) if self.open is not None else self.values.size

    @property
    def n_steps(self) -> int:
        """Time steps at which at least one series is open."""
        if self.open is None:
            return len(self.index)
        return int(self.open.any(axis=1).sum())

    def table(self) -> pd.DataFrame:
        """Every row as one table (see the module docstring for the layout)."""
        parts = list(self.blocks(rows=None))
        if len(parts) == 1:
            return parts[0]
        return pd.concat(parts, ignore_index=True)

    def blocks(self, rows: int | None = ROWS_PER_BLOCK) -> Iterator[pd.DataFrame]:
        """The rows of :meth:`table`, in order, as tables of about ``rows`` rows (whole
        series or entities each; None: one block)."""
        if self.layout.values:
            codes, _ = self._wide_plan()
            n_units = len(codes)
        else:
            n_units = self.n_series
        per = n_units if rows is None else max(1, rows // max(len(self.index), 1))
        for u0 in range(0, max(n_units, 1), per):
            units = slice(u0, min(u0 + per, n_units))
            yield self._wide(units) if self.layout.values else self._long(units)

    # ------------------------------------------------------------------ layouts
    def _open_cols(self, cols: np.ndarray | slice) -> np.ndarray:
        if self.open is None:
            n = len(range(*cols.indices(self.n_series))) if isinstance(cols, slice) else len(cols)
            return np.ones((len(self.index), n), bool)
        return self.open[:, cols]

    def _long(self, series: slice) -> pd.DataFrame:
        lay = self.layout
        out = panel_to_long(self.values[:, series], self.index, self.keys.iloc[series],
                            lay.time, lay.value, tz=lay.tz)
        if self.open is not None:
            keep = self.open[:, series].T.reshape(-1)  # [G*T], series then time
            if not keep.all():
                out = out[keep].reset_index(drop=True)
        if lay.value in lay.integer:
            out[lay.value] = out[lay.value].astype(np.int64)
        if lay.carried:
            rows = np.repeat(np.arange(*series.indices(self.n_series)), len(self.index))
            if self.open is not None and not keep.all():
                rows = rows[keep]
            for name, cells in self._carried().items():
                out[name] = cells.to_numpy()[rows]
            out = out[lay.columns]
        return out

    def _carried(self) -> dict[str, pd.Series]:
        """The carried cells of every series (computed once)."""
        if self._cells is None:
            self._cells = self.layout.carried_cells(self.keys)
        return self._cells

    def _wide_plan(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """The entities (rows of ``others``, sorted) and, per value column, the series
        holding each entity's values (-1: none)."""
        if self._entities is None:
            lay = self.layout
            others = lay.others
            keys = self.keys.astype(str)
            if others:
                entities = (keys[others].drop_duplicates().sort_values(others)
                            .reset_index(drop=True))
                row = pd.MultiIndex.from_frame(entities).get_indexer(
                    pd.MultiIndex.from_frame(keys[others]))
            else:
                entities = pd.DataFrame(index=range(1))
                row = np.zeros(len(keys), dtype=np.int64)
            variable = keys[lay.variable].to_numpy()
            cols = {}
            for name in lay.values:
                c = np.full(len(entities), -1, dtype=np.int64)
                mine = np.flatnonzero(variable == name)
                c[row[mine]] = mine
                cols[name] = c
            self._entities = (entities, cols)
        return self._entities

    def _wide(self, units: slice) -> pd.DataFrame:
        lay = self.layout
        entities, cols = self._wide_plan()
        block = entities.iloc[units]
        n_steps, n = len(self.index), len(block)
        reps = np.repeat(np.arange(n), n_steps)
        out: dict[str, object] = {c: block[c].to_numpy()[reps] for c in block.columns}
        for name, cells in lay.carried_cells(block).items():
            out[name] = cells.to_numpy()[reps]
        out[lay.time] = clock_times(self.index, lay.tz, n)
        present = np.zeros(n * n_steps, bool)
        for name in lay.values:
            c = cols[name][units]
            ok = c >= 0
            v = np.full((n_steps, n), np.nan)
            v[:, ok] = np.where(self._open_cols(c[ok]), self.values[:, c[ok]], np.nan)
            flat = v.T.reshape(-1)  # [E*T], entity then time
            present |= ~np.isnan(flat)
            out[name] = flat
        table = pd.DataFrame(out, columns=lay.columns)
        if not present.all():
            table = table[present].reset_index(drop=True)
        for name in lay.values:
            if name in lay.integer:
                col = table[name]
                table[name] = (col.astype(np.int64) if col.notna().all()
                               else col.astype("Int64"))
        return table
