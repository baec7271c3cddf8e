"""Knowledge for what the sample cannot show (datamime/knowledge.py, issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datamime import pipeline
from datamime.data.synthetic import make_panel
from datamime.errors import DataError
from datamime.knowledge import factors, in_effect, load, parse, yearly_curve
from datamime.sketch import sketch_table
from datamime.synthesizer import Synthesizer
from tests.conftest import REPO, compose_config

YEAR = pd.date_range("2023-01-01", "2023-12-31 23:00", freq="h")
JUNE_3_DAYS = pd.date_range("2022-06-14", periods=72, freq="h")  # Tue-Thu, mid-June


def monthly(f: np.ndarray, index: pd.DatetimeIndex = YEAR) -> np.ndarray:
    return pd.DataFrame(f, index=index).groupby(index.month).mean().to_numpy()


def test_month_factors_per_group_relative_to_the_sample():
    know = parse({"yearly": {"nom_poll": {"O3": {"jan": 0.5, "jun": 1.5, "dec": 0.5}}}})
    f = factors(know, YEAR, [{"nom_poll": "O3"}, {"nom_poll": "NO2"}], JUNE_3_DAYS)
    m = monthly(f)
    assert m[5, 0] == pytest.approx(1.0, abs=0.03)          # the sample's month keeps its level
    assert m[0, 0] == pytest.approx(0.5 / 1.5, rel=0.05)     # January: jan / jun
    assert np.all(np.diff(m[:6, 0]) > 0) and np.all(np.diff(m[6:, 0]) < 0)  # smooth, no bumps
    assert np.all(f[:, 1] == 1.0)                            # NO2 not listed: unchanged
    # a factor of 1 over the sample's own dates, exactly
    on_sample = factors(know, JUNE_3_DAYS, [{"nom_poll": "O3"}], JUNE_3_DAYS)
    assert on_sample.mean() == pytest.approx(1.0)


def test_day_of_year_anchors_global_join_smoothly_round_the_year():
    know = parse({"yearly": {1: 0.6, 182: 1.3}})
    same = parse({"yearly": {"01-01": 0.6, "07-01": 1.3}})
    sample = pd.date_range("2022-07-01", periods=24, freq="h")
    f = factors(know, YEAR, [{}, {}], sample)
    np.testing.assert_allclose(f, factors(same, YEAR, [{}, {}], sample))
    assert np.all(f[:, 0] == f[:, 1])                        # global: every series
    day = f[:, 0].reshape(365, 24).mean(1)
    assert day[0] == pytest.approx(0.6 / 1.3, rel=0.01)      # 1 January: the anchors' ratio
    assert day.max() == pytest.approx(1.0, rel=0.01) and day.argmax() in (180, 181, 182)
    steps = np.abs(np.diff(np.r_[f[:, 0], f[0, 0]]))         # 31 Dec 23:00 -> 1 Jan 00:00 too
    assert steps.max() < 0.002                               # no jump anywhere, New Year included
    curve = yearly_curve(know["yearly"][None][None], np.linspace(0, 365, 1000))
    assert curve.min() >= 0.6 - 1e-9 and curve.max() <= 1.3 + 1e-9  # no overshoot


def test_holidays_of_two_countries_take_the_like_days_factor():
    fr = parse({"weekly": {"sun": 0.6}, "holidays": "FR"})
    de = parse({"weekly": {"sun": 0.6}, "holidays": {"country": "DE", "subdiv": "BY"}})
    sample = pd.date_range("2023-06-05", periods=72, freq="h")  # Mon-Wed, no holiday
    day = pd.date_range("2023-01-01", "2023-12-31", freq="D")
    f_fr, f_de = factors(fr, day, [{}], sample)[:, 0], factors(de, day, [{}], sample)[:, 0]

    def on(f, date):
        return f[day.get_loc(pd.Timestamp(date))]

    assert on(f_fr, "2023-07-14") == pytest.approx(0.6)      # Bastille Day, a Friday
    assert on(f_de, "2023-07-14") == pytest.approx(1.0)
    assert on(f_de, "2023-10-03") == pytest.approx(0.6)      # German Unity Day, a Tuesday
    assert on(f_fr, "2023-10-03") == pytest.approx(1.0)
    assert on(f_de, "2023-01-06") == pytest.approx(0.6)      # Epiphany: Bavaria only
    assert on(factors(parse({"weekly": {"sun": 0.6}, "holidays": "DE"}), day, [{}], sample)[:, 0],
              "2023-01-06") == pytest.approx(1.0)
    like_sat = parse({"weekly": {"sat": 0.8, "sun": 0.6},
                      "holidays": {"country": "FR", "like": "saturday"}})
    assert on(factors(like_sat, day, [{}], sample)[:, 0], "2023-07-14") == pytest.approx(0.8)


@pytest.mark.parametrize("bad, key", [
    ({"weekly": {"sunday2": 0.7}}, "weekly: unknown day 'sunday2'"),
    ({"yearly": {"nom_poll": {"O3": {"jan": -1}}}}, "yearly.nom_poll.O3.jan"),
    ({"yearly": {"jan": 1, 40: 2}}, "mixes months and days"),
    ({"yearly": {"nom_poll": {False: {"jan": 2}}}}, "quote the value"),
    ({"holidays": "XX"}, "holidays.country"),
    ({"holidays": {"country": "FR", "like": "someday"}}, "holidays.like"),
    ({"trend": "lots"}, "trend"),
    ({"season": 1}, "season: unknown key"),
])
def test_malformed_knowledge_names_the_key(bad, key):
    with pytest.raises(DataError, match=key.replace(".", r"\.").replace("(", r"\(")):
        parse(bad)


def test_malformed_file_is_one_line_naming_the_key_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("yearly:\n  nom_poll:\n    O3: {jan: 0.5, julyy: 1.3}\n")
    cfg = compose_config("train", ["data=example", "model=seasonal_bootstrap",
                                   f"knowledge={bad}", f"model_dir={tmp_path / 'm'}"])
    with pytest.raises(SystemExit) as exc:
        pipeline.run(pipeline.train, cfg)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "yearly.nom_poll.O3" in err[0] and "julyy" in err[0]
    assert not (tmp_path / "m").exists()
    bad.write_text("yearly: [1, 2\n")
    with pytest.raises(SystemExit):
        pipeline.run(pipeline.train, cfg)
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "line" in line and str(bad) in line


def _fit(length: int = 72, start: str = "2024-06-17", **kw) -> Synthesizer:
    table = make_panel(n_groups=3, length=length, start=start, seed=1)
    table["value"] = table["value"].clip(lower=0)
    return Synthesizer("seasonal_bootstrap", verbose=False).fit(table, **kw)


def test_without_knowledge_output_is_unchanged_and_all_ones_change_nothing():
    syn = _fit()
    plain = syn.sample(start="2024-01-01", end="2024-12-31", seed=4, privacy="off")
    fresh = _fit(knowledge=None).sample(start="2024-01-01", end="2024-12-31", seed=4,
                                        privacy="off")
    pd.testing.assert_frame_equal(plain, fresh)
    ones = {"yearly": {m: 1 for m in ("jan", "apr", "jul", "oct")},
            "weekly": {d: 1.0 for d in ("mon", "sun")}, "holidays": "FR"}
    syn.use_knowledge(ones)
    same = syn.sample(start="2024-01-01", end="2024-12-31", seed=4, privacy="off")
    pd.testing.assert_frame_equal(plain, same)
    syn.use_knowledge({"weekly": {"sun": 0.5}})
    scaled = syn.sample(start="2024-01-01", end="2024-12-31", seed=4, privacy="off")
    sunday = pd.DatetimeIndex(scaled["time"]).day_of_week == 6
    assert scaled.loc[sunday, "value"].sum() < 0.6 * plain.loc[sunday, "value"].sum()
    assert scaled.loc[~sunday, "value"].sum() == pytest.approx(plain.loc[~sunday, "value"].sum())
    assert (scaled["value"] >= 0).all()                      # the rules still hold after


def test_a_sample_of_two_weeks_learns_its_week_and_ignores_the_files():
    syn = _fit(length=24 * 15, start="2024-06-03")
    plain = syn.sample(start="2024-01-01", end="2024-03-31", seed=2, privacy="off")
    syn.use_knowledge({"weekly": {"sat": 0.5, "sun": 0.3}, "yearly": {"jan": 2, "jun": 1}})
    said = syn.describe_knowledge()
    assert "weekly: from the sample (the file's ignored)" in said
    assert "yearly: from knowledge (dict)" in said and "spans 15 days" in said
    known = syn.sample(start="2024-01-01", end="2024-03-31", seed=2, privacy="off")
    ratio = known["value"].to_numpy() / np.maximum(plain["value"].to_numpy(), 1e-9)
    times = pd.DatetimeIndex(known["time"])
    ok = plain["value"].to_numpy() > 1
    weekend, weekday = ok & (times.day_of_week >= 5), ok & (times.day_of_week < 5)
    # only the yearly factor acts: weekends scaled exactly as weekdays of the same month
    for month in (1, 2, 3):
        m = times.month == month
        assert np.median(ratio[weekend & m]) == pytest.approx(np.median(ratio[weekday & m]),
                                                              rel=0.02)


def test_holidays_with_the_samples_week_take_its_sunday():
    table = make_panel(n_groups=2, length=24 * 21, start="2024-06-03", seed=1)
    table["value"] = table["value"].clip(lower=0)
    times = pd.DatetimeIndex(table["time"])
    table.loc[times.day_of_week == 6, "value"] *= 0.5           # the sample's Sundays: half
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(table)
    plain = syn.sample(start="2024-07-08", end="2024-07-21", seed=0, privacy="off")
    syn.use_knowledge({"holidays": "FR"})
    assert "holidays: FR from knowledge (dict), each like a Sunday (the sample's" in \
        syn.describe_knowledge()
    known = syn.sample(start="2024-07-08", end="2024-07-21", seed=0, privacy="off")
    day = pd.DatetimeIndex(known["time"]).normalize()
    bastille = day == pd.Timestamp("2024-07-14")              # a Sunday in 2024: unchanged
    pd.testing.assert_frame_equal(known[bastille], plain[bastille])
    syn2 = Synthesizer("seasonal_bootstrap", verbose=False).fit(table)
    syn2.use_knowledge({"holidays": "FR"})
    year = syn2.sample(start="2023-07-10", end="2023-07-16", seed=0, privacy="off")
    base = Synthesizer("seasonal_bootstrap", verbose=False).fit(table).sample(
        start="2023-07-10", end="2023-07-16", seed=0, privacy="off")
    day = pd.DatetimeIndex(year["time"]).normalize()
    friday = day == pd.Timestamp("2023-07-14")                # a Friday in 2023: like a Sunday
    ratio = year.loc[friday, "value"].sum() / base.loc[friday, "value"].sum()
    assert ratio == pytest.approx(0.5, abs=0.08)
    pd.testing.assert_frame_equal(year[~friday], base[~friday])


def test_save_load_keeps_the_knowledge_and_sampling_can_replace_it(tmp_path):
    syn = _fit(knowledge={"yearly": {"jan": 0.5, "jun": 1.5}})
    before = syn.sample(start="2024-01-01", length=24 * 40, seed=3, privacy="off")
    syn.save(tmp_path / "m")
    assert (tmp_path / "m" / "knowledge.json").is_file()
    back = Synthesizer.load(tmp_path / "m", verbose=False)
    assert back.knowledge["source"] == "knowledge (dict)"
    pd.testing.assert_frame_equal(before, back.sample(start="2024-01-01", length=24 * 40,
                                                      seed=3, privacy="off"))
    back.use_knowledge(None)
    plain = back.sample(start="2024-01-01", length=24 * 40, seed=3, privacy="off")
    assert plain["value"].mean() > 2.5 * before["value"].mean()  # January at 1/3 of June
    back.save(tmp_path / "m")                                     # no knowledge: file removed
    assert not (tmp_path / "m" / "knowledge.json").exists()


def test_pipeline_knowledge_at_training_and_at_sampling(tmp_path, capsys):
    model = tmp_path / "m"
    cfg = compose_config("train", ["data=example", "model=seasonal_bootstrap",
                                   "knowledge=knowledge/air_pollution.yaml",
                                   f"model_dir={model}"])
    pipeline.train(cfg)
    said = capsys.readouterr().out
    assert "weekly: from knowledge/air_pollution.yaml; yearly: from knowledge/air_pollution" \
           ".yaml; holidays: FR" in said
    assert "too short to show a weekly" not in said                # filled: not "has none"

    def year(*extra):
        cfg = compose_config("sample", [f"model_dir={model}", "start=2023-01-01",
                                        "end=2023-12-31", f"out={tmp_path / 'y.csv'}",
                                        "plot=false", "privacy=off", *extra])
        return pipeline.sample(cfg)[1]["generated"].table()

    kept, none = year(), year("knowledge=false")
    assert "(kept with the model)" in capsys.readouterr().out
    o3 = kept["nom_poll"] == "O3"
    month = pd.DatetimeIndex(kept["date_debut"]).month
    ratio = kept[o3].groupby(month[o3])["valeur"].mean() / none[o3].groupby(month[o3])[
        "valeur"].mean()
    assert ratio[1] == pytest.approx(0.6 / 1.3, rel=0.15) and ratio[6] == pytest.approx(1, rel=0.1)


def test_shipped_file_is_found_outside_the_repository_and_matches_the_example(tmp_path,
                                                                             monkeypatch):
    root = load(REPO / "knowledge" / "air_pollution.yaml")
    monkeypatch.chdir(tmp_path)
    shipped = load("knowledge/air_pollution.yaml")
    assert shipped["raw"] == root["raw"]
    assert set(shipped["yearly"]["nom_poll"]) == {"O3", "NO2", "NO", "PM10", "PM2.5", "SO2", "CO"}
    example = pd.read_csv(REPO / "example.csv", sep=";")
    assert set(example["nom_poll"]) <= set(shipped["weekly"]["nom_poll"])
    assert shipped["holidays"]["country"] == "FR"


def test_sketch_takes_yearly_and_holidays_through_the_same_parser():
    sketch = {"freq": "h", "days": 14, "start": "2024-07-08",
              "columns": {"groups": ["pollutant"]},
              "series": [{"pollutant": "O3", "typical": 50, "spread": 1, "weekly": {"sun": 0.5}}],
              "yearly": {"pollutant": {"O3": {"jan": 0.5, "jul": 1.0}}}, "holidays": "FR"}
    table, roles = sketch_table(sketch)
    day = pd.DatetimeIndex(table["time"]).normalize()
    assert table.loc[day == pd.Timestamp("2024-07-14"), "value"].mean() == pytest.approx(25, abs=2)
    assert roles["knowledge"]["holidays"]["country"] == "FR"
    syn = Synthesizer("seasonal_bootstrap", verbose=False)
    syn.fit(table, groups=roles["groups"])
    syn.use_knowledge(roles["knowledge"])
    assert in_effect(syn.knowledge, [])["yearly"]["pollutant"]["O3"][1] == [0.5, 1.0]
    with pytest.raises(DataError, match=r"sketch \(dict\): yearly\.pollutant\.O3\.jan"):
        sketch_table({**sketch, "yearly": {"pollutant": {"O3": {"jan": "low"}}}})
    with pytest.raises(DataError, match="yearly.station: the sample has no identifying column"):
        sketch_table({**sketch, "yearly": {"station": {"A": {"jan": 2}}}})


def test_app_section_edits_factors_draws_the_profile_and_generates_with_them(tmp_path):
    from streamlit.testing.v1 import AppTest

    from datamime import app as webapp

    at = AppTest.from_file(str(REPO / "datamime" / "app" / "main.py"), default_timeout=180)
    at.run()
    at.radio(key="source").set_value(webapp.SOURCE_EXAMPLE).run()
    at.selectbox(key="model").set_value("seasonal_bootstrap").run()
    at.button(key="train").click().run()
    assert not at.exception and not at.error
    assert any(h.value == "What the sample cannot show" for h in at.header)
    at.checkbox(key="know_on").check().run()
    at.selectbox(key="know_start").set_value("Air pollution (shipped file)").run()
    at.selectbox(key="know_country").set_value("FR").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="know_col").value == "nom_poll"
    assert any("holidays: FR from knowledge (dict), each like a Sunday" in c.value
               for c in at.caption)
    profile = at.session_state["know_profile"]                    # drawn before generating
    assert profile.loc["jan", "O3"] == pytest.approx(0.6 / 1.3, rel=0.1)
    assert profile.loc["jan", "NO2"] == pytest.approx(1.25 / 0.8, rel=0.1)
    at.radio(key="range_mode").set_value(webapp.RANGE_DATES).run()
    at.date_input(key="start").set_value(pd.Timestamp("2024-01-01").date())
    at.date_input(key="end").set_value(pd.Timestamp("2024-01-31").date())
    at.button(key="generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    import io

    table = pd.read_csv(io.BytesIO(at.session_state["generated_csv"]), sep=";")
    sample = pd.read_csv(REPO / "example.csv", sep=";")
    o3 = (table.loc[table["nom_poll"] == "O3", "valeur"].mean()
          / sample.loc[sample["nom_poll"] == "O3", "valeur"].mean())
    assert o3 == pytest.approx(0.6 / 1.3, rel=0.2)                # January ozone, from the file
    # the model downloaded beside the table draws it again, knowledge included
    import zipfile

    from datamime import Synthesizer

    with zipfile.ZipFile(io.BytesIO(at.session_state["result"]["model_zip"])) as z:
        z.extractall(tmp_path)
    back = Synthesizer.load(tmp_path / "datamime-model", verbose=False)
    assert back.knowledge is not None and "FR" in back.describe_knowledge()


def test_app_tables_round_trip_to_a_knowledge_mapping():
    from datamime.app.knowledge_tables import from_tables, month_table, week_table

    shipped = load("knowledge/air_pollution.yaml")
    months = month_table(shipped, "nom_poll", ["O3", "NO2"])
    assert months.loc["O3", "jul"] == pytest.approx(1.3) and months.loc["NO2", "jan"] == 1.25
    months.loc["NO2", "jan"] = 2.0                                # an edit in the table
    week = week_table(shipped, "nom_poll", ["O3", "NO2"])
    know = parse(from_tables("nom_poll", months, week, "DE", "BY"))
    f = factors(know, YEAR, [{"nom_poll": "NO2"}, {"nom_poll": "O3"}], JUNE_3_DAYS)
    assert monthly(f)[0, 0] == pytest.approx(2.0 / 0.8, rel=0.06)
    assert know["holidays"] == {"country": "DE", "subdiv": "BY", "like": 6}
    flat = parse(from_tables(None, month_table(None, None, ["all"]),
                             week_table(None, None, ["all"]), None))
    assert np.all(factors(flat, YEAR, [{}], JUNE_3_DAYS) == 1.0)


def test_data_wins_for_a_year_from_two_years_of_sample():
    know = parse({"yearly": {"jan": 0.5, "jul": 1.5}, "weekly": {"sun": 0.5}, "holidays": "FR"})
    both = in_effect(know, ["day", "week", "year"])
    assert both["yearly"] == {} and both["weekly"] == {}
    f = factors(both, YEAR, [{}], pd.date_range("2020-01-01", "2021-12-31", freq="D"),
                sample_week=np.ones((7, 1)))
    assert np.all(f == 1.0)            # both cycles learned; holidays take the sample's week
    from datamime.knowledge import describe

    said = describe(know, ["day", "week", "year"], "2 years")
    assert "weekly: from the sample (the file's ignored); yearly: from the sample (the " \
           "file's ignored); holidays: FR" in said and "the sample's weekday factors" in said
    assert "yearly: none (neither the sample nor the file shows one)" in describe(
        parse({"weekly": {"sun": 0.5}}), ["day"], "3 days")


def test_a_sketch_file_with_yearly_keeps_it_with_the_model(tmp_path):
    import yaml

    sketch = {"days": 14, "start": "2024-07-08", "columns": {"groups": ["pollutant"]},
              "series": [{"pollutant": ["O3", "NO2"], "typical": 40, "spread": 2}],
              "yearly": {"pollutant": {"O3": {"jan": 0.5, "jul": 1.0}}}, "holidays": "FR"}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(sketch))
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(str(path))
    said = syn.describe_knowledge()
    assert f"yearly: from sketch {path}" in said and "weekly: from the sample" in said
    jan = syn.sample(start="2025-01-01", end="2025-01-31", seed=0, privacy="off")
    o3 = jan.loc[jan["pollutant"] == "O3", "value"].mean()
    no2 = jan.loc[jan["pollutant"] == "NO2", "value"].mean()
    assert o3 / no2 == pytest.approx(0.5, rel=0.1)
    syn.save(tmp_path / "m")
    assert Synthesizer.load(tmp_path / "m", verbose=False).knowledge["raw"] == {
        k: sketch[k] for k in ("yearly", "holidays")}


def test_bad_knowledge_through_the_script_prints_no_traceback(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("holidays: {country: FR, like: someday}\n")
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "train.py"), "data=example",
                          "model=seasonal_bootstrap", f"knowledge={bad}",
                          f"model_dir={tmp_path / 'm'}", "verbose=false"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 2
    assert run.stderr.strip() == (f"datamime: error: knowledge {bad}: holidays.like: unknown "
                                  "day 'someday'; use mon ... sun")


def test_done_when_a_year_follows_the_shipped_file(tmp_path):
    """Issue 13's check with a fast baseline (the README's figures use the default model)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("knowledge_check",
                                                  REPO / "scripts" / "knowledge_check.py")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(
        str(REPO / "example.csv"), time="date_debut", groups=["nom_poll", "nom_com",
                                                            "code_station"],
        value="valeur", knowledge="knowledge/air_pollution.yaml")
    year = syn.sample(start="2023-01-01", end="2023-12-31", seed=0, privacy="off")
    figures, info = check.measure(syn, year)
    assert info["holidays_on_working_days"] == 9 and set(figures.index) == {
        "NO", "NO2", "O3", "PM10", "PM2.5"}
    assert (figures["month_max_err"] < 0.10).all(), figures["month_max_err"]
    assert np.allclose(figures["sunday_measured"], figures["sunday_file"], atol=0.08)
    assert np.allclose(figures["holiday_measured"], figures["sunday_file"], atol=0.12)
    assert np.allclose(figures["sample_dates_vs_without"], 1.0, atol=0.01)
