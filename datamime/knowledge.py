"""Knowledge for what the sample cannot show: seasons, weekly rhythm, public holidays (issue 13).

Three June days cannot show that ozone peaks in summer or that traffic pollution drops on
Sundays; a knowledge file says so. It is YAML in the sketch vocabulary
(:mod:`datamime.sketch`; a sketch takes ``yearly`` and ``holidays`` too, parsed here)::

    description: free text, where the numbers come from   # ignored
    yearly:                      # for all series, or per value of an identifying column
      nom_poll:
        O3: {jan: 0.55, apr: 1.2, jul: 1.35, oct: 0.7}      # month factors
        NO2: {1: 1.4, 182: 0.7}                             # or day-of-year anchors
        PM10: {"01-15": 1.3, "07-15": 0.8}                  # or MM-DD anchors
    weekly: {sat: 0.85, sun: 0.7}  # factor by weekday (days left out: 1), or 7 from Monday;
                                   # per column value too: {nom_poll: {NO2: {sun: 0.7}}}
    holidays: FR                 # or {country: DE, subdiv: BY, like: sunday}
    trend: 3%                    # per year (or 0.03)

``yearly`` maps either months (``jan`` ... ``dec`` or full names: the factor at mid-month),
or days of the year (``1`` ... ``366``, or ``"MM-DD"``) to factors; the anchors are joined
smoothly round the year (a periodic shape-preserving cubic, :class:`PchipInterpolator` on
the anchors repeated a year either side: no overshoot, never below the smallest anchor, and
31 December runs into 1 January). Months left out are simply not anchors. Under a column
name (``nom_poll``), each value (``O3``) has its own curve; series whose value is not listed
keep 1. ``holidays`` reads public holidays with the ``holidays`` package: a holiday takes
the weekly factor of the weekday it behaves like (``like``, default ``sunday``).

**Relative to the sample**: every factor is divided by its mean over the sample's own
dates, so a factor of 1 everywhere changes nothing and the sample's dates keep the
sample's level (a June sample with ``jun: 1.3, jan: 0.65``: January at half the sample's
level). Factors multiply the generated values before the output rules, so whole numbers,
positivity, the bounds the sample sits on and decimals still hold; they are meant for
values >= 0 (concentrations, counts).

**Data wins**: a cycle the sample spans (a week from 14 days, a year from 2 years, as
:func:`datamime.timegrid.learnable_periods`) is learned from the data and the
file's factors for it are ignored; holidays then take the weekday factors the sample
shows. :func:`describe` says which came from where.

Inputs/Outputs: :func:`load` (a path, a mapping or None) -> parsed dict;
:func:`factors` -> ``[T, G]`` factors; :func:`apply` -> ``values * factors``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datamime.errors import DataError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")
KEYS = {"description", "yearly", "weekly", "holidays", "trend"}
HOLIDAY_KEYS = {"country", "subdiv", "like"}
YEAR = 365.0
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
MID_MONTH = np.cumsum(_MONTH_DAYS) - _MONTH_DAYS / 2  # day-of-year position of each mid-month


def _name(value: Any, short: tuple[str, ...], full: tuple[str, ...]) -> int | None:
    """Position of a month/day name (``jan``, ``january``; ``sun``, ``sunday``), else None."""
    name = str(value).strip().lower()
    if name in short:
        return short.index(name)
    if name in full:
        return full.index(name)
    return None


class _Parser:
    """Validates one knowledge mapping; every message starts with where and which key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, message: str) -> DataError:
        return DataError(f"{self.where}: {key}: {message}")

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not np.isfinite(value) or value <= 0:
            raise self.fail(key, f"must be a positive number (a factor), got {value!r}")
        return float(value)

    def day_of_year(self, value: Any, key: str) -> float | None:
        """Day-of-year position (0 = 1 January 00:00) of an anchor ``182`` or ``"07-01"``."""
        if isinstance(value, bool):
            return None
        text = str(value).strip()
        if text.isdigit():
            day = int(text)
            if not 1 <= day <= 366:
                raise self.fail(key, f"day of year {value!r} must be from 1 to 366")
            return min(day, 365) - 0.5
        if len(text) == 5 and text[2] == "-" and text.replace("-", "").isdigit():
            try:
                stamp = pd.Timestamp(f"2001-{text}")  # a year without 29 February
            except ValueError:
                raise self.fail(key, f"{value!r} is not a date MM-DD of a year without "
                                     "29 February (e.g. 07-14)") from None
            return stamp.day_of_year - 0.5
        return None

    def curve(self, value: Any, key: str) -> tuple[list[float], list[float]]:
        """Anchors ``(positions, factors)`` of a yearly curve (months or days of the year)."""
        if not isinstance(value, Mapping) or not value:
            raise self.fail(key, "must map months (jan ... dec) or days of the year "
                                 "(1 ... 366, or MM-DD) to factors")
        anchors: dict[float, float] = {}
        kinds = set()
        for k, f in value.items():
            month = _name(k, MONTHS, FULL_MONTHS)
            pos = float(MID_MONTH[month]) if month is not None else self.day_of_year(k, key)
            if pos is None:
                raise self.fail(key, f"unknown month or day {k!r}; use jan ... dec, a day of "
                                     "the year 1 ... 366, or MM-DD")
            kinds.add("months" if month is not None else "days")
            if pos in anchors:
                raise self.fail(key, f"{k!r} is given twice")
            anchors[pos] = self.number(f, f"{key}.{k}")
        if len(kinds) > 1:
            raise self.fail(key, "mixes months and days of the year; use one or the other")
        xs = sorted(anchors)
        return xs, [anchors[x] for x in xs]

    def per_group(self, value: Any, key: str, leaf: Any, is_leaf: Any, example: str) -> dict:
        """``{col|None: {value|None: leaf}}`` from a leaf (for all series) or
        ``{column: {value: leaf}}`` (per value of an identifying column)."""
        if value is None:
            return {}
        flat = isinstance(value, Mapping) and bool(value) and not any(
            isinstance(v, Mapping) for v in value.values())  # {sunday2: 0.7}: a bad leaf
        if is_leaf(value) or flat:
            return {None: {None: leaf(value, key)}}
        if not isinstance(value, Mapping) or not value:
            raise self.fail(key, f"must be {example}, or {{column: {{value: {example}}}}}")
        out: dict = {}
        for col, per in value.items():
            if not isinstance(per, Mapping) or not per:
                raise self.fail(f"{key}.{col}", f"must map the column's values to "
                                                f"{example} ({{O3: {example}}})")
            for v in per:
                if isinstance(v, bool):
                    raise self.fail(f"{key}.{col}", f"{v!r} is a YAML yes/no word; quote the "
                                                    f"value (e.g. '{'NO' if not v else 'YES'}')")
            out[str(col)] = {str(v): leaf(f, f"{key}.{col}.{v}") for v, f in per.items()}
        return out

    def yearly(self, value: Any) -> dict:
        def is_leaf(v: Any) -> bool:
            if not isinstance(v, Mapping) or not v:
                return False
            first = next(iter(v))
            return (_name(first, MONTHS, FULL_MONTHS) is not None
                    or self.day_of_year(first, "yearly") is not None)

        return self.per_group(value, "yearly", self.curve, is_leaf, "{jan: 0.55, jul: 1.35}")

    def weekly(self, value: Any) -> dict:
        def is_leaf(v: Any) -> bool:
            return isinstance(v, list) or (isinstance(v, Mapping) and bool(v) and
                                           _name(next(iter(v)), DAYS, FULL_DAYS) is not None)

        return self.per_group(value, "weekly", self.week, is_leaf, "{sat: 0.85, sun: 0.7}")

    def week(self, value: Any, key: str) -> np.ndarray:
        """7 factors, Monday first, from ``{sun: 0.7}`` (days left out: 1) or a list of 7."""
        if isinstance(value, list):
            if len(value) != 7:
                raise self.fail(key, f"has {len(value)} factors; give 7 (Monday first) "
                                     "or {sat: 0.85, sun: 0.7}")
            return np.array([self.number(f, f"{key}.{DAYS[i]}") for i, f in enumerate(value)])
        if not isinstance(value, Mapping) or not value:
            raise self.fail(key, "must map days (mon ... sun) to factors")
        w = np.ones(7)
        for d, f in value.items():
            pos = _name(d, DAYS, FULL_DAYS)
            if pos is None:
                raise self.fail(key, f"unknown day {d!r}; use mon, tue, wed, thu, fri, sat, sun")
            w[pos] = self.number(f, f"{key}.{d}")
        return w

    def holidays(self, value: Any) -> dict | None:
        if value is None:
            return None
        spec = {"country": value} if isinstance(value, str) else value
        if not isinstance(spec, Mapping):
            raise self.fail("holidays", "must be a country code (FR) or {country: DE, subdiv: "
                                        "BY, like: sunday}")
        for k in spec:
            if k not in HOLIDAY_KEYS:
                raise self.fail(f"holidays.{k}",
                                f"unknown key; use {', '.join(sorted(HOLIDAY_KEYS))}")
        country = spec.get("country")
        if not isinstance(country, str) or not country.strip():
            raise self.fail("holidays.country", f"must be a country code such as FR, got "
                                                f"{country!r}")
        subdiv = spec.get("subdiv")
        subdiv = None if subdiv is None else str(subdiv)
        like = _name(spec.get("like", "sunday"), DAYS, FULL_DAYS)
        if like is None:
            raise self.fail("holidays.like", f"unknown day {spec.get('like')!r}; use mon ... sun")
        try:
            holiday_dates(country.strip().upper(), subdiv, [2000])
        except NotImplementedError:
            raise self.fail("holidays.country", f"no public holidays known for {country!r}; "
                                                "use an ISO code such as FR, DE, GB") from None
        except Exception as exc:  # noqa: BLE001 - the package's message for a bad subdivision
            raise self.fail("holidays.subdiv", str(exc).splitlines()[0]) from None
        return {"country": country.strip().upper(), "subdiv": subdiv, "like": like}

    def trend(self, value: Any) -> float:
        trend = value
        if isinstance(trend, str) and trend.strip().endswith("%"):
            try:
                trend = float(trend.strip()[:-1]) / 100
            except ValueError:
                pass
        if isinstance(trend, bool) or not isinstance(trend, int | float) \
                or not np.isfinite(trend) or trend <= -1:
            raise self.fail("trend", f"must be a yearly change like 3% or 0.03, got {value!r}")
        return float(trend)


