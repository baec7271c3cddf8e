"""From a user's table to a validated :class:`Panel` and the :class:`Schema` describing it.

:func:`prepare` is the single boundary between user data and the rest of datamime:
it reads the table, guesses whichever roles (time, groups, value) were not given,
parses times (localising them with ``tz``) and numbers (missing markers as NaN) strictly,
checks that every (groups, time) key is unique (or combines duplicates with ``agg``),
puts the times on a regular grid (jittered clocks snapped, with a printed rule), and
reports any problem as a one-line :class:`DataError` naming the column, row and text
at fault.
"""

from __future__ import annotations

import itertools
import os
import re
import warnings
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from datamime.data.io import na_cells, read_table
from datamime.data.panel import Panel, panel_from_long
from datamime.errors import DataError

# Largest grid accepted: number of time steps, and time steps x series.
MAX_STEPS = 2_000_000
MAX_CELLS = 50_000_000


@dataclass
class Schema:
    """Everything needed to read, check and write data shaped like the sample.

    Attributes:
        time: name of the time column.
        groups: names of the identifying columns (empty for a single series).
        value: name of the value column.
        sep: field separator of the input text file (None for Excel/Parquet/frames).
        decimal: decimal mark of the input (``"."`` or ``","``).
        date_format: strftime format reproducing the input's date style.
        freq: pandas offset alias of the time grid (``"h"``, ``"30min"``, ``"D"``...).
        categories: distinct values (sorted strings) of each group column.
        integer: True when every observed value is a whole number.
        min: smallest observed value.
        max: largest observed value.
        n_series: number of series.
        start: first timestamp (ISO 8601).
        end: last timestamp (ISO 8601).
        tz: the IANA zone given as ``data.tz`` (naive local clock times localised,
            converted to UTC and stored without zone; output is written back in that
            zone), else ``"UTC"`` when the input carried UTC offsets (converted to UTC),
            else None. Optional, so schemas saved before it existed still load.
        values: the value columns when several were learned together (``data.value``
            a list, e.g. temperature and humidity); they are then one identifying column
            ``variable`` of the panel, ``value`` its (internal) value column, and the
            output is written wide again, one column per value column. None otherwise.
        variable: the name of that identifying column (None with a single value column).
        carried: the other columns fixed within each series (a town beside a station
            code), written unchanged into the output (:mod:`datamime.output.carry`);
            None when there are none.
    """

    time: str
    groups: list[str]
    value: str
    sep: str | None
    decimal: str
    date_format: str
    freq: str
    categories: dict[str, list[str]]
    integer: bool
    min: float
    max: float
    n_series: int
    start: str
    end: str
    tz: str | None = None
    values: list[str] | None = None
    variable: str | None = None
    carried: dict | None = None

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict of the schema."""
        d = asdict(self)
        d["groups"] = [str(g) for g in self.groups]
        d["categories"] = {str(k): [str(v) for v in vs] for k, vs in self.categories.items()}
        d["integer"] = bool(self.integer)
        d["min"] = float(self.min)
        d["max"] = float(self.max)
        d["n_series"] = int(self.n_series)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Schema:
        """Rebuild a schema from :meth:`to_dict` output (unknown keys are ignored).

        Raises:
            DataError: a required key is missing.
        """
        names = {f.name for f in fields(cls)}
        required = names - {"tz", "values", "variable", "carried"}
        missing = sorted(required - set(d))
        if missing:
            raise DataError(f"schema is missing {', '.join(missing)}")
        kwargs = {k: v for k, v in d.items() if k in names}
        kwargs["groups"] = list(kwargs["groups"])
        kwargs["categories"] = {k: list(v) for k, v in kwargs["categories"].items()}
        return cls(**kwargs)


@dataclass
class Roles:
    """Which column plays which part in a long table.

    Attributes:
        time: the timestamp column.
        groups: identifying columns; their combination names one series.
        value: the numeric column to imitate.
    """

    time: str
    groups: list[str]
    value: str


# ---------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------

_CLOCKS = (" %H:%M:%S", " %H:%M", "", " %H:%M:%S.%f")
_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    *(f"%Y/%m/%d{c}" for c in _CLOCKS),
    "%Y-%m",
)
# (day-first, month-first) pairs; a None month-first means the style is day-first only.
_DMY_FORMATS: tuple[tuple[str, str | None], ...] = (
    *((f"%d/%m/%Y{c}", f"%m/%d/%Y{c}") for c in _CLOCKS),
    *((f"%d-%m-%Y{c}", f"%m-%d-%Y{c}") for c in _CLOCKS),
    *((f"%d.%m.%Y{c}", None) for c in _CLOCKS),
)
_FALLBACK_FORMAT = "%Y-%m-%d %H:%M:%S"
_DAY_MONTH = re.compile(r"^\d{1,2}[/-]\d{1,2}[/-]\d{4}")  # 01/03/2024, 01-03-2024
_DATE_HINT = re.compile(r"\d[-/.]\d|\d{4}[-/.]")


def _row_number(values: pd.Series, position: int) -> int:
    """Row number as a spreadsheet shows it (header is row 1) for a positional index."""
    label = values.index[position]
    if isinstance(label, (int, np.integer)):
        return int(label) + 2
    return position + 2


def _strings(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Stripped text of each cell and a mask of empty / missing cells."""
    missing = values.isna().to_numpy()
    # pandas 3 keeps None/NaN as missing through astype(str): make them "" first
    text = values.astype(object).where(~missing, "").astype(str).str.strip()
    empty = missing | (text == "").to_numpy()
    return text, empty


