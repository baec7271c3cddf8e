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

import math

import torch
from torch import nn

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
    def _gaussian(params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, raw = params.chunk(2, dim=-1)
        return mu, nn.functional.softplus(raw) + 1e-3

    def emission(
        self, z: torch.Tensor, s: torch.Tensor, cal: torch.Tensor, emb: torch.Tensor,
        y_prev: torch.Tensor, seen_prev: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and scale of every series given the step's context, for any leading shape.

        ``z``, ``s``, ``cal``: ``[..., Z]``, ``[..., H]``, ``[..., F]``; ``emb``: ``[G, E]``;
        ``y_prev``, ``seen_prev``: ``[..., G]``. Returns two ``[..., G]`` tensors. ``emit``
        reads ``[z, s, cal, emb, y_prev, seen_prev]``; its first layer is applied block by
        block (the context once per row, the series vectors once) rather than to that
        concatenation broadcast over series: the same numbers, far fewer operations.
        """
        first, rest = self.emit[0], self.emit[1:]
        n_ctx = first.in_features - emb.shape[-1] - 2
        w_ctx, w_emb, w_y, w_seen = first.weight.split([n_ctx, emb.shape[-1], 1, 1], dim=1)
        ctx = torch.cat([z, s, cal], dim=-1) @ w_ctx.T  # [..., H]
        h = (ctx.unsqueeze(-2) + (emb @ w_emb.T + first.bias)
             + y_prev.unsqueeze(-1) * w_y[:, 0] + seen_prev.unsqueeze(-1) * w_seen[:, 0])
        mu, raw = rest(h).unbind(-1)
        return mu, nn.functional.softplus(raw) + 1e-3

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Negative ELBO per observed value (see :class:`datamime.models.ar_rnn.ARRNN.loss`).

        Only the latent path is recurrent (prior, posterior, state); the emission and the
        KL terms of all steps are computed at once after it.
        """
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
        states, latents, priors, posts = [], [], [], []
        for i in range(t):
            prior = self._gaussian(self.prior(torch.cat([s, cal[:, i]], dim=-1)))
            post = self._gaussian(self.posterior(torch.cat([s, pooled[:, i], cal[:, i]], dim=-1)))
            z = post[0] + post[1] * torch.randn_like(post[0])
            states.append(s)
            latents.append(z)
            priors.append(prior)
            posts.append(post)
            s = self.cell(torch.cat([z, cal[:, i]], dim=-1), s)
        s_all, z_all = torch.stack(states, 1), torch.stack(latents, 1)  # [B, T, H], [B, T, Z]
        # what each step saw before it: the previous value (noised in training), if observed
        y_prev = torch.cat([y.new_zeros(b, 1, g), (y_in * mask)[:, :-1]], dim=1)
        seen_prev = torch.cat([y.new_zeros(b, 1, g), mask[:, :-1]], dim=1)
        mu, sd = self.emission(z_all, s_all, cal, emb, y_prev, seen_prev)  # [B, T, G]
        log_prob = -0.5 * ((y - mu) / sd) ** 2 - torch.log(sd) - 0.5 * math.log(2 * math.pi)
        nll = -(log_prob * mask).sum()
        m_q, s_q = (torch.stack(p, 1) for p in zip(*posts, strict=True))
        m_p, s_p = (torch.stack(p, 1) for p in zip(*priors, strict=True))
        kl = (torch.log(s_p / s_q) + (s_q**2 + (m_q - m_p) ** 2) / (2 * s_p**2) - 0.5).sum()
        return (nll + self.kl_weight * kl) / mask.sum().clamp(min=1)
