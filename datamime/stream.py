"""Large outputs: a generated ``[T, G]`` array streamed to Parquet, one row group at a time.

A year of hourly data for 2,000 series is 17.5 M rows; as one long DataFrame (text
keys, timestamps, values) it takes several GB. :func:`write_parquet` instead melts
blocks of series into row groups of about ``rows_per_group`` rows and writes each as
soon as it is made, so memory stays that of the ``[T, G]`` array plus one row group.
The file has the same columns, order and types as :func:`datamime.data.io.write_table`
gives for the same table (series then time).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from datamime.data.io import atomic_file
from datamime.data.panel import panel_to_long

ROWS_PER_GROUP = 1_000_000


def _long(values: np.ndarray, index: pd.DatetimeIndex, keys: pd.DataFrame, time: str,
          value: str, integer: bool) -> pd.DataFrame:
    df = panel_to_long(values, index, keys, time, value)
    if integer:
        df[value] = df[value].astype(np.int64)
    return df


def write_parquet(
    path: str | os.PathLike, values: np.ndarray, index: pd.DatetimeIndex, keys: pd.DataFrame,
    time: str, value: str, integer: bool = False, rows_per_group: int | None = None,
) -> Path:
    """Write ``[T, G]`` ``values`` as a long Parquet table, atomically, in row groups.

    Args:
        path: destination ``.parquet`` file (replaced only once complete).
        values: ``[T, G]`` generated values. index: the ``T`` timestamps.
        keys: ``[G, C]`` identifying values of each series.
        time, value: output column names. integer: write values as int64.
        rows_per_group: target rows per row group, whole series per group (default
            :data:`ROWS_PER_GROUP`).

    Raises:
        DataError: the file cannot be written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    n_steps, n_series = values.shape
    keys = keys.reset_index(drop=True)
    schema = pa.Schema.from_pandas(
        _long(values[:1, :1], index[:1], keys.iloc[:1], time, value, integer), preserve_index=False
    )
    per_group = max(1, (rows_per_group or ROWS_PER_GROUP) // max(n_steps, 1))
    with atomic_file(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for g0 in range(0, n_series, per_group):
            block = _long(values[:, g0 : g0 + per_group], index,
                          keys.iloc[g0 : g0 + per_group], time, value, integer)
            writer.write_table(pa.Table.from_pandas(block, schema=schema,
                                                    preserve_index=False))
    return path


# Parquet outputs larger than this many rows are streamed by ``scripts/sample.py``.
STREAM_ROWS = 2_000_000


def sample_streamed(
    cfg: Any, syn: Any, out: Path, privacy: str = "warn"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``pipeline.sample`` for a large Parquet output: :meth:`Synthesizer.sample_to`.

    Same metrics, privacy check and messages as the in-memory path; the objects hold the
    generated ``panel`` instead of the long ``table``. (``pipeline.sample`` streams only
    outputs this path writes as they are: no time zone, closed hours, new series or
    several value columns.)
    """
    import time

    start = time.perf_counter()
    gen = syn.sample_to(out, length=cfg.length, start=cfg.start, end=cfg.end, seed=cfg.seed,
                        integer=cfg.integer, positive=cfg.positive, privacy=privacy)
    seconds = time.perf_counter() - start
    if syn.last_privacy is not None:
        from datamime.privacy import summary

        print(f"datamime: {summary(syn.last_privacy)}")
    objects: dict[str, Any] = {"synthesizer": syn, "panel": gen, "out": out}
    if cfg.plot:
        import matplotlib.pyplot as plt

        from datamime.plotting import compare_series

        panel, png = syn.panel, out.with_suffix(".png")
        fig = compare_series(panel.index, panel.values, gen.index, gen.values,
                             panel.series_labels())
        try:
            with atomic_file(png) as tmp:  # like the table: complete or not at all
                fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
        finally:
            plt.close(fig)
        objects["plot"] = png
    rows = gen.n_steps * gen.n_series
    metrics = {"rows": rows, "n_series": gen.n_series, "steps": gen.n_steps,
               "sample_seconds": seconds}
    print(f"datamime: wrote {rows:,} rows ({gen.n_series} series x {gen.n_steps:,} steps) "
          f"to {out} (streamed)"
          + (f"; comparison plot {objects['plot']}" if "plot" in objects else ""))
    return metrics, objects
