"""The privacy guard: generated days that copy days of the sample are found and reported."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer, pipeline
from datamime.data.panel import Panel
from datamime.data.synthetic import make_panel
from datamime.errors import SamplingError
from datamime.privacy import MAX_COPY_SHARE, check_copies, copy_window, summary
from tests.conftest import ATMO, compose_config


def _panel(days: int, n_groups: int = 2, seed: int = 1) -> Panel:
    """Hourly panel of ``n_groups`` series (levels, daily cycle, AR noise)."""
    df = make_panel(n_groups=n_groups, length=24 * days, seed=seed)
    wide = df.pivot_table(index="time", columns=["site", "sensor"], values="value")
    keys = wide.columns.to_frame(index=False).astype(str)
    return Panel(values=wide.to_numpy().copy(), index=pd.DatetimeIndex(wide.index), keys=keys,
                 freq="h")


def _split(days: int) -> tuple[Panel, np.ndarray]:
    """The first half of a panel as the sample, the second half as 'fresh' generated data."""
    full = _panel(2 * days)
    half = 24 * days
    real = Panel(values=full.values[:half].copy(), index=full.index[:half], keys=full.keys,
                 freq="h")
    return real, full.values[half:].copy()


class CopyGenerator:
    """A 'generator' that hands back its sample, shifted by ``shift`` steps, tiled."""

    def __init__(self, shift: int = 0) -> None:
        self.shift = shift

    def fit(self, panel: Panel, verbose: bool = True) -> CopyGenerator:
        self.values = np.nan_to_num(panel.values, nan=0.0)
        return self

    def sample(self, index: pd.DatetimeIndex, seed: int | None = None) -> np.ndarray:
        rows = (np.arange(len(index)) + self.shift) % len(self.values)
        return self.values[rows]

    def get_state(self) -> dict:
        return {}

    @classmethod
    def from_state(cls, state: dict) -> CopyGenerator:
        return cls()


@pytest.fixture
def sample_table() -> pd.DataFrame:
    return make_panel(n_groups=2, length=24 * 6, seed=2)


def test_fresh_data_from_the_same_process_is_not_a_copy():
    real, fresh = _split(days=8)
    report = check_copies(real, fresh)
    assert report["window"] == 24 and report["unit"][0] == "days"
    assert report["n_checked"] == report["n_windows"] == 8 * real.n_series
    assert report["n_copies"] == 0 and report["copy_share"] == 0.0
    assert 0.6 < report["distance_ratio"] < 1.6  # as close as real days are to each other


@pytest.mark.parametrize("shift", [0, 24, 5])  # aligned days, another day, 5 hours off
def test_the_sample_itself_is_a_copy_even_shifted(shift):
    real, _ = _split(days=8)
    copied = np.roll(real.values, -shift, axis=0)[: 24 * 7]  # 7 whole windows, no wrap-around
    report = check_copies(real, copied)
    assert report["n_checked"] == 7 * real.n_series
    assert report["copy_share"] == 1.0 and report["distance_ratio"] < 1e-3


def test_a_near_copy_is_a_copy_and_a_loose_one_is_not():
    real, _ = _split(days=8)
    std = np.nanstd(real.values, axis=0)
    noise = np.random.default_rng(0).standard_normal(real.values.shape)
    near = check_copies(real, real.values + 0.001 * std * noise)
    loose = check_copies(real, real.values + 0.5 * std * noise)
    assert near["copy_share"] == 1.0
    assert loose["copy_share"] == 0.0 and loose["distance_ratio"] > 0.5


def test_constant_series_and_flat_days_are_left_out():
    real, fresh = _split(days=4)
    real.values[:, 0] = 7.0  # a constant series: copying it reveals nothing
    fresh[:, 0] = 7.0
    report = check_copies(real, fresh)
    assert report["n_series_checked"] == real.n_series - 1
    assert report["n_checked"] == 4 * (real.n_series - 1) and report["n_copies"] == 0


def test_mostly_one_value_days_are_not_judged():
    real, _ = _split(days=8)
    sparse = np.zeros(len(real.values))
    sparse[np.arange(0, len(sparse), 24) + np.arange(8) % 24] = 1.0  # one 1 a day
    real.values[:, 0] = sparse
    report = check_copies(real, real.values[: 24 * 7])
    assert report["n_series_checked"] == real.n_series - 1
    assert report["n_checked"] == report["n_copies"] == 7 * (real.n_series - 1)


def test_gaps_in_the_sample_do_not_hide_copies():
    real, fresh = _split(days=8)
    holes = np.random.default_rng(1).random(real.values.shape) < 0.1  # 10 % missing
    real.values[holes] = np.nan
    copied = check_copies(real, np.nan_to_num(real.values[: 24 * 7], nan=0.0))
    assert copied["n_series_checked"] == real.n_series
    assert copied["copy_share"] == 1.0
    assert check_copies(real, fresh)["copy_share"] == 0.0


def test_the_check_is_capped_and_cheap_for_a_year_of_119_series():
    real = _panel(days=3, n_groups=119)
    year = np.tile(real.values, (122, 1))[:8760] + np.random.default_rng(0).standard_normal(
        (8760, 119))
    start = time.perf_counter()
    report = check_copies(real, year, max_windows=2000)
    seconds = time.perf_counter() - start
    assert report["n_windows"] == 365 * 119 and report["n_checked"] == 2000
    assert seconds < 5.0, seconds  # measured ~0.1 s on one CPU core


def test_short_samples_use_shorter_windows():
    assert copy_window("h", 500) == 24
    assert copy_window("h", 30) == 15  # under two days: half the sample
    assert copy_window("h", 10) == 5
    assert copy_window("30min", 500) == 48


def test_synthesizer_flags_warns_and_refuses_a_copying_generator(sample_table, capsys):
    syn = Synthesizer(model=CopyGenerator(), verbose=False)
    syn.fit(sample_table, time="time", groups=["site", "sensor"], value="value")
    table = syn.sample(length=24 * 6)  # privacy="warn" by default
    report = syn.last_privacy
    assert report["flagged"] and report["copy_share"] > MAX_COPY_SHARE
    assert len(table) == 24 * 6 * 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("datamime: warning: 100% of the generated days")
    with pytest.raises(SamplingError, match="privacy=refuse"):
        syn.sample(length=24 * 6, privacy="refuse")
    syn.sample(length=24 * 6, privacy="off")
    assert syn.last_privacy is None
    with pytest.raises(SamplingError, match="warn, refuse or off"):
        syn.sample(length=24, privacy="maybe")


def test_a_model_that_imitates_passes_and_block_bootstrap_is_caught(sample_table, capsys):
    roles = {"time": "time", "groups": ["site", "sensor"], "value": "value"}
    honest = Synthesizer(model="seasonal_ar", verbose=False).fit(sample_table, **roles)
    honest.sample(length=24 * 30, privacy="refuse")  # no error
    assert not honest.last_privacy["flagged"] and honest.last_privacy["copy_share"] <= 0.01
    assert honest.last_privacy["distance_ratio"] > 0.5
    assert capsys.readouterr().err == ""
    bootstrap = Synthesizer(model="block_bootstrap", verbose=False).fit(sample_table, **roles)
    with pytest.raises(SamplingError, match="copy the sample"):
        bootstrap.sample(length=24 * 30, privacy="refuse")
    assert bootstrap.last_privacy["copy_share"] > 0.9


def _train_bootstrap(tmp_path, tiny_csv):
    cfg = compose_config("train", [
        "data=csv", f"data.path={tiny_csv}", "data.time=time", "data.groups=[site,sensor]",
        "data.value=value", "model=block_bootstrap", "verbose=false",
        f"model_dir={tmp_path / 'model'}",
    ])
    pipeline.train(cfg)


@pytest.mark.parametrize("mode", ["warn", "refuse", "off"])
def test_pipeline_sample_reports_or_refuses(tmp_path, tiny_csv, capsys, mode):
    _train_bootstrap(tmp_path, tiny_csv)
    out = tmp_path / "out" / "synthetic.csv"
    cfg = compose_config("sample", [f"model_dir={tmp_path / 'model'}", f"out={out}",
                                    "verbose=false", "length=96", f"privacy={mode}"])
    capsys.readouterr()
    if mode == "refuse":
        with pytest.raises(SystemExit) as exit_info:
            pipeline.run(pipeline.sample, cfg)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "privacy=refuse" in err[0] and "nothing was written" in err[0]
        assert not (tmp_path / "out").exists()
        return
    metrics, objects = pipeline.sample(cfg)
    captured = capsys.readouterr()
    assert out.is_file()
    if mode == "off":
        assert "privacy check" not in captured.out and objects["privacy"] is None
        return
    line = next(x for x in captured.out.splitlines() if "privacy check" in x)
    assert line == "datamime: " + summary(objects["privacy"])
    assert line.startswith("datamime: privacy check: 16 of 16 generated days copy a day")
    assert metrics["privacy_copy_share"] == 1.0
    assert "datamime: warning:" in captured.err


def test_pipeline_sample_with_the_default_model_passes(train_cfg, sample_cfg, capsys):
    pipeline.train(train_cfg)
    capsys.readouterr()
    metrics, objects = pipeline.sample(sample_cfg)
    out = capsys.readouterr().out
    assert "privacy check: 0 of" in out and "closest-distance ratio" in out
    assert metrics["privacy_copy_share"] == 0.0 and not objects["privacy"]["flagged"]


@pytest.mark.skipif(not ATMO.is_file(), reason="../shared/data is not present")
def test_atmo_year_block_bootstrap_refused_seasonal_ar_passes_cheaply():
    roles = {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
             "value": "valeur"}
    honest = Synthesizer(model="seasonal_ar", verbose=False).fit(ATMO, **roles)
    honest.sample(length=8760, privacy="refuse")
    report = honest.last_privacy
    assert report["n_windows"] > 40_000 and report["n_checked"] > 1_500
    assert report["copy_share"] <= MAX_COPY_SHARE and report["distance_ratio"] > 0.5
    assert report["seconds"] < 2.0  # measured 0.04-0.15 s
    copier = Synthesizer(model="block_bootstrap", verbose=False).fit(ATMO, **roles)
    with pytest.raises(SamplingError, match="copy the sample"):
        copier.sample(length=8760, privacy="refuse")
    assert copier.last_privacy["copy_share"] == 1.0
