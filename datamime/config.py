"""The settings' types and ranges, declared once: dataclasses in Hydra's ConfigStore.

The YAML files of ``datamime/conf`` give the values (with their comments); the dataclasses
below give the type of every setting the scripts read, and with :func:`setting` its
allowed range, its choices and an example for the error message. They are stored in
Hydra's ConfigStore as ``schema/train``, ``schema/sample``, ``schema/sample_parallel`` and
``schema/evaluate``, with ``schema/model/deep`` and ``schema/net/rvae`` / ``ar_rnn`` for
the model group.

:func:`check` merges a composed config onto its schema and turns an OmegaConf validation
error, or a value out of range, into one :class:`~datamime.errors.ConfigError` line naming
the key and an example (``seed='x' is not a whole number; e.g. seed=0``). The schemas
are not in the YAML defaults lists on purpose: there Hydra would refuse ``seed=x`` while
composing, in several lines and with exit status 1, before datamime could say one line
and exit 2. A field no YAML file sets stays ``???`` in the schema and is never read.

Importing this module also registers the resolvers the YAML files use:
``${datamime_example:}`` (the example table) and ``${datamime_model:NAME}`` (a model's
class, from :mod:`datamime.models.registry`).
"""

import dataclasses
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from datamime.data.example import example_path
from datamime.errors import ConfigError
from datamime.models import registry


def _register_resolvers() -> None:
    for name, resolver in (("datamime_example", example_path),
                           ("datamime_model", registry.target)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


_register_resolvers()

PRIVACY_CHOICES = ("warn", "refuse", "off")


def setting(minimum: float | None = None, example: Any = None, choices: tuple | None = None,
            what: str | None = None, check: Callable[[str, Any], None] | None = None) -> Any:
    """A schema field: its value comes from the YAML files, its rules from here.

    Args:
        minimum: the smallest value allowed (numbers).
        example: shown in the error message (``e.g. key=example``).
        choices: the values allowed; ``what`` then words them for the message.
        what: what the value must be, for the message (default: from the type).
        check: ``check(key, value)`` raising :class:`ConfigError`, for shapes a type
            cannot say (a column name or a list of them).

    """
    rules = {"minimum": minimum, "example": example, "choices": choices, "what": what,
             "check": check}
    return field(default=MISSING, metadata={k: v for k, v in rules.items() if v is not None})


# ------------------------------------------------------------ custom shapes
def _columns(key: str, value: Any) -> None:
    """``data.groups``: one column name, a list of them, [] (a single series), or null."""
    if value is None or isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(g, str | int) for g in value)
    ):
        return
    raise ConfigError(f"{key}={value!r}: give column names, e.g. "
                      f"'{key}=[site,sensor]', or [] for a single series")


def _value_columns(key: str, value: Any) -> None:
    """``data.value``: one column, or several learned together."""
    if isinstance(value, list):
        if value and all(isinstance(v, str | int) for v in value):
            return
    elif value is None or isinstance(value, str | int | float):
        return
    raise ConfigError(f"{key}={value!r}: give column names, e.g. "
                      f"'{key}=[temperature,humidity]'")


def _separator(key: str, value: Any) -> None:
    if value is not None and not (isinstance(value, str) and value):
        raise ConfigError(f"{key}={value!r}: give the separator character, e.g. '{key}=;'")


def _folder(key: str, value: Any) -> None:
    if not str(value or "").strip():
        raise ConfigError(f"{key} is empty; give a folder ({key}=models/latest)")


def _knowledge(off: bool) -> Callable[[str, Any], None]:
    """``knowledge=FILE.yaml`` or null; with ``off`` (at sampling) false too."""
    def check(key: str, value: Any) -> None:
        if value is None or (off and value is False):
            return
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{key}={value!r}: give a YAML file, e.g. "
                              f"{key}=knowledge/air_pollution.yaml"
                              + (" (or knowledge=false to drop the model's own)" if off else ""))
    return check


def knowledge_setting(cfg: DictConfig, off: bool = False) -> Any:
    """The checked ``knowledge`` setting (at sampling, ``off``: false drops the model's own)."""
    value = cfg.get("knowledge")
    _knowledge(off)("knowledge", value)
    return value