def parse(know: Mapping, where: str = "knowledge", name: str | None = None) -> dict:
    """Validate a knowledge mapping (see the module docstring).

    Returns:
        ``{"yearly": {col|None: {value|None: (positions, factors)}}, "weekly": {col|None:
        {value|None: [7]}},
        "holidays": {"country", "subdiv", "like"} | None, "trend": float, "source": where,
        "name": how messages name it,
        "raw": the mapping, JSON-safe}``.

    Raises:
        DataError: one line, ``<where>: <key>: what is wrong``.
    """
    p = _Parser(where)
    if not isinstance(know, Mapping):
        raise p.fail("(top)", "a knowledge file must be a mapping (yearly: ..., weekly: ...)")
    for k in know:
        if k not in KEYS:
            raise p.fail(str(k), f"unknown key; use {', '.join(sorted(KEYS))}")
    return {
        "yearly": p.yearly(know.get("yearly")),
        "weekly": p.weekly(know.get("weekly")),
        "holidays": p.holidays(know.get("holidays")),
        "trend": p.trend(know.get("trend", 0)),
        "source": where,
        "name": name or where,  # as the messages show it: the file's path
        "raw": json.loads(json.dumps(dict(know), default=str)),
    }


def shipped_names(folder: str) -> list[str]:
    """The YAML files that come with datamime in ``datamime/<folder>/``."""
    return sorted(p.name for p in (resources.files("datamime") / folder).iterdir()
                  if p.name.endswith((".yaml", ".yml")))


