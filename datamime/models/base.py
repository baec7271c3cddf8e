"""The contract every generator (deep model or classical baseline) fulfils."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from datamime.data.panel import Panel


@runtime_checkable
class Generator(Protocol):
    """Learns a :class:`Panel` and draws new values for any time grid.

    ``sample`` returns ``[T, G]`` values in the sample's own units, for the same
    ``G`` series (same order as ``panel.keys``); output constraints (integers,
    non-negative) are applied afterwards by the caller. ``get_state`` returns only
    arrays, numbers, strings, lists and dicts, so :func:`datamime.persist.write_state`
    can read it back; ``from_state`` rebuilds an equivalent fitted generator.
    """

    def fit(self, panel: Panel, verbose: bool = True) -> Generator: ...

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray: ...

    def get_state(self) -> dict[str, Any]: ...

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Generator: ...
