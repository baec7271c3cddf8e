"""trainer=ddp: a real 2-process DDP training on CPU (gloo), then sampling from its model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datamime.synthesizer import Synthesizer

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.ddp  # two processes: left out of the default run (see pyproject.toml)


def test_ddp_two_cpu_processes_train_and_save_once(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "scripts/train.py", "data=example", "trainer=ddp",
         "trainer.accelerator=cpu", "trainer.devices=2", "debug=fast", "verbose=false",
         f"model_dir={model_dir}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "Starting with 2 processes" in output and "GLOBAL_RANK: 1" in output
    assert output.count("model saved to") == 1  # rank 0 alone writes the model
    assert sorted(p.name for p in model_dir.iterdir()) == ["loss_curve.png", "model.npz",
                                                            "schema.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers

    syn = Synthesizer.load(model_dir, verbose=False)
    table = syn.sample(length=48, seed=0)
    assert len(table) == 48 * syn.schema.n_series
    assert np.isfinite(table[syn.schema.value].to_numpy(dtype=float)).all()
