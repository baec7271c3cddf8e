"""Shape and behaviour tests of the networks, without a Trainer."""

import numpy as np
import pandas as pd
import pytest
import torch

from datamime.data.panel import Panel
from datamime.data.transforms import SeriesScaler, calendar_features
from datamime.models.ar_rnn import ARRNN
from datamime.models.chain import ValueChain
from datamime.models.deep import DeepGenerator
from datamime.models.registry import NETS as NET_NAMES
from datamime.models.rvae import RecurrentVAE
from datamime.timegrid import learnable_periods

NETS = [ARRNN, RecurrentVAE]
B, T, G, F = 3, 10, 5, 6


def _batch(mask_some: bool = False) -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    mask = torch.ones(B, T, G)
    if mask_some:
        mask[:, 3:6, 1] = 0
    return {
        "y": torch.randn(B, T, G) * mask,
        "mask": mask,
        "cal": torch.randn(B, T, F),
        "codes": torch.tensor([[0, 0], [0, 1], [1, 2], [1, 0], [2, 1]]),
    }


@pytest.mark.parametrize("net_cls", NETS)
def test_net_loss_is_finite_scalar_with_gradients(net_cls):
    net = net_cls(cardinalities=[3, 3], n_calendar=F, hidden=16)
    loss = net.loss(_batch(mask_some=True))
    assert loss.shape == () and torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in net.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_missing_values_do_not_change_loss_gradients():
    """A masked value must not influence training whatever number sits in its cell."""
    net = ARRNN(cardinalities=[3, 3], n_calendar=F, hidden=16, input_noise=0.0)
    batch = _batch(mask_some=True)
    other = {**batch, "y": batch["y"].clone()}
    other["y"][:, 3:6, 1] = 100.0
    assert torch.allclose(net.loss(batch), net.loss(other))


def test_learnable_periods_only_cycles_the_sample_covers():
    three_days = pd.date_range("2024-01-01", periods=72, freq="h")
    assert learnable_periods(three_days, "h") == ["day"]
    month = pd.date_range("2024-01-01", periods=24 * 30, freq="h")
    assert learnable_periods(month, "h") == ["day", "week"]
    daily = pd.date_range("2020-01-01", periods=800, freq="D")
    assert learnable_periods(daily, "D") == ["week", "year"]
    assert calendar_features(three_days, []).shape == (72, 0)
    feats = calendar_features(three_days, ["day"], harmonics=2)
    assert feats.shape == (72, 4)
    np.testing.assert_allclose(feats[:24], feats[24:48], atol=1e-5)  # same hour, same features


def test_scaler_round_trip_and_constant_series():
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.gamma(2, 5, 50), np.zeros(50), rng.normal(0, 1, 50)])
    values[5, 0] = np.nan
    for transform in ("auto", "none"):
        scaler = SeriesScaler.fit(values[:, :2], transform)
        back = scaler.inverse(scaler.transform(values[:, :2]))
        np.testing.assert_allclose(back, values[:, :2], atol=1e-9)
    scaler = SeriesScaler.fit(values, "auto")
    assert not scaler.log  # a negative value anywhere: no log transform
    assert scaler.std[1] == 0
    np.testing.assert_array_equal(scaler.inverse(np.full((4, 3), 2.5))[:, 1], 0.0)


