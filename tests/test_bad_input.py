"""Bad input, end to end: one line on stderr, exit status 2, nothing left behind.

Each case drives the entry point the scripts use (the composed Hydra config passed to
``pipeline.run``); a couple go through a real ``python scripts/...`` process to show
that no traceback reaches the terminal.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from datamime import pipeline
from datamime.data.synthetic import make_panel
from datamime.persist import read_state, write_state
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
    # ---- sampling: the model, the range, the output
    ("model dir missing", "sample", "none", [], "no trained model"),
    ("incompatible model format", "sample", "old", [], "incompatible"),
    ("end before start", "sample", "ok", ["start=2024-02-01", "end=2024-01-01"], "before start"),
    ("length 0", "sample", "ok", ["length=0"], "length"),
    ("negative length", "sample", "ok", ["length=-5"], "length"),
    ("length not a number", "sample", "ok", ["length=abc"], "length"),
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


def _prepare(task: str, setup, overrides: list[str], tmp_path: Path, trained: Path):
    """Config for the case; returns (cfg, the path that must not appear, folders to scan)."""
    overrides = [o.replace("{tmp}", str(tmp_path)) for o in overrides]
    (tmp_path / "blocker").write_text("a file where a folder is expected\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "taken.csv").mkdir()
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
        return cfg, model_dir, [model_dir.parent]
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
    before = {f: _files(f) for f in folders}
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
    for folder, names in before.items():
        assert _files(folder) == names  # no output, no model, no temporary file
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

    if failing == "plot":
        import matplotlib.figure

        monkeypatch.setattr(matplotlib.figure.Figure, "savefig", boom)
    else:  # the pandas writer (the fast one steps aside) runs out of space
        monkeypatch.setattr("datamime.data.io._write_csv_fast", lambda *a, **k: False)
        monkeypatch.setattr("pandas.DataFrame.to_csv", boom)
    out = tmp_path / "out" / "synthetic.csv"
    cfg = compose_config("sample", [f"model_dir={trained}", f"out={out}", "verbose=false",
                                    "length=30", "plot=true"])
    with pytest.raises(SystemExit) as exit_info:
        pipeline.run(pipeline.sample, cfg)
    assert exit_info.value.code == 2
    assert _files(out.parent) == []
