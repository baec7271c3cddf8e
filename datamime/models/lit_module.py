"""A thin LightningModule: optimisation and logging around any network with ``loss``."""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch import nn
from typing_extensions import override


class GenerativeLitModule(pl.LightningModule):
    """Trains ``net`` by minimising ``net.loss(batch)``.

    Args:
        net: a plain ``nn.Module`` with ``loss(batch) -> scalar``.
        codes: ``[G, C]`` group codes, added to every batch.
        lr, weight_decay: AdamW settings; the learning rate decays on a cosine to 10 %.
    """

    def __init__(self, net: nn.Module, codes: torch.Tensor, lr: float = 3e-3,
                 weight_decay: float = 1e-4) -> None:
        super().__init__()
        self.net, self.lr, self.weight_decay = net, lr, weight_decay
        self.register_buffer("codes", codes)

    @override
    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self.net.loss({**batch, "codes": self.codes})
        self.log("train/loss", loss, on_step=False, on_epoch=True, prog_bar=True,
                 batch_size=batch["y"].shape[0])
        return loss

    @override
    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        steps = self.trainer.estimated_stepping_batches
        if not isinstance(steps, int) or steps <= 0 or steps > 10**7:
            return opt
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=self.lr / 10)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class LossHistory(pl.Callback):
    """Keeps the mean training loss of every epoch."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        loss = trainer.callback_metrics.get("train/loss")
        if loss is not None:
            self.values.append(float(loss))
