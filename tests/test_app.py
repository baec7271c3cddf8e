"""The web app's flow with Streamlit's AppTest (no browser), and its helpers."""

from __future__ import annotations

import io
import os
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from datamime import Synthesizer
from datamime import app as webapp
from datamime.data.example import build_example
from datamime.data.io import read_table
from tests.conftest import REPO

APP = str(REPO / "datamime" / "app" / "main.py")
EXAMPLE_COLUMNS = ["date_debut", "nom_poll", "nom_com", "code_station", "valeur"]


def _start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _use_example(at: AppTest) -> None:
    at.radio(key="source").set_value(webapp.SOURCE_EXAMPLE).run()
    assert not at.exception and not _errors(at)


def _train_tiny(at: AppTest, model: str = "rvae") -> None:
    at.selectbox(key="model").set_value(model).run()
    if model in webapp.DEEP_MODELS:
        at.slider(key="epochs").set_value(1)
        at.number_input(key="windows").set_value(8)
    at.button(key="train").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    assert any("Model trained" in s.value for s in at.success)


def _generate_steps(at: AppTest, steps: int) -> None:
    at.radio(key="range_mode").set_value(webapp.RANGE_STEPS).run()
    at.number_input(key="length").set_value(steps)
    at.button(key="generate").click().run()
    assert not at.exception and not _errors(at), _errors(at)


def test_app_starts_with_instructions():
    at = _start()
    assert any("Upload a table" in i.value for i in at.info)
    assert not _errors(at)


def test_app_example_train_generate_download():
    at = _start()
    _use_example(at)
    # roles pre-filled: the scripts' key (the commune, fixed within a station, is carried)
    assert at.selectbox(key="time_col").value == "date_debut"
    assert at.multiselect(key="group_cols").value == ["nom_poll", "code_station"]
    assert [m.key for m in at.multiselect if m.key.startswith("filter_")] == [
        "filter_nom_poll", "filter_code_station"]
    assert at.selectbox(key="value_col").value == "valeur"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Series"] == "15" and metrics["Steps per series"] == "72"
    assert metrics["Frequency"] == "hourly" and metrics["Gaps"] == "none"
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 15  # summary table

    # the filter narrows the series shown
    at.multiselect(key="filter_nom_poll").set_value(["NO2"]).run()
    assert any(c.value == "4 series." for c in at.caption)

    _train_tiny(at)
    # what three days cannot show is said in the page
    assert any("too short to show a weekly cycle" in i.value for i in at.info)
    assert at.checkbox(key="integer").value is True  # the sample is whole numbers
    assert at.checkbox(key="positive").value is True  # ... and never negative
    assert str(at.date_input(key="start").value) == "2024-06-17"
    assert str(at.date_input(key="end").value) == "2025-06-16"  # start + 1 year - 1 day

    _generate_steps(at, 24)
    csv = at.session_state["generated_csv"]
    table = pd.read_csv(io.BytesIO(csv), sep=";", dtype={"code_station": str})
    assert list(table.columns) == EXAMPLE_COLUMNS  # every column, in the sample's order
    assert table.groupby("code_station")["nom_com"].first().to_dict() == {
        "9001": "Rouen", "9002": "Rouen", "9003": "Le Havre", "9004": "Caen"}
    assert len(table) == 15 * 24
    assert table["date_debut"].iloc[0] == "17/06/2024 00:00"  # the sample's format
    assert pd.api.types.is_integer_dtype(table["valeur"]) and (table["valeur"] >= 0).all()
    parquet = pd.read_parquet(io.BytesIO(at.session_state["generated_parquet"]))
    assert parquet.shape == table.shape
    assert [b.label for b in at.get("download_button")] == [
        "Download CSV", "Download Parquet", "Download the trained model (.zip)"]
    assert any("What matches" in m.value or "What differs" in m.value for m in at.markdown)

    # an output setting changes: no retraining, the same fitted model is reused
    fitted = dict(at.session_state["fitted"])
    at.checkbox(key="integer").uncheck().run()
    assert any("click **Generate**" in i.value for i in at.info)
    at.button(key="generate").click().run()
    assert not at.exception and not _errors(at)
    assert dict(at.session_state["fitted"]) == fitted
    again = pd.read_csv(io.BytesIO(at.session_state["generated_csv"]), sep=";")
    assert len(again) == 15 * 24 and not pd.api.types.is_integer_dtype(again["valeur"])


