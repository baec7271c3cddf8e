"""What the scripts run: plain functions of a Hydra config, callable from tests.

``train(cfg)`` and ``sample(cfg)`` return ``(metrics, objects)``; :func:`run` turns a
user mistake into one line on stderr and exit status 2 instead of a traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from datamime.data.example import example_path
from datamime.data.io import write_table
from datamime.errors import DatamimeError, DataError
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


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the configured model on the configured data and save it to ``cfg.model_dir``."""
    data = cfg.data
    generator = instantiate(cfg.model)
    syn = Synthesizer(model=generator, seed=cfg.seed, verbose=cfg.verbose)
    syn.fit(str(data.path), time=data.time, groups=_list(data.groups), value=data.value,
            sep=data.sep, dayfirst=data.dayfirst, valid=data.get("valid"))
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


def sample(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Generate from the model in ``cfg.model_dir`` and write ``cfg.out`` (+ a PNG)."""
    out = Path(str(cfg.out))
    if out.suffix.lower() not in {".csv", ".parquet"}:
        raise DataError(f"out={out}: use a .csv or .parquet file name")
    syn = Synthesizer.load(cfg.model_dir, verbose=cfg.verbose)
    from datamime import stream  # large Parquet outputs: row groups as generated

    n_rows = len(syn.date_range(cfg.length, cfg.start, cfg.end)) * syn.panel.n_series
    if out.suffix.lower() == ".parquet" and n_rows > stream.STREAM_ROWS:
        return stream.sample_streamed(cfg, syn, out)
    start = time.perf_counter()
    table = syn.sample(length=cfg.length, start=cfg.start, end=cfg.end, seed=cfg.seed,
                       integer=cfg.integer, positive=cfg.positive)
    sample_seconds = time.perf_counter() - start
    write_table(table, out, syn.schema)
    objects: dict[str, Any] = {"synthesizer": syn, "table": table, "out": out}
    if cfg.plot:
        from datamime.plotting import compare_series

        panel, gen = syn.panel, syn.to_panel(table)
        png = out.with_suffix(".png")
        compare_series(panel.index, panel.values, gen.index, gen.values,
                       panel.series_labels(), png)
        objects["plot"] = png
    metrics = {"rows": len(table), "n_series": syn.schema.n_series,
               "steps": len(table) // max(syn.schema.n_series, 1),
               "sample_seconds": sample_seconds}
    print(f"datamime: wrote {len(table):,} rows ({metrics['n_series']} series x "
          f"{metrics['steps']:,} steps) to {out}"
          + (f"; comparison plot {objects['plot']}" if "plot" in objects else ""))
    return metrics, objects


def evaluate(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compare ``cfg.generated`` with the real sample (or ``cfg.real``); write a report."""
    from datamime.data.schema import prepare
    from datamime.evaluate import evaluate as compare
    from datamime.evaluate import write_report

    syn = Synthesizer.load(cfg.model_dir, verbose=cfg.verbose)
    schema = syn.schema
    roles = {"time": schema.time, "groups": schema.groups, "value": schema.value,
             "verbose": False}
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


def run(task: Callable[[DictConfig], Any], cfg: DictConfig) -> Any:
    """Run a pipeline task for a script: user errors -> one line on stderr, exit 2."""
    try:
        return task(cfg)
    except DatamimeError as exc:
        print(f"datamime: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("datamime: interrupted", file=sys.stderr)
        sys.exit(130)


__all__ = ["train", "sample", "evaluate", "run"]