def _try_format(uniques: pd.Series, fmt: str) -> pd.Series | None:
    """Parse all ``uniques`` with ``fmt`` (UTC, zone dropped) or return None."""
    try:
        parsed = pd.to_datetime(uniques, format=fmt, errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        return None
    if parsed.isna().any():
        return None
    return parsed


def _n_spacings(parsed: pd.Series) -> int:
    ordered = np.sort(parsed.to_numpy())
    return len(np.unique(np.diff(ordered)))


def _detect_format(
    uniques: pd.Series, dayfirst: bool | None = None
) -> tuple[str, pd.Series] | None:
    """Find the first candidate format that parses every value in ``uniques``."""
    for fmt in _ISO_FORMATS:
        parsed = _try_format(uniques, fmt)
        if parsed is not None:
            return fmt, parsed
    for day_fmt, month_fmt in _DMY_FORMATS:
        by_day = _try_format(uniques, day_fmt)
        by_month = _try_format(uniques, month_fmt) if month_fmt else None
        if by_day is not None and by_month is not None:
            if dayfirst is None:
                dayfirst = _n_spacings(by_day) <= _n_spacings(by_month)
            return (day_fmt, by_day) if dayfirst else (month_fmt, by_month)
        if by_day is not None:
            return day_fmt, by_day
        if by_month is not None:
            return month_fmt, by_month
    return None


def _parses(uniques: pd.Series, fmt: str) -> np.ndarray:
    """Mask of the ``uniques`` that ``fmt`` parses."""
    try:
        return pd.to_datetime(uniques, format=fmt, errors="coerce", utc=True).notna().to_numpy()
    except (ValueError, TypeError, OverflowError):
        return np.zeros(len(uniques), dtype=bool)


def _check_day_month(uniques: pd.Series, codes: np.ndarray, values: pd.Series,
                     dayfirst: bool | None, column: str) -> None:
    """Refuse a column whose dates cannot all be read in one order (day or month first).

    Raises a :class:`DataError` naming rows when some dates read only day-first
    (``13/03/2024``) and others only month-first (``03/13/2024``), or when every date
    fits one order but ``dayfirst`` asks for the other: such dates are never read
    both ways or silently turned round.
    """
    if not len(uniques) or not _DAY_MONTH.match(str(uniques.iloc[0])):
        return

    def row(unique: int) -> str:
        pos = int(np.flatnonzero(codes == unique)[0])
        return f"row {_row_number(values, pos)} '{uniques.iloc[unique]}'"

    for day_fmt, month_fmt in _DMY_FORMATS:
        if month_fmt is None:
            continue
        by_day, by_month = _parses(uniques, day_fmt), _parses(uniques, month_fmt)
        if not (by_day | by_month).all():
            continue
        only_day, only_month = by_day & ~by_month, by_month & ~by_day
        if only_day.any() and only_month.any():
            both = int((by_day & by_month).sum())
            raise DataError(
                f"column '{column}' mixes day-first and month-first dates: "
                f"{row(int(np.argmax(only_day)))} reads only day-first, "
                f"{row(int(np.argmax(only_month)))} only month-first"
                + (f", and {both} fit both (such as {row(int(np.argmax(by_day & by_month)))})"
                   if both else "")
                + "; write every date in one order (data.dayfirst cannot tell them apart)")
        wrong = only_month if dayfirst is True else only_day if dayfirst is False else None
        if wrong is not None and wrong.any() and (by_month if dayfirst else by_day).all():
            order = "month-first" if dayfirst else "day-first"
            raise DataError(
                f"column '{column}': data.dayfirst={str(dayfirst).lower()}, but "
                f"{row(int(np.argmax(wrong)))} can only be {order}; set "
                f"data.dayfirst={str(not dayfirst).lower()} or leave it out to detect the order")
        return


def _format_of_datetimes(parsed: pd.Series) -> str:
    """ISO-style format that loses nothing for already-parsed datetimes."""
    ns = parsed.dropna().astype("datetime64[ns]").to_numpy().astype(np.int64)
    day = 86_400 * 10**9
    if (ns % day == 0).all():
        return "%Y-%m-%d"
    if (ns % (60 * 10**9) == 0).all():
        return "%Y-%m-%d %H:%M"
    if (ns % 10**9 == 0).all():
        return "%Y-%m-%d %H:%M:%S"
    return "%Y-%m-%d %H:%M:%S.%f"


def _to_ns(parsed: pd.Series, raw: pd.Series, column: str) -> pd.Series:
    """Convert to tz-naive datetime64[ns], reporting the first out-of-range date."""
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        return parsed.astype("datetime64[ns]")
    except (ValueError, OverflowError) as exc:
        lo, hi = pd.Timestamp.min, pd.Timestamp.max
        bad = ((parsed < lo) | (parsed > hi)).to_numpy()
        pos = int(np.flatnonzero(bad)[0]) if bad.any() else 0
        raise DataError(
            f"column '{column}', row {_row_number(raw, pos)}: '{str(raw.iloc[pos]).strip()}' "
            f"is outside the supported date range (years 1678-2261)"
        ) from exc


def _parse_times(
    values: pd.Series, dayfirst: bool | None, column: str
) -> tuple[pd.Series, str, bool]:
    """Parse times; also say whether the input carried UTC offsets."""
    if len(values) == 0:
        raise DataError(f"column '{column}' has no rows")
    if pd.api.types.is_datetime64_any_dtype(values):
        tz_aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        if values.isna().any():
            pos = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(f"column '{column}', row {_row_number(values, pos)}: the time is empty")
        out = _to_ns(values, values, column)
        return out.rename(values.name), _format_of_datetimes(out), tz_aware

    text, empty = _strings(values)
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(f"column '{column}', row {_row_number(values, pos)}: the time is empty")
    codes, uniques = pd.factorize(text)
    uniques = pd.Series(uniques, dtype=object)
    _check_day_month(uniques, codes, values, dayfirst, column)
    found = _detect_format(uniques, dayfirst)
    if found is not None:
        fmt, parsed_uniques = found
    else:
        fmt = _FALLBACK_FORMAT
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed_uniques = pd.to_datetime(
                    uniques, format="mixed", dayfirst=bool(dayfirst), errors="coerce", utc=True
                )
            except (ValueError, TypeError, OverflowError):
                parsed_uniques = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns, UTC]")
        bad_unique = parsed_uniques.isna().to_numpy()
        if bad_unique.any():
            pos = int(np.flatnonzero(bad_unique[codes])[0])
            raise DataError(
                f"column '{column}', row {_row_number(values, pos)}: "
                f"'{text.iloc[pos]}' is not a date/time"
            )
    tz_aware = "%z" in fmt
    fmt = fmt.replace("%z", "")
    parsed = pd.Series(parsed_uniques.to_numpy()[codes], index=values.index, name=values.name)
    parsed = pd.to_datetime(parsed, utc=True)
    return _to_ns(parsed, text, column), fmt, tz_aware