def test_app_uploaded_csv_with_a_baseline(tiny_csv):
    at = _start()
    at.file_uploader(key="upload").set_value(("tiny.csv", tiny_csv.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    assert at.multiselect(key="group_cols").value == ["site", "sensor"]
    _train_tiny(at, "seasonal_bootstrap")
    at.date_input(key="end").set_value(pd.Timestamp("2024-01-02").date())
    at.button(key="generate").click().run()
    assert not at.exception and not _errors(at), _errors(at)
    table = pd.read_csv(io.BytesIO(at.session_state["generated_csv"]), sep=";")
    assert list(table.columns) == ["site", "sensor", "time", "value"]
    assert len(table) == 4 * 48  # 2024-01-01 and the whole of 2024-01-02, hourly


@pytest.mark.parametrize("ext", [".xlsx", ".parquet"])
def test_app_reads_excel_and_parquet(tmp_path, ext):
    df = build_example()
    path = tmp_path / f"sample{ext}"
    if ext == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
    at = _start()
    at.file_uploader(key="upload").set_value((path.name, path.read_bytes(),
                                              "application/octet-stream"))
    at.run()
    assert not at.exception and not _errors(at), _errors(at)
    assert at.multiselect(key="group_cols").value == ["nom_poll", "code_station"]
    assert {m.label: m.value for m in at.metric}["Series"] == "15"
    # switching to the example resets the roles to its own
    at.radio(key="source").set_value(webapp.SOURCE_EXAMPLE).run()
    assert not at.exception and not _errors(at)


def test_app_atmo_like_sample_is_keyed_labelled_and_carried(tmp_path):
    from tests.atmo_like import FIXED, write_atmo_like

    source = write_atmo_like(tmp_path / "atmo.csv")
    at = _start()
    at.file_uploader(key="upload").set_value(
        ("atmo.csv", (tmp_path / "atmo.csv").read_bytes(), "text/csv")).run()
    assert not at.exception and not _errors(at), _errors(at)
    # the smallest key, not every fixed column; one filter per key column
    assert at.multiselect(key="group_cols").value == ["nom_station", "nom_poll"]
    assert [m.key for m in at.multiselect if m.key.startswith("filter_")] == [
        "filter_nom_station", "filter_nom_poll"]
    _train_tiny(at, "seasonal_bootstrap")
    _generate_steps(at, 6)
    labels = at.multiselect(key="compare_series").options
    assert "CAE \u00b7 CO" in labels and max(len(x) for x in labels) <= 12
    table = pd.read_csv(io.BytesIO(at.session_state["generated_csv"]), sep=";", dtype=str)
    assert list(table.columns) == [c for c in source.columns if c in [
        *FIXED, "nom_station", "nom_poll", "valeur", "date_debut"]]
    first = table.drop_duplicates("nom_station").set_index("nom_station")
    assert first.loc["HON", "nom_com"] == "Honfleur" and first.loc["CAE", "x_wgs84"] == (
        "-0.36218333333331")


def test_app_pages_through_many_series():
    from datamime.data.synthetic import make_panel

    data = make_panel(n_groups=60, length=30, seed=2).to_csv(index=False).encode()
    at = _start()
    at.file_uploader(key="upload").set_value(("many.csv", data, "text/csv")).run()
    assert not at.exception and not _errors(at), _errors(at)
    page = at.number_input(key="page_2")
    assert page.label == "Page (of 2)"
    page.set_value(2).run()
    assert any(c.value == "Series 49 to 60 of 60." for c in at.caption)
    at.multiselect(key="filter_site").set_value(["S01"]).run()  # 60 series over 20 sites
    assert not at.exception and any(c.value == "3 series." for c in at.caption)


def test_app_bad_file_shows_an_error():
    at = _start()
    at.file_uploader(key="upload").set_value(("bad.csv", b"\x00\x01\x02 not a table",
                                              "text/csv"))
    at.run()
    assert not at.exception
    assert any("bad.csv" in e and "binary" in e for e in _errors(at))


def test_app_table_without_dates_shows_an_error():
    at = _start()
    at.file_uploader(key="upload").set_value(("nodates.csv", b"a;b\nx;1\ny;2\n", "text/csv"))
    at.run()
    assert not at.exception
    assert _errors(at)


def test_app_wrong_role_shows_an_error():
    at = _start()
    _use_example(at)
    at.selectbox(key="value_col").set_value("nom_poll").run()  # also a sub-sample column
    assert not at.exception
    assert any("cannot be both" in e for e in _errors(at))
    at.multiselect(key="group_cols").set_value(["nom_poll", "code_station"])
    at.selectbox(key="value_col").set_value("nom_com").run()  # text, not numbers
    assert not at.exception
    assert any("'Rouen' is not a number" in e for e in _errors(at))
    at.multiselect(key="group_cols").set_value(["nom_poll"])  # too few to identify a series
    at.selectbox(key="value_col").set_value("valeur").run()
    assert not at.exception
    assert any("duplicated" in e for e in _errors(at))
    assert not at.button  # nothing to train until the roles fit


# ---------------------------------------------------------------- helpers


def test_suggest_roles_is_the_scripts_key_in_table_order():
    df, _ = read_table(REPO / "example.csv")
    time_col, groups, value, problem = webapp.suggest_roles(df)
    assert (time_col, groups, value, problem) == (
        "date_debut", ["nom_poll", "code_station"], "valeur", None)
    assert webapp.suggest_roles(pd.DataFrame({"a": ["x", "y"], "b": ["1", "2"]}))[3]


def test_example_bytes_is_the_shipped_file():
    assert webapp.example_bytes() == (REPO / "example.csv").read_bytes()
    assert list(build_example().columns) == EXAMPLE_COLUMNS


def test_materialise_keeps_the_extension(tmp_path):
    path = webapp.materialise("../../my data.XLSX", b"abc")
    assert path.suffix == ".xlsx" and path.read_bytes() == b"abc"
    assert "datamime-app" in str(path) and ".." not in path.name


def test_downloads_and_model_zip(tiny_csv, tmp_path):
    syn = Synthesizer(model="seasonal_bootstrap", seed=0, verbose=False).fit(tiny_csv)
    generated = syn.generate(length=10)
    table = generated.table()
    csv = webapp.table_bytes(generated, syn.schema, ".csv")
    assert csv.splitlines()[0] == b"site;sensor;time;value"
    assert len(csv.splitlines()) == 1 + 4 * 10
    archive = webapp.model_zip(syn)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert "datamime-model/model.npz" in z.namelist()
        z.extractall(tmp_path)
    again = Synthesizer.load(tmp_path / "datamime-model", verbose=False).sample(length=10)
    pd.testing.assert_frame_equal(again, table)


@pytest.mark.parametrize(
    ("metrics", "kind", "words"),
    [
        ({"discriminative_score": 0.05, "discriminative_accuracy": 0.55}, "match", "Hard to tell"),
        ({"discriminative_score": 0.3, "discriminative_accuracy": 0.8}, "differ", "Easy to tell"),
        ({"discriminative_score": 0.2, "discriminative_accuracy": 0.3}, "differ", "copies"),
        ({"copy_share": 0.5, "dcr_ratio": 0.1}, "differ", "exact copies"),
        ({"wasserstein": 0.1}, "match", "same levels"),
        ({"daily_profile_error": 0.9}, "differ", "daily cycle"),
    ],
)
def test_describe_evaluation(metrics, kind, words):
    sentences = webapp.describe_evaluation(metrics, "h")
    assert any(k == kind and words in text for k, text in sentences), sentences


def test_summary_counts_gaps():
    from datamime.data.panel import Panel

    values = np.array([[1.0, np.nan], [2.0, 5.0], [np.nan, 7.0]])
    panel = Panel(values=values, index=pd.date_range("2024-01-01", periods=3, freq="h"),
                  keys=pd.DataFrame({"id": ["a", "b"]}), freq="h")
    table = webapp.series_summary(panel)
    assert table["gaps"].tolist() == [1, 1] and table["max"].tolist() == [2.0, 7.0]
    assert webapp.overview(panel, _schema())["Gaps"] == "2 (33.3%)"
    assert webapp.filter_series(panel.keys, {"id": ["b"]}).tolist() == [1]
    assert webapp.filter_series(panel.keys, {"id": []}).tolist() == [0, 1]


def _schema():
    from datamime.data.schema import Schema

    return Schema(time="t", groups=["id"], value="v", sep=";", decimal=".", date_format="%Y",
                  freq="h", categories={"id": ["a", "b"]}, integer=True, min=1.0, max=7.0,
                  n_series=2, start="2024-01-01", end="2024-01-01T02:00")


def test_uploads_untouched_for_a_day_are_deleted(tmp_path):
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "table.csv").write_text("a;b\n1;2\n")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert webapp.forget_old_uploads(tmp_path) == 1
    assert not old.exists() and (fresh / "table.csv").is_file()


def test_small_multiple_titles_stay_in_their_panels(monkeypatch):
    """The pixel check the browser test uses finds titles run together, and
    :func:`small_multiples` shortens a label too wide for its panel."""
    from datamime.app import explore
    from tests.pixels import title_overflow

    index = pd.date_range("2022-06-21", periods=48, freq="h")
    values = np.random.default_rng(0).uniform(0, 90, (48, 8))
    long = [f"Seine Maritime / Saint Romain de Colbosc / 76647 / 50{i} / Periurbaine / SO2"
            for i in range(8)]
    where = title_overflow(webapp.figure_png(webapp.small_multiples(index, values, long)))
    assert where == {"panels": 8, "untitled": [], "outside": []}
    assert explore.fit_title(long[0], 150).endswith("\u2026")
    assert explore.fit_title("CAE \u00b7 NO2", 150) == "CAE \u00b7 NO2"
    monkeypatch.setattr(explore, "fit_title", lambda label, room: label)  # as before
    where = title_overflow(webapp.figure_png(webapp.small_multiples(index, values, long)))
    assert where["panels"] == 8 and where["outside"]  # the long titles run together
