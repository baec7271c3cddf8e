"""The synthetic / Atmo benchmark's report: ``OUT/RESULTS.md`` and ``OUT/results.json``
from the runs of :mod:`benchmark`, with its targets checked."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import statistics
from pathlib import Path
from typing import Any

from bench_common import ATMO, DEFAULT_MODEL, REPO, fmt, median

from datamime.models import registry

DEEP = registry.DEEP_MODELS
TARGET_DATASET = "atmo_a"

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