def parse_times(
    values: pd.Series, dayfirst: bool | None = None, column: str = "time"
) -> tuple[pd.Series, str]:
    """Parse a column of times strictly, remembering the format it was written in.

    Candidate formats (ISO with ``T`` or space, with or without seconds, date only,
    day-first and month-first with ``/`` ``-`` ``.``...) are tried in turn; a format
    counts when it parses every value. When both day-first and month-first fit,
    ``dayfirst`` decides, else the reading giving the most regular spacing wins
    (ties: day-first). Values with UTC offsets are converted to UTC, zone dropped.

    Args:
        values: the raw column (text, or already datetimes).
        dayfirst: how to read ambiguous dates like ``01/02/2022``; None to detect.
        column: column name used in error messages.

    Returns:
        ``(times, date_format)``: tz-naive ``datetime64[ns]`` values (same index)
        and a strftime format reproducing the input's style.

    Raises:
        DataError: an empty, unparseable or out-of-range time (row and text named).
    """
    times, fmt, _ = _parse_times(values, dayfirst, column)
    return times, fmt


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def missing_markers(values: pd.Series) -> dict[str, int]:
    """How many cells of a raw value column mean "no value", by marker as written.

    Returns:
        ``{marker: count}`` (an empty cell shown as ``""``), most frequent first;
        empty when nothing is missing.
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        n = int(values.isna().sum())
        return {"NaN": n} if n else {}
    missing = na_cells(values)
    if not missing.any():
        return {}
    cells = values[missing]
    shown = cells.astype(object).where(cells.notna(), "NaN").astype(str).str.strip()
    return {str(k): int(v) for k, v in shown.value_counts(sort=True).items()}


def parse_values(values: pd.Series, decimal: str = ".", column: str = "value") -> pd.Series:
    """Parse a column of numbers; missing markers become NaN, never zero.

    Args:
        values: the raw column (text or numeric).
        decimal: decimal mark of text numbers (``"."`` or ``","``).
        column: column name used in error messages.

    Returns:
        float64 values with the same index; NaN marks a missing value
        (empty, ``NA``, ``N/A``, ``nan``, ``null``, ``-``, ``--``, ``#N/A``, ``ND``,
        ``n.d.``, detection limits ``<LD``, ``<LQ``, ``<DL``, ``<0.5``...; any case).

    Raises:
        DataError: a cell that is neither a number nor a missing marker, or an
            infinite number (row and text named).
    """
    if pd.api.types.is_bool_dtype(values):
        out = values.astype(np.float64)
    elif pd.api.types.is_numeric_dtype(values):
        out = pd.Series(pd.to_numeric(values, errors="coerce"), index=values.index)
        out = out.astype(np.float64)
    else:
        text, empty = _strings(values)
        empty |= na_cells(text)
        codes, uniques = pd.factorize(text)
        cleaned = pd.Series(uniques, dtype=object)
        if decimal == ",":
            cleaned = cleaned.str.replace(",", ".", regex=False)
        cleaned = cleaned.str.replace("\u2212", "-", regex=False)  # unicode minus
        parsed_uniques = pd.to_numeric(cleaned, errors="coerce").astype(np.float64).to_numpy()
        parsed = parsed_uniques[codes]
        parsed[empty] = np.nan
        bad = np.isnan(parsed) & ~empty
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"column '{column}', row {_row_number(values, pos)}: "
                f"'{text.iloc[pos]}' is not a number"
            )
        out = pd.Series(parsed, index=values.index, name=values.name)
    arr = out.to_numpy()
    infinite = np.isinf(arr)
    if infinite.any():
        pos = int(np.flatnonzero(infinite)[0])
        raise DataError(
            f"column '{column}', row {_row_number(values, pos)}: "
            f"'{str(values.iloc[pos]).strip()}' is not a finite number"
        )
    return out.rename(values.name)


# ---------------------------------------------------------------------------
# Frequency
# ---------------------------------------------------------------------------


def _alias_of_delta(delta: pd.Timedelta) -> str:
    day = pd.Timedelta(days=1)
    if delta % day == pd.Timedelta(0):
        n = delta // day
        return "D" if n == 1 else f"{n}D"
    return to_offset(delta).freqstr


def _normalise_alias(freq: object) -> str:
    offset = freq if isinstance(freq, pd.DateOffset) else to_offset(freq)
    if isinstance(offset, Tick):
        return _alias_of_delta(pd.Timedelta(offset))
    return offset.freqstr


def infer_freq(times: pd.Series | pd.DatetimeIndex) -> str:
    """Infer the sampling frequency of a set of timestamps.

    Uses :func:`pandas.infer_freq` on the sorted distinct timestamps when it
    succeeds; otherwise (gaps, irregular steps) the most common positive step,
    or a whole number of months when every timestamp is a month start or end.

    Args:
        times: timestamps (any order, repeats allowed).

    Returns:
        A pandas offset alias such as ``"h"``, ``"30min"``, ``"D"``, ``"MS"``.

    Raises:
        DataError: fewer than two distinct timestamps.
    """
    idx = pd.DatetimeIndex(times).dropna().unique().sort_values()
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    if len(idx) < 2:
        raise DataError(
            "the time column needs at least two time steps to infer a frequency "
            f"(found {len(idx)})"
        )
    if len(idx) >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                found = pd.infer_freq(idx)
            except (ValueError, TypeError):
                found = None
        if found is not None:
            return _normalise_alias(found)
    # Month-based grids have unequal steps in days; count them in months.
    midnight = (idx == idx.normalize()).all()
    if midnight and ((idx.day == 1).all() or idx.is_month_end.all()):
        months = np.diff(idx.year.to_numpy() * 12 + idx.month.to_numpy())
        months = months[months > 0]
        if len(months):
            vals, counts = np.unique(months, return_counts=True)
            m = int(vals[np.argmax(counts)])
            suffix = "MS" if (idx.day == 1).all() else "ME"
            return suffix if m == 1 else f"{m}{suffix}"
    steps = np.diff(idx.as_unit("ns").asi8)
    steps = steps[steps > 0]
    vals, counts = np.unique(steps, return_counts=True)
    step = int(vals[np.argmax(counts)])  # ties: the smallest step
    return _alias_of_delta(pd.Timedelta(step, unit="ns"))


# ---------------------------------------------------------------------------
# Role guessing
# ---------------------------------------------------------------------------

_TIME_WORDS = ("date", "time", "timestamp", "datetime", "period", "jour", "heure", "hour", "day")
_START_WORDS = ("debut", "start", "begin", "from")
_END_TOKENS = {"fin", "end", "stop", "to", "until"}
_VALUE_NAMES = {"value", "valeur", "values", "val", "v", "y", "target", "measurement"}
_VALUE_TOKENS = {
    "value", "valeur", "measurement", "measure", "mesure", "amount", "count", "quantity",
    "qty", "sales", "reading", "level", "load", "demand", "price", "volume",
    "concentration", "consumption",
}  # fmt: skip
_MAX_PROFILE_UNIQUES = 5000


@dataclass
class _Column:
    """What role guessing needs to know about one column."""

    name: str
    position: int
    codes: np.ndarray  # factorized cells (missing cells get their own code)
    n_unique: int
    text: bool
    is_date: bool = False
    numeric: bool = False
    whole: bool = False  # numeric and every value a whole number
    id_like: bool = False  # whole, unique per row, and ordered like a row counter


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", name.lower()) if t]


def _looks_numeric(uniques: pd.Series) -> tuple[bool, np.ndarray]:
    cells = uniques[~na_cells(uniques)]
    if cells.empty:
        return False, np.array([])
    nums = pd.to_numeric(cells, errors="coerce")
    if nums.isna().any():
        nums = pd.to_numeric(cells.str.replace(",", ".", regex=False), errors="coerce")
    if nums.isna().any():
        return False, np.array([])
    return True, nums.to_numpy(dtype=np.float64)


def _profile(df: pd.DataFrame) -> list[_Column]:
    cols = []
    n = len(df)
    for pos, name in enumerate(df.columns):
        s = df[name]
        codes, uniques = pd.factorize(s, use_na_sentinel=False)
        col = _Column(name=name, position=pos, codes=codes, n_unique=len(uniques), text=False)
        if pd.api.types.is_datetime64_any_dtype(s):
            col.is_date = True
        elif pd.api.types.is_bool_dtype(s):
            col.text = True
        elif pd.api.types.is_numeric_dtype(s):
            arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
            arr = arr[~np.isnan(arr)]
            col.numeric = len(arr) > 0
            col.whole = col.numeric and bool(np.all(arr == np.round(arr)))
        else:
            col.text = True
            sample = pd.Series(uniques[:_MAX_PROFILE_UNIQUES], dtype=object).astype(str).str.strip()
            sample = sample[sample != ""]
            numeric, nums = _looks_numeric(sample)
            if numeric:
                col.text, col.numeric = False, True
                col.whole = bool(np.all(nums == np.round(nums)))
            elif len(sample) and _DATE_HINT.search(str(sample.iloc[0])):
                col.is_date = _detect_format(sample.reset_index(drop=True)) is not None
        if col.numeric and col.whole and col.n_unique == n and n >= 3:
            nums = _numbers_quiet(s)
            diffs = np.diff(nums)
            col.id_like = bool(np.all(diffs > 0) or np.all(diffs < 0))
        cols.append(col)
    return cols


def _numbers_quiet(values: pd.Series) -> np.ndarray:
    """Best-effort numbers for profiling (unparseable cells become NaN)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    text = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Codes of the pairs (a, b), compacted to 0..k-1."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b
    return pd.factorize(key)[0]


