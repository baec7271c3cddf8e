"""Synthetic panels with a known structure, for tests, benchmarks and demos.

:func:`make_panel` builds a deterministic long table whose ingredients (daily
cycle, common factor, AR(1) noise, levels, zeros) are documented precisely, so
a test or a benchmark can check that a generator reproduces each of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Number of sensors per site when series are keyed by ``(site, sensor)``.
SENSORS: tuple[str, ...] = ("A", "B", "C")

# Structural constants (documented in make_panel's docstring; keep them in sync).
_LEVEL_RANGE = (15.0, 30.0)
_AMPLITUDE_RANGE = (2.0, 5.0)
_LOADING_RANGE = (0.5, 1.5)
_FACTOR_PHI = 0.9
_NOISE_PHI = 0.5
_NOISE_SD = 0.7


def _ar1(
    rng: np.random.Generator, n_steps: int, n_series: int, phi: float, sd: float
) -> np.ndarray:
    """Stationary AR(1) paths, ``[n_steps, n_series]``, marginal standard deviation ``sd``.

    The recursion runs over time steps only; every step is vectorised over series.
    """
    shocks = rng.standard_normal((n_steps, n_series)) * (sd * np.sqrt(1.0 - phi**2))
    out = np.empty((n_steps, n_series))
    out[0] = rng.standard_normal(n_series) * sd  # start in the stationary distribution
    for t in range(1, n_steps):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


def _keys(n_groups: int, groups: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Identifying strings of each series, one array of length ``n_groups`` per column."""
    idx = np.arange(n_groups)
    if len(groups) == 0:
        if n_groups != 1:
            raise ValueError("groups=() describes a single series; use n_groups=1")
        return {}
    if len(groups) == 1:
        width = max(2, len(str(n_groups)))
        return {groups[0]: np.array([f"S{i + 1:0{width}d}" for i in idx], dtype=object)}
    if len(groups) == 2:
        n_sites = -(-n_groups // len(SENSORS))
        width = max(2, len(str(n_sites)))
        sites = np.array([f"S{s + 1:0{width}d}" for s in range(n_sites)], dtype=object)
        sensors = np.array(SENSORS, dtype=object)
        return {
            groups[0]: sites[idx // len(SENSORS)],
            groups[1]: sensors[idx % len(SENSORS)],
        }
    raise ValueError(f"groups must name 0, 1 or 2 columns, got {len(groups)}")


def make_panel(
    n_groups: int = 6,
    length: int = 72,
    freq: str = "h",
    seed: int = 0,
    start: str = "2024-01-01",
    zeros: float = 0.0,
    time: str = "time",
    groups: tuple[str, ...] = ("site", "sensor"),
    value: str = "value",
) -> pd.DataFrame:
    """Build a deterministic long table of series with a known structure.

    Series ``g`` at time step ``t`` (timestamp ``s_t``) is::

        y[t, g] = level[g]
                  + amplitude[g] * sin(2 * pi * (day_fraction(s_t) - phase[g]))
                  + loading[g] * factor[t]
                  + noise[t, g]

    where, all drawn from ``numpy.random.default_rng(seed)``:

    * ``level[g] ~ U(15, 30)``: per-series level.
    * ``day_fraction(s)`` is the time of day of ``s`` as a fraction of 24 h,
      ``amplitude[g] ~ U(2, 5)`` and ``phase[g] ~ U(0, 1)``: a daily cycle with
      a per-series phase and amplitude (constant when ``freq`` is daily or coarser).
    * ``factor`` is one stationary AR(1) path (coefficient 0.9, standard
      deviation 1) shared by all series, with ``loading[g] ~ U(0.5, 1.5)`` > 0,
      so series are positively cross-correlated once the daily cycle is removed.
    * ``noise[:, g]`` are independent stationary AR(1) paths (coefficient 0.5,
      standard deviation 0.7).

    With these ranges ``y`` is practically always positive. If ``zeros > 0``,
    values are then clipped at 0 and exactly ``round(zeros * n_groups * length)``
    cells, chosen uniformly at random, are set to 0.0 (so the share of exact zeros
    is ``zeros`` up to rounding, plus any clipped value, which is very rare).

    Group keys: with two group names (default ``("site", "sensor")``) series
    ``g`` is site ``"S{g // 3 + 1}"`` (zero-padded to at least 2 digits, e.g.
    ``"S01"``) and sensor ``"ABC"[g % 3]``; with one name, the single column
    holds ``"S01"``, ``"S02"``... one per series; with ``()`` there is no group
    column and ``n_groups`` must be 1. Zero-padding makes string order equal
    series order.

    Args:
        n_groups: number of series ``G``.
        length: number of time steps ``T`` per series.
        freq: pandas offset alias of the regular time grid.
        seed: random seed; the same arguments always give an identical frame.
        start: first timestamp.
        zeros: share of cells, in ``[0, 1]``, set to exactly zero.
        time: name of the datetime column.
        groups: names of the identifying string columns (0, 1 or 2 names).
        value: name of the float column.

    Returns:
        ``G * T`` rows with columns ``[*groups, time, value]``, sorted by series
        then time; every series covers the same ``T`` timestamps, no gaps.

    Raises:
        ValueError: if a size is not positive, ``zeros`` is outside ``[0, 1]``,
            or ``groups`` has more than 2 names (or none with ``n_groups != 1``).
    """
    if n_groups < 1 or length < 1:
        raise ValueError(f"n_groups and length must be positive, got {n_groups}, {length}")
    if not 0.0 <= zeros <= 1.0:
        raise ValueError(f"zeros must be a share in [0, 1], got {zeros}")
    groups = tuple(groups)
    keys = _keys(n_groups, groups)

    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=length, freq=freq)
    level = rng.uniform(*_LEVEL_RANGE, n_groups)
    amplitude = rng.uniform(*_AMPLITUDE_RANGE, n_groups)
    phase = rng.uniform(0.0, 1.0, n_groups)
    loading = rng.uniform(*_LOADING_RANGE, n_groups)
    factor = _ar1(rng, length, 1, _FACTOR_PHI, 1.0)  # [T, 1]
    noise = _ar1(rng, length, n_groups, _NOISE_PHI, _NOISE_SD)  # [T, G]

    day_fraction = ((index - index.normalize()) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    cycle = amplitude * np.sin(2.0 * np.pi * (day_fraction[:, None] - phase))
    values = level + cycle + loading * factor + noise  # [T, G]

    if zeros > 0.0:
        values = np.clip(values, 0.0, None)
        n_zero = int(round(zeros * values.size))
        cells = rng.choice(values.size, size=n_zero, replace=False)
        values.reshape(-1)[cells] = 0.0

    rows = np.repeat(np.arange(n_groups), length)
    # Convert the G labels to pandas strings once, then gather: far cheaper than
    # converting G * T Python strings.
    out: dict[str, object] = {
        col: pd.Series(arr, dtype=str).array.take(rows) for col, arr in keys.items()
    }
    out[time] = np.tile(index.to_numpy(), n_groups)
    out[value] = values.T.reshape(-1)  # [G, T] -> series-major
    return pd.DataFrame(out, columns=[*keys, time, value])
