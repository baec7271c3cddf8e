"""Behaviour tests for the classical baseline generators."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from datamime.data.panel import Panel
from datamime.errors import ModelError
from datamime.models.base import Generator
from datamime.models.bootstrap import BlockBootstrap
from datamime.models.seasonal import SeasonalAR, SeasonalBootstrap
from datamime.persist import read_state, write_state

BASELINES = {cls.name: cls for cls in (SeasonalBootstrap, SeasonalAR, BlockBootstrap)}
NAMES = list(BASELINES)


def _panel(values: np.ndarray, start: str = "2024-01-01", freq: str = "h") -> Panel:
    index = pd.date_range(start, periods=values.shape[0], freq=freq)
    keys = pd.DataFrame({"id": [f"s{i}" for i in range(values.shape[1])]})
    return Panel(values=np.asarray(values, dtype=float), index=index, keys=keys, freq=freq)


def _daily(n_days: int = 10, n_series: int = 4, noise: float = 1.0, seed: int = 0) -> np.ndarray:
    """Positive series with a strong daily cycle peaking at a different hour per series."""
    rng = np.random.default_rng(seed)
    hours = np.arange(24 * n_days)[:, None]
    peak = np.array([6, 12, 18, 3, 9, 15][:n_series])[None, :]
    cycle = 30 + 10 * np.cos(2 * np.pi * (hours - peak) / 24)
    return cycle + noise * rng.standard_normal(cycle.shape)


def _hour_means(values: np.ndarray, index: pd.DatetimeIndex) -> np.ndarray:
    return pd.DataFrame(values).groupby(index.hour.to_numpy()).mean().to_numpy()  # [24, G]


def _plain(obj) -> bool:
    if isinstance(obj, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in obj.items())
    if isinstance(obj, list):
        return all(_plain(v) for v in obj)
    return isinstance(obj, (np.ndarray, bool, int, float, str)) or obj is None


@pytest.mark.parametrize("name", NAMES)
def test_baseline_shapes_and_protocol(name):
    panel = _panel(_daily(n_days=3))
    model = BASELINES[name]().fit(panel, verbose=False)
    assert isinstance(model, Generator)
    assert model.name == name
    out = model.sample(pd.date_range("2024-02-01", periods=50, freq="h"), seed=0)
    assert out.shape == (50, 4)
    assert out.dtype == np.float64
    assert np.isfinite(out).all()
    assert model.sample(pd.DatetimeIndex([]), seed=0).shape == (0, 4)


@pytest.mark.parametrize("name", NAMES)
def test_baseline_sampling_is_deterministic(name):
    panel = _panel(_daily(n_days=4))
    model = BASELINES[name]().fit(panel, verbose=False)
    index = pd.date_range("2024-01-01", periods=24 * 7, freq="h")
    np.testing.assert_array_equal(model.sample(index, seed=3), model.sample(index, seed=3))
    assert not np.array_equal(model.sample(index, seed=3), model.sample(index, seed=4))


@pytest.mark.parametrize("name", NAMES)
def test_baseline_reproduces_daily_profile(name):
    panel = _panel(_daily(n_days=10))
    model = BASELINES[name]().fit(panel, verbose=False)
    index = pd.date_range("2024-01-01", periods=24 * 60, freq="h")
    real = _hour_means(panel.values, panel.index)
    gen = _hour_means(model.sample(index, seed=0), index)
    assert np.abs(gen - real).max() < 1.5  # cycle amplitude 10, noise 1


@pytest.mark.parametrize("name", NAMES)
def test_baseline_keeps_phase_on_another_range(name):
    panel = _panel(_daily(n_days=6, noise=0.5))
    model = BASELINES[name]().fit(panel, verbose=False)
    index = pd.date_range("2025-01-01 13:00", periods=24 * 20, freq="h")
    out = model.sample(index, seed=1)
    real = _hour_means(panel.values, panel.index)
    gen = _hour_means(out, index)
    assert np.abs(gen - real).max() < 2.0
    # aligning by array position instead of timestamps would shift the cycle by 13 hours
    assert np.abs(gen - np.roll(real, 13, axis=0)).max() > 10.0
    # the first generated step is 13:00: series 1 peaks at noon, so it is near its top
    assert out[:3, 1].mean() > 35


@pytest.mark.parametrize("name", NAMES)
def test_baseline_state_round_trip(name):
    values = _daily(n_days=5)
    values[::11, 2] = np.nan
    panel = _panel(values)
    model = BASELINES[name]().fit(panel, verbose=False)
    state = model.get_state()
    assert _plain(state)
    buffer = io.BytesIO()
    write_state(state, buffer)
    buffer.seek(0)
    restored = BASELINES[name].from_state(read_state(buffer))
    index = pd.date_range("2024-03-01 05:00", periods=100, freq="h")
    np.testing.assert_array_equal(model.sample(index, seed=2), restored.sample(index, seed=2))


@pytest.mark.parametrize("name", NAMES)
def test_baseline_handles_gaps_constants_and_short_series(name):
    rng = np.random.default_rng(5)
    values = _daily(n_days=5, n_series=6)
    values[rng.random(values.shape) < 0.2] = np.nan  # scattered gaps everywhere
    values[24:72, 1] = np.nan  # two whole days missing
    values[:, 2] = 7.0  # constant
    values[10:, 3] = np.nan  # only 10 observations (shorter than a day)
    values[:, 4] = np.nan  # never observed
    values[:, 5] = np.round(values[:, 5]) - 30  # whole numbers, some negative
    model = BASELINES[name]().fit(_panel(values), verbose=False)
    out = model.sample(pd.date_range("2024-05-01", periods=24 * 8, freq="h"), seed=0)
    assert np.isfinite(out[:, [0, 1, 2, 3, 5]]).all()
    assert np.all(out[:, 2] == 7.0)
    assert np.isnan(out[:, 4]).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("freq", ["30min", "D", "MS"])
def test_baseline_other_frequencies(name, freq):
    rng = np.random.default_rng(0)
    panel = _panel(rng.gamma(2.0, 3.0, size=(40, 3)), freq=freq)
    model = BASELINES[name]().fit(panel, verbose=False)
    index = pd.date_range("2030-01-01", periods=25, freq=freq)
    out = model.sample(index, seed=0)
    assert out.shape == (25, 3)
    assert np.isfinite(out).all()


def test_baseline_sample_before_fit_fails():
    for cls in BASELINES.values():
        with pytest.raises(ModelError):
            cls().sample(pd.date_range("2024-01-01", periods=3, freq="h"))


def test_block_bootstrap_days_are_real_days():
    panel = _panel(_daily(n_days=4, n_series=2))
    out = BlockBootstrap().fit(panel, verbose=False).sample(
        pd.date_range("2026-07-01", periods=24 * 5, freq="h"), seed=0
    )
    real_days = panel.values.reshape(4, 24, 2)
    for day in out.reshape(5, 24, 2):
        for g in range(2):
            assert any(np.array_equal(day[:, g], real[:, g]) for real in real_days)


def test_seasonal_ar_is_stationary_on_a_random_walk():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.standard_normal((24 * 6, 2)), axis=0)
    model = SeasonalAR(log=False).fit(_panel(walk), verbose=False)
    phi1, phi2 = model.phi_[:, 0], model.phi_[:, 1]
    roots = np.abs(np.stack([np.roots([1, -a, -b]) for a, b in zip(phi1, phi2)]))
    assert roots.max() <= 0.98 + 1e-9
    out = model.sample(pd.date_range("2024-01-01", periods=20_000, freq="h"), seed=0)
    first, last = out[:10_000].std(axis=0), out[10_000:].std(axis=0)
    assert np.all(last < 2 * first)


def test_seasonal_ar_log_transform_only_for_non_negative_series():
    values = _daily(n_days=3, n_series=2)
    values[:, 1] -= 100
    model = SeasonalAR().fit(_panel(values), verbose=False)
    assert model.use_log_.tolist() == [True, False]


def test_seasonal_bootstrap_keeps_level_and_spread():
    panel = _panel(_daily(n_days=10, n_series=3))
    out = SeasonalBootstrap().fit(panel, verbose=False).sample(
        pd.date_range("2024-01-01", periods=24 * 30, freq="h"), seed=0
    )
    np.testing.assert_allclose(out.mean(0), panel.values.mean(0), atol=0.5)
    np.testing.assert_allclose(out.std(0), panel.values.std(0), rtol=0.1)


# Non-default values of every constructor argument of each baseline.
HYPER = {
    "seasonal_bootstrap": {"period": 12, "min_cycles": 3.0},
    "seasonal_ar": {"period": 12, "order": 1, "log": False, "min_cycles": 1.5,
                    "max_root": 0.9, "burn_in": 40},
    "block_bootstrap": {"period": 12, "min_coverage": 0.8},
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("period", [12, None])
def test_baseline_state_restores_every_hyper_parameter(name, period):
    import inspect

    cls = BASELINES[name]
    args = {**HYPER[name], "period": period}
    assert set(args) == set(inspect.signature(cls.__init__).parameters) - {"self"}
    values = _daily(n_days=6)
    values[::7, 1] = np.nan
    model = cls(**args).fit(_panel(values), verbose=False)
    buffer = io.BytesIO()
    write_state(model.get_state(), buffer)
    buffer.seek(0)
    restored = cls.from_state(read_state(buffer))
    assert {k: getattr(restored, k) for k in args} == args
    assert restored.period_ == model.period_ == (period or 24)
    index = pd.date_range("2024-04-01 07:00", periods=60, freq="h")
    np.testing.assert_array_equal(model.sample(index, seed=3), restored.sample(index, seed=3))


@pytest.mark.parametrize("name", NAMES)
def test_baseline_state_without_period_setting_still_loads(name):
    # states written before period_setting existed give the period in use back
    model = BASELINES[name]().fit(_panel(_daily(n_days=3)), verbose=False)
    state = model.get_state()
    del state["period_setting"]
    restored = BASELINES[name].from_state(state)
    assert restored.period == 24
    index = pd.date_range("2024-02-01", periods=30, freq="h")
    np.testing.assert_array_equal(model.sample(index, seed=1), restored.sample(index, seed=1))


def test_model_saved_under_the_old_baselines_path_loads(tmp_path):
    from datamime.persist import MODEL_FILE
    from datamime.synthesizer import Synthesizer

    index = pd.date_range("2024-01-01", periods=96, freq="h")
    table = pd.DataFrame({"time": index, "value": _daily(n_days=4, n_series=1)[:, 0]})
    syn = Synthesizer(model="seasonal_ar", seed=0, verbose=False).fit(table)
    syn.save(tmp_path / "m")
    file = tmp_path / "m" / MODEL_FILE
    state = read_state(file)
    assert state["generator"] == "datamime.models.seasonal.SeasonalAR"
    state["generator"] = "datamime.baselines.SeasonalAR"  # as main's code wrote it
    write_state(state, file)
    again = Synthesizer.load(tmp_path / "m", verbose=False)
    assert isinstance(again.generator, SeasonalAR)
    pd.testing.assert_frame_equal(again.sample(length=20), syn.sample(length=20))
