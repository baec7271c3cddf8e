"""The metrics' floor: what a perfect generator scores under protocol A.

A perfect generator draws a new realisation of the very process that made the sample.
With ``make_panel`` we know that process, so we compare the first half of a long panel
(the "sample") with its second half (the "generated" data): same series, same
parameters, new noise. Whatever this scores is sampling noise of the metric itself, not
a modelling error. The drift columns compare a year that follows the sample, drawn from
the same process, with the sample. Run: ``python benchmarks/oracle.py`` (a few seconds).
"""

import numpy as np

from datamime.data.panel import Panel, panel_from_long
from datamime.data.synthetic import make_panel
from datamime.evaluate import evaluate

KEYS = ("discriminative_score", "tstr_trtr", "acf_distance", "daily_profile_error",
        "correlation_error", "wasserstein", "dcr_ratio", "monthly_mean_drift_median",
        "monthly_mean_drift_max")
CASES = {"119 series x 3 days (like the Atmo sample)": (119, 72),
         "24 series x 14 days (the benchmark's synthetic panel)": (24, 14 * 24)}


def halves(n_groups: int, length: int, seed: int, rest: int | None = None) -> tuple[Panel, Panel]:
    """The first ``length`` steps, and the ``rest`` steps after them (default: as many)."""
    rest = rest or length
    df = make_panel(n_groups=n_groups, length=length + rest, seed=seed)
    p = panel_from_long(df, "time", ["site", "sensor"], "value", "h")
    first = Panel(p.values[:length], p.index[:length], p.keys, "h")
    second = Panel(p.values[length:], p.index[length:], p.keys, "h")
    return first, second


def main() -> None:
    print("| case | " + " | ".join(KEYS) + " |")
    print("|---" * (len(KEYS) + 1) + "|")
    for name, (n_groups, length) in CASES.items():
        runs = [evaluate(*halves(n_groups, length, seed), seed=seed) for seed in range(3)]
        # drift: a year that follows the sample, from the same process
        years = [evaluate(*halves(n_groups, length, seed, rest=8760), seed=seed)
                 for seed in range(3)]
        for run, year in zip(runs, years, strict=True):
            run.update({k: year[k] for k in KEYS if k.startswith("monthly")})
        cells = [f"{np.median([r[k] for r in runs]):.3f}" for k in KEYS]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
