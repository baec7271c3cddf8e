"""What the scripts run: plain functions of a Hydra config, callable from tests.

``train(cfg)`` and ``sample(cfg)`` return ``(metrics, objects)``; :func:`run` turns a
user mistake into one line on stderr and exit status 2 instead of a traceback.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from datamime.data.example import example_path
from datamime.errors import ConfigError, DatamimeError, DataError, Interrupted
from datamime.output import Generated, OutputFormat, write
from datamime.output.checks import formula_keys
from datamime.persist import check_model_dir
from datamime.synthesizer import Synthesizer


# data=example points at ${datamime_example:}: the local example.csv, or the built-in one
if not OmegaConf.has_resolver("datamime_example"):
    OmegaConf.register_new_resolver("datamime_example", example_path)


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


# ------------------------------------------------------------ config checks
# Hydra accepts any value for any key (``seed=x``); these checks turn a wrongly typed
# setting into one clear line before anything is read, trained or written.

PRIVACY_CHOICES = ("warn", "refuse", "off")


def _setting(cfg: DictConfig, key: str) -> Any:
    try:
        return OmegaConf.select(cfg, key, throw_on_missing=True)
    except Exception:  # noqa: BLE001 - a missing (???) or unresolvable value
        raise ConfigError(f"{key} is not set; give it on the command line ({key}=...)") from None


def _whole(cfg: DictConfig, key: str, minimum: int | None = None, optional: bool = False,
           what: str = "a whole number", example: int = 1) -> int | None:
    """The integer setting ``key`` (None if ``optional`` and unset), checked."""
    value = _setting(cfg, key)
    if value is None and optional:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}={value!r} is not {what}; e.g. {key}={example}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key}={value} is too small: give {what} of at least {minimum}")
    return value


def _flag(cfg: DictConfig, key: str, auto: bool = False) -> bool | str:
    value = _setting(cfg, key)
    if isinstance(value, bool) or (auto and value in ("auto", None)):
        return value
    choices = "auto, true or false" if auto else "true or false"
    raise ConfigError(f"{key}={value!r}: choose {choices}")


def _text(cfg: DictConfig, key: str) -> None:
    value = _setting(cfg, key)
    if value is not None and not isinstance(value, str | int | float):
        raise ConfigError(f"{key}={value!r}: give a single value")


def privacy_mode(cfg: DictConfig) -> str:
    """The checked ``privacy`` setting of a sampling config."""
    value = cfg.get("privacy", "warn")
    value = "off" if value is False else value  # YAML reads a bare `off` as false
    if value not in PRIVACY_CHOICES:
        raise ConfigError(f"privacy={value!r}: choose warn, refuse or off")
    return value


CHOICES = {
    "trainer.accelerator": ("auto", "cpu", "gpu", "cuda", "mps"),
    "model.transform": ("auto", "log1p", "none"),
}
NULLABLE_WHOLE = {"model.window": 2, "model.cpu_threads": 1}  # key: minimum when set


def _packaged_defaults() -> dict[str, Any]:
    """Default value of every scalar model/trainer setting in the packaged configs."""
    root = Path(__file__).with_name("conf")
    found: dict[str, Any] = {}
    for group in ("model", "trainer"):
        for file in sorted((root / group).glob("*.yaml")):
            node = OmegaConf.load(file)
            node.pop("defaults", None)
            for key, value in _leaves(OmegaConf.to_container(node, resolve=False)):
                if not (isinstance(value, str) and "${" in value):
                    found.setdefault(f"{group}.{key}", value)
    return found


def _leaves(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if not isinstance(tree, dict):
        return [(prefix, tree)]
    out = []
    for key, value in tree.items():
        if not str(key).startswith("_"):
            out += _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def _check_like_default(cfg: DictConfig, key: str, default: Any) -> None:
    """A model/trainer setting must have the type of its packaged default."""
    value = _setting(cfg, key)
    if key in CHOICES:
        if value not in CHOICES[key]:
            raise ConfigError(f"{key}={value!r}: choose {', '.join(CHOICES[key])}")
    elif key in NULLABLE_WHOLE:
        _whole(cfg, key, minimum=NULLABLE_WHOLE[key], optional=True,
               example=max(NULLABLE_WHOLE[key], 1))
    elif key == "trainer.devices" and (value == "auto" or OmegaConf.is_list(value)):
        return
    elif isinstance(default, bool):
        _flag(cfg, key)
    elif isinstance(default, int):
        _whole(cfg, key, minimum=1 if default >= 1 else 0, example=default)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}={value!r} is not a number; e.g. {key}={default}")
        if default >= 0 and value < 0:
            raise ConfigError(f"{key}={value} cannot be negative (default {default})")


def _knowledge_setting(cfg: DictConfig, off: bool = False) -> Any:
    """``knowledge=FILE.yaml`` (or null; at sampling also false: drop the model's own)."""
    value = cfg.get("knowledge")
    if value is None or (off and value is False):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"knowledge={value!r}: give a YAML file, e.g. "
                          "knowledge=knowledge/air_pollution.yaml"
                          + (" (or knowledge=false to drop the model's own)" if off else ""))
    return value


