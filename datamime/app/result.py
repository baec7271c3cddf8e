"""**Result**: the generated table, generated vs real plots, the evaluation in plain
words and the downloads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from datamime.app.common import series_labels
from datamime.synthesizer import Synthesizer
from datamime.timegrid import fixed_step


def describe_evaluation(metrics: dict[str, Any], freq: str) -> list[tuple[str, str]]:
    """The evaluation in sentences: ``(kind, text)`` with kind ``match``, ``differ`` or ``note``."""
    out: list[tuple[str, str]] = []

    def get(name: str) -> float | None:
        value = metrics.get(name)
        return None if value is None or not np.isfinite(value) else float(value)

    score, acc = get("discriminative_score"), get("discriminative_accuracy")
    if score is None or acc is None:
        out.append(("note", "The sample is too short for the real-vs-generated classifier test "
                            "(it needs at least 10 days of windows)."))
    elif acc < 0.4:
        out.append(("differ", f"A classifier telling real days from generated ones is right only "
                              f"{acc:.0%} of the time, less than chance: generated days may be "
                              "near-copies of real ones."))
    elif score < 0.1:
        out.append(("match", f"Hard to tell apart: a classifier trained to tell real days from "
                             f"generated ones is right {acc:.0%} of the time (50% is a coin "
                             "toss)."))
    elif score < 0.25:
        out.append(("differ", f"Somewhat told apart: a classifier spots generated days "
                              f"{acc:.0%} of the time (50% would be a coin toss). More training "
                              "epochs often help."))
    else:
        out.append(("differ", f"Easy to tell apart: a classifier spots generated days {acc:.0%} "
                              "of the time. Train longer or try another model."))

    def judge(value: float | None, good: bool, match: str, differ: str) -> None:
        """One sentence for a metric the sample allows: ``match`` when ``good``."""
        if value is not None:
            out.append(("match", match) if good else ("differ", differ))

    w = get("wasserstein")
    judge(w, w is not None and w < 0.25,
          f"The values have the same levels and spread as the sample (distribution gap "
          f"{w or 0:.2f} standard deviations).",
          f"The distribution of values differs from the sample's (gap {w or 0:.2f} standard "
          "deviations; under 0.25 is close).")

    step = fixed_step(freq)
    cycle = ("daily cycle (mean by hour)" if step is not None and step < pd.Timedelta(days=1)
             else "weekly cycle (mean by day)")
    p = get("daily_profile_error")
    judge(p, p is not None and p < 0.3,
          f"The {cycle} follows the sample's (gap {p or 0:.2f} standard deviations).",
          f"The {cycle} is off (gap {p or 0:.2f} standard deviations; under 0.3 is close).")

    a = get("acf_distance")
    judge(a, a is not None and a < 0.15,
          f"Short-term behaviour (how each value follows the previous ones) is like the "
          f"sample's (autocorrelation gap {a or 0:.2f}).",
          f"Short-term behaviour differs: the generated series are smoother or noisier than "
          f"the sample (autocorrelation gap {a or 0:.2f}; under 0.15 is close).")

    c = get("correlation_error")
    judge(c, c is not None and c < 0.2,
          f"Series move together as in the sample (correlation gap {c or 0:.2f}).",
          f"The way series move together differs from the sample (correlation gap "
          f"{c or 0:.2f}; under 0.2 is close).")

    r = get("tstr_trtr")
    judge(r, r is not None and r <= 1.25,
          f"Useful for modelling: a forecaster trained on generated data does about as well "
          f"on real data as one trained on real data (error ratio {r or 0:.2f}, 1 is ideal).",
          f"A forecaster trained on generated data does worse on real data than one trained "
          f"on real data (error ratio {r or 0:.2f}, 1 is ideal).")

    copies, dcr = get("copy_share"), get("dcr_ratio")
    if copies is not None and copies > 0:
        out.append(("differ", f"{copies:.0%} of the generated days are exact copies of real "
                              "days: do not share them as if they were anonymous."))
    elif dcr is not None and dcr < 0.5:
        out.append(("differ", f"Generated days are much closer to real days than real days are "
                              f"to each other (ratio {dcr:.2f}): the model may memorise the "
                              "sample."))
    elif dcr is not None:
        out.append(("match", f"Generated days are new, not copies of real ones (closeness "
                             f"ratio {dcr:.2f}; about 1 is ideal)."))
    return out


def metrics_table(metrics: dict[str, Any]) -> pd.DataFrame:
    """The aggregate metrics with their one-line descriptions."""
    from datamime.evaluation.report import METRIC_DESCRIPTIONS

    rows = [{"metric": name, "value": metrics.get(name), "meaning": text}
            for name, text in METRIC_DESCRIPTIONS.items() if metrics.get(name) is not None]
    return pd.DataFrame(rows, columns=["metric", "value", "meaning"])



def result_section(syn: Synthesizer, result: dict) -> None:
    """The Result section: the table, generated vs real, the evaluation, the downloads."""
    panel, schema = syn.panel, syn.schema
    table = result["table"]
    st.header("Result")
    n_steps = len(table) // max(panel.n_series, 1)
    c = st.columns(4)
    c[0].metric("Rows", f"{len(table):,}")
    c[1].metric("Series", f"{panel.n_series:,}")
    c[2].metric("Steps per series", f"{n_steps:,}")
    c[3].metric("Generated in", f"{result['seconds']:.1f} s")
    st.dataframe(table.head(1000), hide_index=True, width="stretch", height=250)
    with st.expander("First lines of the CSV file"):
        st.code("\n".join(result["csv"].decode("utf-8", "replace").splitlines()[:8]),
                language=None)

    st.subheader("Generated vs real")
    labels = series_labels(panel.keys)
    default = np.unique(np.linspace(0, panel.n_series - 1, min(6, panel.n_series))
                        .round().astype(int))
    options = list(range(panel.n_series))
    picks = st.multiselect("Series to compare", options, default=[int(i) for i in default],
                           format_func=lambda i: labels[i], key="compare_series",
                           max_selections=12)
    if picks:
        from datamime.preview import preview_png

        gen = result["generated"]
        st.image(preview_png(panel.index, panel.values[:, picks], gen.index,
                             gen.masked()[:, picks], [labels[i] for i in picks],
                             n=len(picks)), width="stretch")

    st.subheader("How close is it?")
    st.caption("A second draw over the sample's own dates, compared with the sample series "
               "by series. With only a few days of sample, these figures are rough.")
    sentences = describe_evaluation(result["metrics"], schema.freq)
    good = [t for k, t in sentences if k == "match"]
    bad = [t for k, t in sentences if k == "differ"]
    notes = [t for k, t in sentences if k == "note"]
    if good:
        st.markdown("**What matches**\n" + "\n".join(f"- :green[✔] {t}" for t in good))
    if bad:
        st.markdown("**What differs**\n" + "\n".join(f"- :orange[✘] {t}" for t in bad))
    for note in notes:
        st.caption(note)
    with st.expander("All metrics"):
        st.dataframe(metrics_table(result["metrics"]), hide_index=True, width="stretch")

    st.subheader("Download")
    d = st.columns(3)
    d[0].download_button("Download CSV", result["csv"], file_name=result["csv_name"],
                         mime="text/csv", key="download_csv", type="primary",
                         on_click="ignore")
    d[1].download_button("Download Parquet", result["parquet"],
                         file_name=result["parquet_name"], mime="application/octet-stream",
                         key="download_parquet", on_click="ignore")
    d[2].download_button("Download the trained model (.zip)",
                         result["model_zip"],
                         file_name="datamime-model.zip", mime="application/zip",
                         key="download_model", on_click="ignore",
                         help="Unzip, then: datamime sample model_dir=datamime-model ...")

