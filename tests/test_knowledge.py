import numpy as np
import pandas as pd
import pytest

from datamime.errors import DataError
from datamime.knowledge import factors, parse


def test_knowledge_month_factors_per_group_relative_to_sample():
    know = parse({"yearly": {"nom_poll": {"O3": {"jan": 0.5, "jun": 1.5}}}})
    sample = pd.date_range("2022-06-01", periods=72, freq="h")
    index = pd.date_range("2023-01-01", "2023-12-31 23:00", freq="h")
    f = factors(know, index, [{"nom_poll": "O3"}, {"nom_poll": "NO2"}], sample)
    assert f[index.month == 6, 0] == pytest.approx(1.0)
    assert f[index.month == 1, 0] == pytest.approx(0.5 / 1.5)
    assert np.all(f[:, 1] == 1.0)


def test_knowledge_malformed_names_the_key():
    with pytest.raises(DataError, match="weekly"):
        parse({"weekly": {"sunday2": 0.7}})
    with pytest.raises(DataError, match="yearly.nom_poll.O3.jan"):
        parse({"yearly": {"nom_poll": {"O3": {"jan": -1}}}})


def test_knowledge_weekly_and_global_yearly_keep_sample_level():
    know = parse({"yearly": {"january": 2.0, "july": 1.0}, "weekly": {"sun": 0.5}})
    sample = pd.date_range("2022-07-04", periods=72, freq="h")  # Mon-Wed in July
    index = pd.date_range("2023-01-01", "2023-12-31 23:00", freq="h")
    f = factors(know, index, [{}], sample)[:, 0]
    jul_weekday = (index.month == 7) & (index.dayofweek < 5)
    assert f[jul_weekday] == pytest.approx(1.0)
    assert f[(index.month == 7) & (index.dayofweek == 6)] == pytest.approx(0.5)
    assert f[(index.month == 1) & (index.dayofweek == 2)] == pytest.approx(2.0)


def test_knowledge_hook_scales_sampled_year_and_none_changes_nothing():
    from datamime import Synthesizer
    from datamime.data.synthetic import make_panel

    syn = Synthesizer("seasonal_bootstrap", verbose=False).fit(make_panel(n_groups=2, length=72))
    start = syn.panel.index[0]
    plain = syn.sample(length=24 * 60, start=start, seed=1, privacy="off")
    again = syn.sample(length=24 * 60, start=start, seed=1, privacy="off")
    pd.testing.assert_frame_equal(plain, again)
    syn.knowledge = parse({"weekly": {"sun": 0.5}})
    scaled = syn.sample(length=24 * 60, start=start, seed=1, privacy="off")
    value = [c for c in plain.columns if pd.api.types.is_float_dtype(plain[c])][0]
    assert scaled[value].sum() < plain[value].sum()