def check_train_config(cfg: DictConfig) -> None:
    """Reject wrongly typed training settings with one clear message (ConfigError).

    Model and trainer settings are checked against the type of their default in
    ``datamime/conf`` (a whole number stays a whole number, at least 1 if its default
    is; a rate stays a non-negative number; a flag stays true/false).
    """
    _whole(cfg, "seed", minimum=0)
    _flag(cfg, "verbose")
    _knowledge_setting(cfg)
    _setting(cfg, "data.path")
    for key in ("data.time", "data.valid"):
        _text(cfg, key)
    value = _setting(cfg, "data.value")
    if OmegaConf.is_list(value):  # several value columns, learned together
        if not value or not all(isinstance(v, str | int) for v in value):
            raise ConfigError(f"data.value={value!r}: give column names, e.g. "
                              "'data.value=[temperature,humidity]'")
    else:
        _text(cfg, "data.value")
    sep = _setting(cfg, "data.sep")
    if sep is not None and not (isinstance(sep, str) and sep):
        raise ConfigError(f"data.sep={sep!r}: give the separator character, e.g. 'data.sep=;'")
    groups = _setting(cfg, "data.groups")
    if groups is not None and not isinstance(groups, str) and not (
        OmegaConf.is_list(groups) and all(isinstance(g, str | int) for g in groups)
    ):
        raise ConfigError(f"data.groups={groups!r}: give column names, e.g. "
                          "'data.groups=[site,sensor]', or [] for a single series")
    defaults = _packaged_defaults()
    for section in ("model", "trainer"):
        if OmegaConf.select(cfg, section) is None:
            continue
        for key, _ in _leaves(OmegaConf.to_container(cfg[section], resolve=False), section):
            if key in defaults:
                _check_like_default(cfg, key, defaults[key])
    dayfirst = _setting(cfg, "data.dayfirst")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise ConfigError(f"data.dayfirst={dayfirst!r}: choose true, false or null")
    if OmegaConf.select(cfg, "trainer.max_epochs") is not None:  # also -1 (Lightning: forever)
        _whole(cfg, "trainer.max_epochs", minimum=1, what="a whole number of epochs",
               example=15)
    if not str(_setting(cfg, "model_dir") or "").strip():
        raise ConfigError("model_dir is empty; give a folder (model_dir=models/latest)")
    check_model_dir(str(cfg.model_dir))  # refused before training, not after it


