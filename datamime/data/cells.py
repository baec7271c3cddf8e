"""What one raw cell of a table says: empty, a missing marker, text, and its row.

Shared by reading (:mod:`datamime.data.io`), parsing (:mod:`datamime.data.times`,
:mod:`datamime.data.values`) and role guessing, so that every module reads an empty
cell, a ``NA`` or a ``<LD`` the same way and names rows as a spreadsheet shows them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

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


def row_number(values: pd.Series, position: int) -> int:
    """Row number as a spreadsheet shows it (header is row 1) for a positional index."""
    label = values.index[position]
    if isinstance(label, (int, np.integer)):
        return int(label) + 2
    return position + 2


def cell_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Stripped text of each cell and a mask of empty / missing cells."""
    missing = values.isna().to_numpy()
    # pandas 3 keeps None/NaN as missing through astype(str): make them "" first
    text = values.astype(object).where(~missing, "").astype(str).str.strip()
    empty = missing | (text == "").to_numpy()
    return text, empty


def is_text(col: pd.Series) -> bool:
    """Say whether a column holds text cells (a string or object dtype)."""
    return pd.api.types.is_string_dtype(col) or col.dtype == object
