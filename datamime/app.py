"""The datamime web app: from a small sample to a downloadable synthetic dataset, no code.

Start it with ``datamime app`` (or ``streamlit run datamime/app.py``). One page:

* sidebar **Data** -- upload a CSV / Excel / Parquet table (or use the built-in example);
  the column roles are pre-filled by a guess and can be corrected;
* **Data exploration** -- every series as small multiples (filtered by the values of the
  sub-sample columns), the daily profile, and a summary table;
* **Train** -- a model and a training budget, a progress bar, the loss curve;
* **New data settings** -- whole numbers, never negative, the date range;
* **What the sample cannot show** -- month and weekday factors, public holidays
  (:mod:`datamime.knowledge`), with the monthly profile they give;
* **Result** -- a preview, real vs generated plots, the evaluation in plain words, and
  downloads (the table as CSV in the sample's own format or Parquet, the trained model).

Everything goes through :class:`datamime.Synthesizer` on a temporary copy of the file, so
separators, decimal commas and date formats are handled exactly as by the scripts. Fitted
models are kept in the session, keyed by a hash of (file, roles, model, budget, seed):
changing an output setting never retrains. The helpers above :func:`main` hold no
Streamlit state and are tested directly.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import math
import os
import shutil
import stat
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import streamlit as st
from matplotlib.figure import Figure

from datamime.data.example import build_example
from datamime.data.io import CSV_EXTENSIONS, check_workbook, read_table
from datamime.data.panel import Panel
from datamime.data.prepare import prepare
from datamime.data.roles import guess_roles
from datamime.data.schema import Schema
from datamime.errors import DataError, DatamimeError, SamplingError
from datamime.models.registry import DEEP_MODELS
from datamime.output import Generated, OutputFormat, write
from datamime.synthesizer import Synthesizer
from datamime.timegrid import fixed_step

APP_TITLE = "datamime"
EXAMPLE_NAME = "example.csv"
SOURCE_UPLOAD, SOURCE_EXAMPLE = "Upload a file", "Use the example"
RANGE_DATES, RANGE_STEPS = "Start and end dates", "Start date and a number of steps"
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "parquet", "pq"]
MODEL_LABELS = {
    "rvae": "Recurrent VAE (recommended)",
    "ar_rnn": "Autoregressive RNN",
    "seasonal_bootstrap": "Baseline: seasonal bootstrap",
    "seasonal_ar": "Baseline: seasonal AR",
    "block_bootstrap": "Baseline: block bootstrap",
}
MODEL_HELP = (
    "The deep models learn all series at once (a shared state makes them move together); "
    "the recurrent VAE is the default. The baselines are classical methods that train in "
    "seconds: reshuffled days (bootstrap) or a seasonal autoregression."
)
DEFAULT_EPOCHS, MAX_EPOCHS = 15, 100
SERIES_PER_PAGE = 48
MAX_ROWS = 20_000_000  # generated rows (series x steps) the app accepts at once
KEPT_MODELS = 4  # fitted models kept per session
ROLE_KEYS = ("time_col", "group_cols", "value_col")
OUTPUT_KEYS = ("integer", "positive", "range_mode", "start", "end", "length", "sample_seed",
               "compare_series")
FREQ_NAMES = {"h": "hourly", "30min": "every 30 minutes", "15min": "every 15 minutes",
              "10min": "every 10 minutes", "min": "every minute", "D": "daily", "W-SUN": "weekly",
              "MS": "monthly (month start)", "ME": "monthly (month end)"}

# -------------------------------------------------------------------- pure helpers


def digest(data: bytes) -> str:
    """Content hash of a file (hex)."""
    return hashlib.sha256(data).hexdigest()


def settings_key(*parts: Any) -> str:
    """A short stable hash of JSON-able settings."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def example_bytes() -> bytes:
    """The built-in example as ``;``-separated CSV bytes (the same as ``example.csv``)."""
    return build_example().to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8")


# Uploads not used for this long are deleted from the app's temporary folder.
UPLOAD_MAX_AGE_S = 24 * 3600
# The largest upload the app takes, in MiB: Streamlit's own default for server.maxUploadSize,
# shown by the uploader and checked again here (``streamlit run --server.maxUploadSize=N``
# cannot raise it); bigger tables go through ``datamime train`` on the command line.
UPLOAD_MAX_MB = 200
# Magic numbers of files that are not text, for an upload named .csv / .txt / .tsv (only
# ones no CSV header starts with: a column may well be called "MZ" or "PAR1").
_BINARY_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF-", b"\x89PNG", b"\x1f\x8b",
                  b"\xfd7zXZ", b"7z\xbc\xaf", b"\x7fELF")


