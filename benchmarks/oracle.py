"""The metrics' floor: what a perfect generator scores under protocol A.

A perfect generator draws a new realisation of the very process that made the sample.
With ``make_panel`` we know that process, so we compare the first half of a long panel
(the "sample") with its second half (the "generated" data): same series, same
parameters, new noise. Whatever this scores is sampling noise of the metric itself, not
a modelling error. The drift columns compare a year that follows the sample, drawn from
the same process, with the sample.

``make_panel`` is far less persistent than real air-quality readings, so a second case
fits a process to the Atmo sample itself (when ``../shared`` holds it): each series'
hourly profile (unshrunk), its AR(1) persistence and the sample's correlations between
series' innovations, Gaussian. Two independent draws of that fitted process, 72 h each,
are compared with each other, and a year of it with a 72 h draw for the drift. It is
not the true process, but any process as persistent as the sample scores about this.
Run: ``python benchmarks/oracle.py`` (under a minute).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from datamime.data.panel import Panel, panel_from_long
from datamime.data.synthetic import make_panel
from datamime.evaluation.metrics import evaluate

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


ATMO = Path(__file__).resolve().parents[2] / "shared" / "data" / "atmo_normandie_3days.csv"


class AtmoLike:
    """A Gaussian process fitted to the Atmo sample: hourly profile + AR(1) + correlated
    innovations per series, in the sample's units (see the module's docstring)."""

    def __init__(self) -> None:
        from datamime.data.prepare import prepare
        from datamime.data.transforms import Prewhitener

        self.panel = prepare(ATMO, time="date_debut", groups=["nom_poll", "nom_com",
                             "code_station"], value="valeur", verbose=False)[0]
        v = self.panel.values
        std = np.nanstd(v, axis=0)
        self.mean, self.std = np.nanmean(v, axis=0), np.where(std > 0, std, 1.0)
        z = (v - self.mean) / self.std
        hour = self.panel.index.hour.to_numpy()
        self.profile = np.stack([np.nanmean(z[hour == h], axis=0) for h in range(24)])
        r = np.nan_to_num(z - self.profile[hour])
        self.phi = Prewhitener.fit(r).phi
        e = r[1:] - self.phi * r[:-1]
        with np.errstate(invalid="ignore", divide="ignore"):  # constant series: no corr
            corr = np.nan_to_num(np.corrcoef(e, rowvar=False))
        np.fill_diagonal(corr, 1.0)
        w, vec = np.linalg.eigh(corr)
        self.factor = vec * np.sqrt(np.clip(w, 0.0, None))
        self.sd = e.std(axis=0)

    def draw(self, n: int, seed: int) -> Panel:
        rng = np.random.default_rng(seed)
        burn = 200
        e = (rng.standard_normal((n + burn, len(self.phi))) @ self.factor.T) * self.sd
        x, level = np.empty_like(e), np.zeros(len(self.phi))
        for t in range(len(e)):
            level = self.phi * level + e[t]
            x[t] = level
        index = pd.date_range(self.panel.index[0], periods=n, freq="h")
        values = (x[burn:] + self.profile[index.hour.to_numpy()]) * self.std + self.mean
        return Panel(values=values, index=index, keys=self.panel.keys, freq="h")


def atmo_row() -> list[dict]:
    process = AtmoLike()
    runs = []
    for seed in range(3):
        first = process.draw(72, 10 * seed)
        run = evaluate(first, process.draw(72, 10 * seed + 1), seed=seed)
        year = evaluate(first, process.draw(8760, 10 * seed + 2), seed=seed)
        run.update({k: year[k] for k in KEYS if k.startswith("monthly")})
        runs.append(run)
    return runs


def main() -> None:
    print("| case | " + " | ".join(KEYS) + " |")
    print("|---" * (len(KEYS) + 1) + "|")
    if ATMO.is_file():
        runs = atmo_row()
        cells = [f"{np.median([r[k] for r in runs]):.3f}" for k in KEYS]
        print("| 119 series x 3 days, a process fitted to the Atmo sample | "
              + " | ".join(cells) + " |")
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