def privacy_mode(cfg: DictConfig) -> str:
    """The checked ``privacy`` setting of a sampling config (YAML's bare ``off`` is false)."""
    value = cfg.get("privacy", "warn")
    value = "off" if value is False else value
    if value not in PRIVACY_CHOICES:
        raise ConfigError(f"privacy={value!r}: choose warn, refuse or off")
    return value


# ------------------------------------------------------------------- schemas
@dataclass
class DataConfig:
    """``data/*.yaml``: the table and its column roles (null: guessed)."""

    path: str = setting(example="my.csv")
    time: str | None = setting(example="date")
    groups: Any = setting(check=_columns)
    value: Any = setting(check=_value_columns)
    sep: str | None = setting(check=_separator)
    dayfirst: bool | None = setting(what="true, false or null")
    valid: str | None = setting(example="valid")
    agg: str | None = setting(example="mean")
    tz: str | None = setting(example="Europe/Paris")


@dataclass
class TrainerConfig:
    """``trainer/*.yaml``: the Lightning Trainer settings datamime's configs set.

    Any other ``lightning.pytorch.Trainer`` keyword may be added; it is passed on unchecked.
    """

    max_epochs: int | None = setting(minimum=1, example=15,
                                        what="a whole number of epochs")
    accelerator: str = setting(choices=("auto", "cpu", "gpu", "cuda", "mps"))
    devices: Any = setting()  # a count, "auto", or a list of device ids
    num_nodes: int = setting(minimum=1, example=2)
    strategy: str = setting(example="ddp")
    gradient_clip_val: float | None = setting(minimum=0, example=1.0)
    enable_progress_bar: bool = setting()
    limit_train_batches: float | None = setting(minimum=0, example=4)


@dataclass
class NetConfig:
    """What every network of a deep model takes (``model.net``)."""

    hidden: int = setting(minimum=1, example=32)
    embedding_dim: int = setting(minimum=1, example=8)
    input_noise: float = setting(minimum=0, example=0.05)


@dataclass
class RVAENetConfig(NetConfig):
    """``model=rvae``'s ``net``: :class:`datamime.models.rvae.RecurrentVAE`."""

    latent: int = setting(minimum=1, example=16)
    kl_weight: float = setting(minimum=0, example=1.0)


@dataclass
class ARRNNNetConfig(NetConfig):
    """``model=ar_rnn``'s ``net``: :class:`datamime.models.ar_rnn.ARRNN`."""

    layers: int = setting(minimum=1, example=1)
    rank: int = setting(minimum=0, example=4)
    dropout: float = setting(minimum=0, example=0.0)


@dataclass
class DeepModelConfig:
    """``model=rvae`` / ``ar_rnn``: :class:`datamime.models.deep.DeepGenerator`'s arguments."""

    net: Any = None  # its schema follows net._target_ (see NET_SCHEMAS)
    lr: float = setting(minimum=0, example=3.0e-3)
    weight_decay: float = setting(minimum=0, example=1.0e-4)
    batch_size: int = setting(minimum=1, example=4)
    window: int | None = setting(minimum=2, example=48)
    windows_per_epoch: int = setting(minimum=1, example=128)
    transform: str = setting(choices=("auto", "log1p", "none"))
    harmonics: int = setting(minimum=1, example=2)
    profile: bool = setting()
    profile_shapes: int = setting(minimum=0, example=2)
    ar: bool = setting()
    copula: bool = setting()
    margin: float | None = setting(minimum=0, example=0.25)
    anchor_days: float | None = setting(minimum=0, example=7)
    covariance: bool = setting()
    time_colour: int = setting(minimum=0, example=24)
    day_colour: bool = setting()
    level_map: bool = setting()
    seasonal_scale: bool = setting()
    network: bool = setting()
    cpu_threads: int | None = setting(minimum=1, example=1)
    trainer: Any = None  # ${trainer}, checked there
    seed: int = setting(minimum=0, example=0)


@dataclass
class TrainConfig:
    """``train.yaml``."""

    data: DataConfig = field(default_factory=DataConfig)
    model: Any = None  # its schema follows model._target_ (see MODEL_SCHEMAS)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    seed: int = setting(minimum=0, example=0)
    model_dir: str = setting(check=_folder)
    verbose: bool = setting()
    knowledge: Any = setting(check=_knowledge(off=False))