def _sine_panel(n_steps: int = 96, n_series: int = 3, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-03-01", periods=n_steps, freq="h")
    hours = index.hour.to_numpy()[:, None]
    values = 20 + 8 * np.sin(2 * np.pi * hours / 24 + np.arange(n_series)) + rng.normal(0, 1, (n_steps, n_series))
    keys = pd.DataFrame({"site": [f"s{i}" for i in range(n_series)]})
    return Panel(values=values, index=index, keys=keys, freq="h")


@pytest.mark.parametrize("net", sorted(NET_NAMES))
def test_deep_generator_state_round_trip_samples_identically(net):
    panel = _sine_panel()
    gen = DeepGenerator(net=net, trainer={"max_epochs": 1}, windows_per_epoch=8, batch_size=4)
    gen.fit(panel, verbose=False)
    index = pd.date_range("2025-01-01", periods=30, freq="h")
    again = DeepGenerator.from_state(gen.get_state())
    a, b = gen.sample(index, seed=3), again.sample(index, seed=3)
    assert a.shape == (30, 3) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_ar_rnn_learns_daily_cycle_and_stays_stable_over_a_month():
    panel = _sine_panel(n_steps=72, n_series=3)
    gen = DeepGenerator(net="ar_rnn", trainer={"max_epochs": 15}, windows_per_epoch=128)
    gen.fit(panel, verbose=False)
    index = pd.date_range("2024-06-01", periods=24 * 30, freq="h")
    out = gen.sample(index, seed=0)
    real_profile = pd.DataFrame(panel.values).groupby(panel.index.hour).mean().to_numpy()
    gen_profile = pd.DataFrame(out).groupby(index.hour).mean().to_numpy()
    assert np.abs(gen_profile - real_profile).mean() < 2.0  # cycle amplitude is 8
    weekly = pd.DataFrame(out).groupby(np.arange(len(out)) // 168).mean().to_numpy()
    assert np.ptp(weekly, axis=0).max() < 2.0  # no drift


def test_seasonal_profile_keeps_a_strong_cycle_and_flattens_noise():
    from datamime.data.profile import SeasonalProfile

    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=72, freq="h")
    cycle = 2 * np.sin(2 * np.pi * index.hour.to_numpy() / 24)
    z = np.column_stack([cycle + rng.normal(0, 0.3, 72), rng.normal(0, 1, (72, 20))])
    prof = SeasonalProfile.fit(z, index, "h", ["day"])
    table = prof.at(index[:24])
    # the cycle survives (smoothing and shrinkage cost little)...
    np.testing.assert_allclose(table[:, 0], cycle[:24], atol=0.5)
    # ...while the hourly means of pure noise are mostly shrunk away
    raw = pd.DataFrame(z[:, 1:]).groupby(index.hour).mean().to_numpy()
    assert table[:, 1:].std(axis=0).mean() < 0.4 * raw.std(axis=0).mean()
    # state round trip, and the profile is read by hour whatever the date
    again = SeasonalProfile.from_state(prof.get_state())
    later = pd.date_range("2030-05-05 13:00", periods=5, freq="h")
    np.testing.assert_array_equal(again.at(later), prof.at(index[13:18]))


def test_seasonal_profile_keeps_the_cycle_a_noisy_series_shares():
    from datamime.data.profile import SeasonalProfile

    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=72, freq="h")
    cycle = np.sin(2 * np.pi * index.hour.to_numpy() / 24)
    strong = 2 * cycle[:, None] + rng.normal(0, 0.3, (72, 10))  # ten clear stations
    weak = 0.6 * cycle + rng.normal(0, 1.0, 72)  # a noisy one, same cycle
    noise = rng.normal(0, 1, (72, 10))  # no cycle at all
    z = np.column_stack([strong, weak, noise])
    to_zero = SeasonalProfile.fit(z, index, "h", ["day"]).at(index[:24])
    shared = SeasonalProfile.fit(z, index, "h", ["day"], shared=2).at(index[:24])
    # the noisy station keeps more of the cycle it shares...
    gap = lambda t: np.abs(t[:, 10] - 0.6 * cycle[:24]).mean()  # noqa: E731
    assert gap(shared) < gap(to_zero)
    assert np.abs(shared[:, :10] - to_zero[:, :10]).mean() < 0.1  # clear ones barely move
    # ...while series with no cycle are still mostly flattened
    raw = pd.DataFrame(noise).groupby(index.hour).mean().to_numpy()
    assert shared[:, 11:].std(axis=0).mean() < 0.4 * raw.std(axis=0).mean()


def test_seasonal_profile_needs_two_cycles():
    from datamime.data.profile import SeasonalProfile

    index = pd.date_range("2024-01-01", periods=20, freq="h")
    z = np.sin(np.arange(20.0))[:, None]
    assert not SeasonalProfile.fit(z, index, "h", ["day"]).table.any()


def test_prewhitener_round_trip_and_keeps_persistence():
    from datamime.data.transforms import Prewhitener

    rng = np.random.default_rng(0)
    z = np.zeros((2000, 2))
    for t in range(1, 2000):
        z[t] = [0.9, 0.3] * z[t - 1] + rng.normal(size=2)
    white = Prewhitener.fit(z)
    np.testing.assert_allclose(white.phi, [0.9, 0.3], atol=0.05)
    e = white.transform(z)
    assert np.isnan(e[0]).all()  # no predecessor, no innovation
    e[0] = z[0]  # the filter starts from 0
    np.testing.assert_allclose(white.inverse(e), z, atol=1e-9)
    assert abs(np.corrcoef(e[1:, 0], e[:-1, 0])[0, 1]) < 0.1  # innovations are white


def test_marginal_copula_scores_are_gaussian_and_invert_to_the_sample_quantiles():
    from datamime.data.transforms import MarginalCopula

    rng = np.random.default_rng(1)
    e = np.column_stack([rng.exponential(1.0, 500), np.full(500, 3.0)])
    cop = MarginalCopula.fit(e)
    s = cop.transform(e)
    assert abs(s[:, 0].mean()) < 0.05 and abs(s[:, 0].std() - 1) < 0.1
    assert (s[:, 1] == 0).all()  # constant series
    back = cop.inverse(rng.normal(size=(20000, 2)))
    # the sample's shape comes back, centred (innovations have mean 0)
    centred = e[:, 0] - e[:, 0].mean()
    np.testing.assert_allclose(np.quantile(back[:, 0], [0.25, 0.5, 0.75]),
                               np.quantile(centred, [0.25, 0.5, 0.75]), atol=0.1)
    assert abs(back[:, 0].mean()) < 0.05 and back[:, 0].min() >= centred.min() - 0.05
    assert (back[:, 1] == 0.0).all()  # a constant series has no spread


