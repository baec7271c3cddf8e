"""Every config group composes and instantiates."""

import pytest
from hydra.utils import instantiate

from datamime.models.base import Generator
from tests.conftest import REPO, compose_config

GROUP_DIR = REPO / "datamime" / "conf"


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (GROUP_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("model", _options("model"))
def test_configs_every_model_instantiates_a_generator(model):
    cfg = compose_config("train", [f"model={model}"])
    generator = instantiate(cfg.model)
    assert isinstance(generator, Generator)


@pytest.mark.parametrize("trainer", _options("trainer"))
def test_configs_every_trainer_composes(trainer):
    cfg = compose_config("train", [f"trainer={trainer}"])
    assert cfg.trainer.max_epochs >= 1


@pytest.mark.parametrize("data", _options("data"))
def test_configs_every_data_option_composes(data):
    cfg = compose_config("train", [f"data={data}", "data.path=x.csv"])
    assert set(cfg.data) >= {"path", "time", "groups", "value", "sep", "dayfirst"}


def test_configs_debug_and_sample_compose():
    cfg = compose_config("train", ["debug=fast"])
    assert cfg.trainer.max_epochs == 1
    # smoke mode touches the trainer only, so a baseline takes it too
    baseline = compose_config("train", ["debug=fast", "model=seasonal_ar"])
    assert set(baseline.model) == {"_target_"}
    sample = compose_config("sample", ["length=8760"])
    assert sample.length == 8760 and sample.model_dir == cfg.model_dir


def test_configs_model_has_no_data_derived_sizes():
    """Group counts and feature sizes come from the data, never from YAML."""
    for model in _options("model"):
        cfg = compose_config("train", [f"model={model}"])
        text = str(cfg.model)
        assert "cardinalities" not in text and "n_calendar" not in text
