"""A saved deep model comes back with every hyper-parameter it was built with.

Each deep model is built with non-default settings, trained a few steps on a small
synthetic panel, saved with :meth:`Synthesizer.save` and loaded: every constructor
argument, the network's own sizes (as the numpy samplers read them from the weights)
and a fixed-seed sample must be what they were.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from datamime import Synthesizer
from datamime.data.synthetic import make_panel
from datamime.models import registry
from datamime.models.deep import DeepGenerator
from datamime.models.numpy_nets import sampler

TRAINER = {"max_epochs": 1, "limit_train_batches": 2, "accelerator": "cpu",
           "enable_progress_bar": False}
COMMON = {"lr": 1e-3, "weight_decay": 2e-4, "batch_size": 2, "window": 30,
          "windows_per_epoch": 6, "harmonics": 1, "margin": 0.5, "anchor_days": 2.5,
          "cpu_threads": None, "trainer": TRAINER}
CASES = {
    "rvae": {"net_options": {"hidden": 8, "latent": 3, "embedding_dim": 3, "kl_weight": 0.5,
                             "input_noise": 0.1},
             "transform": "none", "profile": False, "profile_shapes": 1, "ar": False,
             "copula": False, "covariance": False, "time_colour": 5},
    "ar_rnn": {"net_options": {"hidden": 8, "layers": 2, "embedding_dim": 3, "rank": 2,
                               "dropout": 0.1, "input_noise": 0.1},
               "transform": "log1p", "profile_shapes": 0, "time_colour": 0,
               "seasonal_scale": False},
    "rvae_network_off": {"network": False, "transform": "none", "time_colour": 3},
}
SIGNATURE = set(inspect.signature(DeepGenerator).parameters)


@pytest.mark.parametrize("case", list(CASES))
def test_a_saved_deep_model_keeps_every_hyper_parameter(case, tmp_path):
    name = case.split("_network")[0]
    given = {**COMMON, **CASES[case]}
    syn = Synthesizer(model=name, seed=7, verbose=False, **given)
    table = make_panel(n_groups=3, length=72, seed=2)
    table["value"] = table["value"].abs()  # log1p needs values >= 0
    syn.fit(table, time="time", groups=["site", "sensor"], value="value")
    loaded = Synthesizer.load(syn.save(tmp_path / "model"), verbose=False)
    before, after = syn.generator.hyper_parameters(), loaded.generator.hyper_parameters()

    assert set(after) == SIGNATURE  # every constructor argument is kept
    assert after == before
    expected = {**given, "net": registry.NETS[name], "seed": 7}
    assert {k: after[k] for k in expected} == expected
    again = DeepGenerator(**after)  # the same model, untrained: the settings refit
    assert again.hyper_parameters() == before

    gen = loaded.generator
    assert gen.net_kwargs == syn.generator.net_kwargs
    if gen.weights:  # the numpy sampler reads the network's sizes from the weights
        net = sampler(gen.net_class, gen.weights)
        options = CASES[case].get("net_options", {})
        for size in ("hidden", "layers", "rank"):
            if size in options:
                assert getattr(net, size) == options[size]

    index = pd.date_range("2024-03-01", periods=60, freq="h")
    np.testing.assert_array_equal(syn.generator.sample(index, seed=4),
                                  gen.sample(index, seed=4))
    pd.testing.assert_frame_equal(syn.sample(length=60, seed=4), loaded.sample(length=60, seed=4))


def test_a_model_saved_before_the_seasonal_spread_loads_without_one():
    syn = Synthesizer(model="rvae", seed=3, verbose=False, **COMMON)
    table = make_panel(n_groups=2, length=72, seed=1)
    syn.fit(table, time="time", groups=["site", "sensor"], value="value")
    state = syn.generator.get_state()
    assert syn.generator.chain.scale is not None  # on by default
    old = {k: v for k, v in state.items() if k not in ("scale", "scale_mean")}
    old["hyper_parameters"] = {k: v for k, v in state["hyper_parameters"].items()
                               if k != "seasonal_scale"}
    loaded = DeepGenerator.from_state(old)
    assert loaded.hyper_parameters()["seasonal_scale"] is False
    assert loaded.chain.scale is None
    index = pd.date_range("2024-03-01", periods=48, freq="h")
    assert np.isfinite(loaded.sample(index, seed=1)).all()