def given_or_shipped(path: str | os.PathLike, folder: str, what: str, plural: str) -> Path:
    """``path`` if it is a file, else datamime's own file of that name in
    ``datamime/<folder>/`` (so ``knowledge/air_pollution.yaml`` works from a clone and from
    an installed datamime); neither: a :class:`DataError` naming the shipped ones."""
    path = Path(path)
    if path.is_file():
        return path
    shipped = resources.files("datamime") / folder / path.name
    if shipped.is_file():
        return Path(str(shipped))
    raise DataError(f"{what} {path} not found; give a YAML file, or one of the shipped "
                    f"{plural}: {', '.join(shipped_names(folder))}")


def knowledge_path(path: str | os.PathLike) -> Path:
    """``path`` if it is a file, else the shipped knowledge file of that name
    (``datamime/knowledge_files/``)."""
    return given_or_shipped(path, "knowledge_files", "knowledge", "files")


def load(know: str | os.PathLike | Mapping | None) -> dict | None:
    """A knowledge file (YAML path, or a shipped file's name), a mapping, or None, parsed."""
    if know is None:
        return None
    if isinstance(know, Mapping):
        if "raw" in know and "source" in know and "yearly" in know:  # already parsed
            return dict(know)
        return parse(know, "knowledge (dict)")
    raw = read_yaml(knowledge_path(know), f"knowledge {know}", "a knowledge file")
    return parse(raw if raw is not None else {}, f"knowledge {know}", str(know))


