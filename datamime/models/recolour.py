"""Linear corrections of a trained network's free-running draws (normal scores).

The network learns each series' dynamics and the links between series from a short
sample, but its free run can miss the sample's second-order structure, and the AR
filter behind it magnifies what it misses: a small excess of slow correlation in the
innovations of a persistent series (lag-1 0.96) became a level wandering 1.6 times as
widely as the sample's (15-minute glucose readings). These maps pin that structure to
the sample and keep whatever else the network draws (bursts, shared episodes):

- :func:`colouring`: the cross-series covariance at equal times;
- :class:`TimeColouring`: each series' autocorrelation up to a few lags;
- :class:`DayColouring`: the cross-series covariance of the levels' daily means;
- :class:`LevelMap`: each series' distribution of de-seasonalised levels.

Shapes: ``T`` steps, ``G`` series; NaN marks a gap in the sample's scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _sqrt_psd(c: np.ndarray, inverse: bool = False) -> np.ndarray:
    vals, vecs = np.linalg.eigh((c + c.T) / 2)
    vals = np.maximum(vals, 1e-6 * max(float(vals.max()), 1e-12))
    return (vecs * (vals ** (-0.5 if inverse else 0.5))) @ vecs.T


def shrunk_covariance(x: np.ndarray) -> np.ndarray:
    """``[G, G]`` covariance of ``[T, G]`` centred values with NaN gaps, shrunk towards
    its diagonal (the Schafer-Strimmer intensity) (a few days of many series give a
    sample covariance far noisier than the series' links).

    Gaps are filled with 0 (the mean) and each entry rescaled by the pairs it saw.
    """
    seen = np.isfinite(x).astype(np.float64)
    filled = np.where(seen > 0, x, 0.0)
    pairs = np.maximum(seen.T @ seen, 1.0)
    cov = (filled.T @ filled) / pairs
    g = cov.shape[0]
    if g == 1:
        return cov
    # Schafer & Strimmer (2005), "A shrinkage approach to large-scale covariance matrix
    # estimation", target D (the diagonal): intensity = the off-diagonal entries' sampling
    # variances over their squared mass.
    if len(x) * g * g <= 5_000_000:
        prod = filled[:, :, None] * filled[:, None, :]  # [T, G, G]
        var = ((prod - cov) ** 2 * (seen[:, :, None] * seen[:, None, :])).sum(0) / pairs**2
    else:  # large panels: the Gaussian approximation of the entries' variances
        d = np.diag(cov)
        var = (np.outer(d, d) + cov**2) / pairs
    off = ~np.eye(g, dtype=bool)
    mass = (cov[off] ** 2).sum()
    lam = 1.0 if mass <= 0 else float(np.clip(var[off].sum() / mass, 0.0, 1.0))
    out = (1 - lam) * cov
    out[np.diag_indices(g)] = np.diag(cov)
    return out


def colouring(target: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """``[G, G]`` linear map ``M`` such that ``draws @ M.T`` has the shrunk covariance of
    ``target`` (both ``[T, G]``, NaN gaps allowed in ``target``).

    The network learns each series' dynamics well but, from a few days, only part of
    how strongly series move together; a per-series AR(1) filter then lets series with
    nearly independent innovations wander apart for days (three nearby weather
    stations came out up to 15 degrees apart). ``M = C_t^(1/2) C_d^(-1/2)`` (symmetric
    square roots) keeps the network's draws and gives them the sample's covariance.
    """
    d = draws - draws.mean(axis=0)
    t = target - np.nanmean(target, axis=0)
    c_t, c_d = shrunk_covariance(t), np.cov(d, rowvar=False).reshape(d.shape[1], d.shape[1])
    return _sqrt_psd(c_t) @ _sqrt_psd(c_d, inverse=True)


def extended_colour(m: np.ndarray, n_new: int) -> np.ndarray:
    """The ``[G, G]`` colouring map ``m`` for ``n_new`` series appended, which it leaves
    as they are (new series keep their own draws)."""
    g = len(m)
    return np.block([[m, np.zeros((g, n_new))], [np.zeros((n_new, g)), np.eye(n_new)]])


def fit_ar(x: np.ndarray, order: int, select: bool = False) -> tuple[np.ndarray, float]:
    """Least-squares AR coefficients ``[p]`` and innovation variance of one series ``x``
    (``[T]``, NaN gaps: only rows whose lags are all observed count).

    ``p`` is ``order``, or with ``select`` the order up to it with the lowest AIC (a few
    days cannot tell 24 lags). An order with fewer than ``10 * p`` usable rows is not
    tried; the fitted filter is made stable (see :func:`_stable`).
    """
    finite = x[np.isfinite(x)]
    best = (np.zeros(0), float(np.var(finite)) if finite.size else 1.0)
    best_aic = np.log(max(best[1], 1e-12)) if finite.size else np.inf
    for p in range(order, 0, -1) if not select else range(1, order + 1):
        if len(x) <= p:
            continue
        rows = np.lib.stride_tricks.sliding_window_view(x, p + 1)  # [T - p, p + 1]
        rows = rows[np.isfinite(rows).all(axis=1)]
        if len(rows) < 10 * p:
            continue
        lags, cur = rows[:, :-1][:, ::-1], rows[:, -1]  # lags[:, k] = x_{t-1-k}
        coef, *_ = np.linalg.lstsq(lags, cur, rcond=None)
        coef = _stable(coef)
        var = float(np.mean((cur - lags @ coef) ** 2))
        if not select:
            return coef, var
        aic = np.log(max(var, 1e-12)) + 2 * p / len(rows)
        if aic < best_aic:
            best, best_aic = (coef, var), aic
    return best


def _stable(coef: np.ndarray, max_root: float = 0.97) -> np.ndarray:
    """``coef`` with its inverse roots pulled inside ``max_root`` (each ``a_k`` times
    ``r^k`` scales every root by ``r``): a filter fitted on a few days must not explode."""
    if not coef.size:
        return coef
    companion = np.zeros((coef.size, coef.size))
    companion[0] = coef
    companion[1:, :-1] = np.eye(coef.size - 1)
    root = float(np.abs(np.linalg.eigvals(companion)).max())
    if root <= max_root:
        return coef
    return coef * (max_root / root) ** np.arange(1, coef.size + 1)


_FILTER_TAIL = 2048  # steps of zeros after the draws: the filter's memory fades within them


def _lag_polynomial(coef: np.ndarray) -> np.ndarray:
    """``[G, p + 1]`` coefficients of ``1 - sum_k coef[:, k-1] z^k``."""
    poly = np.zeros((coef.shape[0], coef.shape[1] + 1))
    poly[:, 0], poly[:, 1:] = 1.0, -coef
    return poly


def arma_filter(s: np.ndarray, ma: np.ndarray, ar: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``x_t = gain * (s_t - sum_k ma_k s_{t-k}) + sum_k ar_k x_{t-k}`` per series, for
    ``[T, G]`` inputs ``s``, ``[G, p]`` coefficients and ``[G]`` gains, from zeros before
    the first step.

    One product in the frequency domain instead of a loop over ``T`` steps (a year of
    hourly data: 8,760 Python iterations, a tenth of a second of the sampling command).
    The zeros padded after ``s`` hold the filter's response past the end, so nothing wraps
    around onto the first steps: every root of ``ar`` lies within 0.97 (see
    :func:`_stable`), and 0.97 ** 2048 is 1e-27. Same numbers as the loop to rounding.
    """
    n = _smooth_length(len(s) + _FILTER_TAIL)
    response = gain[:, None] * np.fft.rfft(_lag_polynomial(ma), n, axis=1) \
        / np.fft.rfft(_lag_polynomial(ar), n, axis=1)
    spectrum = np.fft.rfft(np.ascontiguousarray(s.T), n, axis=1) * response
    return np.fft.irfft(spectrum, n, axis=1)[:, :len(s)].T


def _smooth_length(m: int) -> int:
    """The smallest ``n >= m`` with no prime factor above 5 (fast FFT lengths)."""
    best = 1 << (m - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            n = p35 * (1 << max(0, (-(-m // p35) - 1).bit_length()))
            best = min(best, n)
            p35 *= 3
        p5 *= 5
    return best


@dataclass
class TimeColouring:
    """Per series: whiten the network's draws with an AR filter fitted to its own free
    run, then colour them with the AR filter of the sample's scores.

    Draws ``s`` (``[T, G]``) become ``x_t = g * u_t + sum_k a_k x_{t-k}`` with
    ``u_t = s_t - sum_k b_k s_{t-k}``: ``b`` (``gen``, ``order`` lags) fitted on a long
    free run of the network, ``a`` (``real``) on the sample, at the order its AIC picks
    (up to ``order``), ``g`` the ratio of their innovation spreads. The draws' linear
    memory is then the sample's as far as the sample shows it, and so is their spread;
    what the network adds beyond second order is kept. Three lags were not enough:
    glucose's free-run level still spread 1.25x the sample's; 12 lags: 1.01x.
    """

    gen: np.ndarray  # [G, p]
    real: np.ndarray  # [G, p]
    gain: np.ndarray  # [G]

    @classmethod
    def fit(cls, target: np.ndarray, draws: np.ndarray, order: int = 24) -> TimeColouring:
        """``target``: the sample's ``[T, G]`` scores (NaN gaps); ``draws``: a free run."""
        g = target.shape[1]
        gen, real, gain = np.zeros((g, order)), np.zeros((g, order)), np.ones(g)
        for j in range(g):
            b, v_gen = fit_ar(draws[:, j], order)
            a, v_real = fit_ar(target[:, j], order, select=True)
            gen[j, :b.size], real[j, :a.size] = b, a
            gain[j] = np.sqrt(v_real / v_gen) if v_gen > 0 else 1.0
        return cls(gen=gen, real=real, gain=gain)

    def apply(self, s: np.ndarray) -> np.ndarray:
        """``[T, G]`` draws -> recoloured draws (the first ``p`` steps start from zeros:
        callers draw a burn-in before the steps they keep)."""
        return arma_filter(s, self.gen, self.real, self.gain)

    def get_state(self) -> dict[str, Any]:
        return {"gen": self.gen, "real": self.real, "gain": self.gain}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TimeColouring:
        return cls(**{k: np.asarray(state[k], dtype=np.float64) for k in ("gen", "real", "gain")})


@dataclass
class LevelMap:
    """Per series, a monotone map of generated levels onto the sample's distribution.

    The AR filter sums many innovations, so the level it gives is closer to Gaussian
    than the sample's: a bound the sample sits on (humidity at 100 %, a count at 0) is
    crossed or never reached, a skew is lost. The map sends each quantile of a long free
    run's level (``gen``) to the same quantile of the sample's (``real``), linearly in
    between; beyond the outer quantiles it goes on at the slope of the outer eighth, so a
    tail the sample piles on a bound stays on it and any other keeps the free run's shape.
    Ranks, and with them the dynamics, are unchanged. Shapes ``[K, G]``.
    """

    gen: np.ndarray
    real: np.ndarray

    @classmethod
    def fit(cls, target: np.ndarray, draws: np.ndarray, n_quantiles: int = 41) -> LevelMap:
        """``target``: the sample's ``[T, G]`` levels (NaN gaps); ``draws``: a free run."""
        counts = np.isfinite(target).sum(0)
        seen = counts > 0  # a series with no reading keeps the free run's levels
        k = max(2, min(n_quantiles, int(counts[seen].min()) if seen.any() else 0))
        probs = (np.arange(k) + 0.5) / k
        gen = np.quantile(draws, probs, axis=0)
        real = gen.copy()
        if seen.any():
            real[:, seen] = np.nanquantile(target[:, seen], probs, axis=0)
        return cls(gen=gen, real=real)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``[T, G]`` generated levels -> levels with the sample's distribution."""
        out = np.empty_like(x)
        end = max(1, self.gen.shape[0] // 8)  # the outer eighth sets a tail's slope
        for j in range(x.shape[1]):
            g, r = self.gen[:, j], self.real[:, j]
            if not np.ptp(g) > 0:  # a constant free run: nothing to rank
                out[:, j] = x[:, j] - g[0] + r[0]
                continue
            g = np.maximum.accumulate(g) + 1e-12 * np.arange(g.size)  # increasing knots
            out[:, j] = np.interp(x[:, j], g, r)
            for cut, near, sign in ((0, end, -1), (-1, -1 - end, 1)):
                past = sign * (x[:, j] - g[cut]) > 0
                slope = (r[near] - r[cut]) / (g[near] - g[cut])
                out[past, j] = r[cut] + slope * (x[past, j] - g[cut])
        return out

    def mixed(self, w: np.ndarray) -> LevelMap:
        """Maps for series mixed by ``w`` (``[G', G]``): quantiles averaged, kept sorted."""
        return LevelMap(gen=np.sort(self.gen @ w.T, axis=0), real=np.sort(self.real @ w.T, axis=0))

    def get_state(self) -> dict[str, Any]:
        return {"gen": self.gen, "real": self.real}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LevelMap:
        return cls(gen=np.asarray(state["gen"], dtype=np.float64),
                   real=np.asarray(state["real"], dtype=np.float64))


def moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``[T, G]`` values over ``width`` steps, over the observed
    steps only (NaN where a window holds none)."""
    seen = np.isfinite(x)
    zero = np.zeros((1, x.shape[1]))
    total = np.vstack([zero, np.cumsum(np.where(seen, x, 0.0), axis=0)])
    count = np.vstack([zero, np.cumsum(seen, axis=0)])
    n, half = len(x), width // 2
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + width - half, 0, n)
    k = count[hi] - count[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, (total[hi] - total[lo]) / np.maximum(k, 1), np.nan)


@dataclass
class DayColouring:
    """The slow part of the levels (their moving mean over a day) given the sample's
    cross-series covariance; the fast part is left as it is.

    Equal-time colouring acts on the innovations; the AR filter then integrates them
    with each series' own memory, and what series share at the day scale (a weather
    system over three airports, a busy week for every pizza) comes out weaker than in
    the sample. ``M`` (see :func:`colouring`) maps the free run's daily means onto the
    sample's shrunk covariance of them. Needs a week of sample (fewer days cannot tell a
    covariance); on a daily grid (``width`` 1) the levels themselves are coloured.
    """

    width: int
    colour: np.ndarray  # [G, G]

    @classmethod
    def fit(cls, target: np.ndarray, draws: np.ndarray, width: int) -> DayColouring:
        """``target``: the sample's ``[T, G]`` levels (NaN gaps); ``draws``: a free run."""
        return cls(width=width, colour=colouring(moving_mean(target, width),
                                                 moving_mean(draws, width)))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``[T, G]`` levels -> levels whose daily means co-move as the sample's."""
        slow = moving_mean(x, self.width)
        return x - slow + slow @ self.colour.T

    def extended(self, n_new: int) -> DayColouring:
        """For ``n_new`` new series appended: they keep their own slow part."""
        return DayColouring(self.width, extended_colour(self.colour, n_new))

    def get_state(self) -> dict[str, Any]:
        return {"width": self.width, "colour": self.colour}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DayColouring:
        return cls(width=int(state["width"]), colour=np.asarray(state["colour"], dtype=np.float64))
