"""Reading the tables datamime learns from.

Reading never alters what the user wrote: CSV cells come back as strings (``"5010"``
stays ``"5010"``), and the separator and decimal mark are detected and remembered in
a :class:`TableFormat` so that synthetic data can be written in the same style
(:mod:`datamime.data.write`). Workbooks are checked before they are opened.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from datamime.data.cells import is_text, na_cells
from datamime.errors import DataError

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls")
PARQUET_EXTENSIONS = (".parquet", ".pq")
SEPARATORS = (";", ",", "\t", "|")
# An .xlsx is a zip archive of XML files: one whose members would unpack to more than this
# is refused before it is opened (a full 1,048,576-row sheet of four columns, time, two keys
# and a value, unpacks to about 225 MiB).
EXCEL_MAX_UNPACKED = 256 * 1024 * 1024
# The most a Parquet upload to the app may declare: cells (rows x columns; the grid's own
# limit, datamime.data.grid.MAX_CELLS) and uncompressed bytes (see check_parquet).
PARQUET_MAX_CELLS = 50_000_000
PARQUET_MAX_UNPACKED = 1024 * 1024 * 1024

_SNIFF_LINES = 30
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)?([eE][+-]?\d+)?$")


@dataclass
class TableFormat:
    """How a table was stored, so output can mirror it.

    Attributes:
        sep: field separator of a delimited text file; None for Excel, Parquet
            and in-memory frames.
        decimal: decimal mark of numbers written as text (``"."`` or ``","``).
        kind: ``"csv"``, ``"excel"``, ``"parquet"`` or ``"frame"``.
    """

    sep: str | None
    decimal: str = "."
    kind: str = "csv"


def read_table(
    source: str | os.PathLike | pd.DataFrame, sep: str | None = None
) -> tuple[pd.DataFrame, TableFormat]:
    """Load a table without reinterpreting its cells.

    Args:
        source: path to a ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xls`` or
            ``.parquet`` file, or a DataFrame (copied).
        sep: field separator of a text file; sniffed among ``; , TAB |`` when None.

    Returns:
        The table (column names stripped; text files read as strings, fully empty
        rows dropped with the original row labels kept) and its format.

    Raises:
        DataError: missing, empty, header-only, binary or unreadable file, or an
            unsupported extension.
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy().reset_index(drop=True)
        df.columns = [str(c).strip() for c in df.columns]
        if df.shape[1] == 0:
            raise DataError("the table has no columns")
        _check_unique_names(df, "the table")
        if len(df) == 0:
            raise DataError("the table has no rows")
        return df, TableFormat(sep=None, decimal=_detect_decimal(df, None), kind="frame")

    path = Path(source)
    if not path.exists():
        raise DataError(f"file not found: {path} (check the path)")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a table file")
    ext = path.suffix.lower()
    if ext in CSV_EXTENSIONS:
        df, fmt = _read_csv(path, sep)
    elif ext in EXCEL_EXTENSIONS:
        df, fmt = _read_excel(path), TableFormat(sep=None, kind="excel")
    elif ext in PARQUET_EXTENSIONS:
        df, fmt = _read_parquet(path), TableFormat(sep=None, kind="parquet")
    else:
        supported = ", ".join(CSV_EXTENSIONS + EXCEL_EXTENSIONS + PARQUET_EXTENSIONS)
        raise DataError(f"unsupported file type '{path.suffix}' for {path}; use one of {supported}")

    df.columns = [str(c).strip() for c in df.columns]
    if df.shape[1] == 0:
        raise DataError(f"{path} is empty; give a table with a header row and data rows")
    _check_unique_names(df, str(path))
    df = _drop_empty_rows(df)
    if len(df) == 0:
        raise DataError(f"{path} has a header but no data rows; add some rows")
    if fmt.kind != "csv":
        fmt.decimal = _detect_decimal(df, None)
    else:
        fmt.decimal = _detect_decimal(df, fmt.sep)
    return df, fmt


def _check_unique_names(df: pd.DataFrame, where: str) -> None:
    """Column names must differ once stripped (``"a"`` and ``" a"`` are the same name)."""
    names = pd.Index(df.columns)
    if names.has_duplicates:
        dup = names[names.duplicated()][0]
        raise DataError(f"column {dup!r} appears more than once in {where}; rename one of them")


def _normalise_sep(sep: str) -> str:
    aliases = {"\\t": "\t", "tab": "\t", "TAB": "\t", "semicolon": ";", "comma": ","}
    return aliases.get(sep, sep)


