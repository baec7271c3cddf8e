"""Every way of getting data out gives the same rows: ``Synthesizer.sample``,
``Synthesizer.sample_to`` (Parquet streamed, CSV), ``scripts/sample.py``
(``pipeline.sample``, CSV and Parquet), the parallel path (``sample_parallel.py`` /
``datamime.parallel``) and the app's downloads, for a plain sample, a time zone, two
value columns, closed hours, new series, combinations, and their mixes."""

from __future__ import annotations

import pandas as pd
import pytest

from datamime import Synthesizer
from tests.conftest import compose_config
from tests.test_local_hours import shops

DEEP = {"trainer": {"max_epochs": 1}, "windows_per_epoch": 8}
START, LENGTH = "2024-10-21", 24 * 14  # two weeks across the autumn change (27 October)

# id: (sample settings, fit settings, sample options)
CASES = {
    "plain": ({"tz": None, "values": ("temperature",), "open_hours": None}, {}, {}),
    "time_zone": ({"values": ("temperature",), "open_hours": None}, {"tz": "Europe/Paris"},
                  {}),
    "two_values": ({"tz": None, "open_hours": None}, {}, {}),
    "closed_hours": ({"tz": None, "values": ("temperature",)}, {}, {}),
    "new_series": ({"tz": None, "values": ("temperature",), "open_hours": None}, {},
                   {"new_groups": 1}),
    "combinations": ({"tz": None, "values": ("temperature",), "open_hours": None,
                      "sensors": ("s1", "s2"), "drop": ("B", "s2")}, {},
                     {"combinations": True}),
    # the example: local clock, two value columns, opening hours 07:00-20:00
    "tz_two_values_closed": ({}, {"tz": "Europe/Paris"}, {}),
    "tz_closed_new_series_combinations": (
        {"values": ("temperature",), "sensors": ("s1", "s2"), "drop": ("B", "s2")},
        {"tz": "Europe/Paris"}, {"new_groups": 1, "combinations": True}),
}


def _fit(case: str, tmp_path):
    data, fit, options = CASES[case]
    sample = shops(start="2024-09-23", days=21, **data)
    values = [c for c in ("temperature", "humidity") if c in sample.columns]
    groups = [c for c in ("shop", "sensor") if c in sample.columns]
    path = tmp_path / "sample.csv"
    sample.to_csv(path, sep=";", index=False)
    deep = bool(options)
    syn = Synthesizer(model="rvae" if deep else "seasonal_bootstrap", seed=0, verbose=False,
                      **(DEEP if deep else {}))
    syn.fit(str(path), time="time", groups=groups, value=values if len(values) > 1
            else values[0], **fit)
    return syn, options


def _sorted(table: pd.DataFrame, syn: Synthesizer) -> pd.DataFrame:
    keys = [c for c in table.columns if c in syn.schema.groups]
    return table.sort_values([*keys, syn.schema.time], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("case", list(CASES))
def test_every_output_path_gives_the_same_rows(case, tmp_path):
    from datamime.app import table_bytes
    from datamime.parallel import sample_partitioned
    from datamime.pipeline import sample

    syn, options = _fit(case, tmp_path)
    schema = syn.schema
    run = {"start": START, "length": LENGTH, "seed": 3, **options}
    reference = syn.sample(**run)
    columns = list(reference.columns)
    expected_values = list(schema.values) if schema.values else [schema.value]
    assert columns[-len(expected_values):] == expected_values
    assert len(reference) > 0 and not reference.isna().any().any()
    if "open_hours" not in CASES[case][0]:  # closed hours: 07:00-20:00 on the sample's clock
        others = [g for g in schema.groups if g != schema.variable]
        # new series too: they mix shops that all open 07:00-20:00
        assert reference[schema.time].dt.hour.between(7, 20).all()
        n_series = len(reference[others].drop_duplicates())
        assert n_series >= len(syn.panel.keys[others].drop_duplicates())
        assert len(reference) == 14 * 14 * n_series  # 14 hours x 14 days, both DST sides
    if schema.tz:
        assert str(reference[schema.time].dt.tz) == "Europe/Paris"

    # Synthesizer.sample_to: Parquet (streamed in row groups) and CSV
    generated = syn.sample_to(tmp_path / "to.parquet", **run)
    assert generated.n_rows == len(reference)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "to.parquet"), reference)
    syn.sample_to(tmp_path / "to.csv", **run)
    csv = pd.read_csv(tmp_path / "to.csv", sep=";", dtype=str)
    assert list(csv.columns) == columns and len(csv) == len(reference)
    times = reference[schema.time].dt.strftime(schema.date_format)
    assert (csv[schema.time] == times).all()  # local clock times, in the sample's style

    # scripts/sample.py: the pipeline, CSV (the same bytes) and Parquet (the same frame)
    model = syn.save(tmp_path / "model")
    base = [f"model_dir={model}", f"start={START}", f"length={LENGTH}", "seed=3",
            "plot=false", "verbose=false", *[f"{k}={v}" for k, v in options.items()]]
    metrics, _ = sample(compose_config("sample", [*base, f"out={tmp_path / 'p.csv'}"]))
    assert (tmp_path / "p.csv").read_bytes() == (tmp_path / "to.csv").read_bytes()
    assert metrics["rows"] == len(reference)
    sample(compose_config("sample", [*base, f"out={tmp_path / 'p.parquet'}"]))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p.parquet"), reference)

    # the app's downloads
    drawn = syn.generate(**run)
    assert table_bytes(drawn, schema, ".csv") == (tmp_path / "to.csv").read_bytes()

    # the parallel path: values drawn with each part's seed, everything else the same
    sample_partitioned(syn, tmp_path / "parts", parts=3, start=START, length=LENGTH, seed=3,
                       **options)
    parts = _sorted(pd.read_parquet(tmp_path / "parts"), syn)
    ref = _sorted(reference, syn)
    assert list(parts.columns) == columns and len(parts) == len(ref)
    pd.testing.assert_frame_equal(parts.drop(columns=expected_values),
                                  ref.drop(columns=expected_values))
    assert list(parts.dtypes) == list(ref.dtypes)