def _n_distinct(codes: list[np.ndarray], n: int) -> int:
    if not codes:
        return 1 if n else 0
    key = codes[0]
    for c in codes[1:]:
        key = _combine(key, c)
    return int(key.max()) + 1 if n else 0


def _time_score(name: str) -> int:
    low = name.lower()
    score = 0
    if any(w in low for w in _START_WORDS):
        score += 2
    if any(w in low for w in _TIME_WORDS):
        score += 1
    if _END_TOKENS & set(_tokens(name)):
        score -= 2
    return score


def _value_name_score(name: str) -> int:
    if name.strip().lower() in _VALUE_NAMES:
        return 2
    return 1 if _VALUE_TOKENS & set(_tokens(name)) else 0


def _guess_time(cols: list[_Column], exclude: set[str]) -> str:
    dates = [c for c in cols if c.is_date and c.name not in exclude]
    if not dates:
        raise DataError(
            "no column looks like dates/times; name the time column (data.time=...)"
        )
    return max(dates, key=lambda c: (_time_score(c.name), -c.position)).name


def _guess_value(cols: list[_Column], exclude: set[str], n: int) -> str:
    numeric = [c for c in cols if c.numeric and not c.is_date and c.name not in exclude]
    if not numeric:
        raise DataError("no numeric column found for the values; name it (data.value=...)")
    usable = [c for c in numeric if not c.id_like and c.n_unique > 1] or numeric
    named = [c for c in usable if _value_name_score(c.name) > 0]
    if named:
        return max(named, key=lambda c: (_value_name_score(c.name), -c.position)).name
    # A measurement varies within the rows that share the same labels; a code does not.
    labels = [c.codes for c in cols if c.text and c.n_unique < n and c.name not in exclude]
    base = _n_distinct(labels, n)

    def spread(c: _Column) -> tuple[float, int, int]:
        return (_n_distinct([*labels, c.codes], n) / max(base, 1), c.n_unique, -c.position)

    return max(usable, key=spread).name