@dataclass
class SampleConfig:
    """``sample.yaml``."""

    model_dir: str = setting(example="models/latest")
    length: int | None = setting(minimum=1, example=8760, what="a whole number of steps")
    start: str | None = setting(example="2025-01-01")
    end: str | None = setting(example="2025-12-31")
    out: str = setting(example="outputs/synthetic.csv")
    seed: int = setting(minimum=0, example=0)
    integer: Any = setting(choices=("auto", True, False, None), what="auto, true or false")
    positive: Any = setting(choices=("auto", True, False, None), what="auto, true or false")
    bounds: Any = setting()  # [low, high] or {label: [low, high]}, checked when sampling
    closed: str = setting(choices=("drop", "fill"), what="drop or fill")
    combinations: bool = setting()
    new_groups: int = setting(minimum=0, example=3)
    escape_formulas: bool = setting()
    plot: bool = setting()
    verbose: bool = setting()
    privacy: Any = setting(choices=(*PRIVACY_CHOICES, False), what="warn, refuse or off")
    knowledge: Any = setting(check=_knowledge(off=True))


@dataclass
class SampleParallelConfig(SampleConfig):
    """``sample_parallel.yaml``: ``sample.yaml`` plus the parts and their processes."""

    parts: int = setting(minimum=1, example=8)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)


@dataclass
class EvaluateConfig:
    """``evaluate.yaml``."""

    model_dir: str = setting(example="models/latest")
    generated: str = setting(example="outputs/synthetic.csv")
    real: str | None = setting(example="real.csv")
    report_dir: str = setting(example="outputs/report")
    seed: int = setting(minimum=0, example=0)
    verbose: bool = setting()


SCHEMAS = {"train": TrainConfig, "sample": SampleConfig, "sample_parallel": SampleParallelConfig,
           "evaluate": EvaluateConfig}
MODEL_SCHEMAS = {registry.DEEP_CLASS: DeepModelConfig}  # a model's class -> its schema
NET_SCHEMAS = {registry.NETS["rvae"]: RVAENetConfig, registry.NETS["ar_rnn"]: ARRNNNetConfig}


def _store() -> None:
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for name, schema in SCHEMAS.items():
        store.store(group="schema", name=name, node=schema)
    store.store(group="schema/model", name="deep", node=DeepModelConfig)
    for name, schema in (("rvae", RVAENetConfig), ("ar_rnn", ARRNNNetConfig)):
        store.store(group="schema/net", name=name, node=schema)


_store()


# -------------------------------------------------------------------- checks
def _target(node: Any) -> str | None:
    """A node's ``_target_``, resolved (``${datamime_model:rvae}``), or None."""
    if not isinstance(node, DictConfig) or "_target_" not in node:
        return None
    try:
        return str(node._target_)
    except (OmegaConfBaseException, ValueError):
        return None


def _open(node: DictConfig) -> DictConfig:
    """Open ``node`` and its sub-configs to keys no schema declares.

    ``_target_``, Lightning's other Trainer settings, ``paths``: merged in unchecked.
    """
    OmegaConf.set_struct(node, False)
    for key in node:
        if not OmegaConf.is_missing(node, key) and isinstance(node[key], DictConfig):
            _open(node[key])
    return node


def _schema_of(name: str, cfg: DictConfig) -> DictConfig:
    """The structured config of ``name``, with the model and net schemas ``cfg`` picks."""
    node = OmegaConf.structured(SCHEMAS[name])
    model = cfg.get("model")
    if "model" in node and _target(model) in MODEL_SCHEMAS:
        node.model = OmegaConf.structured(MODEL_SCHEMAS[_target(model)])
        if _target(model.get("net")) in NET_SCHEMAS:
            node.model.net = OmegaConf.structured(NET_SCHEMAS[_target(model.net)])
    return _open(node)


def _fields(node: Any) -> dict[str, dataclasses.Field]:
    kind = OmegaConf.get_type(node) if isinstance(node, DictConfig) else None
    return {f.name: f for f in dataclasses.fields(kind)} if dataclasses.is_dataclass(kind) else {}


