"""The trained networks' sampling in numpy: loading a model and generating need no torch.

Importing torch takes about 2 s of every cold start here, more than drawing a year of
hourly data for 119 series. Training exports the network's weights as float32 arrays
(``DeepGenerator.weights``, the ``state_dict`` under the same names); the samplers below
run the same forward pass, one step at a time, from those arrays. ``tests/test_numpy_nets.py``
checks each block against torch's own modules.

Shapes: ``N`` sample rows (chunks of a long range), ``T`` steps, ``G`` series, ``F``
calendar features, ``H`` hidden width, ``Z`` latent size, ``K`` factor rank.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Weights = dict[str, np.ndarray]

_SQRT_HALF = 0.7071067811865476
# Numerical Recipes' Chebyshev fit of erfc: fractional error below 1.2e-7 everywhere.
_ERFC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
         -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function, elementwise (numpy has none; scipy costs a second)."""
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * a)
    poly = np.full_like(t, _ERFC[-1])
    for c in _ERFC[-2::-1]:
        poly = poly * t + c
    r = t * np.exp(poly - a * a)
    return np.where(x >= 0, r, 2.0 - r)


def ndtr(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF."""
    return 0.5 * erfc(-x * _SQRT_HALF)


# Abramowitz & Stegun 7.1.26: erfc(a) ~ t * poly(t) * exp(-a^2), t = 1 / (1 + p a), a >= 0,
# absolute error below 1.5e-7: cheaper than the fit above, for the many GELUs of a draw.
_AS_P = 0.3275911
_AS = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


class Gelu:
    """``torch.nn.GELU()`` (the exact form ``x * Phi(x)``) to 3e-7, computed in place.

    With ``e = Phi(-|x|)``, ``x * Phi(x) = max(x, 0) - |x| e`` for either sign: no branch.
    The work arrays are kept between calls: a draw calls this on a ``[N, G, H]`` array at
    every step, and fresh half-megabyte temporaries cost more (page faults) than the
    arithmetic.
    """

    def __init__(self) -> None:
        self._work: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """GELU of ``x``, written into ``x`` (a float array the caller owns)."""
        if not self._work or self._work[0].shape != x.shape or self._work[0].dtype != x.dtype:
            self._work = [np.empty_like(x) for _ in range(4)]
        a, u, t, e = self._work
        dt = x.dtype.type
        np.abs(x, out=a)
        np.multiply(a, dt(_SQRT_HALF), out=u)
        np.multiply(u, dt(_AS_P), out=t)
        t += 1
        np.reciprocal(t, out=t)
        np.multiply(t, dt(_AS[0]), out=e)
        for c in _AS[1:]:
            e += dt(c)
            e *= t
        np.square(u, out=u)
        np.negative(u, out=u)
        np.exp(u, out=u)
        e *= u  # erfc(|x| / sqrt 2) = 2 Phi(-|x|)
        e *= a
        e *= dt(0.5)
        np.maximum(x, dt(0), out=x)
        x -= e
        return x


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def linear(w: Weights, name: str, x: np.ndarray) -> np.ndarray:
    """``nn.Linear`` stored as ``name.weight`` / ``name.bias``."""
    return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]


def mlp(w: Weights, name: str, x: np.ndarray, act: Gelu | None = None) -> np.ndarray:
    """:func:`datamime.models.components.mlp` (linear, GELU, dropout off, linear)."""
    return linear(w, f"{name}.3", (act or Gelu())(linear(w, f"{name}.0", x)))


def embed(w: Weights, codes: np.ndarray) -> np.ndarray:
    """:class:`datamime.models.components.GroupEmbedding`: ``[G, C]`` codes -> ``[G, E]``."""
    dim = w["embed.mix.0.weight"].shape[1]
    out = np.zeros((codes.shape[0], dim), dtype=np.float32)
    for c in range(codes.shape[1]):
        out = out + w[f"embed.tables.{c}.weight"][codes[:, c]]
    return np.tanh(linear(w, "embed.mix.0", out))


def gru_cell(w: Weights, name: str, x: np.ndarray, h: np.ndarray, suffix: str = "") -> np.ndarray:
    """``nn.GRUCell`` (or one layer of ``nn.GRU`` with ``suffix="_l0"``...)."""
    gi = x @ w[f"{name}.weight_ih{suffix}"].T + w[f"{name}.bias_ih{suffix}"]
    gh = h @ w[f"{name}.weight_hh{suffix}"].T + w[f"{name}.bias_hh{suffix}"]
    i_r, i_z, i_n = np.split(gi, 3, axis=-1)
    h_r, h_z, h_n = np.split(gh, 3, axis=-1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    return n + z * (h - n)


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


class NumpyRVAE:
    """Ancestral sampling of :class:`datamime.models.rvae.RecurrentVAE` from its weights."""

    def __init__(self, weights: Weights) -> None:
        self.w = weights
        self.hidden = weights["cell.weight_hh"].shape[1]

    def emission(self, emb: np.ndarray):
        """The emission head for fixed series vectors ``emb`` ``[G, E]``.

        The first layer over ``[z, s, cal, emb, y_prev, seen_prev]`` is split by input:
        the series block is computed once, the ``[z, s, cal]`` block once per row, so a
        step costs ``[N, G, H]`` additions rather than a concatenation and a product.
        Returns ``f(z, s, cal, y_prev, seen_prev) -> (mu, scale)``, each ``[N, G]``.
        """
        first, bias = self.w["emit.0.weight"], self.w["emit.0.bias"]
        n_ctx = first.shape[1] - emb.shape[1] - 2
        w_ctx, w_emb = first[:, :n_ctx], first[:, n_ctx:-2]
        w_y, w_seen = first[:, -2], first[:, -1]
        per_series = (emb @ w_emb.T + bias).astype(np.float32)  # [G, H]
        act, work = Gelu(), {}

        def f(z, s, cal, y_prev, seen_prev) -> tuple[np.ndarray, np.ndarray]:
            ctx = np.concatenate([z, s, cal], axis=-1) @ w_ctx.T  # [N, H]
            shape = (*y_prev.shape, per_series.shape[1])
            if work.get("shape") != shape:
                work.update(shape=shape, h=np.empty(shape, np.float32),
                            tmp=np.empty(shape, np.float32))
            h, tmp = work["h"], work["tmp"]
            np.add(ctx[:, None], per_series, out=h)
            h += np.multiply(y_prev[..., None], w_y, out=tmp)
            h += np.multiply(seen_prev[..., None], w_seen, out=tmp)
            out = linear(self.w, "emit.3", act(h))
            return out[..., 0], softplus(out[..., 1]) + 1e-3

        return f

    def prior(self, s: np.ndarray, cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu, raw = np.split(mlp(self.w, "prior", np.concatenate([s, cal], axis=-1)), 2, axis=-1)
        return mu, softplus(raw) + 1e-3

    def sample(self, cal: np.ndarray, codes: np.ndarray, burn_in: int = 0, limit: float = 10.0,
               rng: np.random.Generator | None = None) -> np.ndarray:
        """``[N, T - burn_in, G]`` standardised innovations for calendar rows ``cal`` ``[N, T, F]``.

        The first ``burn_in`` steps are run and dropped (the state forgets its zero
        start); draws are clamped to ``[-limit, limit]``, a guard against rare runaways.
        """
        rng = rng or np.random.default_rng()
        cal = np.asarray(cal, dtype=np.float32)
        n, t, g = cal.shape[0], cal.shape[1], codes.shape[0]
        emission = self.emission(embed(self.w, codes))
        s = np.zeros((n, self.hidden), dtype=np.float32)
        y_prev = np.zeros((n, g), dtype=np.float32)
        seen_prev = np.zeros((n, g), dtype=np.float32)
        out = np.empty((n, t, g), dtype=np.float32)
        for i in range(t):
            c = cal[:, i]
            loc, scale = self.prior(s, c)
            z = loc + scale * _normal(rng, loc.shape)
            mu, sd = emission(z, s, c, y_prev, seen_prev)
            y = np.clip(mu + sd * _normal(rng, mu.shape), -limit, limit)
            out[:, i] = y
            s = gru_cell(self.w, "cell", np.concatenate([z, c], axis=-1), s)
            y_prev, seen_prev = y, np.ones_like(y)
        return out[:, burn_in:]


class NumpyARRNN:
    """Ancestral sampling of :class:`datamime.models.ar_rnn.ARRNN` from its weights."""

    def __init__(self, weights: Weights) -> None:
        self.w = weights
        self.layers = sum(1 for k in weights if k.startswith("rnn.weight_ih_l"))
        self.hidden = weights["rnn.weight_hh_l0"].shape[1]
        self.rank = weights["head.3.weight"].shape[0] - 2
        self._act = Gelu()

    def heads(self, h: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``mu``, ``sd`` ``[..., G]`` and ``factor`` ``[..., G, K]`` from the GRU output."""
        out = mlp(self.w, "head", np.concatenate([h, x], axis=-1), self._act)
        factor = out[..., 2:] / max(self.rank, 1) ** 0.5
        return out[..., 0], softplus(out[..., 1]) + 1e-3, factor

    def sample(self, cal: np.ndarray, codes: np.ndarray, burn_in: int = 0, limit: float = 10.0,
               rng: np.random.Generator | None = None) -> np.ndarray:
        """Same contract as :meth:`NumpyRVAE.sample`."""
        rng = rng or np.random.default_rng()
        cal = np.asarray(cal, dtype=np.float32)
        n, t, g = cal.shape[0], cal.shape[1], codes.shape[0]
        emb = np.broadcast_to(embed(self.w, codes), (n, g, self.w["embed.mix.0.weight"].shape[0]))
        h = np.zeros((self.layers, n, g, self.hidden), dtype=np.float32)
        y_prev = np.zeros((n, g, 1), dtype=np.float32)
        seen_prev = np.zeros((n, g, 1), dtype=np.float32)
        out = np.empty((n, t, g), dtype=np.float32)
        for i in range(t):
            c = np.broadcast_to(cal[:, i, None], (n, g, cal.shape[2]))
            x = np.concatenate([y_prev, seen_prev, c, emb], axis=-1)  # [N, G, 2+F+E]
            inp = x
            for layer in range(self.layers):
                h[layer] = gru_cell(self.w, "rnn", inp, h[layer], suffix=f"_l{layer}")
                inp = h[layer]
            mu, sd, factor = self.heads(inp, x)
            y = mu + sd * _normal(rng, mu.shape)
            if self.rank > 0:
                y = y + np.einsum("ngk,nk->ng", factor, _normal(rng, (n, self.rank)))
            y = np.clip(y, -limit, limit)
            out[:, i] = y
            y_prev, seen_prev = y[..., None], np.ones_like(y_prev)
        return out[:, burn_in:]


SAMPLERS = {
    "datamime.models.rvae.RecurrentVAE": NumpyRVAE,
    "datamime.models.ar_rnn.ARRNN": NumpyARRNN,
}


def sampler(net_class: str, weights: Weights) -> Any:
    """The numpy sampler of the network class ``net_class`` (its import path)."""
    if net_class not in SAMPLERS:
        raise ValueError(f"no numpy sampler for {net_class}; datamime samples "
                         f"{', '.join(SAMPLERS)}")
    return SAMPLERS[net_class](weights)
