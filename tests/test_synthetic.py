"""Tests for the synthetic panel generator and the shipped example file."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datamime.data.synthetic import make_panel

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_example.py"
EXAMPLE = ROOT / "example.csv"


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    """``[T, G]`` table of a make_panel frame with default column names."""
    return df.pivot_table(index="time", columns=["site", "sensor"], values="value")


def test_make_panel_is_deterministic() -> None:
    a = make_panel(n_groups=5, length=48, seed=3, zeros=0.1)
    b = make_panel(n_groups=5, length=48, seed=3, zeros=0.1)
    pd.testing.assert_frame_equal(a, b)
    c = make_panel(n_groups=5, length=48, seed=4, zeros=0.1)
    assert not np.allclose(a["value"].to_numpy(), c["value"].to_numpy())


def test_make_panel_shape_and_columns() -> None:
    df = make_panel(n_groups=7, length=30, freq="30min", start="2024-03-01")
    assert list(df.columns) == ["site", "sensor", "time", "value"]
    assert len(df) == 7 * 30
    assert pd.api.types.is_datetime64_any_dtype(df["time"])
    assert df["value"].dtype == np.float64
    assert all(isinstance(v, str) for col in ("site", "sensor") for v in df[col])
    keys = df[["site", "sensor"]].drop_duplicates()
    assert len(keys) == 7
    assert keys.iloc[0].tolist() == ["S01", "A"] and keys.iloc[3].tolist() == ["S02", "A"]
    # sorted by series then time, regular grid without gaps
    assert df.equals(df.sort_values(["site", "sensor", "time"], kind="stable"))
    expected = pd.date_range("2024-03-01", periods=30, freq="30min")
    for _, g in df.groupby(["site", "sensor"]):
        assert (g["time"].to_numpy() == expected.to_numpy()).all()
    assert not df["value"].isna().any()


def test_make_panel_custom_names() -> None:
    one = make_panel(n_groups=4, length=5, groups=("id",), time="t", value="y")
    assert list(one.columns) == ["id", "t", "y"]
    assert one["id"].unique().tolist() == ["S01", "S02", "S03", "S04"]
    none = make_panel(n_groups=1, length=5, groups=())
    assert list(none.columns) == ["time", "value"]
    with pytest.raises(ValueError):
        make_panel(n_groups=2, groups=())
    with pytest.raises(ValueError):
        make_panel(zeros=1.5)


def test_make_panel_has_daily_cycle() -> None:
    wide = _wide(make_panel(n_groups=6, length=24 * 14, seed=1))
    hour = wide.index.hour
    hourly_means = wide.groupby(hour).mean()
    residual = wide - hourly_means.loc[hour].to_numpy()
    # spread of hour-of-day means vs what noise alone gives a mean of 14 values
    cycle_sd = hourly_means.std().to_numpy()
    noise_sd = residual.std().to_numpy() / np.sqrt(14)
    assert (cycle_sd > 3 * noise_sd).all()


def test_make_panel_series_are_cross_correlated() -> None:
    wide = _wide(make_panel(n_groups=9, length=24 * 14, seed=2))
    hour = wide.index.hour
    residual = wide - wide.groupby(hour).mean().loc[hour].to_numpy()
    corr = np.corrcoef(residual.to_numpy().T)
    off_diagonal = corr[~np.eye(len(corr), dtype=bool)]
    assert off_diagonal.mean() > 0.3


def test_make_panel_zero_share() -> None:
    df = make_panel(n_groups=10, length=100, zeros=0.2, seed=5)
    assert (df["value"] >= 0).all()
    assert (df["value"] == 0).mean() == pytest.approx(0.2, abs=0.01)
    assert (make_panel(n_groups=10, length=100, seed=5)["value"] != 0).all()


def test_make_panel_is_fast_for_large_panels() -> None:
    df = make_panel(n_groups=2_000, length=336)
    assert len(df) == 2_000 * 336
    assert df[["site", "sensor"]].drop_duplicates().shape[0] == 2_000


def test_example_csv_matches_script(tmp_path: Path) -> None:
    out = tmp_path / "example.csv"
    namespace = runpy.run_path(str(SCRIPT))  # not __main__: nothing is written on import
    assert namespace["main"](["--out", str(out)]) == 0
    assert out.read_bytes() == EXAMPLE.read_bytes()


def test_example_csv_content() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "date_debut;nom_poll;nom_com;code_station;valeur"
    df = pd.read_csv(EXAMPLE, sep=";", dtype={"code_station": str})
    times = pd.to_datetime(df["date_debut"], format="%d/%m/%Y %H:%M")
    counts = df.groupby(["code_station", "nom_poll"]).size()
    assert len(counts) >= 12 and (counts == 72).all()
    for _, g in df.assign(t=times).groupby(["code_station", "nom_poll"]):
        assert (g["t"].diff().dropna() == pd.Timedelta(hours=1)).all()
    assert pd.api.types.is_integer_dtype(df["valeur"]) and (df["valeur"] >= 0).all()
    assert set(df["nom_poll"]) == {"NO", "NO2", "O3", "PM10", "PM2.5"}
    assert (df.loc[df["nom_poll"] == "NO", "valeur"] == 0).any()
