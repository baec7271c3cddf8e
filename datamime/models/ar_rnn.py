"""Autoregressive recurrent generator with a low-rank cross-series Gaussian.

Every series runs through the same GRU (weights shared, one batch row per series),
fed its own previous value, the calendar features and its group embedding. At each
step the joint distribution of all ``G`` series is Gaussian with a low-rank plus
diagonal covariance, ``N(mu_t, L_t L_t^T + diag(sd_t^2))``: the ``rank`` columns of
``L_t`` are factors shared by all series at the same time step (weather, traffic), so
series that move together in the sample move together in the samples. Exact
likelihood, no variational bound. Sampling runs from the exported weights in numpy
(:class:`datamime.models.numpy_nets.NumpyARRNN`).

Shapes: ``B`` windows, ``T`` steps, ``G`` series, ``F`` calendar features, ``C``
identifying columns, ``K`` rank.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import LowRankMultivariateNormal

from datamime.models.components import GroupEmbedding, mlp


class ARRNN(nn.Module):
    """Shared-weight GRU over all series with a low-rank multivariate Gaussian head.

    Args:
        cardinalities: number of categories of each identifying column.
        n_calendar: number of calendar features ``F``.
        hidden: GRU width. layers: GRU depth. embedding_dim: group vector size.
        rank: number of cross-series factors ``K`` (0: series independent given the past).
        dropout: dropout in the heads. input_noise: std of the noise added to the
            teacher-forced previous values during training (robustness to its own samples).
    """

    def __init__(
        self,
        cardinalities: list[int],
        n_calendar: int,
        hidden: int = 32,
        layers: int = 1,
        embedding_dim: int = 8,
        rank: int = 4,
        dropout: float = 0.0,
        input_noise: float = 0.05,
    ) -> None:
        super().__init__()
        self.rank, self.input_noise = rank, input_noise
        self.embed = GroupEmbedding(cardinalities, embedding_dim)
        self.rnn = nn.GRU(2 + n_calendar + embedding_dim, hidden, layers, batch_first=True)
        # the head also sees the previous value directly: persistence is easy to learn
        self.head = mlp(hidden + embedding_dim + n_calendar + 2, hidden, 2 + rank, dropout)

    def _step_inputs(
        self, y_prev: torch.Tensor, seen_prev: torch.Tensor, cal: torch.Tensor, emb: torch.Tensor
    ) -> torch.Tensor:
        # y_prev, seen_prev: [B, G, T]; cal: [B, T, F]; emb: [G, E] -> [B*G, T, 2+F+E]
        b, g, t = y_prev.shape
        cal_g = cal.unsqueeze(1).expand(b, g, t, cal.shape[-1])
        emb_t = emb[None, :, None, :].expand(b, g, t, emb.shape[-1])
        x = torch.cat([y_prev.unsqueeze(-1), seen_prev.unsqueeze(-1), cal_g, emb_t], dim=-1)
        return x.reshape(b * g, t, -1)

    def _heads(
        self, h: torch.Tensor, x: torch.Tensor, b: int, g: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # h: [B*G, T, H], x: the step inputs [B*G, T, 2+F+E] -> mu, sd: [B, T, G]; factor: [B, T, G, K]
        t = h.shape[1]
        out = self.head(torch.cat([h, x], dim=-1))  # [B*G, T, 2+K]
        out = out.reshape(b, g, t, -1).transpose(1, 2)  # [B, T, G, 2+K]
        mu = out[..., 0]
        sd = nn.functional.softplus(out[..., 1]) + 1e-3
        factor = out[..., 2:] / max(self.rank, 1) ** 0.5
        return mu, sd, factor

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean negative log-likelihood per observed value.

        Args:
            batch: ``y`` ``[B, T, G]`` standardised values (0 where missing), ``mask``
                ``[B, T, G]`` (1 = observed), ``cal`` ``[B, T, F]``, ``codes`` ``[G, C]``.
        """
        y, mask, cal = batch["y"], batch["mask"], batch["cal"]
        b, t, g = y.shape
        emb = self.embed(batch["codes"])
        y_in = y + self.input_noise * torch.randn_like(y) if self.training else y
        # previous value and whether it was seen; the first step sees nothing
        y_prev = torch.cat([y_in.new_zeros(b, 1, g), (y_in * mask)[:, :-1]], dim=1)
        seen_prev = torch.cat([mask.new_zeros(b, 1, g), mask[:, :-1]], dim=1)
        x = self._step_inputs(y_prev.transpose(1, 2), seen_prev.transpose(1, 2), cal, emb)
        h, _ = self.rnn(x)
        mu, sd, factor = self._heads(h, x, b, g)
        # a missing value becomes an independent N(0, 1) at 0: constant, no gradient
        mu, y_obs = mu * mask, y * mask
        sd = torch.where(mask > 0, sd, torch.ones_like(sd))
        factor = factor * mask.unsqueeze(-1)
        if self.rank > 0:
            dist = LowRankMultivariateNormal(mu, factor, sd**2)
            nll = -dist.log_prob(y_obs).sum()
        else:
            nll = -torch.distributions.Normal(mu, sd).log_prob(y_obs).sum()
        n_missing = (mask == 0).sum()
        nll = nll - n_missing * 0.5 * torch.log(torch.tensor(2 * torch.pi))
        return nll / mask.sum().clamp(min=1)
