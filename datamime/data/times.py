"""Reading a time column: its format (ISO, day-first, month-first...), strictly.

:func:`parse_times` tries candidate formats in turn, refuses columns whose dates can
be read in both orders inconsistently, converts UTC offsets to UTC and remembers the
format so that output can be written in the same style.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from datamime.data.cells import cell_text, row_number
from datamime.errors import DataError

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


def detect_format(
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
        return f"row {row_number(values, pos)} '{uniques.iloc[unique]}'"

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
            f"column '{column}', row {row_number(raw, pos)}: '{str(raw.iloc[pos]).strip()}' "
            f"is outside the supported date range (years 1678-2261)"
        ) from exc


def parse_times_and_offsets(
    values: pd.Series, dayfirst: bool | None, column: str
) -> tuple[pd.Series, str, bool]:
    """:func:`parse_times`, also saying whether the input carried UTC offsets.

    Returns:
        ``(times, date_format, tz_aware)``: ``tz_aware`` is True when the column held
        zone-aware datetimes or text with offsets (``+01:00``), which are converted to UTC.

    """
    if len(values) == 0:
        raise DataError(f"column '{column}' has no rows")
    if pd.api.types.is_datetime64_any_dtype(values):
        tz_aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        if values.isna().any():
            pos = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError(f"column '{column}', row {row_number(values, pos)}: the time is empty")
        out = _to_ns(values, values, column)
        return out.rename(values.name), _format_of_datetimes(out), tz_aware

    text, empty = cell_text(values)
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(f"column '{column}', row {row_number(values, pos)}: the time is empty")
    codes, uniques = pd.factorize(text)
    uniques = pd.Series(uniques, dtype=object)
    _check_day_month(uniques, codes, values, dayfirst, column)
    found = detect_format(uniques, dayfirst)
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
                f"column '{column}', row {row_number(values, pos)}: "
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
    times, fmt, _ = parse_times_and_offsets(values, dayfirst, column)
    return times, fmt
