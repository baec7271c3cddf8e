"""Checks on generated values before anything is written: copies of the sample, and
identifying values a spreadsheet would run as formulas."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

from datamime import privacy as P
from datamime.data.panel import Panel
from datamime.data.write import formula_note
from datamime.errors import SamplingError

PRIVACY_MODES = ("warn", "refuse", "off")


def privacy_mode(privacy: str | bool) -> str:
    """The checked privacy option (a bare YAML ``off`` reads as False)."""
    privacy = "off" if privacy is False else privacy
    if privacy not in PRIVACY_MODES:
        raise SamplingError(f"privacy must be warn, refuse or off, got {privacy!r}")
    return privacy


def check_privacy(panel: Panel, values: np.ndarray, seed: int) -> dict[str, Any]:
    """The copy check on ``[T, G]`` generated values (the sample's series first): the
    report of :func:`datamime.privacy.check_copies` with ``flagged`` added."""
    report = P.check_copies(panel, values[:, : panel.n_series], seed=seed)
    report["flagged"] = P.flagged(report)
    return report


def enforce(report: dict[str, Any], refuse: bool) -> None:
    """A flagged report: one warning line on stderr, or :class:`SamplingError` with
    ``refuse``."""
    if not report["flagged"]:
        return
    unit = report["unit"][0]
    what = (f"{report['copy_share']:.0%} of the generated {unit} checked "
            f"({report['n_copies']:,} of {report['n_checked']:,}) copy the sample "
            f"(limit {P.MAX_COPY_SHARE:.0%})")
    if refuse:
        raise SamplingError(f"privacy=refuse: {what}; nothing was written. Train a model "
                            "that does not resample real days, or use privacy=warn")
    print(f"datamime: warning: {what}; do not share this output as anonymous "
          "(privacy=refuse turns this into an error)", file=sys.stderr)


def formula_keys(keys: pd.DataFrame) -> str | None:
    """The formula-cell note for the identifying values of the generated series (each
    distinct value checked once, not once per row)."""
    return formula_note(keys.drop_duplicates()) if keys.shape[1] else None
