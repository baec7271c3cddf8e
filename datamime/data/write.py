"""Writing the tables datamime produces, in the style of the sample, atomically.

A file either appears complete or not at all (:func:`atomic_file`); CSV is written
straight from Arrow string columns where it can be, byte for byte what pandas would
write; text cells a spreadsheet would run as formulas can be escaped.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from datamime.data.cells import is_text
from datamime.data.io import CSV_EXTENSIONS, PARQUET_EXTENSIONS
from datamime.errors import DataError

if TYPE_CHECKING:
    from datamime.data.schema import Schema

# A cell that starts with one of these runs as a formula when a spreadsheet opens the file
# (OWASP, "CSV Injection": = + - @, tab and carriage return).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def formula_cells(values: pd.Series | list) -> list[str]:
    """The distinct text values a spreadsheet would read as a formula (``=1+2``, ``@SUM``,
    ``+cmd|' /C calc'!A0``); plain numbers such as ``-3`` or ``+0.5`` are not among them."""
    uniques = pd.unique(pd.Series(values, dtype=object))
    return [v for v in uniques if isinstance(v, str) and v.startswith(FORMULA_START)
            and not _PLAIN_NUMBER.match(v)]


def formula_note(df: pd.DataFrame, columns: list[str] | None = None) -> str | None:
    """A sentence saying which values of ``columns`` (default all) a spreadsheet would run
    as formulas, or None when there are none."""
    bad = [v for c in (df.columns if columns is None else columns) if c in df.columns
           for v in formula_cells(df[c])]
    if not bad:
        return None
    return (f"{len(bad)} identifying values start with = + - or @ (such as {bad[0]!r}): "
            "a spreadsheet may run them as formulas; .xlsx output escapes them, CSV output "
            "with escape_formulas=true")


def escape_formulas(df: pd.DataFrame, skip: list[str] | tuple = ()) -> pd.DataFrame:
    """``df`` with every text cell :func:`formula_cells` finds prefixed by ``'``.

    The OWASP advice against CSV injection: the quote makes a spreadsheet show the cell
    as text instead of running it. Only text columns are looked at (numbers, dates and the
    ``skip`` columns are left as they are), and so are the column names.
    """
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if name in skip or not is_text(col):
            continue
        bad = formula_cells(col)
        if bad:
            out[name] = col.where(~col.isin(bad), "'" + col.astype(str))
    out.columns = [f"'{c}" if formula_cells([c]) else c for c in out.columns]
    return out


def write_table(df: pd.DataFrame, path: str | os.PathLike, schema: Schema,
                escape: bool | None = None) -> Path:
    """Write a long table atomically in the style of the input.

    CSV output uses the schema's separator (``","`` when None), decimal mark and
    date format; the value column is written as integers when its dtype is integer,
    or when the schema says the sample was whole and every value is whole.
    The table is first written to a temporary file next to ``path`` and moved into
    place, so a failure never leaves a partial file.

    Args:
        df: long table to write (time column as datetimes or already text).
        path: destination; ``.csv``/``.txt``/``.tsv``, ``.parquet`` or ``.xlsx``.
        schema: the schema of the sample the data imitates.
        escape: prefix text cells a spreadsheet would run as formulas with ``'``
            (:func:`escape_formulas`); None: for ``.xlsx`` only.

    Returns:
        The path written.

    Raises:
        DataError: unsupported extension, or the path cannot be written.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in CSV_EXTENSIONS + PARQUET_EXTENSIONS + (".xlsx",):
        raise DataError(
            f"cannot write '{path.suffix}' files ({path}); use .csv, .tsv, .txt, .parquet or .xlsx"
        )
    out = df.copy()
    value = schema.value
    if value in out.columns:
        out[value] = whole_numbers(out[value], schema.integer)
    date_format = schema.date_format if ext in CSV_EXTENSIONS else None
    time = schema.time
    if (ext == ".xlsx" if escape is None else escape) and ext not in PARQUET_EXTENSIONS:
        out = escape_formulas(out, skip=[value, *(schema.values or [])])
        time = next((c for c, o in zip(out.columns, df.columns) if o == time), time)

    with atomic_file(path) as tmp:
        if ext in CSV_EXTENSIONS:
            sep = schema.sep or ("\t" if ext == ".tsv" else ",")
            decimal = schema.decimal if schema.decimal != sep else "."
            if not _write_csv_fast(out, tmp, sep, decimal, time, date_format):
                if time in out.columns and date_format:
                    t = out[time]
                    if pd.api.types.is_datetime64_any_dtype(t):
                        out[time] = t.dt.strftime(date_format)
                out.to_csv(tmp, sep=sep, decimal=decimal, index=False, lineterminator="\n",
                           encoding="utf-8")
        elif ext in PARQUET_EXTENSIONS:
            out.to_parquet(tmp, engine="pyarrow", index=False)
        else:
            for name in out.columns:  # Excel has no time zones: local clock times, as shown
                if isinstance(out[name].dtype, pd.DatetimeTZDtype):
                    out[name] = out[name].dt.tz_localize(None)
            out.to_excel(tmp, index=False, engine="openpyxl")
    return path