def check_sample_config(cfg: DictConfig) -> None:
    """Reject wrongly typed sampling settings with one clear message (ConfigError)."""
    _whole(cfg, "seed", minimum=0)
    _whole(cfg, "length", minimum=1, optional=True, what="a whole number of steps",
           example=8760)
    for key in ("start", "end"):
        _text(cfg, key)
    _flag(cfg, "integer", auto=True)
    _flag(cfg, "positive", auto=True)
    _flag(cfg, "plot")
    _flag(cfg, "verbose")
    if "escape_formulas" in cfg:
        _flag(cfg, "escape_formulas")
    privacy_mode(cfg)
    _knowledge_setting(cfg, off=True)
    if "new_groups" in cfg:
        _whole(cfg, "new_groups", minimum=0, example=3)
    if "combinations" in cfg:
        _flag(cfg, "combinations")
    if cfg.get("closed", "drop") not in ("drop", "fill"):
        raise ConfigError(f"closed={cfg.closed!r}: choose drop or fill")


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the configured model on the configured data and save it to ``cfg.model_dir``."""
    from hydra.errors import InstantiationException  # hydra.utils: ~0.3 s, training only
    from hydra.utils import instantiate

    check_train_config(cfg)
    data = cfg.data
    try:
        generator = instantiate(cfg.model)
    except InstantiationException as exc:
        lines = [x.strip() for x in str(exc).strip().splitlines()
                 if x.strip() and not x.strip().startswith("full_key:")]
        raise ConfigError(f"the model settings cannot be used: {' '.join(lines)}") from None
    syn = Synthesizer(model=generator, seed=cfg.seed, verbose=cfg.verbose)
    syn.fit(str(data.path), time=data.time, groups=_list(data.groups), value=data.value,
            sep=data.sep, dayfirst=data.dayfirst, valid=data.get("valid"), agg=data.get("agg"),
            tz=data.get("tz"), knowledge=cfg.get("knowledge"))
    from datamime.distributed import global_rank

    if global_rank() != 0:  # trainer=ddp: the other processes hold the same model
        return {"fit_seconds": syn.fit_seconds}, {"synthesizer": syn, "model_dir": None}
    model_dir = syn.save(cfg.model_dir)
    schema = syn.schema
    metrics = {
        "fit_seconds": syn.fit_seconds,
        "n_series": schema.n_series,
        "n_steps": syn.panel.n_steps,
        "final_loss": (getattr(generator, "loss_history", None) or [None])[-1],
    }
    print(f"datamime: trained on {schema.n_series} series x {syn.panel.n_steps} steps "
          f"({schema.freq}) in {syn.fit_seconds:.1f} s; model saved to {model_dir}")
    return metrics, {"synthesizer": syn, "model_dir": model_dir}


def _render_plot(syn: Synthesizer, gen: Generated, png: Path) -> Path:
    """Draw the real-vs-generated preview (from the drawn values, thinned) into a
    temporary file beside ``png``."""
    from datamime.preview import write_preview

    panel = syn.panel
    tmp = png.parent / f".{png.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        write_preview(tmp, panel.index, panel.values, gen.index,
                      gen.masked()[:, : panel.n_series], panel.series_labels())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"cannot write the plot {png}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _check_writable(out: Path) -> None:
    """Fail before sampling when ``out`` obviously cannot be written."""
    if out.is_dir():
        raise DataError(f"out={out} is a folder; give a file name (out=DIR/synthetic.csv)")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(f"out={out}: {parent} is a file, not a folder; "
                                "choose another output path")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise DataError(f"out={out}: cannot write in {parent} (permission denied); "
                                "choose another output path")
            return


def _new_folders(path: Path) -> list[Path]:
    """The missing folders above ``path``, deepest first (to remove them after a failure)."""
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing


def stated_bounds(cfg: DictConfig) -> Any:
    """``cfg.bounds`` as plain lists and dicts (checked when sampling)."""
    value = cfg.get("bounds")
    if value is None or isinstance(value, (int, float, str, bool)):
        if value is not None:
            raise DataError(f"bounds={value!r}: give [low, high] or {{label: [low, high]}}, "
                            "e.g. 'bounds={humidity:[0,100]}'")
        return None
    return OmegaConf.to_container(value, resolve=True)


def sample(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Generate from the model in ``cfg.model_dir`` and write ``cfg.out`` (+ a PNG).

    Nothing is written unless everything succeeds: the plot is drawn into a temporary
    file first, the table is written atomically, then the plot is moved into place.
    """
    check_sample_config(cfg)
    out = Path(str(cfg.out))
    if out.suffix.lower() not in {".csv", ".parquet"}:
        raise DataError(f"out={out}: use a .csv or .parquet file name")
    _check_writable(out)
    privacy = privacy_mode(cfg)
    syn = Synthesizer.load(cfg.model_dir, verbose=cfg.verbose)
    given = _knowledge_setting(cfg, off=True)
    if given is not None:  # sampling's knowledge replaces the model's own
        syn.use_knowledge(given or None)
    elif syn.knowledge is not None and cfg.verbose:
        print(f"datamime: {syn.describe_knowledge()} (kept with the model)")
    start = time.perf_counter()
    gen = syn.generate(length=cfg.length, start=cfg.start, end=cfg.end, seed=cfg.seed,
                       integer=cfg.integer, positive=cfg.positive,
                       closed=cfg.get("closed", "drop"),
                       combinations=cfg.get("combinations", False),
                       new_groups=cfg.get("new_groups", 0), privacy=privacy,
                       bounds=stated_bounds(cfg))
    sample_seconds = time.perf_counter() - start
    objects: dict[str, Any] = {"synthesizer": syn, "generated": gen, "out": out,
                               "privacy": syn.last_privacy}
    created = _new_folders(out)
    tmp_png = None
    try:
        if cfg.plot:
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataError(f"cannot create the folder for {out}: "
                                f"{exc.strerror or exc}") from None
            tmp_png = _render_plot(syn, gen, out.with_suffix(".png"))
        escape = bool(cfg.get("escape_formulas", False))
        rows = write(gen, out, OutputFormat.from_schema(syn.schema), escape=escape)
        if not escape and out.suffix.lower() == ".csv":
            said = formula_keys(gen.keys[gen.layout.others])
            if said:
                print(f"datamime: warning: {said}", file=sys.stderr)
        if tmp_png is not None:
            os.replace(tmp_png, out.with_suffix(".png"))
            objects["plot"], tmp_png = out.with_suffix(".png"), None
    except BaseException:
        if tmp_png is not None:
            tmp_png.unlink(missing_ok=True)
        for folder in created:  # deepest first; only the empty ones we made
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    metrics = {"rows": rows, "n_series": gen.n_series, "steps": gen.n_steps,
               "sample_seconds": sample_seconds}
    if syn.last_privacy is not None:
        from datamime.privacy import summary

        metrics["privacy_copy_share"] = syn.last_privacy["copy_share"]
        metrics["privacy_distance_ratio"] = syn.last_privacy["distance_ratio"]
        metrics["privacy_seconds"] = syn.last_privacy["seconds"]
        print(f"datamime: {summary(syn.last_privacy)}")
    print(f"datamime: wrote {rows:,} rows ({metrics['n_series']} series x "
          f"{metrics['steps']:,} steps) to {out}"
          + (f"; comparison plot {objects['plot']}" if "plot" in objects else ""))
    return metrics, objects


