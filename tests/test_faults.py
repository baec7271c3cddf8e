"""Faults, end to end: a killed or interrupted run, two runs on one output, hostile uploads.

The fault table (each row is a test below):

| fault | what must hold |
|---|---|
| ``kill -9`` while ``scripts/sample.py`` writes a long CSV / Parquet | ``out`` is absent or the previous complete file, never half a file |
| two sampling runs write the same ``out`` at once | both exit 0; ``out`` is exactly one run's file |
| disk full during the streamed Parquet write | one-line error, no temporary file, the previous ``out`` intact |
| Ctrl-C (SIGINT) while ``scripts/sample.py`` writes | exit 130, one line, the temporary file removed, the previous ``out`` intact |
| Ctrl-C (SIGINT) while ``scripts/train.py`` trains | exit 130, one line, the previous model intact and usable |
| an app upload over the size limit / binary as ``.csv`` / a zip bomb as ``.xlsx`` / a Parquet declaring too many rows | refused with one line before it is saved or parsed, in little memory |
| a zip bomb whose directory understates its sizes | the reader stops at the declared size: "cannot read", a few MiB |
| an upload named ``../../etc/x.csv`` | saved as ``<upload root>/<content hash>/upload.csv``, nothing outside |

The sampling processes are real ``python scripts/...`` runs, killed or interrupted from
here; the upload checks call the app's functions directly (no browser).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from datamime import app as webapp
from datamime import pipeline
from datamime.data.io import EXCEL_MAX_UNPACKED, read_table
from datamime.data.synthetic import make_panel
from datamime.errors import DataError
from datamime.synthesizer import Synthesizer
from tests.conftest import REPO, compose_config

N_SERIES = 20


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path: Path) -> int:
    """Data rows of a Parquet file, or complete lines after the header of a CSV file."""
    if path.suffix == ".parquet":
        return len(pd.read_parquet(path))
    return path.read_bytes().count(b"\n") - 1


def _temporaries(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*.tmp"))


@pytest.fixture(scope="module")
def model20(tmp_path_factory) -> Path:
    """A baseline model of 20 hourly series (fast to fit, fast to sample at length)."""
    df = make_panel(n_groups=N_SERIES, length=24 * 14, seed=3)
    df["value"] = df["value"].round().clip(lower=0)
    syn = Synthesizer(model="seasonal_bootstrap", seed=0, verbose=False)
    syn.fit(df, time="time", groups=["site", "sensor"], value="value")
    assert syn.panel.n_series == N_SERIES
    return syn.save(tmp_path_factory.mktemp("model20") / "model")


def _sample_cfg(model_dir: Path, out: Path, length: int, seed: int = 0):
    return compose_config("sample", [f"model_dir={model_dir}", f"out={out}", f"length={length}",
                                     f"seed={seed}", "plot=false", "verbose=false"])


def _sample_proc(model_dir: Path, out: Path, length: int, seed: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "sample.py"), f"model_dir={model_dir}",
         f"out={out}", f"length={length}", f"seed={seed}", "plot=false", "verbose=false"],
        cwd=out.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ------------------------------------------------------------- kill -9 during a write

# 20 series x LENGTH hours: a CSV of ~100 MB (4 M rows), a streamed Parquet of 10 M rows.
LENGTHS = {".csv": 200_000, ".parquet": 500_000}


@pytest.mark.parametrize("previous", ["none", "complete"])
@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_kill_9_during_a_long_write_leaves_no_half_file(model20, tmp_path, ext, previous):
    out = tmp_path / f"synthetic{ext}"
    if previous == "complete":  # the output of an earlier, finished run
        pipeline.sample(_sample_cfg(model20, out, length=10))
        before = _sha(out)
    proc = _sample_proc(model20, out, LENGTHS[ext])
    deadline, tmp = time.monotonic() + 240, None
    while time.monotonic() < deadline and proc.poll() is None:
        found = _temporaries(out)
        if found and found[0].stat().st_size >= 2**20:  # a megabyte written: mid-write
            tmp = found[0]
            break
        time.sleep(0.002)
    assert tmp is not None, f"the run ended before it was killed: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # the kill landed mid-write: what it left is a partial temporary file, under its own name
    assert _temporaries(out) == [tmp]
    if ext == ".csv":
        assert 0 < _rows(tmp) < N_SERIES * LENGTHS[ext]
    else:
        with pytest.raises(Exception):  # noqa: B017,PT011 - no footer: not a Parquet file
            pd.read_parquet(tmp)
    if previous == "none":
        assert not out.exists()
    else:
        assert _sha(out) == before and _rows(out) == N_SERIES * 10


def test_after_a_kill_the_next_run_writes_a_complete_file(model20, tmp_path):
    """The other outcome: a run that is not killed leaves the whole table, even beside a
    killed run's temporary file."""
    out = tmp_path / "synthetic.csv"
    (tmp_path / ".synthetic.csv.0123456789ab.tmp").write_text("site;sensor;time;va")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sample.py"), f"model_dir={model20}",
         f"out={out}", "length=20000", "plot=false", "verbose=false"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _rows(out) == N_SERIES * 20_000
    assert pd.read_csv(out).shape == (N_SERIES * 20_000, 4)  # a frame-trained model: commas


