"""Evaluate generated data: python scripts/evaluate.py (see datamime/conf/evaluate.yaml)."""

import hydra
from omegaconf import DictConfig

from datamime import pipeline


@hydra.main(version_base="1.3", config_path="../datamime/conf", config_name="evaluate")
def main(cfg: DictConfig) -> None:
    pipeline.run(pipeline.evaluate, cfg)


if __name__ == "__main__":
    main()