def whole_numbers(col: pd.Series, integer: bool) -> pd.Series:
    """A float ``col`` as ``Int64`` when the sample was whole (``integer``) and every value
    is whole, so that it is written ``3``, not ``3.0``; else ``col`` as it is."""
    if pd.api.types.is_float_dtype(col) and integer:
        arr = col.to_numpy(dtype=np.float64)
        finite = arr[~np.isnan(arr)]
        if np.isfinite(finite).all() and (finite == np.round(finite)).all():
            return col.round().astype("Int64")
    return col


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block succeeds.

    The temporary file is flushed to disk (``fsync``) before the rename, so ``path`` never
    names half-written bytes, even after a crash or ``kill -9``: it is the old file or the
    new one (a killed run can leave its ``.NAME.*.tmp`` behind). Concurrent writers each
    use their own temporary file; the last rename wins, whole. The folder is created if
    needed. On any failure the temporary file is removed and
    ``path`` is left as it was; an ``OSError`` (disk full, no permission) becomes a
    :class:`DataError` naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the folder for {path}: {exc.strerror or exc}") from exc
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        yield tmp
        _fsync(tmp)  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
        _fsync(path.parent)  # and the rename too (best effort)
    except OSError as exc:
        _remove_quietly(tmp)
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def csv_cells(values: list[str], sep: str) -> list[str]:
    """Cells as pandas' ``to_csv`` writes them (minimal quoting)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    out = []
    for v in values:
        buf.seek(0)
        buf.truncate()
        writer.writerow([v])
        out.append(buf.getvalue()[:-1])
    return out


def csv_column(col: pd.Series, sep: str, time: str, date_format: str | None):
    """One column as an Arrow string array of CSV cells, or None when not handled here.

    Text, dates and categories are formatted once per distinct value (a long table
    repeats each series' keys and each timestamp many times), whole numbers by Arrow,
    floats as numpy's ``astype(str)``, which is what pandas' ``to_csv`` writes.
    """
    import pyarrow as pa

    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        arr = pa.array(col, from_pandas=True).cast(pa.string())
        return arr.fill_null("") if arr.null_count else arr
    if pd.api.types.is_float_dtype(dtype) and dtype == np.float64:
        values = col.to_numpy()
        text = values.astype(str)
        text[np.isnan(values)] = ""
        return pa.array(text, type=pa.string())
    is_time = pd.api.types.is_datetime64_any_dtype(dtype)
    if is_time and (col.name != time or not date_format or getattr(dtype, "tz", None)):
        return None
    if not (is_time or is_text(col)):
        return None
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    if is_time:
        cells = list(pd.DatetimeIndex(uniques).strftime(date_format))
    else:
        if not all(isinstance(v, str) for v in uniques):
            return None
        cells = list(uniques)
    cells = csv_cells(cells, sep) + [""]  # code -1 (missing) -> empty cell
    return pa.array(cells, type=pa.string()).take(pa.array(np.where(codes < 0, len(cells) - 1,
                                                                     codes)))


def _write_csv_fast(
    df: pd.DataFrame, path: Path, sep: str, decimal: str, time: str, date_format: str | None
) -> bool:
    """Write ``df`` as ``to_csv(sep, index=False, lineterminator="\\n")`` would, byte for byte,
    by joining Arrow string columns; False (nothing written) for tables it does not handle
    (a decimal comma, booleans, categories, mixed objects...): pandas writes those."""
    if decimal != "." or len(sep) != 1 or len(df.columns) == 0 or not df.columns.is_unique:
        return False
    columns = []
    for name in df.columns:
        if not isinstance(name, str):
            return False
        cells = csv_column(df[name], sep, time, date_format)
        if cells is None:
            return False
        columns.append(cells)
    with open(path, "wb") as fh:
        fh.write((sep.join(csv_cells(list(df.columns), sep)) + "\n").encode("utf-8"))
        write_csv_lines(fh, columns, sep)
    return True


def write_csv_lines(fh, columns: list, sep: str) -> None:
    """Write rows of Arrow string arrays of CSV cells (one array per column, equal
    lengths; an Arrow string scalar stands for the same cell on every row) to the binary
    file ``fh``: cells joined by ``sep``, each row ended by a newline, a million rows at a
    time. At least one column is an array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = next(len(c) for c in columns if not isinstance(c, pa.Scalar))
    step = 1 << 20
    for start in range(0, n, step):
        parts = [c if isinstance(c, pa.Scalar) else c.slice(start, step) for c in columns]
        last = parts[-1]
        parts[-1] = (pa.scalar(last.as_py() + "\n") if isinstance(last, pa.Scalar)
                     else pc.binary_join_element_wise(last, "", "\n"))  # cell + "\n"
        lines = pc.binary_join_element_wise(*parts, sep)
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        first, last_offset = offsets[lines.offset], offsets[lines.offset + len(lines)]
        fh.write(memoryview(lines.buffers()[2])[first:last_offset])


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file, or a folder's entries) to disk; a folder that cannot be
    opened or synced (some file systems) is skipped, a file that cannot be is an error."""
    folder = path.is_dir()
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if folder else 0))
    except OSError:
        if folder:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