def _base_type(annotation: Any) -> Any:
    """``int`` for ``int | None``; the annotation itself otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else Any
    return annotation


def _message(key: str, value: Any, spec: dataclasses.Field | None) -> str:
    """One line: the key, its value, what it must be, and an example."""
    rules = dict(spec.metadata) if spec is not None else {}
    kind = _base_type(spec.type) if spec is not None else Any
    if "choices" in rules:
        words = rules.get("what") or ", ".join(str(c) for c in rules["choices"])
        return f"{key}={value!r}: choose {words}"
    if kind is bool:
        return f"{key}={value!r}: choose {rules.get('what', 'true or false')}"
    what = rules.get("what") or {int: "a whole number", float: "a number",
                                 str: "a single value"}.get(kind, "a valid value")
    example = rules.get("example")
    return f"{key}={value!r} is not {what}" + (
        f"; e.g. {key}={example}" if example is not None else "")


def _same(value: Any, choice: Any) -> bool:
    return type(value) is type(choice) and value == choice


def _check_rules(key: str, value: Any, spec: dataclasses.Field) -> None:
    rules = spec.metadata
    if "choices" in rules and not any(_same(value, c) for c in rules["choices"]):
        raise ConfigError(_message(key, value, spec))
    minimum = rules.get("minimum")
    if minimum is not None and value is not None and value < minimum:
        kind = _base_type(spec.type)
        what = rules.get("what") or ("a whole number" if kind is int else "a number")
        raise ConfigError(f"{key}={value} is too small: give {what} of at least {minimum}")
    if "check" in rules:
        rules["check"](key, value)


def _walk(merged: DictConfig, given: DictConfig, prefix: str = "") -> None:
    """Read every setting ``given`` holds through its schema (``merged``).

    Interpolations are resolved and typed on the way, then each field's rules applied.
    """
    fields = _fields(merged)
    for key in given:
        if key not in fields:
            continue
        path = f"{prefix}{key}"
        linked = OmegaConf.is_interpolation(merged, key)  # ${trainer}: checked where it is
        value = merged[key]  # resolves; raises on a wrongly typed interpolation or ???
        if isinstance(value, DictConfig) and _fields(value):
            if not linked:
                _walk(value, given[key], f"{path}.")
        else:
            plain = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
            _check_rules(path, plain, fields[key])


def _field_at(schema: DictConfig, key: str) -> dataclasses.Field | None:
    """The schema field of a dotted ``key`` (None if no schema declares it)."""
    *parents, last = key.split(".")
    node: Any = schema
    for part in parents:
        node = node[part] if isinstance(node, DictConfig) and part in node else None
    return _fields(node).get(last)


def undeclared(cfg: DictConfig, name: str) -> list[str]:
    """The settings of ``cfg`` that no schema declares, as dotted keys.

    They are passed on unchecked (``_target_`` and the like left out); a test keeps the
    packaged configs' at none.
    """
    schema = _schema_of(name, cfg)

    def keys(node: DictConfig, prefix: str = "") -> list[str]:
        out = []
        for key in node:
            if isinstance(node[key], DictConfig) and not OmegaConf.is_interpolation(node, key):
                out += keys(node[key], f"{prefix}{key}.")
            elif not str(key).startswith("_"):
                out.append(f"{prefix}{key}")
        return out

    return [key for key in keys(cfg) if _field_at(schema, key) is None]


def check(cfg: DictConfig, name: str) -> None:
    """Check the composed config ``cfg`` of ``name`` (``train``, ``sample``...).

    A wrongly typed value, a value out of range or an unset one raises one
    :class:`ConfigError` line naming the key and, where it helps, an example.
    """
    schema = _schema_of(name, cfg)
    try:
        _walk(OmegaConf.merge(schema, cfg), cfg)
    except OmegaConfBaseException as exc:
        key = str(getattr(exc, "full_key", None) or getattr(exc, "key", None) or "")
        if isinstance(exc, MissingMandatoryValue):
            raise ConfigError(f"{key} is not set; give it on the command line ({key}=...)") \
                from None
        try:
            value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
        except OmegaConfBaseException:
            value = None
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value)
        raise ConfigError(_message(key, value, _field_at(schema, key))) from None


__all__ = ["setting", "check", "undeclared", "knowledge_setting", "privacy_mode", "SCHEMAS",
           "MODEL_SCHEMAS", "NET_SCHEMAS", "TrainConfig", "SampleConfig", "SampleParallelConfig",
           "EvaluateConfig", "DataConfig", "TrainerConfig", "DeepModelConfig", "NetConfig",
           "RVAENetConfig", "ARRNNNetConfig"]
