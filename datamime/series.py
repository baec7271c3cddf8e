"""New series: unseen combinations of known identifying values, and brand-new entities.

The sample names its series with identifying columns (pollutant, station, city). Some
columns are tied to another (each station sits in one city): they form one *factor*
with it. A new series is described by a row of identifying labels and a row of weights
over the sample's series, which the generator uses to derive its per-series settings
(level, spread, daily profile, memory, quantiles):

- an unseen combination (ozone at a station that never measured it) gets the additive
  main-effects estimate (overall level + ozone effect + station effect, fitted by least
  squares over the sample's series, lightly penalised, and kept within the range the
  sample's ozone series span, so a station that measures only high-level pollutants
  does not inflate the others);
- a new entity (``new_groups=N``: a new station) is a random convex mix (Dirichlet
  weights) of two or three sample entities that report the same things, so it
  resembles them without copying any one; its label is ``new_1``, ``new_2``...
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from datamime.errors import SamplingError

# Largest weight one sample entity may have in a new entity.
_MAX_SHARE = 0.7
# Ridge penalty on the main effects of unseen combinations, in series.
_RIDGE = 0.1


@dataclass
class SeriesPlan:
    """Series to generate beyond the sample's.

    Attributes:
        keys: ``[N, C]`` identifying labels of the new series (the sample's columns).
        weights: ``[N, G]`` weights over the sample's series for each new series.
        new_labels: for each column, each new label -> weights over that column's
            existing labels (how a generator builds a vector for a label it never saw).
        peers: ``[N, G]`` bool, the sample series whose range a new series' settings
            should stay within (None: no bound).
    """

    keys: pd.DataFrame
    weights: np.ndarray
    new_labels: dict[str, dict[str, dict[str, float]]]
    peers: np.ndarray | None = None

    @property
    def n_series(self) -> int:
        return len(self.keys)


def factors(keys: pd.DataFrame) -> list[list[str]]:
    """Group the identifying columns into factors: a root column and the columns it fixes.

    Column ``B`` joins ``A``'s factor when every value of ``A`` comes with one value of
    ``B`` (a station sits in one city). Roots are taken from the most to the least
    distinct column.
    """
    keys = keys.astype(str)
    cols = sorted(keys.columns, key=lambda c: (-keys[c].nunique(), list(keys.columns).index(c)))
    out: list[list[str]] = []
    placed: set[str] = set()
    for root in cols:
        if root in placed:
            continue
        group = [root]
        for other in cols:
            if other not in placed and other != root and (
                keys.groupby(root)[other].nunique().max() == 1
            ):
                group.append(other)
        placed.update(group)
        out.append(group)
    return out


def _levels(keys: pd.DataFrame, factor: list[str]) -> pd.Series:
    """Each series' value of a factor, as one label tuple."""
    return keys[factor].astype(str).apply(tuple, axis=1)


def plan(keys: pd.DataFrame, combinations: bool = False, new_groups: int = 0,
         seed: int = 0) -> SeriesPlan | None:
    """The new series asked for, or None when none are.

    Args:
        keys: the sample's identifying labels, one row per series.
        combinations: add every combination of known factor values the sample lacks.
        new_groups: add this many new entities of the most varied factor.
        seed: draws the templates and weights of new entities.

    Raises:
        SamplingError: the sample cannot support the request (no identifying column,
            a single factor for combinations, too few entities to mix).
    """
    if not combinations and not new_groups:
        return None
    if new_groups < 0 or int(new_groups) != new_groups:
        raise SamplingError(f"new_groups must be a whole number >= 0, got {new_groups}")
    if keys.shape[1] == 0:
        raise SamplingError("new series need identifying columns (data.groups); "
                            "this sample is a single series")
    keys = keys.astype(str).reset_index(drop=True)
    facs = factors(keys)
    rows: list[dict[str, str]] = []
    weights: list[np.ndarray] = []
    peers: list[np.ndarray] = []
    new_labels: dict[str, dict[str, dict[str, float]]] = {}
    g = len(keys)
    if combinations:
        if len(facs) < 2:
            raise SamplingError(
                f"combinations need at least two independent identifying columns; "
                f"{', '.join(keys.columns)} always come together")
        levels = [_levels(keys, f) for f in facs]
        seen = set(zip(*levels))
        distinct = [sorted(set(lv)) for lv in levels]
        # least-squares main effects (robust to an unbalanced sample, unlike plain means):
        # a new combination's settings are x_new @ pinv(X) @ settings of the sample's series
        design = np.hstack([np.ones((g, 1))] + [
            np.array([[v == level for level in d] for v in lv], dtype=float)
            for lv, d in zip(levels, distinct)])
        # a light ridge on the effects (not the overall level) keeps the fit defined when
        # factors are confounded; the peers' range (see SeriesPlan) bounds the result
        penalty = np.eye(design.shape[1]) * _RIDGE
        penalty[0, 0] = 0.0
        solve = np.linalg.solve(design.T @ design + penalty, design.T)  # [1 + levels, G]
        kind = levels[-1]  # the least varied factor (the pollutant): what is measured
        for combo in pd.MultiIndex.from_product(distinct).tolist():
            combo = combo if isinstance(combo, tuple) and len(facs) > 1 else (combo,)
            if combo in seen:
                continue
            peers.append(np.array([v == combo[-1] for v in kind]))
            x = [np.ones(1)]
            row: dict[str, str] = {}
            for f, d, value in zip(facs, distinct, combo):
                x.append(np.array([v == value for v in d], dtype=float))
                row.update(dict(zip(f, value)))
            rows.append(row)
            weights.append(np.concatenate(x) @ solve)
    if new_groups:
        entity = facs[0]
        root = entity[0]
        ents = _levels(keys, entity)
        others = [c for c in keys.columns if c not in entity]
        rest = keys[others].astype(str).apply(tuple, axis=1) if others else pd.Series([()] * g)
        offer = {e: set(rest[ents == e]) for e in ents.unique()}
        if len(offer) < 2:
            raise SamplingError(f"new_groups needs at least two values of {root!r} to mix; "
                                "the sample has one")
        rng = np.random.default_rng(seed)
        existing = set(keys[root])
        names = (f"new_{i}" for i in range(1, 10**9) if f"new_{i}" not in existing)
        entities = sorted(offer)
        for _ in range(int(new_groups)):
            lead = entities[int(rng.integers(len(entities)))]
            mates = [e for e in entities if e != lead and offer[e] >= offer[lead]]
            if not mates:  # nobody reports everything the lead does: mix on what they share
                mates = [e for e in entities if e != lead and offer[e] & offer[lead]]
            if not mates:
                raise SamplingError(f"new_groups: no two values of {root!r} report the same "
                                    "series, so there is nothing to mix")
            picks = rng.choice(len(mates), size=min(2, len(mates)), replace=False)
            chosen = [lead, *(mates[i] for i in picks)]
            mix = rng.dirichlet(np.full(len(chosen), 2.0))
            while len(chosen) > 1 and mix.max() > _MAX_SHARE:  # a mix, not a lightly edited copy
                mix = rng.dirichlet(np.full(len(chosen), 2.0))
            name = next(names)
            new_labels.setdefault(root, {})[name] = {}
            for e, m in zip(chosen, mix):
                label = dict(zip(entity, e))[root]
                new_labels[root][name][label] = new_labels[root][name].get(label, 0.0) + float(m)
            lead_labels = dict(zip(entity, lead))
            shared = sorted(set.intersection(*(offer[e] for e in chosen)))
            for other_values in shared:
                w = np.zeros(g)
                for e, m in zip(chosen, mix):
                    member = ((ents == e) & (rest == other_values)).to_numpy()
                    w += m * member / member.sum()
                rows.append({**lead_labels, root: name, **dict(zip(others, other_values))})
                weights.append(w)
                peers.append(w > 0)
    if not rows:
        return None
    return SeriesPlan(keys=pd.DataFrame(rows, columns=list(keys.columns)),
                      weights=np.stack(weights), new_labels=new_labels, peers=np.stack(peers))
