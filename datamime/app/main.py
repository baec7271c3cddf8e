"""The page: the app's sections in order (``streamlit run datamime/app/main.py``, or
``datamime app``)."""

from __future__ import annotations

import streamlit as st

from datamime.app.common import APP_TITLE, digest, prepared, reset, settings_key, show_error
from datamime.app.explore import explore
from datamime.app.generate import OUTPUT_KEYS, generate, knowledge_section, output_settings
from datamime.app.result import result_section
from datamime.app.train import train
from datamime.app.upload import (
    ROLE_KEYS,
    SOURCE_EXAMPLE,
    choose_roles,
    data_source,
    load,
    materialise,
)
from datamime.synthesizer import Synthesizer


def main() -> None:
    """The page."""
    st.set_page_config(page_title=APP_TITLE, layout="wide")
    st.title(APP_TITLE)
    st.caption("Turn a small sample of time series into as much realistic look-alike data "
               "as you need.")
    st.sidebar.header("Data")
    chosen = data_source()
    if chosen is None:
        st.info("Upload a table in the sidebar (CSV, Excel or Parquet), or choose "
                f"**{SOURCE_EXAMPLE}**. The table is long: one row per series per time step, "
                "with a time column, the columns that identify a series (station, product...) "
                "and a value column.")
        return
    name, data = chosen
    content = digest(data)
    if st.session_state.get("_content") != content:
        reset(ROLE_KEYS)
        st.session_state["_content"] = content
    try:
        path = materialise(name, data)
        df, suggested = load(str(path), content)
    except Exception as exc:  # noqa: BLE001 - a bad file is an error message, not a crash
        show_error(exc, f"Cannot read {name}")
        return
    roles_list = choose_roles(df, suggested)
    roles = (roles_list[0], tuple(roles_list[1]), roles_list[2])
    sample_key = settings_key(content, roles)
    if st.session_state.get("_sample") != sample_key:
        reset([*OUTPUT_KEYS, *(k for k in list(st.session_state)
                                if str(k).startswith(("filter_", "page_")))])
        st.session_state["_sample"] = sample_key
    try:
        panel, schema = prepared(str(path), content, *roles)
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "These column roles do not fit the table")
        st.caption("Check the **Time variable**, **Sub samples** and **Value** in the sidebar.")
        return
    st.sidebar.caption(f"{name}: {len(df):,} rows, {panel.n_series} series.")

    try:
        explore(str(path), content, roles, panel, schema)
    except Exception as exc:  # noqa: BLE001 - the plots failing must not block training
        show_error(exc, "Data exploration")
    trained = train(str(path), content, roles, panel)
    if trained is None:
        return
    model_key, entry = trained
    syn: Synthesizer = entry["syn"]
    settings = output_settings(schema, panel)
    settings["knowledge"] = knowledge_section(syn, panel)
    result_key = settings_key(model_key, settings)
    result = st.session_state.get("result")
    if st.button("Generate", key="generate", type="primary"):
        try:
            result = generate(syn, settings, name)
        except Exception as exc:  # noqa: BLE001
            show_error(exc, "Generation")
            result = None
        if result is not None:
            result["key"], result["model_key"] = result_key, model_key
            st.session_state["result"] = result
            st.session_state["generated_csv"] = result["csv"]
            st.session_state["generated_parquet"] = result["parquet"]
    if result is None or result.get("model_key") != model_key:
        st.info("Set the range and click **Generate**.")
        return
    if result["key"] != result_key:
        st.info("The settings changed: click **Generate** to apply them.")
    result_section(syn, result)


def run() -> None:
    """:func:`main`, with any unexpected error shown as a message instead of a traceback."""
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - the page must never die with a traceback
        show_error(exc, "Something went wrong")


if __name__ == "__main__":
    run()