# ------------------------------------------------------- two runs, one output, at once


@pytest.mark.parametrize("length", [
    50_000,  # 1 M rows, ~25 MB each: the writes often overlap
    pytest.param(150_000, marks=pytest.mark.slow),  # 3 M rows: they overlap (asserted)
])
def test_two_runs_writing_the_same_out_at_once_leave_one_whole_file(model20, tmp_path, length):
    out = tmp_path / "synthetic.csv"
    for _ in range(3):  # the scheduler decides whether two writes overlap: up to 3 tries
        procs = [_sample_proc(model20, out, length, seed) for seed in (1, 2)]
        names: set[str] = set()
        overlapped = False
        while any(p.poll() is None for p in procs):
            now = {p.name for p in _temporaries(out)}
            names |= now
            overlapped |= len(now) > 1
            time.sleep(0.002)
        results = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], results
        assert all("Traceback" not in err and "error" not in err for _, err in results)
        assert len(names) == 2  # each run wrote through its own temporary file
        assert _temporaries(out) == []
        if overlapped:
            break
    refs = {}
    for seed in (1, 2):  # what each run writes alone (same seed, same bytes)
        ref = tmp_path / "ref" / f"seed{seed}.csv"
        pipeline.sample(_sample_cfg(model20, ref, length, seed))
        refs[_sha(ref)] = seed
    assert len(refs) == 2
    assert _sha(out) in refs  # one run's complete file, never a mix of the two
    assert overlapped or length < 100_000  # the long runs did write at the same time
    print(f"two writers: overlapped={overlapped}, file of seed {refs[_sha(out)]} kept")


def test_ctrl_c_during_a_long_write_removes_the_temporary_file(model20, tmp_path):
    """SIGINT is a normal error: one line, exit 130, and the half-written file is removed."""
    out = tmp_path / "synthetic.csv"
    pipeline.sample(_sample_cfg(model20, out, length=10))
    before = _sha(out)
    proc = _sample_proc(model20, out, LENGTHS[".csv"])
    deadline, tmp = time.monotonic() + 240, None
    while time.monotonic() < deadline and proc.poll() is None:
        found = _temporaries(out)
        if found and found[0].stat().st_size >= 2**20:
            tmp = found[0]
            break
        time.sleep(0.002)
    assert tmp is not None, f"the run ended before it was interrupted: {proc.communicate()}"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "datamime: interrupted (nothing written)\n"
    assert _temporaries(out) == []
    assert _sha(out) == before


def test_disk_full_during_the_streamed_parquet_write(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from datamime.output.layout import Generated, Layout
    from datamime.output.writers import write_parquet

    out = tmp_path / "big.parquet"
    out.write_bytes(b"the previous output\n")
    written = []

    def full(self, table, *args, **kwargs):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(table))  # the first row group fits, the second does not
        return real(self, table, *args, **kwargs)

    real = pq.ParquetWriter.write_table
    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    index = pd.date_range("2024-01-01", periods=50, freq="h")
    keys = pd.DataFrame({"site": [f"S{i}" for i in range(6)]})
    with pytest.raises(DataError, match="No space left on device"):
        generated = Generated(values=np.ones((50, 6)), index=index, keys=keys,
                              layout=Layout(time="time", value="value", groups=("site",)))
        write_parquet(generated, out, rows_per_group=100)
    assert written == [100]
    assert out.read_bytes() == b"the previous output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.parquet"]


# ------------------------------------------------------------ Ctrl-C during training


def _good_csv(path: Path) -> Path:
    df = make_panel(n_groups=2, length=48, seed=3)
    df["value"] = df["value"].round().clip(lower=0)
    df.to_csv(path, sep=";", index=False)
    return path


