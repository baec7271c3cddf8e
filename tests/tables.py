"""Small tables for the data-layer tests, written as a user would write them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_text(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def long_table(
    sep: str = ",",
    date_format: str = "%Y-%m-%d %H:%M",
    decimal: str = ".",
    n_steps: int = 4,
    freq: str = "h",
) -> str:
    """A small table: two stations x two pollutants, a descriptive column, float values."""
    times = pd.date_range("2022-06-21", periods=n_steps, freq=freq)
    rows = [sep.join(["station", "poll", "date", "unit", "value"])]
    for station in ("5010", "0042"):
        for poll in ("NO2", "O3"):
            for i, t in enumerate(times):
                v = f"{i + 0.5 + len(poll)}".replace(".", decimal)
                rows.append(sep.join([station, poll, t.strftime(date_format), "ug/m3", v]))
    return "\n".join(rows) + "\n"
