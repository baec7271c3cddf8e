"""Bad input, end to end: one line on stderr, exit status 2, nothing left behind.

Each case drives the entry point the scripts use (the composed Hydra config passed to
``pipeline.run``); a couple go through a real ``python scripts/...`` process to show
that no traceback reaches the terminal.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datamime import pipeline
from datamime.data.synthetic import make_panel
from datamime.data.write import write_table
from datamime.errors import ModelError
from datamime.persist import read_state, write_state
from datamime.synthesizer import Synthesizer
from tests.conftest import REPO, compose_config

ROLES = ["data=csv", "data.time=time", "data.groups=[site,sensor]", "data.value=value",
         "debug=fast", "trainer.accelerator=cpu", "verbose=false"]
HEADER = "site;sensor;time;value\n"


def _good_table() -> pd.DataFrame:
    df = make_panel(n_groups=2, length=48, seed=3)
    df["value"] = df["value"].round().clip(lower=0)
    df["time"] = df["time"].dt.strftime("%d/%m/%Y %H:%M")
    return df


def _csv_with(edit) -> str:
    df = _good_table()
    df = edit(df)
    return df.to_csv(sep=";", index=False)


def _set_cell(column: str, row: int, value: str):
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df[column] = df[column].astype(object)
        df.loc[row, column] = value
        return df
    return edit


def _duplicate_row(df: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([df, df.iloc[[5]]], ignore_index=True)


def _late_days(df: pd.DataFrame) -> pd.DataFrame:
    """Dates after the 12th of the month: day-first only (``13/01/2024``)."""
    t = pd.to_datetime(df["time"], format="%d/%m/%Y %H:%M") + pd.Timedelta(days=12)
    df["time"] = t.dt.strftime("%d/%m/%Y %H:%M")
    return df


def _mixed_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Two rows written month-first (``01/13/...``) among day-first dates (``13/01/...``)."""
    df = _late_days(df)
    t = pd.to_datetime(df["time"], format="%d/%m/%Y %H:%M")
    df.loc[[4, 30], "time"] = t[[4, 30]].dt.strftime("%m/%d/%Y %H:%M")
    return df


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """One small model, trained once for every sampling case."""
    root = tmp_path_factory.mktemp("trained")
    data = root / "good.csv"
    data.write_text(_good_table().to_csv(sep=";", index=False))
    cfg = compose_config("train", [*ROLES, f"data.path={data}", f"model_dir={root / 'model'}"])
    pipeline.train(cfg)
    return root / "model"


def _old_format(model_dir: Path, tmp_path: Path) -> Path:
    old = tmp_path / "old_model"
    shutil.copytree(model_dir, old)
    state = read_state(old / "model.npz")
    state["format_version"] = 0
    write_state(state, old / "model.npz")
    return old


