"""Generate a large range in parts across processes: python scripts/sample_parallel.py length=87600 parts=16."""

import hydra
from omegaconf import DictConfig, OmegaConf

from datamime import config, pipeline


def generate(cfg: DictConfig) -> list:
    from datamime.parallel import sample_partitioned
    from datamime.synthesizer import Synthesizer

    config.check(cfg, "sample_parallel")
    syn = Synthesizer.load(cfg.model_dir, verbose=cfg.verbose)
    files = sample_partitioned(syn, cfg.out, cfg.parts, length=cfg.length, start=cfg.start,
                               end=cfg.end, seed=cfg.seed, integer=cfg.integer,
                               positive=cfg.positive, closed=cfg.closed,
                               combinations=cfg.combinations, new_groups=cfg.new_groups,
                               privacy=pipeline.privacy_mode(cfg),
                               bounds=pipeline.stated_bounds(cfg),
                               trainer=OmegaConf.to_container(cfg.trainer, resolve=True))
    from datamime.distributed import global_rank

    if global_rank() == 0:
        print(f"datamime: wrote {len(files)} parts to {cfg.out}")
    return files


@hydra.main(version_base="1.3", config_path="../datamime/conf", config_name="sample_parallel")
def main(cfg: DictConfig) -> None:
    pipeline.run(generate, cfg)


if __name__ == "__main__":
    main()
