"""The real benchmark datasets (benchmarks/real_data.py) have the promised shape."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
real_data = importlib.import_module("real_data")

from datamime.data.prepare import prepare  # noqa: E402


@pytest.mark.parametrize("name", real_data.REAL_DATASETS)
def test_real_loader_gives_the_promised_panel(name):
    try:
        sample = real_data.load(name)
    except real_data.MissingPackage as exc:
        pytest.skip(str(exc))
    panel, _, _ = prepare(sample.frame, verbose=False, **sample.roles)
    assert panel.n_series == sample.shape["n_series"]
    assert panel.n_steps == sample.shape["n_steps"]
    assert panel.freq == sample.shape["freq"]
    assert importlib.util.find_spec("datamime")  # the loaders need nothing but the package
