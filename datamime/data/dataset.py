"""Training windows cut on the fly from a standardised panel."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


class WindowDataset(Dataset):
    """Random windows of ``window`` consecutive steps over all series.

    Windows are sliced when asked for, never materialised together, so memory stays
    that of the panel itself. ``length`` items make one epoch; item ``i`` always gives
    the same window for a given ``seed`` (reproducible training).

    Items: ``y`` ``[T, G]`` (0 where missing), ``mask`` ``[T, G]``, ``cal`` ``[T, F]``.
    """

    def __init__(
        self, z: np.ndarray, cal: np.ndarray, window: int, length: int = 256, seed: int = 0
    ) -> None:
        if window > z.shape[0]:
            raise ValueError(f"window {window} is longer than the panel ({z.shape[0]} steps)")
        self.mask = torch.from_numpy((~np.isnan(z)).astype(np.float32))
        self.y = torch.from_numpy(np.nan_to_num(z).astype(np.float32))
        self.cal = torch.from_numpy(cal.astype(np.float32))
        self.window, self.length = window, length
        self.starts = np.random.default_rng(seed).integers(0, z.shape[0] - window + 1, length)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        s = slice(self.starts[i], self.starts[i] + self.window)
        return {"y": self.y[s], "mask": self.mask[s], "cal": self.cal[s]}