# (id, task, table file content (train) or model setup (sample), overrides, fragment)
CASES = [
    # ---- training: the table and the roles named in data.*
    ("empty file", "train", "", [], "bad.csv is empty"),
    ("header only", "train", HEADER, [], "bad.csv has a header but no data rows"),
    ("binary file", "train", bytes(range(256)) * 20, [], "bad.csv looks like a binary file"),
    ("missing file", "train", None, ["data.path=nowhere.csv"], "nowhere.csv"),
    ("unknown time column", "train", "good", ["data.time=when"], "'when'"),
    ("unknown group column", "train", "good", ["data.groups=[site,place]"], "'place'"),
    ("unknown value column", "train", "good", ["data.value=amount"], "'amount'"),
    ("unparseable dates", "train", _csv_with(_set_cell("time", 7, "someday")), [], "'time'"),
    ("non-numeric values", "train", _csv_with(_set_cell("value", 9, "twelve")), [], "'value'"),
    ("duplicated keys", "train", _csv_with(_duplicate_row), [], "duplicate"),
    ("seed not a number (train)", "train", "good", ["seed=x"], "seed"),
    ("negative max_epochs", "train", "good", ["trainer.max_epochs=-1"], "trainer.max_epochs"),
    ("max_epochs not a number", "train", "good", ["trainer.max_epochs=abc"],
     "trainer.max_epochs"),
    ("learning rate not a number", "train", "good", ["model.lr=abc"], "model.lr"),
    ("batch size 0", "train", "good", ["model.batch_size=0"], "model.batch_size"),
    ("unknown accelerator", "train", "good", ["trainer.accelerator=tpu9"], "trainer.accelerator"),
    ("groups not column names", "train", "good", ["data.groups=5"], "data.groups"),
    ("mixed day-first and month-first dates", "train", _csv_with(_mixed_dates), [],
     "row 6 '01/13/2024 04:00' only month-first"),
    ("dates against data.dayfirst", "train", _csv_with(_late_days), ["data.dayfirst=false"],
     "data.dayfirst=false, but row"),
    # ---- training: model_dir must never cost the user a file
    ("model_dir is the data's folder", "train", "good", ["model_dir={tmp}"],
     "holds other files (bad.csv, blocker"),
    ("model_dir is a file", "train", "good", ["model_dir={tmp}/blocker"], "is a file"),
    ("model_dir inside a file", "train", "good", ["model_dir={tmp}/blocker/m"], "is a file"),
    ("model_dir holds another model.npz", "train", "good", ["model_dir={tmp}/theirs"],
     "no datamime model"),
    # ---- sampling: the model, the range, the output
    ("model dir missing", "sample", "none", [], "no trained model"),
    ("incompatible model format", "sample", "old", [], "incompatible"),
    ("end before start", "sample", "ok", ["start=2024-02-01", "end=2024-01-01"], "before start"),
    ("length 0", "sample", "ok", ["length=0"], "length"),
    ("negative length", "sample", "ok", ["length=-5"], "length"),
    ("length not a number", "sample", "ok", ["length=abc"], "length"),
    ("range past pandas' last date", "sample", "ok", ["length=3000000"], "fewer steps"),
    ("start past pandas' last date", "sample", "ok", ["start=2262-04-01", "length=1000"],
     "last date"),
    ("start not a date", "sample", "ok", ["start=someday"], "someday"),
    ("seed not a number (sample)", "sample", "ok", ["seed=x"], "seed"),
    ("integer not a choice", "sample", "ok", ["integer=maybe"], "integer"),
    ("privacy not a choice", "sample", "ok", ["privacy=maybe"], "privacy"),
    ("unsupported output extension", "sample", "ok", ["out={tmp}/out/synthetic.json"], ".json"),
    ("output parent is a file", "sample", "ok", ["out={tmp}/blocker/synthetic.csv"], "blocker"),
    ("output path is a folder", "sample", "ok", ["out={tmp}/out/taken.csv"], "taken.csv"),
]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _contents(folder: Path) -> dict[str, bytes | None]:
    """Names and bytes of the files in ``folder`` (None for a folder)."""
    return {p.name: p.read_bytes() if p.is_file() else None
            for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def _prepare(task: str, setup, overrides: list[str], tmp_path: Path, trained: Path):
    """Config for the case; returns (cfg, the path that must not appear, folders to scan)."""
    overrides = [o.replace("{tmp}", str(tmp_path)) for o in overrides]
    (tmp_path / "blocker").write_text("a file where a folder is expected\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "taken.csv").mkdir()
    (tmp_path / "theirs").mkdir()  # a folder of the user's with a numpy archive of theirs
    np.savez(tmp_path / "theirs" / "model.npz", weights=np.arange(3))
    if task == "train":
        data = tmp_path / "bad.csv"
        if setup == "good":
            data.write_text(_good_table().to_csv(sep=";", index=False))
        elif isinstance(setup, bytes):
            data.write_bytes(setup)
        elif setup is not None:
            data.write_text(setup)
        model_dir = tmp_path / "models" / "latest"
        cfg = compose_config("train", [*ROLES, f"data.path={data}", f"model_dir={model_dir}",
                                       *overrides])
        return cfg, model_dir, [model_dir.parent, tmp_path, tmp_path / "theirs"]
    model_dir = {"ok": trained, "none": tmp_path / "no_model",
                 "old": _old_format(trained, tmp_path) if setup == "old" else None}[setup]
    out = tmp_path / "out" / "synthetic.csv"
    cfg = compose_config("sample", [f"model_dir={model_dir}", f"out={out}", "verbose=false",
                                    *overrides])
    return cfg, Path(str(cfg.out)), [out.parent, tmp_path]


@pytest.mark.parametrize(("task", "setup", "overrides", "fragment"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_one_line_exit_2_nothing_written(task, setup, overrides, fragment, tmp_path,
                                                   trained, capsys):
    cfg, target, folders = _prepare(task, setup, overrides, tmp_path, trained)
    before = {f: _contents(f) for f in folders}
    model_before = _digest(trained)
    with pytest.raises(SystemExit) as exit_info:
        pipeline.run(getattr(pipeline, task), cfg)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("datamime: error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in err
    assert not target.is_file() and (task == "sample" or not target.exists())
    for folder, files in before.items():
        assert _contents(folder) == files  # no output, no model, no temporary file, no loss
    assert _digest(trained) == model_before


def _digest(model_dir: Path) -> str:
    return hashlib.sha256((model_dir / "model.npz").read_bytes()).hexdigest()


def _script(name: str, *overrides: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / name), *overrides],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_script_train_on_a_binary_file_prints_one_line(tmp_path):
    (tmp_path / "data.csv").write_bytes(bytes(range(256)) * 20)
    done = _script("train.py", "data=csv", "data.path=data.csv", "debug=fast", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("datamime: error: ") and "binary" in done.stderr
    assert _files(tmp_path) == ["data.csv"]


def test_script_sample_with_a_bad_length_prints_one_line(trained, tmp_path):
    done = _script("sample.py", f"model_dir={trained}", "length=abc", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("datamime: error: ") and "length" in done.stderr
    assert _files(tmp_path) == []


def test_failed_train_keeps_the_previous_model(trained, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(trained, model_dir)
    before = {p.name: p.read_bytes() for p in model_dir.iterdir()}
    (tmp_path / "bad.csv").write_text(HEADER)
    cfg = compose_config("train", [*ROLES, f"data.path={tmp_path / 'bad.csv'}",
                                   f"model_dir={model_dir}"])
    with pytest.raises(SystemExit):
        pipeline.run(pipeline.train, cfg)
    assert {p.name: p.read_bytes() for p in model_dir.iterdir()} == before
    assert _files(tmp_path) == ["bad.csv", "model"]


@pytest.mark.parametrize("failing", ["plot", "write"])
def test_failed_sample_leaves_no_table_and_no_plot(trained, tmp_path, monkeypatch, failing):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "plot":  # the preview PNG cannot be written
        monkeypatch.setattr("datamime.preview.preview_png", boom)
    else:  # the CSV writer runs out of space
        monkeypatch.setattr("datamime.output.writers.write_csv_lines", boom)
    out = tmp_path / "out" / "synthetic.csv"
    cfg = compose_config("sample", [f"model_dir={trained}", f"out={out}", "verbose=false",
                                    "length=30", "plot=true"])
    with pytest.raises(SystemExit) as exit_info:
        pipeline.run(pipeline.sample, cfg)
    assert exit_info.value.code == 2
    assert _files(out.parent) == []


def test_script_train_into_the_data_folder_deletes_nothing(tmp_path):
    """The reported case: ``model_dir`` set to the folder that holds the training CSV."""
    data = tmp_path / "data.csv"
    data.write_text(_good_table().to_csv(sep=";", index=False))
    before = _contents(tmp_path)
    done = _script("train.py", *ROLES, "data.path=data.csv", "model_dir=.", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("datamime: error: model_dir=. holds other files (data.csv)")
    assert _contents(tmp_path) == before


def test_script_train_with_model_dir_a_file_prints_one_line(tmp_path):
    """The reported case ``model_dir=precious.csv``: one line, exit 2, the file untouched."""
    data = tmp_path / "data.csv"
    data.write_text(_good_table().to_csv(sep=";", index=False))
    (tmp_path / "precious.csv").write_text("the user's own table\n")
    before = _contents(tmp_path)
    done = _script("train.py", *ROLES, "data.path=data.csv", "model_dir=precious.csv",
                   cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("datamime: error: model_dir=precious.csv is a file, not a folder; "
                           "give a folder for the model (model_dir=models/mine)\n")
    assert _contents(tmp_path) == before


def _fitted() -> Synthesizer:
    syn = Synthesizer(model="seasonal_bootstrap", seed=0, verbose=False)
    return syn.fit(_good_table(), time="time", groups=["site", "sensor"], value="value")


def test_save_over_a_model_replaces_only_datamime_files(trained, tmp_path):
    model_dir = tmp_path / "model"
    shutil.copytree(trained, model_dir)
    (model_dir / "notes.txt").write_text("the user's notes\n")
    assert (model_dir / "loss_curve.png").is_file()  # the deep model drew one
    _fitted().save(model_dir)  # a baseline: no loss curve
    assert _files(model_dir) == ["model.npz", "notes.txt", "schema.json"]
    assert (model_dir / "notes.txt").read_text() == "the user's notes\n"
    assert type(Synthesizer.load(model_dir).generator).__name__ == "SeasonalBootstrap"
    assert _files(tmp_path) == ["model"]  # no temporary folder left


def test_save_refuses_a_folder_of_other_files_from_python(tmp_path):
    (tmp_path / "data.csv").write_text("precious\n")
    with pytest.raises(ModelError, match="holds other files"):
        _fitted().save(tmp_path)
    with pytest.raises(ModelError, match="is a file"):
        _fitted().save(tmp_path / "data.csv")
    assert _contents(tmp_path) == {"data.csv": b"precious\n"}


def _train_cfg(tmp_path: Path, model_dir: Path):
    data = tmp_path / "good.csv"
    data.write_text(_good_table().to_csv(sep=";", index=False))
    return compose_config("train", [*ROLES, f"data.path={data}", f"model_dir={model_dir}"])


def test_disk_full_while_saving_keeps_the_previous_model(trained, tmp_path, monkeypatch, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(trained, model_dir)
    before = _contents(model_dir)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("datamime.persist.write_state", full)  # the model file
    with pytest.raises(SystemExit) as exit_info:
        pipeline.run(pipeline.train, _train_cfg(tmp_path, model_dir))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert [x for x in err if x.startswith("datamime")] == [
        f"datamime: error: cannot save the model to {model_dir}: No space left on device; "
        "the previous model there is unchanged"]
    assert _contents(model_dir) == before
    assert _files(tmp_path) == ["good.csv", "model"]


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (needs root and mount; skipped elsewhere, e.g. on CI runners)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_really_full_disk_while_saving_keeps_the_previous_model(trained, small_disk, tmp_path,
                                                               capsys):
    model_dir = small_disk / "model"
    shutil.copytree(trained, model_dir)
    before = _contents(model_dir)
    with open(small_disk / "filler", "wb", buffering=0) as fh:  # fill it to the last byte
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with pytest.raises(SystemExit) as exit_info:
        pipeline.run(pipeline.train, _train_cfg(tmp_path, model_dir))
    assert exit_info.value.code == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.startswith("datamime")]
    assert len(err) == 1 and "No space left on device" in err[0], err
    assert _contents(model_dir) == before
    assert _files(small_disk) == ["filler", "model"]


# ---- CSV injection (OWASP): cells a spreadsheet would run as formulas
FORMULA_KEYS = ["+cmd|' /C calc'!A0", "=1+2", "@SUM(A1)", "-2+3", "-3", "plain"]


def _formula_table() -> pd.DataFrame:
    df = _good_table()
    n = len(df) // 2
    df = pd.concat([df.iloc[:n]] * len(FORMULA_KEYS), ignore_index=True)
    df["site"] = [k for k in FORMULA_KEYS for _ in range(n)]
    df["value"] = df["value"] - df["value"].median()  # negative numbers in the value column stay numbers
    return df


def test_formula_values_warn_at_training_and_are_escaped_on_request(tmp_path):
    df = _formula_table()
    with pytest.warns(UserWarning, match=r"4 identifying values start with = \+ - or @"):
        syn = Synthesizer(model="seasonal_bootstrap", verbose=False).fit(
            df, time="time", groups=["site", "sensor"], value="value")
    table = syn.sample(length=24)
    plain = pd.read_csv(write_table(table, tmp_path / "plain.csv", syn.schema), dtype=str)
    assert set(plain["site"]) == set(FORMULA_KEYS)  # by default the CSV mirrors the sample
    escaped = pd.read_csv(write_table(table, tmp_path / "esc.csv", syn.schema, escape=True),
                          dtype=str)
    expected = {k if k in ("-3", "plain") else f"'{k}" for k in FORMULA_KEYS}
    assert set(escaped["site"]) == expected
    assert escaped["value"].tolist() == plain["value"].tolist()
    assert (escaped["value"].astype(float) < 0).any()
    xlsx = pd.read_excel(write_table(table, tmp_path / "out.xlsx", syn.schema), dtype=str)
    assert set(xlsx["site"]) == expected  # always escaped: no formula cell in the workbook


def test_sample_script_escape_formulas_option(tmp_path, capsys):
    data = tmp_path / "formulas.csv"
    data.write_text(_formula_table().to_csv(sep=";", index=False))
    model_dir, out = tmp_path / "model", tmp_path / "out.csv"
    pipeline.run(pipeline.train, compose_config("train", [
        *ROLES, f"data.path={data}", f"model_dir={model_dir}", "model=seasonal_bootstrap",
        "verbose=true"]))
    assert "identifying values start with" in capsys.readouterr().err
    for escape in ("false", "true"):
        pipeline.run(pipeline.sample, compose_config("sample", [
            f"model_dir={model_dir}", f"out={out}", "length=5", "plot=false",
            f"escape_formulas={escape}"]))
        sites = set(pd.read_csv(out, sep=";", dtype=str)["site"])
        assert ("'=1+2" in sites) == (escape == "true") and ("=1+2" in sites) != (escape == "true")
        assert ("escape_formulas=true" in capsys.readouterr().err) == (escape == "false")