def _guess_groups(cols: list[_Column], time: str, value: str, n: int) -> list[str]:
    by_name = {c.name: c for c in cols}
    t_codes = by_name[time].codes
    if _n_distinct([t_codes], n) == n:
        return []
    cands = [
        c
        for c in cols
        if c.name not in (time, value)
        and not c.is_date
        and not (c.numeric and not c.whole)  # measurements, coordinates
        and 1 < c.n_unique <= n // 2
    ]
    # Among columns that are relabellings of each other, keep one (text first, then leftmost).
    cands.sort(key=lambda c: (not c.text, c.position))
    kept: list[_Column] = []
    for c in cands:
        if not any(
            k.n_unique == c.n_unique and _n_distinct([k.codes, c.codes], n) == c.n_unique
            for k in kept
        ):
            kept.append(c)
    max_size = 4 if len(kept) <= 12 else 3 if len(kept) <= 30 else 2
    for size in range(1, min(max_size, len(kept)) + 1):
        found = []
        for combo in itertools.combinations(kept, size):
            codes = [c.codes for c in combo]
            if _n_distinct([*codes, t_codes], n) == n:
                found.append(combo)
        if found:

            def cost(combo: tuple[_Column, ...]) -> tuple[int, int, list[int]]:
                n_series = _n_distinct([c.codes for c in combo], n)
                return (n_series, sum(c.n_unique for c in combo), [c.position for c in combo])

            best = min(found, key=cost)
            return [c.name for c in sorted(best, key=lambda c: (c.n_unique, c.position))]
    # Nothing makes the keys unique: add columns while they separate more rows.
    chosen: list[_Column] = []
    current = _n_distinct([t_codes], n)
    while True:
        rest = [c for c in kept if c not in chosen]
        if not rest:
            break
        scored = [(_n_distinct([*(k.codes for k in chosen), c.codes, t_codes], n), c) for c in rest]
        best_count = max(s for s, _ in scored)
        if best_count <= current:
            break
        chosen.append(next(c for s, c in scored if s == best_count))
        current = best_count
    return [c.name for c in sorted(chosen, key=lambda c: (c.n_unique, c.position))]


def _guess(
    df: pd.DataFrame,
    time: str | None = None,
    groups: list[str] | None = None,
    value: str | None = None,
) -> Roles:
    cols = _profile(df)
    n = len(df)
    fixed = set(groups or [])
    if time is None:
        time = _guess_time(cols, fixed | ({value} if value else set()))
    if value is None:
        value = _guess_value(cols, fixed | {time}, n)
    if groups is None:
        groups = _guess_groups(cols, time, value, n)
    return Roles(time=time, groups=list(groups), value=value)


def guess_roles(df: pd.DataFrame) -> Roles:
    """Guess which columns hold the time, the series identifiers and the value.

    The time column is one whose cells all parse as dates (names such as
    ``date``/``time``/``debut``/``start`` preferred, ``fin``/``end`` avoided); the
    value is a numeric column that is not a row counter or a code (names such as
    ``value``/``valeur``/``y`` preferred, else the one varying most among rows with
    the same labels); the groups are the smallest set of label or integer-code
    columns that makes every (groups, time) pair unique, preferring fewer series
    and fewer distinct values.

    Args:
        df: the table as read by :func:`~datamime.data.io.read_table`.

    Returns:
        The guessed roles.

    Raises:
        DataError: no date column or no numeric column.
    """
    if len(df) == 0:
        raise DataError("the table has no rows")
    return _guess(df)


# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    """Group labels as stripped strings (``5010.0`` read from Excel becomes ``"5010"``)."""
    if pd.api.types.is_float_dtype(values):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = arr[~np.isnan(arr)]
        if np.isfinite(finite).all() and (finite == np.round(finite)).all():
            values = values.round().astype("Int64")
    elif pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
    out = values.astype(object).where(values.notna(), "")
    return out.astype(str).str.strip()


def _check_columns(df: pd.DataFrame, names: list[str], where: str) -> None:
    for name in names:
        if name not in df.columns:
            available = ", ".join(repr(str(c)) for c in df.columns)
            raise DataError(f"column {name!r} not found in {where}; available columns: {available}")


def _describe(source: str | os.PathLike | pd.DataFrame) -> str:
    return "the table" if isinstance(source, pd.DataFrame) else str(source)


def _check_grid_size(start: pd.Timestamp, end: pd.Timestamp, freq: str, column: str,
                     n_series: int) -> None:
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        n_steps = (end - start).value // pd.Timedelta(offset).value + 1
    else:
        n_steps = len(pd.date_range(start, end, freq=freq))
    if n_steps > MAX_STEPS or n_steps * n_series > MAX_CELLS:
        raise DataError(
            f"column '{column}': a grid of step {freq!r} from {start} to {end} has "
            f"{n_steps:,} steps for {n_series} series, too many; check the time column or "
            "resample the data"
        )


def _off_grid(times: pd.Series, freq: str) -> np.ndarray:
    """Mask of the times that are not on the ``freq`` grid starting at the first time."""
    start = times.min()
    offset = to_offset(freq)
    if isinstance(offset, Tick):
        step = pd.Timedelta(offset).value
        return ((times - start).to_numpy().astype(np.int64) % step) != 0
    return ~times.isin(pd.date_range(start, times.max(), freq=freq)).to_numpy()


def _series_steps(long: pd.DataFrame, time: str, groups: list[str]) -> np.ndarray:
    """Positive steps (ns) between consecutive times of each series; of all times if none."""
    ordered = long.sort_values([*groups, time], kind="stable")
    ns = ordered[time].to_numpy().astype("datetime64[ns]").astype(np.int64)
    steps = np.diff(ns)
    if groups:
        same = (ordered[groups].iloc[1:].to_numpy() == ordered[groups].iloc[:-1].to_numpy())
        steps = steps[same.all(axis=1)]
    steps = steps[steps > 0]
    if not len(steps):
        steps = np.diff(np.unique(ns))
    return steps


# Steps a jittered clock is rounded to: the one nearest (in ratio) to the typical step.
_NICE_STEPS = ("1s", "2s", "5s", "10s", "15s", "20s", "30s", "1min", "2min", "5min", "10min",
               "15min", "20min", "30min", "1h", "2h", "3h", "4h", "6h", "8h", "12h", "1D", "2D",
               "7D")
# An exact grid finer than the typical step / this factor is taken for jitter, not a grid.
_MAX_SUBSTEPS = 4
AGGREGATIONS = ("mean", "sum", "min", "max", "median", "first", "last")


def _nice_step(step_ns: float) -> pd.Timedelta:
    cands = [pd.Timedelta(c) for c in _NICE_STEPS]
    return min(cands, key=lambda c: abs(np.log(c.value / step_ns)))