def check_upload(name: str, file: IO[bytes], max_mb: int = UPLOAD_MAX_MB) -> str:
    """Refuse an upload that cannot be a table, before it is saved or parsed.

    Looks at the size, the first 8 KiB and, for a workbook, the zip directory
    (:func:`datamime.data.io.check_workbook`): a huge file, a binary file named ``.csv``
    or a zip bomb named ``.xlsx`` is refused without reading it whole.

    Args:
        name: the name the browser sent (only its extension is used).
        file: the upload, a seekable binary file (Streamlit's ``UploadedFile``).

    Returns:
        The extension the saved copy gets (``.csv``, ``.xlsx``...).

    Raises:
        DataError: one line saying why.
    """
    suffix = Path(str(name or "")).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        raise DataError(f"{name!r} is not a table file; upload a CSV, Excel or Parquet file "
                        f"({', '.join('.' + t for t in UPLOAD_TYPES)})")
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    if size > max_mb * 2**20:
        raise DataError(f"{name} is {size / 2**20:,.0f} MiB; the app takes files up to "
                        f"{max_mb} MiB (train on bigger ones with datamime train data=csv ...)")
    if size == 0:
        raise DataError(f"{name} is empty; give a table with a header row and data rows")
    head = file.read(8192)
    file.seek(0)
    if suffix in CSV_EXTENSIONS and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and (
            b"\x00" in head or head.startswith(_BINARY_STARTS)):
        raise DataError(f"{name} looks like a binary file, not text; export it as CSV")
    if suffix in (".xlsx", ".xlsm"):
        check_workbook(file, name)
        file.seek(0)
    return suffix


def forget_old_uploads(root: Path, max_age_s: float = UPLOAD_MAX_AGE_S) -> int:
    """Delete the upload folders under ``root`` untouched for ``max_age_s``; how many."""
    cutoff, removed = time.time() - max_age_s, 0
    for folder in root.glob("*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)
                removed += 1
        except OSError:  # another session removed or holds it: not ours to fight over
            continue
    return removed


def upload_root() -> Path:
    """``$TMPDIR/datamime-app``, private to this user (mode 700; refused if another user
    or a link holds the name)."""
    root = Path(tempfile.gettempdir()) / "datamime-app"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = root.lstat()
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid")
                                              and info.st_uid != os.getuid()):
            raise DataError(f"{root} is not a folder of this user: cannot keep uploads "
                            "private (remove it, or set TMPDIR)")
        if info.st_mode & 0o077:
            root.chmod(0o700)
    except OSError as exc:
        raise DataError(f"cannot create {root} for uploads: {exc.strerror or exc}") from None
    return root


def materialise(name: str, data: bytes) -> Path:
    """Save uploaded bytes as ``$TMPDIR/datamime-app/<content hash>/upload<ext>``.

    The reader picks CSV / Excel / Parquet by extension, exactly as for a path given to
    the scripts. Only the extension of ``name`` is used, from :data:`UPLOAD_TYPES`: the
    name the browser sent is never part of a path (``../../etc/x.csv`` is
    ``.../<hash>/upload.csv``). The same content is written once; uploads untouched for a
    day are deleted (:func:`forget_old_uploads`), the samples people upload are theirs.
    """
    suffix = Path(str(name or "")).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        raise DataError(f"{name!r} is not a table file; upload a CSV, Excel or Parquet file")
    root = upload_root()
    forget_old_uploads(root)
    folder = root / digest(data)[:24]
    path = folder / f"upload{suffix}"
    if folder.is_dir():
        os.utime(folder)  # in use again: not old
    if not path.is_file() or path.stat().st_size != len(data):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = folder / f".{path.name}.{os.urandom(6).hex()}.tmp"  # sessions are threads
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DataError(f"cannot save the upload: {exc.strerror or exc}") from None
    return path


