"""Shared fixtures: composed Hydra configs in smoke mode and tiny data."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, open_dict

from datamime.data.synthetic import make_panel

REPO = Path(__file__).resolve().parents[1]
ATMO = REPO.parent / "shared" / "data" / "atmo_normandie_3days.csv"


def compose_config(name: str, overrides: list[str] | None = None) -> DictConfig:
    """Compose ``datamime/conf/<name>.yaml`` as the scripts would."""
    with initialize_config_module(config_module="datamime.conf", version_base="1.3"):
        return compose(config_name=name, overrides=overrides or [])


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """Four hourly series over three days, `;`-separated with day-first dates."""
    df = make_panel(n_groups=4, length=72, seed=1)
    df["value"] = df["value"].round().clip(lower=0)
    df["time"] = df["time"].dt.strftime("%d/%m/%Y %H:%M")
    path = tmp_path / "tiny.csv"
    df.to_csv(path, sep=";", index=False)
    return path


@pytest.fixture
def train_cfg(tiny_csv: Path, tmp_path: Path) -> DictConfig:
    """Train config on ``tiny_csv``, smoke mode, CPU, model written under ``tmp_path``."""
    cfg = compose_config("train", [
        "data=csv", f"data.path={tiny_csv}", "data.time=time", "data.groups=[site,sensor]",
        "data.value=value", "debug=fast", "trainer.accelerator=cpu", "verbose=false",
        f"model_dir={tmp_path / 'model'}",
    ])
    return cfg


@pytest.fixture
def sample_cfg(tmp_path: Path) -> DictConfig:
    cfg = compose_config("sample", [f"model_dir={tmp_path / 'model'}",
                                    f"out={tmp_path / 'out' / 'synthetic.csv'}", "verbose=false"])
    with open_dict(cfg):
        cfg.plot = False
    return cfg


@pytest.fixture
def atmo() -> Path:
    """The real Atmo sample in ../shared (skips when it is absent)."""
    if not ATMO.exists():
        pytest.skip(f"example data not found at {ATMO}")
    return ATMO
