"""The writers: CSV, Parquet (streamed in row groups) and Excel, in the sample's style.

They take an :class:`OutputFormat`, how the sample was written (separator, decimal
mark, date format, column names), not the whole Schema. Parquet is streamed: the blocks
of :meth:`Generated.blocks` become row groups as they are laid out, so a year of
thousands of series never exists as one table. A long-layout CSV (the common case) is
written from the generated values directly: each series' identifying cells and each
time step's cell are formatted once and repeated, never a million-row table of text;
other CSVs and Excel go through :func:`datamime.data.write.write_table` on the whole
table, which gives the same bytes. Every file is written atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from datamime.data.io import CSV_EXTENSIONS, PARQUET_EXTENSIONS
from datamime.data.panel import clock_times
from datamime.data.schema import Schema
from datamime.data.write import (atomic_file, csv_cells, csv_column, escape_formulas,
                                 whole_numbers, write_csv_lines, write_table)
from datamime.output import layout
from datamime.output.layout import Generated


@dataclass(frozen=True)
class OutputFormat:
    """How output tables are written: the sample's style and column names.

    Attributes:
        time: the time column. value: the (long layout) value column.
        values: the value columns of the wide layout, or None.
        sep, decimal, date_format: the sample's separator (None: ``,``), decimal mark
            and date format, for text output.
        integer: the sample was whole numbers (float columns of whole values are then
            written as integers).
    """

    time: str
    value: str
    values: tuple[str, ...] | None
    sep: str | None
    decimal: str
    date_format: str | None
    integer: bool

    @classmethod
    def from_schema(cls, schema: Schema) -> OutputFormat:
        return cls(time=schema.time, value=schema.value,
                   values=tuple(schema.values) if schema.values else None, sep=schema.sep,
                   decimal=schema.decimal, date_format=schema.date_format,
                   integer=schema.integer)


def write(generated: Generated, path: str | os.PathLike, fmt: OutputFormat,
          escape: bool | None = None, rows_per_group: int | None = None) -> int:
    """Write the rows of ``generated`` to ``path`` (``.csv``/``.tsv``/``.txt``,
    ``.parquet``, ``.xlsx``), atomically; returns the number of rows written.

    Args:
        escape: prefix text cells a spreadsheet would run as formulas with ``'``
            (None: for ``.xlsx`` only; never for Parquet).
        rows_per_group: Parquet row-group size, whole series or entities per group
            (default :data:`datamime.output.layout.ROWS_PER_BLOCK`).

    Raises:
        DataError: unsupported extension, or the path cannot be written.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext in PARQUET_EXTENSIONS:
        return write_parquet(generated, path, rows_per_group)
    if ext in CSV_EXTENSIONS:
        sep = fmt.sep or ("\t" if ext == ".tsv" else ",")
        rows = write_csv_long(generated, path, fmt, sep, bool(escape))
        if rows is not None:
            return rows
    table = generated.table()
    write_table(table, path, fmt, escape=escape)
    return len(table)


def write_parquet(generated: Generated, path: str | os.PathLike,
                  rows_per_group: int | None = None) -> int:
    """Stream the rows of ``generated`` to a Parquet file, a row group per block."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, writer, schema = 0, None, None
    with atomic_file(path) as tmp:
        try:
            for block in generated.blocks(rows_per_group or layout.ROWS_PER_BLOCK):
                if writer is None:
                    schema = pa.Schema.from_pandas(block, preserve_index=False)
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(pa.Table.from_pandas(block, schema=schema,
                                                        preserve_index=False))
                rows += len(block)
        finally:
            if writer is not None:
                writer.close()
    return rows


def write_csv_long(generated: Generated, path: str | os.PathLike, fmt: OutputFormat,
                   sep: str, escape: bool = False) -> int | None:
    """Write a long-layout draw as CSV straight from its values; the bytes
    :func:`~datamime.data.write.write_table` writes for ``generated.table()``.

    Returns the rows written, or None (nothing written) when this writer does not
    apply: the wide layout, a decimal comma, a multi-character separator, no date
    format.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lay = generated.layout
    decimal = fmt.decimal if fmt.decimal != sep else "."
    if lay.values or decimal != "." or len(sep) != 1 or not fmt.date_format:
        return None
    n_steps, n_series = generated.values.shape
    # one row per series: its identifying and carried cells
    per_series = generated.keys[list(lay.groups)].astype(str)
    for name, cells in lay.carried_cells(generated.keys).items():
        per_series[name] = cells.to_numpy()
    names = [c for c in lay.columns if c not in (lay.time, lay.value)]
    per_series = per_series[names]
    frame = pd.concat([per_series.iloc[:0],
                       pd.DataFrame({lay.time: pd.Series(dtype="datetime64[ns]"),
                                     lay.value: pd.Series(dtype=float)})], axis=1)[lay.columns]
    header = list(escape_formulas(frame, skip=[lay.value]).columns if escape else frame.columns)
    if escape:
        per_series = escape_formulas(per_series)
    cells = {}
    for name in names:
        cells[name] = csv_column(per_series[name], sep, lay.time, None)
        if cells[name] is None:
            return None  # a carried column of another kind: the table writer handles it
    times = pa.array(csv_cells(list(clock_times(generated.index, lay.tz)
                                    .strftime(fmt.date_format)), sep), type=pa.string())
    keep = None if generated.open is None else np.flatnonzero(generated.open.T.reshape(-1))
    series = np.repeat(np.arange(n_series), n_steps)  # [G*T] rows: series then time
    steps = np.tile(np.arange(n_steps), n_series)
    flat = generated.values.T.reshape(-1)
    if keep is not None:
        series, steps, flat = series[keep], steps[keep], flat[keep]
    value = pd.Series(flat.astype(np.int64) if lay.value in lay.integer else flat)
    cells[lay.time] = times.take(pa.array(steps))
    cells[lay.value] = csv_column(whole_numbers(value, fmt.integer), sep, lay.time, None)
    # runs of neighbouring per-series columns joined once per series; each series' rows
    # (contiguous: series then time) are then written with those runs as constants, so
    # the sample's carried columns are not copied out row by row before the join
    parts: list = []  # per output cell: an index into runs, or a per-row array
    runs, run = [], []  # runs: per-series cells of neighbouring columns, joined
    for name in [*lay.columns, None]:
        if name in names:
            run.append(cells[name])
            continue
        if run:
            parts.append(len(runs))
            runs.append(run[0] if len(run) == 1 else pc.binary_join_element_wise(*run, sep))
            run = []
        if name is not None:
            parts.append(cells[name])
    bounds = np.searchsorted(series, np.arange(n_series + 1))
    with atomic_file(path) as tmp, open(tmp, "wb") as fh:
        fh.write((sep.join(csv_cells(header, sep)) + "\n").encode("utf-8"))
        for g in range(n_series):
            lo, hi = int(bounds[g]), int(bounds[g + 1])
            if hi > lo:
                write_csv_lines(fh, [runs[p][g] if isinstance(p, int)
                                     else p.slice(lo, hi - lo) for p in parts], sep)
    return len(flat)