def test_rvae_loss_matches_a_step_by_step_elbo(monkeypatch):
    """The vectorised loss equals the ELBO written step by step with torch.distributions
    (noise switched off, so both follow the posterior means)."""
    from torch.distributions import Normal, kl_divergence

    torch.manual_seed(3)
    net = RecurrentVAE(cardinalities=[3, 3], n_calendar=F, hidden=16, latent=4,
                       kl_weight=0.7).eval()
    batch = _batch(mask_some=True)
    monkeypatch.setattr(torch, "randn_like", torch.zeros_like)
    y, mask, cal = batch["y"], batch["mask"], batch["cal"]
    emb = net.embed(batch["codes"])
    read = net.reader(torch.cat([y.unsqueeze(-1), emb[None, None].expand(B, T, G, -1)], -1))
    pooled = (read * mask.unsqueeze(-1)).sum(2) / mask.sum(2, keepdim=True).clamp(min=1)
    s = torch.zeros(B, 16)
    y_prev, seen_prev = torch.zeros(B, G), torch.zeros(B, G)
    nll = kl = 0.0
    for i in range(T):
        prior = Normal(*net._gaussian(net.prior(torch.cat([s, cal[:, i]], -1))))
        post = Normal(*net._gaussian(net.posterior(torch.cat([s, pooled[:, i], cal[:, i]], -1))))
        z = post.mean
        x = torch.cat([torch.cat([z, s, cal[:, i]], -1).unsqueeze(1).expand(B, G, -1),
                       emb.expand(B, G, -1), y_prev.unsqueeze(-1), seen_prev.unsqueeze(-1)], -1)
        mu, raw = net.emit(x).unbind(-1)
        emission = Normal(mu, torch.nn.functional.softplus(raw) + 1e-3)
        nll = nll - (emission.log_prob(y[:, i]) * mask[:, i]).sum()
        kl = kl + kl_divergence(post, prior).sum()
        s = net.cell(torch.cat([z, cal[:, i]], -1), s)
        y_prev, seen_prev = y[:, i] * mask[:, i], mask[:, i]
    expected = (nll + 0.7 * kl) / mask.sum()
    torch.testing.assert_close(net.loss(batch), expected, rtol=1e-5, atol=1e-5)


def _chain(**kwargs) -> ValueChain:
    """A chain with only the settings its bound and anchor read (hourly, 3 series)."""
    base = {"freq": "h", "scaler": None, "profile": None, "whitener": None, "copula": None,
            "bounds": None, "margin": None, "anchor_days": None, "sample_steps": None,
            "bias": np.zeros(3)}
    return ValueChain(**{**base, **kwargs})


def test_generated_values_stay_softly_within_the_widened_sample_range():
    gen = _chain(margin=0.25, bounds=np.array([[0.0, -1.0, np.nan], [2.0, 1.0, np.nan]]))
    x = np.array([[1.0, 0.5, 50.0], [2.5, -3.0, -50.0], [9.0, 1.4, 0.0], [10.0, 30.0, 1.0]])
    out = gen.bound(x)
    np.testing.assert_array_equal(out[0, :2], x[0, :2])  # inside the range: untouched
    np.testing.assert_array_equal(out[:, 2], x[:, 2])  # no range (all-NaN series): untouched
    assert np.all(out[:, 0] <= 2.0 + 0.5) and np.all(out[:, 1] >= -1.0 - 0.5)
    assert np.all(out[:, 1] <= 1.0 + 0.5)
    # squashed, not clipped: order kept, no pile-up on the bound
    assert 2.0 < out[1, 0] < out[2, 0] < out[3, 0] < 2.5
    assert out[2, 1] < out[3, 1]
    gen.margin = None
    np.testing.assert_array_equal(gen.bound(x), x)


def test_long_ranges_keep_their_level_anchored():
    gen = _chain(anchor_days=7.0, sample_steps=72)
    t = np.arange(24 * 120, dtype=float)
    z = np.stack([np.sin(2 * np.pi * t / (24 * 60)), np.sin(2 * np.pi * t / 24)], axis=1)
    out = gen.anchor(z)
    months = out[: 24 * 120].reshape(4, 24 * 30, 2).mean(axis=1)
    assert np.ptp(months[:, 0]) < 0.1 * np.ptp(z.reshape(4, -1, 2).mean(axis=1)[:, 0])
    # what varies within the span (a daily swing) is kept; the mean is kept
    np.testing.assert_allclose(out[24 * 10: 24 * 110, 1], z[24 * 10: 24 * 110, 1], atol=0.02)
    np.testing.assert_allclose(out.mean(axis=0), z.mean(axis=0), atol=1e-12)
    np.testing.assert_array_equal(gen.anchor(z[: 24 * 7]), z[: 24 * 7])  # within the span
    gen.sample_steps = 24 * 200  # a sample longer than the range: nothing to anchor
    np.testing.assert_array_equal(gen.anchor(z), z)
    gen.sample_steps, gen.anchor_days = 72, None
    np.testing.assert_array_equal(gen.anchor(z), z)