def suggest_roles(df: pd.DataFrame) -> tuple[str | None, list[str], str | None, str | None]:
    """Roles to pre-fill: ``(time, groups, value, problem)``.

    The groups are :func:`guess_roles`'s (the fewest columns that identify a series) plus
    any other column that is constant within each of those series (a commune name beside
    a station code), so the generated table keeps every column of the sample. Groups
    follow the table's column order. ``problem`` is the guess's error message, if any.
    """
    try:
        roles = guess_roles(df)
    except DatamimeError as exc:
        return None, [], None, str(exc)
    groups = list(roles.groups)
    if groups:
        codes = df[groups].astype(str).agg("\x1f".join, axis=1) if len(groups) > 1 \
            else df[groups[0]].astype(str)
        for col in df.columns:
            if col in (roles.time, roles.value) or col in groups:
                continue
            if pd.api.types.is_float_dtype(df[col]):
                continue
            per_series = df[col].astype(str).groupby(codes.to_numpy()).nunique()
            if (per_series <= 1).all():
                groups.append(col)
    order = {c: i for i, c in enumerate(df.columns)}
    groups.sort(key=lambda c: order[c])
    return roles.time, groups, roles.value, None


def freq_name(freq: str) -> str:
    """Plain words for a pandas frequency alias."""
    return FREQ_NAMES.get(freq, f"every {freq}")


