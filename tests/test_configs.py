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


def test_configs_model_files_are_the_registry():
    """conf/model/NAME.yaml exists for every registered model, and names its class."""
    from datamime.models import registry

    assert _options("model") == sorted(registry.MODELS)
    for name, spec in registry.MODELS.items():
        assert compose_config("train", [f"model={name}"]).model._target_ == spec.target


@pytest.mark.parametrize("name, overrides", [
    ("train", [f"model={m}"]) for m in _options("model")] + [
    ("train", [f"trainer={t}"]) for t in _options("trainer")] + [
    ("train", [f"data={d}"]) for d in _options("data")] + [
    ("sample", []), ("sample_parallel", []), ("evaluate", [])])
def test_configs_every_packaged_setting_has_a_declared_type(name, overrides):
    """No setting of the packaged YAML goes unchecked: each is a field of a schema."""
    from datamime import config

    cfg = compose_config(name, [*overrides, "data.path=x.csv"] if name == "train" else overrides)
    config.check(cfg, name)
    undeclared = config.undeclared(cfg, name)
    assert not [k for k in undeclared if not k.startswith("paths.")], undeclared


@pytest.mark.parametrize("name, override, message", [
    ("train", "seed=x", "seed='x' is not a whole number; e.g. seed=0"),
    ("train", "model.lr=abc", "model.lr='abc' is not a number; e.g. model.lr=0.003"),
    ("train", "model.net.hidden=0", "model.net.hidden=0 is too small"),
    ("train", "model=ar_rnn model.net.rank=x", "model.net.rank='x' is not a whole number"),
    ("train", "trainer.accelerator=tpu9", "choose auto, cpu, gpu, cuda, mps"),
    ("train", "model.transform=sqrt", "model.transform='sqrt': choose auto, log1p, none"),
    ("train", "data.time=[a,b]", "data.time=['a', 'b'] is not a single value"),
    ("train", "knowledge=5", "knowledge=5: give a YAML file"),
    ("sample", "length=abc", "length='abc' is not a whole number of steps; e.g. length=8760"),
    ("sample", "closed=x", "closed='x': choose drop or fill"),
    ("sample", "verbose=maybe", "verbose='maybe': choose true or false"),
    ("sample_parallel", "parts=0", "parts=0 is too small: give a whole number of at least 1"),
    ("evaluate", "seed=-1", "seed=-1 is too small"),
])
def test_configs_a_bad_setting_is_one_line_naming_the_key(name, override, message):
    from datamime import config
    from datamime.errors import ConfigError

    extra = ["data.path=x.csv"] if name == "train" else []
    cfg = compose_config(name, [*override.split(), *extra])
    with pytest.raises(ConfigError) as info:
        config.check(cfg, name)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_configs_schemas_are_in_the_config_store():
    from hydra.core.config_store import ConfigStore

    import datamime.config  # noqa: F401

    stored = ConfigStore.instance().list("schema")
    assert {"train.yaml", "sample.yaml", "sample_parallel.yaml", "evaluate.yaml"} <= set(stored)
