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
import multiprocessing as mp
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_common import ATMO, REPO, fmt, machine  # scripts/ is on sys.path
from results_report import write_results

from datamime.models import registry

EXAMPLE = REPO / "example.csv"

DATASETS = ("example", "atmo_a", "atmo_b", "synthetic")
MODELS = tuple(registry.MODELS)  # every model of datamime/models/registry.py
DEEP = registry.DEEP_MODELS

ATMO_ROLES = {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
              "value": "valeur", "sep": ";", "dayfirst": True}

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
