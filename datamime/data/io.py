"""Reading and writing the tables datamime learns from and produces.

Reading never alters what the user wrote: CSV cells come back as strings (``"5010"``
stays ``"5010"``), and the separator and decimal mark are detected and remembered in
a :class:`TableFormat` so that synthetic data can be written in the same style.
Writing is atomic: a file either appears complete or not at all.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from datamime.errors import DataError

if TYPE_CHECKING:
    from datamime.data.schema import Schema

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls")
PARQUET_EXTENSIONS = (".parquet", ".pq")
SEPARATORS = (";", ",", "\t", "|")
# An .xlsx is a zip archive of XML files: one whose members would unpack to more than this
# is refused before it is opened (a full 1,048,576-row sheet of four columns, time, two keys
# and a value, unpacks to about 225 MiB).
EXCEL_MAX_UNPACKED = 256 * 1024 * 1024

# Cells that mean "no value": compared after stripping whitespace, ignoring case. Besides the
# usual empty / NA / null, the no-data and detection-limit markers of measurement exports
# (<LD "limite de detection", <LQ, <DL, ND "not detected", #N/A from spreadsheets, --).
NA_TOKENS = frozenset(
    {"", "NA", "N/A", "n/a", "na", "nan", "NaN", "NAN", "null", "NULL", "None", "-",
     "--", "---", "#N/A", "#NA", "N.A.", "n.a.", "ND", "n.d.", "N.D.", "nd",
     "<LD", "<LQ", "<DL", "<LOD", "<LOQ", "<QL", "<ql", "<ld", "<lq", "<dl"}
)
_NA_LOWER = frozenset(t.lower() for t in NA_TOKENS)
# "<0.5", "< 2": below a detection limit, so unknown (missing), never zero or the limit.
_BELOW_LIMIT = re.compile(r"^<\s*\d")


def na_cells(cells: pd.Series) -> np.ndarray:
    """Mask of the cells that mean "no value" (see :data:`NA_TOKENS`, and ``<number``).

    Args:
        cells: a column of any dtype; non-text cells are missing when they are NA.

    Returns:
        A bool array, True for an empty cell, a missing marker or a detection limit.
    """
    missing = cells.isna().to_numpy()
    text = cells.astype(str).str.strip()
    marker = text.str.lower().isin(_NA_LOWER).to_numpy()
    below = text.str.match(_BELOW_LIMIT).to_numpy(dtype=bool, na_value=False)
    return missing | marker | below

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
        if name in skip or not _is_text(col):
            continue
        bad = formula_cells(col)
        if bad:
            out[name] = col.where(~col.isin(bad), "'" + col.astype(str))
    out.columns = [f"'{c}" if formula_cells([c]) else c for c in out.columns]
    return out


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


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(col) or col.dtype == object


def _drop_empty_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Remove rows whose cells are all empty or missing (keeps the row labels)."""
    empty = np.ones(len(df), dtype=bool)
    for name in df.columns:
        col = df[name]
        if _is_text(col):
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
        if not _is_text(col):
            continue
        cells = pd.Series(col.dropna().astype(str).str.strip().unique())
        cells = cells[~na_cells(cells)]
        if cells.empty:
            continue
        sample = cells.iloc[:2000]
        if sample.str.contains(",", regex=False).any() and sample.str.match(_COMMA_NUMBER).all():
            return ","
    return "."


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
    if not (is_time or _is_text(col)):
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
    lengths) to the binary file ``fh``: cells joined by ``sep``, each row ended by a
    newline, a million rows at a time."""
    import pyarrow.compute as pc

    step = 1 << 20
    for start in range(0, len(columns[0]), step):
        parts = [c.slice(start, step) for c in columns]
        parts[-1] = pc.binary_join_element_wise(parts[-1], "", "\n")  # cell + "\n"
        lines = pc.binary_join_element_wise(*parts, sep)
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
        fh.write(memoryview(lines.buffers()[2])[first:last])


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
