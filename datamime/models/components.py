"""Network blocks shared by the deep generators."""

from __future__ import annotations

import torch
from torch import nn


class GroupEmbedding(nn.Module):
    """One learned vector per value of each identifying column, summed per series.

    Station and pollutant each get their own table; a series' vector is the sum of its
    columns' vectors passed through a small MLP, so a (station, pollutant) pair never
    seen together still gets a meaningful vector.

    Inputs: ``codes`` ``[G, C]`` long, one category index per identifying column.
    Outputs: ``[G, E]``.
    """

    def __init__(self, cardinalities: list[int], dim: int) -> None:
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(max(n, 1), dim) for n in cardinalities)
        self.mix = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())
        self.dim = dim

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(codes.shape[0], self.dim, device=codes.device)
        for c, table in enumerate(self.tables):
            out = out + table(codes[:, c])
        return self.mix(out)  # [G, E]


def mlp(n_in: int, n_hidden: int, n_out: int, dropout: float = 0.0) -> nn.Sequential:
    """Two-layer perceptron with a GELU."""
    return nn.Sequential(
        nn.Linear(n_in, n_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(n_hidden, n_out)
    )
