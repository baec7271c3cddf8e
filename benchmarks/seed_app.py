"""The seed app's generation method, as a standalone job: the reference for the speed target.

Per series: ``statsmodels`` additive ``seasonal_decompose`` with a daily period; the new
series is the seasonal profile tiled over the target range + the mean of the trend + the
decomposition's residuals resampled with replacement, rounded and clipped at 0 as the
sample is, written with pandas ``to_csv`` in the input's format (``;``, day-first dates).

Usage::

    python benchmarks/seed_app.py ../shared/data/atmo_normandie_3days.csv /tmp/seed.csv 8760
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import seasonal_decompose

TIME, VALUE = "date_debut", "valeur"
GROUPS = ["nom_poll", "nom_com", "code_station"]
DATE_FORMAT = "%d/%m/%Y %H:%M"
PERIOD = 24


def main(source: str, out: str, length: int, seed: int = 0) -> None:
    df = pd.read_csv(source, sep=";")
    df[TIME] = pd.to_datetime(df[TIME], format=DATE_FORMAT)
    rng = np.random.default_rng(seed)
    index = pd.date_range(df[TIME].min(), periods=length, freq="h")
    frames = []
    for key, part in df.groupby(GROUPS, sort=True):
        series = part.set_index(TIME)[VALUE].astype(float).asfreq("h").interpolate().bfill().ffill()
        parts = seasonal_decompose(series, model="additive", period=PERIOD)
        profile = parts.seasonal.groupby(parts.seasonal.index.hour).mean()
        level = parts.trend.mean()
        resid = parts.resid.dropna().to_numpy()
        values = profile.reindex(index.hour).to_numpy() + level + rng.choice(resid, length)
        values = np.clip(np.round(values), 0, None).astype(np.int64)
        frames.append(pd.DataFrame({**dict(zip(GROUPS, key)), TIME: index, VALUE: values}))
    table = pd.concat(frames, ignore_index=True)
    table[TIME] = table[TIME].dt.strftime(DATE_FORMAT)
    table.to_csv(out, sep=";", index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8760)
