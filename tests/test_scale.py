"""Speed paths: chunked batch sampling, the fast CSV writer, Parquet streaming."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from datamime.data.transforms import MarginalCopula
from datamime.data.write import write_table
from datamime.errors import DataError
from datamime.models.chain import ValueChain
from datamime.synthesizer import Synthesizer


def _schema(**kw):
    base = dict(value="value", time="time", integer=False, sep=";", decimal=".",
                date_format="%d/%m/%Y %H:%M")
    return SimpleNamespace(**{**base, **kw})


def _pandas_csv(df: pd.DataFrame, schema, sep: str) -> bytes:
    """What write_table wrote before the fast writer: strftime + DataFrame.to_csv."""
    out = df.copy()
    if schema.integer:
        out[schema.value] = out[schema.value].round().astype("Int64")
    out[schema.time] = out[schema.time].dt.strftime(schema.date_format)
    return out.to_csv(sep=sep, index=False, lineterminator="\n").encode()


def _long(n_series: int = 5, n_steps: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-03-30 22:00", periods=n_steps, freq="h")
    names = ["Rouen", 'Le "Havre"', "Caen; centre", "Évreux", "Dieppe\nport", "x,y"][:n_series]
    return pd.DataFrame({
        "site": np.repeat(names, n_steps),
        "code": np.repeat([f"{5000 + i:05d}" for i in range(n_series)], n_steps),
        "time": np.tile(index.to_numpy(), n_series),
        "value": rng.gamma(2.0, 7.0, n_series * n_steps),
    })


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_fast_csv_is_byte_identical_to_pandas(tmp_path: Path, sep: str) -> None:
    df = _long(6)
    df.loc[3, "value"] = np.nan
    df.loc[4, "site"] = None
    # floats over many magnitudes (numpy's repr switches to exponents)
    df.loc[5:12, "value"] = [1e-7, 123456789012345678.0, -0.5, 1e16, 0.1, 2.5e-5, 1e300, -0.0]
    schema = _schema(sep=sep)
    path = write_table(df, tmp_path / "f.csv", schema)
    assert path.read_bytes() == _pandas_csv(df, schema, sep)


def test_fast_csv_integers_and_gaps_match_pandas(tmp_path: Path) -> None:
    df = _long(4).assign(value=lambda d: d["value"].round())
    df.loc[7, "value"] = np.nan
    schema = _schema(integer=True, date_format="%Y-%m-%dT%H:%M:%S")
    text = write_table(df, tmp_path / "i.csv", schema).read_bytes()
    assert text == _pandas_csv(df, schema, ";")
    assert b";\n" in text  # the gap is an empty cell


def test_decimal_comma_falls_back_to_pandas(tmp_path: Path) -> None:
    df = _long(2)
    schema = _schema(decimal=",")
    text = write_table(df, tmp_path / "c.csv", schema).read_text()
    expected = df.assign(time=df["time"].dt.strftime(schema.date_format))
    assert text == expected.to_csv(sep=";", decimal=",", index=False, lineterminator="\n")
    assert "," in text.splitlines()[1].rsplit(";", 1)[1]


def test_fast_csv_failure_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    import pyarrow.compute as pc

    target = tmp_path / "out.csv"
    target.write_text("previous content")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pc, "binary_join_element_wise", broken)
    with pytest.raises(DataError, match="cannot write .*out.csv.*No space left"):
        write_table(_long(2), target, _schema())
    assert target.read_text() == "previous content"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_copula_inverse_without_scipy_matches_transforms() -> None:
    rng = np.random.default_rng(0)
    e = rng.gamma(1.5, 2.0, (400, 3))
    e[rng.random(e.shape) < 0.1] = np.nan
    copula = MarginalCopula.fit(e)
    s = rng.normal(size=(50, 3))
    chain = ValueChain(freq="h", scaler=None, profile=None, whitener=None, copula=copula,
                       bounds=None, margin=None, anchor_days=None, sample_steps=None,
                       bias=np.zeros(3))
    np.testing.assert_allclose(chain.innovations(s), copula.inverse(s), atol=1e-5)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> Synthesizer:
    from datamime.data.synthetic import make_panel

    df = make_panel(n_groups=6, length=7 * 24, seed=3)
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 2}, windows_per_epoch=32)
    return syn.fit(df, time="time", groups=["site", "sensor"], value="value")


def test_long_range_is_drawn_in_chunks_without_seams(fitted: Synthesizer) -> None:
    gen = fitted.generator
    chunk = gen._chunk_steps()
    index = pd.date_range("2025-01-01", periods=40 * chunk, freq="h")
    a = gen.sample(index, seed=1)
    np.testing.assert_array_equal(a, gen.sample(index, seed=1))  # repeatable
    assert not np.allclose(a, gen.sample(index, seed=2))
    assert a.shape == (len(index), 6) and np.isfinite(a).all()
    # steps across a chunk boundary move like any other step (innovations are
    # independent across the seam, and the AR level runs over it)
    jumps = np.abs(np.diff(gen.chain.scaler.transform(a), axis=0))  # [T-1, G]
    seam = np.arange(1, len(index) // chunk) * chunk - 1  # jump from last of a chunk
    ratio = jumps[seam].mean() / jumps.mean()
    assert 0.7 < ratio < 1.3, ratio
    # the daily profile is the same in every quarter of the range
    z = gen.chain.scaler.transform(a) - gen.chain.profile.at(index)
    quarters = np.array_split(np.arange(len(index)), 4)
    means = [np.nanmean(z[q], axis=0) for q in quarters]
    assert np.ptp(np.stack(means), axis=0).max() < 0.6


def test_short_range_is_one_chunk(fitted: Synthesizer, monkeypatch) -> None:
    gen = fitted.generator
    # anchoring (a range over a week) and the daily means' colouring look at the whole
    # range (centred moving means); the draw itself does not
    monkeypatch.setattr(gen.chain, "anchor_days", None)
    monkeypatch.setattr(gen.chain, "day_colour", None)
    n = gen._chunk_steps() - gen.window_  # with its burn-in, exactly one chunk
    index = pd.date_range("2025-01-01", periods=n, freq="h")
    shorter = index[: n // 2]
    # one sequential run: a shorter range is a prefix of a longer one (same seed)
    np.testing.assert_allclose(gen.sample(shorter, seed=4), gen.sample(index, seed=4)[: n // 2])


def test_sample_to_parquet_matches_sample(fitted: Synthesizer, tmp_path: Path, monkeypatch) -> None:
    from datamime.output import layout

    monkeypatch.setattr(layout, "ROWS_PER_BLOCK", 500)
    path = tmp_path / "gen.parquet"
    generated = fitted.sample_to(path, length=300, seed=5, integer=True)
    table = fitted.sample(length=300, seed=5, integer=True)
    ref = write_table(table, tmp_path / "ref.parquet", fitted.schema)
    back, expected = pd.read_parquet(path), pd.read_parquet(ref)
    pd.testing.assert_frame_equal(back, expected)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).num_row_groups == 6  # one series (300 rows) per group
    assert generated.values.shape == (300, 6) and generated.n_rows == len(table)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sample_partitioned_writes_one_file_per_part(fitted: Synthesizer, tmp_path: Path) -> None:
    from datamime.errors import SamplingError
    from datamime.parallel import sample_partitioned

    folder = tmp_path / "parts"
    files = sample_partitioned(fitted, folder, parts=3, length=100, start="2025-01-01",
                               seed=2, integer=True)
    assert [f.name for f in files] == [f"part-{i:05d}.parquet" for i in range(3)]
    back = pd.read_parquet(folder)
    schema = fitted.schema
    assert len(back) == 100 * 6 and back[schema.value].dtype == np.int64
    times = pd.DatetimeIndex(back[schema.time].unique()).sort_values()
    assert times.equals(pd.date_range("2025-01-01", periods=100, freq="h"))  # no gap, no overlap
    assert (back.groupby(["site", "sensor"]).size() == 100).all()
    again = sample_partitioned(fitted, folder, parts=3, length=100, start="2025-01-01",
                               seed=2, integer=True)
    pd.testing.assert_frame_equal(pd.read_parquet(folder), back)  # repeatable
    assert again == files
    with pytest.raises(SamplingError, match="folder"):
        sample_partitioned(fitted, tmp_path / "x.parquet", parts=2, length=10)


def test_sample_partitioned_replaces_only_its_own_parts(fitted: Synthesizer,
                                                        tmp_path: Path) -> None:
    from datamime.errors import SamplingError
    from datamime.parallel import MANIFEST, sample_partitioned

    folder = tmp_path / "parts"
    sample_partitioned(fitted, folder, parts=4, length=40, start="2025-01-01", seed=1)
    files = sample_partitioned(fitted, folder, parts=2, length=40, start="2025-01-01", seed=1)
    assert sorted(p.name for p in folder.glob("part-*")) == [f.name for f in files]
    assert len(pd.read_parquet(folder)) == 40 * 6  # the old parts 2 and 3 are gone
    assert json.loads((folder / MANIFEST).read_text())["parts"] == [f.name for f in files]

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "part-00007.parquet").write_bytes(b"someone else's")
    with pytest.raises(SamplingError, match="did not write.*part-00007"):
        sample_partitioned(fitted, theirs, parts=2, length=40, start="2025-01-01")
    assert [p.name for p in theirs.iterdir()] == ["part-00007.parquet"]  # untouched

    (folder / MANIFEST).write_text("not json")
    with pytest.raises(SamplingError, match=MANIFEST):
        sample_partitioned(fitted, folder, parts=2, length=40, start="2025-01-01")
    assert sorted(p.name for p in folder.glob("part-*")) == [f.name for f in files]


def _scale_bench():
    import importlib
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    return importlib.import_module("scale_bench")


def test_scale_report_sections_replace_only_their_own(tmp_path: Path) -> None:
    sb = _scale_bench()
    path = tmp_path / "SCALE.md"
    sb.write_section(path, sb.SPEED_SECTION, ["speed v1"])
    sb.write_section(path, sb.SCALE_SECTION, ["scale v1"])
    sb.write_section(path, sb.SPEED_SECTION, ["speed v2"])
    text = path.read_text()
    assert "speed v2" in text and "speed v1" not in text and "scale v1" in text
    assert text.index("speed v2") < text.index("scale v1")
    assert sb._slopes([10, 100, 1000], [1.0, 10.0, 1000.0]) == pytest.approx([1.0, 2.0])


@pytest.mark.slow
def test_scale_benchmark_quick_writes_table_and_plot(tmp_path: Path) -> None:
    sb = _scale_bench()
    path = sb.scale(tmp_path, quick=True)
    text = path.read_text()
    assert "| 10 |" in text and "| 100 |" in text and "| 1 week | 168 |" in text
    assert "- train wall time vs series, log-log slope between successive sizes (1 = linear): " \
        in text and "- sample wall time vs length, slope between successive lengths: " in text
    assert (tmp_path / "plots" / "scale.png").stat().st_size > 10_000


def test_pipeline_streams_parquet_with_plot(fitted: Synthesizer, tmp_path: Path,
                                            monkeypatch) -> None:
    import pyarrow.parquet as pq

    from datamime.output import layout
    from datamime.pipeline import sample
    from tests.conftest import compose_config

    fitted.save(tmp_path / "model")
    cfg = compose_config("sample", [f"model_dir={tmp_path / 'model'}", "length=50",
                                    f"out={tmp_path / 'gen.parquet'}", "verbose=false"])
    monkeypatch.setattr(layout, "ROWS_PER_BLOCK", 100)  # 6 series x 50 steps: 3 row groups
    metrics, objects = sample(cfg)
    assert metrics["rows"] == 300 and len(pd.read_parquet(tmp_path / "gen.parquet")) == 300
    assert pq.ParquetFile(tmp_path / "gen.parquet").num_row_groups == 3
    assert objects["generated"].values.shape == (50, 6)
    assert objects["plot"].stat().st_size > 10_000


def test_streaming_keeps_the_privacy_check_and_the_closed_hours(tmp_path: Path, monkeypatch
                                                                ) -> None:
    from datamime.output import layout
    from datamime.pipeline import sample
    from tests.conftest import compose_config
    from tests.test_windows import _car_park_and_market

    copier = Synthesizer(model="block_bootstrap", seed=0, verbose=False)
    copier.fit(_car_park_and_market(), time="time", groups=["site"], value="count")
    copier.save(tmp_path / "model")
    monkeypatch.setattr(layout, "ROWS_PER_BLOCK", 100)
    base = [f"model_dir={tmp_path / 'model'}", "length=336", "verbose=false", "plot=false"]
    # closed hours: left out of the streamed file too
    metrics, _ = sample(compose_config("sample", [*base, f"out={tmp_path / 'a.parquet'}"]))
    assert metrics["rows"] == len(pd.read_parquet(tmp_path / "a.parquet")) < 2 * 336
    filled, _ = sample(compose_config("sample", [*base, f"out={tmp_path / 'f.parquet'}",
                                                 "closed=fill", "privacy=off"]))
    assert filled["rows"] == 2 * 336
    # the copies of real days are still caught, and nothing is written
    cfg = compose_config("sample", [*base, f"out={tmp_path / 'b.parquet'}", "closed=fill",
                                    "privacy=refuse"])
    with pytest.raises(Exception, match="privacy=refuse"):
        sample(cfg)
    assert not (tmp_path / "b.parquet").exists()


def test_preview_time_labels_keep_the_date_and_the_hour_apart() -> None:
    from datamime.preview import _date

    short, long = pd.Timedelta(days=3), pd.Timedelta(days=365)
    assert _date(pd.Timestamp("2024-06-17 00:00"), short) == "17 Jun 2024, 00:00"
    assert _date(pd.Timestamp("2024-06-17 00:00"), long) == "17 Jun 2024"
