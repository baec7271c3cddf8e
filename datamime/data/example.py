"""The shipped example table: a small, fully synthetic hourly air-quality export.

The table mimics the layout of a regional air-quality open-data export
(``;``-separated, day-first ``dd/mm/YYYY HH:MM`` timestamps, columns
``date_debut;nom_poll;nom_com;code_station;valeur``) but every value is
invented here from a fixed seed; no real measurement is copied.

How the 15 series (4 invented stations in 3 communes, 72 hourly steps from
2024-06-17 00:00) are made, in micrograms per cubic metre::

    valeur = round(max(0, base * shape(hour) * exp(weather(t)) + noise(t)))

* ``shape`` is a pollutant-specific daily cycle: NO and NO2 peak at the
  morning (about 08:00) and evening (about 18:00) rush hours, strongly at the
  traffic station; PM10 and PM2.5 follow a weak version of that cycle; O3 peaks
  mid-afternoon, reacts to the weather factor with the opposite sign, and is
  lowered where the station's NO2 is above its mean.
* ``weather`` is one smooth day-to-day factor shared by every station (a
  random value per day, interpolated hour by hour), so stations correlate.
* ``noise`` is AR(1) per series (smoother for PM); low night-time NO clipped
  at 0 gives a few exact zeros.

:func:`build_example` returns the table and :func:`write_example` writes the
byte-identical ``example.csv`` (``scripts/make_example.py`` calls it); the app's
"Use the example" uses :func:`build_example`, so it works without the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240617
START, N_STEPS = "2024-06-17 00:00", 72
# code_station -> (nom_com, traffic?, pollutants measured)
STATIONS = {
    "9001": ("Rouen", True, ("NO", "NO2", "PM10", "PM2.5")),
    "9002": ("Rouen", False, ("NO2", "O3", "PM10", "PM2.5")),
    "9003": ("Le Havre", False, ("NO2", "O3", "PM10")),
    "9004": ("Caen", False, ("NO2", "O3", "PM10", "PM2.5")),
}
# pollutant -> (night level: background, traffic; rush-hour weight; noise sd share; AR coef)
POLLUTANTS = {
    "NO": (1.0, 3.0, 14.0, 0.25, 0.6),
    "NO2": (7.0, 15.0, 1.5, 0.15, 0.7),
    "O3": (65.0, 65.0, 0.0, 0.08, 0.8),
    "PM10": (14.0, 18.0, 0.4, 0.10, 0.9),
    "PM2.5": (8.0, 9.0, 0.3, 0.10, 0.9),
}


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """One stationary AR(1) path of length ``n`` with marginal standard deviation ``sd``."""
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal(0.0, sd * np.sqrt(1 - phi**2))
    return x


def _rush(hour: np.ndarray) -> np.ndarray:
    """Traffic profile: morning and evening rush-hour bumps on a night-time floor of 0."""
    return np.exp(-0.5 * ((hour - 8) / 1.3) ** 2) + 0.7 * np.exp(-0.5 * ((hour - 18) / 1.8) ** 2)


def build_example(seed: int = SEED) -> pd.DataFrame:
    """Build the example table, sorted by station, pollutant, then time.

    Args:
        seed: random seed; the default is the one behind the shipped file.

    Returns:
        Frame with columns ``date_debut`` (formatted strings), ``nom_poll``,
        ``nom_com``, ``code_station`` and integer ``valeur``.
    """
    rng = np.random.default_rng(seed)
    times = pd.date_range(START, periods=N_STEPS, freq="h")
    hour, stamps = times.hour.to_numpy(dtype=float), times.strftime("%d/%m/%Y %H:%M")
    days = rng.normal(0.0, 0.25, N_STEPS // 24 + 1)  # shared day-to-day weather
    weather = np.interp(np.arange(N_STEPS) / 24.0, np.arange(len(days)), days)
    rows = []
    for code, (commune, traffic, polls) in STATIONS.items():
        site = np.exp(rng.normal(0.0, 0.1))  # per-station scale
        no2 = None
        for poll in polls:
            back, traf, rush_w, sd_share, phi = POLLUTANTS[poll]
            base = (traf if traffic else back) * site
            if poll == "O3":
                shape = 1.0 + 0.45 * np.cos(2 * np.pi * (hour - 15) / 24)
                signal = base * shape * np.exp(-0.4 * weather)  # windy: less NO2, more O3
                if no2 is not None:  # titration: O3 moves against NO2
                    signal -= 1.2 * (no2 - no2.mean())
            else:
                shape = 1.0 + rush_w * _rush(hour)
                signal = base * shape * np.exp(weather)
            values = signal + _ar1(rng, N_STEPS, phi, sd_share * base * shape.mean())
            if poll == "NO2":
                no2 = values
            valeur = np.clip(np.round(values), 0, None).astype(np.int64)
            rows.append(pd.DataFrame({"date_debut": stamps, "nom_poll": poll, "nom_com": commune,
                                      "code_station": code, "valeur": valeur}))
    return pd.concat(rows, ignore_index=True)


def write_example(path: str | os.PathLike, seed: int = SEED) -> Path:
    """Write the example table as ``;``-separated CSV with ``\\n`` line ends.

    With the default seed the file is byte-identical to the shipped ``example.csv``.

    Returns:
        The path written.
    """
    path = Path(path)
    build_example(seed).to_csv(path, sep=";", index=False, lineterminator="\n")
    return path


__all__ = ["SEED", "build_example", "write_example"]


def example_path() -> str:
    """``example.csv`` in the working directory if there is one, else the built-in example.

    Used by ``data=example`` (``${datamime_example:}`` in the config), so the example
    runs from a clone and from an installed datamime alike. The built-in copy is written
    once to ``~/.cache/datamime/example.csv``.
    """
    local = Path("example.csv")
    if local.is_file():
        return str(local)
    cached = Path.home() / ".cache" / "datamime" / "example.csv"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        write_example(tmp)
        tmp.replace(cached)
    return str(cached)
