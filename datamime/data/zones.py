"""Time zones: naive local clock times to UTC, and the hint when DST explains a clash."""

from __future__ import annotations

import numpy as np
import pandas as pd

from datamime.data.cells import row_number
from datamime.errors import DataError

# Zones whose repeated autumn hour explains duplicated times on a DST night.
_DST_ZONES = ("Europe/Paris", "Europe/London", "America/New_York", "America/Chicago",
              "America/Denver", "America/Los_Angeles", "Australia/Sydney", "Pacific/Auckland")


def dst_hint(times: pd.Series) -> str:
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


def check_zone(tz: str | None) -> str | None:
    """``tz`` as a string when it names a time zone pandas knows (None stays None).

    Raises:
        DataError: ``tz`` is not a time zone.

    """
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
            f"column '{column}', row {row_number(times, pos)}: {times.iloc[pos]} does not exist "
            f"in {tz} (the clocks jump forward that night); fix or drop the row"
        )
    return pd.Series(aware.tz_convert("UTC").tz_localize(None), index=times.index,
                     name=times.name)
