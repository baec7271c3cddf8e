"""Benchmark datamime's generators: speed, memory and fidelity on a few datasets.

Every (dataset, model, seed) runs in a fresh process, so that its peak memory is its own.
The child fits a :class:`datamime.Synthesizer`, generates the protocol's date range and one
year, scores them with :func:`datamime.evaluation.metrics.evaluate` and returns a flat dict of
numbers; the parent takes the median over seeds and writes ``OUT/results.json`` (every run,
raw) and ``OUT/RESULTS.md`` (targets, one table per dataset, links to the plots).

Protocols:
    A: fit on the whole sample, generate the same range, compare with the sample.
    B: fit on the first 48 h, generate the third day, compare with the real third day.

Usage::

    python scripts/benchmark.py                       # everything, 3 seeds
    python scripts/benchmark.py --quick --datasets example --models ar_rnn
    python scripts/benchmark.py --epochs 40 --out /tmp/bench
    python scripts/benchmark.py --speed     # sampling speed vs the seed app (SCALE.md)
    python scripts/benchmark.py --scale     # cost curve, 2,000-series Parquet (SCALE.md)
    python scripts/benchmark.py --real      # real datasets, protocols A and F (REAL.md)
    python scripts/benchmark.py --ablation  # the default model, parts off (REAL.md)
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import multiprocessing as mp
import os
import platform
import shlex
import statistics
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ATMO = REPO.parent / "shared" / "data" / "atmo_normandie_3days.csv"
EXAMPLE = REPO / "example.csv"

DATASETS = ("example", "atmo_a", "atmo_b", "synthetic")
MODELS = ("ar_rnn", "rvae", "seasonal_bootstrap", "seasonal_ar", "block_bootstrap")
DEEP = ("ar_rnn", "rvae")
DEFAULT_MODEL = "rvae"
TARGET_DATASET = "atmo_a"

ATMO_ROLES = {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
              "value": "valeur", "sep": ";", "dayfirst": True}

DATASET_NOTES = {
    "example": "`example.csv` (synthetic, Atmo layout), protocol A: fit on all of it, "
               "generate the same range, compare.",
    "atmo_a": "Atmo Normandie sample (72 h), protocol A: fit on all 72 h, generate the same "
              "72 h, compare.",
    "atmo_b": "Atmo Normandie sample, protocol B: fit on the first 48 h, generate the third "
              "day, compare with the real third day (held out), both scaled with the first "
              "48 h's statistics (`evaluate(reference=...)`).",
    "synthetic": "`make_panel(n_groups=24, length=14*24, seed=7, zeros=0.05)`: daily cycle, "
                 "shared AR(1) factor, AR(1) noise, 5 % zeros; protocol A.",
}

# Targets for the default model on TARGET_DATASET: (label, metric key, op, threshold).
# op is "<=", ">=" or "<"; threshold "baselines" means: below the best baseline's value.
TARGETS: list[tuple[str, str, str, Any]] = [
    ("discriminative score", "discriminative_score", "<=", 0.08),
    ("TSTR / TRTR", "tstr_trtr", "<=", 1.10),
    ("ACF distance", "acf_distance", "<=", 0.06),
    ("hour-of-day profile error", "daily_profile_error", "<=", 0.2),
    ("correlation error", "correlation_error", "<=", 0.10),
    ("copy share", "copy_share", "<=", 0.01),
    ("DCR ratio", "dcr_ratio", ">=", 0.8),
    ("discriminative score below every baseline", "discriminative_score", "<", "baselines"),
    ("ACF distance below every baseline", "acf_distance", "<", "baselines"),
    ("monthly mean drift over a year (max over series)", "monthly_mean_drift_max", "<=", 0.10),
]

# Columns of the per-dataset tables: (header, key, scale). Key "drift" is special.
COLUMNS: list[tuple[str, str, float]] = [
    ("train s", "fit_s", 1.0),
    ("sample s", "sample_s", 1.0),
    ("year s", "year_s", 1.0),
    ("rows/s", "rows_per_s", 1.0),
    ("peak MB", "peak_mb", 1.0),
    ("disc", "discriminative_score", 1.0),
    ("tstr/trtr", "tstr_trtr", 1.0),
    ("acf", "acf_distance", 1.0),
    ("profile", "daily_profile_error", 1.0),
    ("corr", "correlation_error", 1.0),
    ("wasserstein", "wasserstein", 1.0),
    ("dcr ratio", "dcr_ratio", 1.0),
    ("copy %", "copy_share", 100.0),
    ("drift med / max", "drift", 1.0),
    ("integer share", "integer_share", 1.0),
    ("negative share", "negative_share", 1.0),
]

# What we found when checking whether SDV's PARSynthesizer can run beside datamime.
SDV_NOTE = (
    "SDV's PARSynthesizer was not run: `pip install --dry-run sdv` resolves sdv 2.0.0, whose "
    "dependencies sdv, rdt, copulas and sdmetrics all require `pandas<3`, so installing it "
    "would downgrade pandas 3.1.1 to 2.3.3 (torch 2.13, numpy 2.4 and lightning would be left "
    "as they are). datamime is developed on pandas 3, so SDV was not installed."
)


@dataclass
class Task:
    """One run: a dataset, a model and a seed, plus the options of the benchmark."""

    dataset: str
    model: str
    seed: int
    quick: bool
    epochs: int | None
    plots_dir: str | None  # write the report figures there (first seed only)


# --------------------------------------------------------------------------- child side


def model_kwargs(model: str, quick: bool, epochs: int | None) -> dict[str, Any]:
    """Keyword arguments for ``Synthesizer(model=...)``: trainer options for deep models."""
    if model not in DEEP:
        return {}
    trainer: dict[str, Any] = {"enable_progress_bar": False}
    if quick:
        trainer["max_epochs"] = 1
    if epochs is not None:
        trainer["max_epochs"] = int(epochs)
    kwargs: dict[str, Any] = {"trainer": trainer}
    if quick:
        kwargs["windows_per_epoch"] = 16
    return kwargs


def _atmo_full_panel():
    from datamime.data.prepare import prepare

    roles = dict(ATMO_ROLES)
    return prepare(ATMO, verbose=False, **roles)[0]


def load_case(name: str) -> dict[str, Any]:
    """The data to fit, its roles and the protocol of dataset ``name``.

    Returns a dict with ``fit`` (path or DataFrame), ``roles`` (fit keyword arguments),
    ``offset`` (steps from the training sample's start to the evaluated range, or None for
    the sample's own range), ``length`` (steps to generate, None = the sample's length) and
    ``real`` (None = the training panel, else a callable(syn) -> real Panel).
    """
    if name == "example":
        roles = {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
                 "value": "valeur", "sep": ";"}
        return {"fit": EXAMPLE, "roles": roles, "start": None, "length": None, "real": None}
    if name == "atmo_a":
        return {"fit": ATMO, "roles": dict(ATMO_ROLES), "start": None, "length": 72,
                "real": None}
    if name == "atmo_b":
        import pandas as pd

        from datamime.data.io import read_table

        table, _ = read_table(ATMO, sep=";")
        times = pd.to_datetime(table["date_debut"], format="%d/%m/%Y %H:%M")
        t0 = times.min()
        train = table[times < t0 + pd.Timedelta(hours=48)].reset_index(drop=True)
        return {"fit": train, "roles": dict(ATMO_ROLES), "start": t0 + pd.Timedelta(hours=48),
                "length": 24, "real": _third_day}
    if name == "synthetic":
        from datamime.data.synthetic import make_panel

        df = make_panel(n_groups=24, length=14 * 24, seed=7, zeros=0.05)
        roles = {"time": "time", "groups": ["site", "sensor"], "value": "value"}
        return {"fit": df, "roles": roles, "start": None, "length": None, "real": None}
    raise ValueError(f"unknown dataset {name!r}; choose among {', '.join(DATASETS)}")


def _third_day(syn, index):
    """The real values of ``index`` (held out), series in the training panel's order."""
    import pandas as pd

    from datamime.data.panel import Panel

    full = _atmo_full_panel()
    cols = list(syn.panel.keys.columns)
    order = pd.MultiIndex.from_frame(full.keys[cols].astype(str)).get_indexer(
        pd.MultiIndex.from_frame(syn.panel.keys[cols].astype(str)))
    if (order < 0).any():
        raise ValueError("a trained series is missing from the full sample")
    rows = full.index.get_indexer(index)
    if (rows < 0).any():
        raise ValueError("the evaluated range is not inside the full sample")
    return Panel(values=full.values[rows][:, order], index=pd.DatetimeIndex(index),
                 keys=syn.panel.keys.copy(), freq=full.freq)