def _decode(raw: bytes, path: Path) -> str:
    """Decode text bytes: UTF-16 / UTF-8 (BOM optional), then latin-1."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path} is not readable text (bad UTF-16); save it as UTF-8 CSV"
            ) from exc
    if b"\x00" in raw[:8192]:
        raise DataError(f"{path} looks like a binary file, not text; export it as CSV")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sniff_sep(text: str) -> str:
    """Pick the separator that splits the first lines into a constant number (>1) of fields."""
    lines = [ln for ln in text.splitlines()[: _SNIFF_LINES + 1] if ln.strip()]
    if len(lines) > _SNIFF_LINES:  # the last sampled line may be incomplete; drop it
        lines = lines[:_SNIFF_LINES]
    best: tuple[int, int] | None = None
    best_sep = None
    for rank, cand in enumerate(SEPARATORS):
        counts = {len(row) for row in csv.reader(lines, delimiter=cand)}
        if len(counts) == 1:
            n = counts.pop()
            if n > 1 and (best is None or (n, -rank) > best):
                best, best_sep = (n, -rank), cand
    if best_sep is not None:
        return best_sep
    header = lines[0] if lines else ""
    counts_in_header = [(header.count(c), -i, c) for i, c in enumerate(SEPARATORS)]
    n, _, cand = max(counts_in_header)
    return cand if n > 0 else ","


def _read_csv(path: Path, sep: str | None) -> tuple[pd.DataFrame, TableFormat]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise DataError(f"{path} is empty; give a table with a header row and data rows")
    text = _decode(raw, path)
    if not text.strip():
        raise DataError(f"{path} is empty; give a table with a header row and data rows")
    sep = _normalise_sep(sep) if sep else _sniff_sep(text)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path} is empty; give a table with a header row and data rows") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {path} with separator {sep!r}: {msg}") from exc
    return df, TableFormat(sep=sep, kind="csv")


def check_workbook(source: str | os.PathLike | IO[bytes], name: str | None = None,
                   max_unpacked: int = EXCEL_MAX_UNPACKED) -> int:
    """Refuse an ``.xlsx`` that would unpack to more than ``max_unpacked`` bytes.

    Only the zip directory is read (the sizes it declares for each member), never the
    members: a zip bomb posing as a workbook is refused in a few kilobytes of memory.
    A directory can understate the sizes; openpyxl reads members in small pieces, and
    Python's zip reader stops a piecewise read at the declared size and then fails the
    member's checksum, so such a file ends as "cannot read" without being inflated whole.

    Returns:
        The declared unpacked size in bytes.

    Raises:
        DataError: not a zip archive, or the members add up to more than ``max_unpacked``.
    """
    name = name or str(source)
    try:
        with zipfile.ZipFile(source) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise DataError(f"cannot read {name} as an Excel workbook (it is not an .xlsx zip "
                        "archive); save it as .xlsx or CSV") from None
    if total > max_unpacked:
        raise DataError(f"{name} would unpack to {total / 2**20:,.0f} MiB, more than the "
                        f"{max_unpacked / 2**20:,.0f} MiB a workbook may take (a zip bomb?); "
                        "save the sheet as CSV") from None
    return total


def check_parquet(source: str | os.PathLike | IO[bytes], name: str | None = None,
                  max_cells: int = PARQUET_MAX_CELLS,
                  max_unpacked: int = PARQUET_MAX_UNPACKED) -> int:
    """Refuse a Parquet file that would unpack to more than ``max_cells`` cells or
    ``max_unpacked`` bytes, from its footer alone (no column is read).

    The footer declares the rows, the columns and each row group's uncompressed size:
    a few kilobytes of run-length-encoded zeros can stand for a billion rows, which
    reading would lay out in memory whole.

    Returns:
        The declared number of cells (rows times columns).

    Raises:
        DataError: not a Parquet file, or more than the limits declared.
    """
    import pyarrow.parquet as pq

    name = name or str(source)
    try:
        meta = pq.ParquetFile(source).metadata
    except Exception:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError...
        raise DataError(f"cannot read {name} as a Parquet file") from None
    cells = meta.num_rows * meta.num_columns
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if cells > max_cells or unpacked > max_unpacked:
        raise DataError(f"{name} holds {meta.num_rows:,} rows x {meta.num_columns} columns "
                        f"({unpacked / 2**20:,.0f} MiB unpacked), more than the "
                        f"{max_cells:,} cells / {max_unpacked / 2**20:,.0f} MiB the app takes; "
                        "train on it with datamime train on the command line")
    return cells


def _read_excel(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook(path)
    try:
        # dtype=object stops pandas from turning text cells such as "0042" into numbers;
        # infer_objects then restores real numeric and date columns.
        df = pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
    except Exception as exc:  # openpyxl raises many unrelated types for a bad file
        hint = " (old .xls files: save as .xlsx or CSV)" if path.suffix.lower() == ".xls" else ""
        raise DataError(f"cannot read {path} as an Excel workbook{hint}") from exc
    return df.infer_objects()


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a bad file
        raise DataError(f"cannot read {path} as a Parquet file") from exc


def _drop_empty_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Remove rows whose cells are all empty or missing (keeps the row labels)."""
    empty = np.ones(len(df), dtype=bool)
    for name in df.columns:
        col = df[name]
        if is_text(col):
            cell_empty = col.isna().to_numpy() | (col.astype(str).str.strip() == "").to_numpy()
        else:
            cell_empty = col.isna().to_numpy()
        empty &= cell_empty
        if not empty.any():
            return df
    return df[~empty]


def _detect_decimal(df: pd.DataFrame, sep: str | None) -> str:
    """Return ``","`` when some text column holds only decimal-comma numbers, else ``"."``."""
    if sep == ",":
        return "."
    for name in df.columns:
        col = df[name]
        if not is_text(col):
            continue
        cells = pd.Series(col.dropna().astype(str).str.strip().unique())
        cells = cells[~na_cells(cells)]
        if cells.empty:
            continue
        sample = cells.iloc[:2000]
        if sample.str.contains(",", regex=False).any() and sample.str.match(_COMMA_NUMBER).all():
            return ","
    return "."