def _place_on_grid(
    long: pd.DataFrame, time: str, groups: list[str], value: str, agg: str | None,
    verbose: bool, every: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, str]:
    """Find the time grid and put every time on it; return the table and the grid's alias.

    The grid is, in this order: the inferred frequency when every time is on it; else the
    exact grid of the greatest common step when it is not much finer than the typical
    step (nothing moves); else, for jittered clocks, the typical step within a series
    rounded to a round unit, each time moved to its nearest slot and the rows of one
    series landing in one slot combined by ``agg`` (mean by default). ``every`` (the
    groups and times of all rows, including those without a value) is what the grid is
    inferred from; it defaults to ``long``.

    Raises:
        DataError: fewer than two distinct times, a month-based grid with off-grid
            times, or a grid too large.
    """
    every = long if every is None else every
    times, all_times = long[time], every[time]
    n_series = len(long[groups].drop_duplicates()) if groups else 1
    freq = infer_freq(all_times)
    start, end = times.min(), times.max()
    if not isinstance(to_offset(freq), Tick) or not _off_grid(all_times, freq).any():
        _check_grid_size(start, end, freq, time, n_series)
        off = _off_grid(times, freq)
        if off.any():
            example = times.iloc[int(np.flatnonzero(off)[0])]
            raise DataError(
                f"column '{time}': {int(off.sum())} time(s) are off the {freq} grid starting at "
                f"{start}, e.g. {example}; make the steps regular or filter those rows"
            )
        return long, freq
    ns = np.unique(all_times.to_numpy().astype("datetime64[ns]").astype(np.int64))
    common = int(np.gcd.reduce(ns[1:] - ns[0]))
    typical = float(np.median(_series_steps(every, time, groups)))
    if common * _MAX_SUBSTEPS >= typical:
        freq = _alias_of_delta(pd.Timedelta(common, unit="ns"))
        _check_grid_size(start, end, freq, time, n_series)
        return long, freq
    step = _nice_step(typical)
    freq = _alias_of_delta(step)
    snapped = times.dt.round(step)
    _check_grid_size(snapped.min(), snapped.max(), freq, time, n_series)
    moved = int((snapped != times).sum())
    long = long.assign(**{time: snapped})
    keys = [*groups, time]
    clash = long.duplicated(subset=keys, keep=False)
    n_slots = int(long.loc[clash.to_numpy(), keys].drop_duplicates().shape[0])
    rule = agg or "mean"
    if n_slots:
        long = long.groupby(keys, sort=False, as_index=False, dropna=False)[value].agg(rule)
    if verbose:
        combined = (f"; {n_slots:,} slot(s) holding several rows of one series combined by "
                    f"{rule}" if n_slots else "")
        print(f"datamime: {moved:,} of {len(times):,} times were off a regular grid and moved "
              f"to the nearest {freq} step (typical step {pd.Timedelta(int(typical), unit='ns')}, "
              f"grid {freq} from {snapped.min()}){combined}")
    return long, freq


_VALID = {"1", "true", "yes", "y", "t", "oui", "o", "valid", "ok", "1.0"}
_NOT_VALID = {"0", "false", "no", "n", "f", "non", "invalid", "ko", "0.0"}


def parse_validity(flags: pd.Series, column: str = "valid") -> pd.Series:
    """A validity column as booleans; an unknown flag is a DataError naming its row."""
    text = flags.astype(str).str.strip().str.lower()
    ok, bad = text.isin(_VALID), text.isin(_NOT_VALID)
    unknown = ~(ok | bad)
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"column '{column}', row {_row_number(flags, pos)}: {flags.iloc[pos]!r} is not a "
            "validity flag (use 1/0, true/false, yes/no)"
        )
    return pd.Series(ok.to_numpy(), index=flags.index)


# Zones whose repeated autumn hour explains duplicated times on a DST night.
_DST_ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "America/Chicago",
              "America/Denver", "America/Los_Angeles", "Australia/Sydney", "Pacific/Auckland")


def _dst_hint(times: pd.Series) -> str:
    """A hint at data.tz when the duplicated times all lie in one repeated DST hour."""
    t0, t1 = times.min(), times.max()
    if t1 - t0 >= pd.Timedelta(hours=1) or t0.floor("h") != t1.floor("h"):
        return ""
    for zone in _DST_ZONES:
        try:
            t0.tz_localize(zone, ambiguous="raise", nonexistent="raise")
        except pytz_errors():
            return (f"; they all fall in the hour repeated when clocks go back (e.g. {zone}): "
                    f"if the times are local clock times, give the zone (data.tz={zone})")
    return ""


def pytz_errors() -> tuple[type[Exception], ...]:
    """Exceptions pandas raises for an ambiguous or missing local time.

    ValueError in pandas 3; pandas 2 raised pytz's errors, which are not ValueErrors.
    """
    try:
        import pytz
    except ImportError:
        return (ValueError,)
    return (pytz.InvalidTimeError, ValueError)


def _duplicates(
    long: pd.DataFrame, keys: list[str], value: str, agg: str | None, where: str, verbose: bool
) -> pd.DataFrame:
    """Combine duplicated (groups, time) keys by ``agg``, or raise a DataError listing them."""
    dup = long.duplicated(subset=keys, keep=False).to_numpy()
    if not dup.any():
        return long
    rows = long.loc[dup, keys].drop_duplicates()
    if agg is None:
        shown = "; ".join(
            "(" + ", ".join(str(v) for v in row) + ")"
            for row in rows.head(5).itertuples(index=False)
        )
        raise DataError(
            f"{len(rows)} duplicated ({', '.join(keys)}) key(s) in {where}, e.g. {shown}; "
            "add the column that tells these rows apart to data.groups, remove the duplicates, "
            f"or combine them (data.agg={'|'.join(AGGREGATIONS)})" + _dst_hint(rows[keys[-1]])
        )
    long = long.groupby(keys, sort=False, as_index=False, dropna=False)[value].agg(agg)
    if verbose:
        print(f"datamime: {len(rows):,} duplicated ({', '.join(keys)}) key(s) "
              f"({int(dup.sum()):,} rows) combined by {agg} (data.agg)")
    return long