def year_steps(freq: str, quick: bool) -> int:
    """Steps in one year (365 days) of ``freq``; 60 days in quick mode."""
    import pandas as pd

    from datamime.timegrid import nominal_step

    span = pd.Timedelta(days=60 if quick else 365)
    return max(1, int(span / nominal_step(freq)))


def _numbers(metrics: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in metrics.items():
        if isinstance(value, bool):
            out[key] = float(value)
        elif isinstance(value, (int, float)) or value is None:
            out[key] = value
    return out


def run_task(task: Task) -> dict[str, Any]:
    """Fit, sample and score one (dataset, model, seed); never raises."""
    import resource

    import torch

    # One torch thread per run: the small networks gain nothing from a second thread
    # here, and a pool of two waits badly whenever anything else uses the machine.
    torch.set_num_threads(1)
    result: dict[str, Any] = {"dataset": task.dataset, "model": task.model, "seed": task.seed}
    t_all = time.perf_counter()
    try:
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        from datamime import Synthesizer
        from datamime.evaluation.metrics import evaluate
        from datamime.evaluation.report import write_report

        if task.model in DEEP:  # lightning sets its loggers' level on import: import it first
            import lightning.pytorch  # noqa: F401

            for name in ("lightning.pytorch", "lightning.fabric"):
                logging.getLogger(name).setLevel(logging.WARNING)

        case = load_case(task.dataset)
        syn = Synthesizer(model=task.model, seed=task.seed, verbose=False,
                          **model_kwargs(task.model, task.quick, task.epochs))
        t = time.perf_counter()
        syn.fit(case["fit"], **case["roles"])
        result["fit_s"] = time.perf_counter() - t

        start = case["start"] if case["start"] is not None else syn.panel.index[0]
        length = case["length"] or syn.panel.n_steps
        t = time.perf_counter()
        table = syn.sample(length=length, start=start, seed=task.seed,
                           integer="auto", positive="auto")
        result["sample_s"] = time.perf_counter() - t
        generated = syn.to_panel(table)
        real = syn.panel if case["real"] is None else case["real"](syn, generated.index)
        # a held-out day is scaled with the training panel's statistics (see evaluate)
        reference = None if case["real"] is None else syn.panel
        metrics = evaluate(real, generated, seed=task.seed, reference=reference)
        result.update(_numbers(metrics))

        steps = year_steps(syn.panel.freq, task.quick)
        t = time.perf_counter()
        year = syn.sample(length=steps, start=syn.panel.index[0], seed=task.seed,
                          integer="auto", positive="auto")
        result["year_s"] = time.perf_counter() - t
        result["year_steps"] = steps
        result["rows_per_s"] = len(year) / result["year_s"] if result["year_s"] > 0 else None
        year_metrics = evaluate(syn.panel, syn.to_panel(year), seed=task.seed)
        for key in ("monthly_mean_drift_median", "monthly_mean_drift_max"):
            result[key] = year_metrics.get(key)

        import torch

        if torch.cuda.is_available():
            result["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
        if task.plots_dir:
            write_report(metrics, real, generated, task.plots_dir,
                         title=f"{task.model} on {task.dataset} (seed {task.seed})")
    except Exception as exc:  # noqa: BLE001 - a failed run is a result, not a crash
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        result["error"] = message[:300]
        result["traceback"] = traceback.format_exc()[-2000:]
    result["run_s"] = time.perf_counter() - t_all
    # ru_maxrss: KB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_mb"] = rss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return result


# -------------------------------------------------------------------------- parent side


def run_in_fresh_process(task: Task) -> dict[str, Any]:
    """Run ``task`` in a new spawned process; a crashed process becomes an error result."""
    ctx = mp.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            return pool.submit(run_task, task).result()
    except BrokenProcessPool as exc:
        return {"dataset": task.dataset, "model": task.model, "seed": task.seed,
                "error": f"the process died ({exc}); out of memory?"}


def machine() -> dict[str, Any]:
    """Describe the machine: CPU, cores, torch version, GPU."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cpu_count": os.cpu_count(),
                            "python": platform.python_version(), "platform": platform.platform()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except Exception as exc:  # noqa: BLE001
        info["torch"], info["gpu"] = f"unavailable ({exc})", "cpu"
    return info


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None and not
                    (isinstance(v, float) and math.isnan(v)))
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def aggregate(runs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Median over seeds of every number, per (dataset, model), plus failure info."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["dataset"], run["model"]), []).append(run)
    out = {}
    for key, group in groups.items():
        ok = [r for r in group if "error" not in r]
        agg: dict[str, Any] = {"n_runs": len(group), "n_failed": len(group) - len(ok),
                               "errors": [r["error"] for r in group if "error" in r]}
        names = {k for r in ok for k, v in r.items()
                 if k != "seed" and (isinstance(v, (int, float)) or v is None)
                 and not isinstance(v, bool)}
        for name in sorted(names):
            agg[name] = median([r.get(name) for r in ok])
        out[key] = agg
    return out


def fmt(value: Any) -> str:
    """Three significant digits, compact: 0.0123, 4.56, 789, 12.3k, 4.56M."""
    if value is None:
        return "–"
    value = float(value)
    if math.isnan(value):
        return "–"
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g}M"
    if a >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def metric_floors() -> dict[str, float]:
    """Median scores of two draws of a process fitted to the Atmo sample, compared with
    each other (``benchmarks/oracle.py``): what a perfect generator of a process as
    persistent as the sample scores. Empty without the Atmo sample."""
    if not ATMO.is_file():
        return {}
    spec = importlib.util.spec_from_file_location("oracle", REPO / "benchmarks" / "oracle.py")
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    runs = oracle.atmo_row()
    return {k: float(statistics.median(r[k] for r in runs)) for k in oracle.KEYS}


def check_targets(agg: dict[tuple[str, str], dict[str, Any]],
                  models: list[str], floors: dict[str, float] | None = None) -> list[str]:
    """One Markdown line per target: measured median, threshold, ✅ / ❌, and the floor
    (:func:`metric_floors`) where one is known."""
    row = agg.get((TARGET_DATASET, DEFAULT_MODEL))
    lines = []
    if row is None or row["n_runs"] == row["n_failed"]:
        why = "not run" if row is None else "failed"
        return [f"- {DEFAULT_MODEL} on {TARGET_DATASET} {why}: targets not checked."]
    baselines = [m for m in models if m not in DEEP]
    for label, key, op, threshold in TARGETS:
        value = row.get(key)
        extra = ""
        if key.endswith("_max") and row.get(key[:-4] + "_median") is not None:
            extra = f" (median {fmt(row.get(key[:-4] + '_median'))})"
        if threshold == "baselines":
            base = {m: agg.get((TARGET_DATASET, m), {}).get(key) for m in baselines}
            base = {m: v for m, v in base.items() if v is not None}
            if not base:
                lines.append(f"- {label}: {fmt(value)} — no baseline run, not checked")
                continue
            best_model = min(base, key=base.get)
            bound, shown = base[best_model], f"best baseline {best_model} {fmt(base[best_model])}"
        else:
            bound, shown = threshold, f"target {op} {fmt(threshold)}"
        if value is None:
            lines.append(f"- {label}: n/a ({shown}) ❌")
            continue
        passed = {"<=": value <= bound, ">=": value >= bound, "<": value < bound}[op]
        if key == "copy_share":
            value_s, shown = f"{fmt(100 * value)} %", f"target {op} {fmt(100 * threshold)} %"
        else:
            value_s = fmt(value)
        floor = (floors or {}).get(key) if threshold != "baselines" else None
        if floor is not None:
            shown += f"; floor {fmt(floor)}"
        lines.append(f"- {label}: **{value_s}**{extra} ({shown}) {'✅' if passed else '❌'}")
    return lines


def _cell(row: dict[str, Any], key: str, scale: float) -> str:
    if key == "drift":
        return f"{fmt(row.get('monthly_mean_drift_median'))} / " \
               f"{fmt(row.get('monthly_mean_drift_max'))}"
    value = row.get(key)
    return fmt(None if value is None else value * scale)


def dataset_table(dataset: str, agg: dict, models: list[str]) -> list[str]:
    lines = ["| model | " + " | ".join(h for h, _, _ in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for model in models:
        row = agg.get((dataset, model))
        if row is None:
            continue
        name = f"**{model}**" if model == DEFAULT_MODEL else model
        if row["n_failed"] == row["n_runs"]:
            error = row["errors"][0].replace("|", "\\|")
            lines.append(f"| {name} | failed: {error} |" + " |" * (len(COLUMNS) - 1))
            continue
        if row["n_failed"]:
            name += f" ({row['n_failed']}/{row['n_runs']} failed)"
        lines.append(f"| {name} | " + " | ".join(_cell(row, k, s) for _, k, s in COLUMNS) + " |")
    return lines


def command_line(args: argparse.Namespace, out: Path) -> str:
    try:
        shown = out.resolve().relative_to(REPO)
    except ValueError:
        shown = out
    parts = ["python", "scripts/benchmark.py", "--datasets", ",".join(args.datasets),
             "--models", ",".join(args.models), "--seeds", ",".join(map(str, args.seeds)),
             "--out", str(shown)]
    if args.quick:
        parts.append("--quick")
    if args.epochs is not None:
        parts += ["--epochs", str(args.epochs)]
    return shlex.join(parts)


def write_results(out: Path, args: argparse.Namespace, runs: list[dict[str, Any]],
                  skipped: dict[str, str], info: dict[str, Any], wall_s: float,
                  started: str) -> Path:
    agg = aggregate(runs)
    floors = metric_floors() if TARGET_DATASET in args.datasets else {}
    command = command_line(args, out)
    (out / "results.json").write_text(json.dumps(
        {"command": command, "date": started, "machine": info, "wall_s": wall_s,
         "args": {k: v for k, v in vars(args).items() if k != "out"}, "skipped": skipped,
         "sdv": SDV_NOTE, "runs": runs}, indent=2, default=str))

    if args.epochs is not None:
        epochs = f"max_epochs={args.epochs}"
    else:
        epochs = "max_epochs=1" if args.quick else "their default max_epochs"
    mode = "; quick mode: 16 windows per epoch, a 60-day \"year\"" if args.quick else ""
    lines = [
        "# datamime benchmark",
        "",
        "Reproduce with:",
        "",
        "```bash",
        command,
        "```",
        "",
        f"- Date: {started}",
        f"- Machine: {info['cpu']}, {info['cpu_count']} cores, torch {info['torch']}, "
        f"device {info['gpu']}, Python {info['python']}",
        f"- Wall time of the whole benchmark: {wall_s / 60:.1f} min ({wall_s:.0f} s)",
        f"- Seeds {', '.join(map(str, args.seeds))}; every number is the median over seeds; "
        f"deep models trained with {epochs}{mode}; each run in a fresh process on one "
        "torch thread.",
        "",
        f"## Targets ({DEFAULT_MODEL} on {TARGET_DATASET})",
        "",
        *check_targets(agg, args.models, floors),
        "",
        *([
            "Floor: what two independent draws of a process fitted to the Atmo sample "
            "(hourly profile, AR(1) persistence, correlated innovations; "
            "`python benchmarks/oracle.py`) score against each other, 72 h each (a year "
            "for the drift), median of 3: a generator that draws the true process anew "
            "cannot expect to do better, so a target beyond its floor cannot be met by a "
            "faithful generator on a 72-hour sample.",
            "",
        ] if floors else []),
        "Sampling speed against the seed app, the cost curve (10 to 10,000 series, a day to "
        "a year) and the 2,000-series Parquet job: [SCALE.md](SCALE.md) "
        "(`python scripts/benchmark.py --speed`, `--scale`).",
        "",
        "## Columns",
        "",
        "train s: fit wall time; sample s: generating the protocol range; year s / rows/s: "
        "generating one year (rows = series × steps) from the sample's start; peak MB: peak "
        "resident memory of the run's process; disc: discriminative score (0 ideal); "
        "tstr/trtr: forecaster trained on generated vs real data (1 ideal); acf, profile "
        "(hour of day), corr, wasserstein: distances to the real data (0 ideal); dcr ratio: "
        "distance to the closest real day, generated vs real (≈1: not copying); copy %: "
        "generated days equal to a real day; drift: month-to-month range of each series' "
        "mean over the generated year, in real std (median / max over series). "
        "Metrics are described in `datamime/evaluation/report.py`.",
        "",
    ]
    for dataset in args.datasets:
        lines += [f"## {dataset}", "", DATASET_NOTES.get(dataset, ""), ""]
        if dataset in skipped:
            lines += [f"Skipped: {skipped[dataset]}", ""]
            continue
        lines += dataset_table(dataset, agg, args.models)
        links = []
        for model in args.models:
            report = out / "plots" / dataset / model / "report.md"
            if report.is_file():
                links.append(f"[{model}](plots/{dataset}/{model}/report.md)")
        if links:
            lines += ["", f"Plots (seed {args.seeds[0]}): " + " · ".join(links)]
        # the default model's figure, or the first model's when it was not run
        shown = [m for m in [DEFAULT_MODEL, *args.models]
                 if (out / "plots" / dataset / m / "series.png").is_file()]
        if shown:
            lines += ["", f"![{shown[0]} on {dataset}: real (left) and generated (right)]"
                          f"(plots/{dataset}/{shown[0]}/series.png)"]
        lines.append("")
    lines += ["## Peers", "", SDV_NOTE, "", "## Notes", "", "<!-- notes -->", ""]
    path = out / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def _list(text: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if allowed is not None:
        bad = [t for t in items if t not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(
                f"unknown: {', '.join(bad)} (choose among {', '.join(allowed)})")
    return items


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=_list, default=None,
                        help="comma-separated, among " + ",".join(DATASETS)
                        + " (with --real / --ablation: the real datasets)")
    parser.add_argument("--models", type=_list, default=None,
                        help="comma-separated Synthesizer model names (default: all)")
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in _list(s)], default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks")
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: 1 seed, 1 epoch, 16 windows, 60-day 'year'")
    parser.add_argument("--epochs", type=int, default=None, help="max_epochs of deep models")
    parser.add_argument("--speed", action="store_true",
                        help="only the sampling-speed comparison with the seed app (SCALE.md)")
    parser.add_argument("--scale", action="store_true",
                        help="only the cost curve and the 2,000-series Parquet job (SCALE.md)")
    parser.add_argument("--real", action="store_true",
                        help="the real-data benchmark (benchmarks/REAL.md)")
    parser.add_argument("--ablation", action="store_true",
                        help="the default model with parts switched off (REAL.md)")
    parser.add_argument("--protocols", type=lambda s: _list(s, ("A", "F")), default=None,
                        help="with --real / --ablation: A, F (default: A,F for --real, "
                        "A for --ablation)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="with --real / --ablation: worker processes")
    args = parser.parse_args(argv)
    real = args.real or args.ablation
    if real:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import real_bench

        names, models = real_bench.real_data.REAL_DATASETS, real_bench.MODELS
        args.protocols = args.protocols or (["A"] if args.ablation and not args.real
                                            else ["A", "F"])
    else:
        names, models = DATASETS, MODELS
    args.datasets = args.datasets or list(names)
    args.models = args.models or list(models)
    bad = [d for d in args.datasets if d not in names]
    if bad:
        parser.error(f"unknown dataset(s) {', '.join(bad)}; choose among {', '.join(names)}")
    if args.quick:
        args.seeds = args.seeds[:1]
    return args


def main(argv: list[str] | None = None) -> Path:
    """Run the benchmark; returns the path of ``RESULTS.md``."""
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.real or args.ablation:
        import real_bench  # scripts/ is on sys.path (parse_args)

        path = real_bench.run_real(args) if args.real else None
        if args.ablation:
            path = real_bench.run_ablation(args)
        return path
    if args.speed or args.scale:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import scale_bench

        path = out / "SCALE.md"
        if args.speed:
            path = scale_bench.speed(out)
        if args.scale:
            path = scale_bench.scale(out, quick=args.quick)
        return path
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    info = machine()
    skipped = {}
    if not ATMO.is_file():
        for name in ("atmo_a", "atmo_b"):
            if name in args.datasets:
                skipped[name] = f"the Atmo sample is absent ({ATMO})."
    runs = []
    for dataset in args.datasets:
        if dataset in skipped:
            print(f"{dataset}: skipped ({skipped[dataset]})", flush=True)
            continue
        for model in args.models:
            for i, seed in enumerate(args.seeds):
                plots = str(out / "plots" / dataset / model) if i == 0 else None
                task = Task(dataset, model, seed, args.quick, args.epochs, plots)
                result = run_in_fresh_process(task)
                result["task"] = asdict(task)
                runs.append(result)
                if "error" in result:
                    status = f"FAILED {result['error'][:120]}"
                else:
                    status = (f"fit {result.get('fit_s', float('nan')):.1f} s, "
                              f"disc {fmt(result.get('discriminative_score'))}")
                print(f"{dataset:10s} {model:18s} seed {seed}: {status}", flush=True)
                # keep what is done so far, should the benchmark be interrupted
                write_results(out, args, runs, skipped, info, time.perf_counter() - t0, started)
    wall = time.perf_counter() - t0
    path = write_results(out, args, runs, skipped, info, wall, started)
    print(f"wrote {path} ({wall:.0f} s)", flush=True)
    return path


if __name__ == "__main__":
    main()
