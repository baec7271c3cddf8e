"""**New data settings**, **What the sample cannot show** and the draw itself, with
the downloads written by the output stage as the scripts write them."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from datamime.app import knowledge_tables
from datamime.app.common import figure_png
from datamime.data.panel import Panel
from datamime.data.schema import Schema
from datamime.errors import DatamimeError, SamplingError
from datamime.output import Generated, OutputFormat, write
from datamime.synthesizer import Synthesizer

RANGE_DATES, RANGE_STEPS = "Start and end dates", "Start date and a number of steps"
MAX_ROWS = 20_000_000  # generated rows (series x steps) the app accepts at once
OUTPUT_KEYS = ("integer", "positive", "range_mode", "start", "end", "length", "sample_seed",
               "compare_series")


def table_bytes(generated: Generated, schema: Schema, ext: str = ".csv") -> bytes:
    """The generated rows as a file in the sample's format (``.csv``) or ``.parquet``,
    written by the output stage (:func:`datamime.output.write`) as the scripts write it.

    Downloads are opened in spreadsheets: cells that would run as formulas are escaped."""
    with tempfile.TemporaryDirectory(prefix="datamime-out-") as tmp:
        path = Path(tmp) / f"synthetic{ext}"
        write(generated, path, OutputFormat.from_schema(schema), escape=ext != ".parquet")
        return path.read_bytes()


def model_zip(syn: Synthesizer) -> bytes:
    """The trained model (the folder :meth:`Synthesizer.save` writes) as a zip archive."""
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="datamime-model-") as tmp:
        folder = syn.save(Path(tmp) / "model")
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    archive.write(file, f"datamime-model/{file.relative_to(folder)}")
    return buf.getvalue()


def output_settings(schema: Schema, panel: Panel) -> dict[str, Any]:
    """The New data settings section; returns the options of the draw."""
    st.header("New data settings")
    c1, c2 = st.columns(2)
    integer = c1.checkbox("Integer", value=bool(schema.integer), key="integer",
                          help="Whole numbers only (pre-set: the sample's values are "
                               + ("whole)." if schema.integer else "not all whole)."))
    positive = c2.checkbox("Positive", value=bool(schema.min >= 0), key="positive",
                           help="Never below zero (pre-set from the sample's smallest value, "
                                f"{schema.min:g}).")
    mode = st.radio("Range", [RANGE_DATES, RANGE_STEPS], key="range_mode", horizontal=True)
    first = panel.index[0].date()
    year_end = (pd.Timestamp(first) + pd.DateOffset(years=1) - pd.Timedelta(days=1)).date()
    c1, c2, c3 = st.columns(3)
    start = c1.date_input("Start date", value=first, min_value=date(1700, 1, 1),
                          max_value=date(2250, 12, 31), key="start")
    end, length = None, None
    if mode == RANGE_DATES:
        end = c2.date_input("End date", value=year_end, min_value=date(1700, 1, 1),
                            max_value=date(2250, 12, 31), key="end",
                            help="Included: the whole end day is generated.")
    else:
        length = int(c2.number_input("Steps per series", min_value=1, max_value=10_000_000,
                                     value=int(panel.n_steps), step=1, key="length"))
    seed = int(c3.number_input("Variant (seed)", min_value=0, value=0, step=1,
                               key="sample_seed", help="Another number, another dataset."))
    return {"integer": integer, "positive": positive, "start": str(start),
            "end": None if end is None else str(end), "length": length, "seed": seed}


HOLIDAY_COUNTRIES = ("(none)", "FR", "DE", "GB", "BE", "NL", "LU", "CH", "AT", "ES", "IT", "PT",
                     "IE", "DK", "SE", "NO", "FI", "PL", "CZ", "US", "CA")
ALL_SERIES = "(all series)"
STARTS = {"All 1 (nothing known)": None, "Air pollution (shipped file)": "air_pollution.yaml"}


def knowledge_section(syn: Synthesizer, panel: Panel) -> dict | None:
    """The "What the sample cannot show" section: month factors per value of an identifying
    column, weekly factors, the holiday country; the monthly profile drawn; returns the
    knowledge mapping for generation (:mod:`datamime.knowledge`), or None when off."""
    from datamime import knowledge

    st.header("What the sample cannot show")
    st.caption("Seasons, the weekly rhythm and public holidays, if the sample is too short to "
               "show them (a week needs 14 days of sample, a year 2 years): factors relative "
               "to the sample's own dates, so the sample's dates keep its level. A cycle the "
               "sample does show is learned from it and the factors here are ignored.")
    if not st.checkbox("Add what I know", value=False, key="know_on"):
        return None
    columns = [ALL_SERIES, *[c for c in panel.keys.columns]]
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    start = c1.selectbox("Start from", list(STARTS), key="know_start")
    default_col = 1 if len(columns) > 1 else 0
    column = c2.selectbox("Factors per value of", columns, index=default_col, key="know_col",
                          help="An identifying column (one row per value), or all series.")
    country = c3.selectbox("Public holidays", HOLIDAY_COUNTRIES, key="know_country",
                           help="Each holiday behaves like a Sunday.")
    subdiv = c4.text_input("Region (optional)", key="know_subdiv",
                           help="A subdivision code of the holidays package, e.g. BY.")
    column = None if column == ALL_SERIES else column
    values = ([ALL_SERIES] if column is None
              else sorted(dict.fromkeys(panel.keys[column].astype(str))))
    template = knowledge.load(STARTS[start]) if STARTS[start] else None
    tag = f"{start}|{column}"
    st.markdown("**Month factors** (at mid-month; joined smoothly)")
    months = st.data_editor(knowledge_tables.month_table(template, column, values),
                            key=f"know_months|{tag}", width="stretch")
    st.markdown("**Weekday factors**")
    week = st.data_editor(knowledge_tables.week_table(template, column, values),
                          key=f"know_week|{tag}", width="stretch")
    mapping = knowledge_tables.from_tables(column, months, week,
                                    None if country == "(none)" else country,
                                    subdiv.strip() or None)
    try:
        syn.use_knowledge(mapping, say=False)
    except DatamimeError as exc:
        st.error(f"The knowledge cannot be used: {exc}")
        return None
    st.caption(syn.describe_knowledge()[0].upper() + syn.describe_knowledge()[1:] + ".")
    from datamime.timegrid import learnable_periods

    keys = panel.keys.astype(str).to_dict("records") if len(panel.keys.columns) else [{}]
    profile = knowledge.monthly_profile(syn.knowledge, keys, panel.index,
                                        int(panel.index[0].year),
                                        learnable_periods(panel.index, panel.freq))
    labels = (panel.keys[column].astype(str).to_numpy() if column is not None
              else np.array([ALL_SERIES] * len(keys)))
    shown = pd.DataFrame(profile, index=list(knowledge.MONTHS), columns=labels)
    shown = shown.T.groupby(level=0).mean().T.reindex(columns=values)
    st.session_state["know_profile"] = shown
    fig = Figure(figsize=(7, 2.8))
    ax = fig.subplots()
    for name in shown.columns:
        ax.plot(range(1, 13), shown[name].to_numpy(), marker="o", ms=3, label=name)
    ax.axhline(1.0, color="grey", lw=0.8, ls=":")
    ax.set_xticks(range(1, 13), [m.capitalize() for m in knowledge.MONTHS])
    ax.set_ylabel("x the sample's level")
    ax.set_title(f"Monthly mean level in {panel.index[0].year}, relative to the sample",
                 fontsize=10)
    if len(shown.columns) > 1:
        ax.legend(fontsize=7, ncol=4)
    st.image(figure_png(fig), width=640)
    return mapping


def generate(syn: Synthesizer, settings: dict[str, Any], name: str) -> dict | None:
    """Draw the requested range, the evaluation draw, and the downloads."""
    panel, schema = syn.panel, syn.schema
    index = syn.date_range(length=settings["length"], start=settings["start"],
                           end=settings["end"])
    rows = len(index) * panel.n_series
    if rows > MAX_ROWS:
        raise SamplingError(f"that is {rows:,} rows ({len(index):,} steps x {panel.n_series} "
                            f"series); choose a range under {MAX_ROWS:,} rows")
    options = {"seed": settings["seed"], "integer": settings["integer"],
               "positive": settings["positive"]}
    syn.use_knowledge(settings.get("knowledge"), say=False)
    started = time.perf_counter()
    with st.spinner(f"Generating {rows:,} rows..."):
        generated = syn.generate(length=settings["length"], start=settings["start"],
                                 end=settings["end"], **options)
        table = generated.table()
    seconds = time.perf_counter() - started
    with st.spinner("Comparing a draw over the sample's own dates with the sample..."):
        from datamime.evaluation.metrics import evaluate

        same = syn.generate(start=panel.index[0], length=panel.n_steps, **options)
        metrics = evaluate(panel, Panel(values=same.masked()[:, : panel.n_series],
                                        index=same.index, keys=panel.keys, freq=panel.freq),
                           seed=settings["seed"])
    stem = Path(name).stem or "table"
    return {"table": table, "generated": generated, "seconds": seconds, "metrics": metrics,
            # the model as it drew this table: with the knowledge stated in the page
            "model_zip": model_zip(syn),
            "csv": table_bytes(generated, schema, ".csv"),
            "parquet": table_bytes(generated, schema, ".parquet"),
            "csv_name": f"{stem}_synthetic.csv", "parquet_name": f"{stem}_synthetic.parquet"}

