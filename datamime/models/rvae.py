"""Recurrent VAE: a latent state shared by all series, plus each series' own lag.

At each step a latent ``z_t`` common to every series (the weather, the traffic)
evolves through a GRU state ``s_t``; each series is then drawn given ``z_t``, ``s``,
the calendar, its group embedding and its own previous value. Trained on the ELBO
with a per-step posterior that reads all series at ``t`` through a masked mean, so it
works for any number of series and with gaps. Sampling runs from the exported weights
in numpy (:class:`datamime.models.numpy_nets.NumpyRVAE`), the prior and emission below.

Shapes: ``B`` windows, ``T`` steps, ``G`` series, ``F`` calendar features, ``Z`` latent.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from datamime.models.components import GroupEmbedding, mlp


class RecurrentVAE(nn.Module):
    """Variational recurrent model with a global per-step latent.

    Args:
        cardinalities: number of categories of each identifying column.
        n_calendar: number of calendar features ``F``.
        hidden: width of the state and the MLPs. latent: size ``Z`` of ``z_t``.
        embedding_dim: group vector size. kl_weight: weight of the KL term.
        input_noise: std of noise on the teacher-forced previous values in training.
    """

    def __init__(
        self,
        cardinalities: list[int],
        n_calendar: int,
        hidden: int = 32,
        latent: int = 16,
        embedding_dim: int = 8,
        kl_weight: float = 1.0,
        input_noise: float = 0.05,
    ) -> None:
        super().__init__()
        self.latent, self.kl_weight, self.input_noise = latent, kl_weight, input_noise
        self.embed = GroupEmbedding(cardinalities, embedding_dim)
        self.cell = nn.GRUCell(latent + n_calendar, hidden)
        self.prior = mlp(hidden + n_calendar, hidden, 2 * latent)
        self.reader = mlp(1 + embedding_dim, hidden, hidden)
        self.posterior = mlp(2 * hidden + n_calendar, hidden, 2 * latent)
        self.emit = mlp(latent + hidden + n_calendar + embedding_dim + 2, hidden, 2)

    @staticmethod
    def _gaussian(params: torch.Tensor) -> Normal:
        mu, raw = params.chunk(2, dim=-1)
        return Normal(mu, nn.functional.softplus(raw) + 1e-3)

    def _emission(
        self, z: torch.Tensor, s: torch.Tensor, cal: torch.Tensor, emb: torch.Tensor,
        y_prev: torch.Tensor, seen_prev: torch.Tensor,
    ) -> Normal:
        # z: [B, Z]; s: [B, H]; cal: [B, F]; emb: [G, E]; y_prev, seen_prev: [B, G] -> Normal [B, G]
        b, g = y_prev.shape
        ctx = torch.cat([z, s, cal], dim=-1).unsqueeze(1).expand(b, g, -1)
        x = torch.cat(
            [ctx, emb.unsqueeze(0).expand(b, g, -1), y_prev.unsqueeze(-1), seen_prev.unsqueeze(-1)],
            dim=-1,
        )
        mu, raw = self.emit(x).unbind(-1)
        return Normal(mu, nn.functional.softplus(raw) + 1e-3)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Negative ELBO per observed value (see :class:`datamime.models.ar_rnn.ARRNN.loss`)."""
        y, mask, cal = batch["y"], batch["mask"], batch["cal"]
        b, t, g = y.shape
        emb = self.embed(batch["codes"])
        y_in = y + self.input_noise * torch.randn_like(y) if self.training else y
        # per-series reading of every value, pooled over the observed series: [B, T, H]
        read = self.reader(
            torch.cat([y.unsqueeze(-1), emb[None, None].expand(b, t, g, -1)], dim=-1)
        )
        pooled = (read * mask.unsqueeze(-1)).sum(2) / mask.sum(2, keepdim=True).clamp(min=1)
        s = y.new_zeros(b, self.cell.hidden_size)
        y_prev, seen_prev = y.new_zeros(b, g), y.new_zeros(b, g)
        nll, kl = y.new_zeros(()), y.new_zeros(())
        for i in range(t):
            prior = self._gaussian(self.prior(torch.cat([s, cal[:, i]], dim=-1)))
            post = self._gaussian(self.posterior(torch.cat([s, pooled[:, i], cal[:, i]], dim=-1)))
            z = post.rsample()
            emission = self._emission(z, s, cal[:, i], emb, y_prev, seen_prev)
            nll = nll - (emission.log_prob(y[:, i]) * mask[:, i]).sum()
            kl = kl + kl_divergence(post, prior).sum()
            s = self.cell(torch.cat([z, cal[:, i]], dim=-1), s)
            y_prev, seen_prev = y_in[:, i] * mask[:, i], mask[:, i]
        return (nll + self.kl_weight * kl) / mask.sum().clamp(min=1)