@pytest.mark.slow  # ~12 s: torch and Lightning start in the process before training
def test_ctrl_c_during_training_keeps_the_previous_model(model20, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(model20, model_dir)
    before = {p.name: p.read_bytes() for p in model_dir.iterdir()}
    data = _good_csv(tmp_path / "data.csv")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "train.py"), "data=csv", f"data.path={data}",
         "data.time=time", "data.groups=[site,sensor]", "data.value=value", "model=rvae",
         "trainer.accelerator=cpu", "trainer.max_epochs=100000", "verbose=false",
         f"model_dir={model_dir}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if "GPU available" in line:  # Lightning's trainer is up: fit() starts now
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert started.wait(240), lines
    time.sleep(1.5)  # well inside the epochs (a tiny epoch takes under a second)
    assert proc.poll() is None, lines  # still training: 100,000 epochs
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    seconds = time.perf_counter() - t0
    reader.join(timeout=10)
    assert proc.returncode == 130
    after = lines[[i for i, x in enumerate(lines) if "GPU available" in x][-1] + 1:]
    assert after == ["datamime: interrupted (nothing saved; the previous model is unchanged)"]
    assert not any("Traceback" in x for x in lines)
    assert {p.name: p.read_bytes() for p in model_dir.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "model"]  # no temp folder
    syn = Synthesizer.load(model_dir, verbose=False)
    assert len(syn.sample(length=24)) == N_SERIES * 24
    assert seconds < 30
    print(f"Ctrl-C: exit 130 {seconds:.2f} s after SIGINT")


# ------------------------------------------------------------------------ uploads


@pytest.fixture
def upload_root(tmp_path, monkeypatch) -> Path:
    """The app's upload root under ``tmp_path`` (``$TMPDIR`` there)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "datamime-app"


def _refusal(name: str, file) -> tuple[str, int, float]:
    """(message, peak traced bytes, seconds) of ``check_upload`` refusing ``file``."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(DataError) as info:
            webapp.check_upload(name, file)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "\n" not in message and len(message) < 300, message
    return message, peak, seconds


def test_huge_upload_is_refused_without_reading_it(tmp_path, upload_root):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as fh:  # sparse: 1 MiB over the limit, no disk used
        fh.truncate((webapp.UPLOAD_MAX_MB + 1) * 2**20)
    with huge.open("rb") as fh:
        message, peak, seconds = _refusal("huge.csv", fh)
    assert message.startswith(f"huge.csv is {webapp.UPLOAD_MAX_MB + 1:,} MiB; the app takes "
                              f"files up to {webapp.UPLOAD_MAX_MB} MiB")
    assert peak < 64 * 1024, peak
    assert not upload_root.exists()
    print(f"huge upload: refused, peak {peak / 1024:.1f} KiB, {seconds * 1000:.2f} ms")


def _workbook_bytes() -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"time": ["2024-01-01 00:00"], "value": [1]}).to_excel(buf, index=False)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["random bytes", "a workbook", "a png"])
def test_binary_file_posing_as_csv_is_refused(kind, upload_root):
    data = {"random bytes": np.random.default_rng(0).bytes(2**20),
            "a workbook": _workbook_bytes(),
            "a png": b"\x89PNG\r\n\x1a\n" + b"IHDR" * 1000}[kind]
    message, peak, seconds = _refusal("data.csv", io.BytesIO(data))
    assert message == "data.csv looks like a binary file, not text; export it as CSV"
    assert peak < 64 * 1024, peak
    assert not upload_root.exists()
    print(f"binary as .csv ({kind}): refused, peak {peak / 1024:.1f} KiB, "
          f"{seconds * 1000:.2f} ms")


