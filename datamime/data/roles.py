"""Which column is the time, which identify a series, which holds the value.

Each column is profiled once (dates, numbers, whole numbers, row counters, labels) and
the roles not given are guessed from the profiles and the column names.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from datamime.data.cells import na_cells
from datamime.data.schema import Roles
from datamime.data.times import detect_format
from datamime.errors import DataError

# Text worth trying date formats on: 01/03, 2024-, 1.3...
_DATE_HINT = re.compile(r"\d[-/.]\d|\d{4}[-/.]")
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
                col.is_date = detect_format(sample.reset_index(drop=True)) is not None
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


def complete_roles(
    df: pd.DataFrame,
    time: str | None = None,
    groups: list[str] | None = None,
    value: str | None = None,
) -> Roles:
    """Return the given roles, guessing those left as None as :func:`guess_roles` does.

    Groups given (even ``[]``) are never changed; the time is guessed among the columns
    that are not groups or the value, then the value among the rest.
    """
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
    return complete_roles(df)