def _check_zone(tz: str | None) -> str | None:
    if tz is None:
        return None
    try:
        pd.Timestamp("2020-01-01").tz_localize(str(tz))
    except Exception:  # noqa: BLE001 - pytz/zoneinfo raise different types for a bad name
        raise DataError(f"data.tz={tz!r} is not a time zone; use an IANA name such as "
                        "Europe/Paris, America/New_York or UTC") from None
    return str(tz)


def localize(times: pd.Series, tz: str, keys: pd.DataFrame | None = None,
             column: str = "time") -> pd.Series:
    """Naive local clock times in zone ``tz`` to naive UTC.

    In the autumn hour that occurs twice, the first row of a series at a given clock
    time is read as the first pass (summer time), the next one as the second pass.

    Args:
        times: naive datetimes. tz: IANA zone name.
        keys: the identifying columns (row order is counted per series); None or
            empty for a single series.
        column: name used in error messages.

    Raises:
        DataError: a clock time that does not exist in the zone (spring gap).
    """
    local = pd.DatetimeIndex(times)
    ambiguous = np.zeros(len(times), dtype=bool)
    try:
        local.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except pytz_errors():
        frame = pd.DataFrame({"_t": times.to_numpy()})
        if keys is not None and len(keys.columns):
            frame = pd.concat([keys.reset_index(drop=True), frame], axis=1)
        # first occurrence of a (series, clock time): summer time (True), later ones: winter
        ambiguous = (frame.groupby(list(frame.columns), sort=False).cumcount() == 0).to_numpy()
    try:
        aware = local.tz_localize(tz, ambiguous=ambiguous, nonexistent="NaT")
    except pytz_errors() as exc:
        raise DataError(f"column '{column}': cannot place the times in {tz}: {exc}") from None
    missing = aware.isna()
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"column '{column}', row {_row_number(times, pos)}: {times.iloc[pos]} does not exist "
            f"in {tz} (the clocks jump forward that night); fix or drop the row"
        )
    return pd.Series(aware.tz_convert("UTC").tz_localize(None), index=times.index,
                     name=times.name)


# A value this many robust deviations (1.4826 x MAD) from its series' median is reported.
OUTLIER_DEVIATIONS = 50.0


def extreme_values(panel: Panel) -> np.ndarray:
    """``[T, G]`` mask of values absurdly far from the rest of their series.

    A value counts when it lies more than :data:`OUTLIER_DEVIATIONS` robust deviations
    (1.4826 x the median absolute deviation) from its series' median. Series with
    fewer than 8 values or no spread (constant most of the time) have none.
    """
    values = panel.values
    out = np.zeros(values.shape, dtype=bool)
    for g in range(values.shape[1]):
        col = values[:, g]
        seen = col[~np.isnan(col)]
        if len(seen) < 8:
            continue
        med = np.median(seen)
        spread = 1.4826 * np.median(np.abs(seen - med))
        if spread > 0:
            out[:, g] = np.abs(np.nan_to_num(col - med)) > OUTLIER_DEVIATIONS * spread
    return out


def _report_extremes(panel: Panel, value: str) -> None:
    extreme = extreme_values(panel)
    if not extreme.any():
        return
    rows, cols = np.nonzero(extreme)
    labels = panel.series_labels()
    shown = "; ".join(
        f"{labels[g]} at {panel.index[t]}: {panel.values[t, g]:g}"
        for t, g in list(zip(rows, cols))[:3]
    )
    print(f"datamime: {len(rows):,} extreme value(s) of {value!r}, over "
          f"{OUTLIER_DEVIATIONS:g} robust deviations from their series' median (e.g. {shown}); "
          "they are kept in the sample, and the deep models learn them as gaps; if they are "
          "errors, mark them invalid (data.valid) or remove them")


def _report_missing(raw: pd.Series, column: str) -> None:
    markers = missing_markers(raw)
    if markers:
        shown = ", ".join(f"{k!r} x{v:,}" for k, v in list(markers.items())[:8])
        more = f" and {len(markers) - 8} more" if len(markers) > 8 else ""
        print(f"datamime: {sum(markers.values()):,} of {len(raw):,} cells of {column!r} read as "
              f"missing (masked, never zero): {shown}{more}")


