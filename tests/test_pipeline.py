"""End-to-end smoke: train -> sample through the same functions the scripts call."""

import numpy as np
import pandas as pd
import pytest
from omegaconf import open_dict

from datamime import Synthesizer
from datamime.errors import DataError, ModelError, SamplingError
from datamime.pipeline import sample, train


def _read(path):
    return pd.read_csv(path, sep=";", dtype={"site": str, "sensor": str})


def test_pipeline_train_then_sample_writes_the_sample_format(train_cfg, sample_cfg):
    metrics, objects = train(train_cfg)
    assert metrics["n_series"] == 4 and metrics["n_steps"] == 72
    assert (objects["model_dir"] / "model.npz").is_file()
    assert (objects["model_dir"] / "loss_curve.png").is_file()
    with open_dict(sample_cfg):
        sample_cfg.length, sample_cfg.plot = 200, True
    metrics, objects = sample(sample_cfg)
    out = objects["out"]
    assert metrics["rows"] == 4 * 200
    assert out.with_suffix(".png").is_file()
    lines = out.read_text().splitlines()
    assert lines[0] == "site;sensor;time;value"
    assert lines[1].split(";")[2] == "01/01/2024 00:00"  # the sample's own date format
    table = _read(out)
    assert table.groupby(["site", "sensor"]).size().eq(200).all()
    assert table["value"].notna().all()
    assert (table["value"] >= 0).all()  # positive=auto: the sample had no negative value
    assert pd.api.types.is_integer_dtype(table["value"])  # integer=auto: sample was whole
    # sorted by series then time
    times = pd.to_datetime(table["time"], format="%d/%m/%Y %H:%M")
    assert (times.groupby([table["site"], table["sensor"]]).diff().dropna() == pd.Timedelta("1h")).all()


def test_pipeline_is_reproducible_with_a_seed(train_cfg, sample_cfg, tmp_path):
    train(train_cfg)
    first = sample(sample_cfg)[1]["generated"].table()
    with open_dict(train_cfg):
        train_cfg.model_dir = str(tmp_path / "model2")
    train(train_cfg)
    with open_dict(sample_cfg):
        sample_cfg.model_dir = str(tmp_path / "model2")
    second = sample(sample_cfg)[1]["generated"].table()
    pd.testing.assert_frame_equal(first, second)
    with open_dict(sample_cfg):
        sample_cfg.seed = 1
    other = sample(sample_cfg)[1]["generated"].table()
    assert not np.array_equal(first["value"], other["value"])


def test_pipeline_start_end_range_and_parquet(train_cfg, sample_cfg, tmp_path):
    train(train_cfg)
    with open_dict(sample_cfg):
        sample_cfg.start, sample_cfg.end = "2025-03-01", "2025-03-02"
        sample_cfg.out = str(tmp_path / "gen.parquet")
        sample_cfg.integer, sample_cfg.positive = False, False
    table = sample(sample_cfg)[1]["generated"].table()
    back = pd.read_parquet(tmp_path / "gen.parquet")
    assert len(back) == len(table) == 4 * 48  # a date-only end includes that whole day
    assert back["time"].min() == pd.Timestamp("2025-03-01")
    assert back["time"].max() == pd.Timestamp("2025-03-02 23:00")
    assert not np.allclose(back["value"], back["value"].round())  # integer=false honoured


def test_synthesizer_api_fit_sample_save_load(tiny_csv, tmp_path):
    syn = Synthesizer(seed=0, verbose=False, trainer={"max_epochs": 1}, windows_per_epoch=8)
    syn.fit(tiny_csv, time="time", groups=["site", "sensor"], value="value")
    a = syn.sample(length=30)
    path = syn.save(tmp_path / "m")
    loaded = Synthesizer.load(path)
    pd.testing.assert_frame_equal(a, loaded.sample(length=30))
    assert list(a.columns) == ["site", "sensor", "time", "value"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"length": 0}, "positive whole number"),
        ({"length": -5}, "positive whole number"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "before start"),
        ({"length": 5, "end": "2024-01-01"}, "either length or end"),
        ({"start": "not a date"}, "not a date"),
        ({"integer": "maybe"}, "integer must be"),
    ],
)
def test_synthesizer_bad_sampling_requests_raise_clear_errors(tiny_csv, kwargs, message):
    syn = Synthesizer(model="seasonal_bootstrap", verbose=False)
    syn.fit(tiny_csv, time="time", groups=["site", "sensor"], value="value")
    with pytest.raises(SamplingError, match=message):
        syn.sample(**kwargs)


def test_synthesizer_load_missing_or_foreign_model_raises(tmp_path):
    with pytest.raises(ModelError, match="no trained model"):
        Synthesizer.load(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a datamime model"):
        Synthesizer.load(tmp_path / "bad")


def test_pipeline_bad_out_extension_is_a_data_error(sample_cfg, tmp_path):
    with open_dict(sample_cfg):
        sample_cfg.out = str(tmp_path / "x.json")
    with pytest.raises(DataError, match="csv or .parquet"):
        sample(sample_cfg)


def test_pipeline_evaluate_writes_a_report(train_cfg, sample_cfg, tmp_path):
    from datamime.pipeline import evaluate
    from tests.conftest import compose_config

    train(train_cfg)
    sample(sample_cfg)
    cfg = compose_config("evaluate", [f"model_dir={train_cfg.model_dir}",
                                      f"generated={sample_cfg.out}",
                                      f"report_dir={tmp_path / 'report'}", "verbose=false"])
    metrics, objects = evaluate(cfg)
    assert objects["report"].is_file()
    assert (tmp_path / "report" / "metrics.json").is_file()
    assert metrics["missing_series"] == 0 and metrics["nan_count"] == 0
    assert 0 <= metrics["wasserstein"] < 5


def test_pipeline_data_example_works_outside_the_repository(tmp_path, monkeypatch):
    import datamime.pipeline  # noqa: F401  (registers the resolver)
    from tests.conftest import REPO, compose_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cfg = compose_config("train", ["data=example"])
    path = cfg.data.path
    assert path.startswith(str(tmp_path / "home"))
    assert open(path, "rb").read() == (REPO / "example.csv").read_bytes()
    (tmp_path / "example.csv").write_text("local")
    assert compose_config("train", ["data=example"]).data.path == "example.csv"