def evaluate(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compare ``cfg.generated`` with the real sample (or ``cfg.real``); write a report."""
    from datamime.data.prepare import prepare
    from datamime.evaluation.metrics import evaluate as compare
    from datamime.evaluation.report import write_report

    _whole(cfg, "seed", minimum=0)
    syn = Synthesizer.load(cfg.model_dir, verbose=cfg.verbose)
    schema = syn.schema
    roles = {"time": schema.time, "groups": schema.groups, "value": schema.value,
             "verbose": False, "tz": schema.tz if schema.tz != "UTC" else None}
    real = syn.panel if cfg.real is None else prepare(str(cfg.real), **roles)[0]
    generated = prepare(str(cfg.generated), **roles)[0]
    metrics = compare(real, generated, seed=cfg.seed)
    report = write_report(metrics, real, generated, cfg.report_dir,
                          title=f"datamime evaluation of {cfg.generated}")
    shown = ("discriminative_score", "acf_distance", "daily_profile_error", "correlation_error")
    print("datamime: " + ", ".join(
        f"{k.replace('_', ' ')} {metrics[k]:.3f}" for k in shown if metrics.get(k) is not None
    ) + f"; report {report}")
    return metrics, {"report": report}


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted


def run(task: Callable[[DictConfig], Any], cfg: DictConfig) -> Any:
    """Run a pipeline task for a script: user errors -> one line on stderr, exit 2.

    Ctrl-C ends with one line too, and exit status 130: whatever was being written is
    left out (outputs and models are only moved into place once complete).
    """
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _raise_interrupted) if main else None
    try:
        return task(cfg)
    except DatamimeError as exc:
        print(f"datamime: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except (KeyboardInterrupt, Interrupted):
        if main:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while we clean up
        kept = {"train": " (nothing saved; the previous model is unchanged)",
                "sample": " (nothing written)"}.get(getattr(task, "__name__", ""), "")
        print(f"datamime: interrupted{kept}", file=sys.stderr)
        sys.exit(130)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


__all__ = ["train", "sample", "evaluate", "run", "check_train_config", "check_sample_config"]
