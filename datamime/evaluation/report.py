"""The evaluation report (``metrics.json``, ``report.md``, figures) and what each metric means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from datamime.data.panel import Panel
from datamime.evaluation.figures import (
    plot_acf,
    plot_correlation,
    plot_distributions,
    plot_profiles,
    plot_series,
)
from datamime.evaluation.stats import (
    autocorrelation,
    correlation_matrix,
    phase_profile,
    real_scale,
    to_json,
)
from datamime.timegrid import default_window

METRIC_DESCRIPTIONS: dict[str, str] = {
    "wasserstein": "Distance between the real and generated value distributions, in real "
    "standard deviations (mean over series; 0 = same distribution).",
    "daily_profile_error": "Average gap between real and generated mean value at each "
    "position in the day, in real standard deviations (mean over series; 0 is ideal).",
    "weekly_profile_error": "Average gap between real and generated mean value per day of "
    "the week, in real standard deviations (needs 14 real days; 0 is ideal).",
    "acf_distance": "Average gap between real and generated autocorrelation at lags 1 to "
    "one day: how alike the short-term dynamics are (mean over series; 0 is ideal).",
    "correlation_error": "Average gap between real and generated correlation of each pair of "
    "series at equal times (0 = same cross-series structure).",
    "discriminative_score": "|accuracy - 0.5| of a classifier telling real days from "
    "generated days (0 = indistinguishable, 0.5 = always told apart).",
    "discriminative_accuracy": "Cross-validated accuracy of that classifier (0.5 is ideal; "
    "well under 0.5 hints at generated days copied from the real ones).",
    "tstr_trtr": "Next-step forecast error on real data of a model trained on generated data, "
    "divided by the same model trained on real data (1 = as useful as real data).",
    "predictive_mae_tstr": "Forecast error (real standard deviations) when trained on "
    "generated data and tested on the last third of the real data.",
    "predictive_mae_trtr": "Forecast error (real standard deviations) when trained on the "
    "first two thirds of the real data and tested on the last third.",
    "dcr_median_gen": "Median distance from a generated day to the closest real day of the "
    "same series (real standard deviations per step).",
    "dcr_median_real": "Median distance from a real day to the closest other real day of the "
    "same series: the yardstick for the line above.",
    "dcr_ratio": "Generated-to-real closeness ratio (about 1 = as close as real days are to "
    "each other; near 0 = generated days copy real ones).",
    "copy_share": "Share of generated days that are exact copies of a real day (0 is ideal); "
                  "days holding one value on most steps (a day of zeros) are not counted.",
    "integer_share": "Share of generated values that are whole numbers.",
    "negative_share": "Share of generated values below zero.",
    "missing_series": "Number of series with no generated value at all.",
    "nan_count": "Number of missing (NaN) generated values.",
    "monthly_mean_drift_max": "Largest spread of a generated series' monthly means, in real "
    "standard deviations (needs 60 generated days; small = no drift).",
    "monthly_mean_drift_median": "Median over series of that spread of monthly means.",
    "daily_mean_correlation_error": "Average gap between real and generated correlation of "
    "each pair of series' daily means: co-movement at the day scale (needs 7 real days; "
    "0 is ideal).",
    "past_bound_share": "Share of generated values past a bound the training sample sits "
    "on (humidity at 100 %, irradiance at 0), over the series that have one (0 is ideal).",
    "roughness_ratio": "Std of step-to-step changes, generated over real (median over "
    "series; 1 is ideal, < 1 smoother, > 1 rougher).",
    "constant_series_mae": "Mean absolute gap between generated values and the value of "
    "real series that are constant (0 = constants kept).",
}


def _pick_series(real: Panel, k: int = 6) -> np.ndarray:
    """Up to ``k`` series spread across the panel, non-constant ones first."""
    _, _, ok = real_scale(real.values)
    pool = np.flatnonzero(ok)
    if pool.size == 0:
        pool = np.arange(real.n_series)
    if pool.size <= k:
        return pool
    return pool[np.unique(np.linspace(0, pool.size - 1, k).round().astype(int))]


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_report(
    metrics: dict,
    real: Panel,
    generated: Panel,
    out_dir: str | Path,
    title: str = "datamime evaluation",
) -> Path:
    """Write ``metrics.json``, ``report.md`` and its PNG figures into ``out_dir``.

    Figures: ``series.png`` (real vs generated for up to 6 series), ``profiles.png``
    (daily profiles), ``distributions.png``, ``acf.png``, ``correlation.png``.

    Args:
        metrics: the output of :func:`evaluate` for these panels.
        real: the real panel. generated: the generated panel.
        out_dir: folder to write into (created if needed). title: report heading.

    Returns:
        Path of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(to_json(metrics), indent=2))

    window = int(metrics.get("window") or default_window(real.freq))
    pick = _pick_series(real)
    labels = [real.series_labels()[i] for i in pick]
    rv, gv = real.values[:, pick], generated.values[:, pick]
    shown = min(len(generated.index), max(len(real.index), 7 * window))
    figures = {
        "series.png": (
            "Real and generated series",
            plot_series(rv, real.index, gv[:shown], generated.index[:shown], labels),
        ),
        "profiles.png": (
            "Mean per step of the day",
            plot_profiles(
                phase_profile(rv, real.index, real.freq, window),
                phase_profile(gv, generated.index, generated.freq, window),
                labels,
            ),
        ),
        "distributions.png": ("Distributions of values", plot_distributions(rv, gv, labels)),
        "acf.png": (
            "Autocorrelation",
            plot_acf(
                autocorrelation(rv, max(1, min(window, len(rv) - 3))),
                autocorrelation(gv, max(1, min(window, len(rv) - 3))),
                labels,
            ),
        ),
    }
    if real.n_series >= 2:
        figures["correlation.png"] = (
            "Correlation between series",
            plot_correlation(correlation_matrix(real.values), correlation_matrix(generated.values)),
        )
    for name, (_, fig) in figures.items():
        fig.savefig(out / name, dpi=90)

    lines = [
        f"# {title}",
        "",
        f"{metrics.get('n_series')} series; {metrics.get('n_steps_real')} real steps, "
        f"{metrics.get('n_steps_generated')} generated steps; window {window} steps; "
        f"{metrics.get('n_constant_series', 0)} constant real series left out of scaled metrics.",
        "",
        "| metric | value | meaning |",
        "|---|---|---|",
    ]
    for key, text in METRIC_DESCRIPTIONS.items():
        if key in metrics:
            text = text.replace("|", "\\|")  # keep the table intact
            lines.append(f"| `{key}` | {_fmt(metrics[key])} | {text} |")
    lines.append("")
    for name, (caption, _) in figures.items():
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report