def read_yaml(path: Path, where: str, what: str) -> Any:
    """A YAML file's content; a file that is not YAML is one :class:`DataError` line
    starting with ``where`` (the sketch reader uses it too)."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{where}: not a text file; {what} is YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{where}{line}: {getattr(exc, 'problem', None) or 'invalid YAML'}; "
                        "check the indentation and colons") from None


# ------------------------------------------------------------------ the factors
def holiday_dates(country: str, subdiv: str | None, years: Any) -> np.ndarray:
    """Public holidays of ``country`` (``subdiv``) in ``years``, as ``datetime64[D]``."""
    import holidays

    found = holidays.country_holidays(country, subdiv=subdiv, years=list(years))
    return np.array(sorted(found), dtype="datetime64[D]")


def is_holiday(spec: dict, index: pd.DatetimeIndex) -> np.ndarray:
    """``[T]`` bool: the timestamp falls on a public holiday of ``spec``."""
    if not len(index):
        return np.zeros(0, bool)
    years = range(index.min().year, index.max().year + 1)
    days = index.normalize().to_numpy().astype("datetime64[D]")
    return np.isin(days, holiday_dates(spec["country"], spec["subdiv"], years))


def _year_position(index: pd.DatetimeIndex) -> np.ndarray:
    """Position in the year, 0 (1 January 00:00) to 365, a leap year squeezed to 365 days."""
    day = (index.day_of_year - 1).to_numpy() + (index.hour * 60 + index.minute).to_numpy() / 1440
    return day * YEAR / np.where(index.is_leap_year, 366.0, 365.0)


def yearly_curve(anchors: tuple[list[float], list[float]], position: np.ndarray) -> np.ndarray:
    """The smooth periodic curve through the anchors at ``position`` (days, 0 to 365)."""
    xs, ys = np.asarray(anchors[0], float), np.asarray(anchors[1], float)
    if len(xs) == 1:
        return np.full(len(position), ys[0])
    from scipy.interpolate import PchipInterpolator

    curve = PchipInterpolator(np.r_[xs - YEAR, xs, xs + YEAR], np.tile(ys, 3))
    return curve(np.asarray(position, float))


def in_effect(know: dict, learned: list[str]) -> dict:
    """``know`` less the cycles the sample teaches (``learned``: ``"week"``, ``"year"``)."""
    out = dict(know)
    if "year" in learned:
        out["yearly"] = {}
    if "week" in learned:
        out["weekly"] = {}
    out["week_from_sample"] = "week" in learned
    return out


def weekday_profile(values: np.ndarray, index: pd.DatetimeIndex,
                    holiday: np.ndarray | None = None) -> np.ndarray:
    """``[7, G]`` mean level of each weekday over the series' mean (the sample's own week);
    holidays left out; a weekday never observed gets 1."""
    v = np.where(np.isfinite(values), values, np.nan).astype(float)
    if holiday is not None:
        v[holiday] = np.nan
    dow = index.day_of_week.to_numpy()
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            overall = np.nanmean(v, axis=0)
            out = np.array([np.nanmean(v[dow == d], axis=0) if (dow == d).any()
                            else np.full(v.shape[1], np.nan) for d in range(7)])
        out = out / overall
    return np.where(np.isfinite(out) & (out > 0), out, 1.0)


def _matching(per_group: dict, key: dict[str, str]) -> list:
    """The leaves of ``{col|None: {value|None: leaf}}`` that apply to the series ``key``."""
    found = []
    for col, per in per_group.items():
        leaf = per.get(None) if col is None else per.get(str(key.get(col)))
        if leaf is not None:
            found.append(leaf)
    return found


def factors(
    know: dict, index: pd.DatetimeIndex, keys: list[dict[str, str]],
    sample_index: pd.DatetimeIndex, sample_week: np.ndarray | None = None,
) -> np.ndarray:
    """``[T, G]`` multiplicative factors for ``index``, 1 on average over ``sample_index``.

    ``know`` as :func:`in_effect` returns it (or :func:`parse`); ``sample_week`` (``[7, G]``,
    :func:`weekday_profile`) is the week the sample shows, used for holidays when the week
    is learned from the data.
    """
    out = np.ones((len(index), len(keys)))
    pos, spos = _year_position(index), _year_position(sample_index)
    for g, key in enumerate(keys):
        for anchors in _matching(know["yearly"], key):
            out[:, g] *= yearly_curve(anchors, pos) / yearly_curve(anchors, spos).mean()
    dow, sdow = index.day_of_week.to_numpy(), sample_index.day_of_week.to_numpy()
    spec = know.get("holidays")
    if spec is not None:
        hol, shol = is_holiday(spec, index), is_holiday(spec, sample_index)
        if not know["weekly"] and know.get("week_from_sample") and sample_week is not None:
            # the model draws the holiday's own weekday: turn it into the `like` day
            out[hol] *= sample_week[spec["like"]] / sample_week[dow[hol]]
        dow, sdow = np.where(hol, spec["like"], dow), np.where(shol, spec["like"], sdow)
    for g, key in enumerate(keys):
        for w in _matching(know["weekly"], key):
            out[:, g] *= w[dow] / w[sdow].mean()
    if know["trend"]:
        years = (index - sample_index.mean()) / pd.Timedelta(days=365.25)
        out *= ((1 + know["trend"]) ** np.asarray(years, dtype=float))[:, None]
    return out


def apply(
    know: dict, values: np.ndarray, index: pd.DatetimeIndex, keys: pd.DataFrame,
    sample_index: pd.DatetimeIndex, sample_week: np.ndarray | None = None,
) -> np.ndarray:
    """``values`` ``[T, G]`` times the knowledge factors (multiplicative: meant for data >= 0)."""
    rows = keys.astype(str).to_dict("records") if len(keys.columns) else [{}] * values.shape[1]
    return values * factors(know, index, rows, sample_index, sample_week)


def apply_learned_from(know: dict, panel: Any, tz: str | None, values: np.ndarray,
                       index: pd.DatetimeIndex, keys: pd.DataFrame) -> np.ndarray:
    """:func:`apply` to a draw (``[T, G]`` on ``index``) of a model fitted on ``panel``.

    Only the cycles ``panel`` is too short to show are applied (:func:`in_effect`), on
    local dates when the sample was read in zone ``tz``; series beyond the sample's (new
    ones, ``keys``) take the sample's mean week.
    """
    from datamime.timegrid import learnable_periods

    def local(ix: pd.DatetimeIndex) -> pd.DatetimeIndex:
        if tz in (None, "UTC"):
            return ix
        return ix.tz_localize("UTC").tz_convert(tz).tz_localize(None)

    effect = in_effect(know, learnable_periods(panel.index, panel.freq))
    sample_index = local(panel.index)
    week = None
    if effect["week_from_sample"] and effect["holidays"] is not None:
        week = weekday_profile(panel.values, sample_index,
                               is_holiday(effect["holidays"], sample_index))
        extra = len(keys) - panel.n_series
        week = np.hstack([week, np.repeat(week.mean(1, keepdims=True), extra, 1)])
    return apply(effect, values, local(index), keys, sample_index, week)


def monthly_profile(know: dict, keys: list[dict[str, str]], sample_index: pd.DatetimeIndex,
                    year: int, learned: list[str] = ()) -> np.ndarray:
    """``[12, G]`` mean factor of each month of ``year`` (the profile the app draws)."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31 23:00", freq="h")
    f = factors(in_effect(know, list(learned)), days, keys, sample_index)
    return pd.DataFrame(f).groupby(days.month).mean().to_numpy()