def prepare(
    source: str | os.PathLike | pd.DataFrame,
    time: str | None = None,
    groups: list[str] | None = None,
    value: str | list[str] | None = None,
    sep: str | None = None,
    dayfirst: bool | None = None,
    verbose: bool = True,
    valid: str | None = None,
    agg: str | None = None,
    tz: str | None = None,
) -> tuple[Panel, Schema, pd.DataFrame]:
    """Read, validate and shape a sample for the generators.

    Args:
        source: a table file (CSV/TXT/TSV, Excel, Parquet) or a DataFrame.
        time: time column; None to guess.
        groups: identifying columns; None to guess, ``[]`` for a single series.
        value: value column; None to guess. A list of several columns (temperature and
            humidity) learns them jointly: they become the series of one more identifying
            column (``Schema.variable``) and the output is written wide again.
        sep: separator of a text file; None to sniff.
        dayfirst: how to read ambiguous dates; None to detect.
        verbose: print the guessed roles, if any were guessed.
        valid: a validity column (1/0, true/false, yes/no, oui/non); rows it marks as
            not valid are treated as missing: masked in training, regenerated in the output.
        agg: combine duplicated (groups, time) keys with ``mean``, ``sum``, ``min``,
            ``max``, ``median``, ``first`` or ``last``; None: duplicates are an error.
            Also combines the rows of one series that jittered times put in one slot
            (mean when None).
        tz: IANA zone (``Europe/Paris``) of naive local clock times: they are localised
            (a repeated autumn hour resolved by row order), converted to UTC, and the
            zone kept in the schema so that output can be written in local time.

    Returns:
        ``(panel, schema, long_df)``: the dense panel (NaN where the sample has no
        value), its schema, and the long table restricted to the role columns with
        parsed types (group labels as strings, times as datetimes, values as
        floats), missing values dropped, sorted by groups then time.

    Raises:
        DataError: any problem with the file, the columns, a cell, duplicated
            (groups, time) keys without ``agg``, an unknown ``agg`` or ``tz``, or a time
            grid that cannot be built.
    """
    if agg is not None and agg not in AGGREGATIONS:
        raise DataError(f"data.agg={agg!r} is not an aggregation; use one of "
                        f"{', '.join(AGGREGATIONS)} (or null to refuse duplicates)")
    zone = _check_zone(tz)
    df, fmt = read_table(source, sep=sep)
    order = list(df.columns)
    where = _describe(source)
    several: list[str] | None = None
    if isinstance(value, (list, tuple)) or (value is not None and not isinstance(value, str)):
        several = [str(v) for v in value]
        if len(set(several)) != len(several) or not several:
            raise DataError(f"data.value lists no column or a column twice: {several}")
        _check_columns(df, several, where)
        value = several[0] if len(several) == 1 else None
        if len(several) == 1:
            several = None
    given = [c for c in (time, value, valid) if c is not None] + list(groups or [])
    _check_columns(df, given, where)
    if several is not None:
        df, time, groups, value, variable = _stack_values(df, several, time, groups, fmt.decimal,
                                                          verbose)
    if groups is not None and len(set(groups)) != len(groups):
        raise DataError(f"data.groups lists a column twice: {groups}")
    if time is not None and value is not None and time == value:
        raise DataError(f"column {time!r} cannot be both the time and the value")
    for g in groups or []:
        if g in (time, value):
            raise DataError(f"column {g!r} cannot be both a group and the time or value")

    if time is None or value is None or groups is None:
        roles = _guess(df, time=time, groups=groups, value=value)
        if verbose:
            print(
                f"datamime: guessed roles time={roles.time!r} groups={roles.groups!r} "
                f"value={roles.value!r} (set data.time / data.groups / data.value to change)"
            )
        time, groups, value = roles.time, roles.groups, roles.value
        if time == value or time in groups or value in groups:
            raise DataError(
                f"could not tell the roles apart (time={time!r}, value={value!r}); "
                "set data.time / data.groups / data.value"
            )
    assert time is not None and value is not None and groups is not None

    times, date_format, tz_aware = _parse_times(df[time], dayfirst, time)
    values = parse_values(df[value], fmt.decimal, value)
    if verbose:
        _report_missing(df[value], value)
    if valid is not None:
        ok = parse_validity(df[valid], valid)
        if verbose and (~ok).any():
            print(f"datamime: {int((~ok).sum()):,} of {len(ok):,} rows are marked not valid "
                  f"by {valid!r}; they are treated as missing")
        values = values.where(ok)
    long = pd.DataFrame({g: _as_text(df[g]) for g in groups})
    from datamime.output.carry import learn  # here: the output stage imports this module

    carried = learn(df, long[[g for g in groups if g != variable]] if several else long,
                    [time, value, *([valid] if valid else []), *groups], order)
    long[time] = times
    long[value] = values
    if zone is not None and not tz_aware:
        long[time] = localize(long[time], zone, long[groups] if groups else None, time)
    before = long[groups].drop_duplicates() if groups else None
    every = long[[*groups, time]]
    long = long[long[value].notna()]
    if verbose and groups and not long.empty:
        gone = before.merge(long[groups].drop_duplicates(), how="left", indicator=True)
        gone = gone[gone["_merge"] == "left_only"][groups]
        if len(gone):
            shown = "; ".join(" / ".join(map(str, r)) for r in gone.head(5).itertuples(index=False))
            print(f"datamime: {len(gone)} series have no (valid) value and are left out: {shown}")
    if long.empty:
        raise DataError(f"column '{value}' has no values in {where}")

    keys = [*groups, time]
    long = _duplicates(long, keys, value, agg, where, verbose)
    long, freq = _place_on_grid(long, time, groups, value, agg, verbose, every)
    long = long.sort_values(keys, kind="stable").reset_index(drop=True)
    panel = panel_from_long(long, time, groups, value, freq)
    if verbose:
        _report_extremes(panel, value)

    observed = long[value].to_numpy()
    schema = Schema(
        time=time,
        groups=list(groups),
        value=value,
        sep=fmt.sep,
        decimal=fmt.decimal,
        date_format=date_format,
        freq=freq,
        categories={g: sorted(long[g].unique().tolist()) for g in groups},
        integer=bool(np.all(observed == np.round(observed))),
        min=float(observed.min()),
        max=float(observed.max()),
        n_series=panel.n_series,
        start=panel.index[0].isoformat(),
        end=panel.index[-1].isoformat(),
        tz=zone if zone is not None else ("UTC" if tz_aware else None),
        values=several,
        variable=variable if several is not None else None,
        carried=carried,
    )
    return panel, schema, long


def _free_name(df: pd.DataFrame, name: str) -> str:
    while name in df.columns:
        name += "_"
    return name


def _stack_values(
    df: pd.DataFrame, columns: list[str], time: str | None, groups: list[str] | None,
    decimal: str, verbose: bool,
) -> tuple[pd.DataFrame, str, list[str], str, str]:
    """Several value columns -> one, with a ``variable`` identifying column.

    Each column is parsed on its own first, so a bad cell is named by its own column
    and row. Returns the stacked frame and the roles that now apply to it.
    """
    for c in columns:
        parse_values(df[c], decimal, c)  # errors name the real column
    if time is None or groups is None:
        roles = _guess(df.drop(columns=columns[1:]), time=time, groups=groups, value=columns[0])
        if verbose:
            print(f"datamime: guessed roles time={roles.time!r} groups={roles.groups!r} "
                  "(set data.time / data.groups to change)")
        time, groups = roles.time, [g for g in roles.groups if g not in columns]
    for g in groups:
        if g in columns or g == time:
            raise DataError(f"column {g!r} cannot be both a group and the time or a value")
    variable, value = _free_name(df, "variable"), _free_name(df, "value")
    keep = [c for c in df.columns if c not in columns]
    parts = [df[keep].assign(**{variable: c, value: df[c]}) for c in columns]
    stacked = pd.concat(parts)  # the original row labels stay: errors still name rows
    if verbose:
        print(f"datamime: {len(columns)} value columns learned together "
              f"({', '.join(columns)}) as the series of {variable!r}")
    return stacked, time, [*groups, variable], value, variable
