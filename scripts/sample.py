"""Generate data: python scripts/sample.py length=8760 (see datamime/conf/sample.yaml)."""

import hydra
from omegaconf import DictConfig

from datamime import pipeline


@hydra.main(version_base="1.3", config_path="../datamime/conf", config_name="sample")
def main(cfg: DictConfig) -> None:
    pipeline.run(pipeline.sample, cfg)


if __name__ == "__main__":
    main()