# ------------------------------------------------------------------ saying it
def check_columns(know: dict, groups: list[str], values: dict[str, set[str]]) -> list[str]:
    """Refuse a ``yearly``/``weekly`` column the sample lacks; values it lacks, as notes."""
    absent: dict[str, list[str]] = {}
    for cycle in ("yearly", "weekly"):
        for col, per in know[cycle].items():
            if col is None:
                continue
            if col not in groups:
                shown = ", ".join(groups) if groups else "none: the sample is a single series"
                raise DataError(f"{know['source']}: {cycle}.{col}: the sample has no "
                                f"identifying column {col!r} (it has {shown})")
            for v in per:
                if v not in values.get(col, set()) and v not in absent.setdefault(col, []):
                    absent[col].append(v)
    return [f"{col} {', '.join(vs)}: not in the sample" for col, vs in absent.items() if vs]


def describe(know: dict, learned: list[str], span: str) -> str:
    """One line: which cycle comes from the sample, which from the knowledge, which from none."""
    source = know["name"]
    raw_yearly, raw_weekly = bool(know["yearly"]), bool(know["weekly"])
    parts = []
    for cycle, name, given in (("week", "weekly", raw_weekly), ("year", "yearly", raw_yearly)):
        if cycle in learned:
            parts.append(f"{name}: from the sample" + (" (the file's ignored)" if given else ""))
        elif given:
            parts.append(f"{name}: from {source}")
        else:
            parts.append(f"{name}: none (neither the sample nor the file shows one)")
    spec = know.get("holidays")
    if spec is not None:
        where = spec["country"] + (f"-{spec['subdiv']}" if spec["subdiv"] else "")
        if "week" not in learned and not raw_weekly:
            parts.append(f"holidays: {where} ignored (no weekly factors to take: give weekly, "
                         "or a sample of 14 days)")
        else:
            week = "the sample's" if "week" in learned else "the file's"
            parts.append(f"holidays: {where} from {source}, each like a "
                         f"{FULL_DAYS[spec['like']].capitalize()} ({week} weekday factors)")
    if know["trend"]:
        parts.append(f"trend: {know['trend']:+.1%}/year from {source}")
    return f"knowledge (the sample spans {span}): " + "; ".join(parts)


__all__ = ["parse", "load", "factors", "apply", "in_effect", "describe", "weekday_profile",
           "yearly_curve", "is_holiday", "knowledge_path", "check_columns", "monthly_profile"]
