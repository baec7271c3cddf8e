"""Carried columns: the sample's columns that are fixed within each series.

An export often repeats, on every row of a series, things that describe the series
rather than the measurement: the town and department of a station, its coordinates, the
unit of a pollutant. They are not needed to tell the series apart (the identifying
columns do that), so they are not part of the key; but a generated table without them
would lack columns the sample had. They are *carried*: learned from the sample as one
value per series (:func:`learn`, called by :func:`~datamime.data.prepare.prepare`), kept
in the :class:`~datamime.data.schema.Schema` as plain data, and written unchanged into
every generated row of that series, in the sample's column order (:class:`Carried`).

Each carried column is stored as a function of the smallest set of identifying columns
that determines it (a town depends on the station alone, a unit on the pollutant alone,
a constant column on nothing), so that new combinations of known identifying values get
their values too; a new entity (``new_1``) gets an empty cell where its value is unknown.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_BY = 3  # the largest set of identifying columns searched before using them all


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """One integer code per row for the combination of ``frame``'s columns (0 columns:
    all rows the same)."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.int64)
    code = np.zeros(len(frame), dtype=np.int64)
    for col in frame.columns:
        part, uniques = pd.factorize(frame[col], use_na_sentinel=False)
        code = code * (len(uniques) + 1) + part
        code = pd.factorize(code)[0].astype(np.int64)  # keeps the codes small
    return code


def _n_distinct(*codes: np.ndarray) -> int:
    if len(codes) == 1:
        return len(np.unique(codes[0]))
    width = max(int(codes[1].max(initial=0)) + 1, 1)
    return len(np.unique(codes[0] * width + codes[1]))


def _numeric(col: pd.Series) -> bool:
    """A column of numbers (Parquet, Excel), written back as numbers."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    kind = pd.api.types.infer_dtype(col, skipna=True)
    return kind in ("integer", "floating", "mixed-integer-float", "decimal")


def _text(col: pd.Series) -> list[str]:
    """The cells of ``col`` as text (empty for a missing cell)."""
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
            or v is pd.NaT else str(v) for v in col.tolist()]


def learn(df: pd.DataFrame, keys: pd.DataFrame, skip: list[str],
          order: list[str] | None = None) -> dict | None:
    """The columns of ``df`` fixed within each series, as the schema stores them.

    Args:
        df: the table as read (all rows, the cells as they are).
        keys: the identifying columns as text, one row per row of ``df`` (the panel's
            keys come from the same text).
        skip: columns never carried (the time, value, validity and identifying columns).
        order: the sample's column order (default: ``df``'s).

    Returns:
        ``{"order": [...], "columns": [{"name", "by", "keys", "cells", "numeric"}...]}``
        (``keys``: the distinct values of the ``by`` columns, ``cells``: the carried
        value of each), or None when no column is carried.
    """
    if len(df) == 0:
        return None
    skipped = set(skip) | set(keys.columns)
    keys = keys.reset_index(drop=True) if keys.shape[1] else pd.DataFrame(index=range(len(df)))
    # one row per series stands for it: a column is fixed when every row equals it
    _, first, of_row = np.unique(_codes(keys), return_index=True, return_inverse=True)
    heads = keys.iloc[first].reset_index(drop=True)  # [S] identifying values
    by_codes = {}  # candidate sets of identifying columns, smallest first, at series level
    for size in range(min(MAX_BY, heads.shape[1]) + 1):
        for combo in itertools.combinations(heads.columns, size):
            by_codes[combo] = _codes(heads[list(combo)])
    if heads.shape[1] > MAX_BY:
        by_codes[tuple(heads.columns)] = np.arange(len(heads))
    found = []
    for name in df.columns:
        if name in skipped:
            continue
        col = df[name].reset_index(drop=True)
        cell, _ = pd.factorize(col, use_na_sentinel=False)
        head = cell[first]
        if not np.array_equal(cell, head[of_row.reshape(-1)]):
            continue  # varies within a series: a measurement, a row number, a date
        by = next(combo for combo, codes in by_codes.items()
                  if _n_distinct(codes, head) == _n_distinct(codes))
        cells = pd.DataFrame({**{k: heads[k] for k in by}, "cell": _text(col.iloc[first])})
        cells = cells.drop_duplicates(list(by), keep="first") if by else cells.iloc[:1]
        found.append({"name": str(name), "by": [str(b) for b in by],
                      "keys": [[str(v) for v in row]
                               for row in cells[list(by)].itertuples(index=False)],
                      "cells": cells["cell"].tolist(), "numeric": _numeric(col)})
    if not found:
        return None
    return {"order": [str(c) for c in (order if order is not None else df.columns)],
            "columns": found}


@dataclass(frozen=True)
class Carried:
    """The carried columns of a schema (:func:`learn`'s mapping), ready to be looked up.

    Attributes:
        order: the sample's column order, where the carried columns go.
        columns: the stored columns: name, ``by`` (identifying columns), ``keys`` and
            ``cells``, ``numeric``.
    """

    order: tuple[str, ...]
    columns: tuple[dict, ...]

    @classmethod
    def from_schema(cls, stored: dict | None) -> Carried | None:
        """The schema's stored mapping (``Schema.carried``) ready to use; None if empty."""
        if not stored or not stored.get("columns"):
            return None
        return cls(order=tuple(stored.get("order") or ()), columns=tuple(stored["columns"]))

    @property
    def names(self) -> list[str]:
        """The carried column names, in the order learned."""
        return [c["name"] for c in self.columns]

    def arrange(self, base: list[str]) -> list[str]:
        """``base`` (the output columns without the carried ones) with the carried
        columns added, every column in the sample's order (a column the sample lacked
        keeps the place of the column before it)."""
        position = {name: i for i, name in enumerate(self.order)}
        placed, last = [], -1.0
        for name in [*base, *self.names]:
            last = position.get(name, last + 1e-6 if name in base else float("inf"))
            placed.append((last, len(placed), name))
        return [name for _, _, name in sorted(placed)]

    def values(self, keys: pd.DataFrame) -> dict[str, pd.Series]:
        """The carried cells of each series: ``{column: [G] values}`` for the ``[G]``
        identifying values ``keys`` (text); a series whose value is unknown (a new
        entity) gets an empty cell (NaN for a numeric column)."""
        keys = keys.reset_index(drop=True).astype(str)
        out = {}
        for col in self.columns:
            by, cells = list(col["by"]), list(col["cells"])
            if not by:
                found = np.zeros(len(keys), dtype=np.int64)
            elif all(b in keys.columns for b in by):
                known = pd.MultiIndex.from_tuples([tuple(k) for k in col["keys"]], names=by)
                found = known.get_indexer(pd.MultiIndex.from_frame(keys[by]))
            else:
                found = np.full(len(keys), -1, dtype=np.int64)
            text = np.array([*cells, ""], dtype=object)[np.where(found < 0, len(cells), found)]
            series = pd.Series(text, dtype=object)
            if col["numeric"]:
                series = pd.to_numeric(series.replace("", np.nan), errors="coerce")
            out[col["name"]] = series
        return out
