"""Train a generator: python scripts/train.py data=example (see datamime/conf/train.yaml)."""

import hydra
from omegaconf import DictConfig

from datamime import pipeline


@hydra.main(version_base="1.3", config_path="../datamime/conf", config_name="train")
def main(cfg: DictConfig) -> None:
    pipeline.run(pipeline.train, cfg)


if __name__ == "__main__":
    main()
