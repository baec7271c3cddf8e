"""Recurrent VAE: a latent state shared by all series, plus each series' own lag.

At each step a latent ``z_t`` common to every series (the weather, the traffic)
evolves through a GRU state ``s_t``; each series is then drawn given ``z_t``, ``s``,
the calendar, its group embedding and its own previous value. Trained on the ELBO
with a per-step posterior that reads all series at ``t`` through a masked mean, so it
works for any number of series and with gaps.

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

    def _fast_emission(self, emb: torch.Tensor):
        """:meth:`_emission` for sampling, with the first layer split by input.

        The first linear layer of ``emit`` applied to ``[z, s, cal, emb, y, seen]`` is the
        sum of its blocks: the ``[z, s, cal]`` block is computed once per sample row, the
        group block once for all steps, so each step costs ``[B, G, H]`` additions instead
        of a ``[B, G, Z+H+F+E+2]`` concatenation and product (the same numbers).
        """
        first, rest = self.emit[0], self.emit[1:]
        n_ctx = first.in_features - emb.shape[-1] - 2
        w_ctx, w_emb, w_y, w_seen = first.weight.split([n_ctx, emb.shape[-1], 1, 1], dim=1)
        per_series = emb @ w_emb.T + first.bias  # [G, H]

        def emission(z, s, cal, y_prev, seen_prev) -> tuple[torch.Tensor, torch.Tensor]:
            ctx = torch.cat([z, s, cal], dim=-1) @ w_ctx.T  # [B, H]
            h = (ctx.unsqueeze(1) + per_series + y_prev.unsqueeze(-1) * w_y[:, 0]
                 + seen_prev.unsqueeze(-1) * w_seen[:, 0])
            mu, raw = rest(h).unbind(-1)
            return mu, nn.functional.softplus(raw) + 1e-3

        return emission

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

    @torch.no_grad()
    def sample(
        self,
        cal: torch.Tensor,
        codes: torch.Tensor,
        n_samples: int = 1,
        burn_in: int = 0,
        limit: float = 10.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Ancestral sampling; same contract as :meth:`datamime.models.ar_rnn.ARRNN.sample`."""
        cal = cal.unsqueeze(0).expand(n_samples, *cal.shape) if cal.dim() == 2 else cal
        n_samples, t = cal.shape[0], cal.shape[1]
        g = codes.shape[0]
        emb = self.embed(codes)
        s = cal.new_zeros(n_samples, self.cell.hidden_size)
        y_prev, seen_prev = cal.new_zeros(n_samples, g), cal.new_zeros(n_samples, g)
        out = cal.new_empty(n_samples, t, g)

        def draw(params: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            loc, scale = params
            eps = torch.randn(loc.shape, generator=generator, device=cal.device)
            return loc + scale * eps

        def gaussian(params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            mu, raw = params.chunk(2, dim=-1)
            return mu, nn.functional.softplus(raw) + 1e-3

        emission = self._fast_emission(emb)
        for i in range(t):
            c = cal[:, i]
            z = draw(gaussian(self.prior(torch.cat([s, c], dim=-1))))
            y = draw(emission(z, s, c, y_prev, seen_prev)).clamp(-limit, limit)
            out[:, i] = y
            s = self.cell(torch.cat([z, c], dim=-1), s)
            y_prev, seen_prev = y, torch.ones_like(y)
        return out[:, burn_in:]