BOMB_MIB = 320  # declared and real unpacked size; the archive is ~0.3 MiB


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """An archive shaped like an .xlsx whose sheet unpacks to BOMB_MIB MiB of XML."""
    row = b'<row><c r="A1" t="n"><v>0</v></c></row>' * (2**20 // 40)
    chunk = row + b" " * (2**20 - len(row))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(BOMB_MIB):
                member.write(chunk)
    data = buf.getvalue()
    assert len(data) < 2 * 2**20  # small enough to pass the upload limit
    return data


def test_zip_bomb_posing_as_xlsx_is_refused_from_its_directory(zip_bomb, upload_root):
    assert BOMB_MIB * 2**20 > EXCEL_MAX_UNPACKED
    message, peak, seconds = _refusal("report.xlsx", io.BytesIO(zip_bomb))
    assert message.startswith(f"report.xlsx would unpack to {BOMB_MIB:,} MiB, more than the "
                              f"{EXCEL_MAX_UNPACKED // 2**20} MiB a workbook may take")
    assert peak < 256 * 1024, peak  # the directory only: no member inflated
    assert not upload_root.exists()
    print(f"zip bomb as .xlsx ({len(zip_bomb) / 2**20:.2f} MiB -> {BOMB_MIB} MiB): refused, "
          f"peak {peak / 1024:.1f} KiB, {seconds * 1000:.2f} ms")


def test_zip_bomb_is_refused_by_the_reader_too(zip_bomb, tmp_path):
    """``read_table`` (the scripts, and the app after saving) checks before openpyxl."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="would unpack to 320 MiB"):
            read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024, peak


def test_a_zip_bomb_whose_directory_lies_is_refused_by_the_reader(tmp_path):
    """Sizes in the directory understated (64 MiB declared as 1,000 bytes): the directory
    check passes it, and reading stops at the declared size and fails the checksum."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(64):
                member.write(b"<row/>" * (2**20 // 6) + b"    ")
    data = buf.getvalue()
    real, declared = struct.pack("<I", 64 * 2**20), struct.pack("<I", 1000)
    assert data.count(real) == 2  # the local header and the directory entry
    path = tmp_path / "liar.xlsx"
    path.write_bytes(data.replace(real, declared))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    assert webapp.check_upload("liar.xlsx", io.BytesIO(path.read_bytes())) == ".xlsx"
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="cannot read .*liar.xlsx as an Excel workbook"):
            read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, peak  # the 64 MiB sheet was never inflated whole
    print(f"lying zip directory: refused by the reader, peak {peak / 2**20:.1f} MiB")


def test_a_small_parquet_declaring_too_many_rows_is_refused_from_its_footer(tmp_path,
                                                                            upload_root):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datamime.data.io import PARQUET_MAX_CELLS

    rows = PARQUET_MAX_CELLS + 1  # all missing: encoded in a few kilobytes
    path = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"value": pa.nulls(rows, pa.int8())}), path, row_group_size=rows)
    data = path.read_bytes()
    assert len(data) < 2**20
    message, peak, _ = _refusal("bomb.parquet", io.BytesIO(data))
    assert message.startswith(f"bomb.parquet holds {rows:,} rows x 1 columns")
    assert peak < 4 * 2**20, peak  # the footer only: no column read
    assert not upload_root.exists()
    small = tmp_path / "ok.parquet"
    pd.DataFrame({"time": pd.date_range("2024-01-01", periods=48, freq="h"),
                  "value": np.arange(48.0)}).to_parquet(small)
    assert webapp.check_upload("ok.parquet", io.BytesIO(small.read_bytes())) == ".parquet"
    with pytest.raises(DataError, match="cannot read fake.parquet as a Parquet file"):
        webapp.check_upload("fake.parquet", io.BytesIO(b"time;value\n1;2\n"))


@pytest.mark.parametrize("text", [b"MZ;PAR1;value\n1;2;3\n", "caf\u00e9;x\n1;2\n".encode("utf-16")])
def test_text_tables_pass_the_binary_check(text):
    assert webapp.check_upload("table.csv", io.BytesIO(text)) == ".csv"


def test_a_real_workbook_passes_the_checks(upload_root):
    data = _workbook_bytes()
    assert webapp.check_upload("table.xlsx", io.BytesIO(data)) == ".xlsx"
    df, _ = read_table(webapp.materialise("table.xlsx", data))
    assert list(df.columns) == ["time", "value"]


@pytest.mark.parametrize("name", ["../../etc/x.csv", "/etc/cron.d/x.csv", "..\\..\\x.csv",
                                  "a/../../b.CSV", "~/.bashrc.csv", "x;rm -rf ~.csv"])
def test_uploaded_names_are_never_paths(name, upload_root, tmp_path):
    data = b"time;value\n2024-01-01 00:00;1\n"
    path = webapp.materialise(name, data)
    digest = hashlib.sha256(data).hexdigest()[:24]
    assert path == upload_root / digest / "upload.csv"
    assert path.read_bytes() == data
    assert path.resolve().is_relative_to(upload_root.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datamime-app"]
    assert [p.relative_to(upload_root) for p in upload_root.rglob("*")] == [
        Path(digest), Path(digest) / "upload.csv"]
    assert upload_root.stat().st_mode & 0o077 == 0  # private to the user


@pytest.mark.parametrize("name", ["notes.exe", "table", "x.csv\x00.sh", ".csv"])
def test_uploads_without_a_table_extension_are_refused(name, upload_root):
    with pytest.raises(DataError, match="is not a table file"):
        webapp.check_upload(name, io.BytesIO(b"a;b\n1;2\n"))
    with pytest.raises(DataError, match="is not a table file"):
        webapp.materialise(name, b"a;b\n1;2\n")
    assert not upload_root.exists()


def test_an_upload_root_held_by_a_link_is_refused(upload_root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    upload_root.symlink_to(elsewhere)
    with pytest.raises(DataError, match="not a folder of this user"):
        webapp.materialise("x.csv", b"a;b\n1;2\n")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("kind", ["zip bomb", "binary"])
def test_the_page_shows_a_refused_upload_as_one_message(kind, zip_bomb, upload_root):
    name, data = {"zip bomb": ("report.xlsx", zip_bomb),
                  "binary": ("data.csv", np.random.default_rng(1).bytes(2**16))}[kind]
    at = AppTest.from_file(str(REPO / "datamime" / "app" / "main.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(f"Cannot use this upload: {name} ")
    assert ("would unpack to" if kind == "zip bomb" else "binary") in errors[0]
    assert not upload_root.exists()
