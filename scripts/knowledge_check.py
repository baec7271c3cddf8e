"""Measure a generated year against its knowledge file (issue 13's Done-when check).

    python scripts/train.py data=example knowledge=knowledge/air_pollution.yaml model_dir=M
    python scripts/sample.py model_dir=M start=2023-01-01 end=2023-12-31 out=Y.csv
    python scripts/knowledge_check.py --model M --year Y.csv [--figure docs/knowledge_year.png]

Prints, per value of the knowledge's ``yearly`` column (pollutants):

* **months**: each month's mean of the generated year over the mean of the sample's month,
  against the file's month factor over the sample month's factor; the largest relative
  error over the 12 months;
* **Sundays / holidays**: the mean of Sundays, and of the public holidays that fall on a
  working day, each over the mean of the working days of the same month, against the
  file's Sunday factor over its working-day factor;
* **sample dates**: a draw over the sample's own dates (same seed) with the knowledge over
  one without it, and over the sample itself: the sample's level is kept.

``--figure`` draws the monthly means per pollutant of the year before knowledge (the same
model and seed, knowledge left out) and after. The seed is the sampling seed (default 0, as
``sample.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from datamime import knowledge
from datamime.synthesizer import Synthesizer


def _daily(table: pd.DataFrame, time: str, col: str, value: str) -> pd.DataFrame:
    """Daily mean per value of ``col`` (the mean over its series), dates as a naive index."""
    times = pd.DatetimeIndex(table[time])
    if times.tz is not None:
        times = times.tz_localize(None)
    frame = pd.DataFrame({"day": times.normalize(), "g": table[col].astype(str),
                          "v": table[value].to_numpy(float)})
    return frame.groupby(["day", "g"])["v"].mean().unstack("g")


def measure(syn: Synthesizer, year: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """The figures above, one row per value of the knowledge's yearly column."""
    know, schema, panel = syn.knowledge, syn.schema, syn.panel
    col = next(c for c in know["yearly"] if c is not None)
    time, value = schema.time, schema.value
    daily = _daily(year, time, col, value)
    days = daily.index
    sample_month = int(panel.index[len(panel.index) // 2].month)
    hol = knowledge.is_holiday(know["holidays"], days) if know["holidays"] else np.zeros(len(days))
    working = (days.day_of_week < 5) & ~hol
    rows = []
    for g in daily.columns:
        if g not in know["yearly"][col]:
            continue
        month_mean = daily[g].groupby(days.month).mean()
        file_month = knowledge.yearly_curve(know["yearly"][col][g], knowledge.MID_MONTH)
        measured = month_mean / month_mean[sample_month]
        expected = pd.Series(file_month / file_month[sample_month - 1], index=range(1, 13))
        # NaN where the sample's month is 0 (a pollutant read as 0 throughout): nothing to scale
        err = (measured / expected - 1).abs().replace([np.inf, -np.inf], np.nan)
        work_month = daily[g][working].groupby(days[working].month).mean()
        rel = daily[g] / work_month.reindex(days.month).to_numpy()
        w = know["weekly"].get(col, {}).get(g) if know["weekly"] else None
        sun_file = float(w[6] / w[:5].mean()) if w is not None else 1.0
        worst = int(err.idxmax()) if err.notna().any() else None
        rows.append({col: g, "month_max_err": err.max(), "month_worst": worst,
                     "jan_measured": measured[1], "jan_file": expected[1],
                     "jul_measured": measured[7], "jul_file": expected[7],
                     "sunday_measured": rel[(days.day_of_week == 6) & ~hol].mean(),
                     "holiday_measured": rel[hol & (days.day_of_week < 5)].mean(),
                     "sunday_file": sun_file})
    figures = pd.DataFrame(rows).set_index(col)
    # the sample's own dates: with the knowledge / without, and / the sample
    steps = dict(start=panel.index[0], length=panel.n_steps, seed=seed, privacy="off")
    with_k = syn.sample(**steps)
    stored = syn.knowledge
    syn.use_knowledge(None, say=False)
    without = syn.sample(**steps)
    syn.knowledge = stored
    keys = panel.keys.astype(str)
    real_mean = pd.Series(np.nanmean(panel.values, axis=0), index=keys[col])
    real_mean = real_mean.groupby(level=0).mean()
    figures["sample_dates_vs_without"] = (with_k.groupby(col)[value].mean()
                                          / without.groupby(col)[value].mean())
    figures["sample_dates_vs_sample"] = with_k.groupby(col)[value].mean() / real_mean
    return figures, {"column": col, "sample_month": sample_month,
                     "holidays_on_working_days": int((hol & (days.day_of_week < 5)).sum())}


def figure(syn: Synthesizer, year: pd.DataFrame, before: pd.DataFrame, col: str, png: Path,
           title: str) -> None:
    """Monthly means per value of ``col``, before (dashed) and after knowledge (solid)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    schema = syn.schema
    fig, ax = plt.subplots(figsize=(9, 3.6))
    after_d = _daily(year, schema.time, col, schema.value)
    before_d = _daily(before, schema.time, col, schema.value)
    for i, g in enumerate(after_d.columns):
        color = f"C{i}"
        ax.plot(range(1, 13), after_d[g].groupby(after_d.index.month).mean(), color=color,
                marker="o", ms=3, label=g)
        ax.plot(range(1, 13), before_d[g].groupby(before_d.index.month).mean(), color=color,
                ls="--", lw=1, alpha=0.7)
    ax.set_xticks(range(1, 13), [m.capitalize() for m in knowledge.MONTHS])
    ax.set_ylabel(f"monthly mean of {schema.value}")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, title="solid: with\nknowledge\ndashed: without", title_fontsize=8,
              loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="model_dir trained with knowledge")
    parser.add_argument("--year", required=True, help="the year sample.py wrote (CSV)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default=None, help="PNG: monthly means before/after")
    parser.add_argument("--title", default="A year from a 3-day sample, before and after "
                                           "knowledge/air_pollution.yaml")
    args = parser.parse_args(argv)
    syn = Synthesizer.load(args.model, verbose=False)
    if syn.knowledge is None:
        print(f"{args.model} holds no knowledge; train it with knowledge=FILE", file=sys.stderr)
        return 2
    schema = syn.schema
    dtypes = {g: str for g in schema.groups}
    year = pd.read_csv(args.year, sep=None, engine="python", dtype=dtypes)
    year[schema.time] = pd.to_datetime(year[schema.time], dayfirst=True)
    figures, info = measure(syn, year, args.seed)
    pd.set_option("display.width", 200)
    print(f"column {info['column']}; sample month {info['sample_month']}; "
          f"{info['holidays_on_working_days']} public holidays on working days")
    print(figures.round(3).to_string())
    if args.figure:
        stored = syn.knowledge
        syn.use_knowledge(None, say=False)
        times = pd.DatetimeIndex(year[schema.time])
        before = syn.sample(start=times.min(), end=times.max(), seed=args.seed, privacy="off")
        syn.knowledge = stored
        before[schema.time] = pd.DatetimeIndex(before[schema.time]).tz_localize(None) \
            if pd.DatetimeIndex(before[schema.time]).tz is not None else before[schema.time]
        figure(syn, year, before, info["column"], Path(args.figure), args.title)
        print(f"figure {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
