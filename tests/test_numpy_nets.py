"""The numpy samplers compute what the torch networks compute, block by block."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from datamime.models import numpy_nets as nn_np
from datamime.models.ar_rnn import ARRNN
from datamime.models.rvae import RecurrentVAE

CODES = torch.tensor([[0, 0], [1, 1], [2, 0], [2, 1], [0, 1]])


def _weights(net: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}


def _close(a: np.ndarray, b: torch.Tensor, tol: float = 2e-5) -> None:
    np.testing.assert_allclose(a, b.detach().numpy(), atol=tol, rtol=tol)


def test_special_functions_match_torch() -> None:
    x = torch.linspace(-12, 12, 2001, dtype=torch.float64)
    _close(nn_np.ndtr(x.numpy()), torch.special.ndtr(x), tol=1e-7)
    _close(nn_np.Gelu()(x.numpy().copy()), torch.nn.functional.gelu(x), tol=1e-6)
    _close(nn_np.softplus(x.numpy()), torch.nn.functional.softplus(x), tol=1e-7)
    _close(nn_np.sigmoid(x.numpy()), torch.sigmoid(x), tol=1e-12)
    # the tails keep their relative accuracy (the copula maps extreme scores through them)
    from scipy.special import ndtr

    tail = np.array([-8.0, -6.0, -4.0, -2.0])
    np.testing.assert_allclose(nn_np.ndtr(tail), ndtr(tail), rtol=1e-6)


@torch.no_grad()
def test_rvae_blocks_match_torch() -> None:
    torch.manual_seed(0)
    net = RecurrentVAE([3, 2], n_calendar=4, hidden=16, latent=6).eval()
    w, codes = _weights(net), CODES.numpy()
    emb = net.embed(CODES)
    _close(nn_np.embed(w, codes), emb)
    b, g = 3, len(codes)
    z, s = torch.randn(b, 6), torch.randn(b, 16)
    cal, y, seen = torch.randn(b, 4), torch.randn(b, g), (torch.rand(b, g) > 0.5).float()
    # torch's block-wise first layer is the plain layer on the concatenated inputs
    x = torch.cat([torch.cat([z, s, cal], -1).unsqueeze(1).expand(b, g, -1),
                   emb.expand(b, g, -1), y.unsqueeze(-1), seen.unsqueeze(-1)], dim=-1)
    plain_mu, plain_raw = net.emit(x).unbind(-1)
    ref_mu, ref_sd = net.emission(z, s, cal, emb, y, seen)
    _close(ref_mu.numpy(), plain_mu)
    _close(ref_sd.numpy(), torch.nn.functional.softplus(plain_raw) + 1e-3)
    mu, sd = nn_np.NumpyRVAE(w).emission(emb.numpy())(
        z.numpy(), s.numpy(), cal.numpy(), y.numpy(), seen.numpy())
    _close(mu, ref_mu)
    _close(sd, ref_sd)
    prior_mu, prior_sd = net._gaussian(net.prior(torch.cat([s, cal], dim=-1)))
    loc, scale = nn_np.NumpyRVAE(w).prior(s.numpy(), cal.numpy())
    _close(loc, prior_mu)
    _close(scale, prior_sd)
    x = torch.cat([z, cal], dim=-1)
    _close(nn_np.gru_cell(w, "cell", x.numpy(), s.numpy()), net.cell(x, s))


@torch.no_grad()
def test_arrnn_step_matches_torch() -> None:
    torch.manual_seed(1)
    net = ARRNN([3, 2], n_calendar=4, hidden=16, layers=2, rank=3).eval()
    w, g = _weights(net), len(CODES)
    emb = net.embed(CODES)
    y, seen = torch.randn(2, g, 1), torch.ones(2, g, 1)
    cal = torch.randn(2, 1, 4)
    x = net._step_inputs(y, seen, cal, emb)  # [2*G, 1, in]
    h0 = torch.randn(2, 2 * g, 16)
    out, h1 = net.rnn(x, h0)
    mu, sd, factor = net._heads(out, x, 2, g)
    sampler = nn_np.NumpyARRNN(w)
    assert (sampler.layers, sampler.rank) == (2, 3)
    inp, h_np = x[:, 0].numpy(), h0.numpy()
    for layer in range(2):
        inp = nn_np.gru_cell(w, "rnn", inp, h_np[layer], suffix=f"_l{layer}")
        _close(inp, h1[layer])
    m, s, f = sampler.heads(inp, x[:, 0].numpy())
    _close(m.reshape(2, g), mu[:, 0])
    _close(s.reshape(2, g), sd[:, 0])
    _close(f.reshape(2, g, 3), factor[:, 0])


@pytest.mark.parametrize("cls", [RecurrentVAE, ARRNN])
def test_sampler_shape_burn_in_limit_and_seed(cls) -> None:
    torch.manual_seed(0)
    w = _weights(cls([3, 2], n_calendar=4, hidden=16).eval())
    sampler = nn_np.sampler(f"{cls.__module__}.{cls.__qualname__}", w)
    cal = np.random.default_rng(0).normal(size=(2, 14, 4))
    draw = lambda seed: sampler.sample(cal, CODES.numpy(), burn_in=4, limit=3.0,  # noqa: E731
                                       rng=np.random.default_rng(seed))
    a = draw(1)
    assert a.shape == (2, 10, 5) and a.dtype == np.float32
    assert np.abs(a).max() <= 3.0 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, draw(1))
    assert not np.allclose(a, draw(2))


def test_unknown_network_is_refused() -> None:
    with pytest.raises(ValueError, match="no numpy sampler"):
        nn_np.sampler("mypackage.Net", {})


def test_loading_and_sampling_do_not_import_torch(tmp_path) -> None:
    from datamime.data.synthetic import make_panel
    from datamime.synthesizer import Synthesizer

    df = make_panel(n_groups=3, length=72, seed=0)
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 1}, windows_per_epoch=8)
    syn.fit(df, time="time", groups=["site", "sensor"], value="value").save(tmp_path / "m")
    expected = syn.sample(length=500, seed=2)
    expected.to_parquet(tmp_path / "expected.parquet")
    code = (
        "import sys, pandas as pd\n"
        "from datamime.synthesizer import Synthesizer\n"
        f"syn = Synthesizer.load({str(tmp_path / 'm')!r}, verbose=False)\n"
        "out = syn.sample(length=500, seed=2)\n"
        f"expected = pd.read_parquet({str(tmp_path / 'expected.parquet')!r})\n"
        "pd.testing.assert_frame_equal(out, expected)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_written_by_format_1_still_loads(tmp_path) -> None:
    """Models saved before format 2 (``model.pt``, torch.save) load and sample the same."""
    from datamime.data.synthetic import make_panel
    from datamime.persist import read_state
    from datamime.synthesizer import Synthesizer

    df = make_panel(n_groups=2, length=72, seed=1)
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 1}, windows_per_epoch=8)
    new = syn.fit(df, time="time", groups=["site", "sensor"], value="value").save(tmp_path / "m")

    def tensors(x):
        if isinstance(x, np.ndarray):
            return torch.from_numpy(x.copy())
        if isinstance(x, dict):
            return {k: tensors(v) for k, v in x.items()}
        return [tensors(v) for v in x] if isinstance(x, list) else x

    state = tensors(read_state(new / "model.npz"))
    state["format_version"] = 1
    old = tmp_path / "old"
    old.mkdir()
    torch.save(state, old / "model.pt")
    a = Synthesizer.load(old, verbose=False).sample(length=48, seed=1)
    b = Synthesizer.load(new, verbose=False).sample(length=48, seed=1)
    assert len(a) == 96
    np.testing.assert_allclose(a["value"].to_numpy(), b["value"].to_numpy(), rtol=1e-12)
