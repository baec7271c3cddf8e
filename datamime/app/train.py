"""**Train**: the model, its budget, a progress bar and the loss curve; fitted models
are kept in the session, keyed by the sample, the roles and the settings."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import streamlit as st

from datamime.app.common import figure_png, series_labels, settings_key, show_error
from datamime.data.panel import Panel
from datamime.models.registry import DEEP_MODELS, MODELS
from datamime.synthesizer import Synthesizer

# the default model first
MODEL_LABELS = {name: MODELS[name].label for name in sorted(MODELS, key=lambda n: n != "rvae")}
MODEL_HELP = (
    "The deep models learn all series at once (a shared state makes them move together); "
    "the recurrent VAE is the default. The baselines are classical methods that train in "
    "seconds: reshuffled days (bootstrap) or a seasonal autoregression."
)
DEFAULT_EPOCHS, MAX_EPOCHS = 15, 100
KEPT_MODELS = 4  # fitted models kept per session


def make_synthesizer(model: str, epochs: int, seed: int, windows_per_epoch: int | None = None,
                     callbacks: list | None = None) -> Synthesizer:
    """An unfitted Synthesizer as the app trains it (quiet; progress through ``callbacks``)."""
    kwargs: dict[str, Any] = {}
    if model in DEEP_MODELS:
        kwargs["trainer"] = {"max_epochs": int(epochs), "callbacks": list(callbacks or []),
                             "enable_progress_bar": False}
        if windows_per_epoch:
            kwargs["windows_per_epoch"] = int(windows_per_epoch)
    return Synthesizer(model=model, seed=int(seed), verbose=False, **kwargs)


def progress_callback(bar: Any, total: int) -> Any:
    """A Lightning callback that moves a ``st.progress`` bar at the end of each epoch."""
    import lightning.pytorch as pl

    class StreamlitProgress(pl.Callback):
        def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
            done = trainer.current_epoch + 1
            loss = trainer.callback_metrics.get("train/loss")
            text = f"Training: epoch {done} of {total}"
            if loss is not None:
                text += f", loss {float(loss):.3f}"
            bar.progress(min(done / max(total, 1), 1.0), text=text)

    return StreamlitProgress()



def train(path: str, content: str, roles: tuple, panel: Panel) -> tuple[str, dict] | None:
    """The Train section; returns ``(model key, fitted entry)`` once a model is trained."""
    st.header("Train")
    c1, c2 = st.columns([1, 1])
    model = c1.selectbox("Model", list(MODEL_LABELS), format_func=MODEL_LABELS.get,
                         key="model", help=MODEL_HELP)
    deep = model in DEEP_MODELS
    if deep:
        epochs = c2.slider("Training budget (epochs)", 1, MAX_EPOCHS, DEFAULT_EPOCHS,
                           key="epochs", help="More epochs: closer data, longer training.")
    else:
        epochs = 0
        c2.caption("This baseline has no training budget: it fits in seconds.")
    with st.expander("Advanced"):
        seed = st.number_input("Seed", min_value=0, value=0, step=1, key="seed",
                               help="The same seed and settings give the same model.")
        windows = st.number_input("Training windows per epoch", min_value=4, max_value=4096,
                                  value=128, step=4, key="windows", disabled=not deep)
    key = settings_key(content, roles, model, epochs, seed, windows if deep else None)
    fitted: dict[str, dict] = st.session_state.setdefault("fitted", {})
    entry = fitted.get(key)
    if entry is None:
        clicked = st.button("Train", key="train", type="primary")
        if not clicked:
            st.info("Choose a model and click **Train**.")
            return None
        entry = _fit(path, roles, model, epochs, seed, windows, panel)
        if entry is None:
            return None
        fitted[key] = entry
        while len(fitted) > KEPT_MODELS:
            fitted.pop(next(iter(fitted)))
    what = MODEL_LABELS[model] + (f", {epochs} epoch{'s' if epochs != 1 else ''}" if deep else "")
    st.success(f"Model trained ({what}) on {panel.n_series} series x {panel.n_steps} steps "
               f"in {entry['seconds']:.1f} s.")
    syn = entry["syn"]
    for note in getattr(syn, "notes", []):  # what the sample is too short to show
        st.info(f"Note: {note}.")
    windows = getattr(syn, "windows", None)
    said = windows.describe(series_labels(panel.keys)) if windows is not None else None
    if said:
        st.info(said[0].upper() + said[1:] + ".")
    if entry.get("loss_png"):
        with st.expander("Training loss", expanded=True):
            st.image(entry["loss_png"], width=420)
    return key, entry


def _fit(path: str, roles: tuple, model: str, epochs: int, seed: int, windows: int,
         panel: Panel) -> dict | None:
    bar = st.progress(0.0, text="Training: starting...") if model in DEEP_MODELS else None
    start = time.perf_counter()
    try:
        callbacks = [progress_callback(bar, epochs)] if bar is not None else []
        syn = make_synthesizer(model, epochs, seed, windows, callbacks)
        time_col, groups, value = roles
        with st.spinner("Training...") if bar is None else contextlib.nullcontext():
            syn.fit(path, time=time_col, groups=list(groups), value=value)
        syn.generator.__dict__.get("trainer_kwargs", {}).pop("callbacks", None)
        history = list(getattr(syn.generator, "loss_history", None) or [])
        loss_png = None
        if history:
            from datamime.plotting import loss_curve

            loss_png = figure_png(loss_curve(history))
    except Exception as exc:  # noqa: BLE001 - shown in the page, never a traceback
        if bar is not None:
            bar.empty()
        show_error(exc, "Training")
        return None
    if bar is not None:
        bar.progress(1.0, text="Training: done")
    return {"syn": syn, "seconds": time.perf_counter() - start, "loss_png": loss_png,
            "model": model, "epochs": epochs}