def _when(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")


def overview(panel: Panel, schema: Schema) -> dict[str, str]:
    """Headline figures of a sample, as short strings."""
    values = panel.values
    observed = np.isfinite(values)
    gaps = int((~observed).sum())
    share = gaps / values.size if values.size else 0.0
    return {
        "Series": f"{panel.n_series:,}",
        "Steps per series": f"{panel.n_steps:,}",
        "Frequency": freq_name(schema.freq),
        "Gaps": f"{gaps:,} ({share:.1%})" if gaps else "none",
        "Min": f"{np.nanmin(values):g}",
        "Max": f"{np.nanmax(values):g}",
        "From": _when(panel.index[0]),
        "To": _when(panel.index[-1]),
    }


def series_summary(panel: Panel) -> pd.DataFrame:
    """One row per series: its identifiers, first/last observation, length, gaps, range."""
    values = panel.values
    observed = np.isfinite(values)
    table = panel.keys.reset_index(drop=True).copy()
    if table.shape[1] == 0:
        table = pd.DataFrame({"series": ["series"] * panel.n_series})
    table["first"] = [_when(panel.index[np.argmax(o)]) if o.any() else "" for o in observed.T]
    table["last"] = [_when(panel.index[len(o) - 1 - np.argmax(o[::-1])]) if o.any() else ""
                     for o in observed.T]
    table["values"] = observed.sum(axis=0)
    table["gaps"] = panel.n_steps - table["values"]
    frame = pd.DataFrame(values)
    table["min"] = frame.min().to_numpy()
    table["mean"] = frame.mean().round(3).to_numpy()
    table["max"] = frame.max().to_numpy()
    return table


def filter_series(keys: pd.DataFrame, chosen: dict[str, list[str]]) -> np.ndarray:
    """Positions of the series whose identifiers are among the chosen values (empty = all)."""
    mask = np.ones(len(keys), dtype=bool)
    for col, values in chosen.items():
        if values:
            mask &= keys[col].astype(str).isin([str(v) for v in values]).to_numpy()
    return np.flatnonzero(mask)


def _date_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=2, maxticks=5)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def small_multiples(index: pd.DatetimeIndex, values: np.ndarray, labels: list[str],
                    n_cols: int = 4) -> Figure:
    """One small panel per series (``values`` is ``[T, k]``), on a grid."""
    k = values.shape[1]
    n_cols = max(1, min(n_cols, k))
    n_rows = math.ceil(k / n_cols)
    fig = Figure(figsize=(12, max(2.2, 1.8 * n_rows)), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False, sharex=True)
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.set_visible(False)
            continue
        ax.plot(index, values[:, i], lw=0.9, color="tab:blue")
        ax.set_title(labels[i], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        _date_axis(ax)
    return fig


def profile(index: pd.DatetimeIndex, values: np.ndarray, freq: str) -> tuple[pd.DataFrame, str]:
    """Mean of each series by hour of day (sub-daily data), day of week (daily) or month."""
    step = fixed_step(freq)
    if step is not None and step < pd.Timedelta(days=1):
        key, what = index.hour + index.minute / 60, "hour of the day"
    elif step is not None and step < pd.Timedelta(days=7):
        key, what = index.dayofweek, "day of the week (0 = Monday)"
    else:
        key, what = index.month, "month"
    frame = pd.DataFrame(values, index=np.asarray(key))
    return frame.groupby(level=0).mean(), what


def profile_figure(index: pd.DatetimeIndex, values: np.ndarray, labels: list[str],
                   freq: str) -> Figure:
    """The mean profile of each series (a line each; a legend up to 12 series)."""
    means, what = profile(index, values, freq)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    k = values.shape[1]
    for j in range(k):
        ax.plot(means.index, means.iloc[:, j], lw=1.2 if k <= 12 else 0.7,
                alpha=1.0 if k <= 12 else 0.4, label=labels[j] if k <= 12 else None)
    if k > 12:
        ax.plot(means.index, means.mean(axis=1), color="black", lw=2, label="mean of the series")
    ax.set(xlabel=what, ylabel="mean value", title=f"Profile: mean by {what.split(' (')[0]}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2 if k > 6 else 1, loc="best")
    return fig


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes (the figure is then released)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # noqa: BLE001 - a bare Figure is not registered with pyplot
        pass
    return buf.getvalue()


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

    w = get("wasserstein")
    if w is not None:
        if w < 0.25:
            out.append(("match", f"The values have the same levels and spread as the sample "
                                 f"(distribution gap {w:.2f} standard deviations)."))
        else:
            out.append(("differ", f"The distribution of values differs from the sample's "
                                  f"(gap {w:.2f} standard deviations; under 0.25 is close)."))

    step = fixed_step(freq)
    cycle = ("daily cycle (mean by hour)" if step is not None and step < pd.Timedelta(days=1)
             else "weekly cycle (mean by day)")
    p = get("daily_profile_error")
    if p is not None:
        if p < 0.3:
            out.append(("match", f"The {cycle} follows the sample's (gap {p:.2f} standard "
                                 "deviations)."))
        else:
            out.append(("differ", f"The {cycle} is off (gap {p:.2f} standard deviations; "
                                  "under 0.3 is close)."))

    a = get("acf_distance")
    if a is not None:
        if a < 0.15:
            out.append(("match", f"Short-term behaviour (how each value follows the previous "
                                 f"ones) is like the sample's (autocorrelation gap {a:.2f})."))
        else:
            out.append(("differ", f"Short-term behaviour differs: the generated series are "
                                  f"smoother or noisier than the sample (autocorrelation gap "
                                  f"{a:.2f}; under 0.15 is close)."))

    c = get("correlation_error")
    if c is not None:
        if c < 0.2:
            out.append(("match", f"Series move together as in the sample (correlation gap "
                                 f"{c:.2f})."))
        else:
            out.append(("differ", f"The way series move together differs from the sample "
                                  f"(correlation gap {c:.2f}; under 0.2 is close)."))

    r = get("tstr_trtr")
    if r is not None:
        if r <= 1.25:
            out.append(("match", f"Useful for modelling: a forecaster trained on generated data "
                                 f"does about as well on real data as one trained on real data "
                                 f"(error ratio {r:.2f}, 1 is ideal)."))
        else:
            out.append(("differ", f"A forecaster trained on generated data does worse on real "
                                  f"data than one trained on real data (error ratio {r:.2f}, "
                                  "1 is ideal)."))

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


def short_error(exc: BaseException) -> str:
    """One readable line for an unexpected exception."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ------------------------------------------------------------------------ cached


@st.cache_data(show_spinner=False, max_entries=16)
def _load(path: str, content: str) -> tuple[pd.DataFrame, tuple]:
    """The table as read for the role choices, and the suggested roles (``content``: hash)."""
    df, _ = read_table(path)
    return df, suggest_roles(df)


@st.cache_data(show_spinner=False, max_entries=16)
def _prepare(path: str, content: str, time_col: str, groups: tuple[str, ...],
             value: str) -> tuple[Panel, Schema]:
    panel, schema, _ = prepare(path, time=time_col, groups=list(groups), value=value,
                               verbose=False)
    return panel, schema


@st.cache_data(show_spinner=False, max_entries=32)
def _exploration_png(path: str, content: str, roles: tuple, picks: tuple[int, ...],
                     kind: str) -> bytes:
    panel, schema = _prepare(path, content, *roles)
    idx = list(picks)
    labels = [panel.series_labels()[i] for i in idx]
    values = panel.values[:, idx]
    if kind == "grid":
        fig = small_multiples(panel.index, values, labels)
    else:
        fig = profile_figure(panel.index, values, labels, schema.freq)
    return figure_png(fig)


# -------------------------------------------------------------------------- page


def _show_error(exc: BaseException, what: str) -> None:
    if isinstance(exc, DatamimeError):
        st.error(f"{what}: {exc}")
    else:
        st.error(f"{what} failed ({short_error(exc)}). Check the file and the column roles; "
                 "if they look right, please report the problem.")


def _reset(keys: tuple[str, ...] | list[str]) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def _data_source() -> tuple[str, bytes] | None:
    """Sidebar: the chosen table as ``(file name, bytes)``, or None."""
    source = st.sidebar.radio("Source", [SOURCE_UPLOAD, SOURCE_EXAMPLE], key="source",
                              horizontal=True)
    if source == SOURCE_EXAMPLE:
        st.sidebar.caption("15 synthetic air-quality series (pollutants at four stations), "
                           "3 days, hourly.")
        return EXAMPLE_NAME, example_bytes()
    upload = st.sidebar.file_uploader(
        "Your table (CSV, Excel or Parquet)", type=UPLOAD_TYPES, key="upload",
        max_upload_size=UPLOAD_MAX_MB,
        help="A long table: one row per series per time step, with a time column, the "
             "columns that identify a series, and a value column.")
    if upload is None:
        return None
    try:
        check_upload(upload.name, upload)
    except DatamimeError as exc:
        st.error(f"Cannot use this upload: {exc}")
        return None
    return upload.name, upload.getvalue()


def _roles(df: pd.DataFrame, suggested: tuple) -> tuple[str, list[str], str]:
    time_guess, groups_guess, value_guess, problem = suggested
    cols = list(df.columns)
    if problem:
        st.sidebar.warning(f"Could not guess the roles: {problem}")
    st.sidebar.caption("Pre-filled by a guess: correct them if needed.")
    time_col = st.sidebar.selectbox(
        "Time variable", cols, index=cols.index(time_guess) if time_guess in cols else 0,
        key="time_col", help="The column with the dates / times.")
    groups = st.sidebar.multiselect(
        "Sub samples", cols, default=[g for g in groups_guess if g in cols], key="group_cols",
        help="The columns that identify one series (e.g. station and pollutant). "
             "Leave empty when the table holds a single series.")
    value_index = cols.index(value_guess) if value_guess in cols else min(1, len(cols) - 1)
    value = st.sidebar.selectbox("Value", cols, index=value_index, key="value_col",
                                 help="The numeric column to imitate.")
    return time_col, list(groups), value


def _explore(path: str, content: str, roles: tuple, panel: Panel, schema: Schema) -> None:
    st.header("Data exploration")
    figures = overview(panel, schema)
    cols = st.columns(6)
    for i, name in enumerate(("Series", "Steps per series", "Frequency", "Gaps", "Min", "Max")):
        cols[i].metric(name, figures[name])
    st.caption(f"From {figures['From']} to {figures['To']}.")

    chosen: dict[str, list[str]] = {}
    if schema.groups:
        st.markdown("**Filter the series** (empty = all)")
        fcols = st.columns(min(len(schema.groups), 4))
        for i, col in enumerate(schema.groups):
            chosen[col] = fcols[i % len(fcols)].multiselect(
                col, schema.categories.get(col, []), key=f"filter_{col}", placeholder="all")
    picks = filter_series(panel.keys, chosen) if schema.groups else np.arange(panel.n_series)
    if len(picks) == 0:
        st.warning("No series matches this filter.")
        return
    shown = picks
    if len(picks) > SERIES_PER_PAGE:
        pages = math.ceil(len(picks) / SERIES_PER_PAGE)
        page = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1,
                                   key=f"page_{pages}"))
        shown = picks[(page - 1) * SERIES_PER_PAGE: page * SERIES_PER_PAGE]
        st.caption(f"Series {(page - 1) * SERIES_PER_PAGE + 1} to "
                   f"{(page - 1) * SERIES_PER_PAGE + len(shown)} of {len(picks)}.")
    else:
        st.caption(f"{len(picks)} series.")
    st.image(_exploration_png(path, content, roles, tuple(int(i) for i in shown), "grid"),
             width="stretch")
    st.subheader("Profile")
    st.image(_exploration_png(path, content, roles, tuple(int(i) for i in picks), "profile"),
             width="stretch")
    st.subheader("Summary")
    st.dataframe(series_summary(panel).iloc[picks], hide_index=True, width="stretch",
                 height=min(36 + 35 * len(picks), 300))


def _train(path: str, content: str, roles: tuple, panel: Panel) -> tuple[str, dict] | None:
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
    said = windows.describe(panel.series_labels()) if windows is not None else None
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
        archive = model_zip(syn)
    except Exception as exc:  # noqa: BLE001 - shown in the page, never a traceback
        if bar is not None:
            bar.empty()
        _show_error(exc, "Training")
        return None
    if bar is not None:
        bar.progress(1.0, text="Training: done")
    return {"syn": syn, "seconds": time.perf_counter() - start, "loss_png": loss_png,
            "model_zip": archive, "model": model, "epochs": epochs}


def _output_settings(schema: Schema, panel: Panel) -> dict[str, Any]:
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


def _knowledge(syn: Synthesizer, panel: Panel) -> dict | None:
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
    months = st.data_editor(knowledge.month_table(template, column, values),
                            key=f"know_months|{tag}", width="stretch")
    st.markdown("**Weekday factors**")
    week = st.data_editor(knowledge.week_table(template, column, values),
                          key=f"know_week|{tag}", width="stretch")
    mapping = knowledge.from_tables(column, months, week,
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


def _generate(syn: Synthesizer, settings: dict[str, Any], name: str) -> dict | None:
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
            "csv": table_bytes(generated, schema, ".csv"),
            "parquet": table_bytes(generated, schema, ".parquet"),
            "csv_name": f"{stem}_synthetic.csv", "parquet_name": f"{stem}_synthetic.parquet"}


def _result(syn: Synthesizer, result: dict, entry: dict) -> None:
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
    labels = panel.series_labels()
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
    d[2].download_button("Download the trained model (.zip)", entry["model_zip"],
                         file_name="datamime-model.zip", mime="application/zip",
                         key="download_model", on_click="ignore",
                         help="Unzip, then: datamime sample model_dir=datamime-model ...")


def main() -> None:
    """The page."""
    st.set_page_config(page_title=APP_TITLE, layout="wide")
    st.title(APP_TITLE)
    st.caption("Turn a small sample of time series into as much realistic look-alike data "
               "as you need.")
    st.sidebar.header("Data")
    chosen = _data_source()
    if chosen is None:
        st.info("Upload a table in the sidebar (CSV, Excel or Parquet), or choose "
                f"**{SOURCE_EXAMPLE}**. The table is long: one row per series per time step, "
                "with a time column, the columns that identify a series (station, product...) "
                "and a value column.")
        return
    name, data = chosen
    content = digest(data)
    if st.session_state.get("_content") != content:
        _reset(ROLE_KEYS)
        st.session_state["_content"] = content
    try:
        path = materialise(name, data)
        df, suggested = _load(str(path), content)
    except Exception as exc:  # noqa: BLE001 - a bad file is an error message, not a crash
        _show_error(exc, f"Cannot read {name}")
        return
    roles_list = _roles(df, suggested)
    roles = (roles_list[0], tuple(roles_list[1]), roles_list[2])
    sample_key = settings_key(content, roles)
    if st.session_state.get("_sample") != sample_key:
        _reset([*OUTPUT_KEYS, *(k for k in list(st.session_state)
                                if str(k).startswith(("filter_", "page_")))])
        st.session_state["_sample"] = sample_key
    try:
        panel, schema = _prepare(str(path), content, *roles)
    except Exception as exc:  # noqa: BLE001
        _show_error(exc, "These column roles do not fit the table")
        st.caption("Check the **Time variable**, **Sub samples** and **Value** in the sidebar.")
        return
    st.sidebar.caption(f"{name}: {len(df):,} rows, {panel.n_series} series.")

    try:
        _explore(str(path), content, roles, panel, schema)
    except Exception as exc:  # noqa: BLE001 - the plots failing must not block training
        _show_error(exc, "Data exploration")
    trained = _train(str(path), content, roles, panel)
    if trained is None:
        return
    model_key, entry = trained
    syn: Synthesizer = entry["syn"]
    settings = _output_settings(schema, panel)
    settings["knowledge"] = _knowledge(syn, panel)
    result_key = settings_key(model_key, settings)
    result = st.session_state.get("result")
    if st.button("Generate", key="generate", type="primary"):
        try:
            result = _generate(syn, settings, name)
        except Exception as exc:  # noqa: BLE001
            _show_error(exc, "Generation")
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
    _result(syn, result, entry)


def run() -> None:
    """:func:`main`, with any unexpected error shown as a message instead of a traceback."""
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - the page must never die with a traceback
        _show_error(exc, "Something went wrong")


if __name__ == "__main__":
    run()
