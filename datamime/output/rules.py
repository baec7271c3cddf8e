"""The output rules of each value column: whole numbers, never negative, decimals."""

from __future__ import annotations

from typing import Any

import numpy as np

from datamime import constraints as C
from datamime.data.panel import Panel
from datamime.data.schema import Schema
from datamime.errors import SamplingError


def resolve(panel: Panel, schema: Schema, integer: Any, positive: Any
            ) -> tuple[list, dict[str, list] | None]:
    """The output constraints for the table, and per value column when several.

    Args:
        panel: the sample. schema: its schema.
        integer, positive: the user's options (``"auto"``: as the sample, True, False).

    Returns:
        The constraints of the whole table, and ``{value column: constraints}`` when
        several value columns were learned together (else None), each resolved from
        that column's own sample values.

    Raises:
        SamplingError: an option that is not auto, true or false.
    """
    try:
        table = C.resolve(integer, positive, schema.integer, schema.min,
                          C.decimals(panel.values))
        if not schema.values:
            return table, None
        variable = panel.keys[schema.variable].astype(str).to_numpy()
        blocks = {}
        for name in schema.values:
            seen = panel.values[:, variable == name]
            seen = seen[np.isfinite(seen)]
            whole = bool(seen.size and np.all(seen == np.round(seen)))
            low = float(seen.min()) if seen.size else 0.0
            blocks[name] = C.resolve(integer, positive, whole, low, C.decimals(seen))
        return table, blocks
    except ValueError as exc:
        raise SamplingError(str(exc)) from None


def whole(rules: list) -> bool:
    """True when ``rules`` make every value a whole number."""
    return any(isinstance(r, C.Integer) for r in rules)


def integer_columns(schema: Schema, rules: list, blocks: dict[str, list] | None) -> set[str]:
    """The output value columns written as whole numbers."""
    if blocks is None:
        return {schema.value} if whole(rules) else set()
    return {name for name, block in blocks.items() if whole(block)}
