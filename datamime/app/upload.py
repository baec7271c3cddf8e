"""The sidebar's **Data**: the upload (checked before it is saved), the built-in
example, and the column roles pre-filled by the scripts' guess."""

from __future__ import annotations

import functools
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import IO

import pandas as pd
import streamlit as st

from datamime.app.common import digest
from datamime.data.example import build_example
from datamime.data.io import (
    CSV_EXTENSIONS,
    PARQUET_EXTENSIONS,
    check_parquet,
    check_workbook,
    read_table,
)
from datamime.data.roles import guess_roles
from datamime.errors import DataError, DatamimeError

EXAMPLE_NAME = "example.csv"
SOURCE_UPLOAD, SOURCE_EXAMPLE = "Upload a file", "Use the example"
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "parquet", "pq"]
ROLE_KEYS = ("time_col", "group_cols", "value_col")


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
    (:func:`datamime.data.io.check_workbook`), for Parquet the footer
    (:func:`datamime.data.io.check_parquet`): a huge file, a binary file named ``.csv``,
    a zip bomb named ``.xlsx`` or a billion encoded rows in a small ``.parquet`` is
    refused without reading it whole.

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
    if suffix in PARQUET_EXTENSIONS:
        check_parquet(file, name)
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

    The groups are :func:`guess_roles`'s, as the scripts guess them: the fewest columns
    that identify a series, in the table's column order (so that labels read as the table
    does). The other columns fixed within each series (a town beside a station code) are
    not needed among them: they are carried into the generated table as they are
    (:mod:`datamime.output.carry`). ``problem`` is the guess's error message, if any.
    """
    try:
        roles = guess_roles(df)
    except DatamimeError as exc:
        return None, [], None, str(exc)
    order = {c: i for i, c in enumerate(df.columns)}
    return roles.time, sorted(roles.groups, key=order.__getitem__), roles.value, None


@st.cache_data(show_spinner=False, max_entries=16)
def load(path: str, content: str) -> tuple[pd.DataFrame, tuple]:
    """Read the table for the role choices and suggest roles (``content``: its hash)."""
    df, _ = read_table(path)
    return df, suggest_roles(df)


def data_source() -> tuple[str, bytes] | None:
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


def choose_roles(df: pd.DataFrame, suggested: tuple) -> tuple[str, list[str], str]:
    """Sidebar: the time, identifying and value columns, pre-filled with ``suggested``."""
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

