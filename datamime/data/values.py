"""Reading a value column: numbers, missing markers, validity flags, extreme values.

Missing markers (empty, ``NA``, ``<LD``...) become NaN, never zero; anything else that
is not a finite number is a :class:`~datamime.errors.DataError` naming its row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from datamime.data.cells import cell_text, na_cells, row_number
from datamime.data.panel import Panel
from datamime.errors import DataError


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
        text, empty = cell_text(values)
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
                f"column '{column}', row {row_number(values, pos)}: "
                f"'{text.iloc[pos]}' is not a number"
            )
        out = pd.Series(parsed, index=values.index, name=values.name)
    arr = out.to_numpy()
    infinite = np.isinf(arr)
    if infinite.any():
        pos = int(np.flatnonzero(infinite)[0])
        raise DataError(
            f"column '{column}', row {row_number(values, pos)}: "
            f"'{str(values.iloc[pos]).strip()}' is not a finite number"
        )
    return out.rename(values.name)


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
            f"column '{column}', row {row_number(flags, pos)}: {flags.iloc[pos]!r} is not a "
            "validity flag (use 1/0, true/false, yes/no)"
        )
    return pd.Series(ok.to_numpy(), index=flags.index)


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
